"""One argparse behaviour for every command: a bad argument is one line on stderr and exit 2, and numbers
are checked for range where they are read."""

from __future__ import annotations

import argparse
import math
import os
import sys

BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    """argparse, with its two-line usage-plus-error message folded into the one line every other bad
    input gets; the usage stays one `-h` away. Subparsers made from it are of the same class."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        print(f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} -h)", file=sys.stderr)
        sys.exit(BAD_INPUT)


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width: left to itself it imports shutil (and with it lzma and bz2) in
    every parser, a tenth of `cli.py estimate`'s start-up, to ask the terminal."""

    def __init__(self, prog: str):
        try:
            width = int(os.environ.get("COLUMNS") or os.get_terminal_size().columns)
        except (OSError, ValueError):
            width = 80
        super().__init__(prog, width=width - 2)


def number(low: float, high: float, *, whole: bool = False, low_open: bool = False, why: str = ""):
    """An argparse type: a finite number from `low` (excluded when low_open) to `high`, whole if asked."""
    kind = "a whole number" if whole else "a number"
    span = f"above {_shown(low)}" if low_open else f"from {_shown(low)}"
    expected = f"must be {kind} {span} to {_shown(high)}" + (f" ({why})" if why else "")

    def parse(text: str):
        try:
            x = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{expected}, got {text!r}") from None
        if not (math.isfinite(x) and (x > low if low_open else x >= low) and x <= high):
            raise argparse.ArgumentTypeError(f"{expected}, got {text!r}")
        return x

    return parse


def _shown(x: float) -> str:
    """1,000,000 and 120 as written, 1e12 for the huge."""
    return f"{x:,.0f}" if x == int(x) and abs(x) < 1e7 else f"{x:g}".replace("e+", "e")


def tier_rate(text: str) -> tuple[str, float]:
    """An argparse type: TIER=PERCENT (pro=5), the percent a finite number; whether the tier exists and the
    percent's range are the scenario's to say."""
    name, sep, pct = text.partition("=")
    try:
        value = float(pct)
    except ValueError:
        value = math.nan
    if not sep or not name.strip() or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be TIER=PERCENT (such as pro=5), got {text!r}")
    return name.strip(), value

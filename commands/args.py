"""One argparse behaviour for every command: a bad argument is one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import sys

BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    """argparse, with its two-line usage-plus-error message folded into the one line every other bad
    input gets; the usage stays one `-h` away. Subparsers made from it are of the same class."""

    def error(self, message: str):
        print(f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} -h)", file=sys.stderr)
        sys.exit(BAD_INPUT)

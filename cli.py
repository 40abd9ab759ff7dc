#!/usr/bin/env python3
"""unitcost on the command line: estimate a scenario, sweep its users, show the price book.

Exit codes: 0 success, 2 bad input (one message on stderr naming the file, line and field).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from commands.args import Parser
from models.yamlio import ScenarioError
from pricing.book import PriceError

BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Commands that talk to AWS have their parsers with the AWS code, in usage/.
    if argv[:1] == ["import"]:
        from usage.cli_import import main as import_main

        return import_main(argv[1:])
    if argv[:1] == ["review"]:
        from usage.cli_review import main as review_main

        return review_main(argv[1:])
    if argv[:1] == ["prices"] and argv[1:2] in (["refresh"], ["diff"]):
        from usage.cli_prices import main as prices_main

        return prices_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (ScenarioError, PriceError) as e:
        source = getattr(args, "file", "")
        message = str(e)
        if isinstance(e, ScenarioError) and not e.source and source:
            e.source = source
            message = str(e)
        elif isinstance(e, PriceError) and source and not message.startswith(source):
            message = str(_price_error(e, source))
        print(f"error: {message}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: say so in one line; UNITCOST_DEBUG=1 shows the traceback
        if os.environ.get("UNITCOST_DEBUG"):
            raise
        print(
            f"error: internal error ({type(e).__name__}: {e}); rerun with UNITCOST_DEBUG=1 for details", file=sys.stderr
        )
        return 1


def _parser() -> Parser:
    p = Parser(prog="cli.py", description="Cost and capacity estimates for serverless apps on AWS.")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    e = sub.add_parser("estimate", help="the monthly bill of a scenario, per service, feature and tier")
    e.add_argument("file", help="scenario file (YAML, format 1)")
    e.add_argument("--json", action="store_true", help="one JSON object on stdout")
    e.set_defaults(run=_estimate)

    s = sub.add_parser("sweep", help="total and cost per user as users grow, every tier keeping its share")
    s.add_argument("file", help="scenario file (YAML, format 1)")
    s.add_argument("--users-from", type=_non_negative, required=True, metavar="A")
    s.add_argument("--users-to", type=_non_negative, required=True, metavar="B")
    s.add_argument("--points", type=_points, required=True, metavar="N", help=f"1 to {MAX_POINTS:,}")
    s.add_argument("--json", action="store_true", help="a JSON list of {users, total, cost_per_user}")
    s.set_defaults(run=_sweep)

    b = sub.add_parser(
        "prices",
        help="the price book: as-of date, sources and prices (also: prices refresh -h, prices diff -h)",
    )
    b.add_argument("--region", help="only this region (and the global free tier)")
    b.add_argument("--json", action="store_true")
    b.set_defaults(run=_prices)

    sub.add_parser("import", help="write a scenario from the usage of an AWS account (see: cli.py import -h)")
    sub.add_parser("review", help="a month's estimate vs metered vs billed, saved to history (cli.py review -h)")
    return p


def _price_error(e: PriceError, path: str):
    from models.scenario import price_error

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        text = ""
    return price_error(e, text, path)


def _non_negative(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(x) or x < 0 or x > 1e12:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1e12, got {text!r}")
    return x


# A million points is a curve finer than any screen or spreadsheet needs, and takes about 2 s and 300 MB.
MAX_POINTS = 1_000_000


def _points(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= n <= MAX_POINTS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_POINTS:,}, got {text!r}")
    return n


def _load(path: str):
    from models.scenario import load
    from pricing.book import default_book

    book = default_book()
    return load(path, regions=book.regions), book


def _estimate(args) -> int:
    from models.engine import estimate
    from models.report import estimate_text

    scenario, book = _load(args.file)
    result = estimate(scenario, book)
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2, allow_nan=False)  # strict JSON for other tools
        print()
    else:
        print(estimate_text(result))
    return 0


def _sweep(args) -> int:
    import numpy as np

    from models.engine import sweep

    scenario, book = _load(args.file)
    users = np.linspace(args.users_from, args.users_to, args.points)
    result = sweep(scenario, users, book)
    _write_sweep(result, args.json, sys.stdout)
    return 0


def _write_sweep(result, as_json: bool, out) -> None:
    """One row per point, formatted with printf-style templates: at 100,000 points, float repr and
    json.dumps of a dict per row cost several times the sweep itself."""
    import numpy as np

    # 12 significant digits keep any user count below 1e12 exact and format twice as fast as 15+.
    u = "d" if np.all(result.users == np.round(result.users)) else ".12g"
    if as_json:
        head, row, sep, tail = "[\n", f'{{"users": %{u}, "total": %.2f, "cost_per_user": %.10g}}', ",\n", "\n]\n"
        nan, none = '"cost_per_user": nan', '"cost_per_user": null'  # no users: no cost per user
    else:
        head = f"{'users':>16}  {'total USD':>16}  {'cost per user USD':>18}\n"
        row, sep, tail = f"%16{u}  %16.2f  %18.10g", "\n", "\n"
        nan, none = " nan", "   -"
    per_user = np.where(np.isfinite(result.cost_per_user), result.cost_per_user, np.nan)  # 1e-300 users: none
    body = _join_formatted(row, sep, (result.users, result.total, per_user))
    if np.isnan(per_user).any():
        body = body.replace(nan, none)
    out.write(head + body + tail)


PARALLEL_ROWS = 20_000


def _join_formatted(template: str, sep: str, columns: tuple) -> str:
    """sep.join(template % row) over rows taken across numpy `columns`. Float formatting is most of a large
    sweep's time, so from PARALLEL_ROWS rows on a forked child formats the second half meanwhile. Each
    process makes its own Python numbers from the arrays: touching shared objects would copy their pages."""

    def text(part: slice) -> str:
        return sep.join(map(template.__mod__, zip(*(c[part].tolist() for c in columns))))

    n = len(columns[0])
    if n < PARALLEL_ROWS or not hasattr(os, "fork"):
        return text(slice(None))
    half = slice(n // 2, None)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: format, hand the text over, and leave without running any cleanup
        try:
            os.close(read_fd)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(text(half).encode())
        except BaseException:
            os._exit(1)
        os._exit(0)
    os.close(write_fd)
    first = text(slice(None, n // 2))
    with os.fdopen(read_fd, "rb") as pipe:
        second = pipe.read().decode()
    if os.waitpid(pid, 0)[1] != 0:  # the child failed: do its half here
        second = text(half)
    return first + sep + second


def _prices(args) -> int:
    from pricing.book import default_book

    book = default_book()
    rows = [r for r in book.rows() if args.region in (None, r["region"], "global")]
    if args.region and args.region not in book.regions:
        raise PriceError(
            f"no prices for region {args.region!r} in the price book of {book.as_of} "
            f"(regions: {', '.join(book.regions)})"
        )
    if args.json:
        json.dump(
            {
                "as_of": book.as_of,
                "currency": book.currency,
                "path": os.path.relpath(book.path),
                "read": book.read,
                "sources": book.sources,
                "prices": rows,
            },
            sys.stdout,
            indent=2,
        )
        print()
        return 0
    print(f"Price book as of {book.as_of} ({book.currency}), {os.path.relpath(book.path)}")
    print(book.read)
    print(f"Regions: {', '.join(book.regions)}; free-tier allowances under 'global'.\n")
    header = ("region", "service", "component", "unit", "begin", "end", "price", "source")
    widths = [max(len(str(r[h])) for r in rows + [dict(zip(header, header))]) for h in header]
    for r in [dict(zip(header, header))] + rows:
        print("  ".join(str(r[h]).ljust(w) for h, w in zip(header, widths)).rstrip())
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)

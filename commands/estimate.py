"""`estimate`, `sweep` and `prices` (the book): a scenario's monthly bill, its curve as users grow, the prices.

Plain functions of parsed arguments; cli.py holds the argument tree and the one error handler.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from models.yamlio import ScenarioError
from pricing.book import PriceError


@contextmanager
def _about(path: str):
    """Errors while reading or pricing the scenario at `path` name it; a price the book lacks points at the
    region's line."""
    try:
        yield
    except ScenarioError as e:
        e.source = e.source or path
        raise
    except PriceError as e:
        if str(e).startswith(path):
            raise
        raise _price_error(e, path) from None


def _price_error(e: PriceError, path: str):
    from models.scenario import price_error

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        text = ""
    return price_error(e, text, path)


def _load(path: str):
    from models.scenario import load
    from pricing.book import default_book

    book = default_book()
    return load(path, regions=book.regions), book


def estimate(args) -> int:
    from models.engine import estimate
    from models.report import estimate_text

    with _about(args.file):
        scenario, book = _load(args.file)
        result = estimate(scenario, book)
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2, allow_nan=False)  # strict JSON for other tools
        print()
    else:
        print(estimate_text(result))
    return 0


def sweep(args) -> int:
    import numpy as np

    from models.engine import sweep

    with _about(args.file):
        scenario, book = _load(args.file)
        result = sweep(scenario, np.linspace(args.users_from, args.users_to, args.points), book)
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


def prices(args) -> int:
    from pricing.book import default_book

    book = default_book()
    region = args.book_region
    rows = [r for r in book.rows() if region in (None, r["region"], "global")]
    if region and region not in book.regions:
        raise PriceError(
            f"no prices for region {region!r} in the price book of {book.as_of} (regions: {', '.join(book.regions)})"
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

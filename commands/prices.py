"""`prices refresh` and `prices diff`: a new price book from the AWS Price List, and what changed.

    prices refresh [--region R ...] [--all-regions] [--from-file PATH ...] [--out-dir DIR] [--base BOOK]
                   [--allow-missing] [--profile P] [--endpoint-region R]
    prices diff OLD NEW [--scenarios DIR_OR_FILE ...] [--all] [--json]
    prices coverage [--json]

`refresh` reads every component the pricing models use (pricing/pricelist.py COMPONENTS) for the regions asked
(default: the regions of the base book), from the Price List Query API or from downloaded offer files
(`--from-file`, no credentials needed), and writes `<today>.json` (or `<today>-2.json`...) beside the base book
with those regions replaced and everything else carried over. Regions named with `--region` must have every
component (else exit 2 naming the missing ones, unless `--allow-missing`); with `--all-regions` or the
default, what a region lacks is left out of the new book and reported. Progress goes to stderr.

`coverage` lists, for every priced component of every service and every region of the book, whether the
book has its price: what it lacks is missing (an estimate there stops naming it), never guessed.

Exit codes: 0 done, 2 one message on stderr (bad arguments, no credentials, access denied, a component
missing or matching more than one price, an unreadable file).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from models.report import price_diff_text
from pricing.book import PriceError, book_paths, books_dir, load, newest_path
from pricing.diff import diff_books, scenario_changes, summary, to_json
from pricing.pricelist import (
    OFFERS,
    allowances_of,
    build_book,
    match_region,
    offer_of,
    read_products_file,
    region_of,
    write_book,
)
from usage.errors import UsageError

BAD_INPUT = 2
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- refresh


@dataclass(frozen=True)
class Refreshed:
    path: Path  # the new book
    summary: list[str]  # what was written and what changed, a line each


def _regions(args, action: str) -> list[str] | None:
    """The regions of `prices [--region R] ACTION [--region R ...]`: one given before the action counts, for
    the actions that take regions; the others say they do not, rather than ignore it."""
    before = getattr(args, "book_region", None)
    if before and action != "refresh":
        raise UsageError(f"prices {action} takes no --region (it covers every region of the book)")
    regions = [*([before] if before else []), *(getattr(args, "region", None) or [])]
    return list(dict.fromkeys(regions)) or None


def refresh(args) -> int:
    """`prices refresh`: progress and what was left out on stderr, the summary on stdout."""
    args.region = _regions(args, "refresh")
    if getattr(args, "json", False):  # `prices --json refresh`: said, not ignored
        raise UsageError("prices refresh takes no --json (it writes a book and prints what changed)")
    if getattr(args, "savings_plans", False):
        done = refresh_savings_plans(
            region=args.region,
            base=args.base,
            out_dir=args.out_dir,
            profile=args.profile,
            payment=args.payment_option,
            say=_progress,
        )
        print("\n".join(done.summary))
        return 0
    done = refresh_book(**{k: getattr(args, k) for k in REFRESH_OPTIONS}, say=_progress)
    print("\n".join(done.summary))
    return 0


REFRESH_OPTIONS = ("region", "all_regions", "from_file", "out_dir", "base", "allow_missing", "profile")
REFRESH_OPTIONS += ("endpoint_region",)


def refresh_book(
    *,
    region: list[str] | None = None,
    all_regions: bool = False,
    from_file: list[str] | None = None,
    out_dir: str | None = None,
    base: str | None = None,
    allow_missing: bool = False,
    profile: str | None = None,
    endpoint_region: str = "us-east-1",
    say: Callable[[str], None] = _progress,
) -> Refreshed:
    """A new dated price book from the Price List, as `cli.py prices refresh` makes it; `say` hears progress."""
    args = SimpleNamespace(**{k: v for k, v in locals().items() if k in REFRESH_OPTIONS})
    for r in args.region or []:
        if not REGION.match(r):
            raise UsageError(f"--region {r!r} is not a region code like us-east-1")
    base_path = Path(args.base) if args.base else newest_path()
    load(base_path)  # a clear error if the base is not a valid book
    try:
        base_doc = json.loads(base_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PriceError(f"{base_path}: not a valid price book ({e})") from None
    today = date.today().isoformat()
    allowances = allowances_of(base_doc)

    if args.from_file:
        matches, how = _from_files(args, allowances, today, say)
    else:
        matches, how = _from_api(args, base_doc, allowances, today, say)

    strict = bool(args.region) and not args.allow_missing and not args.all_regions
    result = build_book(matches, base_doc, _shown(base_path), today, how, strict=strict)
    for m in matches:
        if m.free_bands:
            bands = ", ".join(f"{c.label} 0-{end}" for c, end in m.free_bands)
            say(f"{m.region}: $0 free-tier bands left to the book's Always Free allowances: {bands}")
    for region, component in result.missing:
        say(f"not in the Price List, left out of the new book: {component.label} in {region}")
    for row in result.dropped:
        say(
            f"dropped from the base book: {row['service']} {row['component']} in {row['region']} "
            f"({row['begin']}-{row['end']} at {row['price']})"
        )
    try:
        out_dir = args.out_dir or books_dir()
        path = write_book(result.doc, out_dir, today)
    except OSError as e:
        raise UsageError(f"cannot write the new price book in {out_dir}: {e.strerror or e}") from None

    old, new = load(base_path), load(path)
    counts = summary(diff_books(old, new))
    regions = sorted({m.region for m in matches})
    lines = [
        f"wrote {_shown(path)}: {len(new.prices)} prices (region x component) for {len(new.regions)} regions, "
        f"as of {new.as_of}",
        f"refreshed {', '.join(regions)}; {result.carried} rows carried over from {_shown(base_path)}",
        f"against {_shown(base_path)}: {counts['changed']} changed, {counts['added']} added, "
        f"{counts['removed']} removed, {counts['unchanged']} unchanged",
    ]
    if result.missing:
        lines.append(f"{len(result.missing)} components not in the Price List (listed on stderr)")
    lines.append(f"details: cli.py prices diff {_shown(base_path)} {_shown(path)}")
    return Refreshed(path, lines)


def refresh_savings_plans(
    *,
    region: list[str] | None = None,
    base: str | None = None,
    out_dir: str | None = None,
    profile: str | None = None,
    payment: str = "No Upfront",
    client=None,
    say: Callable[[str], None] = _progress,
) -> Refreshed:
    """A new dated book: the base book with the Savings Plans rates of `region` (default: the base book's
    regions) replaced by the Savings Plans API's (read-only), 1-year term, `payment` option."""
    from usage import aws, savingsplans

    base_path = Path(base) if base else newest_path()
    book = load(base_path)
    regions = list(dict.fromkeys(region or book.regions))
    for r in regions:
        if not REGION.match(r):
            raise UsageError(f"--region {r!r} is not a region code like us-east-1")
    doc = json.loads(base_path.read_text(encoding="utf-8"))
    if client is None:  # the Savings Plans API is global, served from us-east-1
        session = aws.make_session(profile, "us-east-1")
        client = session.client("savingsplans", region_name="us-east-1", config=aws.RETRY_CONFIG)
    today = date.today().isoformat()
    new_rows = []
    for r in regions:
        rows = savingsplans.rate_rows(client, r, payment)
        say(f"{r}: {len(rows)} Savings Plans rates")
        new_rows += rows
    keep = [row for row in doc["prices"] if not (row["service"] == savingsplans.SERVICE and row["region"] in regions)]
    doc["prices"] = keep + new_rows
    doc["sources"] = dict(doc["sources"]) | {
        savingsplans.SOURCE: f"AWS Savings Plans API, DescribeSavingsPlansOfferingRates, 1 year, {payment}, "
        f"read {today}"
    }
    try:
        path = write_book(doc, out_dir or books_dir(), today)
    except OSError as e:
        raise UsageError(f"cannot write the new price book in {out_dir or books_dir()}: {e.strerror or e}") from None
    return Refreshed(
        path,
        [
            f"wrote {_shown(path)}: {len(new_rows)} Savings Plans rates for {', '.join(regions)} "
            f"(1 year, {payment}); other prices carried over from {_shown(base_path)}"
        ],
    )


def _from_files(args, allowances, today: str, say):
    products: list[dict] = []
    names = []
    for f in args.from_file:
        found = read_products_file(f)
        say(f"{f}: {len(found)} products")
        products += found
        names.append(Path(f).name)
    covered: dict[str, set[str]] = {}  # region -> offers the files have products of
    for p in products:
        if offer_of(p) in OFFERS and region_of(p):
            covered.setdefault(region_of(p), set()).add(offer_of(p))
    if not covered:
        raise UsageError(
            f"no products of {', '.join(OFFERS)} with a regionCode in {', '.join(args.from_file)}: "
            "are these AWS Price List offer files?"
        )
    if args.region and not args.all_regions:
        absent = [r for r in args.region if r not in covered]
        if absent:
            raise UsageError(
                f"no products for {', '.join(absent)} in the files (they have: {', '.join(sorted(covered))})"
            )
        regions = list(dict.fromkeys(args.region))
    else:
        regions = sorted(covered)
    how = f"from the offer file{'s' * (len(names) > 1)} {', '.join(names)}"
    by_region: dict[str, list[dict]] = {}
    for p in products:
        by_region.setdefault(region_of(p), []).append(p)
    matches = [match_region(by_region[r], r, covered[r], allowances, how, today) for r in regions]
    return matches, how


def _from_api(args, base_doc: dict, allowances, today: str, say):
    from usage.pricelist import pricing_client, region_codes

    client = pricing_client(args.profile, args.endpoint_region)
    base_regions = sorted({r["region"] for r in base_doc["prices"]} - {"global"})
    if args.all_regions:
        regions = sorted(set(base_regions) | set(args.region or []) | set(region_codes(client, "AWSLambda")))
    else:
        regions = list(dict.fromkeys(args.region or base_regions))
    how = f"with GetProducts, endpoint {args.endpoint_region}"
    matches = []
    for i, region in enumerate(regions, 1):
        say(f"[{i}/{len(regions)}] {region}")
        products = _fetch_region(client, region, say)
        if not products and args.region and region in args.region:
            raise UsageError(f"the Price List has no products of {', '.join(OFFERS)} for region {region!r}")
        matches.append(match_region(products, region, OFFERS, allowances, how, today))
    return matches, how


def _fetch_region(client, region: str, say) -> list[dict]:
    from usage.pricelist import get_products

    products = []
    for offer in OFFERS:
        products += get_products(client, offer, region, progress=lambda t: say("  " + t))
    return products


def _shown(path: Path) -> str:
    """Relative to the working folder when inside it (pricing/books/2026-11-27.json), else absolute."""
    path = Path(path).absolute()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- diff


def diff(args) -> int:
    _regions(args, "diff")
    old_path, new_path = _diff_paths(args.old, args.new)
    old, new = load(old_path), load(new_path)
    changes = diff_books(old, new)
    scenarios = scenario_changes(_scenario_files(args.scenarios), old, new, _total, errors=_estimate_errors())
    if args.json:
        json.dump(to_json(old, new, changes, scenarios), sys.stdout, indent=2)
        print()
    else:
        print(price_diff_text(old, new, changes, scenarios, show_unchanged=args.all))
    return 0


def coverage_of(book) -> dict:
    """Which components of the registry's services the book prices in each of its regions."""
    from pricing.services import registry

    regions = [r for r in book.regions if r != "global"]
    rows = [
        {"service": sv.name, "component": c.price, "name": c.name, "regions": {r: (r, sv.name, c.price) in book.prices
                                                                              for r in regions}}
        for sv in registry()
        for c in sv.components
    ]  # fmt: skip
    missing = [{"region": r, "service": x["service"], "component": x["component"]}
               for r in regions for x in rows if not x["regions"][r]]  # fmt: skip
    return {"as_of": book.as_of, "regions": regions, "components": rows, "missing": missing}


def coverage(args) -> int:
    from pricing.book import default_book

    _regions(args, "coverage")
    c = coverage_of(default_book())
    if args.json:
        json.dump(c, sys.stdout, indent=2)
        print()
        return 0
    regions = c["regions"]
    total = len(c["components"]) * len(regions)
    print(f"Price book as of {c['as_of']}: {total - len(c['missing'])} of {total} component prices present")
    print("(missing: not found in published pricing yet; an estimate in that region stops and names it)\n")
    header = ["service", "component", *regions]
    table = [header] + [
        [x["service"], x["component"], *("yes" if x["regions"][r] else "missing" for r in regions)]
        for x in c["components"]
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    return 0


def _diff_paths(old: str | None, new: str | None) -> tuple[Path, Path]:
    """The books to compare: as given; without NEW the newest, without OLD the one before NEW's."""
    if old and new:
        return _book_path(old), _book_path(new)
    books = book_paths()
    if new is None and old is not None:  # one name: it is compared with the newest
        return _book_path(old), Path(_shown(books[-1]))
    if len(books) < 2:
        raise PriceError(
            f"only one price book in {_shown(books_dir())}: a refresh writes a second one, or name two book files"
        )
    return Path(_shown(books[-2])), Path(_shown(books[-1]))


def _book_path(name: str) -> Path:
    path = Path(name)
    if path.is_file():
        return path
    named = books_dir() / (name if name.endswith(".json") else f"{name}.json")
    if named.is_file():
        return Path(_shown(named))
    raise PriceError(f"no price book {name!r}: give a file, or a name in {_shown(books_dir())} such as 2026-11-27")


def _scenario_files(paths: Iterable[str]) -> list[str]:
    files: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise UsageError(f"{p}: no *.yaml scenario files in this folder")
            files += [str(f) for f in found]
        elif path.is_file():
            files.append(str(path))
        else:
            raise UsageError(f"{p}: no such scenario file or folder")
    return files


def _total(path: str, book) -> float:
    from models.engine import estimate
    from models.scenario import load as load_scenario

    return estimate(load_scenario(path), book).total


def _estimate_errors() -> tuple[type[Exception], ...]:
    from models.yamlio import ScenarioError

    return (ScenarioError, PriceError)


def has_credentials() -> bool:
    """Whether the standard AWS credential chain finds credentials (nothing is called)."""
    from usage.aws import has_credentials as found

    return found()

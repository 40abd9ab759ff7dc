"""The price book: a committed, dated snapshot of AWS list prices (USD), kept as published.

Each row is one tier of one component in one region: service, component, unit, begin and end of
the tier (as in the Price List's beginRange/endRange, "Inf" for the last) and the price as a
string exactly as published. Always Free allowances live under the region "global", since AWS
applies them per account across regions.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from errors import UnitcostError

BOOKS_DIR = Path(__file__).parent / "books"
GLOBAL = "global"


class PriceError(UnitcostError):
    """A price that is not in the book, or a book that cannot be read."""


@dataclass(frozen=True)
class Tier:
    """One volume tier of a price: `price` USD per unit for the units from `begin` to `end` in a month."""

    begin: float
    end: float  # math.inf for the last tier
    price: str  # USD per unit, as published

    @property
    def usd(self) -> float:
        return float(self.price)


@dataclass(frozen=True)
class Price:
    """One component's price in one region: its tiers from 0 up, its unit and the bill's usage type."""

    region: str
    service: str
    component: str
    unit: str
    usage_type: str
    source: str
    tiers: tuple[Tier, ...]


@dataclass(frozen=True)
class PriceBook:
    """A dated book of prices by (region, service, component), with the sources they were read from."""

    as_of: str
    currency: str
    read: str
    sources: dict[str, str]
    prices: dict[tuple[str, str, str], Price]
    path: str = ""

    @property
    def regions(self) -> list[str]:
        return sorted({region for region, _, _ in self.prices} - {GLOBAL})

    def get(self, region: str, service: str, component: str) -> Price:
        try:
            return self.prices[region, service, component]
        except KeyError:
            raise PriceError(
                f"no price for {service} {component} in {region} in the price book of {self.as_of}"
            ) from None

    def allowance(self, service: str, component: str) -> float:
        """Always Free allowance per month, in the component's unit."""
        return self.get(GLOBAL, service, component).tiers[-1].end

    def rows(self) -> list[dict]:
        return [
            {
                "region": p.region,
                "service": p.service,
                "component": p.component,
                "unit": p.unit,
                "begin": _range_text(t.begin),
                "end": _range_text(t.end),
                "price": t.price,
                "usage_type": p.usage_type,
                "source": p.source,
            }
            for p in self.prices.values()
            for t in p.tiers
        ]


def _range_text(x: float) -> str:
    return "Inf" if math.isinf(x) else f"{x:.15g}"


def load(path: str | Path) -> PriceBook:
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
        grouped: dict[tuple[str, str, str], list[dict]] = {}
        for row in doc["prices"]:
            grouped.setdefault((row["region"], row["service"], row["component"]), []).append(row)
        prices = {key: _price(key, rows) for key, rows in grouped.items()}
        return PriceBook(doc["as_of"], doc["currency"], doc["read"], doc["sources"], prices, str(path))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise PriceError(f"{path}: not a valid price book ({type(e).__name__}: {e})") from None


def _price(key: tuple[str, str, str], rows: list[dict]) -> Price:
    tiers = tuple(sorted((Tier(float(r["begin"]), float(r["end"]), r["price"]) for r in rows), key=lambda t: t.begin))
    # Tiers must run from 0 without gaps or overlaps, or tier splitting would drop usage.
    if tiers[0].begin != 0 or any(a.end != b.begin for a, b in zip(tiers, tiers[1:])):
        raise ValueError(f"tiers of {'/'.join(key)} do not run contiguously from 0")
    for t in tiers:
        if not 0 <= float(t.price) < math.inf:  # NaN fails both
            raise ValueError(f"negative price (or not a finite number) in {'/'.join(key)}: {t.price!r}")
    r = rows[0]
    return Price(*key, unit=r["unit"], usage_type=r["usage_type"], source=r["source"], tiers=tiers)


BOOK_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.json$")


def book_sort_key(path: Path) -> tuple[str, int, str]:
    """Order of book files by date, then by the same-day number: 2026-11-27, 2026-11-27-2, 2026-11-27-10.
    (Plain name order puts 2026-11-27-2.json before 2026-11-27.json, as '-' sorts before '.'.)"""
    m = BOOK_NAME.match(path.name)
    return (m.group(1), int(m.group(2) or 1), "") if m else ("", 0, path.name)


def books_dir() -> Path:
    """Where the price books live: pricing/books, or UNITCOST_BOOKS_DIR (a team's shared folder, tests)."""
    return Path(os.environ.get("UNITCOST_BOOKS_DIR") or BOOKS_DIR)


def book_paths() -> list[Path]:
    """Every price book (files named by date: 2026-11-27.json, 2026-11-27-2.json), oldest first."""
    return sorted((p for p in books_dir().glob("*.json") if BOOK_NAME.match(p.name)), key=book_sort_key)


def newest_path() -> Path:
    books = book_paths()
    if not books:
        raise PriceError(f"no price book in {books_dir()}")
    return books[-1]


@cache
def default_book() -> PriceBook:
    return load(newest_path())

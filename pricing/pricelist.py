"""Build a price book from AWS Price List products (GetProducts items or bulk offer files). No AWS calls.

A Price List product is one SKU: `product.attributes` (regionCode, usagetype, group, ...), `product.productFamily`
and `terms.OnDemand`, whose price dimensions are the volume tiers (`beginRange`, `endRange`, `pricePerUnit.USD`).
GetProducts returns one such product per JSON string; a bulk offer file (`index.json` of an offer or of one
region) holds `products` and `terms` keyed by SKU. Both become the same product dicts here.

Matching, per region and component (`COMPONENTS`):
- the product's `regionCode` is the region, and its offer (`serviceCode`) is the component's;
- its `usagetype` is the component's usage type with or without one region prefix `^[A-Z0-9]+-`: us-east-1
  mostly has none (`Request`), some offers use `USE1-` even there (`USE1-ApiGatewayMessage`), Ireland is `EU-`.
  When a usage type fits several components, the longest fits: `IA-ReadRequestUnits` is the Standard-IA
  component, not `ReadRequestUnits` with a prefix `IA-`;
- when products of several families match, those of the component's `productFamily` win.

Tiers come from the price dimensions of the matching products, prices stay strings as published. A leading
$0 band (DynamoDB's first 25 GB-months, the first 18,600 RCU-hours) is the Always Free allowance: it is
dropped and the paid tiers rebased to start at 0, because the book keeps allowances apart (region `global`)
and the engine takes them off first. Its size must equal the book's allowance, or the bill would be wrong.

Errors name the component and region: no product (`MissingComponent`), products with different prices for
the same usage (`AmbiguousComponent`), tiers that do not run from 0 to Inf, an unexpected unit.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pricing.book import GLOBAL, PriceError, load
from pricing.services import registry

INF = Decimal("Infinity")
ON_DEMAND = "OnDemand"


class PriceListError(PriceError):
    """Price List data that cannot be turned into a price book; the message names component and region."""


class MissingComponent(PriceListError):
    def __init__(self, missing: list[tuple[str, Component]]):
        self.missing = missing
        names = ", ".join(f"{c.label} in {region}" for region, c in missing)
        hint = "; ".join(f"{c.label}: {c.offer} usage type {c.suffix}" for c in dict.fromkeys(c for _, c in missing))
        super().__init__(f"no Price List product for {names} (looked for {hint}, with or without a region prefix)")


class AmbiguousComponent(PriceListError):
    pass


@dataclass(frozen=True)
class Component:
    """One priced component the pricing models use, and how to find it in the Price List."""

    service: str  # as in the book: lambda, websocket, http, dynamodb, logs
    component: str  # as in the book: duration_x86_64
    offer: str  # Price List service code: AWSLambda
    suffix: str  # usage type without region prefix: Lambda-GB-Second
    unit: str  # the book's unit: GB-second
    units: frozenset[str]  # Price List units accepted, normalised by _unit_key: {"lambdagbsecond", ...}
    family: str | None = None  # productFamily preferred when products of several families match
    free: str | None = None  # the book's global allowance a $0 first band stands for
    aliases: tuple[str, ...] = ()  # the usage type's other names in some regions

    @property
    def suffixes(self) -> tuple[str, ...]:
        return (self.suffix, *self.aliases)

    @property
    def label(self) -> str:
        return f"{self.service} {self.component}"


# Price List units accepted for each unit of the book, compared lowercased without punctuation or a plural s.
PRICE_LIST_UNITS: dict[str, frozenset[str]] = {
    unit: frozenset(keys.split())
    for unit, keys in {
        "request": "request",
        "GB-second": "lambdagbsecond gbsecond second",
        "GB": "gb",
        "message": "message request",
        "minute": "minute",
        "WRU": "writerequestunit",
        "RRU": "readrequestunit",
        "GB-month": "gbmo gbmonth",
        "WCU-hour": "writecapacityunithr hr hour",
        "RCU-hour": "readcapacityunithr hr hour",
    }.items()
}


def _unit_key(unit: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", unit.lower())
    return key[:-1] if key.endswith("s") else key


def _components() -> tuple[Component, ...]:
    """The components the models use, as the service modules declare them (exactly the (service, component)
    pairs of the committed book: a test checks)."""
    out = []
    for sv in registry():
        for c in sv.components:
            units = PRICE_LIST_UNITS.get(c.unit, frozenset({_unit_key(c.unit)})) | frozenset(c.price_list_units)
            out.append(Component(sv.name, c.price, c.offer, c.usage_type, c.unit, units, c.family, c.free, c.aliases))
    return tuple(out)


COMPONENTS: tuple[Component, ...] = _components()
OFFERS: tuple[str, ...] = tuple(dict.fromkeys(c.offer for c in COMPONENTS))
SERVICES_OF_OFFER: dict[str, set[str]] = {o: {c.service for c in COMPONENTS if c.offer == o} for o in OFFERS}


# ---------------------------------------------------------------- reading products


def products_from_price_list(price_list: Iterable[str | dict]) -> list[dict]:
    """GetProducts `PriceList` items (JSON strings, as botocore returns them, or already parsed)."""
    out = []
    for i, item in enumerate(price_list):
        try:
            product = json.loads(item) if isinstance(item, str | bytes) else item
        except ValueError as e:
            raise PriceListError(f"PriceList item {i} is not JSON: {e}") from None
        if not isinstance(product, dict) or not isinstance(product.get("product"), dict):
            raise PriceListError(f"PriceList item {i} is not a Price List product (no 'product' object)")
        out.append(product)
    return out


def products_from_offer(doc: dict) -> list[dict]:
    """A bulk offer file (`<offer>/current/index.json` or `<offer>/current/<region>/index.json`), as products in
    the GetProducts shape, each carrying the offer's `version` and `publicationDate`."""
    on_demand = doc.get("terms", {}).get(ON_DEMAND, {})
    offer = doc.get("offerCode", "")
    out = []
    for sku, product in doc.get("products", {}).items():
        out.append(
            {
                "product": product,
                "serviceCode": offer or product.get("attributes", {}).get("servicecode", ""),
                "terms": {ON_DEMAND: on_demand.get(sku, {})},
                "version": doc.get("version", ""),
                "publicationDate": doc.get("publicationDate", ""),
            }
        )
    return out


def read_products_file(path: str | Path) -> list[dict]:
    """Products from a file: a bulk offer file, a saved GetProducts response (`{"PriceList": [...]}`) or a
    JSON list of products."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PriceListError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise PriceListError(f"{path}: not a readable JSON file ({e})") from None
    try:
        if isinstance(doc, dict) and "products" in doc and "terms" in doc:
            return products_from_offer(doc)
        if isinstance(doc, dict) and "PriceList" in doc:
            return products_from_price_list(doc["PriceList"])
        if isinstance(doc, list):
            return products_from_price_list(doc)
    except PriceListError as e:
        raise PriceListError(f"{path}: {e}") from None
    except (AttributeError, TypeError) as e:
        raise PriceListError(f"{path}: not a Price List offer file ({e})") from None
    raise PriceListError(
        f"{path}: not a Price List file (expected a bulk offer file with 'products' and 'terms', "
        "a GetProducts response with 'PriceList', or a list of products)"
    )


def offer_of(product: dict) -> str:
    return product.get("serviceCode") or product["product"].get("attributes", {}).get("servicecode", "")


def region_of(product: dict) -> str:
    return product["product"].get("attributes", {}).get("regionCode", "")


# ---------------------------------------------------------------- matching one region


def strip_region_prefix(usage_type: str) -> str:
    """`EU-Request` -> `Request`, `USE1-ApiGatewayMessage` -> `ApiGatewayMessage`, `Request` -> `Request`."""
    return re.sub(r"^[A-Z0-9]+-", "", usage_type)


def fits(usage_type: str, suffix: str) -> bool:
    """The usage type is `suffix` itself or `suffix` behind one region prefix."""
    return usage_type == suffix or re.fullmatch(r"[A-Z0-9]+-" + re.escape(suffix), usage_type) is not None


def components_for(usage_type: str, offer: str) -> list[Component]:
    hits = {c: max(len(s) for s in c.suffixes if fits(usage_type, s))
            for c in COMPONENTS if c.offer == offer and any(fits(usage_type, s) for s in c.suffixes)}  # fmt: skip
    longest = max(hits.values(), default=0)
    return [c for c, n in hits.items() if n == longest]


@dataclass(frozen=True)
class _Dim:
    begin: Decimal
    end: Decimal
    price: str  # as published
    unit: str
    sku: str
    usage_type: str

    @property
    def key(self) -> tuple[Decimal, Decimal, Decimal]:
        return self.begin, self.end, Decimal(self.price)


@dataclass
class RegionMatch:
    """What one region's products gave: book rows per component, what is missing, what was skipped."""

    region: str
    offers: set[str]
    rows: list[dict] = field(default_factory=list)
    missing: list[Component] = field(default_factory=list)
    free_bands: list[tuple[Component, str]] = field(default_factory=list)  # (component, end of the $0 band)
    sources: dict[str, str] = field(default_factory=dict)


def match_region(
    products: Iterable[dict],
    region: str,
    offers: Iterable[str],
    allowances: dict[tuple[str, str], Decimal],
    how: str,
    read_on: str,
) -> RegionMatch:
    """Book rows for every component of `offers` in `region`.

    `allowances` are the book's Always Free allowances, (service, component) -> size, to check $0 bands
    against; `how` and `read_on` describe the read in the rows' sources ("GetProducts", "2026-11-28").
    Raises AmbiguousComponent or PriceListError; missing components are listed in the result.
    """
    offers = set(offers)
    candidates: dict[Component, dict[str, dict]] = {c: {} for c in COMPONENTS if c.offer in offers}
    for p in products:
        offer = offer_of(p)
        if offer not in offers or region_of(p) != region:
            continue
        usage_type = p["product"].get("attributes", {}).get("usagetype", "")
        for c in components_for(usage_type, offer):
            candidates[c][p["product"].get("sku") or usage_type] = p  # the same SKU twice is one product

    result = RegionMatch(region, offers)
    for c, by_sku in candidates.items():
        chosen = list(by_sku.values())
        if c.family and any(_family(p) == c.family for p in chosen):
            chosen = [p for p in chosen if _family(p) == c.family]
        tiers, free_end = _tiers(c, region, chosen)
        if not tiers:
            result.missing.append(c)
            continue
        if free_end is not None:
            _check_free_band(c, region, free_end, allowances)
            result.free_bands.append((c, _text(free_end)))
        version, published = _newest_version(chosen)
        source = f"PL-{c.offer}-{version or published or 'unversioned'}"
        result.sources[source] = (
            f"AWS Price List offer {c.offer}, version {version or '?'}, publicationDate {published or '?'}, "
            f"read {how} on {read_on}"
        )
        usage_type = _usage_type(tiers)
        result.rows += [
            {
                "region": region,
                "service": c.service,
                "component": c.component,
                "unit": c.unit,
                "begin": _text(t.begin),
                "end": _text(t.end),
                "price": t.price,
                "usage_type": usage_type,
                "source": source,
            }
            for t in tiers
        ]
    return result


def _family(product: dict) -> str:
    return product["product"].get("productFamily", "")


def _newest_version(products: list[dict]) -> tuple[str, str]:
    return max((str(p.get("version", "")), str(p.get("publicationDate", ""))) for p in products)


def _usage_type(tiers: list[_Dim]) -> str:
    types = sorted({t.usage_type for t in tiers}, key=lambda u: (u != strip_region_prefix(u), u))
    return types[-1]  # the region-prefixed spelling when both appear, as the committed book keeps it


def _tiers(c: Component, region: str, products: list[dict]) -> tuple[list[_Dim], Decimal | None]:
    """The component's paid tiers (rebased past a $0 first band) and the end of that band, if any."""
    where = f"{c.label} in {region}"
    per_product: list[list[_Dim]] = []
    free_ends: set[Decimal] = set()
    for p in products:
        dims = _dims(c, where, p)
        if not dims:
            continue
        free_service = c.free is None and dims[-1].end == INF  # $0 at any volume (SNS deliveries to SQS)
        if all(Decimal(d.price) == 0 for d in dims) and not free_service:  # a free-tier band: only its size matters
            free_ends.add(max(d.end for d in dims))
            continue
        if dims[0].begin == 0 and Decimal(dims[0].price) == 0 and dims[0].end != INF and len(dims) > 1:
            free_ends.add(dims[0].end)
            dims = _rebase(dims[1:], dims[0].end)
        per_product.append(dims)
    if len(free_ends) > 1:
        raise AmbiguousComponent(f"{where}: $0 free-tier bands of different sizes: {_list(free_ends)}")
    free_end = next(iter(free_ends), None)
    if not per_product:
        return [], free_end

    distinct: dict[tuple, list[_Dim]] = {}
    for dims in per_product:
        distinct.setdefault(tuple(d.key for d in dims), dims)
    if len(distinct) == 1:
        tiers = next(iter(distinct.values()))
    else:  # several products: tiers split over SKUs (one dimension each) when together they make one chain
        union = {d.key: d for dims in per_product for d in dims}
        tiers = sorted(union.values(), key=lambda d: d.key)
        if len({d.begin for d in tiers}) < len(tiers) or not _is_chain(_rebase_free(tiers, free_end)):
            options = "; ".join(
                ", ".join(sorted({f"{d.sku} ({d.usage_type})" for d in dims})) + ": " + _tier_text(dims)
                for dims in distinct.values()
            )
            raise AmbiguousComponent(
                f"{where}: {len(distinct)} Price List products with different prices match "
                f"{c.offer} usage type {c.suffix}: {options}"
            )
    tiers = _rebase_free(tiers, free_end)  # a $0 band in a product of its own
    if not _is_chain(tiers):
        raise PriceListError(
            f"{where}: the Price List tiers do not run from 0 to Inf without gaps: {_tier_text(tiers)}"
        )
    return tiers, free_end


def _rebase_free(tiers: list[_Dim], free_end: Decimal | None) -> list[_Dim]:
    return _rebase(tiers, free_end) if free_end is not None and tiers[0].begin == free_end else tiers


def _tier_text(dims: list[_Dim]) -> str:
    return ", ".join(f"{_text(d.begin)}-{_text(d.end)} @ {d.price}" for d in dims)


def _dims(c: Component, where: str, product: dict) -> list[_Dim]:
    sku = product["product"].get("sku", "?")
    usage_type = product["product"].get("attributes", {}).get("usagetype", "")
    terms = product.get("terms", {}).get(ON_DEMAND, {})
    dims: dict[tuple, _Dim] = {}
    for term in terms.values():
        for rate_code, d in term.get("priceDimensions", {}).items():
            price = d.get("pricePerUnit", {}).get("USD")
            if price is None:
                raise PriceListError(f"{where}: price dimension {rate_code} has no USD price")
            try:
                dim = _Dim(
                    _range(d.get("beginRange", "0")),
                    _range(d.get("endRange", "Inf")),
                    str(price),
                    d.get("unit", ""),
                    sku,
                    usage_type,
                )
                if Decimal(dim.price) < 0 or not Decimal(dim.price).is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                raise PriceListError(
                    f"{where}: price dimension {rate_code} has an unreadable range or price "
                    f"({d.get('beginRange')!r}-{d.get('endRange')!r} @ {price!r})"
                ) from None
            if _unit_key(dim.unit) not in c.units:
                raise PriceListError(
                    f"{where}: price dimension {rate_code} is priced per {dim.unit!r}, expected one of "
                    f"{sorted(c.units)} (the book prices it per {c.unit})"
                )
            dims.setdefault(dim.key, dim)
    return sorted(dims.values(), key=lambda d: d.key)


def _is_chain(tiers: list[_Dim]) -> bool:
    return (
        tiers[0].begin == 0
        and tiers[-1].end == INF
        and all(a.end == b.begin for a, b in zip(tiers, tiers[1:]))
        and all(t.begin < t.end for t in tiers)
    )


def _rebase(dims: list[_Dim], by: Decimal) -> list[_Dim]:
    return [_Dim(d.begin - by, d.end - by, d.price, d.unit, d.sku, d.usage_type) for d in dims]


def _check_free_band(c: Component, region: str, end: Decimal, allowances: dict[tuple[str, str], Decimal]) -> None:
    if c.free is None:
        raise PriceListError(
            f"{c.label} in {region}: the Price List gives the first {_text(end)} {c.unit} for $0, but the "
            "price book has no free allowance for it; the models would bill that usage"
        )
    allowance = allowances.get((c.service, c.free))
    if allowance is None:
        raise PriceListError(
            f"{c.label} in {region}: the Price List gives the first {_text(end)} {c.unit} for $0, but the "
            f"price book has no allowance {c.service} {c.free} in region {GLOBAL}"
        )
    if allowance != end:
        raise PriceListError(
            f"{c.label} in {region}: the Price List gives the first {_text(end)} {c.unit} for $0, but the "
            f"price book's Always Free allowance {c.service} {c.free} is {_text(allowance)}"
        )


def _range(text) -> Decimal:
    text = str(text).strip()
    return INF if text.lower() in ("inf", "infinity") else Decimal(text)


def _text(x: Decimal) -> str:
    if x == INF:
        return "Inf"
    return format(x.normalize(), "f")


def _list(xs: Iterable[Decimal]) -> str:
    return ", ".join(_text(x) for x in sorted(xs))


# ---------------------------------------------------------------- the new book


@dataclass
class Refresh:
    """A new book and what to tell the person who asked for it."""

    doc: dict
    matches: list[RegionMatch]
    carried: int  # rows kept from the base book
    dropped: list[dict]  # base rows of refreshed regions whose component the Price List no longer has

    @property
    def missing(self) -> list[tuple[str, Component]]:
        return [(m.region, c) for m in self.matches for c in m.missing]


def allowances_of(base_doc: dict) -> dict[tuple[str, str], Decimal]:
    return {(r["service"], r["component"]): _range(r["end"]) for r in base_doc["prices"] if r["region"] == GLOBAL}


def build_book(
    matches: list[RegionMatch], base_doc: dict, base_name: str, today: str, how: str, strict: bool = True
) -> Refresh:
    """The base book with the matched regions' rows replaced, per region and offer.

    Rows of regions and offers not refreshed, and the Always Free allowances (region `global`), are carried
    over unchanged. With `strict`, a component missing in a refreshed region is an error naming it;
    otherwise it is left out of the new book (the engine then says so when a scenario needs it).
    """
    missing = [(m.region, c) for m in matches for c in m.missing]
    if strict and missing:
        raise MissingComponent(missing)
    refreshed = {(m.region, s) for m in matches for o in m.offers for s in SERVICES_OF_OFFER[o]}
    carried = [r for r in base_doc["prices"] if (r["region"], r["service"]) not in refreshed]
    new_keys = {(r["region"], r["service"], r["component"]) for m in matches for r in m.rows}
    dropped = [
        r
        for r in base_doc["prices"]
        if (r["region"], r["service"]) in refreshed and (r["region"], r["service"], r["component"]) not in new_keys
    ]

    order = {c: i for i, c in enumerate((c.service, c.component) for c in COMPONENTS)}
    base_regions = list(dict.fromkeys(r["region"] for r in base_doc["prices"] if r["region"] != GLOBAL))
    regions = base_regions + sorted({m.region for m in matches} - set(base_regions))
    region_order = {r: i for i, r in enumerate(regions)}
    rows = carried + [r for m in matches for r in m.rows]
    rows.sort(
        key=lambda r: (
            r["region"] == GLOBAL,
            region_order.get(r["region"], len(regions)),
            order.get((r["service"], r["component"]), len(order)),
            _range(r["begin"]),
        )
    )

    sources = {k: v for k, v in base_doc["sources"].items() if any(r["source"] == k for r in carried)}
    for m in matches:
        sources.update(m.sources)
    versions = sorted({k for m in matches for k in m.sources})
    read = (
        f"Refreshed {today} from the AWS Price List ({how}) for {', '.join(sorted({m.region for m in matches}))}: "
        f"{', '.join(versions) or 'no offers'}. Other rows, and the Always Free allowances (region "
        f"global), are carried over from {base_name} (as of {base_doc['as_of']}). On-demand list prices, "
        "tax excluded."
    )
    doc = {
        "as_of": today,
        "currency": base_doc.get("currency", "USD"),
        "read": read,
        "sources": sources,
        "prices": rows,
    }
    return Refresh(doc, matches, len(carried), dropped)


def dumps_book(doc: dict) -> str:
    """The committed book's layout: the header indented, one price row per line."""
    head = json.dumps({k: v for k, v in doc.items() if k != "prices"}, indent=2)
    rows = ",\n".join("    " + json.dumps(r) for r in doc["prices"])
    return head[:-2] + ',\n  "prices": [\n' + rows + "\n  ]\n}\n"


def write_book(doc: dict, out_dir: str | Path, date: str) -> Path:
    """Write `<date>.json` in `out_dir`, or `<date>-2.json`, `-3`... when that exists: never overwrites.

    Atomic: the book is written to a temp file in `out_dir`, checked by loading it as a price book, then
    linked to its name (which fails rather than replace a file that appeared meanwhile)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{date}.", suffix=".json.tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dumps_book(doc))
        load(tmp)  # the engine must be able to read what we write
        n = 1
        while True:
            path = out_dir / (f"{date}.json" if n == 1 else f"{date}-{n}.json")
            if not path.exists():
                try:
                    os.link(tmp, path)
                    return path
                except FileExistsError:
                    pass
                except OSError:  # a file system without hard links
                    if not path.exists():
                        os.replace(tmp, path)
                        return path
            n += 1
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

"""Edits a person makes to a scenario in the app, each validated exactly like a scenario file.

Every edit builds format-1 data and goes through the scenario file's own reader plus one estimate,
so an edit is valid only if a file with the same content would be, and a bad value gets the same
message (naming the field) as it would in a file. The data goes to the reader as it is (no YAML in
between), and the estimate that checked it is kept (`estimate_of`), so the app does not price the
same scenario twice. Nothing here changes the scenario it is given: each
function returns a new `Scenario` or raises `ScenarioError`, so the caller keeps the last valid one.

Also here: the scenarios folder (list, save without ever leaving a half-written file) and the
price books to choose from.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
import os
import re
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from errors import UnitcostError
from models.engine import Estimate, estimate
from models.scenario import Plan, Scenario, ScenarioError, from_data, loads, price_error, put_range, to_dict
from models.yamlio import load_with_lines
from pricing.book import PriceBook, PriceError, book_paths, books_dir
from pricing.book import load as load_book_file

# ---------------------------------------------------------------- validation


def digest(s: Scenario) -> str:
    """A short key for the scenario's content: equal scenarios, equal digests (the dataclasses' repr
    lists every field in order, and a float's repr is exact)."""
    return hashlib.sha256(repr(s).encode("utf-8")).hexdigest()[:32]


_ESTIMATES: OrderedDict[tuple[str, str, str], Estimate] = OrderedDict()
_MAX_ESTIMATES = 64


def estimate_of(s: Scenario, book: PriceBook) -> Estimate:
    """`estimate(s, book)`, remembered for the last few scenarios (by digest), so the estimate that
    validated an edit is the one the pages show."""
    key = (digest(s), book.as_of, book.path)
    e = _ESTIMATES.get(key)
    if e is None:
        e = _ESTIMATES[key] = estimate(s, book)
        if len(_ESTIMATES) > _MAX_ESTIMATES:
            _ESTIMATES.popitem(last=False)
    else:
        _ESTIMATES.move_to_end(key)
    return e


def validate(text: str, source: str, book: PriceBook) -> Scenario:
    """A scenario from YAML text, checked against the book: its region has prices and it estimates."""
    s = loads(text, source=source, regions=book.regions)
    try:
        estimate_of(s, book)
    except PriceError as e:
        raise price_error(e, text, source) from None
    return s


MAX_ERRORS = 20


def all_errors(text: str, source: str, book: PriceBook) -> list[ScenarioError]:
    """Every error the reader can find in `text` (up to MAX_ERRORS), in the order it meets them; [] when valid.

    The reader stops at its first error, so each error's key is dropped (its default then applies) and the data
    read again. An error that is not about one key (a YAML syntax error, a missing required key at the top)
    ends the list: what follows it cannot be read."""
    try:
        data, lines = load_with_lines(text, source)
    except ScenarioError as e:
        return [e]
    data = copy.deepcopy(data)
    errors: list[ScenarioError] = []
    dropped: list[tuple] = []
    while len(errors) < MAX_ERRORS and len(dropped) < 10 * MAX_ERRORS:
        try:
            s = from_data(data, source, lines, regions=book.regions)
        except ScenarioError as e:
            path = getattr(e, "path", ())
            if not _follows_from(e, path, dropped):
                errors.append(e)
            if not _drop(data, path):
                break
            dropped.append(path)
            continue
        if not errors:  # the data as written reads: the book must also price it
            try:
                estimate_of(s, book)
            except PriceError as e:
                errors.append(price_error(e, text, source))
        break
    return errors


def _follows_from(e: ScenarioError, path: tuple, dropped: list[tuple]) -> bool:
    """An error caused by a key dropped to look further: a required key now missing, or a reference to a
    resource now gone. It says nothing new."""
    missing = re.match(r"missing required key '([^']+)'", e.message)
    if missing and path + (missing.group(1),) in dropped:
        return True
    refers = re.match(r"unknown [\w ]+ '([^']+)'", e.message)
    if not refers:
        return False
    if any(len(d) == 1 for d in dropped) and "(none defined)" in e.message:
        return True  # a whole section was dropped: what it defined is gone
    return refers.group(1) in {d[1] for d in dropped if len(d) == 2}  # whole resources: ("functions", "chat")


def _drop(data: Any, path: tuple) -> bool:
    """Remove the key at `path` (a list item's key, or the list when the item itself is wrong)."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    if not path:
        return False
    node = data
    for key in path[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) and path[-1] in node:
        del node[path[-1]]
        return True
    return False


def rebuild(data: dict, source: str, book: PriceBook) -> Scenario:
    """A scenario from format-1 data (as `to_dict` gives), validated like a file; errors name the field
    (there is no file line to point at)."""
    s = from_data(data, source, regions=book.regions)
    try:
        estimate_of(s, book)
    except PriceError as e:
        raise ScenarioError(str(e), source=source, field="region") from None
    return s


def with_settings(
    s: Scenario, book: PriceBook, *, region: str | None = None, free_tier: bool | None = None
) -> Scenario:
    changes: dict[str, Any] = {}
    if region is not None and region != s.region:
        changes["region"] = region
    if free_tier is not None and free_tier != s.free_tier:
        changes["free_tier"] = free_tier
    if not changes:
        return s
    return rebuild(to_dict(s) | changes, "settings", book)


# ---------------------------------------------------------------- tiers


@dataclass(frozen=True)
class TierRow:
    """One row of the tiers table: a tier as a product manager edits it."""

    name: str
    users: float
    price: float
    uses: dict[str, float] = field(default_factory=dict)  # uses per user per month, by feature


def tier_rows(s: Scenario) -> list[TierRow]:
    return [TierRow(name, t.users, t.price, {f: t.uses.get(f, 0.0) for f in s.features}) for name, t in s.tiers.items()]


def with_tiers(s: Scenario, rows: list[TierRow], book: PriceBook) -> Scenario:
    """The scenario with its tiers replaced by `rows` (added, removed, renamed or changed)."""
    tiers: dict[str, dict] = {}
    for i, row in enumerate(rows, start=1):
        name = (row.name or "").strip()
        if not name:
            raise ScenarioError(f"row {i} needs a tier name", source="tiers table", field="tiers")
        if name in tiers:
            raise ScenarioError(f"tier name {name!r} is used twice", source="tiers table", field=f"tiers.{name}")
        uses = {f: n for f, n in row.uses.items() if n}
        tiers[name] = {"users": row.users, "price": row.price} | ({"uses": uses} if uses else {})
    data = modes(s)
    data.pop("tiers", None)
    if tiers:
        data["tiers"] = tiers
    if "plan" in data:  # a removed (or renamed) tier takes its growth and churn with it
        plan = {k: {t: v for t, v in rates.items() if t in tiers} for k, rates in data.pop("plan").items()}
        if plan := {k: rates for k, rates in plan.items() if rates}:
            data["plan"] = plan
    return rebuild(with_ranges_of(data, s), "tiers table", book)


def modes(s: Scenario) -> dict:
    """The scenario as format-1 data with each range at its mode: what the editors show and change."""
    return to_dict(replace(s, ranges=()))


def with_ranges_of(data: dict, s: Scenario) -> dict:
    """`data` with `s`'s ranges put back where their numbers still stand at the mode (an edited number, or
    one whose tier or feature is gone, drops its range)."""
    for r in s.ranges:
        put_range(data, r)
    return data


# ---------------------------------------------------------------- features


def footprint(s: Scenario, feature: str) -> dict:
    """What one use of `feature` consumes, as format-1 data (the feature's entry in the file), ranges at their
    modes (the Features page edits ranges in a table of their own)."""
    return modes(s).get("features", {}).get(feature, {})


def with_footprint(s: Scenario, feature: str, data: dict, book: PriceBook) -> Scenario:
    """The scenario with one feature's footprint replaced by `data` (format-1 feature data)."""
    if feature not in s.features:
        raise ScenarioError(f"unknown feature {feature!r}", source="footprint", field="features")
    whole = modes(s)
    whole["features"] = {n: (data if n == feature else f) for n, f in whole["features"].items()}
    return rebuild(with_ranges_of(whole, s), f"footprint of {feature}", book)


# ---------------------------------------------------------------- ranges and the plan


@dataclass(frozen=True)
class RangeRow:
    """One row of a ranges table: the number's path (tiers.pro.users) and its low, mode (None: uniform), high."""

    path: str
    low: float
    mode: float | None
    high: float


def range_rows(s: Scenario, prefix: str) -> list[RangeRow]:
    """The scenario's ranges whose path starts with `prefix` ("tiers.", "features.send.")."""
    return [
        RangeRow(r.path, r.low, None if r.uniform else r.mode, r.high) for r in s.ranges if r.path.startswith(prefix)
    ]


def range_inputs(s: Scenario, prefix: str) -> list[str]:
    """The numbers under `prefix` that may be given as ranges, as paths: what a ranges table offers. A feature's
    numbers are all of its uses' (those left at their defaults too), but not the whole-number ones."""
    out = []
    for t in s.tiers:
        out += [f"tiers.{t}.users", f"tiers.{t}.price", *(f"tiers.{t}.uses.{f}" for f in s.features)]
    for name, f in s.features.items():
        out += [".".join(map(str, ("features", name, *key))) for key in _numbers(f)]
    return [p for p in out if p.startswith(prefix)]


_FILE_KEYS = {"invocations": "lambda"}  # Feature's fields named as in the file


def _numbers(node, key: tuple = ()):
    """Keys of the numbers in a feature (as the file names them), whole-number fields and unset ones left out."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numbers(v, (*key, k))
    elif isinstance(node, tuple):
        for i, v in enumerate(node):
            yield from _numbers(v, (*key, i))
    elif dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if f.metadata.get("integer") or value is None:
                continue
            if f.name == "uses" and not key:  # the registry's services: under their own keys ("sqs")
                yield from _numbers(value)
            else:
                yield from _numbers(value, (*key, _FILE_KEYS.get(f.name, f.name)))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield key


def with_ranges(s: Scenario, prefix: str, rows: list[RangeRow], book: PriceBook) -> Scenario:
    """The scenario with its ranges under `prefix` replaced by `rows`; each is checked like a file's range
    (low <= mode <= high, the field's own bounds), the error naming the path."""
    data = modes(s)
    keep = [r for r in s.ranges if not r.path.startswith(prefix)]
    with_ranges_of(data, replace(s, ranges=tuple(keep)))
    seen = set()
    for i, row in enumerate(rows, start=1):
        path = (row.path or "").strip()
        if not path.startswith(prefix):
            raise ScenarioError(f"row {i}: pick the number the range is for", source="ranges table", field=prefix)
        if path in seen:
            raise ScenarioError(f"row {i}: {path} has two ranges", source="ranges table", field=path)
        seen.add(path)
        key = tuple(int(k) if k.isdigit() else k for k in path.split("."))
        node: Any = data
        try:
            for k in key[:-1]:
                node = node.setdefault(k, {}) if isinstance(node, dict) else node[k]
        except (IndexError, TypeError):
            raise ScenarioError(f"row {i}: no number at {path}", source="ranges table", field=path) from None
        given = {"low": row.low, "high": row.high} | ({} if row.mode is None else {"mode": row.mode})
        node[key[-1]] = given
    return rebuild(data, "ranges table", book)


def with_plan(s: Scenario, growth: dict[str, float], churn: dict[str, float], book: PriceBook) -> Scenario:
    """The scenario with its `plan:` replaced: percent growth and churn a month, by tier (zeros left out)."""
    data = to_dict(replace(s, plan=Plan()))
    plan = {k: {t: v for t, v in d.items() if v} for k, d in (("growth", growth), ("churn", churn))}
    plan = {k: d for k, d in plan.items() if d}
    if plan:
        data["plan"] = plan
    return rebuild(data, "plan", book)


# ---------------------------------------------------------------- scenarios folder


class FolderError(UnitcostError):
    """A scenarios-folder problem, in one sentence for a person."""


_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$")


def list_scenarios(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def scenario_file_name(name: str) -> str:
    """A file name for a scenario: plain characters only (no folders), ending in .yaml."""
    name = name.strip()
    if not name.endswith((".yaml", ".yml")):
        name += ".yaml"
    if not _SAFE_NAME.match(name) or ".." in name:
        raise FolderError(
            f"{name!r} is not a usable file name: use letters, digits, spaces, '.', '_' or '-', no folders"
        )
    return name


def save_scenario(folder: Path, name: str, text: str, overwrite: bool = False) -> Path:
    """Write `text` to folder/name atomically (temp file, then rename); the folder is created if needed."""
    path = folder / scenario_file_name(name)
    if path.exists() and not overwrite:
        raise FolderError(f"{path.name} already exists in {folder}; tick 'Overwrite' to replace it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise FolderError(f"cannot write {path}: {e.strerror or e}") from None
    return path


# ---------------------------------------------------------------- price books


def price_books() -> dict[str, Path]:
    """The committed price books by file name (the as-of date, and a number for a second book of the same
    day: 2026-11-27-2), newest first."""
    return {p.stem: p for p in reversed(book_paths())}


@cache
def book_as_of(as_of: str) -> PriceBook:
    path = price_books().get(as_of)
    if path is None:
        raise PriceError(f"no price book dated {as_of} in {books_dir()}")
    return load_book_file(path)


# ---------------------------------------------------------------- small helpers


def number(value: Any, default: float = 0.0) -> float:
    """A table cell as a number: blank (None, NaN, '') is `default`; text that is not a number is an error."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{value!r} is not a number", source="table") from None

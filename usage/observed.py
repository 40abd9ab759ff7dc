"""Observed usage: what each resource did in the window, and the same normalised to a month.

monthly = observed x hours_per_month / hours observed. `hours observed` is the window, or the part of it
from the hour the resource was created in when AWS tells us its creation time (DynamoDB tables, WebSocket
APIs). Numerator and denominator agree: only the datapoints from the creation hour on are counted. Earlier
ones belong to an earlier resource of the same name (CloudWatch keys tables by name; a stack replacement or a
redeployed environment), so they are left out and listed in a note (how many, which metric, their sum).
Hours without a datapoint count as zero usage: CloudWatch publishes nothing for an hour with no traffic,
so a gap cannot be told from a quiet hour. Long gaps (a day or more) and late starts are flagged with the
hours covered, and a resource with no datapoints at all is reported, never silently priced at $0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from usage.inventory import FunctionConfig, Inventory, Missing, TableConfig, WebsocketConfig
from usage.metrics import Window

GAP_HOURS = 24  # a run of empty hours this long is reported as a gap rather than a quiet night
UNITS = ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits")  # of a table and of each GSI


@dataclass(frozen=True)
class Coverage:
    hours_observed: int  # hours the monthly figures are based on
    hours_with_data: int
    first: datetime | None  # first and last hour with a datapoint
    last: datetime | None
    longest_gap_hours: int  # longest run of hours without a datapoint
    created: datetime | None = None  # set when the resource was created inside the window

    @property
    def no_data(self) -> bool:
        return self.hours_with_data == 0

    @property
    def partial(self) -> bool:
        return not self.no_data and (self.created is not None or self.longest_gap_hours >= GAP_HOURS)

    def describe(self) -> str:
        parts = [f"data in {self.hours_with_data} of {self.hours_observed} h"]
        if self.created is not None:
            parts.append(f"created {self.created:%Y-%m-%d %H:%M} UTC, inside the window")
        if self.longest_gap_hours >= GAP_HOURS:
            parts.append(f"longest gap {self.longest_gap_hours} h")
        return "; ".join(parts)


@dataclass
class FunctionUsage:
    config: FunctionConfig
    coverage: Coverage
    factor: float  # hours_per_month / hours observed
    invocations: float = 0.0  # observed totals over the window
    duration_ms_sum: float = 0.0
    peak_concurrency: float = 0.0
    throttles: float = 0.0
    errors: float = 0.0
    pc_invocations: float | None = None  # served by provisioned concurrency; None when not measured

    @property
    def monthly_invocations(self) -> float:
        return self.invocations * self.factor

    @property
    def duration_ms(self) -> float:
        """Observed average: Duration Sum / Invocations (excludes INIT and the 1 ms rounding)."""
        return self.duration_ms_sum / self.invocations if self.invocations else 0.0


@dataclass
class WebsocketUsage:
    config: WebsocketConfig
    coverage: Coverage
    factor: float
    connects: float = 0.0
    messages: float = 0.0
    route_messages: dict[str, float] = field(default_factory=dict)  # by route key, all stages summed

    @property
    def monthly_messages(self) -> float:
        return self.messages * self.factor

    @property
    def monthly_connects(self) -> float:
        return self.connects * self.factor


@dataclass
class TableUsage:
    config: TableConfig
    coverage: Coverage
    factor: float
    read_units: float = 0.0  # consumed RCU (on demand: billed RRU; eventual reads count 0.5)
    write_units: float = 0.0
    gsi_read_units: dict[str, float] = field(default_factory=dict)
    gsi_write_units: dict[str, float] = field(default_factory=dict)
    read_throttles: float = 0.0
    write_throttles: float = 0.0

    @property
    def monthly_read_units(self) -> float:  # table and GSIs: both billed as RRU
        return (self.read_units + sum(self.gsi_read_units.values())) * self.factor

    @property
    def monthly_write_units(self) -> float:
        return (self.write_units + sum(self.gsi_write_units.values())) * self.factor

    @property
    def storage_gb(self) -> float:
        return self.config.size_bytes / 1024**3  # DynamoDB sizes are binary units


@dataclass
class ServiceUsage:
    """A per-unit service (Comprehend, Translate...) with no CloudWatch metric of its own; demo only."""

    unit: str
    price: float  # USD per unit
    units: float  # observed over the window
    function: str  # the function whose feature uses it
    factor: float

    @property
    def monthly_units(self) -> float:
        return self.units * self.factor


@dataclass
class ObservedUsage:
    region: str
    source: str  # what was read: "AWS account, tag app=chat" or "demo account"
    window: Window
    hours_per_month: float
    functions: dict[str, FunctionUsage] = field(default_factory=dict)
    websockets: dict[str, WebsocketUsage] = field(default_factory=dict)  # by scenario name
    tables: dict[str, TableUsage] = field(default_factory=dict)
    services: dict[str, ServiceUsage] = field(default_factory=dict)
    missing: list[Missing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    series: dict[tuple, np.ndarray] = field(default_factory=dict)  # hourly, NaN = no datapoint
    users: int | None = None  # known user count (the demo has one)
    logical_ids: dict[str, str] = field(default_factory=dict)  # physical name (API id) -> stack logical ID

    def resources(self) -> list[tuple[str, str, Coverage]]:
        """(kind, name, coverage) of every resource."""
        return (
            [("function", n, u.coverage) for n, u in self.functions.items()]
            + [("websocket", n, u.coverage) for n, u in self.websockets.items()]
            + [("table", n, u.coverage) for n, u in self.tables.items()]
        )

    def no_data(self) -> list[tuple[str, str, Coverage]]:
        return [r for r in self.resources() if r[2].no_data]

    def partial(self) -> list[tuple[str, str, Coverage]]:
        return [r for r in self.resources() if r[2].partial]

    def hourly_frame(self):
        """The hourly series as a DataFrame, one column per `kind/name/metric`, indexed by UTC hour."""
        import pandas as pd

        index = pd.date_range(self.window.start, periods=self.window.hours, freq="h", tz="UTC")
        cols = {"/".join(_text(k) for k in key): v for key, v in self.series.items()}
        return pd.DataFrame(cols, index=index)


def _text(part) -> str:
    return ":".join(part) if isinstance(part, tuple) else str(part)


def coverage(arrays: list[np.ndarray], win: Window, created: datetime | None) -> Coverage:
    """Coverage of a resource whose datapoints are the union of `arrays` (hourly, NaN = none)."""
    hours = win.hours
    start_index = 0
    in_window = created is not None and win.start < created < win.end
    if in_window:  # the hour it was created in counts, it may hold data
        start_index = int((created - win.start).total_seconds() // 3600)
    has = np.zeros(hours, dtype=bool)
    for a in arrays:
        has |= ~np.isnan(a)
    has = has[start_index:]
    idx = np.flatnonzero(has)
    first = last = None
    if idx.size:
        first = win.start + timedelta(hours=start_index + int(idx[0]))
        last = win.start + timedelta(hours=start_index + int(idx[-1]))
    return Coverage(
        hours_observed=hours - start_index,
        hours_with_data=int(has.sum()),
        first=first,
        last=last,
        longest_gap_hours=_longest_false_run(has),
        created=created if in_window else None,
    )


def _longest_false_run(has: np.ndarray) -> int:
    if has.size == 0:
        return 0
    # positions of True with sentinels at both ends; the largest step minus one is the longest run of False
    marks = np.concatenate(([-1], np.flatnonzero(has), [has.size]))
    return int(np.max(np.diff(marks)) - 1)


def _total(series: dict, key: tuple, skip: int = 0) -> float:
    """Sum of the series from hour `skip` on (the hours before are an earlier resource's)."""
    a = series.get(key)
    return float(np.nansum(a[skip:])) if a is not None else 0.0


def _label(key: tuple) -> str:
    kind, part, metric = key
    if kind == "gsi":
        return f"{metric} of GSI {part[1]}"
    if kind == "route":
        return f"{metric} of route {part[2]} (stage {part[1]})"
    return metric


def _amount(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


def _before_creation(kind: str, name: str, cov: Coverage, series: dict, keys: list[tuple], skip: int) -> str | None:
    """The note for the datapoints before the creation hour, which the totals leave out; None if there are none."""
    if skip == 0:
        return None
    parts = []
    for key in keys:
        a = series.get(key)
        n = 0 if a is None else int(np.count_nonzero(~np.isnan(a[:skip])))
        if n:
            parts.append(f"{_label(key)} {n} datapoints, sum {_amount(float(np.nansum(a[:skip])))}")
    if not parts:
        return None
    # Table metrics are keyed by name, so these are an earlier table's; an API's by its id, which is never reused.
    whose = "an earlier table of the same name" if kind == "table" else "the API did not exist yet"
    return (
        f"{kind} {name}: created {cov.created:%Y-%m-%d %H:%M} UTC, inside the window; not counted, the "
        f"datapoints before its creation hour ({whose}): {'; '.join(parts)}"
    )


def _peak(a: np.ndarray) -> float:
    return float(np.nanmax(a)) if np.any(~np.isnan(a)) else 0.0


def observe(
    inv: Inventory,
    series: dict[tuple, np.ndarray],
    win: Window,
    hours_per_month: float = 730,
    source: str = "AWS account",
) -> ObservedUsage:
    """Totals, coverage and the monthly factor of every discovered resource."""
    obs = ObservedUsage(
        region=inv.region,
        source=source,
        window=win,
        hours_per_month=hours_per_month,
        missing=list(inv.missing),
        notes=list(inv.notes),
        series=series,
        logical_ids=dict(inv.logical_ids),
    )
    empty = np.full(win.hours, np.nan)

    def get(key):
        return series.get(key, empty)

    for name, fn in inv.functions.items():
        cov = coverage([get(("function", name, "Invocations"))], win, None)
        pc_keys = [("pc", (name, q), "ProvisionedConcurrencyInvocations") for q in fn.provisioned_qualifiers]
        pc = sum(_total(series, k) for k in pc_keys) if any(k in series for k in pc_keys) else None
        obs.functions[name] = FunctionUsage(
            config=fn,
            coverage=cov,
            factor=hours_per_month / cov.hours_observed,
            invocations=_total(series, ("function", name, "Invocations")),
            duration_ms_sum=_total(series, ("function", name, "Duration")),
            peak_concurrency=_peak(get(("function", name, "ConcurrentExecutions"))),
            throttles=_total(series, ("function", name, "Throttles")),
            errors=_total(series, ("function", name, "Errors")),
            pc_invocations=pc,
        )
    for api in inv.websockets.values():
        keys = [("websocket", api.api_id, "ConnectCount"), ("websocket", api.api_id, "MessageCount")]
        cov = coverage([get(k) for k in keys], win, api.created)
        skip = win.hours - cov.hours_observed  # hours before the creation hour
        routes: dict[str, float] = {}
        route_keys = []
        for stage, route_names in api.detailed_routes.items():
            for r in route_names:
                key = ("route", (api.api_id, stage, r), "MessageCount")
                route_keys.append(key)
                if key in series and np.any(~np.isnan(series[key][skip:])):
                    routes[r] = routes.get(r, 0.0) + _total(series, key, skip)
        name = _unique_api_name(api, inv)
        obs.websockets[name] = WebsocketUsage(
            config=api,
            coverage=cov,
            factor=hours_per_month / cov.hours_observed,
            connects=_total(series, keys[0], skip),
            messages=_total(series, keys[1], skip),
            route_messages=routes,
        )
        note = _before_creation("websocket", name, cov, series, keys + route_keys, skip)
        if note:
            obs.notes.append(note)
    for name, t in inv.tables.items():
        keys = [("table", name, m) for m in UNITS]
        keys += [("gsi", (name, i), m) for i in t.gsis for m in UNITS]
        cov = coverage([get(k) for k in keys], win, t.created)
        skip = win.hours - cov.hours_observed  # hours before the creation hour
        throttle_keys = [("table", name, "ReadThrottleEvents"), ("table", name, "WriteThrottleEvents")]
        gsi = {m: {i: _total(series, ("gsi", (name, i), m), skip) for i in t.gsis} for m in UNITS}
        obs.tables[name] = TableUsage(
            config=t,
            coverage=cov,
            factor=hours_per_month / cov.hours_observed,
            read_units=_total(series, keys[0], skip),
            write_units=_total(series, keys[1], skip),
            gsi_read_units=gsi["ConsumedReadCapacityUnits"],
            gsi_write_units=gsi["ConsumedWriteCapacityUnits"],
            read_throttles=_total(series, throttle_keys[0], skip),
            write_throttles=_total(series, throttle_keys[1], skip),
        )
        note = _before_creation("table", name, cov, series, keys + throttle_keys, skip)
        if note:
            obs.notes.append(note)
    return obs


def _unique_api_name(api: WebsocketConfig, inv: Inventory) -> str:
    """The API's name, or name-<id> when two discovered APIs share a name."""
    same = [a for a in inv.websockets.values() if a.name == api.name]
    return api.name if len(same) == 1 else f"{api.name}-{api.api_id}"

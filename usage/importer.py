"""The import as one call: discover, plan, fetch metrics, normalise. Used by the CLI and the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from usage import aws, discovery, metrics
from usage.errors import UsageError
from usage.inventory import Selector
from usage.metrics import FetchStats
from usage.observed import ObservedUsage, observe


@dataclass
class ImportResult:
    observed: ObservedUsage
    planned: FetchStats  # before the fetch: what it should request and cost
    fetched: FetchStats  # after: what it did request and cost


def import_usage(
    selector: Selector | None = None,
    days: int = 30,
    profile: str | None = None,
    region: str | None = None,
    hours_per_month: float = 730,
    session=None,
    now: datetime | None = None,
    on_plan: Callable[[FetchStats], None] | None = None,
) -> ImportResult:
    """Read the selected resources and `days` of their metrics. Raises UsageError with one clear sentence."""
    selector = selector or Selector()
    win = metrics.window(days, now)
    session = session or aws.make_session(profile, region)
    discovery.probe(session)
    inv = discovery.discover(session, selector)
    if inv.is_empty():
        denied = sorted({m.permission for m in inv.missing if m.permission})
        if denied:
            raise UsageError(
                f"access denied: nothing could be read; the import needs {', '.join(denied)}", permission=denied[0]
            )
        raise UsageError(
            f"no Lambda functions, WebSocket APIs or DynamoDB tables match {selector.describe()} in {inv.region}"
        )
    queries = metrics.build_queries(inv)
    planned = metrics.plan(queries, win)
    if on_plan:
        on_plan(planned)
    series, fetched = metrics.fetch(aws.client(session, "cloudwatch"), queries, win)
    obs = observe(inv, series, win, hours_per_month, source=f"AWS account, {selector.describe()}")
    obs.notes += [f"CloudWatch: {p}" for p in fetched.problems]
    return ImportResult(observed=obs, planned=planned, fetched=fetched)

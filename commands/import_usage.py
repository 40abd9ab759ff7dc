"""`import`: read an AWS account's serverless usage (or the demo account) into a scenario file.

    import [--tag K=V | --stack NAME | --prefix P | --demo] [--days N] [--users N] [--session-minutes M]
           [--profile P] [--region R] [--scenario SKELETON] -o FILE

Reads only; never writes to the account. Prints what the import costs (GetMetricData) before and after,
and a short report: what was imported, what is missing and why, partial data. What is missing (access denied,
CloudWatch errors on some metrics, configurations assumed) is also in the file's header and on stderr, one
`warning:` line each. Exits 2 with one sentence on stderr for: no credentials, access denied, no matching
resources, an endpoint that does not answer, a response that is not the operation's (after retries), an
output folder that cannot be written. The output file is written whole or not at all (temp file + rename).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from usage.errors import UsageError, one_line
from usage.inventory import Selector
from usage.metrics import FetchStats
from usage.observed import ObservedUsage
from usage.to_scenario import DEFAULT_SESSION_MINUTES, gap_lines, scenario_yaml


@dataclass(frozen=True)
class Imported:
    """An import's result: the scenario file's text and what a person should know about it."""

    text: str  # scenario YAML with its comment header
    report: str  # what was imported, what is missing and why, partial data
    gaps: list[str]  # what the file lacks or assumes, one line each (also in its header)
    fetched: FetchStats | None  # what CloudWatch was asked and what that cost; None for the demo account
    what: str  # which resources, in words


def selector(kind: str = "all", value: str = "") -> Selector:
    """The resources to import: kind tag (value KEY=VALUE), stack, prefix or all."""
    if kind == "tag":
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"a tag needs KEY=VALUE, got {value!r}")
        return Selector("tag", key.strip(), val.strip())
    if kind in ("stack", "prefix"):
        if not value.strip():
            raise UsageError(f"give the {kind} to import")
        return Selector(kind, value.strip())
    return Selector()


def import_scenario(
    which: Selector | None = None,
    *,
    demo: bool = False,
    days: int = 30,
    users: int | None = None,
    session_minutes: float = DEFAULT_SESSION_MINUTES,
    cold_start_rate: float | None = None,
    init_ms: float | None = None,
    profile: str | None = None,
    region: str | None = None,
    on_plan: Callable[[FetchStats], None] | None = None,
    skeleton: Skeleton | None = None,
) -> Imported:
    """A scenario from the account's usage (read-only), or from the built-in demo account; with `skeleton`,
    the skeleton scenario with the observed usage poured in (usage/skeleton.py)."""
    extra = {"cold_start_rate": cold_start_rate, "init_ms": init_ms}
    if skeleton is not None:
        from usage.skeleton import pour
        from usage.to_scenario import with_header

        if demo:
            from usage.demo import demo_observed

            obs, fetched, what = demo_observed(), None, "the built-in demo account"
        else:
            from usage.importer import import_usage

            which = which or Selector()
            result = import_usage(which, days=days, profile=profile, region=region, on_plan=on_plan)
            obs, fetched, what = result.observed, result.fetched, which.describe()
        done = pour(obs, skeleton.data, skeleton.scenario, skeleton.source, users, session_minutes, **extra)
        unmatched = [f"Unmatched: {u}" for u in done.unmatched] + [f"Note: {n}" for n in done.notes]
        return Imported(
            with_header(done.data, done.lines),
            "\n".join([report(obs, users), *unmatched]),
            gap_lines(obs) + done.unmatched,
            fetched,
            what,
        )
    if demo:
        from usage import demo as account

        obs = account.demo_observed()
        users = users or obs.users
        text = account.demo_scenario_yaml(users=users, session_minutes=session_minutes, **extra)  # its own tiers
        fetched, what = None, "the built-in demo account"
    else:
        from usage.importer import import_usage

        which = which or Selector()
        result = import_usage(which, days=days, profile=profile, region=region, on_plan=on_plan)
        obs, fetched, what = result.observed, result.fetched, which.describe()
        text = scenario_yaml(obs, users=users, session_minutes=session_minutes, **extra)
    return Imported(text, report(obs, users), gap_lines(obs), fetched, what)


@dataclass(frozen=True)
class Skeleton:
    """A scenario to start the import from: its data as parsed (kept as written) and as validated."""

    source: str
    data: dict
    scenario: object  # models.scenario.Scenario


def read_skeleton(path: str) -> Skeleton:
    """A skeleton scenario (or a template, initialised as `init` would), checked before the import runs."""
    from commands.diff import scenario_text
    from models.scenario import from_data
    from models.yamlio import ScenarioError, load_with_lines

    try:
        data, lines = load_with_lines(scenario_text(path), path)
        return Skeleton(path, data, from_data(data, path, lines))
    except ScenarioError as e:
        e.source = e.source or path
        raise


def demo_scenario_text() -> str:
    """The demo account's observed month as a scenario (no AWS calls)."""
    from usage.demo import demo_scenario_yaml

    return demo_scenario_yaml()


def run(args) -> int:
    """`cli.py import`: the import's cost before and after, its report, its gaps on stderr, the file."""
    out = Path(args.output)
    check_writable(out)  # before the import, which costs money
    if args.tag is not None:
        which = selector("tag", args.tag)
    elif args.stack is not None or args.prefix is not None:
        which = selector(*(("stack", args.stack) if args.stack is not None else ("prefix", args.prefix)))
    else:
        which = Selector()
    skeleton = read_skeleton(args.scenario) if getattr(args, "scenario", None) else None  # before the import

    def before(planned: FetchStats) -> None:
        print(
            f"Import cost (before): {planned.queries} metrics in about {planned.calls} GetMetricData "
            f"call(s) of up to {planned.batch_size} = ${planned.cost_usd:.5f} ($0.01 per 1,000 metrics requested)",
            flush=True,
        )

    done = import_scenario(
        which,
        demo=args.demo,
        days=args.days,
        users=args.users,
        session_minutes=args.session_minutes,
        cold_start_rate=args.cold_start_rate,
        init_ms=args.init_ms,
        profile=args.profile,
        region=args.region,
        on_plan=before,
        skeleton=skeleton,
    )
    if done.fetched is None:
        print("Demo account: generated data, no AWS calls, import cost $0.")
    else:
        f = done.fetched
        print(
            f"Import cost (after): {f.metrics_requested} metrics requested in {f.calls} GetMetricData "
            f"call(s) = ${f.cost_usd:.5f}"
        )
    print(done.report)
    for gap in done.gaps:  # as in the file's header
        print(f"warning: {gap}", file=sys.stderr)
    write_atomic(out, done.text)
    print(f"Wrote {out} (scenario format 1).")
    return 0


def report(obs: ObservedUsage, users: int | None) -> str:
    w = obs.window
    lines = [
        f"Imported from the {obs.source}, {obs.region}, {w.start:%Y-%m-%d %H:%M} to {w.end:%Y-%m-%d %H:%M} "
        f"UTC ({w.hours} h); monthly = x {obs.hours_per_month:g} / hours observed."
    ]
    for name, u in obs.functions.items():
        c = u.config
        lines.append(
            f"  Lambda {name} ({c.memory_mb} MB {c.architecture}): {u.monthly_invocations:,.0f} "
            f"invocations/month, {u.duration_ms:.1f} ms average, peak concurrency {u.peak_concurrency:g}, "
            f"throttles {u.throttles:,.0f}, errors {u.errors:,.0f}"
        )
    for name, u in obs.websockets.items():
        lines.append(
            f"  WebSocket {name} ({len(u.config.routes)} routes, stages {', '.join(u.config.stages) or '-'})"
            f": {u.monthly_messages:,.0f} messages/month, {u.monthly_connects:,.0f} connections/month"
        )
    for name, u in obs.tables.items():
        c = u.config
        lines.append(
            f"  DynamoDB {name} ({c.capacity}, {c.table_class}, {len(c.gsis)} GSI, "
            f"{u.storage_gb:.3f} GB): {u.monthly_read_units:,.0f} RRU/month, "
            f"{u.monthly_write_units:,.0f} WRU/month, throttle events "
            f"{u.read_throttles + u.write_throttles:,.0f}"
        )
    for name, s in obs.services.items():
        lines.append(f"  {name}: {s.monthly_units:,.0f} {s.unit}s/month at ${s.price:g}")
    lines.append(f"  Users: {users:,}" if users else "  Users: not given (usage on baseline; pass --users N)")
    for kind, name, _ in obs.no_data():
        lines.append(f"No data: {kind} {name} had no datapoints in the window; it carries no usage.")
    for kind, name, cov in obs.partial():
        lines.append(f"Partial data: {kind} {name}: {cov.describe()}.")
    for m in obs.missing:
        lines.append(f"Missing: {m.what}: {m.reason}" + (f"; needs {m.permission}" if m.permission else ""))
    lines += [f"Note: {n}" for n in obs.notes]
    return "\n".join(one_line(line, limit=10_000) for line in lines)


def check_writable(path: Path) -> None:
    """That `path` can be written, by creating and removing a temp file beside it (permission bits do not
    tell: root, read-only mounts, ACLs)."""
    if str(path) == "-":
        raise UsageError("cannot write -: give a file name (the scenario is written to a file, not stdout)")
    try:
        if not path.parent.is_dir():
            raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
        if path.is_dir():
            raise UsageError(f"cannot write {path}: it is a folder")
        # The file is replaced by a rename: a device, FIFO or symlink there would be replaced, not written to.
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise UsageError(f"cannot write {path}: it exists and is not a regular file; give another name")
    except OSError as e:  # a name too long, a loop of links
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
    os.close(fd)
    os.unlink(tmp)


def write_atomic(path: Path, text: str) -> None:
    """Write to a temp file in the same folder, then rename over the target: never a half-written file."""
    check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)  # keep the permissions of the file it replaces
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
        raise

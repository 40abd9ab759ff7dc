"""`import`: read an AWS account's serverless usage (or the demo account) into a scenario file.

    import [--tag K=V | --stack NAME | --prefix P | --demo] [--days N] [--users N] [--session-minutes M]
           [--profile P] [--region R] -o FILE

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
from pathlib import Path

from usage.aws import UsageError, one_line
from usage.discovery import Selector
from usage.metrics import FetchStats
from usage.observed import ObservedUsage
from usage.to_scenario import gap_lines, scenario_yaml


def _selector(args) -> Selector:
    if args.tag is not None:
        key, sep, value = args.tag.partition("=")
        if not sep or not key:
            raise UsageError(f"--tag needs KEY=VALUE, got {args.tag!r}")
        return Selector("tag", key, value)
    if args.stack is not None:
        return Selector("stack", args.stack)
    if args.prefix is not None:
        return Selector("prefix", args.prefix)
    return Selector()


def run(args) -> int:
    out = Path(args.output)
    check_writable(out)  # before the import, which costs money
    extra = {"cold_start_rate": args.cold_start_rate, "init_ms": args.init_ms}
    if args.demo:
        from usage import demo

        obs = demo.demo_observed()
        users = args.users or obs.users
        text = scenario_yaml(obs, users=users, session_minutes=args.session_minutes, name=demo.NAME, **extra)
        print("Demo account: generated data, no AWS calls, import cost $0.")
    else:
        from usage.importer import import_usage

        def before(planned: FetchStats) -> None:
            print(
                f"Import cost (before): {planned.queries} metrics in about {planned.calls} GetMetricData "
                f"call(s) of up to {planned.batch_size} = ${planned.cost_usd:.5f} "
                "($0.01 per 1,000 metrics requested)",
                flush=True,
            )

        result = import_usage(_selector(args), days=args.days, profile=args.profile, region=args.region, on_plan=before)
        obs, users = result.observed, args.users
        f = result.fetched
        print(
            f"Import cost (after): {f.metrics_requested} metrics requested in {f.calls} GetMetricData "
            f"call(s) = ${f.cost_usd:.5f}"
        )
        text = scenario_yaml(obs, users=users, session_minutes=args.session_minutes, **extra)
    print(report(obs, users))
    for gap in gap_lines(obs):  # as in the file's header
        print(f"warning: {gap}", file=sys.stderr)
    write_atomic(out, text)
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
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
    os.close(fd)
    os.unlink(tmp)


def write_atomic(path: Path, text: str) -> None:
    """Write to a temp file in the same folder, then rename over the target: never a half-written file."""
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

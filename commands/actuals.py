"""`actuals`: a month's billed cost from a Cost and Usage Report (CUR 2.0 or FOCUS 1.2), on DuckDB or Athena.

    actuals --cur PATH --month YYYY-MM [--group-by KEYS] [--json]
    actuals --athena-table DB.TABLE --athena-output s3://BUCKET/PREFIX [--athena-workgroup W] --month YYYY-MM ...

PATH is a Parquet file or a folder of them (Data Exports' BILLING_PERIOD=YYYY-MM folders, or plain files). KEYS:
account, service, usage_type, resource, tag:KEY, comma-separated (default account,service,usage_type).
DuckDB runs embedded: no server, no AWS cost. Athena bills $5 per TB scanned (10 MB minimum): the scan and its
cost are shown after the run. Exit 2 with one sentence for a bad path, a file that is not Parquet, a month
without lines, missing columns, an Athena failure or a denied permission.
"""

from __future__ import annotations

import json
import math
import sys

from models.report import quantity, table, usd
from usage.cur import Actuals, CurError, duckdb_actuals, parse_group_by


def actuals(args) -> int:
    keys = parse_group_by(args.group_by)
    if bool(args.cur) == bool(args.athena_table):
        raise CurError("give the bill as --cur PATH (Parquet) or --athena-table DB.TABLE, one of them")
    if args.cur:
        if args.athena_output or args.athena_workgroup:
            raise CurError("--athena-output and --athena-workgroup go with --athena-table, not --cur")
        out = duckdb_actuals(args.cur, args.month, keys)
    else:
        if not args.athena_output:
            raise CurError("--athena-table needs --athena-output s3://BUCKET/PREFIX (where Athena writes results)")
        out = _athena(args, keys)
    if not all(math.isfinite(x) for x in (out.total_unblended, out.total_effective, *out.line_types.values())):
        raise CurError(f"{out.source}: the bill's costs for {out.month} include NaN or Infinity, not amounts")
    if args.json:
        print(json.dumps(out.to_json(), indent=1, allow_nan=False))
        for m in out.messages:
            print(m, file=sys.stderr)
    else:
        print(actuals_text(out))
    return 0


def _athena(args, keys) -> Actuals:
    from usage import aws
    from usage.cur import athena_actuals

    session = aws.make_session(args.profile, args.region)
    messages: list[str] = []
    say = (lambda text: messages.append(text)) if args.json else print
    out = athena_actuals(
        aws.client(session, "athena"),
        aws.client(session, "glue"),
        args.athena_table,
        args.athena_output,
        args.month,
        keys,
        workgroup=args.athena_workgroup,
        say=say,
    )
    out.messages = out.messages + messages + [athena_note(out.athena)]
    return out


def athena_note(a: dict) -> str:
    mb = a["data_scanned_bytes"] / 2**20
    return (
        f"Athena query {a['query_execution_id']}: {mb:,.1f} MB scanned, ${a['cost_usd']:.6f} "
        "($5 per TB, 10 MB minimum)."
    )


def actuals_text(a: Actuals) -> str:
    header = [*a.keys, "meter", "usage", "unblended", "effective"]
    rows = [
        [
            *("-" if r.get(k) is None else str(r.get(k)) for k in a.keys),
            r["meter"] or "-",
            quantity(r["usage_amount"]),
            usd(r["unblended_cost"]),
            usd(r["effective_cost"]),
        ]
        for r in a.rows
    ]
    n = len(a.keys)
    parts = [
        f"Actuals {a.month}: {a.format} from {a.source} ({a.engine}), {a.lines:,} bill lines",
        "",
        table(header, rows, right={n + 1, n + 2, n + 3}),
        "",
        f"Total: {usd(a.total_unblended)} unblended, {usd(a.total_effective)} effective (amortised)",
        "By line type (unblended): " + ", ".join(f"{t} {usd(v)}" for t, v in a.line_types.items()),
    ]
    parts += a.messages
    return "\n".join(parts)

"""`review`: the monthly cost review: the model, CloudWatch and the bill side by side, saved to history.

    review --month YYYY-MM --scenario FILE [--tag K=V] [--users N | --users-metric NS:METRIC[:STAT]
           [--users-dimension K=V]...] [--json] [--history PATH] [--demo] [--refresh] [--no-metrics]
           [--notes TEXT] [--no-save] [--profile P] [--region R] [--cur PATH | --athena-table DB.TABLE
           --athena-output s3://BUCKET/PREFIX [--athena-workgroup W]] [--account ID]...
    review list [--json]            saved reviews, newest month first
    review show ID [--json]         one saved review
    review compare [--json]         unit costs month over month (the latest review of each month)
    review export [ID...] -o FILE   reconciliation rows as CSV (or XLSX when FILE ends in .xlsx; needs openpyxl)
    review report ID -o FILE.html   the one-file HTML report of a saved review
    review delete ID

Cost Explorer bills $0.01 per request: a review makes two (more when results span pages) and keeps the answers
in the history database, so reviewing the same month again costs nothing (--refresh asks again). The history
database is --history, else $UNITCOST_HISTORY, else ~/.local/share/unitcost/reviews.sqlite3.
--cur PATH takes the bill from a Cost and Usage Report (CUR 2.0 or FOCUS 1.2 Parquet, as `actuals` reads it)
instead of Cost Explorer: the same reconciliation, no Cost Explorer request; --athena-table the same from a CUR
table on Athena (one query, $5 per TB scanned). --account ID (repeatable) keeps those usage accounts' lines only:
the reconciliation of those accounts (default: every account in the bill).
Exit 2 with one sentence on stderr for bad input, no credentials, access denied (naming the permission).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from models.history import History, HistoryError, distinct_notes
from models.report import quantity, table, usd
from models.review import Review, ReviewError
from models.yamlio import read_text
from usage.errors import UsageError, one_line

SAVED = ("list", "show", "compare", "export", "report", "delete")
# Review notes saying part of the month could not be read (the metered column is partial or empty): they are
# in the review, and repeated on stderr as `warning:` lines, as the import does for its gaps.
GAP_NOTES = ("CloudWatch import failed", "CloudWatch: ", "Not imported:")


def review(args) -> int:
    if not args.month:
        raise ReviewError("--month YYYY-MM is required (or a saved review's ACTION: " + ", ".join(SAVED) + ")")
    from models.scenario import loads
    from pricing.book import default_book
    from usage.review_run import run_review

    if args.demo and (args.cur or args.athena_table):
        raise ReviewError("--demo and --cur/--athena-table are two bills: give one")
    if args.users is not None and not (math.isfinite(args.users) and 0 < args.users <= 1e12):
        raise ReviewError("--users must be a positive number (at most 1e12)")
    if args.scenario:
        text = read_text(args.scenario)
        s = loads(text, source=args.scenario, regions=default_book().regions)
    elif args.demo:
        from usage.demo import demo_scenario_yaml

        text = demo_scenario_yaml()
        s = loads(text, source="demo account")
    else:
        raise ReviewError("--scenario FILE is required (or --demo for the demo account)")
    history = History(args.history)
    run = run_review(
        s,
        args.month,
        scenario_yaml=text,
        tag=args.tag,
        users=args.users,
        users_metric=args.users_metric,
        users_dimensions=args.users_dimension,
        demo=args.demo,
        history=history,
        save=not args.no_save,
        refresh=args.refresh,
        metrics=not args.no_metrics,
        profile=args.profile,
        region=args.region,
        notes=args.notes,
        cur=args.cur,
        accounts=args.account,
        athena_table=args.athena_table,
        athena_output=args.athena_output,
        athena_workgroup=args.athena_workgroup,
    )
    if args.json:
        out = run.review.to_json() | {"review_id": run.review_id, "history": run.history_path, "messages": run.messages}
        print(json.dumps(out, indent=1, allow_nan=False))
        for m in run.messages:
            print(m, file=sys.stderr)
    else:
        print(review_text(run.review))
        for m in run.messages:
            if m not in run.review.notes:
                print(m)
    for n in run.review.notes:
        if n.startswith(GAP_NOTES):
            print(f"warning: {one_line(n)}", file=sys.stderr)
    return 0


def _q(x: float | None) -> str:
    return "-" if x is None else quantity(x)


def review_text(r: Review) -> str:
    rows = [
        [
            ln.service,
            ln.usage_type,
            _q(ln.modelled_quantity),
            usd(ln.modelled_cost),
            _q(ln.metered_quantity),
            _q(ln.billed_quantity),
            usd(ln.billed_cost),
            usd(ln.variance),
            ln.cause or "-",
        ]
        for ln in r.lines
    ]
    parts = [
        f"Monthly review {r.month}: {r.scenario_name}, {r.region}, list prices as of {r.prices_as_of}",
        f"Bill: {r.bill_source or '-'}"
        + (" (estimated, not final)" if r.estimated else "")
        + f"; metered: {r.metered_source or 'none'}",
        "",
        table(
            [
                "service",
                "usage type",
                "modelled qty",
                "modelled",
                "metered qty",
                "billed qty",
                "billed",
                "variance",
                "likely cause",
            ],
            rows,
            right={2, 3, 4, 5, 6, 7},
        ),
        "",
        f"Modelled {usd(r.total_modelled)} -> metered at list prices {usd(r.total_metered)} -> "
        f"billed {usd(r.total_billed)} (variance {usd(r.variance)})",
        "Waterfall: "
        + ", ".join(
            f"{w['step']} {usd(w['amount'])}" for w in r.waterfall if w["measure"] == "relative" and w["amount"]
        ),
    ]
    u = r.unit_costs
    if u.get("users"):
        parts.append(
            f"Unit costs for {u['users']:,.0f} users ({u['users_source']}): cost per user "
            f"{usd(u['cost_per_user'], small=True)} billed, {usd(u['modelled_cost_per_user'], small=True)} "
            "modelled"
        )
    for t in u.get("tiers", []):
        parts.append(
            f"  tier {t['name']}: {t['users']:,.0f} users, {usd(t['cost_per_user'], small=True)} per user "
            f"(modelled {usd(t['modelled_cost_per_user'], small=True)})"
        )
    for f in u.get("features", []):
        tagged = f" ({usd(f['tagged_cost'])} of it tagged feature={f['name']})" if f.get("tagged_cost") else ""
        parts.append(
            f"  feature {f['name']}: {_q(f['uses'])} uses, {usd(f['cost_per_use'], small=True)} per use "
            f"(modelled {usd(f['modelled_cost_per_use'], small=True)}){tagged}"
        )
    for t in u.get("tenants", []):
        parts.append(f"  tenant {t['name']} (tag tenant): {usd(t['billed_cost'])} of usage")
    parts += [f"Note: {n}" for n in r.notes]
    return "\n".join(parts)


def saved(args) -> int:
    h = History(args.history)
    skipped: list[str] = []  # reviews that cannot be read, left out of a trend or an export of them all
    if args.command == "list":
        found = h.list(skipped=skipped)
        if args.json:
            print(json.dumps([vars(s) for s in found], indent=1))
        elif not found:
            print(f"No saved reviews in {h.path}.")
        else:
            print(
                table(
                    ["id", "month", "scenario", "modelled", "billed", "users", "per user", "saved"],
                    [
                        [
                            str(s.id),
                            s.month,
                            s.scenario_name,
                            usd(s.total_modelled),
                            usd(s.total_billed),
                            _q(s.users),
                            usd(s.cost_per_user, small=True),
                            s.created_at,
                        ]
                        for s in found
                    ],
                    right={0, 3, 4, 5, 6},
                )
            )
    elif args.command == "show":
        rec = h.get(args.id)
        if args.json:
            print(
                json.dumps(
                    {
                        "id": rec.id,
                        "created_at": rec.created_at,
                        "notes": rec.notes,
                        "tag": rec.tag,
                        "review": rec.saved_json or rec.review.to_json(),  # as saved, by whichever version
                        "bill": rec.bill,
                        "usage": rec.usage,
                        "scenario_yaml": rec.scenario_yaml,
                    },
                    indent=1,
                )
            )
        else:
            print(f"Review #{rec.id}, saved {rec.created_at}" + (f"; notes: {rec.notes}" if rec.notes else ""))
            print(review_text(rec.review))
    elif args.command == "compare":
        trend = h.compare(skipped=skipped)
        if args.json:
            print(json.dumps(trend, indent=1))
        else:
            print(
                table(
                    ["month", "review", "users", "modelled", "billed", "per user", "modelled per user"],
                    [
                        [
                            t["month"],
                            f"#{t['review_id']}",
                            _q(t["users"]),
                            usd(t["total_modelled"]),
                            usd(t["total_billed"]),
                            usd(t["cost_per_user"], small=True),
                            usd(t["modelled_cost_per_user"], small=True),
                        ]
                        for t in trend
                    ],
                    right={2, 3, 4, 5, 6},
                )
            )
    elif args.command == "export":
        out = Path(args.output)
        ids = args.ids or None
        for i in ids or ():  # a review asked for by id is read or the export stops, naming it
            h.get(i)
        if out.suffix.lower() == ".xlsx":
            h.export_xlsx(out, ids, skipped)
        else:
            _write(out, h.export_csv(ids, skipped))
        print(f"Wrote {out}.")
    elif args.command == "report":
        from ui.review_report import review_html

        rec = h.get(args.id)
        _write(Path(args.output), review_html(rec.review, h.compare(rec.scenario_name, skipped), notes=rec.notes))
        print(f"Wrote {args.output}.")
    elif args.command == "delete":
        if not h.delete(args.id):
            raise HistoryError(f"no review #{args.id} in {h.path}")
        print(f"Deleted review #{args.id}.")
    for note in distinct_notes(skipped):
        print(f"Note: {note}.", file=sys.stderr)
    return 0


def _write(path: Path, text: str) -> None:
    from commands.import_usage import write_atomic

    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    write_atomic(path, text)


# ---------------------------------------------------------------- for the app's Monthly review page


def run_month(scenario, month: str, **options):
    """A month's review (usage.review_run.run_review's options), the one the CLI runs: a ReviewRun."""
    from usage.review_run import run_review

    return run_review(scenario, month, **options)


def demo_months() -> list[str]:
    """The months the demo account has bills for, oldest first."""
    from usage.review_demo import months

    return months()

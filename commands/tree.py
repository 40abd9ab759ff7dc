"""The command line's one argument tree and its one error handler; cli.py runs `main`.

The handlers are plain functions in commands/, imported only when their command runs, so that
`cli.py estimate` starts as fast as the numbers it needs allow.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file, line and field, or the AWS call),
1 a bug (one line on stderr, `error: internal error ...`; UNITCOST_DEBUG=1 shows the traceback), 130
interrupted. `check` also exits 1 when a rule does not hold: its FAIL lines and verdict are on stdout and
nothing is on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from commands.args import Parser, number, tier_rate
from errors import UnitcostError

# For a flag that both a command and its action take (`review --history H list`, `prices --json diff`): the
# action keeps what was given before it, where argparse would reset it to the action's own default.
KEEP = {"default": argparse.SUPPRESS}

BAD_INPUT = 2
MAX_POINTS = 1_000_000  # a finer curve than any screen or spreadsheet needs; about 2 s and 300 MB
MAX_DAYS = 455  # hourly CloudWatch datapoints are kept 455 days
DEFAULT_SESSION_MINUTES = 5.0
MAX_SAMPLES = 1_000_000  # simulate: as models/plan.py
MAX_MONTHS = 600  # forecast: 50 years
SAVED_REVIEWS = ("list", "show", "compare", "export", "report", "delete")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    module, _, function = args.run.partition(":")
    try:
        return getattr(importlib.import_module(module), function)(args)
    except UnitcostError as e:
        print(f"error: {e}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:  # `... | head`
        sys.stdout = None  # nothing more to flush at exit
        return 0
    except KeyboardInterrupt:
        print("interrupted; nothing written", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: say so in one line; UNITCOST_DEBUG=1 shows the traceback
        if os.environ.get("UNITCOST_DEBUG"):
            raise
        print(
            f"error: internal error ({type(e).__name__}: {e}); rerun with UNITCOST_DEBUG=1 for details", file=sys.stderr
        )
        return 1


def parser(argv: list[str] | None = None) -> Parser:
    """The one argument tree. Given a command line that starts with a command, only that command's branch
    is built: the other eleven cost more than parsing and add nothing to its errors or its -h. Any other
    line (-h, no command, an unknown one) gets every command, so the listing and the errors are the same."""
    p = Parser(prog="cli.py", description="Cost and capacity estimates for serverless apps on AWS.")
    sub = p.add_subparsers(required=True, metavar="COMMAND")
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    for name, build in COMMANDS.items():
        if chosen in (None, name):
            build(sub)
    return p


SCENARIO_FILE = "scenario file (YAML, format 1)"
USERS = number(0, 1e12)


def _estimate(sub) -> None:
    e = sub.add_parser("estimate", help="the monthly bill of a scenario, per service, feature and tier")
    e.add_argument("file", help=SCENARIO_FILE)
    e.add_argument("--json", action="store_true", help="one JSON object on stdout")
    e.set_defaults(run="commands.estimate:estimate")


def _sweep(sub) -> None:
    s = sub.add_parser("sweep", help="total and cost per user as users grow, every tier keeping its share")
    s.add_argument("file", help=SCENARIO_FILE)
    s.add_argument("--users-from", type=USERS, required=True, metavar="A")
    s.add_argument("--users-to", type=USERS, required=True, metavar="B")
    s.add_argument("--points", type=number(1, MAX_POINTS, whole=True), required=True, metavar="N")
    s.add_argument("--json", action="store_true", help="a JSON list of {users, total, cost_per_user}")
    s.set_defaults(run="commands.estimate:sweep")


def _designs(sub) -> None:
    d = sub.add_parser("designs", help="variants of a scenario priced as users grow, and where one overtakes another")
    d.add_argument("file", help="scenario file (YAML, format 1): the design 'current'")
    d.add_argument(
        "--variant",
        action="append",
        metavar="NAME:PATH=VALUE[,PATH=VALUE...]",
        help="a variant: the scenario with these keys set (functions.chat.architecture=arm64); repeatable",
    )
    d.add_argument("--users-from", type=USERS, required=True, metavar="A")
    d.add_argument("--users-to", type=USERS, required=True, metavar="B")
    d.add_argument("--points", type=number(2, 10_000, whole=True), default=300, metavar="N")
    d.add_argument("--json", action="store_true", help='{"designs": [{"name", "curve"}], "crossovers": [...]}')
    d.set_defaults(run="commands.designs:designs")


def _diff(sub) -> None:
    d = sub.add_parser("diff", help="two scenarios (or templates) side by side: total, tiers, features, services")
    d.add_argument("base", help="the scenario before (YAML, format 1), or a SAM/CloudFormation template or cdk.out")
    d.add_argument("head", help="the scenario after")
    out = d.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help='{"total", "tiers", "features", "services"}: base/head/change')
    out.add_argument("--markdown", action="store_true", help="a table for a pull-request comment (GitHub Markdown)")
    d.set_defaults(run="commands.diff:diff")


def _check(sub) -> None:
    c = sub.add_parser(
        "check",
        help="whether a scenario keeps a policy's limits: exit 0 all hold, 1 some fail (FAIL lines on stdout)",
    )
    c.add_argument("file", help="scenario file (YAML, format 1), or a SAM/CloudFormation template or cdk.out")
    c.add_argument("--policy", required=True, metavar="POLICY", help="policy YAML: total, tiers, features, capacity")
    c.add_argument("--markdown", action="store_true", help="the rules as a table for a pull-request comment")
    c.set_defaults(run="commands.diff:check")


def _actuals(sub) -> None:
    a = sub.add_parser(
        "actuals",
        help="a month's billed cost from a Cost and Usage Report (CUR 2.0 / FOCUS 1.2) on DuckDB or Athena",
    )
    a.add_argument("--cur", metavar="PATH", help="a Parquet file or folder (Data Exports' BILLING_PERIOD=YYYY-MM)")
    a.add_argument("--month", required=True, metavar="YYYY-MM", help="the billing period")
    a.add_argument(
        "--group-by",
        metavar="KEYS",
        help="comma-separated: account, service, usage_type, resource, tag:KEY (default account,service,usage_type)",
    )
    a.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _athena_flags(a, "run the query on Athena instead ($5 per TB scanned)")
    a.add_argument("--profile", help="AWS profile for Athena (default: the standard credential chain)")
    a.add_argument("--region", help="AWS region of the Athena table (default: from the profile)")
    a.set_defaults(run="commands.actuals:actuals")


def _simulate(sub) -> None:
    m = sub.add_parser("simulate", help="the scenario's ranges sampled: P10/P50/P90 per tier and feature, the tornado")
    m.add_argument("file", help=SCENARIO_FILE)
    m.add_argument(
        "--samples", type=number(1, MAX_SAMPLES, whole=True), default=10_000, metavar="N", help="default 10,000"
    )
    m.add_argument("--seed", type=number(0, 2**63 - 1, whole=True), default=0, metavar="S", help="default 0")
    m.add_argument("--json", action="store_true", help="one JSON object on stdout")
    m.set_defaults(run="commands.plan:simulate")


def _forecast(sub) -> None:
    f = sub.add_parser("forecast", help="cost, revenue and margin month by month as tiers grow and churn")
    f.add_argument("file", help=SCENARIO_FILE)
    f.add_argument("--months", type=number(0, MAX_MONTHS, whole=True), required=True, metavar="N")
    for flag, what in (("--growth", "growth"), ("--churn", "churn")):
        f.add_argument(flag, action="append", type=tier_rate, metavar="TIER=PCT",
                       help=f"monthly {what} of a tier in percent (over the scenario's plan:); repeatable")  # fmt: skip
    f.add_argument("--json", action="store_true", help="a JSON list, one object per month")
    f.set_defaults(run="commands.plan:forecast")


def _prices(sub) -> None:
    b = sub.add_parser("prices", help="the price book: as-of date, sources and prices; refresh; diff")
    # Its own dest: `refresh --region` (a list) would otherwise reset it, and `prices --region R refresh` is
    # taken as `prices refresh --region R` (commands/prices.py `_regions`).
    b.add_argument("--region", dest="book_region", metavar="REGION", help="only this region (and the global free tier)")
    b.add_argument("--json", action="store_true")
    b.set_defaults(run="commands.estimate:prices")
    what = b.add_subparsers(metavar="ACTION")

    r = what.add_parser("refresh", help="a new price book from the AWS Price List (API or offer files)")
    r.add_argument("--region", action="extend", nargs="+", metavar="R", help="regions to refresh (repeatable)")
    r.add_argument(
        "--all-regions",
        action="store_true",
        help="every region: the base book's plus those the Price List has for AWSLambda (with --from-file: "
        "every region in the files)",
    )
    r.add_argument(
        "--from-file",
        action="extend",
        nargs="+",
        metavar="PATH",
        help="a downloaded offer file (<offer>/current[/<region>]/index.json) or saved GetProducts response, "
        "instead of the API",
    )
    r.add_argument("--out-dir", default=None, help="where to write the new book (default: pricing/books)")
    r.add_argument("--base", metavar="BOOK", help="the book to start from (default: the newest in pricing/books)")
    r.add_argument(
        "--allow-missing",
        action="store_true",
        help="leave out (and report) components a --region lacks, instead of failing",
    )
    r.add_argument(
        "--savings-plans",
        action="store_true",
        help="refresh the Savings Plans rates (Compute: Lambda; Database: DynamoDB) from the Savings Plans API",
    )
    r.add_argument(
        "--payment-option",
        choices=("No Upfront", "Partial Upfront", "All Upfront"),
        default="No Upfront",
        help="with --savings-plans: the plans' payment option (1-year term)",
    )
    r.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    r.add_argument(
        "--endpoint-region",
        default="us-east-1",
        help="Price List API endpoint: us-east-1 (default), eu-central-1 or ap-south-1 (not the regions priced)",
    )
    r.set_defaults(run="commands.prices:refresh")

    d = what.add_parser("diff", help="what changed between two price books, and what it does to scenarios")
    d.add_argument(
        "old", nargs="?", help="a price book file, or a name in pricing/books (2026-11-27); default: the one before NEW"
    )
    d.add_argument("new", nargs="?", help="a price book file, or a name in pricing/books; default: the newest")
    d.add_argument("--scenarios", nargs="+", default=[], metavar="PATH", help="scenario files, or folders of *.yaml")
    d.add_argument("--all", action="store_true", help="list unchanged components too")
    d.add_argument("--json", action="store_true", help="one JSON object on stdout", **KEEP)
    d.set_defaults(run="commands.prices:diff")

    c = what.add_parser("coverage", help="which components the book prices in each region, and what it lacks")
    c.add_argument("--json", action="store_true", help="one JSON object on stdout", **KEEP)
    c.set_defaults(run="commands.prices:coverage")


def _import(sub) -> None:
    p = sub.add_parser("import", help="write a scenario from the usage of an AWS account (or the demo account)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--tag", metavar="K=V", help="resources with this tag")
    which.add_argument("--stack", metavar="NAME", help="resources of this CloudFormation/SAM stack")
    which.add_argument("--prefix", metavar="P", help="resources whose name starts with P")
    which.add_argument("--demo", action="store_true", help="the built-in demo account (no AWS access)")
    p.add_argument(
        "--days", type=number(1, MAX_DAYS, whole=True, why="CloudWatch keeps hourly datapoints 455 days"), default=30
    )
    p.add_argument(
        "--users",
        type=number(0, 1e12, whole=True, low_open=True),
        help="users behind the observed usage: puts it on a tier 'observed' (the demo: on its three tiers)",
    )
    # The same ranges as the scenario file, so what is written can always be estimated.
    p.add_argument(
        "--session-minutes",
        type=number(0, 120, why="API Gateway closes connections at 2 hours"),
        default=DEFAULT_SESSION_MINUTES,
        help=f"average WebSocket connection length (default {DEFAULT_SESSION_MINUTES:g}); "
        "connection minutes = ConnectCount x this",
    )
    p.add_argument(
        "--cold-start-rate", type=number(0, 1), help="share of invocations with an INIT phase (not in metrics)"
    )
    p.add_argument(
        "--init-ms", type=number(0, 10_000, why="Lambda's INIT phase lasts at most 10 s"), help="INIT of a cold start"
    )
    p.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    p.add_argument("--region", help="AWS region (default: from the profile or AWS_DEFAULT_REGION)")
    p.add_argument(
        "--scenario",
        metavar="SKELETON",
        help="start from this scenario (one `init` wrote, or a template): keep its features and names, "
        "fill in the observed usage",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="scenario file to write")
    p.set_defaults(run="commands.import_usage:run")


def _init(sub) -> None:
    p = sub.add_parser("init", help="a scenario skeleton from a SAM, CloudFormation or CDK template")
    p.add_argument(
        "--template", required=True, metavar="PATH", help="template (YAML or JSON), cdk.out folder or *.template.json"
    )
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="a template parameter's value (repeatable)")
    p.add_argument("--region", help="the scenario's region (default us-east-1); also AWS::Region in the template")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="scenario file to write")
    p.set_defaults(run="commands.init:init")


def _review(sub) -> None:
    p = sub.add_parser(
        "review",
        help="a month's estimate vs metered vs billed, saved to history; saved reviews",
        description="Monthly cost review: model vs metered vs billed (needs --month), or a saved review's ACTION.",
    )
    p.add_argument("--month", metavar="YYYY-MM", help="the month to review")
    p.add_argument("--scenario", metavar="FILE", help="the scenario (format 1) the month is compared with")
    p.add_argument("--tag", metavar="K=V", help="only what carries this cost-allocation tag (bill and metrics)")
    users = p.add_mutually_exclusive_group()
    users.add_argument("--users", type=float, metavar="N", help="users in the month (default: the scenario's tiers)")
    users.add_argument(
        "--users-metric", metavar="NS:METRIC[:STAT]", help="the month's users from a CloudWatch metric (Maximum)"
    )
    p.add_argument(
        "--users-dimension", action="append", default=[], metavar="K=V", help="a dimension of --users-metric"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--history", metavar="PATH", help="the history database (SQLite)")
    p.add_argument("--demo", action="store_true", help="the built-in demo account (no AWS access, months 2026-01..10)")
    p.add_argument("--refresh", action="store_true", help="ask Cost Explorer again instead of using the cache")
    p.add_argument(
        "--cur",
        metavar="PATH",
        help="the bill from a Cost and Usage Report (CUR 2.0 / FOCUS 1.2 Parquet) instead of Cost Explorer",
    )
    _athena_flags(p, "the bill from a CUR table on Athena ($5 per TB scanned)")
    p.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ID",
        help="only this usage account's lines of the CUR (repeat for several; default: all)",
    )
    p.add_argument("--no-metrics", action="store_true", help="skip the CloudWatch import (no metered column)")
    p.add_argument("--notes", default="", help="notes saved with the review")
    p.add_argument("--no-save", action="store_true", help="do not save the review to history")
    p.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    p.add_argument("--region", help="AWS region of the CloudWatch import (default: the scenario's)")
    p.set_defaults(run="commands.review:review", command=None)

    saved = p.add_subparsers(dest="command", metavar="ACTION")
    for name, text in (("list", "saved reviews"), ("compare", "unit costs month over month")):
        s = saved.add_parser(name, help=text)
        s.add_argument("--json", action="store_true", **KEEP)
        s.add_argument("--history", metavar="PATH", **KEEP)
    for name, text in (("show", "one saved review"), ("delete", "delete a saved review")):
        s = saved.add_parser(name, help=text)
        s.add_argument("id", type=int)
        s.add_argument("--history", metavar="PATH", **KEEP)
        if name == "show":
            s.add_argument("--json", action="store_true", **KEEP)
    s = saved.add_parser("export", help="reconciliation rows as CSV or XLSX")
    s.add_argument("ids", type=int, nargs="*", help="review ids (default: all)")
    s.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.csv or FILE.xlsx")
    s.add_argument("--history", metavar="PATH", **KEEP)
    s = saved.add_parser("report", help="one-file HTML report of a saved review")
    s.add_argument("id", type=int)
    s.add_argument("-o", "--output", required=True, metavar="FILE")
    s.add_argument("--history", metavar="PATH", **KEEP)
    for s in saved.choices.values():
        s.set_defaults(run="commands.review:saved")


def _athena_flags(p, table_help: str) -> None:
    """Where a Cost and Usage Report lives on Athena (actuals and review)."""
    p.add_argument("--athena-table", metavar="DB.TABLE", help=table_help)
    p.add_argument("--athena-output", metavar="s3://BUCKET/PREFIX", help="where Athena writes the query results")
    p.add_argument("--athena-workgroup", metavar="W", help="the Athena workgroup (default: primary)")


# Every command and the function that builds its branch of the tree, in the order -h lists them.
COMMANDS = {
    "estimate": _estimate,
    "sweep": _sweep,
    "designs": _designs,
    "diff": _diff,
    "check": _check,
    "simulate": _simulate,
    "forecast": _forecast,
    "prices": _prices,
    "import": _import,
    "init": _init,
    "review": _review,
    "actuals": _actuals,
}

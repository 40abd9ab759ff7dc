"""Issue 13, the pages: the Overview's blended figures, charts that span orders of magnitude, the free
tier's benefit, and limits named for people. Figures worked out by hand in the comments."""

from __future__ import annotations

import json

import pytest

from models.engine import estimate
from models.scenario import loads
from models.tiers import blended
from tests.test_app import click, metrics, no_problems

pytestmark = pytest.mark.usefixtures("fresh_streamlit")

# 1,000 free users x 10 sends + 100 pro users x 100 sends + 5,000 baseline sends, at $0.01 a message:
# free $100, pro $100, baseline $50, total $250. Revenue 100 x $5 = $500.
SMS = """
name: sms app
region: us-east-1
services: {sms: {unit: message, price: 0.01}}
features: {send: {services: {sms: 1}}}
tiers:
  free: {users: 1000, price: 0, uses: {send: 10}}
  pro: {users: 100, price: 5, uses: {send: 100}}
baseline: {send: 5000}
"""


def apply_yaml(at, text: str):
    at.switch_page("pages/scenario.py").run()
    at.text_area(key="yaml_text").input(text)
    click(at, "Apply")
    no_problems(at)
    return at


def test_blended_margin_adds_the_tiers_up():
    b = blended(estimate(loads(SMS, "sms")))
    # revenue $500; tier cost $100 + $100 = $200; margin $300 = 60% of revenue; the baseline's $50 on top
    assert (b.revenue, b.cost, b.margin, b.margin_pct) == (500, 200, 300, 0.6)
    assert (b.baseline_cost, b.margin_after_baseline) == (50, 250)


def test_blended_margin_without_revenue_has_no_percent():
    b = blended(estimate(loads(SMS.replace("price: 5", "price: 0"), "sms")))
    assert (b.revenue, b.margin, b.margin_pct) == (0, -200, None)
    assert blended(estimate(loads(SMS.split("tiers:")[0], "sms"))) is None  # no tiers: nothing to blend


def test_overview_shows_revenue_and_the_blended_margin(app):
    apply_yaml(app, SMS).switch_page("pages/overview.py").run()
    no_problems(app)
    m = metrics(app)
    assert m["Revenue"] == "$500.00"
    assert m["Blended margin"] == "$300.00"
    assert m["Margin after baseline"] == "$250.00"
    blended_metric = next(x for x in app.metric if x.label == "Blended margin")
    assert blended_metric.proto.delta == "60.0% of revenue"
    # each tier's own margin is still shown: free -$100, pro $500 - $100 = $400
    assert (m["Margin: free"], m["Margin: pro"]) == ("-$100.00", "$400.00")


def test_overview_blended_margin_of_the_example(app, repo_root):
    # examples/positive-chat.yaml: pro's revenue 2,000 x $9.99 = $19,980.00; no baseline, so the tiers bear the
    # whole bill of $67,395.76 and the blended margin is 19,980 - 67,395.76 = -$47,415.76 (-237.3%)
    apply_yaml(app, (repo_root / "examples" / "positive-chat.yaml").read_text()).switch_page("pages/overview.py").run()
    m = metrics(app)
    assert (m["Revenue"], m["Blended margin"]) == ("$19,980.00", "-$47,415.76")
    assert "Margin after baseline" not in m
    assert next(x for x in app.metric if x.label == "Blended margin").proto.delta == "-237.3% of revenue"


# ---------------------------------------------------------------- charts across orders of magnitude, free tier

# 1,000 users x 100 sends = 100,000 sends a month, each one 128 MB, 100 ms invocation, one 1 KB write, one SMS:
# - Lambda: 100,000 requests and 100,000 x 0.1 s x 0.125 GB = 1,250 GB-s, all under the Always Free 1M and
#   400,000 GB-s: billed $0. Saved: 100,000 x $0.0000002 = $0.02 and 1,250 x $0.0000166667 = $0.0208 -> $0.02;
#   $0.04 in all.
# - DynamoDB: 100,000 WRU x $0.000000625 = $0.0625 -> $0.06.  SMS: 100,000 x $0.01 = $1,000.00.
SPAN = """
name: sms app
region: us-east-1
functions: {f: {memory_mb: 128, duration_ms: 100}}
tables: {t: {}}
services: {sms: {unit: message, price: 0.01}}
features: {send: {lambda: {f: 1}, dynamodb: [{table: t, writes: 1}], services: {sms: 1}}}
tiers:
  pro: {users: 1000, price: 5, uses: {send: 100}}
"""


@pytest.fixture(scope="module")
def span():
    return estimate(loads(SPAN, "span"))


def test_free_tier_benefit_is_the_free_quantity_at_the_first_paid_price(span):
    assert span.services["lambda"] == 0.0
    assert span.free_tier_benefit == {"lambda": 0.04}
    assert estimate(loads(SPAN.replace("sms app", "sms app\nfree_tier: false"), "x")).free_tier_benefit == {}


def test_the_service_chart_lists_free_services_with_what_they_saved(span):
    from ui import charts

    fig = charts.by_service(span)
    billed, saved = fig.data
    assert billed.x == ("sms", "dynamodb", "lambda") and billed.y == (1000.0, 0.06, 0.0)
    assert saved.name == "saved by the free tier" and saved.y == (0.0, 0.0, 0.04)
    assert fig.layout.yaxis.type is None  # linear


def test_the_service_chart_on_a_log_axis_and_without_the_dominant_service(span):
    from ui import charts

    # sms is $1,000.00 of $1,000.06: dominant, and 1,000 / 0.06 spans more than two orders of magnitude
    assert charts.dominant(span.services) == "sms"
    assert charts.dominant({"a": 10.0, "b": 9.0}) is None  # within one order: no dominant service
    assert charts.dominant({"a": 100.0, "b": 0.5, "c": 100.0}) is None  # 100 of 200.5: not half the bill
    log = charts.by_service(span, charts.LOG)
    # the axis from 10^-2 (under the $0.04 saved) to 10^3.3 (above $1,000)
    assert log.layout.yaxis.type == "log" and log.layout.yaxis.range == (-2, 3.3)
    without = charts.by_service(span, charts.WITHOUT_DOMINANT)
    assert without.data[0].x == ("dynamodb", "lambda") and without.data[0].y == (0.06, 0.0)
    assert without.layout.title.text == "Cost by service, without sms ($1,000.00)"


def test_the_services_table_lists_free_services_and_their_savings(span):
    from ui import tables

    df = tables.services_frame(span).set_index("service")
    assert list(df.index) == ["sms", "dynamodb", "lambda"]
    assert df.loc["lambda", "cost (USD/month)"] == 0.0
    assert df.loc["lambda", tables.FREE_SAVED] == 0.04


def test_overview_offers_the_views_and_shows_the_savings(app):
    apply_yaml(app, SPAN).switch_page("pages/overview.py").run()
    no_problems(app)
    control = app.get("button_group")[0]
    assert control.proto.label == "Charts"
    assert [o.content for o in control.proto.options] == ["Linear", "Log scale", "Without sms"]
    caption = " ".join(c.value for c in app.caption)
    assert "The Always Free tier saves $0.04 a month (lambda $0.04)" in caption
    services_chart = lambda: next(c for c in app.get("plotly_chart") if c.proto.id.endswith("chart_services"))  # noqa: E731
    control.set_value("without dominant").run()
    no_problems(app)
    title = json.loads(services_chart().proto.spec)["layout"]["title"]["text"]
    assert title == "Cost by service, without sms ($1,000.00)"


def test_overview_offers_no_views_when_costs_are_close(app):
    apply_yaml(app, SMS).switch_page("pages/overview.py").run()  # $250 of sms only
    assert not any(b.proto.label == "Charts" for b in app.get("button_group"))


# ---------------------------------------------------------------- limits named for people


def test_every_limit_has_a_name_for_people():
    from models.capacity import TITLES, limit_name, limits
    from pricing.services import generic

    titled = set(TITLES) | {q.limit for sv in generic() for q in sv.quotas if q.title}
    assert set(limits()) <= titled
    assert limit_name("dynamodb_write_units_per_second", "messages") == "DynamoDB write throughput, table messages"
    assert limit_name("lambda_concurrency", "chat") == "Lambda concurrency, function chat"
    assert limit_name("apigw_requests_per_second", "account") == "API Gateway request rate, account"
    assert limit_name("sqs_fifo_calls_per_second", "orders") == "SQS FIFO send rate, queue orders"
    assert limit_name("unknown_limit", "x") == "unknown_limit, x"


def test_capacity_page_names_limits_beside_their_identifiers(app, repo_root):
    apply_yaml(app, (repo_root / "examples" / "positive-chat.yaml").read_text())
    app.switch_page("pages/capacity.py").run()
    no_problems(app)
    # the example's first limit: API Gateway at 8,134,286 users (63.9 requests/s today against 10,000)
    assert app.metric[0].label == "First limit reached: API Gateway request rate, account"
    assert app.metric[0].value == "8,134,286 users"
    assert "`apigw_requests_per_second` on account" in app.caption[1].value
    table = app.dataframe[0].value.set_index("limit")
    assert table.loc["dynamodb_write_units_per_second", "name"] == "DynamoDB write throughput, table messages"
    chart = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert "DynamoDB write throughput, table messages" in [t["name"] for t in chart["data"]]


def test_cli_capacity_table_names_limits(repo_root):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "cli.py", "estimate", "examples/positive-chat.yaml"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    row = next(line for line in out.splitlines() if "dynamodb_write_units_per_second" in line)
    assert "dynamodb_write_units_per_second       DynamoDB write throughput, table messages  messages" in row


def test_the_overview_report_heads_with_revenue_and_the_blended_margin():
    from ui import report

    html = report.html_report(estimate(loads(SMS, "sms")), [], [])
    # revenue $500, blended margin $300 = 60.0% of it (worked out above)
    assert '<div class="label">Revenue</div><div class="value">$500.00</div>' in html
    assert '<div class="label">Blended margin</div><div class="value">$300.00 (60.0%)</div>' in html


# ---------------------------------------------------------------- figures kept between reruns


def test_a_chart_is_rebuilt_only_when_its_inputs_change(app):
    """widgets.chart keeps each chart's figure with its inputs' value: a rerun with the same scenario and view
    draws the same figure object; a change of view, or of the scenario, builds a new one that shows the change."""
    app.switch_page("pages/overview.py").run()
    no_problems(app)
    memo = lambda: app.session_state["figure_memo"]  # noqa: E731
    first = memo()["chart_services"][2]
    app.run()
    assert memo()["chart_services"][2] is first
    apply_yaml(app, SPAN).switch_page("pages/overview.py").run()
    spanned = memo()["chart_services"][2]
    assert spanned is not first
    assert "sms" in json.dumps(spanned.to_plotly_json()["data"])  # the new scenario's service
    app.get("button_group")[0].set_value("log").run()
    no_problems(app)
    assert memo()["chart_services"][2] is not spanned
    assert memo()["chart_services"][2].layout.yaxis.type == "log"


def test_chart_builds_once_per_value_of_its_inputs(monkeypatch):
    from pages.shared import widgets

    drawn, built = [], []

    class Where:
        def plotly_chart(self, figure, **kw):
            drawn.append(figure)

    monkeypatch.setattr(widgets, "ss", {})

    def build(points, title=""):
        built.append((list(points), title))
        return {"points": list(points), "title": title}

    widgets.chart(build, [1, 2], key="k", where=Where(), title="a")
    widgets.chart(build, [1, 2], key="k", where=Where(), title="a")  # equal values, new objects: kept
    assert len(built) == 1 and drawn[0] is drawn[1]
    widgets.chart(build, [1, 3], key="k", where=Where(), title="a")
    widgets.chart(build, [1, 3], key="k", where=Where(), title="b")
    assert built == [([1, 2], "a"), ([1, 3], "a"), ([1, 3], "b")]
    assert drawn[-1] == {"points": [1, 3], "title": "b"}

    def reloaded(points, title=""):  # the same builder after Streamlit reloads its module on a code change
        return {"points": list(points), "title": title, "new": True}

    widgets.chart(reloaded, [1, 3], key="k", where=Where(), title="b")
    assert drawn[-1]["new"]

"""Issue 13, the pages: the Overview's blended figures, charts that span orders of magnitude, the free
tier's benefit, and limits named for people. Figures worked out by hand in the comments."""

from __future__ import annotations

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

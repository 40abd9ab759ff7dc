"""The Plan page (issue 15) under AppTest: it opens on the demo (no ranges) and on a ranged scenario with a plan,
shows the simulation's percentiles, the fan chart, the tornado and the forecast the models give, and its plan
editor saves `plan:` into the scenario; the Tiers and Features pages edit ranges."""

from __future__ import annotations

import json

import pytest

from models.plan import forecast, simulate
from models.scenario import loads
from tests.conftest import shown
from tests.test_app import click, current, no_problems
from ui.format import money

pytestmark = pytest.mark.usefixtures("fresh_streamlit")


def apply_yaml(at, text: str):
    at.switch_page("pages/scenario.py").run()
    at.text_area(key="yaml_text").input(text)
    click(at, "Apply")
    no_problems(at)
    return at


def table(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def forecast_table(at):
    """The month-by-month table, in its tab (the chart's tab is open first)."""
    at.session_state["plan_forecast_view"] = "Table"
    at.run()
    no_problems(at)
    return table(at, "starts this month")


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_the_plan_page_opens_on_the_demo_without_ranges(app):
    app.switch_page("pages/plan.py").run()
    no_problems(app)
    assert any("no ranges" in i.value for i in app.info)
    assert not any("starts this month" in d.value.columns for d in app.dataframe)  # the chart's tab is open
    assert any("by month" in c["layout"]["title"]["text"] for c in charts(app))
    months = forecast_table(app)
    assert list(months["month"]) == list(range(25))  # 24 months ahead and month 0


def test_the_plan_page_shows_the_models_figures(app, repo_root):
    text = (repo_root / "examples" / "positive-chat-plan.yaml").read_text()
    apply_yaml(app, text).switch_page("pages/plan.py").run()
    no_problems(app)
    s = loads(text)
    sim = simulate(s, 10_000, 0)
    m = {x.label: x.value for x in app.metric}
    assert m["Monthly total P50"] == money(sim.to_json()["total"]["p50"])
    tornado = table(app, "swing (USD)")
    assert list(tornado["input"]) == [w.input for w in sim.sensitivity]
    titles = [c["layout"]["title"]["text"] for c in charts(app)]
    assert any("as users grow" in t for t in titles) and any("What moves the margin" in t for t in titles)
    assert any("by month" in t for t in titles)
    fan = next(c for c in charts(app) if "as users grow" in c["layout"]["title"]["text"])
    assert {d.get("name") for d in fan["data"]} >= {"P10 to P90", "P50"}
    months = forecast(s, 24, s.plan)
    rows = forecast_table(app)
    assert list(rows["cost (USD/month)"]) == pytest.approx([mo.total for mo in months])
    assert list(rows["revenue (USD/month)"]) == pytest.approx([mo.revenue for mo in months])
    assert not any("by month" in c["layout"]["title"]["text"] for c in charts(app))  # the table's tab instead


def test_the_plan_editor_saves_the_plan(app, repo_root):
    text = (repo_root / "examples" / "positive-chat-plan.yaml").read_text()
    apply_yaml(app, text).switch_page("pages/plan.py").run()
    editor = next(d for d in app.dataframe if "growth (%/month)" in d.value.columns)
    assert list(editor.value["growth (%/month)"]) == [8.0, 5.0]
    key = next(d.key for d in app.data_editor if d.key.startswith("plan_rates_"))
    app.session_state[key] = {"edited_rows": {1: {"growth (%/month)": 12.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    no_problems(app)
    assert current(app).plan.growth == {"free": 8, "pro": 12} and current(app).plan.churn == {"free": 4, "pro": 2}
    # the forecast follows: pro's users in month 1 are 2,000 x 1.12 x 0.98 = 2,195.2
    assert forecast_table(app)["pro: users"][1] == pytest.approx(2195.2)
    assert current(app).ranges == loads(text).ranges  # the ranges stay


def _editor(at, prefix: str) -> str:
    return next(d.key for d in at.data_editor if d.key and d.key.startswith(prefix))


def test_ranges_are_edited_in_the_tiers_page(app):
    app.switch_page("pages/tiers.py").run()
    no_problems(app)
    key = _editor(app, "tier_ranges_")
    rows = [{"input": "tiers.pro.uses.send_message", "low": 100.0, "mode": 150.0, "high": 900.0}]
    app.session_state[key] = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}
    app.run()
    no_problems(app)
    (r,) = current(app).ranges
    assert (r.path, r.low, r.mode, r.high, r.uniform) == ("tiers.pro.uses.send_message", 100, 150, 900, False)
    assert current(app).tiers["pro"].uses["send_message"] == 150  # the estimate takes the mode
    # a mode outside the range is not applied: the scenario stays, the message names the field
    key = _editor(app, "tier_ranges_")
    bad = [rows[0] | {"mode": 1000.0}]  # the table keeps its added row: the edit is to that row
    app.session_state[key] = {"edited_rows": {}, "added_rows": bad, "deleted_rows": []}
    app.run()
    assert current(app).ranges == (r,)
    assert any("tiers.pro.uses.send_message.mode" in shown(e.value) and "outside" in e.value for e in app.error)
    # the tiers table still edits the other numbers, and the range stays
    key = _editor(app, "tier_ranges_")
    app.session_state[key] = {"edited_rows": {}, "added_rows": [rows[0] | {"mode": 200.0}], "deleted_rows": []}
    app.run()
    no_problems(app)
    app.session_state[_editor(app, "tiers_editor_")] = {
        "edited_rows": {0: {"price (USD/user)": 1.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    no_problems(app)
    assert current(app).tiers["free"].price == 1 and [x.path for x in current(app).ranges] == [r.path]


def test_ranges_are_edited_in_the_features_page(app):
    app.switch_page("pages/features.py").run()
    no_problems(app)
    pick = app.selectbox(key="feat_pick").value
    key = _editor(app, "feature_ranges_")
    footprint = current(app).features[pick]
    assert footprint.websocket and footprint.websocket.messages  # the demo's costliest feature sends messages
    path = f"features.{pick}.websocket.messages"
    rows = [{"input": path, "low": 0.0, "mode": None, "high": 12.0}]  # no mode: uniform
    app.session_state[key] = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}
    app.run()
    no_problems(app)
    (r,) = current(app).ranges
    assert (r.path, r.low, r.mode, r.high, r.uniform) == (path, 0, 6, 12, True)  # uniform: the midpoint
    app.switch_page("pages/plan.py").run()
    no_problems(app)
    assert list(table(app, "swing (USD)")["input"]) == [path]

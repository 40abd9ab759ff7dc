"""The Plan page (issue 15) under AppTest: it opens on the demo (no ranges) and on a ranged scenario with a plan,
shows the simulation's percentiles, the fan chart, the tornado and the forecast the models give, and its plan
editor saves `plan:` into the scenario; the Tiers and Features pages edit ranges."""

from __future__ import annotations

import json

import pytest

from models.plan import forecast, simulate
from models.scenario import loads
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


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_the_plan_page_opens_on_the_demo_without_ranges(app):
    app.switch_page("pages/plan.py").run()
    no_problems(app)
    assert any("no ranges" in i.value for i in app.info)
    months = table(app, "starts this month")
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
    months = forecast(s, 24, s.plan)
    shown = table(app, "starts this month")
    assert list(shown["cost (USD/month)"]) == pytest.approx([mo.total for mo in months])
    assert list(shown["revenue (USD/month)"]) == pytest.approx([mo.revenue for mo in months])
    titles = [c["layout"]["title"]["text"] for c in charts(app)]
    assert any("as users grow" in t for t in titles) and any("What moves the margin" in t for t in titles)
    assert any("by month" in t for t in titles)
    fan = next(c for c in charts(app) if "as users grow" in c["layout"]["title"]["text"])
    assert {d.get("name") for d in fan["data"]} >= {"P10 to P90", "P50"}


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
    shown = table(app, "starts this month")
    assert shown["pro: users"][1] == pytest.approx(2195.2)
    assert current(app).ranges == loads(text).ranges  # the ranges stay

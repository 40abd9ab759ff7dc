"""The Monthly review page (pages/review.py) under Streamlit's AppTest, through a stand-in entry script
(tests/fixtures/review/review_app.py) that puts the demo account's scenario in the session as app.py does."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from models.history import History
from models.report import usd

ENTRY = Path(__file__).resolve().parent / "fixtures" / "review" / "review_app.py"


@pytest.fixture(autouse=True)
def _history(monkeypatch, tmp_path):
    st.cache_data.clear()
    monkeypatch.setenv("UNITCOST_HISTORY", str(tmp_path / "reviews.sqlite3"))
    yield History(tmp_path / "reviews.sqlite3")
    st.cache_data.clear()


@pytest.fixture(scope="module")
def expected():
    from models.scenario import loads
    from usage.demo import demo_scenario_yaml
    from usage.review_run import run_review

    s = loads(demo_scenario_yaml(), "demo")
    return {m: run_review(s, m, demo=True).review for m in ("2026-09", "2026-10")}


def no_problems(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_run_open_and_delete_reviews_of_the_demo_account(_history, expected):
    at = AppTest.from_file(str(ENTRY), default_timeout=60).run()
    no_problems(at)
    assert at.title[0].value == "Monthly review"
    assert at.selectbox(key="rv_month").value == "2026-10"  # the demo's newest month first

    at.button(key="rv_run").click().run()
    no_problems(at)
    october = expected["2026-10"]
    assert metrics(at) == {
        "Modelled": usd(october.total_modelled),
        "Metered at list prices": usd(october.total_metered),
        "Billed": usd(october.total_billed),
        "Variance": usd(october.variance),
        "Cost per user (billed)": usd(october.unit_costs["cost_per_user"]),
    }
    lines = table_with(at, "likely cause")
    assert len(lines) == len(october.lines)
    assert lines["billed $"].sum() == pytest.approx(october.total_billed)
    assert len(at.get("plotly_chart")) == 3  # waterfall, variance, trend
    assert len(at.get("download_button")) == 2  # the HTML report and the CSV
    assert [s.month for s in _history.list()] == ["2026-10"]

    at.selectbox(key="rv_month").set_value("2026-09")
    at.text_input(key="rv_notes").set_value("September close")
    at.button(key="rv_run").click().run()
    no_problems(at)
    assert metrics(at)["Billed"] == usd(expected["2026-09"].total_billed)
    trend = table_with(at, "month")
    assert list(trend["month"]) == ["2026-09", "2026-10"]
    assert list(trend["per user $"]) == pytest.approx(
        [expected[m].unit_costs["cost_per_user"] for m in ("2026-09", "2026-10")]
    )
    assert _history.get(2).notes == "September close"

    at.selectbox(key="rv_pick").set_value(1)
    at.button(key="rv_open").click().run()
    no_problems(at)
    assert "(review #1)" in at.subheader[0].value
    assert metrics(at)["Billed"] == usd(october.total_billed)

    at.selectbox(key="rv_pick").set_value(2).run()
    assert at.button(key="rv_delete").disabled  # only once ticked
    at.checkbox(key="rv_delete_sure").check().run()
    at.button(key="rv_delete").click().run()
    no_problems(at)
    assert [s.id for s in _history.list()] == [1]
    assert not at.checkbox(key="rv_delete_sure").value and at.button(key="rv_delete").disabled


def test_an_aws_review_without_credentials_shows_one_message(monkeypatch, tmp_path, _history):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    at = AppTest.from_file(str(ENTRY), default_timeout=60).run()
    at.radio(key="rv_source").set_value("AWS account").run()
    at.button(key="rv_run").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "no AWS credentials found" in at.error[0].value
    assert _history.list() == []


def test_a_damaged_month_is_left_out_of_the_trend_with_a_warning(_history):
    import sqlite3

    at = AppTest.from_file(str(ENTRY), default_timeout=60).run()
    for month in ("2026-09", "2026-10"):
        at.selectbox(key="rv_month").set_value(month)
        at.button(key="rv_run").click().run()
    with sqlite3.connect(_history.path) as c:  # September's row edited behind unitcost's back
        c.execute("UPDATE reviews SET notes = 'edited' WHERE month = '2026-09'")
    at.button(key="rv_run").click().run()  # October again: its page shows the trend
    no_problems(at)
    assert list(table_with(at, "month")["month"]) == ["2026-10"]
    from ui.format import md

    assert [w.value for w in at.warning] == [
        md(f"Review #1 in {_history.path} does not match its checksum; it is left out.")  # shown as text
    ]
    with sqlite3.connect(_history.path) as c:  # a BLOB where the month belongs: the saved list names it too
        c.execute("UPDATE reviews SET month = CAST('2026-09' AS BLOB) WHERE id = 1")
    at.button(key="rv_run").click().run()
    no_problems(at)
    assert [w.value for w in at.warning] == [  # once, above the saved reviews (it is not in the trend either)
        md(f"Review #1 in {_history.path} is damaged: column month is not text; it is left out.")
        + " `cli.py review delete` with its number removes it."
    ]  # of the four saved, the three others are listed
    assert [e.label for e in at.expander if "Saved reviews" in e.label] == [md(f"Saved reviews (3) in {_history.path}")]
    with sqlite3.connect(_history.path) as c:  # notes not text: the list and the trend both skip it, said once
        c.execute("UPDATE reviews SET month = '2026-09', notes = X'00' WHERE id = 1")
    at.button(key="rv_run").click().run()
    no_problems(at)
    assert [w.value for w in at.warning] == [
        md(f"Review #1 in {_history.path} is damaged: column notes is not text; it is left out.")
        + " `cli.py review delete` with its number removes it."
    ]

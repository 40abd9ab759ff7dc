"""The Capacity and Prices pages under AppTest: they open on the demo and show what the models say."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from models.capacity import capacity, limit_name
from models.engine import estimate
from models.scenario import loads, to_yaml
from pricing.book import default_book, load
from tests.conftest import APPTEST_TIMEOUT_S as TIMEOUT_S

pytestmark = pytest.mark.usefixtures("fresh_streamlit")


def test_capacity_page_shows_the_first_limit_and_the_table(app):
    app.switch_page("pages/capacity.py").run()
    assert not app.exception and not app.error
    limits, _ = capacity(app.session_state["scenario"])
    first = next(c for c in limits if c.users_at_limit is not None)
    metric = app.metric[0]
    assert metric.label == f"First limit reached: {limit_name(first.limit, first.resource)}"
    assert metric.value == f"{first.users_at_limit:,.0f} users"
    shown = app.dataframe[0].value
    assert list(shown["limit"]) == [c.limit for c in limits]
    assert len(app.get("plotly_chart")) == 1


def test_capacity_follows_a_raised_quota(app):
    s = app.session_state["scenario"]
    first = next(c for c in capacity(s)[0] if c.users_at_limit is not None)
    raised = loads(f"name: q\nregion: us-east-1\nquotas: {{{first.limit}: {first.quota * 10}}}\n")
    from dataclasses import replace

    edited = replace(s, quotas=raised.quotas)
    app.session_state["scenario"] = edited  # as pages/shared/state.set_scenario does
    app.session_state["scenario_text"] = to_yaml(edited)
    app.session_state["rev"] += 1
    app.switch_page("pages/capacity.py").run()
    assert not app.exception
    table = app.dataframe[0].value
    row = table[(table["limit"] == first.limit) & (table["resource"] == first.resource)].iloc[0]
    assert row["users at limit"] == pytest.approx(first.users_at_limit * 10, abs=1)


def test_prices_page_shows_the_book_for_the_scenario_region(app):
    app.switch_page("pages/prices.py").run()
    assert not app.exception and not app.error
    book = default_book()
    assert book.as_of in app.caption[0].value
    shown = app.dataframe[0].value
    region = app.session_state["scenario"].region
    expected = [r for r in book.rows() if r["region"] == region]
    assert len(shown) == len(expected)
    assert set(shown["component"]) == {r["component"] for r in expected}
    app.selectbox(key="prices_region").set_value("global").run()
    assert set(app.dataframe[0].value["component"]) >= {"requests_free", "duration_free"}


def test_estimate_matches_after_page_visits(app):
    for page in ("pages/capacity.py", "pages/prices.py"):
        app.switch_page(page).run()
    assert estimate(app.session_state["scenario"]).total > 0


def test_prices_page_shows_what_a_new_book_changes(repo_root, tmp_path, monkeypatch):
    from models import editing
    from pricing.book import BOOKS_DIR, default_book

    books = tmp_path / "books"
    books.mkdir()
    committed = (BOOKS_DIR / "2026-11-27.json").read_text()
    (books / "2026-11-27.json").write_text(committed)
    old_row = '"component": "messages", "unit": "message", "begin": "0", "end": "1000000000", "price": "0.000001"'
    assert old_row in committed
    (books / "2026-11-28.json").write_text(
        committed.replace(old_row, old_row.replace('"0.000001"', '"0.0000012"')).replace(
            '"as_of": "2026-11-27"', '"as_of": "2026-11-28"'
        )
    )
    monkeypatch.setenv("UNITCOST_BOOKS_DIR", str(books))
    default_book.cache_clear()
    editing.book_as_of.cache_clear()
    try:
        at = AppTest.from_file(str(repo_root / "app.py"), default_timeout=TIMEOUT_S).run()
        at.switch_page("pages/prices.py").run()
        assert not at.exception and not at.error
        diff = at.dataframe[1].value  # the book table, then the changes
        assert list(diff["component"]) == ["messages"] and list(diff["region"]) == ["us-east-1"]
        rows = at.dataframe[2].value
        current = rows[rows["scenario"] == "(current scenario)"].iloc[0]
        messages = next(
            ln
            for ln in estimate(at.session_state["scenario"], load(books / "2026-11-27.json")).lines
            if ln.service == "websocket" and ln.component.startswith("Messages")
        )
        # 20% more per message on the first 1B: the change is that line's cost x 0.2, to the cent
        assert current["change USD"] == pytest.approx(
            round(messages.quantity * 0.0000012, 2) - messages.cost, abs=0.011
        )
    finally:
        default_book.cache_clear()
        editing.book_as_of.cache_clear()


def test_curves_past_the_known_price_tiers_show_an_error_not_a_crash(app):
    # 5B GB-s today fits us-west-2's first (and only known) duration tier; the curves go past 6B.
    s = loads(
        """
name: big usw2
region: us-west-2
functions: {f: {memory_mb: 10240, duration_ms: 1000}}
features: {a: {lambda: {f: 1}}}
tiers: {x: {users: 1000, price: 5, uses: {a: 500000}}}
"""
    )
    app.session_state["scenario"] = s  # as pages/shared/state.set_scenario does
    app.session_state["scenario_text"] = to_yaml(s)
    app.session_state["rev"] += 1
    for page in ("pages/tiers.py", "pages/designs.py"):
        app.switch_page(page).run()
        assert not app.exception, page
        assert any("us-west-2" in e.value and "6B" in e.value for e in app.error), page


def _use(app, s):
    app.session_state["scenario"] = s  # as pages/shared/state.set_scenario does
    app.session_state["scenario_text"] = to_yaml(s)
    app.session_state["rev"] += 1


def test_editing_a_footprint_keeps_the_capacity_keys(app):
    from dataclasses import replace

    demo = app.session_state["scenario"]
    connect = demo.features["join_room"]
    assert connect.websocket.connects > 0  # the demo writes new connections per use
    ops = (replace(connect.dynamodb[0], hot_key_share=0.25), *connect.dynamodb[1:]) if connect.dynamodb else ()
    s = replace(demo, features=demo.features | {"join_room": replace(connect, dynamodb=ops)})
    _use(app, s)
    app.switch_page("pages/features.py").run()
    app.selectbox(key="feat_pick").set_value("join_room").run()
    app.number_input(key="fp_ws_minutes").set_value(3.0).run()
    assert not app.exception and not app.error
    edited = app.session_state["scenario"].features["join_room"]
    assert edited.websocket.connection_minutes == 3.0
    assert edited.websocket.connects == connect.websocket.connects
    if ops:
        assert edited.dynamodb[0].hot_key_share == 0.25


def test_ten_billion_users_still_draw_the_curves(app):
    from dataclasses import replace

    s = app.session_state["scenario"]
    _use(app, replace(s, tiers={n: replace(t, users=1e10) for n, t in s.tiers.items()}))
    for page in ("pages/tiers.py", "pages/designs.py"):
        app.switch_page(page).run()
        assert not app.exception, page
        assert not [e.value for e in app.error if "went wrong" in e.value], page


def test_a_damaged_or_stray_file_in_the_books_folder_does_not_stop_the_app(repo_root, tmp_path, monkeypatch):
    from models import editing
    from pricing.book import BOOKS_DIR

    books = tmp_path / "books"
    books.mkdir()
    (books / "2026-11-27.json").write_text((BOOKS_DIR / "2026-11-27.json").read_text())
    (books / "2026-12-02.json").write_text('{"as_of": "2026-12-02", "prices": [')  # cut short
    (books / "index.json").write_text("{}")  # not a book: not named by date
    monkeypatch.setenv("UNITCOST_BOOKS_DIR", str(books))
    editing.book_as_of.cache_clear()
    try:
        at = AppTest.from_file(str(repo_root / "app.py"), default_timeout=TIMEOUT_S).run()
        assert not at.exception
        assert at.session_state["book_as_of"] == "2026-11-27"
        assert any("2026-12-02.json" in w.value for w in at.warning)
        assert "index" not in editing.price_books()
    finally:
        editing.book_as_of.cache_clear()

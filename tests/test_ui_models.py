"""The arithmetic behind the app's pages (models/editing, bom, designs, tiers) and its tables, charts and
report (ui/): pure functions, tested without Streamlit."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from models import editing
from models.bom import SHARED, bill_of_materials
from models.designs import Design, apply, compare, suggested_capacity
from models.editing import FolderError, TierRow
from models.engine import estimate, sweep
from models.scenario import ScenarioError, load, loads, to_yaml
from models.tiers import cost_curve, tier_economics, users_range
from pricing.book import default_book
from ui import charts, report, tables
from ui.format import money

BOOK = default_book()


@pytest.fixture(scope="module")
def example(repo_root_module):
    return load(repo_root_module / "examples" / "positive-chat.yaml")


@pytest.fixture(scope="module")
def repo_root_module():
    from tests.conftest import ROOT

    return ROOT


@pytest.fixture(scope="module")
def demo():
    from usage.demo import demo_scenario_yaml

    return loads(demo_scenario_yaml(), "demo")


def scenario(text: str):
    return loads(text, "test")


# A small workload whose figures can be read off the price book (us-east-1, 2026-11-27).
CHAT = """
name: chat
region: us-east-1
free_tier: false
functions:
  send: {memory_mb: 1024, duration_ms: 45, cold_start_rate: 0.1, init_ms: 300, log_kb: 2}
websockets: {ws: {}}
tables:
  messages: {gsis: 2}
features:
  send:
    lambda: {send: 1}
    websocket: {messages: 6, message_kb: 40}
    dynamodb:
      - {table: messages, writes: 1, item_kb: 1.5}
      - {table: messages, reads: 2, item_kb: 5, consistency: strong}
tiers:
  free: {users: 1000, price: 0, uses: {send: 100}}
  pro: {users: 100, price: 5, uses: {send: 1000}}
"""


# ---------------------------------------------------------------- editing


def test_validate_names_a_region_the_book_cannot_price():
    text = CHAT.replace("region: us-east-1", "region: eu-west-1")
    with pytest.raises(ScenarioError, match="no price for .* in eu-west-1"):
        editing.validate(text, "chat.yaml", BOOK)
    with pytest.raises(ScenarioError, match="no prices for region 'mars-1'"):
        editing.validate(CHAT.replace("region: us-east-1", "region: mars-1"), "chat.yaml", BOOK)


def test_with_tiers_adds_renames_and_removes():
    s = scenario(CHAT)
    rows = editing.tier_rows(s)
    assert rows[1] == TierRow("pro", 100, 5, {"send": 1000})
    rows = [replace(rows[0], name="basic", users=2000), TierRow("team", 10, 50, {"send": 5000})]
    new = editing.with_tiers(s, rows, BOOK)
    assert list(new.tiers) == ["basic", "team"]
    assert new.tiers["basic"].users == 2000 and new.tiers["team"].uses == {"send": 5000}
    assert new.features == s.features
    assert list(editing.with_tiers(s, [], BOOK).tiers) == []


@pytest.mark.parametrize(
    "rows, message",
    [
        ([TierRow("", 1, 0)], "row 1 needs a tier name"),
        ([TierRow("a", 1, 0), TierRow("a", 2, 0)], "used twice"),
        ([TierRow("a", -1, 0)], "tiers.a.users: must not be negative"),
        ([TierRow("a", 1, float("nan"))], "tiers.a.price"),
    ],
)
def test_with_tiers_refuses_bad_rows(rows, message):
    with pytest.raises(ScenarioError, match=message):
        editing.with_tiers(scenario(CHAT), rows, BOOK)


def test_with_footprint_replaces_one_feature():
    s = scenario(CHAT)
    fp = editing.footprint(s, "send")
    fp["websocket"]["messages"] = 2
    new = editing.with_footprint(s, "send", fp, BOOK)
    assert new.features["send"].websocket.messages == 2
    fp["dynamodb"][0]["table"] = "nope"
    with pytest.raises(ScenarioError, match="unknown table 'nope'"):
        editing.with_footprint(s, "send", fp, BOOK)


def test_settings_change_through_validation(example):
    assert editing.with_settings(example, BOOK, free_tier=False).free_tier is False
    assert editing.with_settings(example, BOOK) is example


def test_save_scenario_is_atomic_and_safe(tmp_path):
    folder = tmp_path / "deep" / "scenarios"
    path = editing.save_scenario(folder, "my plan", "name: x\nregion: us-east-1\n")
    assert path == folder / "my plan.yaml" and path.read_text().startswith("name: x")
    assert [p.name for p in folder.iterdir()] == ["my plan.yaml"]  # no temp file left
    with pytest.raises(FolderError, match="already exists"):
        editing.save_scenario(folder, "my plan.yaml", "x")
    editing.save_scenario(folder, "my plan.yaml", "name: y\nregion: us-east-1\n", overwrite=True)
    assert "name: y" in path.read_text()
    for bad in ("../escape", "a/b", "", ".hidden"):
        with pytest.raises(FolderError):
            editing.save_scenario(folder, bad, "x")
    assert editing.list_scenarios(folder) == [path]
    assert editing.list_scenarios(tmp_path / "missing") == []


def test_price_books_lists_the_committed_books():
    books = editing.price_books()
    assert BOOK.as_of in books
    assert editing.book_as_of(BOOK.as_of).as_of == BOOK.as_of


# ---------------------------------------------------------------- bill of materials


@pytest.mark.parametrize("which", ["example", "demo", "chat"])
def test_bom_adds_up_to_the_engines_cost_per_use(which, request):
    s = scenario(CHAT) if which == "chat" else request.getfixturevalue(which)
    e = estimate(s)
    bom = bill_of_materials(s)
    for f in e.features:
        if f.cost_per_use is not None:
            assert bom.cost_per_use(f.name) == pytest.approx(f.cost_per_use, rel=1e-9, abs=1e-15)
    assert sum(bom.cost_per_use(f) * bom.uses[f] for f in bom.features) == pytest.approx(e.total, abs=0.005)


def test_bom_list_prices_of_one_use():
    """One use of `send`, free tier off, read off the book's first tiers."""
    bom = bill_of_materials(scenario(CHAT))
    lines, _ = bom.of("send")
    by = {(b.service, b.component): b for b in lines}
    assert by["websocket", "Messages"].quantity_per_use == 12  # 6 messages of 40 KB: two 32 KB increments each
    assert by["websocket", "Messages"].list_cost_per_use == pytest.approx(12 * 0.000001)
    wru = by["dynamodb", "Write request units"]
    assert wru.quantity_per_use == 2 + 2 * 2  # 1.5 KB -> 2 WRU, plus 2 GSIs at 2 WRU each
    rru = by["dynamodb", "Read request units"]
    assert rru.quantity_per_use == 2 * 2  # 5 KB strong read -> 2 RRU, twice
    duration = by["lambda", "Duration x86_64"]
    assert duration.quantity_per_use == pytest.approx((0.9 * 45 + 0.1 * 345) / 1000)  # GB-s at 1024 MB
    assert duration.unit_price == pytest.approx(0.0000166667)
    assert by["logs", "Lambda logs ingestion"].quantity_per_use == pytest.approx(2 / 1024**2)
    assert SHARED not in {b.service for b in lines}  # nothing fixed in this scenario


def test_bom_hidden_drivers():
    bom = bill_of_materials(scenario(CHAT))
    _, drivers = bom.of("send")
    d = {x.name: x for x in drivers}
    assert d["32 KB message increments"].quantity_per_use == 6
    assert d["32 KB message increments"].list_cost_per_use == pytest.approx(6 * 0.000001)
    assert d["GSI write amplification (messages)"].quantity_per_use == 4
    assert d["Item-size rounding, writes (messages)"].quantity_per_use == pytest.approx(0.5 * 3)
    assert d["Item-size rounding, reads (messages)"].quantity_per_use == pytest.approx(2 * (2 - 5 / 4))
    init = d["INIT billing (send)"]
    assert init.quantity_per_use == pytest.approx(0.1 * 300 / 1000)  # GB-s at 1 GB
    assert init.list_cost_per_use == pytest.approx(0.03 * 0.0000166667)
    assert d["CloudWatch Logs (send)"].list_cost_per_use == pytest.approx(2 / 1024**2 * 0.5)
    assert all(0 <= x.share <= 1 for x in drivers)
    assert d["32 KB message increments"].significant


def test_bom_shares_the_fixed_costs(example):
    bom = bill_of_materials(example)
    assert any(b.service == SHARED for b in bom.lines)


# ---------------------------------------------------------------- designs


def test_design_changes(example):
    arm = apply(example, Design("arm", architecture="x86_64", memory_mb=512, cpu_bound=True), BOOK)
    fn = arm.functions["chat"]
    assert (fn.architecture, fn.memory_mb, fn.duration_ms) == ("x86_64", 512, pytest.approx(45 * 256 / 512))
    prov = apply(
        example, Design("p", capacity="provisioned", read_capacity=5, write_capacity=7, table_class="standard_ia"), BOOK
    )
    t = prov.tables["messages"]
    assert (t.capacity, t.read_capacity, t.write_capacity, t.table_class) == ("provisioned", 5, 7, "standard_ia")
    batched = apply(example, Design("b", batch=3, fan_out=2), BOOK)
    ws = batched.features["send_message"].websocket
    assert (ws.messages, ws.message_kb) == (pytest.approx(6 * 2 / 3), pytest.approx(3))


def test_http_polling_replaces_websocket(example):
    s = apply(example, Design("poll", transport="http_polling", poll_interval_s=15, poll_table="messages"), BOOK)
    assert not s.websockets
    stay = s.features["stay_connected"]  # 1 connection minute per use: 4 polls
    assert stay.websocket is None
    assert stay.http.requests == pytest.approx(4)
    assert stay.invocations == {"poll": pytest.approx(4)}
    assert stay.dynamodb[0].reads == pytest.approx(4)
    send = s.features["send_message"]
    assert send.http.requests == pytest.approx(1)  # the client's own message; fan-out is picked up by polls
    assert s.functions["poll"].memory_mb == 128


def test_crossover_of_on_demand_and_provisioned_writes():
    """On-demand writes at $0.625 per million against 100 WCU at $0.00065 an hour for 730 hours ($47.45):
    equal at 47.45 / (1000 x 0.000000625) = 75,920 users."""
    s = scenario("""
name: writes
region: us-east-1
free_tier: false
tables: {t: {}}
features: {w: {dynamodb: [{table: t, writes: 1}]}}
tiers: {all: {users: 1000, uses: {w: 1000}}}
""")
    prov = apply(s, Design("prov", capacity="provisioned", write_capacity=100), BOOK)
    cmp = compare({"on demand": s, "prov": prov}, 1_000, 1_000_000, book=BOOK)
    assert len(cmp.crossovers) == 1
    c = cmp.crossovers[0]
    assert c.users == pytest.approx(75_920, rel=1e-3)
    assert c.total == pytest.approx(47.45, abs=0.02)
    assert c.cheaper_below == "on demand"
    assert [e.total for e in cmp.estimates] == [estimate(s).total, estimate(prov).total]
    assert cmp.totals.shape == (2, 300)
    np.testing.assert_allclose(cmp.totals[0], sweep(s, cmp.users).total)


def test_no_crossover_for_parallel_designs(example):
    cheaper = apply(example, Design("arm", architecture="arm64"), BOOK)
    cmp = compare({"a": example, "b": cheaper}, 10, 1e5, book=BOOK)
    assert cmp.crossovers == []


def test_suggested_capacity(example):
    e = estimate(example)
    rcu, wcu = suggested_capacity(example, "messages")
    wru = sum(x.quantity for x in e.lines if x.component.startswith("Write request units"))
    assert wcu == int(np.ceil(wru / (730 * 3600) * 2))
    assert rcu >= 1


# ---------------------------------------------------------------- tiers


def test_tier_economics():
    s = scenario(CHAT)
    e = estimate(s)
    econ = tier_economics(e, target_margin=0.75)
    for t, raw in zip(econ, e.tiers):
        assert t.break_even_price == pytest.approx(raw.cost / raw.users)
        assert t.target_price == pytest.approx(raw.cost / raw.users / 0.25)
        assert sum(t.feature_share.values()) == pytest.approx(1.0)
        assert t.margin == pytest.approx(raw.revenue - raw.cost)
    with pytest.raises(ValueError):
        tier_economics(e, 1.0)


def test_cost_curve_marks_today_on_the_sweep(example):
    e = estimate(example)
    lo, hi = users_range(e.users)
    assert (lo, hi) == (100.0, 10_000_000.0)  # 52,000 users
    curve = cost_curve(example, e, lo, hi)
    i = int(np.nonzero(curve.users == e.users)[0][0])
    assert curve.total[i] == pytest.approx(e.total, abs=0.005)
    assert curve.today_cost_per_user == pytest.approx(e.total / e.users)
    assert curve.revenue_per_user == pytest.approx(sum(t.revenue for t in e.tiers) / e.users)
    assert np.all(np.diff(curve.total) >= -0.01)  # never cheaper with more users (to the cent)


# ---------------------------------------------------------------- tables, charts, report


def test_tier_editor_round_trip():
    s = scenario(CHAT)
    rows = editing.tier_rows(s)
    df = tables.tier_editor_frame(rows, list(s.features))
    assert tables.tiers_from_editor(df, list(s.features)) == rows
    df.loc[len(df)] = [None, None, None, None]  # a row just added, still empty
    assert tables.tiers_from_editor(df, list(s.features)) == rows
    df.loc[len(df) - 1, "users"] = 3.0
    with pytest.raises(ScenarioError, match="row 3 needs a tier name"):
        editing.with_tiers(s, tables.tiers_from_editor(df, list(s.features)), BOOK)


def test_footprint_editors_round_trip():
    s = scenario(CHAT)
    fp = editing.footprint(s, "send")
    ws = fp["websocket"] | {"connection_minutes": 0.0}
    built = tables.build_footprint(
        tables.invocations_frame(fp["lambda"]), ws, None, tables.ops_frame(fp["dynamodb"]), None
    )
    assert editing.with_footprint(s, "send", built, BOOK) == s


def test_comparison_frames_show_differences(example):
    prov = apply(example, Design("prov", capacity="provisioned", read_capacity=50, write_capacity=50), BOOK)
    cmp = compare({"current": example, "prov": prov}, 100, 1e6, book=BOOK)
    frames = tables.comparison_frames(cmp)
    sv = frames["services"].set_index("service")
    assert sv.loc["total", "prov - current: cost (USD/month)"] == pytest.approx(
        estimate(prov).total - estimate(example).total
    )
    assert set(frames) == {"services", "features", "tiers"}
    assert len(frames["tiers"]) == len(example.tiers)


def test_frames_carry_units_and_add_up(example):
    e = estimate(example)
    assert tables.lines_frame(e)["cost (USD/month)"].sum() == pytest.approx(e.total)
    assert tables.services_frame(e)["share (%)"].sum() == pytest.approx(100, abs=0.01)
    assert tables.features_frame(e)["cost (USD/month)"].sum() == pytest.approx(e.total)


def test_charts_plot_the_estimate(example):
    e = estimate(example)
    fig = charts.by_service(e)
    spent = {s: c for s, c in e.services.items() if c}
    assert dict(zip(fig.data[0].x, fig.data[0].y)) == spent
    tiers = charts.by_tier(e)
    assert [tr.name for tr in tiers.data] == [f.name for f in e.features] + ["revenue"]
    curve = charts.cost_curve(cost_curve(example, e, 100, 1e6))
    assert [tr.name for tr in curve.data] == ["cost per user", "today"]
    bom = bill_of_materials(example)
    assert charts.bom_components(bom, "send_message").data
    cmp = compare({"current": example}, 100, 1e6, book=BOOK)
    assert len(charts.design_curves(cmp).data) == 1


def test_html_report_is_one_offline_file(example):
    e = estimate(example)
    figs = [charts.by_service(e), charts.by_feature(e), charts.by_tier(e)]
    html = report.html_report(e, figs, [("By feature", tables.features_frame(e))], source="example")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("Plotly.newPlot") == 3
    assert 'src="https://cdn.plot.ly' not in html and "<script src=" not in html
    assert len(html) > 3_000_000  # plotly.js inlined once (about 4.8 MB)
    assert len(html) < 2 * len(figs[0].to_html(include_plotlyjs=True))  # ...and only once
    assert "Positive Chat" in html and "$" in html


def test_money_format():
    assert [money(x) for x in (None, 0, 1234.5, 0.0076744, 3.71e-6, -0.004)] == [
        "-",
        "$0.00",
        "$1,234.50",
        "$0.00767",
        "$0.00000371",
        "-$0.004",
    ]


def test_scenario_yaml_round_trips_through_the_editor(demo):
    assert loads(to_yaml(demo), "x") == demo
    assert json.dumps(editing.footprint(demo, "send_message"))  # plain data


def test_a_websocket_use_with_only_connects_survives_an_edit():
    # connects drive the new-connections capacity limit: an edit must not drop the use (issue 12 review)
    ws = {"api": "ws", "messages": 0.0, "message_kb": 1.0, "connection_minutes": 0.0, "connects": 1.0}
    import pandas as pd

    inv = pd.DataFrame({"function": ["connect"], "invocations": [1.0]})
    fp = tables.build_footprint(inv, ws, None, None, None)
    assert fp["websocket"]["connects"] == 1.0


def test_all_errors_lists_each_error_once_and_not_their_consequences():
    from models.editing import all_errors
    from pricing.book import default_book

    text = """name: t
region: us-east-1
functions:
  f: {memory_mb: 99999, duration_ms: 10, colour: red}
tables:
  t: {capacity: fast}
features:
  a: {lambda: {f: 1, g: 2}, dynamodb: [{table: t, writes: 1, item_kb: -3}]}
tiers: {x: {users: -5}}
"""
    found = [(e.line, e.field) for e in all_errors(text, "editor", default_book())]
    # memory_mb out of range drops the function: its missing memory and the reference to 'f' follow from that
    assert found == [
        (4, "functions.f.colour"),
        (4, "functions.f.memory_mb"),
        (6, "tables.t.capacity"),
        (8, "features.a.lambda.g"),
        (8, "features.a.dynamodb[0].item_kb"),
        (9, "tiers.x.users"),
    ]
    assert all_errors("name: t\nregion: us-east-1\n", "editor", default_book()) == []
    (syntax,) = all_errors("name: t\nregion: [\n", "editor", default_book())
    assert "invalid YAML" in str(syntax)
    (price,) = all_errors("name: t\nregion: eu-west-1\nwebsockets: {w: {}}\nfeatures: {x: {websocket: {messages: 1}}}\n"
                          "baseline: {x: 10}\n", "editor", default_book())  # fmt: skip
    assert "no price for websocket" in str(price) and price.line == 2


@pytest.mark.parametrize(
    "text, fields",
    [
        # a section that is not a mapping: the references into it are not errors of their own
        ("functions: [a]\nfeatures: {x: {lambda: {chat: 1}}}\n", ["functions"]),
        # a required key that is wrong is not also reported missing
        ("functions:\n  f: {memory_mb: 128, duration_ms: {at_mb: 1024, ms: ~, cpu_share: 0.5}}\n",
         ["functions.f.duration_ms.ms"]),
    ],
)  # fmt: skip
def test_all_errors_does_not_repeat_what_follows_from_an_error(text, fields):
    from models.editing import all_errors
    from pricing.book import default_book

    found = all_errors("name: t\nregion: us-east-1\n" + text, "editor", default_book())
    assert [e.field for e in found] == fields

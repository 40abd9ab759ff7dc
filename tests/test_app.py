"""The web app under Streamlit's AppTest: every page opens on the demo account with no AWS access, and
the figures it shows are what the engine says for the scenario as edited."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models import editing
from models.designs import Design, apply
from models.engine import estimate
from models.report import usd
from models.scenario import load, loads
from tests.conftest import shown
from ui.format import money

TITLES = {
    "pages/overview.py": "Overview",
    "pages/tiers.py": "Tiers",
    "pages/features.py": "Features",
    "pages/designs.py": "Compare designs",
    "pages/plan.py": "Plan",
    "pages/scenario.py": "Scenario",
    "pages/capacity.py": "Capacity",
    "pages/prices.py": "Prices",
    "pages/review.py": "Monthly review",
}
PAGES = list(TITLES)


pytestmark = pytest.mark.usefixtures("fresh_streamlit")


@pytest.fixture(scope="module")
def demo():
    from usage.demo import demo_scenario_yaml

    return loads(demo_scenario_yaml(), "demo")


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def no_problems(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def current(at):
    return at.session_state["scenario"]


def table(at, column: str):
    """The first read-only table with this column (AppTest gives read-only tables no key)."""
    return next(d.value for d in at.dataframe if d.editing_mode == "read_only" and column in d.value.columns)


def click(at, label: str):
    return next(b for b in at.button if b.label == label).click().run()


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("page_file", PAGES)
def test_every_page_opens_on_the_demo(app, page_file):
    """Each run of a page goes through app.py, though AppTest starts every run in Streamlit's legacy pages/
    folder mode (which runs the page file by itself): the page shows once, under its own title, with
    app.py's sidebar line drawn after it, on a second run of the same page too."""
    no_problems(app)
    for _ in range(2):
        app.switch_page(page_file).run()
        no_problems(app)
        assert [t.value for t in app.title] == [TITLES[page_file]]
        assert [m.value for m in app.sidebar.markdown] == [f"**{current(app).name}**"], page_file
        assert "list prices as of" in app.sidebar.caption[0].value


def test_overview_shows_the_engines_figures(app, demo):
    no_problems(app)
    assert current(app) == demo
    e = estimate(demo)
    m = metrics(app)
    assert m["Monthly total"] == usd(e.total)
    assert m["Users"] == f"{e.users:,.0f}"
    assert m["Cost per user"] == money(e.total / e.users)
    costliest = max(e.features, key=lambda f: f.cost)
    assert m["Cost per use"] == money(costliest.cost_per_use)
    for t in e.tiers:
        assert m[f"Margin: {t.name}"] == usd(t.margin)
    assert len(app.get("plotly_chart")) == 1  # the open tab's; TAB_GROUPS checks each tab draws its own


def test_the_demo_opens_with_a_positive_blended_margin(app, demo):
    no_problems(app)
    m = metrics(app)
    # The bill: Comprehend $328.50 + Translate $288.00 + WebSocket $2.33 + DynamoDB $1.50 = $620.33
    # (tests/usage/test_usage_demo.py works it out). Revenue: 400 x $8 + 100 x $25 = $5,700.
    assert m["Monthly total"] == "$620.33"
    # Each tier: Comprehend at 9 units x $0.0001 = $0.0009 a message, Translate at 80 x $0.000015 = $0.0012 a
    # copy, plus its share of the $3.83 of WebSocket and DynamoDB (by use):
    # free 2,000 x 60 x $0.0009 = $108.00 + $1.33; pro 400 x (300 x $0.0009 + 300 x $0.0012) = $252.00 + $1.26;
    # team 100 x (1,250 x $0.0009 + 1,200 x $0.0012) = $256.50 + $1.24.
    assert (m["Margin: free"], m["Margin: pro"], m["Margin: team"]) == ("-$109.33", "$2,946.74", "$2,242.26")
    e = estimate(demo)
    assert sum(t.revenue for t in e.tiers) == 5_700
    blended = sum(t.margin for t in e.tiers)
    assert blended == pytest.approx(5_700 - 620.33) and blended > 0  # $5,079.67, 89.1% of revenue


def test_free_tier_changes_the_scenario_everywhere(app, demo):
    app.toggle(key="ov_free_tier").set_value(False).run()
    no_problems(app)
    off = replace(demo, free_tier=False)
    assert current(app) == off
    assert metrics(app)["Monthly total"] == usd(estimate(off).total)
    app.switch_page("pages/scenario.py").run()
    assert "free_tier: false" in app.text_area(key="yaml_text").value


def test_a_region_without_prices_is_refused_and_named(app, demo):
    # the book has WebSocket prices for us-east-1 only: the demo cannot move to eu-west-1
    app.selectbox(key="ov_region").set_value("eu-west-1").run()
    assert not app.exception
    assert any("websocket messages in eu-west-1" in e.value for e in app.error), [e.value for e in app.error]
    assert current(app) == demo
    assert app.selectbox(key="ov_region").value == "us-east-1"
    assert metrics(app)["Monthly total"] == usd(estimate(demo).total)


# ---------------------------------------------------------------- tiers


def _tiers_editor_key(at) -> str:
    return next(d.key for d in at.data_editor if d.key and d.key.startswith("tiers_editor_"))


def test_an_edit_is_priced_once_and_never_goes_through_yaml(app, demo, monkeypatch):
    """A change in the tiers table: one full estimate (the one that validates it, shown on the page), no
    YAML written or read on the way from the table to the scenario."""
    import models.editing
    import models.scenario
    from models import engine

    app.switch_page("pages/tiers.py").run()
    calls = {"estimate": 0, "yaml": 0}

    def counted(name, f):
        def wrapper(*a, **kw):
            calls[name] += 1
            return f(*a, **kw)

        return wrapper

    monkeypatch.setattr(models.editing, "estimate", counted("estimate", engine.estimate))
    monkeypatch.setattr(models.scenario, "to_yaml", counted("yaml", models.scenario.to_yaml))
    monkeypatch.setattr(models.scenario, "loads", counted("yaml", models.scenario.loads))
    monkeypatch.setattr(models.editing, "loads", counted("yaml", models.editing.loads))
    import pages.shared.compute
    import pages.shared.state

    for module in (pages.shared.compute, pages.shared.state):  # their own bindings of the same functions
        for name, kind in (("estimate", "estimate"), ("to_yaml", "yaml"), ("loads", "yaml")):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, counted(kind, getattr(module, name)))
    app.session_state[_tiers_editor_key(app)] = {
        "edited_rows": {0: {"users": 12_345.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    no_problems(app)
    assert current(app).tiers["free"].users == 12_345
    assert calls == {"estimate": 1, "yaml": 0}


def test_editing_a_tiers_users_and_price_shows_the_engines_figures(app, demo):
    app.switch_page("pages/tiers.py").run()
    no_problems(app)
    key = _tiers_editor_key(app)
    app.session_state[key] = {
        "edited_rows": {0: {"users": 10_000.0, "price (USD/user)": 4.99}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    no_problems(app)
    tier = demo.tiers["free"]
    edited = replace(demo, tiers=demo.tiers | {"free": replace(tier, users=10_000, price=4.99)})
    assert current(app) == edited
    t = estimate(edited).tiers[0]
    assert metrics(app)["Cost per user: free"] == money(t.cost_per_user)
    tiers = table(app, "break-even price (USD/user)")
    assert tiers.loc[0, "users"] == 10_000
    assert tiers.loc[0, "revenue (USD/month)"] == pytest.approx(t.revenue)
    assert tiers.loc[0, "margin (USD/month)"] == pytest.approx(t.margin)
    assert tiers.loc[0, "break-even price (USD/user)"] == pytest.approx(t.cost_per_user)

    # the other pages show the same scenario
    app.switch_page("pages/overview.py").run()
    no_problems(app)
    e = estimate(edited)
    assert metrics(app)["Monthly total"] == usd(e.total)
    assert metrics(app)["Margin: free"] == usd(e.tiers[0].margin)


def test_adding_and_removing_tiers(app, demo):
    app.switch_page("pages/tiers.py").run()
    key = _tiers_editor_key(app)
    app.session_state[key] = {
        "edited_rows": {},
        "added_rows": [
            {"tier": "business", "users": 300.0, "price (USD/user)": 9.99, "uses/user: send_message": 2000.0}
        ],
        "deleted_rows": [],
    }
    app.run()
    no_problems(app)
    s = current(app)
    assert list(s.tiers) == ["free", "pro", "team", "business"]
    assert s.tiers["business"].uses == {"send_message": 2000.0}
    e = estimate(s)
    business = next(t for t in e.tiers if t.name == "business")
    assert metrics(app)["Cost per user: business"] == money(business.cost_per_user)

    app.switch_page("pages/overview.py").run()  # leaving the page and coming back takes a fresh base
    app.switch_page("pages/tiers.py").run()
    key = _tiers_editor_key(app)
    assert len(app.data_editor(key=key).value) == 4
    app.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [0]}
    app.run()
    no_problems(app)
    assert list(current(app).tiers) == ["pro", "team", "business"]


def test_an_invalid_tier_edit_keeps_the_last_valid_scenario(app, demo):
    app.switch_page("pages/tiers.py").run()
    key = _tiers_editor_key(app)
    app.session_state[key] = {"edited_rows": {0: {"users": -5.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    assert any("tiers.free.users" in e.value and "negative" in e.value for e in app.error)
    assert current(app) == demo
    assert metrics(app)["Cost per user: free"] == money(estimate(demo).tiers[0].cost_per_user)

    app.session_state[key] = {"edited_rows": {}, "added_rows": [{"users": 5.0}], "deleted_rows": []}
    app.run()
    assert any("needs a tier name" in e.value for e in app.error)
    assert current(app) == demo


# ---------------------------------------------------------------- features


def test_editing_a_features_footprint_shows_the_engines_cost_per_use(app, demo):
    app.switch_page("pages/features.py").run()
    no_problems(app)
    assert app.selectbox(key="feat_pick").value == "send_message"  # the costliest feature
    app.number_input(key="fp_ws_messages").set_value(12.0).run()
    app.number_input(key="fp_ws_kb").set_value(40.0).run()  # 40 KB: two 32 KB increments per message
    no_problems(app)
    f = demo.features["send_message"]
    edited = replace(
        demo,
        features=demo.features
        | {"send_message": replace(f, websocket=replace(f.websocket, messages=12.0, message_kb=40.0))},
    )
    assert current(app) == edited
    feature = next(x for x in estimate(edited).features if x.name == "send_message")
    m = metrics(app)
    assert m["Cost per use (as billed)"] == money(feature.cost_per_use)
    assert m["Monthly cost"] == usd(feature.cost)
    drivers = table(app, "driver")
    rounding = drivers[drivers["driver"] == "32 KB message increments"].iloc[0]
    assert rounding["quantity per use"] == 12.0  # one extra metered message per message

    app.switch_page("pages/overview.py").run()
    assert metrics(app)["Monthly total"] == usd(estimate(edited).total)


def test_editing_dynamodb_operations_of_a_feature(app, demo):
    app.switch_page("pages/features.py").run()
    key = next(d.key for d in app.data_editor if d.key.startswith("fp_ops_"))
    # second operation: writes on Conversations; make the items 3.5 KB (4 write units each)
    app.session_state[key] = {"edited_rows": {1: {"item_kb": 3.5}}, "added_rows": [], "deleted_rows": []}
    app.run()
    no_problems(app)
    f = demo.features["send_message"]
    ops = list(f.dynamodb)
    ops[1] = replace(ops[1], item_kb=3.5)
    edited = replace(demo, features=demo.features | {"send_message": replace(f, dynamodb=tuple(ops))})
    assert current(app) == edited
    feature = next(x for x in estimate(edited).features if x.name == "send_message")
    assert metrics(app)["Cost per use (as billed)"] == money(feature.cost_per_use)


def test_a_row_added_with_blank_cells_is_kept(app, demo):
    """The browser sends a new row's untouched cells as None. Into a float64 or bool column (the DynamoDB table's
    `transactional` tick box; any number column of an empty table, as the ranges are on the demo) pandas warns
    that it will refuse, and Streamlit then drops the row: the editors use nullable dtypes."""
    import warnings

    from pandas.errors import Pandas4Warning

    app.switch_page("pages/features.py").run()
    ops_key = next(d.key for d in app.data_editor if d.key.startswith("fp_ops_"))
    path = "features.send_message.websocket.messages"
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=Pandas4Warning)
        app.session_state[ops_key] = {
            "edited_rows": {},
            "added_rows": [{"table": "Conversations", "operation": "writes", "count": 2.0}],
            "deleted_rows": [],
        }
        app.run()
        no_problems(app)
        ranges_key = next(d.key for d in app.data_editor if d.key.startswith("feature_ranges_"))
        app.session_state[ranges_key] = {
            "edited_rows": {},
            "added_rows": [{"input": path, "low": 1.0, "mode": None, "high": 3.0}],
            "deleted_rows": [],
        }
        app.run()
    no_problems(app)
    s = current(app)
    added = s.features["send_message"].dynamodb[-1]
    assert len(s.features["send_message"].dynamodb) == len(demo.features["send_message"].dynamodb) + 1
    assert (added.table, added.writes, added.transactional) == ("Conversations", 2.0, False)
    assert [(r.path, r.low, r.high) for r in s.ranges] == [(path, 1.0, 3.0)]


def test_an_invalid_footprint_is_reported_and_not_applied(app, demo):
    app.switch_page("pages/features.py").run()
    key = next(d.key for d in app.data_editor if d.key.startswith("fp_ops_"))
    app.session_state[key] = {"edited_rows": {0: {"item_kb": 5000.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    assert any("item_kb" in shown(e.value) for e in app.error)
    assert current(app) == demo


# ---------------------------------------------------------------- scenario page


def test_invalid_yaml_shows_the_line_and_keeps_the_last_valid_scenario(app, demo):
    app.switch_page("pages/scenario.py").run()
    text = app.text_area(key="yaml_text").value
    broken = text.replace("region: us-east-1", "region: [us-east-1")
    app.text_area(key="yaml_text").input(broken)
    click(app, "Apply")
    assert not app.exception
    line = broken.splitlines().index("region: [us-east-1") + 1
    assert any("invalid YAML" in e.value for e in app.error), [e.value for e in app.error]
    assert any(f"line {line + 1}" in e.value or f"line {line}" in e.value for e in app.error)
    assert current(app) == demo
    app.switch_page("pages/overview.py").run()
    assert metrics(app)["Monthly total"] == usd(estimate(demo).total)


def test_an_unknown_key_is_named_with_its_line(app, demo):
    app.switch_page("pages/scenario.py").run()
    text = app.text_area(key="yaml_text").value.replace("free_tier: true", "free_tier: true\nfree_teir: true")
    app.text_area(key="yaml_text").input(text)
    click(app, "Check")
    line = text.splitlines().index("free_teir: true") + 1
    assert any("unknown key 'free_teir'" in shown(e.value) and f"line {line}" in e.value for e in app.error)
    assert current(app) == demo


def test_the_editor_lists_every_error_it_can_find(app, demo):
    app.switch_page("pages/scenario.py").run()
    text = app.text_area(key="yaml_text").value.replace("free_tier: true", "free_tier: true\nfree_teir: true")
    text += "\nquotas: {lambda_concurrency: -1}\n"
    app.text_area(key="yaml_text").input(text)
    click(app, "Check")
    assert any("2 errors" in e.value for e in app.error), [e.value for e in app.error]
    listed = " ".join(shown(m.value) for m in app.markdown)
    assert "unknown key 'free_teir'" in listed and "quotas.lambda_concurrency: must be" in listed
    assert current(app) == demo


def test_unapplied_edits_survive_leaving_the_page(app, demo):
    app.switch_page("pages/scenario.py").run()
    text = app.text_area(key="yaml_text").value + "\n# a note I have not applied yet"
    app.text_area(key="yaml_text").input(text).run()
    app.switch_page("pages/overview.py").run()
    app.switch_page("pages/scenario.py").run()
    no_problems(app)
    assert app.text_area(key="yaml_text").value == text
    assert any("not applied yet" in c.value for c in app.caption)
    assert current(app) == demo
    app.toggle(key="sc_numbers").set_value(True).run()  # a numbered view of the text being edited
    assert app.code[-1].value == text
    app.button(key="sc_discard").click().run()
    assert app.text_area(key="yaml_text").value != text
    app.switch_page("pages/overview.py").run()
    app.switch_page("pages/scenario.py").run()
    assert "# a note I have not applied yet" not in app.text_area(key="yaml_text").value


def test_valid_yaml_applies_everywhere(app, repo_root):
    app.switch_page("pages/scenario.py").run()
    text = (repo_root / "examples" / "positive-chat.yaml").read_text()
    app.text_area(key="yaml_text").input(text)
    click(app, "Apply")
    no_problems(app)
    example = load(repo_root / "examples" / "positive-chat.yaml")
    assert current(app) == example
    assert app.text_area(key="yaml_text").value == text  # comments kept
    app.switch_page("pages/overview.py").run()
    assert metrics(app)["Monthly total"] == usd(estimate(example).total)


def test_save_to_the_scenarios_folder_and_load_it_back(app, demo, tmp_path):
    app.switch_page("pages/scenario.py").run()
    app.text_input(key="sc_name").input("my demo").run()
    app.button(key="sc_save").click().run()
    no_problems(app)
    saved = tmp_path / "scenarios" / "my demo.yaml"
    assert loads(saved.read_text(), "saved") == demo

    app.button(key="sc_save").click().run()  # a second save does not overwrite silently
    assert any("already exists" in e.value for e in app.error)

    app.switch_page("pages/overview.py").run()
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("Scenarios folder").run()
    app.selectbox(key="ov_file").set_value("my demo.yaml").run()
    app.button(key="ov_load_file").click().run()
    no_problems(app)
    assert current(app) == demo
    assert "my demo.yaml" in app.session_state["scenario_source"]


def test_loading_the_example_then_the_demo(app, demo, repo_root, tmp_path):
    folder = tmp_path / "scenarios"
    editing.save_scenario(folder, "example", (repo_root / "examples" / "positive-chat.yaml").read_text())
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("Scenarios folder").run()
    app.button(key="ov_load_file").click().run()
    no_problems(app)
    assert current(app).name == "Positive Chat"
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("Demo account").run()
    app.button(key="ov_load_demo").click().run()
    no_problems(app)
    assert current(app) == demo


# ---------------------------------------------------------------- designs


def test_compare_designs_shows_each_variants_total(app, demo):
    app.switch_page("pages/designs.py").run()
    no_problems(app)
    book = editing.book_as_of(app.session_state["book_as_of"])
    polling = apply(demo, Design("A", transport="http_polling", poll_table="Connections"), book)
    m = metrics(app)
    assert m["current: monthly total"] == usd(estimate(demo).total)
    assert m["A: monthly total"] == usd(estimate(polling).total)

    app.segmented_control(key="des_count").set_value(2).run()
    no_problems(app)
    app.selectbox(key="des1_cap").set_value("on_demand").run()
    app.selectbox(key="des1_arch").set_value("arm64").run()
    no_problems(app)
    arm = apply(demo, Design("B", architecture="arm64", capacity="on_demand"), book)
    assert metrics(app)["B: monthly total"] == usd(estimate(arm).total)

    app.checkbox(key="des1_pc").check().run()  # and provisioned concurrency sized to the load
    no_problems(app)
    arm = apply(demo, Design("B", architecture="arm64", capacity="on_demand", provisioned="auto"), book)
    assert all(f.provisioned.auto for f in arm.functions.values())
    assert metrics(app)["B: monthly total"] == usd(estimate(arm).total)

    app.selectbox(key="des_adopt").set_value("B").run()
    app.button(key="des_adopt_go").click().run()
    no_problems(app)
    assert current(app) == arm


def test_compare_designs_offers_the_event_driven_choices(app, tmp_path):
    from tests.test_designs_events import BASE

    editing.save_scenario(tmp_path / "scenarios", "events", BASE)
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("Scenarios folder").run()
    app.button(key="ov_load_file").click().run()
    assert current(app).name == "events"
    app.switch_page("pages/designs.py").run()
    no_problems(app)
    app.selectbox(key="des0_arch").set_value("keep").run()
    app.selectbox(key="des0_via").set_value("eventbridge").run()
    app.selectbox(key="des0_sfn").set_value("express").run()
    app.number_input(key="des0_batch_sqs").set_value(10.0).run()
    app.selectbox(key="des0_glue").set_value("glue").run()
    no_problems(app)
    book = editing.book_as_of(app.session_state["book_as_of"])
    d = Design("A", fan_out_via="eventbridge", machine_type="express", sqs_batch=10, glue="glue")
    assert metrics(app)["A: monthly total"] == usd(estimate(apply(current(app), d, book)).total)


def test_compare_designs_sizes_provisioned_capacity_to_the_load(app, tmp_path):
    from tests.test_designs_cli import TABLE

    editing.save_scenario(tmp_path / "scenarios", "table", TABLE)
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("Scenarios folder").run()
    app.button(key="ov_load_file").click().run()
    app.switch_page("pages/designs.py").run()
    app.selectbox(key="des0_cap").set_value("provisioned").run()
    no_problems(app)
    assert app.toggle(key="des0_auto").value  # auto scaling by default
    book = editing.book_as_of(app.session_state["book_as_of"])
    auto = apply(current(app), Design("A", capacity="provisioned", read_capacity="auto", write_capacity="auto"), book)
    assert metrics(app)["A: monthly total"] == usd(estimate(auto).total)
    assert not any("cannot serve" in w.value for w in app.warning)
    # Fixed 1 RCU / 1 WCU: the page says where that design stops serving the load (13,140 users, see
    # tests/test_designs_cli.py), inside the curves' range.
    app.toggle(key="des0_auto").set_value(False).run()
    app.number_input(key="des0_rcu").set_value(1.0).run()
    app.number_input(key="des0_wcu").set_value(1.0).run()
    no_problems(app)
    assert any("cannot serve more than **13,140 users**" in w.value for w in app.warning)


def test_design_settings_survive_a_page_switch(app):
    app.switch_page("pages/designs.py").run()
    app.text_input(key="des0_name").input("polling").run()
    app.switch_page("pages/overview.py").run()
    app.switch_page("pages/designs.py").run()
    no_problems(app)
    assert "polling: monthly total" in metrics(app)


def test_duplicate_design_names_are_an_error(app):
    app.switch_page("pages/designs.py").run()
    app.text_input(key="des0_name").input("current").run()
    assert not app.exception
    assert any("own name" in e.value for e in app.error)


# ---------------------------------------------------------------- AWS import


def test_an_unreachable_aws_endpoint_is_one_clear_error(app, demo, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("AWS account").run()
    click(app, "Import from AWS")
    assert not app.exception
    assert any("AWS import failed" in e.value and "not answering" in e.value for e in app.error), [
        e.value for e in app.error
    ]
    assert current(app) == demo


def test_an_import_replaces_the_scenario(app, monkeypatch):
    from usage import demo as demo_account
    from usage import importer
    from usage.metrics import FetchStats
    from usage.to_scenario import scenario_yaml

    observed = demo_account.demo_observed()
    monkeypatch.setattr(
        importer,
        "import_usage",
        lambda *a, **k: importer.ImportResult(
            observed, FetchStats(queries=3, calls=1), FetchStats(queries=3, calls=1, metrics_requested=3)
        ),
    )
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("AWS account").run()
    app.number_input(key="ov_aws_users").set_value(1234)
    click(app, "Import from AWS")
    no_problems(app)
    assert current(app) == loads(scenario_yaml(observed, users=1234), "import")
    assert app.session_state["scenario_source"].startswith("AWS account")


BASELINE_ONLY = """
name: nightly jobs
region: us-east-1
functions: {job: {memory_mb: 512, duration_ms: 1200}}
tables: {t: {storage_gb: 40}}
features: {run: {lambda: {job: 1}, dynamodb: [{table: t, writes: 10}]}, idle: {}}
baseline: {run: 30000}
"""


@pytest.mark.parametrize("which", ["example", "baseline only"])
def test_every_page_opens_on_other_scenarios(app, repo_root, which):
    text = (repo_root / "examples" / "positive-chat.yaml").read_text() if which == "example" else BASELINE_ONLY
    app.switch_page("pages/scenario.py").run()
    app.text_area(key="yaml_text").input(text)
    click(app, "Apply")
    no_problems(app)
    assert current(app) == loads(text, "x")
    for page_file in PAGES:
        app.switch_page(page_file).run()
        no_problems(app)
    app.switch_page("pages/overview.py").run()
    assert metrics(app)["Monthly total"] == usd(estimate(loads(text, "x")).total)


# ---------------------------------------------------------------- charts and tables one tab at a time

TAB_GROUPS = {  # tabs' key -> (page, what each tab draws, the tabs' labels)
    "ov_chart": ("pages/overview.py", "plotly_chart", ["By service", "By feature", "By tier"]),
    "des_chart": (
        "pages/designs.py",
        "plotly_chart",
        ["Monthly cost", "Difference", "Cost per user", "Cost by service"],
    ),
    "des_tables": ("pages/designs.py", "dataframe", ["By service", "By feature", "By tier", "Crossovers"]),
    "feat_chart": ("pages/features.py", "plotly_chart", ["This feature, by component", "Every feature, by service"]),
    "tiers_chart": (
        "pages/tiers.py",
        "plotly_chart",
        ["Cost per user as users grow", "Share of each tier's cost by feature"],
    ),
}


@pytest.mark.parametrize("key", TAB_GROUPS)
def test_each_tab_draws_its_own_chart_or_table_when_picked(app, key):
    """Tabs that rerun when picked draw only the open tab: each one, picked, draws content of its own."""
    page_file, kind, labels = TAB_GROUPS[key]
    app.switch_page(page_file).run()
    no_problems(app)
    assert set(labels) <= {t.label for t in app.tabs}
    drawn = []
    for label in labels:
        app.session_state[key] = label
        app.run()
        no_problems(app)
        elements = app.get(kind)
        assert elements, label
        drawn.append(
            tuple(c.proto.spec for c in elements) if kind == "plotly_chart" else tuple(str(d.value) for d in elements)
        )
    assert len(set(drawn)) == len(labels), key  # no two tabs draw the same thing


def test_the_scenario_loader_is_drawn_only_when_opened(app):
    """Its radio, buttons and uploader would make the browser load their code on every cold start of the
    Overview; closed, it draws nothing but its label."""
    assert [e.label for e in app.expander if e.label.startswith("Load another")] and not app.radio
    app.session_state["ov_load"] = True
    app.run()
    no_problems(app)
    assert [r.key for r in app.radio] == ["ov_source"]

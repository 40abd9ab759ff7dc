"""Overview's "load a scenario" from a template (AppTest): the skeleton `init` writes becomes the scenario, and
a table shows what was read, the scenario key it went to and the template line it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("fresh_streamlit")

CHAT = Path(__file__).parent / "fixtures" / "templates" / "positive-chat-template.yaml"
SOURCE = "A template (SAM, CloudFormation, CDK)"


def read_template(app, name: str, content: bytes, params: str = ""):
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value(SOURCE).run()
    app.file_uploader(key="ov_template").set_value((name, content, "application/x-yaml")).run()
    if params:
        app.text_area(key="ov_template_params").set_value(params).run()
    return app.button(key="ov_template_go").click().run()


def test_template_upload_loads_the_skeleton_and_shows_where_each_value_came_from(app):
    at = read_template(app, CHAT.name, CHAT.read_bytes())
    assert not at.exception and not at.error, [e.value for e in at.error]
    s = at.session_state["scenario"]
    assert set(s.functions) == {"PositiveChatFunction"}
    assert set(s.tables) == {"ConnectionsTable", "ConversationsTable", "TopicsTable"}
    assert set(s.features) == {"connect", "disconnect", "default"}
    assert at.session_state["scenario_source"] == f"template {CHAT.name}"
    df = next(d.value for d in at.dataframe if "template line" in d.value.columns)
    row = df[df["scenario key"] == "tables.ConnectionsTable.capacity"].iloc[0]
    assert (row["resource"], row["value"]) == ("ConnectionsTable", "on_demand")
    line = int(row["template line"].split(":")[1])
    assert "BillingMode" in CHAT.read_text().splitlines()[line - 1]
    route = df[df["scenario key"] == "features.connect.lambda.PositiveChatFunction"].iloc[0]
    assert "RouteKey: $connect" in CHAT.read_text().splitlines()[int(route["template line"].split(":")[1]) - 1]


def test_template_parameters_from_the_text_area(app):
    text = (
        b"Parameters:\n  Mem: {Type: Number}\nResources:\n  F:\n    Type: AWS::Lambda::Function\n"
        b"    Properties:\n      MemorySize: !Ref Mem\n"
    )
    at = read_template(app, "t.yaml", text, "Mem=2048")
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["scenario"].functions["F"].memory_mb == 2048


def test_bad_template_is_one_message_as_text_and_the_scenario_stays(app):
    before = app.session_state["scenario"]
    bad = b"Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      MemorySize: !Get_*Att* X\n"
    at = read_template(app, "bad_*x*.yaml", bad)
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "bad\\_\\*x\\*.yaml, line 5" in message  # Markdown characters shown as typed, not as emphasis
    assert "unknown intrinsic function" in message
    assert at.session_state["scenario"] == before

"""Loading a scenario: the demo account, the scenarios folder, an uploaded file or an AWS account; and the
message for a scenario that cannot be loaded."""

from __future__ import annotations

import importlib.util

import streamlit as st

from errors import UnitcostError
from models import editing
from models.scenario import ScenarioError
from pages.shared.state import DEMO_LABEL, EXAMPLE, book, demo_text, flash, scenarios_dir, set_scenario
from ui.format import md, sentence

ss = st.session_state


# ---------------------------------------------------------------- errors


def scenario_errors(errors: list[ScenarioError], text: str) -> None:
    """Every error found, each with the lines around it."""
    if len(errors) == 1:
        scenario_error(errors[0], text)
        return
    st.error(md(f"Not applied, the scenario is unchanged: {len(errors)} errors."))
    for err in errors:
        st.markdown(md(f"- {err}"))
        _snippet(err, text)


def scenario_error(err: ScenarioError, text: str | None = None) -> None:
    """One clear message: where (file, line, field) and what; with the lines around it when known."""
    st.error(md(f"Not applied, the scenario is unchanged. {err}"))  # the message quotes the file
    _snippet(err, text)


def _snippet(err: ScenarioError, text: str | None) -> None:
    if text and err.line:
        lines = text.splitlines()
        lo, hi = max(1, err.line - 2), min(len(lines), err.line + 2)
        snippet = "\n".join(f"{'>' if i == err.line else ' '} {i:4d} | {lines[i - 1]}" for i in range(lo, hi + 1))
        st.code(snippet, language=None)


# ---------------------------------------------------------------- loading a scenario


def load_text(text: str, source: str, label: str) -> bool:
    """Validate YAML text and make it the scenario; on error show it and keep the current one."""
    try:
        s = editing.validate(text, source, book())
    except ScenarioError as err:
        scenario_error(err, text)
        return False
    set_scenario(s, text=text, source=label)
    ss.pop("template_reading", None)  # what a template gave is shown only while its scenario is the one loaded
    flash("success", f"Loaded {s.name} ({label}).")
    return True


def load_demo() -> None:
    text = demo_text()
    if text is None:
        st.error("The built-in demo account is not available (usage/demo.py); the example file is loaded instead.")
        load_text(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name, f"example file {EXAMPLE.name}")
        return
    load_text(text, "demo account", DEMO_LABEL)


def aws_import_available() -> bool:
    try:
        return importlib.util.find_spec("commands.import_usage") is not None
    except (ImportError, ValueError):
        return False


SOURCES = ("Demo account", "Scenarios folder", "Upload a file", "A template (SAM, CloudFormation, CDK)", "AWS account")


def source_picker(prefix: str) -> None:
    """Load a scenario from the demo account, the scenarios folder, an uploaded file or an AWS account."""
    sources = [s for s in SOURCES if s != "AWS account" or aws_import_available()]
    kind = st.radio("Source", sources, horizontal=True, key=f"{prefix}_source", label_visibility="collapsed")
    if kind == "Demo account":
        st.caption(
            "A chat app modelled on danilop/serverless-positive-chat: 30 days of generated CloudWatch "
            "data, no AWS access."
        )
        if st.button("Load the demo account", key=f"{prefix}_load_demo"):
            load_demo()
            st.rerun()
    elif kind == "Scenarios folder":
        folder = scenarios_dir()
        files = editing.list_scenarios(folder)
        if not files:
            st.info(md(f"No .yaml files in {folder} yet (save one from the Scenario page)."))
            return
        pick = st.selectbox("Scenario file", [p.name for p in files], key=f"{prefix}_file")
        st.caption(md(f"Folder: {folder}"))
        if st.button("Load", key=f"{prefix}_load_file"):
            path = folder / pick
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                st.error(md(f"Cannot read {path}: {err}"))
                return
            if load_text(text, str(path), f"file {pick}"):
                st.rerun()
    elif kind == "Upload a file":
        up = st.file_uploader("Scenario file (YAML, format 1)", type=["yaml", "yml"], key=f"{prefix}_upload")
        if up is not None and ss.get("uploaded_id") != up.file_id:
            ss.uploaded_id = up.file_id
            try:
                text = up.getvalue().decode("utf-8")
            except UnicodeDecodeError:
                st.error(md(f"{up.name}: not a text file (UTF-8); the scenario is unchanged."))
                return
            if load_text(text, up.name, f"upload {up.name}"):
                st.rerun()
    elif kind == SOURCES[3]:
        _template(prefix)
    else:
        _aws_import(prefix)


def _template(prefix: str) -> None:
    """A SAM, CloudFormation or CDK template (`cli.py init`): its skeleton becomes the scenario, and what was
    read and from which template line is kept to show."""
    from models.cfn import TemplateError
    from models.template import read_text

    st.caption(
        "Functions, APIs and routes, tables, queues, topics, buses, state machines, buckets and user pools are "
        "read from the template; one feature per route and per event source, with counts of 0 to fill in. "
        "For a cdk.out folder, upload its <Stack>.template.json."
    )
    up = st.file_uploader(
        "Template (.yaml, .yml, .json, .template.json)", type=["yaml", "yml", "json"], key=f"{prefix}_template"
    )
    pairs = st.text_area(
        "Parameters (KEY=VALUE, one a line; else each parameter's Default)", key=f"{prefix}_template_params"
    )
    if up is None or not st.button("Read the template", key=f"{prefix}_template_go"):
        return
    try:
        text = up.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        st.error(md(f"{up.name}: not a text file (UTF-8); the scenario is unchanged."))
        return
    try:
        params = {}
        for pair in (p.strip() for p in pairs.splitlines()):
            if pair:
                key, sep, value = pair.partition("=")
                if not sep or not key.strip():
                    raise TemplateError(f"a parameter needs KEY=VALUE, got {pair!r}")
                params[key.strip()] = value.strip()
        reading = read_text(text, up.name, params)
    except UnitcostError as err:
        st.error(md(f"Not loaded, the scenario is unchanged. {err}"))
        return
    if load_text(reading.yaml, up.name, f"template {up.name}"):
        ss.template_reading = reading
        st.rerun()


def _aws_import(prefix: str) -> None:
    from commands.import_usage import DEFAULT_SESSION_MINUTES

    st.caption(
        "Reads your account (never writes): Lambda, API Gateway WebSocket and DynamoDB configuration and "
        "their CloudWatch metrics; GetMetricData costs $0.01 per 1,000 metrics. Credentials come from "
        "the usual AWS chain (environment, profile, SSO). Stop the import with the Stop button at the "
        "top right: the current scenario stays until an import completes."
    )
    kinds = {
        "all": "Everything in the region",
        "tag": "Resources with a tag (KEY=VALUE)",
        "stack": "A CloudFormation / SAM stack",
        "prefix": "Names starting with a prefix",
    }
    with st.form(f"{prefix}_aws"):
        c1, c2 = st.columns(2)
        kind = c1.selectbox("What to import", list(kinds), format_func=kinds.get, key=f"{prefix}_aws_kind")
        value = c2.text_input("Tag, stack or prefix", key=f"{prefix}_aws_value")
        c1, c2, c3, c4, c5 = st.columns(5)
        profile = c1.text_input("Profile (optional)", key=f"{prefix}_aws_profile")
        region = c2.text_input("Region (optional)", key=f"{prefix}_aws_region")
        days = c3.number_input("Days of metrics", 1, 63, 30, key=f"{prefix}_aws_days")
        users = c4.number_input("Users behind the usage (0: unknown)", 0, None, 0, step=100, key=f"{prefix}_aws_users")
        minutes = c5.number_input(
            "Minutes per connection", 0.0, 120.0, float(DEFAULT_SESSION_MINUTES), key=f"{prefix}_aws_minutes"
        )
        go = st.form_submit_button("Import from AWS")
    if go:
        run_aws_import(kind, value, profile, region, int(days), int(users), float(minutes))


def run_aws_import(kind: str, value: str, profile: str, region: str, days: int, users: int, minutes: float) -> None:
    from commands.import_usage import import_scenario, selector

    try:
        which = selector(kind, value)
    except UnitcostError as err:
        st.error(md(f"{sentence(err)}; nothing was imported."))
        return
    with st.status(md(f"Importing {which.describe()} from AWS..."), expanded=True) as status:
        status.write("Checking credentials and finding resources (read-only)...")
        try:
            done = import_scenario(
                which,
                days=days,
                users=users or None,
                session_minutes=minutes,
                profile=profile.strip() or None,
                region=region.strip() or None,
                on_plan=lambda p: status.write(
                    md(
                        f"Reading {p.queries} metrics in about {p.calls} GetMetricData call(s): "
                        f"about ${p.cost_usd:.4f}."
                    )
                ),
            )
            s = editing.validate(done.text, "AWS import", book())
        except ScenarioError as err:
            status.update(label="Import failed; the scenario is unchanged.", state="error")
            st.error(md(f"The imported usage does not make a valid scenario: {err}"))
            return
        except UnitcostError as err:
            status.update(label="Import failed; the scenario is unchanged.", state="error")
            st.error(md(f"AWS import failed: {err}"))
            return
        except Exception as err:  # a boto or network problem the import did not translate
            status.update(label="Import failed; the scenario is unchanged.", state="error")
            st.error(md(f"AWS import failed: {type(err).__name__}: {err}"))
            return
        status.write(md(f"Read {done.fetched.metrics_requested} metrics (${done.fetched.cost_usd:.4f})."))
        status.update(label="Imported.", state="complete", expanded=False)
    set_scenario(s, text=done.text, source=f"AWS account, {done.what}")
    ss.import_report = done.report
    flash("success", f"Imported {done.what} from AWS.")
    st.rerun()

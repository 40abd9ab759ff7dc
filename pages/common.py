"""What every page shares: the session's scenario, cached computations, edit sessions, the scenario
loader and error display. Not a page itself (app.py lists the pages).

Shared state (set up by `init_state`, called from app.py on every run):
- `scenario`: the last valid Scenario; `scenario_text`: its YAML (None after an edit, until asked for:
  `scenario_text()`); `scenario_source`
- `rev`: bumped by every change of the scenario, so editors on other pages know to reload
- `book_as_of`: the price book in use; `scenarios_dir`: the scenarios folder
- `flash`: messages to show once, at the top of the next page drawn
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import streamlit as st

from models import editing
from models.bom import Bom, bill_of_materials
from models.designs import Comparison, Design, apply, compare
from models.engine import Estimate
from models.scenario import Scenario, ScenarioError, to_yaml
from models.tiers import Curve, cost_curve
from pricing.book import PriceBook, PriceError
from ui.format import APP_FORMAT, kinds, md

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "positive-chat.yaml"
DEMO_LABEL = "built-in demo account"
ss = st.session_state


# ---------------------------------------------------------------- state


def frame(page: str) -> None:
    """What runs before every page: shared state, which page was entered, messages to show once."""
    init_state()
    ss.page_entered = ss.get("last_page") != page  # editors take a fresh base when a page is entered
    ss.last_page = page
    show_flash()


def ensure_frame(page: str) -> None:
    """Called first by every page, in case Streamlit ran the page without app.py.

    `pages/` is also the folder of Streamlit's legacy multipage mode, which Streamlit uses until some
    session calls st.navigation (on a fresh server, and on every AppTest run): it then runs a page
    file directly. Switch the legacy mode off, as st.navigation itself does, and do app.py's frame
    work here. On a session's very first run nothing can be lost, so rerun through app.py instead
    (which also gives the sidebar its real page list)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if "scenario" not in ss:
            st.rerun()
        frame(page)


@st.cache_data(show_spinner=False)
def demo_text() -> str | None:
    """The demo account's scenario (usage/demo.py), or None when that module is missing or fails."""
    try:
        from usage.demo import demo_scenario_yaml

        return demo_scenario_yaml()
    except Exception:  # another package's demo: fall back to the example file rather than fail to start
        return None


def default_scenarios_dir() -> Path:
    return Path(os.environ.get("UNITCOST_SCENARIOS_DIR") or ROOT / "scenarios").expanduser()


def init_state() -> None:
    if "scenario" in ss:
        return
    as_of, book = _newest_readable_book()
    text, source = demo_text(), DEMO_LABEL
    s = None
    if text:
        try:
            s = editing.validate(text, "demo account", book)
        except ScenarioError:
            s = None
    if s is None:
        text, source = EXAMPLE.read_text(encoding="utf-8"), f"example file {EXAMPLE.name}"
        s = editing.validate(text, EXAMPLE.name, book)
    ss.scenario, ss.scenario_text, ss.scenario_source, ss.rev = s, text, source, 0
    ss.book_as_of = as_of
    ss.scenarios_dir = str(default_scenarios_dir())
    ss.setdefault("flash", [])  # messages from the set-up itself stay


def _newest_readable_book() -> tuple[str, PriceBook]:
    """The newest price book that can be read; a damaged newer file is reported, not fatal."""
    problems = []
    for as_of in editing.price_books():  # newest first
        try:
            book = editing.book_as_of(as_of)
        except PriceError as err:
            problems.append(str(err))
            continue
        for problem in problems:
            flash("warning", f"Skipped a price book that cannot be read: {problem}")
        return as_of, book
    raise PriceError("no readable price book: " + "; ".join(problems or ["the folder is empty"]))


def book() -> PriceBook:
    return editing.book_as_of(ss.book_as_of)


def scenario() -> Scenario:
    return ss.scenario


def scenario_text() -> str:
    """The scenario as YAML: the text it was loaded from, or written from it (once) after an edit."""
    if ss.get("scenario_text") is None:
        ss.scenario_text = to_yaml(ss.scenario)
    return ss.scenario_text


def set_scenario(s: Scenario, text: str | None = None, source: str | None = None) -> None:
    """Make `s` the session's scenario (it must be valid); every page shows it from now on."""
    ss.scenario = s
    ss.scenario_text = text  # None: written when a page asks for it
    if source is not None:
        ss.scenario_source = source
    ss.rev += 1


def flash(kind: str, message: str) -> None:
    """`message` is plain text (it may quote names): it is shown as typed."""
    ss.setdefault("flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in ss.get("flash", []):
        getattr(st, kind)(md(message))
    ss.flash = []


# ---------------------------------------------------------------- cached computations
# Keyed on the scenario's digest and the price book; the Scenario object itself is passed unhashed.


def _key() -> str:
    return editing.digest(ss.scenario)


@st.cache_data(max_entries=64, show_spinner=False)
def _estimate(key: str, as_of: str, _s: Scenario) -> Estimate:
    return editing.estimate_of(_s, editing.book_as_of(as_of))  # the estimate that validated the edit


@st.cache_data(max_entries=64, show_spinner=False)
def _bom(key: str, as_of: str, _s: Scenario) -> Bom:
    return bill_of_materials(_s, editing.book_as_of(as_of))


@st.cache_data(max_entries=64, show_spinner=False)
def _curve(key: str, as_of: str, users_from: float, users_to: float, _s: Scenario) -> Curve:
    b = editing.book_as_of(as_of)
    return cost_curve(_s, editing.estimate_of(_s, b), users_from, users_to, book=b)


@st.cache_data(max_entries=32, show_spinner=False)
def _comparison(
    key: str, as_of: str, designs: tuple[Design, ...], users_from: float | None, users_to: float | None, _s: Scenario
) -> Comparison:
    b = editing.book_as_of(as_of)
    variants = {"current": _s} | {d.name: apply(_s, d, b) for d in designs}
    return compare(variants, users_from, users_to, book=b)


def current_estimate() -> Estimate:
    return _estimate(_key(), ss.book_as_of, ss.scenario)


def current_bom() -> Bom:
    return _bom(_key(), ss.book_as_of, ss.scenario)


def current_curve(users_from: float, users_to: float) -> Curve:
    return _curve(_key(), ss.book_as_of, users_from, users_to, ss.scenario)


def comparison(designs: tuple[Design, ...], users_from: float | None, users_to: float | None) -> Comparison:
    return _comparison(_key(), ss.book_as_of, designs, users_from, users_to, ss.scenario)


# ---------------------------------------------------------------- edit sessions
# An editor on a page starts from the scenario as it was when the page was entered (its "base"); the
# widgets then hold the person's edits. A new base (fresh widgets) is taken when the page is entered,
# when the scenario changed elsewhere, or when `token` changes (say, another feature is picked).


def edit_session(name: str, token: Hashable = None) -> dict:
    sessions = ss.setdefault("edit_sessions", {})
    e = sessions.get(name)
    if e is None or e["rev"] != ss.rev or e["token"] != token or ss.get("page_entered"):
        e = {"rev": ss.rev, "token": token, "gen": e["gen"] + 1 if e else 0, "last": None, "error": None, "fresh": True}
        sessions[name] = e
    else:
        e["fresh"] = False
    return e


def seed(e: dict, key: str, value: Any) -> None:
    """Give a widget its value from the base when the edit session is fresh (or its state was dropped)."""
    if e["fresh"] or key not in ss:
        ss[key] = value


def apply_edit(e: dict, candidate: Any, build: Callable[[], Scenario], source: str | None = None) -> None:
    """Apply the widgets' content (`candidate`, comparable) when it changed since the last run.

    `build` makes the edited scenario or raises ScenarioError; on error the scenario is kept and the
    message stays on the page until the input changes again."""
    if e["fresh"] or candidate == e["last"]:
        if e["fresh"]:
            e["last"] = candidate
        if e["error"]:
            st.error(md(e["error"]))
        return
    e["last"] = candidate
    try:
        s = build()
    except ScenarioError as err:
        e["error"] = f"Not applied, the scenario is unchanged. {err}"
        st.error(md(e["error"]))
        return
    e["error"] = None
    set_scenario(s, source=source)
    e["rev"] = ss.rev  # our own change: keep the widgets as they are


# ---------------------------------------------------------------- errors


def scenario_error(err: ScenarioError, text: str | None = None) -> None:
    """One clear message: where (file, line, field) and what; with the lines around it when known."""
    st.error(md(f"Not applied, the scenario is unchanged. {err}"))  # the message quotes the file
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
    flash("success", f"Loaded {s.name} ({label}).")
    return True


def load_demo() -> None:
    text = demo_text()
    if text is None:
        st.error("The built-in demo account is not available (usage/demo.py); the example file is loaded instead.")
        load_text(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name, f"example file {EXAMPLE.name}")
        return
    load_text(text, "demo account", DEMO_LABEL)


def scenarios_dir() -> Path:
    return Path(ss.scenarios_dir).expanduser()  # "~/scenarios" means the home folder, not a folder named "~"


def aws_import_available() -> bool:
    try:
        return all(importlib.util.find_spec(m) is not None for m in ("usage.importer", "usage.to_scenario"))
    except (ImportError, ValueError):
        return False


SOURCES = ("Demo account", "Scenarios folder", "Upload a file", "AWS account")


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
    else:
        _aws_import(prefix)


def _aws_import(prefix: str) -> None:
    from usage.to_scenario import DEFAULT_SESSION_MINUTES

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
    from usage.aws import UsageError
    from usage.cli_import import report
    from usage.discovery import Selector
    from usage.importer import import_usage
    from usage.to_scenario import scenario_yaml

    if kind == "tag":
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            st.error(md(f"A tag needs KEY=VALUE, got {value!r}; nothing was imported."))
            return
        selector = Selector("tag", key.strip(), val.strip())
    elif kind in ("stack", "prefix"):
        if not value.strip():
            st.error(md(f"Give the {kind} to import; nothing was imported."))
            return
        selector = Selector(kind, value.strip())
    else:
        selector = Selector()
    with st.status(md(f"Importing {selector.describe()} from AWS..."), expanded=True) as status:
        status.write("Checking credentials and finding resources (read-only)...")
        try:
            result = import_usage(
                selector,
                days=days,
                profile=profile.strip() or None,
                region=region.strip() or None,
                on_plan=lambda p: status.write(
                    md(
                        f"Reading {p.queries} metrics in about {p.calls} GetMetricData call(s): "
                        f"about ${p.cost_usd:.4f}."
                    )
                ),
            )
            obs = result.observed
            text = scenario_yaml(obs, users=users or None, session_minutes=minutes)
            s = editing.validate(text, "AWS import", book())
        except UsageError as err:
            status.update(label="Import failed; the scenario is unchanged.", state="error")
            st.error(md(f"AWS import failed: {err.message}"))
            return
        except ScenarioError as err:
            status.update(label="Import failed; the scenario is unchanged.", state="error")
            st.error(md(f"The imported usage does not make a valid scenario: {err}"))
            return
        except Exception as err:  # a boto or network problem the import did not translate
            status.update(label="Import failed; the scenario is unchanged.", state="error")
            st.error(md(f"AWS import failed: {type(err).__name__}: {err}"))
            return
        status.write(md(f"Read {result.fetched.metrics_requested} metrics (${result.fetched.cost_usd:.4f})."))
        status.update(label="Imported.", state="complete", expanded=False)
    set_scenario(s, text=text, source=f"AWS account, {selector.describe()}")
    ss.import_report = report(obs, users or None)
    flash("success", f"Imported {selector.describe()} from AWS.")
    st.rerun()


# ---------------------------------------------------------------- tables


def column_config(df) -> dict:
    """Display formats from the kinds of columns the table declares (ui/format.py)."""
    frame = getattr(df, "data", df)  # a pandas Styler shows its frame's columns
    return {c: st.column_config.NumberColumn(format=APP_FORMAT[k]) for c, k in kinds(frame).items()}


def table(df, key: str, height: int | str = "auto", **kw) -> None:
    st.dataframe(df, hide_index=True, column_config=column_config(df), key=key, height=height, **kw)


def csv_button(df, label: str, file_name: str, key: str) -> None:
    st.download_button(
        label,
        df.to_csv(index=False).encode("utf-8"),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def estimate_or_stop() -> Estimate:
    try:
        return current_estimate()
    except (ScenarioError, PriceError) as err:  # a valid scenario always estimates; a changed book might not
        st.error(md(f"Cannot estimate this scenario: {err}"))
        st.stop()


# ---------------------------------------------------------------- remembered widgets
# Streamlit drops the state of widgets a run does not draw (another page, a hidden option). Settings a
# person expects to find again (the design variants) are remembered here and given back.


def remember(key: str, default: Any, options: list | None = None) -> None:
    """Before drawing a widget with this key: give it its remembered value (or `default`)."""
    saved = ss.setdefault("remembered", {})
    if key not in ss:
        value = saved.get(key, default)
        ss[key] = default if options is not None and value not in options else value
    elif options is not None and ss[key] not in options:
        ss[key] = default
    ss.setdefault("remember_now", set()).add(key)


def save_remembered() -> None:
    """After the widgets: remember the values they hold now."""
    saved = ss.setdefault("remembered", {})
    for key in ss.get("remember_now", set()):
        if key in ss:
            saved[key] = ss[key]
    ss.remember_now = set()

"""The session's shared state (set up by `init_state`, called from app.py on every run):
- `scenario`: the last valid Scenario; `scenario_text`: its YAML (None after an edit, until asked for:
  `scenario_text()`); `scenario_source`
- `rev`: bumped by every change of the scenario, so editors on other pages know to reload
- `book_as_of`: the price book in use; `scenarios_dir`: the scenarios folder
- `flash`: messages to show once, at the top of the next page drawn
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from models import editing
from models.scenario import Scenario, ScenarioError, to_yaml
from pricing.book import PriceBook, PriceError
from ui.format import md

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "positive-chat.yaml"
DEMO_LABEL = "built-in demo account"
ss = st.session_state


@contextmanager
def frame(page: str) -> Iterator[None]:
    """app.py's run of a page: shared state, which page was entered, messages to show once; and a mark
    that this run goes through app.py, which `scenario()` and `book()` look for (see `_through_app`)."""
    init_state()
    ss.page_entered = ss.get("last_page") != page  # editors take a fresh base when a page is entered
    ss.last_page = page
    try:
        ss.framed = True
        show_flash()
        yield
    finally:  # also when the page stops or reruns
        ss.framed = False


def _through_app() -> None:
    """The session's state is app.py's: a run of a page that did not come through app.py runs app.py
    here (its navigation, its frame, this same page, its sidebar), then stops.

    Streamlit runs a `pages/` file by itself while it is in its legacy pages-folder mode: on a fresh
    server until some session has called st.navigation (a first visit straight to /features), and on
    every AppTest run of a page. app.py's st.navigation (public) ends that mode for the process and
    finds the page asked for; the widgets' values of this run (a click) reach the page as usual.

    The run then ends with st.stop, so Streamlit skips its end-of-run sweep of the widget state of widgets
    not drawn. In production that is only a fresh server's first run, with nothing to sweep; in AppTest, a
    page's widget state outlives a visit to another page (pages/shared/edits.py keeps what must outlive it
    explicitly, so the app does not rely on either)."""
    if ss.get("framed"):
        return
    if ss.get("through_app"):  # app.py itself asked before its frame: a bug, not a loop
        raise RuntimeError("the session's state was asked for before app.py's frame")
    ss.through_app = True
    try:  # exec, not runpy: runpy swaps sys.argv[0] and sys.modules["__main__"] for every session's thread
        app = ROOT / "app.py"
        exec(compile(app.read_text(encoding="utf-8"), str(app), "exec"), {"__name__": "__main__", "__file__": str(app)})
    finally:
        ss.through_app = False
    st.stop()


@st.cache_data(show_spinner=False)
def demo_text() -> str | None:
    """The demo account's scenario (usage/demo.py), or None when that module is missing or fails."""
    try:
        from commands.import_usage import demo_scenario_text

        return demo_scenario_text()
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
    _through_app()
    return editing.book_as_of(ss.book_as_of)


def scenario() -> Scenario:
    _through_app()
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


def scenarios_dir() -> Path:
    return Path(ss.scenarios_dir).expanduser()  # "~/scenarios" means the home folder, not a folder named "~"

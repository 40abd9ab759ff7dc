"""Edit sessions (an editor's base and the person's pending change) and widgets remembered across pages."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st

from models.scenario import Scenario, ScenarioError
from pages.shared.state import set_scenario
from ui.format import md

ss = st.session_state


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

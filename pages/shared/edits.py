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


# ---------------------------------------------------------------- ranges


def ranges_editor(name: str, prefix: str, token: Hashable = None) -> None:
    """The table of the scenario's ranges under `prefix` ("tiers.", "features.send."): pick a number, give its
    low, mode (blank: uniform) and high; applied like every edit, an invalid range reported and not applied."""
    from models import editing
    from pages.shared import state
    from ui import tables

    s = state.scenario()
    ed = edit_session(name, token)
    if ed["fresh"]:
        ed["base"] = tables.ranges_frame(editing.range_rows(s, prefix))
    number = st.column_config.NumberColumn
    edited = st.data_editor(
        ed["base"],
        key=f"{name}_{ed['gen']}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "input": st.column_config.SelectboxColumn(
                "input", options=editing.range_inputs(s, prefix), required=True, width="large",
                help="The number the range is for, by its path in the scenario file",
            ),
            "low": number("low", format="%g"),
            "mode": number("mode", format="%g", help="The most likely value; blank: any value from low to high"),
            "high": number("high", format="%g"),
        },
    )  # fmt: skip
    rev = ss.rev
    apply_edit(
        ed,
        tables.records(edited),
        lambda: editing.with_ranges(state.scenario(), prefix, tables.ranges_from_frame(edited), state.book()),
    )
    if ss.rev != rev:  # applied: the page's editors drawn above show the scenario before it; draw them again
        st.rerun()

"""Charts, read-only tables and CSV downloads, formatted from the kinds of columns each table declares."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable

import streamlit as st

from ui.format import csv_text, styled

ss = st.session_state
CHART_CONFIG = {"displaylogo": False}

# ---------------------------------------------------------------- charts


def chart(build: Callable, *args, key: str, where=st, **kwargs):
    """Draws the Plotly figure `build(*args, **kwargs)` in `where` (st, a column, a tab) and returns it.

    Building a figure runs plotly's validation, 10 to 50 ms a figure on every rerun, so the session keeps the last
    figure of each chart with its builder and the value of its inputs (their pickle's digest): a rerun with the same
    builder and inputs (a page switch, an edit that moves nothing on this chart) draws the figure it kept."""
    stamp = hashlib.sha256(pickle.dumps((args, kwargs), 5)).digest()
    memo = ss.setdefault("figure_memo", {})
    if memo.get(key, (None, None))[:2] != (build, stamp):  # the builder itself: a reloaded module's is new
        memo[key] = (build, stamp, build(*args, **kwargs))
    figure = memo[key][2]
    where.plotly_chart(figure, key=key, config=CHART_CONFIG)
    return figure


# ---------------------------------------------------------------- tables


def column_config(df, labels: dict[str, str] | None = None) -> dict:
    """Short headers for shown columns (`labels`; the full name stays the column's help, and the CSV's
    header). The numbers' text comes from the kinds the table declares (ui/format.py styled)."""
    return {c: st.column_config.Column(label, help=c) for c, label in (labels or {}).items()}


def table(df, key: str, height: int | str = "auto", labels: dict[str, str] | None = None, **kw) -> None:
    """A read-only table whose numbers read as the kinds its columns declare say (ui/format.py: cents,
    significant figures below a cent, "<0.1%", whole users, "-" for a missing figure), sorting by value."""
    st.dataframe(styled(df), hide_index=True, column_config=column_config(df, labels), key=key, height=height, **kw)


def csv_button(df, label: str, file_name: str, key: str) -> None:
    """`df`: a table, or a function that makes it. The CSV is written when the button is pressed, not on every run."""
    st.download_button(
        label,
        lambda: csv_text(df() if callable(df) else df).encode("utf-8"),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )

"""Read-only tables and CSV downloads, formatted from the kinds of columns each table declares."""

from __future__ import annotations

import streamlit as st

from ui.format import csv_text, styled

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

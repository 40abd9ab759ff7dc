"""Read-only tables and CSV downloads, formatted from the kinds of columns each table declares."""

from __future__ import annotations

import streamlit as st

from ui.format import APP_FORMAT, kinds

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

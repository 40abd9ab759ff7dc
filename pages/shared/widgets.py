"""Read-only tables and CSV downloads, formatted from the kinds of columns each table declares."""

from __future__ import annotations

import streamlit as st

from ui.format import APP_FORMAT, kinds

# ---------------------------------------------------------------- tables


def column_config(df, labels: dict[str, str] | None = None) -> dict:
    """Display formats from the kinds of columns the table declares (ui/format.py); `labels` gives short headers
    to shown columns (the full name stays the column's help, and the CSV's header)."""
    frame = getattr(df, "data", df)  # a pandas Styler shows its frame's columns
    labels = labels or {}
    out = {
        c: st.column_config.NumberColumn(labels.get(c), format=APP_FORMAT[k], help=c if c in labels else None)
        for c, k in kinds(frame).items()
    }
    return out | {c: st.column_config.Column(label, help=c) for c, label in labels.items() if c not in out}


def table(df, key: str, height: int | str = "auto", labels: dict[str, str] | None = None, **kw) -> None:
    st.dataframe(df, hide_index=True, column_config=column_config(df, labels), key=key, height=height, **kw)


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

"""A one-file HTML report of an estimate that opens offline: headline figures, charts and tables.

plotly.js is inlined once, with the first chart; the other charts reuse it. No network is needed to
open the file (the charts are interactive in any browser).
"""

from __future__ import annotations

import html
from functools import partial

import pandas as pd
import plotly.graph_objects as go

from models.engine import Estimate
from models.tiers import blended
from ui.format import cell, kinds, money, percent, usd, users

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
.headline { display: flex; gap: 2rem; flex-wrap: wrap; margin: 1.5rem 0; }
.headline > div { border-left: 4px solid #4c78a8; padding-left: 0.7rem; }
.headline .label { color: #666; font-size: 0.9rem; } .headline .value { font-size: 1.6rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
"""


def _formatters(df: pd.DataFrame) -> dict:
    """Number formats from the kinds the table declares, as the app shows them (ui/format.py cell)."""
    kind = kinds(df)
    return {c: partial(cell, kind.get(c)) for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}


def standalone(fig: go.Figure) -> go.Figure:
    """A copy of a figure drawn as it is outside the app: inside it, Streamlit's plotly template is the default
    (its colours come from the app's theme, so exported bars come out near-black), and axis labels get the
    room they need rather than the app's fixed margins."""
    out = go.Figure(fig)
    out.update_layout(template="plotly_white", autosize=True)
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True)
    return out


def html_report(
    e: Estimate,
    figures: list[go.Figure],
    tables: list[tuple[str, pd.DataFrame]],
    source: str = "",
) -> str:
    headline = [
        ("Monthly total", usd(e.total)),
        ("Users", users(e.users)),
        ("Cost per user", money(e.total / e.users if e.users else None)),
    ]
    costliest = max((f for f in e.features if f.cost_per_use is not None), key=lambda f: f.cost, default=None)
    if costliest:
        headline.append((f"Cost per use: {costliest.name}", money(costliest.cost_per_use)))
    mix = blended(e)
    if mix:
        pct = "" if mix.margin_pct is None else f" ({percent(100 * mix.margin_pct)})"
        headline += [("Revenue", usd(mix.revenue)), ("Blended margin", usd(mix.margin) + pct)]
    for t in e.tiers:
        pct = "" if t.margin_pct is None else f" ({percent(100 * t.margin_pct)})"
        headline.append((f"Margin: {t.name}", usd(t.margin) + pct))

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>unitcost: {html.escape(e.name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(e.name)}</h1>",
        f'<p class="meta">{html.escape(e.region)}, list prices as of {html.escape(e.prices_as_of)}, '
        f"Always Free tier {'on' if e.free_tier else 'off'}"
        + (f"; source: {html.escape(source)}" if source else "")
        + ". Monthly figures in USD, made by unitcost.</p>",
        '<div class="headline">',
        *(
            f'<div><div class="label">{html.escape(k)}</div><div class="value">{html.escape(v)}</div></div>'
            for k, v in headline
        ),
        "</div>",
    ]
    for i, fig in enumerate(figures):
        fig = standalone(fig)
        parts.append(fig.to_html(include_plotlyjs=(i == 0), full_html=False, config={"displaylogo": False}))
    for title, df in tables:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(df.to_html(index=False, formatters=_formatters(df), na_rep="-", border=0))
    parts.append("</body></html>")
    return "\n".join(parts)

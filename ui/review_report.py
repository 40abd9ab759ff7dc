"""Charts and the one-file HTML report of a monthly review (models/review.py), for the app and the CLI.

Everything takes the review (models.review.Review: a run's, or a saved one as History.get reads it) and the
month-over-month unit costs (`History.compare()`). The report opens offline: plotly.js is inlined once, with the
first chart.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from models.report import usd
from models.review import Review
from ui.format import COUNT, USD, USD_PER_USE, USD_PER_USER, cell, declare, kinds, money, plot_text

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
.headline { display: flex; gap: 2rem; flex-wrap: wrap; margin: 1.5rem 0; }
.headline > div { border-left: 4px solid #4c78a8; padding-left: 0.7rem; }
.headline .label { color: #666; font-size: 0.9rem; } .headline .value { font-size: 1.6rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th.num, td.num { text-align: right; white-space: nowrap; }
ul.notes { color: #444; }
"""
_UP, _DOWN, _TOTAL = "#e45756", "#54a24b", "#4c78a8"


@dataclass
class OpenReview:
    """The review open on the Monthly review page: its id in the history, the notes saved with it, what the run said."""

    review: Review
    id: int | None = None
    notes: str = ""
    messages: list[str] = field(default_factory=list)


def waterfall_figure(review: Review) -> go.Figure:
    """Model -> metered -> billed: the variance in steps (usage, metering, rates, outside, credits)."""
    steps = review.waterfall
    fig = go.Figure(
        go.Waterfall(
            x=[plot_text(s["step"]) for s in steps],
            y=[0 if s["measure"] == "total" else s["amount"] for s in steps],
            measure=[s["measure"] for s in steps],
            text=[usd(s["amount"]) for s in steps],
            textposition="outside",
            increasing={"marker": {"color": _UP}},
            decreasing={"marker": {"color": _DOWN}},
            totals={"marker": {"color": _TOTAL}},
            connector={"line": {"color": "#999"}},
        )
    )
    title = f"{review.month}: model -> metered -> billed (USD)"
    # Running totals: when the steps are small next to the bill, zoom in so they can be seen (and say so).
    running, levels = 0.0, []
    for s in steps:
        running = s["amount"] if s["measure"] in ("absolute", "total") else running + s["amount"]
        levels.append(running)
    lo, hi = min(levels), max(levels)
    if lo > 0 and hi - lo < 0.25 * hi:
        pad = max(hi - lo, 0.01 * hi) * 0.6
        fig.update_yaxes(range=[max(0.0, lo - pad), hi + pad])
        title += ", axis not from zero"
    fig.update_layout(
        title=title, showlegend=False, margin={"t": 60, "b": 120}, yaxis_title="USD per month", height=480
    )
    return fig


def variance_figure(review: Review, top: int = 12) -> go.Figure:
    """The rows with the largest variance, billed minus modelled."""
    rows = sorted((ln for ln in review.lines if round(ln.variance, 2)), key=lambda ln: -abs(ln.variance))
    rows = rows[:top][::-1]
    fig = go.Figure(
        go.Bar(
            x=[ln.variance for ln in rows],
            y=[plot_text(f"{ln.service} · {ln.usage_type}") for ln in rows],
            orientation="h",
            marker_color=[_UP if ln.variance > 0 else _DOWN for ln in rows],
            text=[usd(ln.variance) for ln in rows],
            textposition="auto",
            hovertext=[plot_text(ln.cause) for ln in rows],
        )
    )
    fig.update_yaxes(automargin=True)
    fig.update_layout(
        title="Variance by usage type (billed - modelled)",
        xaxis_title="USD",
        height=max(260, 40 + 30 * len(rows)),
    )
    return fig


def trend_figure(trend: list[dict]) -> go.Figure:
    """Cost per user, billed and modelled, and per tier, month over month."""
    months = [t["month"] for t in trend]
    fig = go.Figure()
    fig.add_scatter(x=months, y=[t["cost_per_user"] for t in trend], mode="lines+markers", name="billed per user")
    fig.add_scatter(
        x=months,
        y=[t["modelled_cost_per_user"] for t in trend],
        mode="lines+markers",
        name="modelled per user",
        line={"dash": "dot"},
    )
    tiers = sorted({name for t in trend for name in t.get("tiers", {})})
    if len(tiers) > 1:
        for name in tiers:
            fig.add_scatter(
                x=months,
                y=[t["tiers"].get(name) for t in trend],
                mode="lines+markers",
                name=plot_text(f"tier {name}"),
                line={"dash": "dash"},
            )
    fig.update_layout(
        title="Cost per user, month over month", yaxis_title="USD per user", xaxis_type="category", height=380
    )
    return fig


def lines_frame(review: Review) -> pd.DataFrame:
    df = pd.DataFrame(
        [
            {
                "service": ln.service,
                "usage type": ln.usage_type,
                "modelled qty": ln.modelled_quantity,
                "modelled $": ln.modelled_cost,
                "metered qty": ln.metered_quantity,
                "billed qty": ln.billed_quantity,
                "billed $": ln.billed_cost,
                "variance $": ln.variance,
                "likely cause": ln.cause,
            }
            for ln in review.lines
        ],
        columns=[
            "service",
            "usage type",
            "modelled qty",
            "modelled $",
            "metered qty",
            "billed qty",
            "billed $",
            "variance $",
            "likely cause",
        ],
    )
    qty = {"modelled qty": COUNT, "metered qty": COUNT, "billed qty": COUNT}
    return declare(df, qty | {"modelled $": USD, "billed $": USD, "variance $": USD})


def causes_frame(review: Review) -> pd.DataFrame:
    df = pd.DataFrame(
        [
            {
                "service": ln.service,
                "usage type": ln.usage_type,
                "cause": c["cause"],
                "amount $": c["amount"],
                "detail": c["detail"],
            }
            for ln in review.lines
            for c in ln.causes
        ],
        columns=["service", "usage type", "cause", "amount $", "detail"],
    )
    return declare(df, {"amount $": USD})


def unit_cost_frames(review: Review) -> tuple[pd.DataFrame, pd.DataFrame]:
    u = review.unit_costs
    tiers = pd.DataFrame(
        [
            {
                "tier": t["name"],
                "users": t["users"],
                "billed $": t["billed_cost"],
                "per user $": t["cost_per_user"],
                "modelled per user $": t["modelled_cost_per_user"],
            }
            for t in u.get("tiers", [])
        ],
        columns=["tier", "users", "billed $", "per user $", "modelled per user $"],
    )
    declare(tiers, {"users": COUNT, "billed $": USD, "per user $": USD_PER_USER, "modelled per user $": USD_PER_USER})
    features = pd.DataFrame(
        [
            {
                "feature": f["name"],
                "uses": f["uses"],
                "billed $": f["billed_cost"],
                "per use $": f["cost_per_use"],
                "modelled per use $": f["modelled_cost_per_use"],
            }
            for f in u.get("features", [])
        ],
        columns=["feature", "uses", "billed $", "per use $", "modelled per use $"],
    )
    declare(features, {"uses": COUNT, "billed $": USD, "per use $": USD_PER_USE, "modelled per use $": USD_PER_USE})
    return tiers, features


def trend_frame(trend: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(
        [
            {
                "month": t["month"],
                "review": t["review_id"],
                "users": t["users"],
                "modelled $": t["total_modelled"],
                "billed $": t["total_billed"],
                "per user $": t["cost_per_user"],
                "modelled per user $": t["modelled_cost_per_user"],
            }
            for t in trend
        ],
        columns=["month", "review", "users", "modelled $", "billed $", "per user $", "modelled per user $"],
    )
    per_user = {"per user $": USD_PER_USER, "modelled per user $": USD_PER_USER}
    return declare(df, {"users": COUNT, "modelled $": USD, "billed $": USD} | per_user)


def table_html(df: pd.DataFrame) -> str:
    """A plain HTML table: numbers right-aligned with thousands separators, amounts in dollars."""
    kind = kinds(df)
    numeric = {c: pd.api.types.is_numeric_dtype(df[c]) or c in kind for c in df.columns}
    head = "".join(
        f'<th class="num">{html.escape(c)}</th>' if numeric[c] else f"<th>{html.escape(c)}</th>" for c in df.columns
    )
    rows = []
    for record in df.to_dict("records"):
        cells = "".join(
            (
                f'<td class="num">{html.escape(cell(kind.get(c), v))}</td>'
                if numeric[c]
                else f"<td>{html.escape(cell(kind.get(c), v))}</td>"
            )
            for c, v in record.items()
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def headline(review: Review) -> list[tuple[str, str]]:
    u = review.unit_costs
    out = [
        ("Modelled", usd(review.total_modelled)),
        ("Metered at list prices", usd(review.total_metered)),
        ("Billed", usd(review.total_billed)),
        ("Variance", usd(review.variance)),
    ]
    if u.get("users"):
        out += [("Users", f"{u['users']:,.0f}"), ("Cost per user (billed)", money(u.get("cost_per_user")))]
    return out


def review_html(review: Review, trend: list[dict] | None = None, notes: str = "") -> str:
    """The review as one HTML file that opens offline (plotly.js inlined once)."""
    figures = [waterfall_figure(review), variance_figure(review)]
    if trend:
        figures.append(trend_figure(trend))
    tiers, features = unit_cost_frames(review)
    tables = [
        ("Reconciliation", lines_frame(review)),
        ("Causes", causes_frame(review)),
        ("Cost per user, by tier", tiers),
        ("Cost per use, by feature", features),
    ]
    if trend:
        tables.append(("Month over month", trend_frame(trend)))
    est = " The bill is estimated (not final)." if review.estimated else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>unitcost review {html.escape(review.month)}: {html.escape(review.scenario_name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Monthly review {html.escape(review.month)}: {html.escape(review.scenario_name)}</h1>",
        f'<p class="meta">{html.escape(review.region)}, list prices as of {html.escape(review.prices_as_of)}. '
        f"Bill: {html.escape(review.bill_source or '-')}; metered: "
        f"{html.escape(review.metered_source or 'none')}.{est} USD, made by unitcost.</p>",
        '<div class="headline">',
        *(
            f'<div><div class="label">{html.escape(k)}</div><div class="value">{html.escape(v)}</div></div>'
            for k, v in headline(review)
        ),
        "</div>",
    ]
    if notes:
        parts.append(f"<p><b>Notes:</b> {html.escape(notes)}</p>")
    if review.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{html.escape(n)}</li>" for n in review.notes) + "</ul>")
    for i, fig in enumerate(figures):
        parts.append(fig.to_html(include_plotlyjs=(i == 0), full_html=False, config={"displaylogo": False}))
    for title, df in tables:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(table_html(df))
    parts.append("</body></html>")
    return "\n".join(parts)

"""Figures and tables of the Plan page: the fan chart of a tier's cost per user and margin as users grow, the
tornado of what moves the margin, and the month-by-month forecast with the months where a free tier runs out or
a volume tier starts. Pure functions of models/plan.py's results."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from models.engine import Estimate
from models.plan import FREE_TIER_RUNS_OUT, Fan, Month, Swing
from ui.charts import HEIGHT, _layout
from ui.format import COUNT, PERCENT, USD, USD_PER_USER, USERS, declare, money, plot_text, usd

BAND = "rgba(31, 119, 180, 0.18)"
LINE = "rgb(31, 119, 180)"


def fan_chart(f: Fan, tier: str) -> go.Figure:
    """Cost per user and margin of one tier, P10 to P90 as a band and P50 as a line, against users in all."""
    t = f.tiers[tier]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Cost per user (USD/month)", "Margin (USD/month)"))
    for col, what in ((1, "cost_per_user"), (2, "margin")):
        lo, mid, hi = (t[f"{what}_p{q}"] for q in (10, 50, 90))
        show = col == 1
        fig.add_scatter(x=f.users, y=hi, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip",
                        row=1, col=col)  # fmt: skip
        fig.add_scatter(
            x=f.users,
            y=lo,
            mode="lines",
            line=dict(width=0),
            fill="tonexty",
            fillcolor=BAND,
            name="P10 to P90",
            showlegend=show,
            customdata=[[money(a), money(b)] for a, b in zip(lo, hi)],
            hovertemplate="%{x:,.0f} users: P10 %{customdata[0]}, P90 %{customdata[1]}<extra></extra>",
            row=1,
            col=col,
        )
        fig.add_scatter(
            x=f.users,
            y=mid,
            mode="lines+markers",
            line=dict(color=LINE),
            name="P50",
            showlegend=show,
            customdata=[money(m) for m in mid],
            hovertemplate="%{x:,.0f} users: P50 %{customdata}<extra></extra>",
            row=1,
            col=col,
        )
    fig.update_xaxes(type="log", title_text="users in all (each tier keeping its share)")
    return _layout(fig, f"{plot_text(tier)}: as users grow", "", height=HEIGHT + 40)


def tornado(swings: list[Swing], e: Estimate) -> go.Figure:
    """What moves the margin most: each range at its low and its high (the others at their modes), as bars from
    the month's margin at the modes (the estimate's revenue less its bill); the largest swing on top."""
    base = sum(t.revenue for t in e.tiers) - e.total
    if not swings:
        return _layout(go.Figure(), "What moves the margin: no ranges", "")
    rows = sorted(swings, key=lambda w: abs(w.high_margin - w.low_margin))
    names = [plot_text(w.input) for w in rows]
    fig = go.Figure()
    for label, attr in (("at its low", "low_margin"), ("at its high", "high_margin")):
        values = [getattr(w, attr) - base for w in rows]
        fig.add_bar(
            y=names,
            x=values,
            orientation="h",
            name=label,
            base=base,
            customdata=[usd(base + v) for v in values],
            hovertemplate="%{y} " + label + ": margin %{customdata}<extra></extra>",
        )
    fig.update_layout(barmode="overlay")
    fig.add_vline(x=base, line_dash="dot")
    title = f"What moves the margin (USD/month; {usd(base)} at the modes)"
    return _layout(fig, title, "", height=max(HEIGHT, 120 + 32 * len(rows)))


def forecast_chart(months: list[Month]) -> go.Figure:
    """Cost, revenue and margin month by month; months where a free tier runs out or a volume tier starts
    marked on the cost line."""
    x = [m.month for m in months]
    fig = go.Figure()
    for name, y in (
        ("cost", [m.total for m in months]),
        ("revenue", [m.revenue for m in months]),
        ("margin", [m.margin for m in months]),
    ):
        fig.add_scatter(x=x, y=y, mode="lines", name=name, customdata=[usd(v) for v in y],
                        hovertemplate="month %{x}: %{customdata}<extra>" + name + "</extra>")  # fmt: skip
    marked = [m for m in months if m.events]
    if marked:
        fig.add_scatter(
            x=[m.month for m in marked],
            y=[m.total for m in marked],
            mode="markers",
            marker=dict(symbol="diamond", size=12, color="black"),
            name="free tier runs out / volume tier starts",
            customdata=[plot_text(event_text(m.events)) for m in marked],
            hovertemplate="month %{x}: %{customdata}<extra></extra>",
        )
    fig.update_xaxes(title_text="month")
    return _layout(fig, "Cost, revenue and margin by month", "USD/month")


def event_text(events: list[dict]) -> str:
    return "; ".join(
        f"{'free tier runs out' if e['kind'] == FREE_TIER_RUNS_OUT else 'volume tier starts'}: "
        f"{e['service']} {e['component']}"
        for e in events
    )


# ---------------------------------------------------------------- tables

MARGIN_PCT = "margin (%)"


def forecast_frame(months: list[Month]) -> pd.DataFrame:
    tiers = [t["name"] for t in months[0].tiers] if months else []
    rows = []
    for m in months:
        row = {
            "month": m.month,
            "users": m.users,
            "cost (USD/month)": m.total,
            "revenue (USD/month)": m.revenue,
            "margin (USD/month)": m.margin,
            MARGIN_PCT: None if m.margin_pct is None else 100 * m.margin_pct,
            "cost per user (USD)": m.cost_per_user,
        }
        for t in m.tiers:
            row[f"{t['name']}: users"] = t["users"]
            row[f"{t['name']}: margin (USD/month)"] = t["margin"]
        row["starts this month"] = event_text(m.events)
        rows.append(row)
    df = pd.DataFrame(rows)
    kinds = {
        "month": COUNT,
        "users": USERS,
        "cost (USD/month)": USD,
        "revenue (USD/month)": USD,
        "margin (USD/month)": USD,
        MARGIN_PCT: PERCENT,
        "cost per user (USD)": USD_PER_USER,
    }
    for t in tiers:
        kinds |= {f"{t}: users": USERS, f"{t}: margin (USD/month)": USD}
    return declare(df, kinds if months else {})


def tornado_frame(swings: list[Swing]) -> pd.DataFrame:
    df = pd.DataFrame(
        [
            {
                "input": w.input,
                "total at low (USD)": w.low_total,
                "total at high (USD)": w.high_total,
                "swing (USD)": w.swing,
                "margin at low (USD)": w.low_margin,
                "margin at high (USD)": w.high_margin,
            }
            for w in swings
        ],
        columns=["input", "total at low (USD)", "total at high (USD)", "swing (USD)", "margin at low (USD)",
                 "margin at high (USD)"],
    )  # fmt: skip
    return declare(df, {c: USD for c in df.columns if c != "input"})


def fan_frame(f: Fan) -> pd.DataFrame:
    rows = []
    for tier, figures in f.tiers.items():
        for i, users in enumerate(f.users):
            rows.append({"tier": tier, "users": users} | {k: float(v[i]) for k, v in figures.items()})
    df = pd.DataFrame(rows)
    kinds = {"users": USERS} | {k: (USD_PER_USER if k.startswith("cost") else USD) for k in df.columns[2:]}
    return declare(df, kinds if rows else {})


def stats_frame(sim_json: dict) -> pd.DataFrame:
    """Per tier: P10, P50 and P90 of its cost per user and of its margin, and its median margin %."""
    quantiles = ("p10", "p50", "p90")
    kinds = {f"cost per user {q.upper()} (USD)": USD_PER_USER for q in quantiles}
    kinds |= {f"margin {q.upper()} (USD/month)": USD for q in quantiles} | {"margin P50 (%)": PERCENT}
    rows = []
    for t in sim_json["tiers"]:
        p50 = t["margin_pct"]["p50"]
        values = [t["cost_per_user"][q] for q in quantiles] + [t["margin"][q] for q in quantiles]
        rows.append({"tier": t["name"], **dict(zip(kinds, values + [None if p50 is None else 100 * p50]))})
    df = pd.DataFrame(rows, columns=["tier", *kinds])
    return declare(df, kinds)

"""Plotly figures of estimates, tiers, bills of materials and design comparisons.

Pure functions of the models' results, so they are tested without a browser. Money is USD; hover
labels show it with the same rounding as the tables. Names from the scenario pass through `plot_text`,
since plotly reads HTML tags in labels.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from models.bom import Bom
from models.designs import Comparison
from models.engine import Estimate
from models.tiers import Curve, TierEconomics
from ui.format import money, plot_text, usd

HEIGHT = 340
_MARGIN = dict(l=10, r=10, t=48, b=10)  # the legend sits under the x axis
_MONEY = "$%{y:,.2f}<extra>%{fullData.name}</extra>"
_SMALL_MONEY = "%{customdata}<extra>%{fullData.name}</extra>"  # customdata: money(y), never 3.71e-06


def _layout(fig: go.Figure, title: str, y_title: str, **kw) -> go.Figure:
    return fig.update_layout(
        title=dict(text=title, x=0.01),
        margin=_MARGIN,
        height=kw.pop("height", HEIGHT),
        yaxis_title=y_title,
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0.0),
        **kw,
    )


# How a chart of costs that span orders of magnitude can be read: on a linear axis a service of $3,700 hides
# those of $3; a log axis or the chart without the dominant service shows them.
LINEAR, LOG, WITHOUT_DOMINANT = "linear", "log", "without dominant"
SPAN = 100  # the largest cost over the smallest non-zero one from which the views are offered


def spans_magnitudes(costs) -> bool:
    """Whether non-zero costs differ by a factor of SPAN or more."""
    positive = [c for c in costs if c > 0]
    return len(positive) > 1 and max(positive) >= SPAN * min(positive)


def dominant(costs: dict[str, float]) -> str | None:
    """The name whose cost is more than half of all, when the costs span orders of magnitude; else None."""
    total = sum(c for c in costs.values() if c > 0)
    if not total or not spans_magnitudes(costs.values()):
        return None
    name, top = max(costs.items(), key=lambda x: x[1])
    return name if top > total / 2 else None


def _scaled(fig: go.Figure, view: str, costs: list[float]) -> go.Figure:
    if view == LOG:
        positive = [c for c in costs if c > 0]
        low = math.floor(math.log10(min(positive))) if positive else -2
        return fig.update_yaxes(type="log", range=[low, math.log10(max(positive or [1])) + 0.3])
    return fig


def by_service(e: Estimate, view: str = LINEAR) -> go.Figure:
    """Cost by service, with what the Always Free tier saves beside each service it covers (listed even when
    it bills $0). `view`: LINEAR, LOG or WITHOUT_DOMINANT (the costliest service, when it is more than half
    of the bill, left out and named in the title)."""
    benefit = e.free_tier_benefit
    names = [s for s, c in e.services.items() if c or benefit.get(s)]
    title = "Cost by service"
    if view == WITHOUT_DOMINANT and (top := dominant(e.services)):
        names = [s for s in names if s != top]
        title = f"Cost by service, without {plot_text(top)} ({money(e.services[top])})"
    names.sort(key=lambda s: (-e.services[s], -benefit.get(s, 0.0)))
    x = [plot_text(s) for s in names]
    fig = go.Figure(go.Bar(x=x, y=[e.services[s] for s in names], name="billed", hovertemplate=_MONEY))
    saved = [benefit.get(s, 0.0) for s in names]
    if any(saved):
        fig.add_bar(
            x=x,
            y=saved,
            name="saved by the free tier",
            marker=dict(color="rgba(44, 160, 44, 0.45)", line=dict(color="rgb(44, 160, 44)", width=1)),
            hovertemplate="$%{y:,.2f} saved by the Always Free tier<extra>%{x}</extra>",
        )
    fig = _layout(fig, title, "USD per month", barmode="group", showlegend=any(saved))
    return _scaled(fig, view, [e.services[s] for s in names] + saved)


def by_feature(e: Estimate, view: str = LINEAR) -> go.Figure:
    items = sorted(((f.name, f.cost) for f in e.features), key=lambda x: -x[1])
    fig = go.Figure(
        go.Bar(x=[plot_text(n) for n, _ in items], y=[c for _, c in items], name="cost", hovertemplate=_MONEY)
    )
    fig = _layout(fig, "Cost by feature", "USD per month", showlegend=False)
    return _scaled(fig, view, [c for _, c in items])


def by_tier(e: Estimate) -> go.Figure:
    """Cost of each tier split by feature, with the tier's revenue beside it."""
    fig = go.Figure()
    names = [plot_text(t.name) for t in e.tiers]
    for f in (f.name for f in e.features):
        fig.add_bar(x=names, y=[t.feature_costs.get(f, 0.0) for t in e.tiers], name=plot_text(f), hovertemplate=_MONEY)
    fig.add_scatter(
        x=names,
        y=[t.revenue for t in e.tiers],
        name="revenue",
        mode="markers",
        marker=dict(symbol="diamond", size=13, color="black"),
        hovertemplate=_MONEY,
    )
    return _layout(fig, "Cost (by feature) and revenue by tier", "USD per month", barmode="stack")


def tier_share(tiers: list[TierEconomics]) -> go.Figure:
    """What share of each tier's cost each feature drives."""
    fig = go.Figure()
    features = list(dict.fromkeys(f for t in tiers for f in t.feature_share))
    for f in features:
        fig.add_bar(
            y=[plot_text(t.name) for t in tiers],
            x=[100 * t.feature_share.get(f, 0.0) for t in tiers],
            name=plot_text(f),
            orientation="h",
            hovertemplate="%{x:.1f}%<extra>%{fullData.name}</extra>",
        )
    fig = _layout(
        fig, "Share of each tier's cost by feature", "", barmode="stack", height=max(240, 130 + 45 * len(tiers))
    )
    fig.update_layout(legend=dict(y=1.0, yanchor="bottom", x=0.0, xanchor="left"), margin=dict(t=80))
    return fig.update_xaxes(title="% of the tier's cost", range=[0, 100])


def cost_curve(c: Curve) -> go.Figure:
    """Cost per user as users grow (every tier keeping its share), today's point marked."""
    fig = go.Figure()
    fig.add_scatter(
        x=c.users,
        y=c.cost_per_user,
        mode="lines",
        name="cost per user",
        customdata=[[money(p), usd(t)] for p, t in zip(c.cost_per_user, c.total)],
        hovertemplate="%{x:,.0f} users: %{customdata[0]} per user, %{customdata[1]} per month<extra></extra>",
    )
    if c.today_cost_per_user is not None:
        fig.add_scatter(
            x=[c.today_users],
            y=[c.today_cost_per_user],
            mode="markers+text",
            name="today",
            text=[f"today: {money(c.today_cost_per_user)}"],
            textposition="top right",
            marker=dict(size=12, color="crimson"),
            customdata=[money(c.today_cost_per_user)],
            hovertemplate="today: %{x:,.0f} users, %{customdata} per user<extra></extra>",
        )
    if c.revenue_per_user is not None:
        fig.add_hline(
            y=c.revenue_per_user,
            line_dash="dash",
            line_color="green",
            annotation_text=f"revenue per user today {money(c.revenue_per_user)}",
            annotation_position="bottom right",
        )
    fig = _layout(fig, "Cost per user as users grow (tiers keep their share)", "USD per user per month")
    highest = np.nanmax([*c.cost_per_user, c.today_cost_per_user or 0.0, c.revenue_per_user or 0.0, 0.0])
    fig.update_yaxes(range=[0, highest * 1.2 if highest > 0 else 1])  # room for the labels above the curve
    return fig.update_xaxes(type="log", title="users")


def bom_by_feature(bom: Bom, list_price: bool = False) -> go.Figure:
    """One bar per feature: what one use costs, stacked by service."""
    attr = "list_cost_per_use" if list_price else "cost_per_use"
    services = list(dict.fromkeys(b.service for b in bom.lines))
    fig = go.Figure()
    for s in services:
        y = [sum(getattr(b, attr) for b in bom.lines if b.feature == f and b.service == s) for f in bom.features]
        if any(y):
            fig.add_bar(
                x=[plot_text(f) for f in bom.features],
                y=y,
                name=plot_text(s),
                customdata=[money(v) for v in y],
                hovertemplate=_SMALL_MONEY,
            )
    what = "list price, no free tier" if list_price else "as billed this month"
    return _layout(fig, f"Cost of one use by service ({what})", "USD per use", barmode="stack")


def bom_components(bom: Bom, feature: str, list_price: bool = False) -> go.Figure:
    """One feature: one bar per service, stacked by component."""
    attr = "list_cost_per_use" if list_price else "cost_per_use"
    lines, _ = bom.of(feature)
    fig = go.Figure()
    for b in lines:
        if getattr(b, attr):
            fig.add_bar(
                x=[plot_text(b.service)],
                y=[getattr(b, attr)],
                name=plot_text(b.component),
                customdata=[money(getattr(b, attr))],
                hovertemplate=_SMALL_MONEY,
            )
    return _layout(fig, f"One use of {plot_text(feature)}, by service and component", "USD per use", barmode="stack")


def design_curves(cmp: Comparison, per_user: bool = False, today_users: float | None = None) -> go.Figure:
    """Cost (or cost per user) against users for every variant, with their crossover points."""
    y = cmp.cost_per_user if per_user else cmp.totals
    over = cmp.over_limit
    fig = go.Figure()
    for v, (name, values) in enumerate(zip(cmp.names, y)):
        fig.add_scatter(
            x=cmp.users,
            y=np.where(over[v], np.nan, values),
            mode="lines",
            name=plot_text(name),
            legendgroup=str(v),
            customdata=[money(x) for x in values],
            hovertemplate="%{x:,.0f} users: %{customdata}<extra>%{fullData.name}</extra>",
        )
        if over[v].any():  # past a capacity limit: the design cannot serve that load, drawn dotted
            start = max(int(np.argmax(over[v])) - 1, 0)
            fig.add_scatter(
                x=cmp.users[start:],
                y=values[start:],
                mode="lines",
                line=dict(dash="dot"),
                name=plot_text(f"{name}: over {cmp.limit_names[v]}"),
                legendgroup=str(v),
                customdata=[money(x) for x in values[start:]],
                hovertemplate="%{x:,.0f} users: %{customdata} (over a limit)<extra>%{fullData.name}</extra>",
            )
    if cmp.crossovers:
        xs = np.array([c.users for c in cmp.crossovers])
        ys = np.array([c.total / c.users if per_user else c.total for c in cmp.crossovers])
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="markers",
            name="crossover",
            marker=dict(symbol="x", size=12, color="black"),
            text=[plot_text(f"{c.a} / {c.b}") for c in cmp.crossovers],
            hovertemplate="%{text}: %{x:,.0f} users<extra>crossover</extra>",
        )
    if today_users:
        fig.add_vline(x=today_users, line_dash="dot", line_color="grey", annotation_text="today")
    title = "Cost per user as users grow" if per_user else "Monthly cost as users grow"
    fig = _layout(fig, title, "USD per user per month" if per_user else "USD per month")
    fig.update_xaxes(type="log", title="users")
    return fig.update_yaxes(rangemode="tozero") if per_user else fig.update_yaxes(type="log")


def design_differences(cmp: Comparison, today_users: float | None = None) -> go.Figure:
    """Each alternative's monthly total minus the first variant's: below zero it is cheaper."""
    fig = go.Figure()
    for name, values in zip(cmp.names[1:], cmp.totals[1:]):
        fig.add_scatter(
            x=cmp.users,
            y=values - cmp.totals[0],
            mode="lines",
            name=plot_text(f"{name} - {cmp.names[0]}"),
            hovertemplate="%{x:,.0f} users: %{y:+,.2f} USD<extra>%{fullData.name}</extra>",
        )
    fig.add_hline(y=0, line_color="grey")
    first = [c for c in cmp.crossovers if cmp.names[0] in (c.a, c.b)]
    if first:
        fig.add_scatter(
            x=[c.users for c in first],
            y=[0.0] * len(first),
            mode="markers",
            name="crossover",
            marker=dict(symbol="x", size=12, color="black"),
            hovertemplate="%{x:,.0f} users<extra>crossover</extra>",
        )
    if today_users:
        fig.add_vline(x=today_users, line_dash="dot", line_color="grey", annotation_text="today")
    fig = _layout(fig, f"Difference from {plot_text(cmp.names[0])} (below 0: cheaper)", "USD per month")
    return fig.update_xaxes(type="log", title="users")


def design_services(cmp: Comparison) -> go.Figure:
    services = sorted({s for e in cmp.estimates for s, c in e.services.items() if c})
    fig = go.Figure()
    for name, e in zip(cmp.names, cmp.estimates):
        fig.add_bar(
            x=[plot_text(s) for s in services],
            y=[e.services.get(s, 0.0) for s in services],
            name=plot_text(name),
            hovertemplate=_MONEY,
        )
    return _layout(fig, "Cost by service, per variant", "USD per month", barmode="group")

"""Plotly figures of an estimate. Pure functions of the result, so they are tested without a browser."""

from __future__ import annotations

import plotly.graph_objects as go

from models.engine import Estimate

_LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), height=320, yaxis_title="USD per month")


def by_service(e: Estimate) -> go.Figure:
    items = [(s, c) for s, c in e.services.items() if c]
    fig = go.Figure(go.Bar(x=[s for s, _ in items], y=[c for _, c in items], name="cost"))
    return fig.update_layout(title="Cost by service", **_LAYOUT)


def by_feature(e: Estimate) -> go.Figure:
    fig = go.Figure(go.Bar(x=[f.name for f in e.features], y=[f.cost for f in e.features], name="cost"))
    return fig.update_layout(title="Cost by feature", **_LAYOUT)


def by_tier(e: Estimate) -> go.Figure:
    """Cost of each tier split by feature, with its revenue beside it."""
    fig = go.Figure()
    features = [f.name for f in e.features]
    for f in features:
        fig.add_bar(x=[t.name for t in e.tiers], y=[t.feature_costs.get(f, 0.0) for t in e.tiers], name=f)
    fig.add_scatter(
        x=[t.name for t in e.tiers],
        y=[t.revenue for t in e.tiers],
        name="revenue",
        mode="markers",
        marker=dict(symbol="diamond", size=12),
    )
    return fig.update_layout(title="Cost and revenue by tier", barmode="stack", **_LAYOUT)

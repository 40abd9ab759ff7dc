"""Plotly figure of capacity: utilisation of each limit as users grow."""

from __future__ import annotations

import plotly.graph_objects as go

from models.capacity import limit_name
from ui.format import plot_text


def utilization_vs_users(
    users: list[float], curves: dict[tuple[str, str], list[float | None]], users_now: float
) -> go.Figure:
    fig = go.Figure()
    for (limit, resource), values in curves.items():
        fig.add_scatter(
            x=users,
            y=[None if v is None else 100 * v for v in values],
            mode="lines",
            name=plot_text(limit_name(limit, resource)),
        )
    fig.add_hline(y=100, line_dash="dash", annotation_text="quota", annotation_position="top left")
    fig.add_vline(x=users_now, line_dash="dot", annotation_text="today", annotation_position="top right")
    return fig.update_layout(
        title="Utilisation at peak vs users",
        xaxis_title="users",
        yaxis_title="% of quota",
        margin=dict(l=10, r=10, t=40, b=10),
        height=380,
        legend=dict(orientation="h"),
    )

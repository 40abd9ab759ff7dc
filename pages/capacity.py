"""Capacity: how many users fit before a limit throttles, for the current scenario's peak load."""

import streamlit as st

from models.capacity import limit_name, utilization_curve
from pages.shared import compute, state, widgets
from ui import tables
from ui.capacity_charts import utilization_vs_users
from ui.format import md, users

s = state.scenario()
result = compute.current_estimate()

st.title("Capacity")
st.caption(
    f"Peak = average rate x peak_to_average ({s.peak_to_average:g} in this scenario; per function and per table "
    "overrides apply). Quotas are AWS's defaults unless the scenario's `quotas:` raises them. "
    "Users at limit: total users (every tier keeping its share) at which the peak reaches the quota."
)
if not result.capacity:
    st.info("This scenario has no functions, APIs or tables, so no limits apply.")
    st.stop()

first = next((c for c in result.capacity if c.users_at_limit is not None), None)
if first is not None:
    st.metric(
        f"First limit reached: {md(limit_name(first.limit, first.resource))}", f"{users(first.users_at_limit)} users"
    )
    st.caption(
        f"`{first.limit}` on {md(first.resource)}. "
        + (
            f"{users(result.users)} users today: {first.users_at_limit / result.users:,.1f}x headroom"
            if result.users
            else "No users today."
        )
    )
rows = tables.capacity_frame(result)
widgets.table(
    rows.style.apply(
        lambda r: ["background-color: #fde2e1" if r.name == 0 and first is not None else "" for _ in r], axis=1
    ),
    key="capacity_table",
    width="stretch",
)
for note in result.capacity_notes:
    st.warning(md(note))

if result.users > 0:
    top = max(result.users * 2, (first.users_at_limit * 1.2) if first else 0)
    users = [top * i / 60 for i in range(61)]
    widgets.chart(utilization_vs_users, users, utilization_curve(s, users), result.users, key="capacity_chart")

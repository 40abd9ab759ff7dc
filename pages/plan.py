"""Plan: how wrong the estimate could be (the scenario's ranges sampled: P10 to P90 per tier as users grow, and
what moves the margin most) and the months ahead as tiers grow and churn by the scenario's `plan:`."""

import numpy as np
import pandas as pd
import streamlit as st

from models import editing
from models.plan import MAX_MONTHS
from pages.shared import compute, edits, state, widgets
from ui import plan as figures
from ui.format import md, money, percent

ss = st.session_state
s = state.scenario()
e = compute.estimate_or_stop()

st.title("Plan")
st.caption(
    "What one figure hides: each range of the scenario is sampled, every sample priced as a whole month, and "
    "the months ahead priced as each tier grows and churns. Ranges are edited on the Tiers and Features pages "
    "(or in the Scenario file as {low, mode, high})."
)

# ---------------------------------------------------------------- uncertainty
st.subheader("Uncertainty")
if not s.ranges:
    st.info(
        "This scenario has no ranges, so every sample is the estimate. Give a number a range on the Tiers page "
        "(Ranges table) or the Features page, or in the file: `users: {low: 1000, mode: 2000, high: 6000}`."
    )
c1, c2 = st.columns(2)
samples = c1.select_slider("Samples", options=[1_000, 2_000, 5_000, 10_000, 20_000], value=10_000, key="plan_samples")
seed = int(c2.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="plan_seed",
                           help="The same seed gives the same figures (cli.py simulate --seed)."))  # fmt: skip
sim = compute.simulation(samples, seed)
total = sim["json"]["total"]
m = st.columns(4)
for col, (label, key) in zip(m, (("P10", "p10"), ("P50", "p50"), ("P90", "p90"), ("Mean", "mean"))):
    col.metric(f"Monthly total {label}", money(total[key]))
stats = figures.stats_frame(sim["json"])
if len(stats):
    widgets.table(stats, key="plan_stats", width="stretch")
    widgets.csv_button(stats, "Download percentiles (CSV)", "unitcost-percentiles.csv", key="plan_stats_csv")

if s.tiers and e.users > 0:
    st.markdown("**Cost per user and margin as users grow** (P10 to P90 band, P50 line)")
    tier = st.selectbox("Tier", list(s.tiers), key="plan_fan_tier")
    scales = tuple(float(x) for x in np.geomspace(0.1, 100, 10))
    fan = compute.fan(scales, 1_000, seed)
    widgets.chart(figures.fan_chart, fan, tier, key="plan_fan")
    widgets.csv_button(
        lambda: figures.fan_frame(fan), "Download the fan chart (CSV)", "unitcost-fan.csv", key="plan_fan_csv"
    )

swings = sim["sensitivity"]
if swings:
    widgets.chart(figures.tornado, swings, e, key="plan_tornado")
    tornado = figures.tornado_frame(swings)
    widgets.table(tornado, key="plan_tornado_table", width="stretch")
    widgets.csv_button(tornado, "Download the tornado (CSV)", "unitcost-tornado.csv", key="plan_tornado_csv")

# ---------------------------------------------------------------- forecast
st.subheader("Month by month")
st.caption(
    "Month 0 is the scenario as written; each month a tier's users are the month before's x (1 + growth) x "
    "(1 - churn). The rates are the scenario's `plan:`, saved with it."
)
ed = edits.edit_session("plan")
if ed["fresh"]:
    ed["base"] = pd.DataFrame(
        {
            "tier": list(s.tiers),
            "growth (%/month)": [float(s.plan.growth.get(t, 0.0)) for t in s.tiers],
            "churn (%/month)": [float(s.plan.churn.get(t, 0.0)) for t in s.tiers],
        }
    )
number = st.column_config.NumberColumn
rates = st.data_editor(
    ed["base"],
    key=f"plan_rates_{ed['gen']}",
    num_rows="fixed",
    hide_index=True,
    disabled=["tier"],
    column_config={
        "growth (%/month)": number("growth (%/month)", min_value=-100.0, max_value=1000.0, format="%g"),
        "churn (%/month)": number("churn (%/month)", min_value=0.0, max_value=100.0, format="%g"),
    },
)


def planned():
    rows = rates.to_dict("records")
    growth = {r["tier"]: editing.number(r["growth (%/month)"]) for r in rows}
    churn = {r["tier"]: editing.number(r["churn (%/month)"]) for r in rows}
    return editing.with_plan(state.scenario(), growth, churn, state.book())


edits.apply_edit(ed, [tuple(r) for r in rates.itertuples(index=False)], planned)
months = int(st.number_input("Months", min_value=1, max_value=MAX_MONTHS, value=24, step=1, key="plan_months"))
plan_months = compute.forecast(months)
marked = [mo for mo in plan_months if mo.events]
for mo in marked:
    st.markdown(md(f"Month {mo.month}: {figures.event_text(mo.events)}"))
last = plan_months[-1]
pct = "no revenue" if last.margin_pct is None else percent(100 * last.margin_pct)
st.caption(md(f"Month {last.month}: cost {money(last.total)}, revenue {money(last.revenue)}, margin {pct}"))
# The months as a chart or a table: tabs that rerun when picked draw only the open one (a chart and a grid each
# cost the browser tens of milliseconds on every page switch).
chart_tab, table_tab = st.tabs(["Chart", "Table"], key="plan_forecast_view", on_change="rerun")
if chart_tab.open:
    widgets.chart(figures.forecast_chart, plan_months, key="plan_forecast", where=chart_tab)
if table_tab.open:
    with table_tab:
        widgets.table(figures.forecast_frame(plan_months), key="plan_forecast_table", width="stretch")
widgets.csv_button(
    lambda: figures.forecast_frame(plan_months),
    "Download the forecast (CSV)",
    "unitcost-forecast.csv",
    key="plan_forecast_csv",
)

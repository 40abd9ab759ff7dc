"""Overview: the monthly bill of the current scenario, by service, feature and tier."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from models.engine import estimate
from models.report import usd
from models.scenario import ScenarioError, loads
from pricing.book import PriceError
from ui import charts

st.title("unitcost")
st.caption("What one feature use, one user and one pricing tier cost on AWS serverless.")

upload = st.file_uploader("Scenario file (YAML, format 1)", type=["yaml", "yml"], key="upload")
if upload is not None and st.session_state.get("upload_name") != (upload.name, upload.size):
    try:
        st.session_state.scenario = loads(upload.getvalue().decode("utf-8"), source=upload.name)
        st.session_state.scenario_source = upload.name
        st.session_state.upload_name = (upload.name, upload.size)
    except (ScenarioError, UnicodeDecodeError) as e:
        st.error(f"Kept the previous scenario. {e}")

scenario = st.session_state.scenario
free_tier = st.toggle("Always Free tier", value=scenario.free_tier, key="free_tier")
st.caption(f"Scenario: **{scenario.name}** ({st.session_state.scenario_source}), region {scenario.region}")

try:
    result = estimate(replace(scenario, free_tier=free_tier))
except (ScenarioError, PriceError) as e:
    st.error(str(e))
    st.stop()

costliest = max((f for f in result.features if f.cost_per_use), key=lambda f: f.cost, default=None)
cols = st.columns(4)
cols[0].metric("Monthly total", usd(result.total))
cols[1].metric("Cost per user", usd(result.total / result.users if result.users else None, small=True))
cols[2].metric(
    f"Cost per use: {costliest.name}" if costliest else "Cost per use",
    usd(costliest.cost_per_use if costliest else None, small=True),
)
cols[3].metric("Users", f"{result.users:,.0f}")

left, right = st.columns(2)
left.plotly_chart(charts.by_service(result), key="chart_services")
right.plotly_chart(charts.by_feature(result), key="chart_features")
if result.tiers:
    st.plotly_chart(charts.by_tier(result), key="chart_tiers")
    st.subheader("Tiers")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "tier": t.name,
                    "users": t.users,
                    "price USD": t.price,
                    "revenue USD": t.revenue,
                    "cost USD": t.cost,
                    "cost per user USD": t.cost_per_user,
                    "margin USD": t.margin,
                    "margin %": None if t.margin_pct is None else 100 * t.margin_pct,
                }
                for t in result.tiers
            ]
        ),
        hide_index=True,
        key="tiers_table",
    )

st.subheader("Features")
st.dataframe(pd.DataFrame([vars(f) for f in result.features]), hide_index=True, key="features_table")
st.subheader("Bill lines")
st.dataframe(pd.DataFrame([vars(line) for line in result.lines]), hide_index=True, key="lines_table")

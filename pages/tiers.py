"""Tiers: edit pricing tiers and see each tier's revenue, cost, margin, break-even price and cost drivers,
and how cost per user moves as the number of users grows."""

import streamlit as st

from models import editing
from models.report import usd
from models.tiers import MAX_CURVE_EXP, tier_economics, users_range
from pages.shared import compute, edits, state, widgets
from pricing.book import PriceError
from ui import charts, tables
from ui.format import md, money, percent

ss = st.session_state
s = state.scenario()
features = list(s.features)

st.title("Tiers")
st.caption(
    "Users, price and uses per user per month of each tier. Edit the table: add a tier in the last row, "
    "remove one by selecting its row and pressing Delete. Every change is checked before it is applied."
)

ed = edits.edit_session("tiers")
if ed["fresh"]:
    ed["base"] = tables.tier_editor_frame(editing.tier_rows(s), features)
number = st.column_config.NumberColumn
edited = st.data_editor(
    ed["base"],
    key=f"tiers_editor_{ed['gen']}",
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    column_config={
        "tier": st.column_config.TextColumn("tier", help="The tier's name", width=140),
        "users": number(
            "users", min_value=0, step=1, format="localized", help="Users on this tier per month", width=110
        ),
        "price (USD/user)": number(
            "price (USD/user)", min_value=0, format="$%.2f", width=130, help="What one user pays per month"
        ),
        **{
            tables.USES_PREFIX + f: number(
                tables.USES_PREFIX + f, min_value=0, format="localized", help=f"Uses of {md(f)} per user per month"
            )
            for f in features
        },
    },
)
edits.apply_edit(
    ed,
    tables.records(edited),
    lambda: editing.with_tiers(state.scenario(), tables.tiers_from_editor(edited, features), state.book()),
)

with st.expander(f"Ranges ({sum(r.path.startswith('tiers.') for r in s.ranges)})", expanded=bool(s.ranges)):
    st.caption(
        "A number you do not know for sure: its low, most likely (mode) and high value. The figures on this page "
        "use the mode; the Plan page samples the ranges (a blank mode: any value from low to high)."
    )
    edits.ranges_editor("tier_ranges", "tiers.")

e = compute.estimate_or_stop()
edits.remember("tiers_target", 80.0)
target = st.columns(3)[0].number_input(
    "Target gross margin (%)",
    0.0,
    99.0,
    step=5.0,
    key="tiers_target",
    help="For the 'price for target margin' column: cost per user / (1 - margin).",
)
edits.save_remembered()
econ = tier_economics(e, target / 100)

if not econ:
    st.info("No tiers: add one in the table above (a name, its users, price and uses per user).")
else:
    cols = st.columns(min(len(econ), 4))
    for i, t in enumerate(econ):
        with cols[i % len(cols)]:
            st.metric(
                f"Cost per user: {md(t.name)}",
                money(t.cost_per_user),
                help="The tier's monthly cost over its users: its break-even price.",
            )
            pct = "no revenue" if t.margin_pct is None else percent(100 * t.margin_pct)
            st.caption(
                f"{t.users:,.0f} users · cost {usd(t.cost)} · revenue {usd(t.revenue)} · margin {usd(t.margin)} ({pct})"
            )
    df = tables.tiers_frame(econ)
    widgets.table(df, key="tiers_table", labels=tables.TIER_LABELS, width="stretch")
    widgets.csv_button(df, "Download tiers (CSV)", "unitcost-tiers.csv", key="tiers_csv")


def draw_curve() -> None:
    if e.users <= 0:
        st.info("The curve needs users: give a tier some users.")
        return
    lo, hi = users_range(e.users)
    options = [10**i for i in range(0, MAX_CURVE_EXP + 1)]
    span = st.select_slider(
        "Users (all tiers together, each keeping its share)",
        options=options,
        value=ss.get("tiers_range_saved", (int(lo), int(hi))),  # a range slider takes its value as an argument
        format_func=lambda x: f"{x:,}",
        key="tiers_range",
    )
    ss.tiers_range_saved = span
    if span[0] >= span[1]:
        st.warning("Pick a range of users with two different ends.")
        return
    try:
        curve = compute.current_curve(float(span[0]), float(span[1]))
    except PriceError as err:  # e.g. the range grows past the tiers the book has for this region
        st.error(md(f"No curve over this range of users: {err}"))
        return
    widgets.chart(charts.cost_curve, curve, key="tiers_curve")
    widgets.csv_button(
        lambda: tables.curve_frame(curve),
        "Download the curve (CSV)",
        "unitcost-cost-per-user.csv",
        key="tiers_curve_csv",
    )


# One chart at a time: tabs that rerun when picked draw only the open one (a Plotly chart costs the browser tens
# of milliseconds on every page switch and every edit).
curve_tab, share_tab = st.tabs(
    ["Cost per user as users grow", "Share of each tier's cost by feature"], key="tiers_chart", on_change="rerun"
)
if curve_tab.open:
    with curve_tab:
        draw_curve()
if share_tab.open:
    with share_tab:
        if econ:
            widgets.chart(charts.tier_share, econ, key="tiers_share")
        else:
            st.info("No tiers: add one in the table above.")

"""Overview: where the scenario comes from, and its whole monthly bill by service, feature and tier."""

import streamlit as st

from models import editing
from models.report import usd
from models.scenario import ScenarioError
from models.tiers import blended, tier_economics
from pages.shared import compute, edits, sources, state, widgets
from pricing.book import PriceError
from ui import charts
from ui.format import md, money, percent, users

ss = st.session_state
s = state.scenario()

st.title("Overview")
st.caption(f"**{md(s.name)}**, from the {md(ss.scenario_source)}. Monthly figures in USD at AWS list prices.")

# Drawn only when opened: its widgets would otherwise load their code in the browser on every cold start.
# Closed, its widgets are not drawn, so Streamlit forgets what was picked in them (nothing is loaded until clicked).
loader = st.expander(
    "Load another scenario: demo account, scenarios folder, file or AWS account", key="ov_load", on_change="rerun"
)
if loader.open:
    with loader:
        sources.source_picker("ov")
if ss.get("template_reading"):
    from ui.tables import template_frame

    with st.expander(md(f"What was read from the template {ss.template_reading.source}"), expanded=True):
        st.dataframe(template_frame(ss.template_reading), hide_index=True)
        for note in ss.template_reading.notes:
            st.caption(md(note))
if ss.get("import_report"):
    with st.expander("Report of the last AWS import"):
        st.code(ss.import_report, language=None)

# Settings: region, free tier and price book. A pending change is applied before the widgets are drawn,
# so a change the book cannot price is undone on the spot, with a message.
ed = edits.edit_session("overview")
if not ed["fresh"] and "ov_region" in ss:
    if ss.ov_book != ss.book_as_of:
        try:
            editing.validate(state.scenario_text(), "scenario", editing.book_as_of(ss.ov_book))
            ss.book_as_of = ss.ov_book
        except (ScenarioError, PriceError) as err:  # PriceError: a book file that cannot be read
            st.error(md(f"Not switched to the prices of {ss.ov_book}: {err}"))
            ss.ov_book = ss.book_as_of
    if ss.ov_region != s.region or ss.ov_free_tier != s.free_tier:
        try:
            state.set_scenario(editing.with_settings(s, state.book(), region=ss.ov_region, free_tier=ss.ov_free_tier))
            ed["rev"] = ss.rev
            s = state.scenario()
        except ScenarioError as err:
            st.error(md(f"Not applied, the scenario is unchanged. {err}"))
# Every run gives the widgets the scenario's values (an undone change shows them too): the browser drops a
# widget's value when it redraws the page (a click on the page's own link), and Streamlit resends only the values
# set through session state, so a seed-once widget could show its default and then apply it.
ss.ov_region, ss.ov_free_tier, ss.ov_book = s.region, s.free_tier, ss.book_as_of

c1, c2, c3 = st.columns([2, 2, 3])
c1.selectbox("Region", state.book().regions, key="ov_region")
c2.selectbox(
    "Prices as of",
    list(editing.price_books()),
    key="ov_book",
    help="The dated price-book snapshot used for every figure.",
)
c3.toggle(
    "Always Free tier",
    key="ov_free_tier",
    help="Lambda 1M requests and 400,000 GB-s, DynamoDB 25 GB and 25 RCU/WCU, CloudWatch Logs 5 GB, "
    "applied once across the scenario.",
)

e = compute.estimate_or_stop()

# Headline figures
costliest = max((f for f in e.features if f.cost_per_use is not None), key=lambda f: f.cost, default=None)
m = st.columns(4)
m[0].metric("Monthly total", usd(e.total))
m[1].metric("Users", users(e.users))
m[2].metric(
    "Cost per user",
    money(e.total / e.users if e.users else None),
    help="The monthly total over all users (baseline included).",
)
m[3].metric(
    "Cost per use",
    money(costliest.cost_per_use if costliest else None),
    help="Of the feature with the largest monthly cost.",
)
if costliest:
    m[3].caption(f"of **{md(costliest.name)}**, the costliest feature")
econ = tier_economics(e)
mix = blended(e)
if mix:
    b = st.columns(4)
    b[0].metric("Revenue", usd(mix.revenue), help="Every tier's users times its price, per month.")
    b[1].metric(
        "Blended margin",
        usd(mix.margin),
        delta="no revenue" if mix.margin_pct is None else f"{percent(100 * mix.margin_pct)} of revenue",
        delta_color="off" if mix.margin_pct is None else "normal",
        delta_arrow="off" if mix.margin_pct is None else "auto",
        help="All tiers together: their revenue less their cost. The % is over the revenue, so a free tier "
        "weighs in by what it costs.",
    )
    if abs(mix.baseline_cost) >= 0.005:
        b[2].metric(
            "Margin after baseline",
            usd(mix.margin_after_baseline),
            help=f"Revenue less the whole monthly bill: the baseline's {usd(mix.baseline_cost)} "
            "(uses not tied to users) included.",
        )
if econ:
    cols = st.columns(min(len(econ), 4))
    for i, t in enumerate(econ):
        if t.margin_pct is None:
            cols[i % len(cols)].metric(
                f"Margin: {md(t.name)}", usd(t.margin), delta="no revenue", delta_color="off", delta_arrow="off"
            )
        else:
            cols[i % len(cols)].metric(
                f"Margin: {md(t.name)}", usd(t.margin), delta=f"{percent(100 * t.margin_pct)} of revenue"
            )
else:
    st.info("This scenario has no pricing tiers: its usage is all baseline. Add tiers on the Tiers page.")

# Costs that span orders of magnitude (a Translate bill beside a $3 DynamoDB one) get a log axis, or the
# service chart without the dominant service.
view = charts.LINEAR
if charts.spans_magnitudes(e.services.values()) or charts.spans_magnitudes(f.cost for f in e.features):
    top = charts.dominant(e.services)
    views = [charts.LINEAR, charts.LOG, *([charts.WITHOUT_DOMINANT] if top else [])]
    labels = {charts.LINEAR: "Linear", charts.LOG: "Log scale", charts.WITHOUT_DOMINANT: f"Without {md(top)}"}
    view = st.segmented_control(
        "Charts",
        views,
        default=charts.LINEAR,
        key="ov_chart_view",
        format_func=labels.get,
        required=True,
        help="The costs span orders of magnitude: on a linear axis the largest hides the others.",
    )
    view = view if view in views else charts.LINEAR
# One chart at a time, as on the other pages: tabs that rerun when picked draw only the open one (a Plotly chart
# costs the browser 50 to 130 ms on every page switch).
builds = {
    "By service": ("chart_services", charts.by_service, (e, view)),
    "By feature": ("chart_features", charts.by_feature, (e, view)),
    **({"By tier": ("chart_tiers", charts.by_tier, (e,))} if e.tiers else {}),
}
for tab, (key, build, args) in zip(st.tabs(list(builds), key="ov_chart", on_change="rerun"), builds.values()):
    if tab.open:
        widgets.chart(build, *args, key=key, where=tab)
if e.free_tier_benefit:
    saved = ", ".join(f"{md(k)} {money(v)}" for k, v in e.free_tier_benefit.items())
    st.caption(
        f"The Always Free tier saves {money(sum(e.free_tier_benefit.values()))} a month ({saved}): its usage at "
        "the first paid price."
    )

# The figures and charts above reach the browser as they are drawn (on a cold start, the browser fetches plotly.js
# meanwhile); the tables below need pandas, whose first import in a new server process takes about half a second,
# so they are imported here, not at the top.
from ui import report, tables  # noqa: E402

# Made when shown or downloaded, not on every run
frames = {
    "services": lambda: tables.services_frame(e),
    "features": lambda: tables.features_frame(e),
    "tiers": lambda: tables.tiers_frame(econ),
    "lines": lambda: tables.lines_frame(e),
}
# One table at a time: each table is a canvas grid in the browser, and four of them slow the first paint.
shown = st.segmented_control(
    "Breakdown",
    list(frames),
    default="services",
    key="ov_breakdown",
    format_func=lambda n: {"lines": "bill lines"}.get(n, n).capitalize(),
    required=True,
)
df = frames[shown or "services"]()
widgets.table(df, key=f"ov_table_{shown}")
st.subheader("Downloads")
row = st.columns(6)
row[0].download_button(
    "Scenario (YAML)",
    state.scenario_text().encode("utf-8"),
    file_name="scenario.yaml",
    mime="application/x-yaml",
    key="ov_yaml",
    on_click="ignore",
    icon=":material/download:",
)
source = ss.scenario_source


def _report() -> bytes:
    """Made when the button is pressed: the report inlines plotly.js (about 4.8 MB)."""
    parts = [
        ("By service", frames["services"]()),
        ("By feature", frames["features"]()),
        ("By tier", frames["tiers"]()),
        ("Bill lines", frames["lines"]()),
    ]
    figures = [build(*args) for _, build, args in builds.values()]  # every chart, open or not
    return report.html_report(e, figures, parts, source=source).encode("utf-8")


row[1].download_button(
    "Report (HTML)",
    _report,
    file_name="unitcost-report.html",
    mime="text/html",
    key="ov_report",
    on_click="ignore",
    icon=":material/download:",
    help="One file with the figures, charts and tables; it opens offline.",
)
for col, (name, frame) in zip(row[2:], frames.items()):
    with col:
        widgets.csv_button(frame, f"{name.capitalize()} (CSV)", f"unitcost-{name}.csv", key=f"ov_csv_{name}")

"""Features: the bill of materials of one use of each feature, by service and component, its hidden
cost drivers, and its footprint, editable."""

import streamlit as st

from models import editing
from models.report import usd
from pages.shared import compute, edits, state, widgets
from pricing.services import with_uses
from ui import charts, tables
from ui.format import md, money

ss = st.session_state
s = state.scenario()

st.title("Features")
if not s.features:
    st.info("This scenario has no features. Add some on the Scenario page (section `features`).")
    st.stop()

features = list(s.features)
costliest = max(compute.estimate_or_stop().features, key=lambda f: f.cost).name
top = st.columns([3, 2])
edits.remember("feat_pick", costliest if costliest in features else features[0], features)
pick = top[0].selectbox("Feature", features, key="feat_pick")
edits.save_remembered()
mode = top[1].radio(
    "Price of one use",
    ["As billed this month", "List price (no free tier)"],
    horizontal=True,
    key="feat_mode",
    help="As billed: the feature's share of this month's bill (free tier and volume discounts "
    "shared by usage). List price: one more use at this month's volume once the free tier "
    "is used up.",
)
list_price = mode.startswith("List")
results = st.container()  # drawn after the footprint editor below has applied its change

# ---------------------------------------------------------------- footprint editor
st.subheader(f"Footprint of one use of {md(pick)}")
st.caption("What one use consumes. Changes apply as you make them; an invalid value is reported and not applied.")
ed = edits.edit_session("features", token=pick)
fp = editing.footprint(s, pick)
gen = ed["gen"]
if ed["fresh"]:
    ed["base"] = {
        "lambda": tables.invocations_frame(fp.get("lambda", {})),
        "ops": tables.ops_frame(fp.get("dynamodb", [])),
        "services": tables.services_use_frame(fp.get("services", {})),
    }
base = ed["base"]
number = st.column_config.NumberColumn
select = st.column_config.SelectboxColumn

c_lambda, c_api = st.columns(2)
with c_lambda:
    st.markdown("**Lambda invocations per use**")
    inv_df = st.data_editor(
        base["lambda"],
        key=f"fp_lambda_{gen}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "function": select("function", options=list(s.functions), required=True),
            "invocations": number("invocations", min_value=0.0, format="%g"),
        },
    )
ws = http = None
with c_api:
    if s.websockets:
        w = fp.get("websocket", {})
        st.markdown("**WebSocket API**")
        edits.seed(ed, "fp_ws_api", w.get("api", next(iter(s.websockets))))
        edits.seed(ed, "fp_ws_messages", float(w.get("messages", 0.0)))
        edits.seed(ed, "fp_ws_kb", float(w.get("message_kb", 1.0)))
        edits.seed(ed, "fp_ws_minutes", float(w.get("connection_minutes", 0.0)))
        a, b, c = st.columns(3)
        if len(s.websockets) > 1:
            st.selectbox("WebSocket API", list(s.websockets), key="fp_ws_api")
        a.number_input(
            "Messages",
            min_value=0.0,
            step=1.0,
            format="%g",
            key="fp_ws_messages",
            help="Sent and received per use, fan-out included (1 in + 5 out = 6).",
        )
        b.number_input(
            "Message size (KB)",
            min_value=0.0,
            max_value=128.0,
            step=1.0,
            format="%g",
            key="fp_ws_kb",
            help="Metered in 32 KB increments: a 33 KB message counts as 2.",
        )
        c.number_input("Connection minutes", min_value=0.0, step=1.0, format="%g", key="fp_ws_minutes")
        ws = {
            "api": ss.fp_ws_api,
            "messages": ss.fp_ws_messages,
            "message_kb": ss.fp_ws_kb,
            "connection_minutes": ss.fp_ws_minutes,
            "connects": float(w.get("connects", 0.0)),  # capacity only: not edited here, never dropped
        }
    if s.http_apis:
        h = fp.get("http", {})
        st.markdown("**HTTP API**")
        edits.seed(ed, "fp_http_api", h.get("api", next(iter(s.http_apis))))
        edits.seed(ed, "fp_http_requests", float(h.get("requests", 0.0)))
        edits.seed(ed, "fp_http_kb", float(h.get("request_kb", 1.0)))
        a, b = st.columns(2)
        if len(s.http_apis) > 1:
            st.selectbox("HTTP API", list(s.http_apis), key="fp_http_api")
        a.number_input("Requests", min_value=0.0, step=1.0, format="%g", key="fp_http_requests")
        b.number_input(
            "Request size (KB)",
            min_value=0.0,
            step=1.0,
            format="%g",
            key="fp_http_kb",
            help="Metered in 512 KB increments.",
        )
        http = {"api": ss.fp_http_api, "requests": ss.fp_http_requests, "request_kb": ss.fp_http_kb}

ops_df = svc_df = None
if s.tables:
    st.markdown("**DynamoDB operations per use**")
    ops_df = st.data_editor(
        base["ops"],
        key=f"fp_ops_{gen}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "table": select("table", options=list(s.tables), required=True),
            "operation": select("operation", options=["reads", "writes"], required=True),
            "count": number("count", min_value=0.0, format="%g", help="Operations per use (may be fractional)"),
            "item_kb": number(
                "item KB",
                min_value=0.0,
                format="%g",
                help="Writes: 1 WRU per KB, rounded up. Reads: 1 RRU per 4 KB, rounded up.",
            ),
            "consistency": select("consistency (reads)", options=["eventual", "strong", "transactional"]),
            "transactional": st.column_config.CheckboxColumn("transactional (writes)"),
            "gsis": number(
                "GSI writes per write", min_value=0.0, format="%g", help="Blank: the table's number of GSIs"
            ),
            "hot_key_share": number(
                "hot key share",
                min_value=0.0,
                max_value=1.0,
                format="%g",
                help="Capacity only: share of these units on the hottest partition key (blank: not checked)",
            ),
        },
    )
if s.services:
    st.markdown("**Other services per use**")
    svc_df = st.data_editor(
        base["services"],
        key=f"fp_services_{gen}",
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "service": select("service", options=list(s.services), required=True),
            "units": number("units", min_value=0.0, format="%g"),
        },
    )

# The registry's services (SQS, SNS, ...): one table of uses each, for those the scenario has resources of.
use_dfs = {}
for sv in with_uses():
    names = list(s.resources.get(sv.section, {}))
    if not names:
        continue
    st.markdown(f"**{md(sv.title)} per use**")
    config = {}
    for col, m in tables.use_columns(sv):
        if m["kind"] == "ref":
            config[col] = select(col, options=names, help=f"Blank: the only {m['what']}" if len(names) == 1 else None)
        elif m["kind"] == "choice":
            config[col] = select(col, options=list(m["choices"]), help=m["help"] or None)
        else:
            config[col] = number(col, min_value=m["low"], max_value=m["high"], format="%g", help=m["help"] or None)
    use_dfs[sv.use_key] = st.data_editor(
        ed["base"].setdefault(sv.use_key, tables.uses_frame(sv, fp.get(sv.use_key, []))),
        key=f"fp_{sv.use_key}_{gen}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=config,
    )


def edited_footprint() -> dict:
    """The edited footprint; keys no editor here shows are kept as they were, never dropped."""
    out = tables.build_footprint(inv_df, ws, http, ops_df, svc_df)
    for key, df in use_dfs.items():
        if uses := tables.uses_from_frame(by_use_key[key], df):
            out[key] = uses
    shown = {"lambda", "dynamodb", *use_dfs}
    shown |= {"websocket"} if s.websockets else set()
    shown |= {"http"} if s.http_apis else set()
    shown |= {"services"} if s.services else set()
    return {k: v for k, v in fp.items() if k not in shown} | out


by_use_key = {sv.use_key: sv for sv in with_uses()}
candidate = (
    tables.records(inv_df),
    *(tables.records(df) for df in use_dfs.values()),
    tuple(sorted(ws.items())) if ws else None,
    tuple(sorted(http.items())) if http else None,
    tables.records(ops_df) if ops_df is not None else None,
    tables.records(svc_df) if svc_df is not None else None,
)
with results:
    edits.apply_edit(
        ed,
        candidate,
        lambda: editing.with_footprint(state.scenario(), pick, edited_footprint(), state.book()),
    )

prefix = f"features.{pick}."
with st.expander(f"Ranges ({sum(r.path.startswith(prefix) for r in s.ranges)})"):
    st.caption("What one use consumes when you do not know it for sure: low, most likely (mode) and high.")
    edits.ranges_editor("feature_ranges", prefix, token=pick)

# ---------------------------------------------------------------- results (drawn above the editor)
e = compute.estimate_or_stop()
bom = compute.current_bom()
lines, drivers = bom.of(pick)
feature = next((f for f in e.features if f.name == pick), None)
with results:
    m = st.columns(4)
    m[0].metric(
        "Cost per use (as billed)",
        money(bom.cost_per_use(pick)),
        help="The feature's share of this month's bill over its uses: what the engine reports.",
    )
    m[1].metric(
        "List price per use",
        money(bom.list_cost_per_use(pick)),
        help="At this month's volume tier, without the free tier.",
    )
    m[2].metric("Uses per month", f"{bom.uses.get(pick, 0.0):,.0f}")
    m[3].metric("Monthly cost", usd(feature.cost if feature else 0.0))

    # One chart at a time: tabs that rerun when picked draw only the open one (a Plotly chart costs the browser
    # tens of milliseconds on every page switch).
    figures = {
        "This feature, by component": ("feat_components", charts.bom_components, (bom, pick, list_price)),
        "Every feature, by service": ("feat_all", charts.bom_by_feature, (bom, list_price)),
    }
    for tab, (key, build, args) in zip(st.tabs(list(figures), key="feat_chart", on_change="rerun"), figures.values()):
        if tab.open:
            widgets.chart(build, *args, key=key, where=tab)

    st.markdown("**Bill of materials of one use**")
    df = tables.bom_frame(bom, pick)
    widgets.table(df, key="feat_bom")

    st.markdown("**Hidden drivers**: billing rules that add to what the footprint suggests")
    big = [d for d in drivers if d.significant]
    for d in big:
        st.warning(
            f"**{md(d.name)}**: {md(d.explanation)}. {md(money(d.list_cost_per_use))} per use, "
            f"{d.share:.0%} of its list price.",
            icon=":material/warning:",
        )
    if drivers:
        widgets.table(tables.drivers_frame(bom, pick), key="feat_drivers")
    else:
        st.caption("None for this feature: no message or item-size rounding, GSI writes, INIT billing or logs.")
    widgets.csv_button(
        lambda: tables.bom_all_frame(bom),
        "Download the bill of materials of every feature (CSV)",
        "unitcost-bill-of-materials.csv",
        key="feat_csv",
    )

"""Compare designs: variants of the current scenario side by side, per service, feature and tier, and their
cost-vs-users curves with the points where one becomes cheaper than another."""

import streamlit as st

from models.designs import CHEAPEST, Design, suggested_capacity
from models.report import usd
from models.scenario import AUTO, ScenarioError
from models.tiers import MAX_CURVE_EXP, users_range
from pages.shared import compute, edits, state, widgets
from pricing.book import PriceError
from ui import charts, tables
from ui.format import md

ss = st.session_state
s = state.scenario()
e = compute.estimate_or_stop()
remember = edits.remember

st.title("Compare designs")
st.caption(
    "Each alternative changes some settings of the current scenario; everything else stays as it is. "
    "'keep' leaves a setting unchanged."
)

KEEP = "keep"
cheapest = compute.cheapest_memories()  # the functions whose duration_ms says how it scales with memory
MEMORY = [KEEP, *([CHEAPEST] if cheapest else []), 128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 6144, 8192, 10240]
functions = ["all functions", *s.functions]
tables_ = ["all tables", *s.tables]
presets = ["http_polling" if s.websockets else "arm64", "provisioned" if s.tables else "arm64", "arm64"]

if cheapest:
    st.subheader("Cheapest memory")
    st.caption(
        "For each function whose duration_ms says how it scales with memory ({at_mb, ms, cpu_share}): the "
        "memory at which this month's bill is lowest, the rest of the scenario as it is. The CPU-bound share of "
        "the duration scales with the CPU that memory buys (1,769 MB is one vCPU; a single thread gains nothing "
        "above it); measure it at a few sizes (AWS Lambda Power Tuning) for a better answer. Choose Memory: "
        "'cheapest' in an alternative to compare it."
    )
    for i, (name, c) in enumerate(cheapest.items()):
        best, now = c.memory_mb, c.current_mb
        if best == now:
            text = f"**{md(name)}**: its {now:,} MB is already the cheapest ({md(usd(c.totals[now]))} a month)."
        else:
            text = (
                f"**{md(name)}**: **{best:,} MB** is the cheapest, {md(usd(c.totals[best]))} a month: "
                f"{md(usd(c.saving))} less than at its {now:,} MB, at {c.durations_ms[best]:,.4g} ms per "
                f"invocation instead of {c.durations_ms[now]:,.4g} ms."
            )
        if c.too_slow:
            text += f" Left out: {', '.join(f'{m:,}' for m in c.too_slow)} MB (over the 15-minute timeout)."
        st.markdown(text)
        with st.expander(f"Every memory tried for {md(name)}"):
            widgets.table(tables.memory_frame(c), key=f"des_memory_{i}")

remember("des_count", 1, [1, 2, 3])
count = st.segmented_control("Alternatives", [1, 2, 3], key="des_count", required=True) or 1


def design_form(i: int) -> Design:
    k = f"des{i}_"
    preset = presets[i]
    remember(k + "name", chr(ord("A") + i))
    name = st.text_input("Name", key=k + "name", max_chars=30).strip() or chr(ord("A") + i)

    st.markdown("**Lambda**")
    remember(k + "fn", functions[0], functions)
    fn = st.selectbox("Function", functions, key=k + "fn")
    a, b = st.columns(2)
    remember(k + "arch", "arm64" if preset == "arm64" else KEEP, [KEEP, "x86_64", "arm64"])
    arch = a.selectbox("Architecture", [KEEP, "x86_64", "arm64"], key=k + "arch")
    remember(k + "mem", KEEP, MEMORY)
    mem = b.selectbox("Memory (MB)", MEMORY, key=k + "mem")
    remember(k + "dur", None)
    # A cleared field comes back from the browser as its minimum, so 0 means "keep" as blank does.
    dur = (
        a.number_input(
            "Duration (ms)", min_value=0.0, max_value=900_000.0, step=10.0, key=k + "dur", help="Blank or 0: keep"
        )
        or None
    )
    remember(k + "cpu", False)
    cpu = b.checkbox(
        "CPU-bound", key=k + "cpu", help="Duration scales with 1/memory when memory changes and no duration is given."
    )
    remember(k + "pc", False)
    pc_auto = a.checkbox(
        "Provisioned concurrency sized to the load",
        key=k + "pc",
        help="At every user count: max(1, ceil(peak concurrency / 0.7)) environments all month, serving the "
        "function's invocations at the provisioned rate (README, Capacity).",
    )

    table = capacity = table_class = None
    rcu = wcu = None
    if s.tables:
        st.markdown("**DynamoDB**")
        remember(k + "table", tables_[0], tables_)
        table = st.selectbox("Table", tables_, key=k + "table")
        table = None if table == tables_[0] else table
        a, b = st.columns(2)
        caps = [KEEP, "on_demand", "provisioned"]
        remember(k + "cap", "provisioned" if preset == "provisioned" else KEEP, caps)
        capacity = a.selectbox("Capacity mode", caps, key=k + "cap")
        classes = [KEEP, "standard", "standard_ia"]
        remember(k + "class", KEEP, classes)
        table_class = b.selectbox("Table class", classes, key=k + "class")
        if capacity == "provisioned":
            remember(k + "auto", True)
            auto = st.toggle(
                "Auto scaling (sized to the load)",
                key=k + "auto",
                help="At every user count: max(1, ceil(peak units per second / 0.7)), as DynamoDB auto scaling "
                "with its default 70% target",
            )
            if auto:
                rcu = wcu = AUTO
                st.caption("The capacity follows the load in the curves below, in whole units.")
            else:
                r, w = suggested_capacity(s, table)
                remember(k + "rcu", float(r))
                remember(k + "wcu", float(w))
                rcu = a.number_input(
                    "Read capacity (RCU)",
                    min_value=0.0,
                    step=1.0,
                    format="%g",
                    key=k + "rcu",
                    help=f"Suggested: {r} (this month's reads per second on average, x2)",
                )
                wcu = b.number_input(
                    "Write capacity (WCU)",
                    min_value=0.0,
                    step=1.0,
                    format="%g",
                    key=k + "wcu",
                    help=f"Suggested: {w} (this month's writes per second on average, x2)",
                )
                st.caption("Fixed provisioned capacity does not grow with users: past its limit the curve is dotted.")

    transport, interval, poll_table, batch, fan_out = "websocket", 10.0, None, 1.0, 1.0
    if s.websockets:
        st.markdown("**WebSocket**")
        options = ["websocket", "http_polling"]
        remember(k + "transport", "http_polling" if preset == "http_polling" else "websocket", options)
        transport = st.radio(
            "Transport",
            options,
            key=k + "transport",
            horizontal=True,
            format_func={"websocket": "WebSocket push", "http_polling": "HTTP polling"}.get,
        )
        a, b = st.columns(2)
        if transport == "http_polling":
            remember(k + "interval", 10.0)
            interval = a.number_input(
                "Poll interval (s)", min_value=0.5, max_value=3600.0, step=1.0, format="%g", key=k + "interval"
            )
            polls = ["none", *s.tables]
            remember(k + "poll_table", polls[1] if len(polls) > 1 else "none", polls)
            pt = b.selectbox("Each poll reads 1 KB from", polls, key=k + "poll_table")
            poll_table = None if pt == "none" else pt
            st.caption(
                "Each use that sent messages sends one HTTP request instead; each connected minute polls "
                "60 / interval times (a request, a 128 MB poll function of 20 ms, and the read)."
            )
        else:
            remember(k + "batch", 1.0)
            batch = a.number_input(
                "Messages per frame (batching)", min_value=1.0, max_value=100.0, step=1.0, format="%g", key=k + "batch"
            )
            remember(k + "fanout", 1.0)
            fan_out = b.number_input(
                "Fan-out x", min_value=0.0, max_value=1000.0, step=0.5, format="%g", key=k + "fanout"
            )
    event = event_choices(k, name)
    return Design(
        name=name,
        function=None if fn == functions[0] else fn,
        architecture=None if arch == KEEP else arch,
        memory_mb=None if mem == KEEP else mem if mem == CHEAPEST else int(mem),
        duration_ms=dur,
        cpu_bound=cpu,
        provisioned=AUTO if pc_auto else None,
        table=table,
        capacity=None if capacity in (None, KEEP) else capacity,
        read_capacity=rcu,
        write_capacity=wcu,
        table_class=None if table_class in (None, KEEP) else table_class,
        batch=batch,
        fan_out=fan_out,
        transport=transport,
        poll_interval_s=interval,
        poll_table=poll_table,
        **event,
    )


def event_choices(k: str, name: str) -> dict:
    """The event-driven choices the scenario has resources for (SNS or EventBridge, Standard or Express,
    SQS batch size, a function as glue or a direct integration)."""
    out: dict = {}
    r = s.resources
    if r.get("topics") or r.get("event_buses") or r.get("state_machines") or r.get("queues"):
        st.markdown("**Event-driven**")
    a, b = st.columns(2)
    if r.get("topics") or r.get("event_buses"):
        via = [KEEP, "sns", "eventbridge"]
        remember(k + "via", KEEP, via)
        names = {"sns": "SNS", "eventbridge": "EventBridge"}
        choice = a.selectbox("Fan-out via", via, key=k + "via", format_func=lambda v: names.get(v, v))
        out["fan_out_via"] = None if choice == KEEP else choice
        if choice == "sns" and r.get("event_buses"):
            remember(k + "targets", 1.0)
            out["targets"] = b.number_input("Lambda deliveries per publish", 0.0, 100.0, step=1.0, key=k + "targets")
    if r.get("state_machines"):
        types = [KEEP, "standard", "express"]
        remember(k + "sfn", KEEP, types)
        choice = a.selectbox("Step Functions", types, key=k + "sfn")
        out["machine_type"] = None if choice == KEEP else choice
        if choice == "standard":
            remember(k + "transitions", 0.0)
            out["transitions"] = (
                b.number_input(
                    "Transitions per execution", 0.0, 10_000.0, step=1.0, key=k + "transitions", help="0: keep"
                )
                or None
            )
        elif choice == "express":
            remember(k + "sfn_ms", 0.0)
            out["sfn_duration_ms"] = (
                b.number_input(
                    "Duration per execution (ms)", 0.0, 300_000.0, step=100.0, key=k + "sfn_ms", help="0: keep"
                )
                or None
            )
    if r.get("queues"):
        remember(k + "batch_sqs", 0.0)
        out["sqs_batch"] = (
            a.number_input("SQS messages per call", 0.0, 10.0, step=1.0, key=k + "batch_sqs", help="1 to 10; 0: keep")
            or None
        )
    if s.functions:
        glue = ["none", *s.functions]
        remember(k + "glue", "none", glue)
        choice = b.selectbox(
            "Direct integration instead of", glue, key=k + "glue",
            help="API Gateway or EventBridge Pipes straight to the target: this function's invocations go",
        )  # fmt: skip
        out["glue"] = None if choice == "none" else choice
    return out


cols = st.columns(3)
designs = []
for i in range(count):
    with cols[i].container(border=True):
        designs.append(design_form(i))

lo, hi = users_range(e.users)
options = [10**i for i in range(0, MAX_CURVE_EXP + 1)]
# A range slider takes its value as an argument (set through session state it loses its range-ness).
span = st.select_slider(
    "Users for the curves (tiers keep their share)",
    options=options,
    key="des_range",
    value=ss.get("des_range_saved", (int(lo), int(hi))),
    format_func=lambda x: f"{x:,}",
)
ss.des_range_saved = span
edits.save_remembered()

names = ["current", *(d.name for d in designs)]
if len(set(names)) != len(names):
    st.error("Give every alternative its own name (and not 'current').")
    st.stop()
users_from, users_to = float(span[0]), float(span[1])
if e.users <= 0:
    st.info("The curves need users: give a tier some users on the Tiers page. Today's bills are compared below.")
    users_from = users_to = None
elif span[0] >= span[1]:
    st.error("Pick a range of users with two different ends.")
    st.stop()
try:
    cmp = compute.comparison(tuple(designs), users_from, users_to)
except ScenarioError as err:
    st.error(md(f"This design does not make a valid scenario: {err}"))
    st.stop()
except PriceError as err:  # e.g. the curves grow past the tiers the book has for this region
    st.error(md(f"Cannot price this comparison: {err}"))
    st.stop()

# Today, side by side
m = st.columns(len(cmp.names))
base = cmp.estimates[0].total
for col, name, est, d in zip(m, cmp.names, cmp.estimates, [None, *designs]):
    delta = None if d is None else f"{est.total - base:+,.2f} USD vs current"
    col.metric(f"{md(name)}: monthly total", usd(est.total), delta=delta, delta_color="inverse")
    col.caption("as it is" if d is None else md("; ".join(d.changes())))

if not cmp.users.size:
    pass
elif cmp.crossovers:
    shown = cmp.crossovers if len(cmp.crossovers) <= 4 else [*cmp.crossovers[:2], cmp.crossovers[-1]]
    for c in shown:
        other = c.b if c.cheaper_below == c.a else c.a
        st.info(
            f"**{md(c.a)}** and **{md(c.b)}** cross at **{c.users:,.0f} users** ({md(usd(c.total))} a month): "
            f"below that {md(c.cheaper_below)} is cheaper, above it {md(other)}."
            + (f" Note: {md(c.note)}." if c.note else "")
        )
    if len(shown) < len(cmp.crossovers):
        st.caption(
            f"{len(cmp.crossovers)} crossings in all (capacity that steps with the load crosses a smooth curve "
            "again and again): every one is in the Crossovers table below."
        )
else:
    st.caption(
        f"No crossover between {span[0]:,} and {span[1]:,} users: the order of the variants does not "
        "change in that range."
    )

for name, at, limit in zip(cmp.names, cmp.limit_users or [], cmp.limit_names or []):
    if at is not None and cmp.users.size and at < cmp.users[-1]:
        st.warning(f"**{md(name)}** cannot serve more than **{at:,.0f} users**: {md(limit)} is reached there.")

# One chart and one table at a time: tabs that rerun when picked draw only the open one (each Plotly chart and
# table grid costs the browser tens of milliseconds on every page switch).
curves = {
    "Monthly cost": ("des_total", charts.design_curves, dict(per_user=False, today_users=e.users)),
    "Difference": ("des_diff", charts.design_differences, dict(today_users=e.users)),
    "Cost per user": ("des_per_user", charts.design_curves, dict(per_user=True, today_users=e.users)),
}
figures = {
    **(curves if cmp.users.size else {}),
    "Cost by service": ("des_services", charts.design_services, {}),
}
for tab, (key, build, kw) in zip(st.tabs(list(figures), key="des_chart", on_change="rerun"), figures.values()):
    if tab.open:
        widgets.chart(build, cmp, key=key, where=tab, **kw)

frames = {
    "services": lambda: tables.comparison_frames(cmp)["services"],
    "features": lambda: tables.comparison_frames(cmp)["features"],
    "tiers": lambda: tables.comparison_frames(cmp)["tiers"],
    "crossovers": lambda: tables.crossovers_frame(cmp),
}
labels = ["By service", "By feature", "By tier", "Crossovers"]
for tab, (name, frame) in zip(st.tabs(labels, key="des_tables", on_change="rerun"), frames.items()):
    if tab.open:
        df = frame()
        with tab:
            widgets.table(df, key=f"des_table_{name}")
            widgets.csv_button(df, f"Download ({name}, CSV)", f"unitcost-designs-{name}.csv", key=f"des_csv_{name}")
widgets.csv_button(
    lambda: tables.comparison_curves_frame(cmp),
    "Download the curves (CSV)",
    "unitcost-designs-curves.csv",
    key="des_csv_curves",
)

st.subheader("Adopt a design")
pick = st.selectbox("Make this variant the current scenario", cmp.names[1:], key="des_adopt")
if st.button("Adopt", key="des_adopt_go"):
    i = cmp.names.index(pick)
    state.set_scenario(cmp.scenarios[i], source=f"design {pick} of {ss.scenario_source}")
    state.flash("success", f"Design {pick} is now the current scenario.")
    st.rerun()

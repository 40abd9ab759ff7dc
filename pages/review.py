"""Monthly review: for one month, what the model expected, what CloudWatch metered and what AWS billed, the
likely causes of the difference, unit costs over the saved months, and the report to take to the meeting.

Reads the session's scenario (set up by app.py, or by a stand-in entry script in the tests).
Every review is saved to the history database (models/history.py); the arithmetic is in models/review.py and
the AWS calls in usage/review_run.py.
"""

from datetime import UTC, datetime

import streamlit as st

from errors import UnitcostError
from models.history import History, HistoryError, distinct_notes
from models.report import usd
from models.review import recent_months
from models.scenario import Scenario
from pages.shared import state, widgets
from ui import review_report as rr
from ui.format import md, money, sentence

ss = st.session_state


def _scenario() -> tuple[Scenario, str, str]:
    s = state.scenario()
    return s, state.scenario_text(), ss.get("scenario_source", "the app")


def _book():
    """The price book the other pages use (chosen on Overview); the newest without app.py (the tests' stand-in)."""
    return state.book() if "book_as_of" in ss else None


def _history() -> History:
    return History(ss.get("review_history_path"))


def _run(s: Scenario, text: str, month: str, demo: bool, **kw) -> None:
    from commands.review import run_month

    try:
        with st.spinner(md(f"Reviewing {month}...")):
            run = run_month(s, month, scenario_yaml=text, demo=demo, history=_history(), book=_book(), **kw)
    except UnitcostError as err:
        st.error(md(f"The review of {month} did not run: {err}"))
        return
    ss.review_current = rr.OpenReview(run.review, run.review_id, kw.get("notes", ""), run.messages)


def _delete(history: History, review_id: int) -> None:
    """Delete a saved review (a button callback: runs before the page, so the confirmation can be reset)."""
    try:
        history.delete(review_id)
    except HistoryError as err:
        ss.rv_delete_error = err.message
    ss.rv_delete_sure = False
    if ss.get("review_current") and ss.review_current.id == review_id:
        ss.review_current = None


s, text, source = _scenario()
st.title("Monthly review")
st.caption(
    f"**{md(s.name)}** ({md(source)}) against one month's bill: modelled, metered by CloudWatch, billed by AWS. "
    "USD at list prices."
)

with st.container(border=True):
    kind = st.radio(
        "Bill and metrics from",
        ["Demo account", "AWS account", "Cost and Usage Report"],
        horizontal=True,
        key="rv_source",
        help="The demo account needs no credentials. An AWS account is read with Cost Explorer "
        "(ce:GetCostAndUsage, $0.01 per request, cached in the history database) and CloudWatch. "
        "A Cost and Usage Report (CUR 2.0 or FOCUS 1.2 Parquet, a file or a Data Exports folder) is read "
        "locally with DuckDB, at no AWS cost.",
    )
    demo = kind == "Demo account"
    from_cur = kind == "Cost and Usage Report"
    if demo:
        from commands.review import demo_months

        months = demo_months()[::-1]
    else:
        months = recent_months(datetime.now(UTC).date(), 13)
    with st.form("rv_form"):
        c1, c2, c3 = st.columns([1, 1, 2])
        month = c1.selectbox("Month", months, key="rv_month")
        users = c2.number_input(
            "Users in the month (0: from the scenario or metric)", min_value=0, value=0, step=100, key="rv_users"
        )
        notes = c3.text_input("Notes saved with the review", key="rv_notes")
        extra: dict = {}
        if from_cur:
            c1, c2, c3, c4 = st.columns(4)
            cur = c1.text_input("Parquet file or folder", key="rv_cur")
            tag = c2.text_input("Cost-allocation tag (KEY=VALUE, optional)", key="rv_tag")
            profile = c3.text_input("AWS profile for CloudWatch (optional)", key="rv_profile")
            skip = c4.checkbox("Skip the CloudWatch import", value=True, key="rv_cur_skip_metrics")
            extra = {
                "cur": cur.strip(),
                "tag": tag.strip() or None,
                "profile": profile.strip() or None,
                "metrics": not skip,
            }
        elif not demo:
            c1, c2, c3, c4 = st.columns(4)
            tag = c1.text_input("Cost-allocation tag (KEY=VALUE, optional)", key="rv_tag")
            metric = c2.text_input(
                "Users from a CloudWatch metric (NAMESPACE:METRIC[:STAT], optional)", key="rv_users_metric"
            )
            profile = c3.text_input("AWS profile (optional)", key="rv_profile")
            refresh = c4.checkbox("Ask Cost Explorer again ($0.01 per request)", key="rv_refresh")
            skip = c4.checkbox("Skip the CloudWatch import", key="rv_skip_metrics")
            extra = {
                "tag": tag.strip() or None,
                "users_metric": metric.strip() or None,
                "profile": profile.strip() or None,
                "refresh": refresh,
                "metrics": not skip,
            }
        go = st.form_submit_button("Run the review", key="rv_run", type="primary")
    if go and from_cur and not extra["cur"]:
        st.error("Give the Cost and Usage Report's Parquet file or folder.")
    elif go:
        _run(s, text, month, demo, users=float(users) or None, notes=notes, **extra)

history = _history()
unreadable: list[str] = []  # saved reviews that cannot be read: named, and left out of the list
try:
    saved = history.list(skipped=unreadable)
except HistoryError as err:
    st.error(md(f"Cannot read the saved reviews: {err.message}"))
    saved = []
for note in unreadable:  # the page cannot open or delete it: the command line can
    st.warning(md(f"{sentence(note)}.") + " `cli.py review delete` with its number removes it.")
with st.expander(md(f"Saved reviews ({len(saved)}) in {history.path}"), expanded=not ss.get("review_current")):
    if saved:
        labels = {r.id: r.label() for r in saved}
        pick = st.selectbox("Review", list(labels), format_func=labels.get, key="rv_pick")
        b1, b2, b3, _ = st.columns([1, 1, 2, 3])
        sure = b3.checkbox("Yes, delete it", key="rv_delete_sure")
        if b1.button("Open", key="rv_open"):
            try:
                rec = history.get(pick)
                message = f"Review #{rec.id}, saved {rec.created_at}."
                ss.review_current = rr.OpenReview(rec.review, rec.id, rec.notes, [message])
            except HistoryError as err:
                st.error(md(err.message))
        b2.button(
            "Delete",
            key="rv_delete",
            disabled=not sure,
            help="Tick 'Yes, delete it' first",
            on_click=_delete,
            args=(history, pick),
        )
        if ss.get("rv_delete_error"):
            st.error(md(ss.pop("rv_delete_error")))
    else:
        st.caption("No saved reviews yet: run one above.")


def _show(current: rr.OpenReview, history: History) -> None:
    r = current.review
    u = r.unit_costs
    review_id = f" (review #{current.id})" if current.id else ""
    st.subheader(f"{md(r.month)}: {md(r.scenario_name)}{review_id}")
    for m in current.messages:
        st.caption(md(m))
    if r.estimated:
        st.warning(md(f"Cost Explorer marks {r.month} as estimated: the bill is not final yet."))
    cols = st.columns(5)
    cols[0].metric("Modelled", usd(r.total_modelled))
    cols[1].metric("Metered at list prices", usd(r.total_metered))
    cols[2].metric("Billed", usd(r.total_billed))
    cols[3].metric(
        "Variance",
        usd(r.variance),
        delta=f"{r.variance / r.total_modelled:+.1%} of the model" if r.total_modelled else None,
        delta_color="inverse",
    )
    cols[4].metric(
        "Cost per user (billed)",
        money(u.get("cost_per_user")),
        help=md(f"{u['users']:,.0f} users ({u['users_source']})") if u.get("users") else "no user count",
    )

    left, right = st.columns(2)
    widgets.chart(rr.waterfall_figure, r, key="rv_waterfall", where=left)
    widgets.chart(rr.variance_figure, r, key="rv_variance", where=right)

    st.markdown("**Reconciliation** (per service and usage type; variance = billed - modelled)")
    widgets.table(rr.lines_frame(r), key="rv_lines")
    with st.expander("Causes, with their amounts"):
        widgets.table(rr.causes_frame(r), key="rv_causes")
    for n in r.notes:
        st.caption(md(f"Note: {n}"))

    tiers, features = rr.unit_cost_frames(r)
    t1, t2 = st.columns(2)
    with t1:
        st.markdown("**Cost per user, by tier**")
        widgets.table(tiers, key="rv_tiers")
    with t2:
        st.markdown("**Cost per use, by feature**")
        widgets.table(features, key="rv_features")

    skipped: list[str] = []  # a saved month that cannot be read is left out of the trend, and named
    try:
        trend = history.compare(r.scenario_name, skipped)
    except HistoryError as err:
        st.error(md(err.message))
        trend = []
    for note in distinct_notes(skipped, said=unreadable):  # not twice for one review
        st.warning(md(f"{sentence(note)}."))
    st.markdown("**Unit costs across saved months** (the latest review of each month)")
    if trend:
        widgets.chart(rr.trend_figure, trend, key="rv_trend")
        widgets.table(rr.trend_frame(trend), key="rv_trend_table")
    else:
        st.caption("Save reviews of other months to see the trend.")

    def _report() -> bytes:
        return rr.review_html(r, trend, notes=current.notes).encode("utf-8")

    def _csv() -> bytes:
        return rr.lines_frame(r).to_csv(index=False).encode("utf-8")

    d1, d2 = st.columns(2)
    d1.download_button(
        "Report (one HTML file, opens offline)",
        _report,
        file_name=f"unitcost-review-{r.month}.html",
        mime="text/html",
        key="rv_report",
        on_click="ignore",
        icon=":material/download:",
    )
    d2.download_button(
        "Reconciliation (CSV)",
        _csv,
        file_name=f"unitcost-review-{r.month}.csv",
        mime="text/csv",
        key="rv_csv",
        on_click="ignore",
        icon=":material/download:",
    )


current = ss.get("review_current")
if current:
    _show(current, history)
else:
    st.info("Pick a month and run the review, or open a saved one.")

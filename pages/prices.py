"""Prices: the price book in use (region, component, unit, tiers, price, as-of date, source), what changed
between two books and what that does to the current scenario, and a refresh from the AWS Price List."""

import contextlib
import io

import pandas as pd
import streamlit as st

from models.engine import estimate
from pages import common
from pricing.book import BOOKS_DIR, PriceError, book_sort_key, load
from pricing.diff import UNCHANGED, diff_books
from usage.aws import has_credentials

common.ensure_frame("Prices")  # first: Streamlit may run this file without app.py

book = common.book()
s = common.scenario()
st.title("Prices")
st.caption(
    f"List prices in USD as of **{book.as_of}**, from `{BOOKS_DIR.name}/{book.path.rsplit('/', 1)[-1]}`. {book.read}"
)

regions = ["global", *book.regions]
region = st.selectbox(
    "Region",
    regions,
    index=regions.index(s.region) if s.region in regions else 0,
    key="prices_region",
    help="'global' holds the Always Free allowances",
)
rows = pd.DataFrame([r for r in book.rows() if r["region"] == region])
rows["source"] = rows["source"].map(lambda k: f"{k}: {book.sources.get(k, '')}")
st.dataframe(rows.drop(columns=["region"]), hide_index=True, width="stretch", key="prices_table")

st.subheader("What changed between two books")
books = sorted(BOOKS_DIR.glob("*.json"), key=book_sort_key)
if len(books) < 2:
    st.info("Only one price book so far. A refresh writes a new dated book beside it; then compare them here.")
else:
    names = [p.name for p in books]
    left, right = st.columns(2)
    old_name = left.selectbox("Old", names, index=len(names) - 2, key="prices_old")
    new_name = right.selectbox("New", names, index=len(names) - 1, key="prices_new")
    try:
        old, new = load(BOOKS_DIR / old_name), load(BOOKS_DIR / new_name)
    except PriceError as e:
        st.error(str(e))
        st.stop()
    changes = [c for c in diff_books(old, new) if c.status != UNCHANGED]
    if not changes:
        st.success("No price differs between these books.")
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "region": c.region,
                        "service": c.service,
                        "component": c.component,
                        "status": c.status,
                        "tiers": "; ".join(f"{t.old or '-'} -> {t.new or '-'}" for t in c.tiers if not t.same),
                    }
                    for c in changes
                ]
            ),
            hide_index=True,
            width="stretch",
            key="prices_diff",
        )
    totals = []
    for b in (old, new):
        try:
            totals.append(estimate(s, b).total)
        except PriceError as e:
            totals.append(None)
            st.warning(f"{b.as_of}: {e}")
    if None not in totals:
        st.metric(
            f"{s.name}: monthly total with {new_name}",
            f"${totals[1]:,.2f}",
            f"{totals[1] - totals[0]:+,.2f} USD vs {old_name}",
            delta_color="inverse",
        )

st.subheader("Refresh from the AWS Price List")
if not has_credentials():
    st.caption(
        "Needs AWS credentials with pricing:GetProducts (read-only). From a shell: "
        "`cli.py prices refresh --region REGION`, or `--from-file` with downloaded offer files."
    )
elif st.button(f"Refresh {s.region} prices", key="prices_refresh"):
    from usage.cli_prices import main as prices_main

    out, err = io.StringIO(), io.StringIO()
    with st.status(f"Reading the Price List for {s.region}...", expanded=True) as status:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = prices_main(["refresh", "--region", s.region])
        st.code((err.getvalue() + out.getvalue()).strip() or "(no output)")
        if code == 0:
            status.update(label="Refreshed: the newest book is used from now on", state="complete")
            from pricing.book import default_book

            default_book.cache_clear()
        else:
            status.update(label="The refresh failed; the price book is unchanged", state="error")

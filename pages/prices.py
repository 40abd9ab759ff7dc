"""Prices: the price book in use (region, component, unit, tiers, price, as-of date, source), what changed
between two books and what that does to the current scenario, and a refresh from the AWS Price List."""

import pandas as pd
import streamlit as st

from commands.prices import has_credentials
from errors import UnitcostError
from models import editing
from models.engine import estimate
from models.scenario import ScenarioError
from models.scenario import load as load_scenario
from pages.shared import state, widgets
from pricing.book import PriceError, book_paths, books_dir, load
from pricing.diff import UNCHANGED, diff_books, scenario_changes
from ui import tables
from ui.format import PERCENT, USD, declare, md

book = state.book()
s = state.scenario()
st.title("Prices")
st.caption(
    f"List prices in USD as of **{md(book.as_of)}**, from {md(book.path.rsplit('/', 1)[-1])} in {md(books_dir())}. "
    + md(book.read)
)

regions = ["global", *book.regions]
region = st.selectbox(
    "Region",
    regions,
    index=regions.index(s.region) if s.region in regions else 0,
    key="prices_region",
    help="'global' holds the Always Free allowances",
)
rows = tables.price_rows_frame([r for r in book.rows() if r["region"] == region])
rows["source"] = rows["source"].map(lambda k: f"{k}: {book.sources.get(k, '')}")
st.dataframe(rows.drop(columns=["region"]), hide_index=True, width="stretch", key="prices_table")

st.subheader("What changed between two books")
books = book_paths()
if len(books) < 2:
    st.info("Only one price book so far. A refresh writes a new dated book beside it; then compare them here.")
else:
    names = [p.name for p in books]
    left, right = st.columns(2)
    old_name = left.selectbox("Old", names, index=len(names) - 2, key="prices_old")
    new_name = right.selectbox("New", names, index=len(names) - 1, key="prices_new")
    try:
        old, new = load(books_dir() / old_name), load(books_dir() / new_name)
    except PriceError as e:
        st.error(md(e))
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
    # The current scenario and every saved one, under each book.
    saved = sorted(str(p) for p in state.scenarios_dir().glob("*.y*ml"))
    current = "(current scenario)"

    def total(name: str, b) -> float:
        return estimate(s if name == current else load_scenario(name), b).total

    scenario_rows = scenario_changes([current, *saved], old, new, total, (PriceError, ScenarioError))
    money_cols = [f"total USD ({old_name})", f"total USD ({new_name})", "change USD"]
    widgets.table(
        declare(
            pd.DataFrame(
                [
                    {
                        "scenario": r.scenario if r.scenario == current else r.scenario.rsplit("/", 1)[-1],
                        money_cols[0]: r.old_total,
                        money_cols[1]: r.new_total,
                        money_cols[2]: r.change,
                        "change %": r.change_pct,
                        "cannot price": r.new_error or r.old_error or "",
                    }
                    for r in scenario_rows
                ],
                columns=["scenario", *money_cols, "change %", "cannot price"],
            ),
            dict.fromkeys(money_cols, USD) | {"change %": PERCENT},
        ),
        key="prices_scenarios",
        width="stretch",
    )

st.subheader("Refresh from the AWS Price List")
if not has_credentials():
    st.caption(
        "Needs AWS credentials with pricing:GetProducts (read-only). From a shell: "
        "`cli.py prices refresh --region REGION`, or `--from-file` with downloaded offer files."
    )
elif st.button(md(f"Refresh {s.region} prices"), key="prices_refresh"):
    from commands.prices import refresh_book

    notes: list[str] = []
    with st.status(md(f"Reading the Price List for {s.region}..."), expanded=True) as status:
        try:
            done = refresh_book(region=[s.region], say=notes.append)
        except UnitcostError as e:
            done = None
            notes.append(f"error: {e}")
        st.code("\n".join(notes + (done.summary if done else [])) or "(no output)")
        if done is not None:
            status.update(label="Refreshed: this session now uses the new book", state="complete")
            from pricing.book import default_book

            default_book.cache_clear()
            newest = next(iter(editing.price_books()))
            try:  # every page uses the new book, if it prices the scenario
                editing.validate(state.scenario_text(), "scenario", editing.book_as_of(newest))
                st.session_state.book_as_of = newest
            except (ScenarioError, PriceError) as err:
                st.warning(md(f"Kept the prices of {book.as_of} for this scenario: {err}"))
        else:
            status.update(label="The refresh failed; the price book is unchanged", state="error")

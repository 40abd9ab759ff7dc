"""unitcost web app: the router and the frame. The pages are thin; the arithmetic lives in models/ and
pricing/, the shared state and cached computations in pages/shared/.

Navigation sections leave room for the pages other issues add (Capacity, Monthly review): add their
st.Page entries to PAGES. A page run that did not come through here (Streamlit's legacy pages/ folder
mode) runs this file first: pages/shared/state.py, `_through_app`.
"""

import logging
import traceback

import streamlit as st

from errors import UnitcostError
from pages.shared import state
from ui.format import md

st.set_page_config(page_title="unitcost", page_icon=":material/payments:", layout="wide")

PAGES = {
    "Estimate": [
        st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:", default=True),
        st.Page("pages/tiers.py", title="Tiers", icon=":material/sell:", url_path="tiers"),
        st.Page("pages/features.py", title="Features", icon=":material/receipt_long:", url_path="features"),
        st.Page("pages/designs.py", title="Compare designs", icon=":material/compare_arrows:", url_path="designs"),
        st.Page("pages/plan.py", title="Plan", icon=":material/timeline:", url_path="plan"),
    ],
    "Limits and prices": [
        st.Page("pages/capacity.py", title="Capacity", icon=":material/speed:", url_path="capacity"),
        st.Page("pages/prices.py", title="Prices", icon=":material/price_change:", url_path="prices"),
    ],
    "Cost review": [
        st.Page("pages/review.py", title="Monthly review", icon=":material/fact_check:", url_path="review"),
    ],
    "Scenario file": [
        st.Page("pages/scenario.py", title="Scenario", icon=":material/description:", url_path="scenario"),
    ],
}

page = st.navigation(PAGES)
ss = st.session_state

with state.frame(page.title):
    side = st.sidebar.container()  # filled after the page ran, so it shows the page's own changes
    try:
        page.run()
    except UnitcostError as e:  # bad input or an unusable resource the page did not handle itself: one sentence
        st.error(md(f"{e}. The scenario is unchanged."))
    except Exception as e:  # the last guard: a person sees one sentence, the server log keeps the traceback
        logging.getLogger("unitcost").error("page %s failed:\n%s", page.title, traceback.format_exc())
        st.error(
            md(
                f"Something went wrong on this page ({type(e).__name__}: {e}). The scenario is unchanged; "
                "the details are in the server log."
            )
        )

    s = state.scenario()
    side.markdown(f"**{md(s.name)}**")
    side.caption(
        md(
            f"{ss.scenario_source} · {s.region} · Always Free tier {'on' if s.free_tier else 'off'} · "
            f"list prices as of {state.book().as_of} (USD)"
        )
    )

"""unitcost web app: the router and frame. Pages are thin; the arithmetic lives in models/ and pricing/."""

from pathlib import Path

import streamlit as st

from models.scenario import load
from pricing.book import default_book

ROOT = Path(__file__).parent
DEFAULT_SCENARIO = ROOT / "examples" / "positive-chat.yaml"

st.set_page_config(page_title="unitcost", layout="wide")

# Shared state: the current scenario (the last valid one) and the price book, set up once per session.
if "scenario" not in st.session_state:
    st.session_state.scenario = load(DEFAULT_SCENARIO)
    st.session_state.scenario_source = "built-in example: Positive Chat"
book = default_book()

st.sidebar.caption(f"Prices as of {book.as_of} (USD, list prices)")

page = st.navigation([st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:", default=True)])
page.run()

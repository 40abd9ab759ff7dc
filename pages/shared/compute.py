"""The computations the pages show, cached per scenario (by digest) and price book."""

from __future__ import annotations

import streamlit as st

from models import editing
from models.bom import Bom, bill_of_materials
from models.designs import Comparison, Design, MemoryChoice, apply, cheapest_memory, compare
from models.engine import Estimate
from models.scenario import Scenario, ScenarioError
from models.tiers import Curve, cost_curve
from pricing.book import PriceError
from ui.format import md

ss = st.session_state


# ---------------------------------------------------------------- cached computations
# Keyed on the scenario's digest and the price book; the Scenario object itself is passed unhashed.


def _key() -> str:
    return editing.digest(ss.scenario)


@st.cache_data(max_entries=64, show_spinner=False)
def _estimate(key: str, as_of: str, _s: Scenario) -> Estimate:
    return editing.estimate_of(_s, editing.book_as_of(as_of))  # the estimate that validated the edit


@st.cache_data(max_entries=64, show_spinner=False)
def _bom(key: str, as_of: str, _s: Scenario) -> Bom:
    return bill_of_materials(_s, editing.book_as_of(as_of))


@st.cache_data(max_entries=64, show_spinner=False)
def _curve(key: str, as_of: str, users_from: float, users_to: float, _s: Scenario) -> Curve:
    b = editing.book_as_of(as_of)
    return cost_curve(_s, editing.estimate_of(_s, b), users_from, users_to, book=b)


@st.cache_data(max_entries=32, show_spinner=False)
def _comparison(
    key: str, as_of: str, designs: tuple[Design, ...], users_from: float | None, users_to: float | None, _s: Scenario
) -> Comparison:
    b = editing.book_as_of(as_of)
    variants = {"current": _s} | {d.name: apply(_s, d, b) for d in designs}
    return compare(variants, users_from, users_to, book=b)


@st.cache_data(max_entries=32, show_spinner=False)
def _cheapest_memories(key: str, as_of: str, _s: Scenario) -> dict[str, MemoryChoice]:
    b = editing.book_as_of(as_of)
    return {n: cheapest_memory(_s, n, b) for n, f in _s.functions.items() if f.duration_scaling is not None}


@st.cache_data(max_entries=16, show_spinner=False)
def _simulation(key: str, as_of: str, samples: int, seed: int, _s: Scenario) -> dict:
    from models.plan import simulate

    sim = simulate(_s, samples, seed, editing.book_as_of(as_of))
    return {"json": sim.to_json(), "sensitivity": sim.sensitivity}


@st.cache_data(max_entries=16, show_spinner=False)
def _fan(key: str, as_of: str, scales: tuple[float, ...], samples: int, seed: int, _s: Scenario):
    from models.plan import fan

    return fan(_s, scales, samples, seed, editing.book_as_of(as_of))


@st.cache_data(max_entries=16, show_spinner=False)
def _forecast(key: str, as_of: str, months: int, _s: Scenario):
    from models.plan import forecast

    return forecast(_s, months, _s.plan, editing.book_as_of(as_of))


def simulation(samples: int, seed: int) -> dict:
    """`simulate` of the scenario: {"json": its --json figures, "sensitivity": the tornado's swings}."""
    return _simulation(_key(), ss.book_as_of, samples, seed, ss.scenario)


def fan(scales: tuple[float, ...], samples: int, seed: int):
    return _fan(_key(), ss.book_as_of, scales, samples, seed, ss.scenario)


def forecast(months: int):
    """The forecast of the scenario's own `plan:`."""
    return _forecast(_key(), ss.book_as_of, months, ss.scenario)


def current_estimate() -> Estimate:
    return _estimate(_key(), ss.book_as_of, ss.scenario)


def current_bom() -> Bom:
    return _bom(_key(), ss.book_as_of, ss.scenario)


def current_curve(users_from: float, users_to: float) -> Curve:
    return _curve(_key(), ss.book_as_of, users_from, users_to, ss.scenario)


def comparison(designs: tuple[Design, ...], users_from: float | None, users_to: float | None) -> Comparison:
    return _comparison(_key(), ss.book_as_of, designs, users_from, users_to, ss.scenario)


def cheapest_memories() -> dict[str, MemoryChoice]:
    """Each function that declares how its duration scales with memory: its cheapest memory."""
    return _cheapest_memories(_key(), ss.book_as_of, ss.scenario)


def estimate_or_stop() -> Estimate:
    try:
        return current_estimate()
    except (ScenarioError, PriceError) as err:  # a valid scenario always estimates; a changed book might not
        st.error(md(f"Cannot estimate this scenario: {err}"))
        st.stop()

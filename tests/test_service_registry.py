"""A service is one module: a throwaway module dropped into the registry's path is read from a scenario,
priced, shown in the Features editor's tables, limited by its quota and reconciled with a bill, with no
other file of the project touched (issue 12)."""

import json
import textwrap

import pytest

import pricing.services as services
from models import editing
from models.capacity import capacity
from models.engine import estimate
from models.review import Bill, BilledLine, reconcile
from models.scenario import ScenarioError, loads, to_yaml
from pricing.book import BOOKS_DIR, load
from ui import tables
from usage.costexplorer import classify

MODULE = '''
"""Widgets: a made-up service, 0.002 USD per widget call after 100 free, two calls per KB started."""
from dataclasses import dataclass
import math

from pricing.service import Component, Quota, amount, choice, ref

NAME = "widgets"
TITLE = "Amazon Widgets"
ORDER = 98
BILL_NAMES = ("widgets",)
SECTION = "gadgets"
USE = "widgets"


@dataclass(frozen=True)
class Resource:
    size: str = choice("small", "large")


@dataclass(frozen=True)
class Use:
    gadget: str = ref("gadgets", "gadget")
    calls: float = amount(1.0)
    kb: float = amount(1.0, high=10)


def use(u, gadget, s):
    return {"widgets.calls": u.calls * 2 * math.ceil(u.kb)}


COMPONENTS = (
    Component("widgets.calls", "calls", "Widget calls", "call", "AmazonWidgets", "W-Calls", free="calls_free"),
)
QUOTAS = (Quota("widget_calls_per_second", 50, "calls/s", "widget calls per gadget", lambda u, g: u.calls, "resource"),)
'''

SCENARIO = """\
name: w
region: us-east-1
gadgets: {g1: {}}
features:
  make:
    widgets: [{calls: 3, kb: 1.5}]
tiers:
  all: {users: 1000, uses: {make: 1}}
"""


@pytest.fixture()
def widgets(tmp_path, monkeypatch):
    """The module on the registry's path, and a price book with its rows."""
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "widgets.py").write_text(textwrap.dedent(MODULE))
    monkeypatch.setattr(services, "__path__", [*services.__path__, str(tmp_path / "mods")])
    services.registry.cache_clear()
    doc = json.loads((BOOKS_DIR / "2026-11-27.json").read_text())
    doc["sources"]["made-up"] = "a test's invented service"
    row = {"service": "widgets", "unit": "call", "begin": "0", "source": "made-up"}
    doc["prices"] += [
        row | {"region": "us-east-1", "component": "calls", "end": "Inf", "price": "0.002", "usage_type": "W-Calls"},
        row | {"region": "global", "component": "calls_free", "end": "100", "price": "0", "usage_type": "Global-Calls"},
    ]
    (tmp_path / "book.json").write_text(json.dumps(doc))
    yield load(tmp_path / "book.json")
    monkeypatch.undo()
    services.registry.cache_clear()


def test_the_module_is_read_priced_and_shown(widgets):
    s = loads(SCENARIO)
    (u,) = s.features["make"].uses["widgets"]
    assert (u.gadget, u.calls, u.kb) == ("g1", 3, 1.5)  # the only gadget filled in
    assert loads(to_yaml(s)) == s
    # 1,000 users x 3 calls x 2 x ceil(1.5) = 12,000 calls; 100 free -> 11,900 x $0.002 = $23.80
    e = estimate(s, widgets)
    assert e.services["widgets"] == 23.80
    assert {ln.component for ln in e.lines if ln.service == "widgets"} == {"Widget calls (free tier)", "Widget calls"}
    assert e.features[0].cost_per_use == pytest.approx(0.0238)


def test_bad_input_names_the_field(widgets):
    with pytest.raises(ScenarioError, match=r"features\.make\.widgets\[0\]\.kb"):
        loads(SCENARIO.replace("kb: 1.5", "kb: 11"))
    with pytest.raises(ScenarioError, match=r"gadgets\.g1\.size"):
        loads(SCENARIO.replace("{g1: {}}", "{g1: {size: huge}}"))


def test_the_features_editor_edits_it(widgets):
    s = loads(SCENARIO)
    sv = services.by_name("widgets")
    df = tables.uses_frame(sv, [{"gadget": "g1", "calls": 3, "kb": 1.5}])
    df.loc[0, "calls"] = 5.0
    footprint = {"widgets": tables.uses_from_frame(sv, df)}
    edited = editing.with_footprint(s, "make", footprint, widgets)
    assert edited.features["make"].uses["widgets"][0].calls == 5
    # 1,000 x 5 x 2 x 2 = 20,000 calls; (20,000 - 100) x $0.002 = $39.80
    assert estimate(edited, widgets).services["widgets"] == 39.80


def test_its_quota_is_a_capacity_limit(widgets):
    text = SCENARIO.replace("name: w", "name: w\nquotas: {widget_calls_per_second: 100}")
    (limit,) = [x for x in capacity(loads(text))[0] if x.limit == "widget_calls_per_second"]
    assert (limit.quota, limit.resource) == (100, "g1")


def test_the_review_reconciles_its_bill(widgets):
    s = loads(SCENARIO)
    meter, why = classify("Amazon Widgets", "USE1-W-Calls", "us-east-1", [])
    assert meter == "widgets.calls"
    billed = BilledLine("Amazon Widgets", "USE1-W-Calls", 12_000, "", 23.80, meter, why)
    review = reconcile(s, Bill("2026-10", [billed], {}), book=widgets)
    (line,) = [ln for ln in review.lines if ln.service == "widgets"]
    assert (line.modelled_cost, line.billed_cost, line.variance) == (23.80, 23.80, 0)

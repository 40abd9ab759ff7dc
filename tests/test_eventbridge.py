"""Amazon EventBridge (pricing/services/eventbridge.py): metering, prices, the scenario keys, capacity and the review.

Prices (us-east-1, book 2026-11-27): custom events $1.00 per million, one rate at every volume, no free
tier; every started 64 KB of an event is one billed event. The PutEvents quota is 10,000 calls/s.
"""

import pytest

from models.capacity import capacity
from models.engine import estimate
from models.scenario import ScenarioError, loads, to_yaml
from pricing.services import eventbridge

HEAD = "name: e\nregion: us-east-1\nfree_tier: false\n"
LIMIT = "eventbridge_putevents_calls_per_second"


def scenario(buses: str, uses: str, users: float = 1_000_000, free_tier: bool = False) -> str:
    return (
        f"name: e\nregion: us-east-1\nfree_tier: {str(free_tier).lower()}\nevent_buses: {buses}\n"
        f"features:\n  job:\n    eventbridge: {uses}\ntiers:\n  all: {{users: {users}, uses: {{job: 1}}}}\n"
    )


def eb_lines(text: str) -> dict[str, tuple[float, float]]:
    """label -> (quantity, cost) of the estimate's EventBridge lines (costs in whole cents)."""
    return {ln.component: (ln.quantity, ln.cost) for ln in estimate(loads(text)).lines if ln.service == "eventbridge"}


@pytest.mark.parametrize(
    "kb, expected",
    [
        (0, 1),  # an empty event is still one event
        (1, 1),
        (64, 1),  # exactly 64 KB is one chunk
        (64.001, 2),  # a byte over starts a second chunk
        (128, 2),
        (128.5, 3),
        (200, 4),  # ceil(200 / 64) = 4
        (256, 4),  # the pricing page's example: a 256 KB event is billed as 4 events
        (0.1 + 0.2, 1),  # float noise does not start a chunk
    ],
)
def test_billed_events_per_event(kb, expected):
    assert eventbridge.billed_events(kb) == expected


@pytest.mark.parametrize(
    "use, quantity",
    [
        ("{events: 1}", 1_000_000),  # 1M users x 1 event of 1 KB
        ("{events: 3, event_kb: 64}", 3_000_000),  # 3 events of one chunk each
        ("{events: 1, event_kb: 65}", 2_000_000),  # 2 chunks
        ("{events: 2, event_kb: 256}", 8_000_000),  # 2 x 4 chunks
        ("{events: 10, entries_per_call: 10}", 10_000_000),  # batching: the same 10 billed events
        ("{events: 0.5, event_kb: 100}", 1_000_000),  # half an event per use x 2 chunks
    ],
)
def test_metering_per_use(use, quantity):
    (line,) = eb_lines(scenario("{orders: {}}", f"[{use}]")).values()
    assert line[0] == pytest.approx(quantity)


def test_no_events_no_line():
    assert eb_lines(scenario("{orders: {}}", "[{events: 0}]")) == {}


def test_published_example_five_million_events():
    # event-driven-services.md §3 (EventBridge pricing page): 5M events (each <= 64 KB) delivered at
    # $1.00/M = $5.00/month. The page's events are AWS management events delivered to other accounts,
    # billed at the custom-event rate; here 5M custom events of 1 KB: 5,000,000 x $0.000001 = $5.00.
    text = scenario("{orders: {}}", "[{events: 5}]", users=1_000_000)
    e = estimate(loads(text))
    assert eb_lines(text) == {"Custom events": (5_000_000, 5.00)}
    assert e.services["eventbridge"] == pytest.approx(5.00)


def test_large_events_cost_a_chunk_each():
    # 1M events of 200 KB: 4 chunks each -> 4M x $1.00/M = $4.00
    assert eb_lines(scenario("{orders: {}}", "[{event_kb: 200}]")) == {"Custom events": (4_000_000, 4.00)}


@pytest.mark.parametrize("free_tier", [True, False])
def test_no_free_tier_for_custom_events(free_tier):
    # 2M events x $1.00/M = $2.00 with the free tier on or off: custom events have no allowance
    lines = eb_lines(scenario("{orders: {}}", "[{events: 2}]", free_tier=free_tier))
    assert lines == {"Custom events": (2_000_000, 2.00)}


def test_one_rate_at_every_volume():
    # 1B users x 1,000 events = 1T events x $1.00/M = $1,000,000: no volume tiers
    e = estimate(loads(scenario("{orders: {}}", "[{events: 1000}]", users=1e9)))
    assert e.services["eventbridge"] == pytest.approx(1_000_000.00)


def test_two_buses_add_up():
    text = scenario("{orders: {}, audit: {}}", "[{bus: orders, events: 2}, {bus: audit, events: 1, event_kb: 100}]")
    # 2M + 1M x 2 chunks = 4M billed events x $1.00/M = $4.00
    assert eb_lines(text) == {"Custom events": (4_000_000, 4.00)}


def test_defaults_the_only_bus_may_be_left_out_and_round_trip():
    s = loads(scenario("{orders: {}}", "[{events: 2}]"))
    (u,) = s.features["job"].uses["eventbridge"]
    assert (u.bus, u.events, u.event_kb, u.entries_per_call) == ("orders", 2, 1, 1)
    assert s.resources["event_buses"]["orders"] == eventbridge.Resource()
    assert loads(to_yaml(s)) == s  # the writer keeps what the reader read
    assert "orders: {}" in to_yaml(s)


def test_a_bus_may_be_given_as_null():
    s = loads(scenario("{orders: }", "[{events: 1, entries_per_call: 10}]"))
    assert s.resources["event_buses"] == {"orders": eventbridge.Resource()}
    assert loads(to_yaml(s)) == s


@pytest.mark.parametrize(
    "buses, uses, where, what",
    [
        ("{orders: {}}", "[{bus: nope}]", "features.job.eventbridge[0].bus", "nope"),
        ("{a: {}, b: {}}", "[{events: 1}]", "features.job.eventbridge[0]", "needs 'bus'"),
        ("{orders: {}}", "[{bus: 3}]", "features.job.eventbridge[0].bus", "name of a bus"),
        ("{orders: {}}", "[{events: many}]", "features.job.eventbridge[0].events", "number"),
        ("{orders: {}}", "[{events: -1}]", "features.job.eventbridge[0].events", "negative"),
        ("{orders: {}}", "[{event_kb: 257}]", "features.job.eventbridge[0].event_kb", "256"),
        ("{orders: {}}", "[{entries_per_call: 11}]", "features.job.eventbridge[0].entries_per_call", "10"),
        ("{orders: {}}", "[{entries_per_call: 0}]", "features.job.eventbridge[0].entries_per_call", "between 1"),
        ("{orders: {}}", "[{entries_per_call: 2.5}]", "features.job.eventbridge[0].entries_per_call", "whole"),
        # 10 entries of 30 KB: a 300 KB call, over the 256 KB a PutEvents call may carry
        ("{orders: {}}", "[{event_kb: 30, entries_per_call: 10}]", "eventbridge[0].entries_per_call", "256 KB"),
        ("{orders: {}}", "[{evnets: 1}]", "features.job.eventbridge[0]", "evnets"),
        ("{orders: {}}", "{events: 1}", "features.job.eventbridge", "list"),
        ("{orders: {type: fifo}}", "[{events: 1}]", "event_buses.orders.type", "takes no keys"),
        ("[orders]", "[{events: 1}]", "event_buses", "mapping"),
    ],
)
def test_bad_eventbridge_input_names_the_field(buses, uses, where, what):
    with pytest.raises(ScenarioError) as err:
        loads(scenario(buses, uses))
    assert where in str(err.value) and what in str(err.value)


def test_a_full_call_of_256_kb_is_allowed():
    s = loads(scenario("{orders: {}}", "[{event_kb: 25.6, entries_per_call: 10}]"))
    assert s.features["job"].uses["eventbridge"][0].entries_per_call == 10


def test_uses_of_a_bus_with_no_bus_defined_is_an_error():
    text = HEAD + "features:\n  job:\n    eventbridge: [{events: 1}]\n"
    with pytest.raises(ScenarioError, match="defines none under event_buses"):
        loads(text)


def test_putevents_quota_counts_calls_per_second_for_the_account():
    # 1M users x 100 events in calls of 10 = 10M calls a month, on two buses: one account-wide limit.
    # Peak x2 over 730 h: 10M / 2,628,000 s x 2 = 7.61 calls/s at 1M users.
    text = scenario(
        "{orders: {}, audit: {}}",
        "[{bus: orders, events: 60, entries_per_call: 10}, {bus: audit, events: 40, entries_per_call: 10}]",
    )
    limits, _ = capacity(loads(text))
    (put,) = [x for x in limits if x.limit == LIMIT]
    per_s = 10_000_000 / (730 * 3600) * 2
    assert put.resource == "account"
    assert put.peak == pytest.approx(per_s)
    assert put.utilization == pytest.approx(per_s / 10_000)
    assert put.users_at_limit == pytest.approx(1_000_000 * 10_000 / per_s)


def test_batching_lowers_the_calls_not_the_bill():
    one = loads(scenario("{orders: {}}", "[{events: 10}]"))
    ten = loads(scenario("{orders: {}}", "[{events: 10, entries_per_call: 10}]"))
    peak = {n: [x for x in capacity(s)[0] if x.limit == LIMIT][0].peak for n, s in (("one", one), ("ten", ten))}
    assert peak["one"] == pytest.approx(10 * peak["ten"])
    assert estimate(one).services["eventbridge"] == estimate(ten).services["eventbridge"] == pytest.approx(10.00)


def test_quotas_raise_the_putevents_limit():
    text = scenario("{orders: {}}", "[{events: 100}]")
    text = text.replace("event_buses:", f"quotas: {{{LIMIT}: 600}}\nevent_buses:")
    (put,) = [x for x in capacity(loads(text))[0] if x.limit == LIMIT]
    assert put.quota == 600  # e.g. the default in sa-east-1


def test_cost_explorer_usage_types_map_to_the_event_meter():
    from usage.costexplorer import classify

    meter = "eventbridge.events.custom"
    assert classify("Amazon EventBridge", "USE1-Event-64K-Chunks", "us-east-1", [])[0] == meter
    assert classify("Amazon EventBridge", "Event-64K-Chunks", "us-east-1", [])[0] == meter
    assert classify("CloudWatch Events", "USE1-Event-64K-Chunks", "us-east-1", [])[0] == meter  # older bills
    assert classify("Amazon EventBridge", "EU-Event-64K-Chunks", "eu-west-1", [])[0] == meter
    assert classify("Amazon EventBridge", "EU-Event-64K-Chunks", "us-east-1", [])[0] is None  # another region
    assert classify("Amazon EventBridge", "USE1-Request-64K-Chunks", "us-east-1", [])[0] is None  # Pipes
    # CloudWatch (logs) is not EventBridge, and EventBridge does not take its usage types
    assert classify("AmazonCloudWatch", "USE1-Event-64K-Chunks", "us-east-1", [])[0] is None
    assert classify("AmazonCloudWatch", "VendedLog-Bytes", "us-east-1", [])[0] == "logs.lambda_gb"
    assert classify("Amazon EventBridge", "VendedLog-Bytes", "us-east-1", [])[0] is None


def test_the_review_reconciles_an_event_bus_bill():
    from models.review import Bill, BilledLine, reconcile
    from usage.costexplorer import classify

    s = loads(scenario("{orders: {}}", "[{events: 2}]", free_tier=True))
    # Modelled: 2M events x $1.00/M = $2.00 (no free tier). Billed: 2.2M events (10% more) for $2.20.
    meter, why = classify("Amazon EventBridge", "USE1-Event-64K-Chunks", "us-east-1", [])
    billed = BilledLine("Amazon EventBridge", "USE1-Event-64K-Chunks", 2.2e6, "", 2.20, meter, why)
    review = reconcile(s, Bill("2026-10", [billed], {}))
    (line,) = [ln for ln in review.lines if ln.service == "eventbridge"]
    assert (line.modelled_cost, line.billed_cost, line.variance) == (2.00, 2.20, pytest.approx(0.20))
    assert line.cause == "usage differs from the model"  # 200,000 more events at $1.00/M
    assert line.usage_effect + line.metering_effect + line.rate_effect == pytest.approx(0.20)
    assert review.unit_costs["features"][0]["billed_cost"] == 2.20


def test_the_bill_of_materials_shows_the_chunking_driver():
    from pricing.services import by_name

    s = loads(scenario("{orders: {}}", "[{events: 3, event_kb: 130}]"))
    # 130 KB = 3 chunks: 2 extra billed events per event, 3 events -> 6 extra x $0.000001 = $0.000006
    ((title, why, qty, unit, usd),) = by_name("eventbridge").drivers(
        s.features["job"], s, {"eventbridge.events.custom": 1e-6}
    )
    assert (title, unit, qty, usd) == ("64 KB event chunks (orders)", "event", 6, pytest.approx(6e-6))
    assert "billed as 3 events" in why


def test_the_features_editor_table_round_trips_uses():
    from pricing.services import by_name
    from ui import tables

    sv = by_name("eventbridge")
    uses = [{"bus": "orders", "events": 2.0, "event_kb": 100.0}, {"bus": "audit", "entries_per_call": 10.0}]
    df = tables.uses_frame(sv, uses)
    assert list(df.columns) == ["bus", "events", "event_kb", "entries_per_call"]
    assert df.loc[1, "events"] == 1.0  # defaults filled in for the editor
    back = tables.uses_from_frame(sv, df)
    assert back[0] == {"bus": "orders", "events": 2.0, "event_kb": 100.0, "entries_per_call": 1.0}
    assert back[1]["entries_per_call"] == 10.0


@pytest.mark.parametrize("region, tps", [("us-east-1", 10_000), ("eu-central-1", 2_400), ("ap-northeast-1", 1_200),
                                         ("me-south-1", 400)])  # fmt: skip
def test_putevents_quota_default_by_region(region, tps):
    from pricing.services import eventbridge

    (quota,) = eventbridge.QUOTAS
    assert quota.default_in(region) == tps
    text = "name: e\nregion: REGION\nevent_buses: {b: {}}\nfeatures: {x: {eventbridge: [{}]}}\n"
    text += "tiers: {all: {users: 100, uses: {x: 1}}}\n"
    if region in ("us-east-1", "eu-central-1", "ap-northeast-1"):  # regions the book prices
        (limit,) = [x for x in capacity(loads(text.replace("REGION", region)))[0] if x.limit.startswith("eventbridge")]
        assert limit.quota == tps

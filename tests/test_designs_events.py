"""Compare designs, the event-driven choices (issue 12): SNS vs EventBridge fan-out, Step Functions Standard
vs Express, the SQS batch size, and a glue function replaced by a direct integration. Each design is
priced through the same scenario reader, so these check the rewrite and one figure worked out by hand."""

import pytest

from models.designs import Design, apply, compare
from models.engine import estimate
from models.scenario import ScenarioError, loads
from pricing.book import default_book

BASE = """\
name: events
region: us-east-1
free_tier: false
functions:
  glue: {memory_mb: 128, duration_ms: 20}
topics: {orders: {}}
state_machines: {checkout: {}}
queues: {jobs: {}}
features:
  order:
    lambda: {glue: 1}
    sns: [{publishes: 1, message_kb: 1, deliveries: {sqs: 2, https: 1}}]
    stepfunctions: [{executions: 1, transitions: 10, duration_ms: 450}]
    sqs: [{messages: 10}]
tiers:
  all: {users: 1000000, uses: {order: 1}}
"""


@pytest.fixture(scope="module")
def base():
    return loads(BASE)


def services(s) -> dict[str, float]:
    return estimate(s).services


def test_sns_to_eventbridge_moves_every_publish_to_one_event(base):
    s = apply(base, Design("eb", fan_out_via="eventbridge"), default_book())
    assert "topics" not in s.resources or not s.resources["topics"]
    (u,) = s.features["order"].uses["eventbridge"]
    assert (u.bus, u.events, u.event_kb) == ("events", 1, 1)
    # 1M events x $1.00/M = $1.00, where SNS billed 1M publishes x $0.50/M + 1M HTTPS x $0.60/M = $1.10
    assert services(s)["eventbridge"] == 1.00
    assert services(base)["sns"] == 1.10


def test_eventbridge_to_sns_delivers_to_lambda_targets(base):
    eb = apply(base, Design("eb", fan_out_via="eventbridge"), default_book())
    back = apply(eb, Design("sns", fan_out_via="sns", targets=3), default_book())
    (u,) = back.features["order"].uses["sns"]
    assert (u.publishes, u.deliveries["lambda"], u.deliveries["https"]) == (1, 3, 0)
    assert services(back)["sns"] == 0.50  # 1M publishes x $0.50/M; Lambda deliveries are free


def test_standard_to_express_bills_duration_not_transitions(base):
    s = apply(base, Design("x", machine_type="express"), default_book())
    assert s.resources["state_machines"]["checkout"].type == "express"
    # Standard: 1M x 10 transitions x $0.000025 = $250.00
    assert services(base)["stepfunctions"] == 250.00
    # Express: 1M requests x $1/M = $1.00; 450 ms -> 500 ms x 64 MB = 0.03125 GB-s each, 31,250 GB-s
    # x $0.0000166667 = $0.52; total $1.52
    assert services(s)["stepfunctions"] == 1.52


def test_express_to_standard_drops_memory_and_may_set_transitions():
    s = loads(BASE.replace("checkout: {}", "checkout: {type: express, memory_mb: 128}"))
    std = apply(s, Design("std", machine_type="standard", transitions=4), default_book())
    assert std.resources["state_machines"]["checkout"].type == "standard"
    assert std.features["order"].uses["stepfunctions"][0].transitions == 4
    assert services(std)["stepfunctions"] == 100.00  # 1M x 4 x $0.000025


def test_sqs_batch_size(base):
    s = apply(base, Design("b", sqs_batch=10), default_book())
    assert s.features["order"].uses["sqs"][0].batch_size == 10
    # 10M messages: 1 KB each -> 3 requests each = 30M x $0.40/M = $12.00; in batches of 10 (10 KB, one
    # chunk) -> 0.3 requests each = 3M x $0.40/M = $1.20
    assert (services(base)["sqs"], services(s)["sqs"]) == (12.00, 1.20)
    with pytest.raises(ScenarioError, match="batch_size"):
        apply(base, Design("b", sqs_batch=11), default_book())


def test_a_direct_integration_removes_the_glue_function(base):
    s = apply(base, Design("direct", glue="glue"), default_book())
    assert s.features["order"].invocations == {}
    assert services(s)["lambda"] == 0.0 < services(base)["lambda"]


def test_the_choices_compare_and_cross(base):
    designs = {"current": base, "eb": apply(base, Design("eb", fan_out_via="eventbridge"), default_book())}
    cmp = compare(designs, 200_000, 1_000_000, points=50)  # below, the two differ by less than a cent
    assert cmp.totals.shape == (2, 50)
    # EventBridge is never dearer here ($1.00/M events vs $0.50/M publishes + $0.60/M HTTPS deliveries): no crossing
    assert (cmp.totals[1] <= cmp.totals[0] + 0.01).all()
    assert cmp.totals[1, -1] == pytest.approx(cmp.totals[0, -1] - 0.10)
    assert cmp.crossovers == []


def test_changes_say_what_a_design_does():
    d = Design("all", fan_out_via="eventbridge", machine_type="express", sqs_batch=10, glue="glue")
    assert d.changes() == [
        "fan-out via EventBridge",
        "state machines: Express",
        "SQS batches of 10",
        "glue: a direct integration instead of a function (Pipes charges not modelled)",
    ]


def test_a_type_change_needs_what_the_new_type_bills():
    # Express uses give no transitions (Express does not bill them): Standard would price them at $0.
    express = loads(BASE.replace("checkout: {}", "checkout: {type: express}").replace("transitions: 10, ", ""))
    with pytest.raises(ScenarioError, match=r"Standard bills state transitions.*'order'"):
        apply(express, Design("std", machine_type="standard"), default_book())
    # Standard uses without a duration would bill Express's 100 ms minimum.
    standard = loads(BASE.replace(", duration_ms: 450", ""))
    with pytest.raises(ScenarioError, match=r"Express bills the duration"):
        apply(standard, Design("x", machine_type="express"), default_book())
    # Given in the design: 1M x 2 s x 64 MB = 125,000 GB-s x $0.0000166667 = $2.08, + $1.00 requests = $3.08
    fixed = apply(standard, Design("x", machine_type="express", sfn_duration_ms=2000), default_book())
    assert services(fixed)["stepfunctions"] == 3.08


def test_a_message_too_large_for_eventbridge_is_refused(base):
    big = loads(BASE.replace("message_kb: 1,", "message_kb: 512,"))
    with pytest.raises(ScenarioError, match="512 KB message cannot be an EventBridge event"):
        apply(big, Design("eb", fan_out_via="eventbridge"), default_book())

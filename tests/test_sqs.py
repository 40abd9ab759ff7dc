"""Amazon SQS (pricing/services/sqs.py): metering, prices, the scenario keys, capacity and the review.

Prices (us-east-1, book 2026-11-27): Standard $0.40 per million requests (first 100B), FIFO $0.50 per
million; the Always Free 1M requests a month is shared by both queue types in proportion to use.
"""

import pytest

from models.capacity import capacity
from models.engine import estimate
from models.scenario import ScenarioError, loads, to_yaml
from pricing.services import sqs

HEAD = "name: q\nregion: us-east-1\nfree_tier: false\n"


def scenario(queues: str, uses: str, users: float = 1_000_000, free_tier: bool = False) -> str:
    return (
        f"name: q\nregion: us-east-1\nfree_tier: {str(free_tier).lower()}\nqueues: {queues}\n"
        f"features:\n  job:\n    sqs: {uses}\ntiers:\n  all: {{users: {users}, uses: {{job: 1}}}}\n"
    )


def sqs_lines(text: str) -> dict[str, tuple[float, float]]:
    """label -> (quantity, cost) of the estimate's SQS lines (costs in whole cents)."""
    return {ln.component: (ln.quantity, ln.cost) for ln in estimate(loads(text)).lines if ln.service == "sqs"}


@pytest.mark.parametrize(
    "kb, batch, expected",
    [
        (1, 1, 3),  # send + receive + delete
        (64, 1, 3),  # exactly 64 KB is one chunk
        (64.5, 1, 5),  # 2 chunks on send and on receive, delete 1
        (256, 1, 9),  # 4 chunks each way + delete
        (1024, 1, 33),  # 1 MiB: 16 chunks each way + delete
        (1, 10, 0.3),  # one 10 KB batch: (1 + 1 + 1) / 10
        (10, 10, 0.5),  # a 100 KB batch is 2 chunks: (2 + 2 + 1) / 10
        (0, 1, 3),  # an empty payload is still one request per call
    ],
)
def test_requests_per_message(kb, batch, expected):
    assert sqs.requests_per_message(kb, batch) == pytest.approx(expected)


def test_standard_queue_one_million_messages():
    # 1M users x 1 message of 1 KB -> 3M requests x $0.40/M = $1.20
    lines = sqs_lines(scenario("{jobs: {}}", "[{messages: 1}]"))
    assert lines == {"Requests (Standard) (first 100B)": (3_000_000, 1.20)}


def test_large_messages_bill_a_request_per_64_kb():
    # 256 KB: (4 + 4 + 1) = 9 requests per message; 1M messages -> 9M x $0.40/M = $3.60
    ((q, cost),) = sqs_lines(scenario("{jobs: {}}", "[{messages: 1, message_kb: 256}]")).values()
    assert (q, round(cost, 2)) == (9_000_000, 3.60)


def test_fifo_and_standard_share_the_free_million_in_proportion():
    text = (
        "name: q\nregion: us-east-1\nqueues: {jobs: {}, orders: {type: fifo}}\n"
        "features:\n  job:\n    sqs: [{queue: jobs, messages: 3}, {queue: orders, messages: 1}]\n"
        "tiers:\n  all: {users: 1000000, uses: {job: 1}}\n"
    )
    lines = sqs_lines(text)
    # requests: standard 9M, fifo 3M; free 1M split 9:3 -> 0.75M and 0.25M
    # standard (9M - 0.75M) x $0.40/M = $3.30; fifo (3M - 0.25M) x $0.50/M = $1.375, shown as $1.38
    assert lines == {
        "Requests (Standard) (free tier)": (750_000, 0.0),
        "Requests (Standard) (first 100B)": (8_250_000, 3.30),
        "Requests (FIFO) (free tier)": (250_000, 0.0),
        "Requests (FIFO) (first 100B)": (2_750_000, 1.38),
    }


def test_volume_tier_after_100_billion():
    # 40B messages x 3 = 120B requests: 100B x $0.40/M + 20B x $0.30/M = $40,000 + $6,000
    e = estimate(loads(scenario("{jobs: {}}", "[{messages: 40000}]")))
    assert e.services["sqs"] == pytest.approx(46_000.00)


def test_a_queue_defaults_to_standard_and_the_only_queue_may_be_left_out():
    s = loads(scenario("{jobs: {}}", "[{messages: 2}]"))
    (u,) = s.features["job"].uses["sqs"]
    assert (u.queue, u.messages, u.message_kb, u.batch_size) == ("jobs", 2, 1, 1)
    assert s.resources["queues"]["jobs"].type == "standard"
    assert loads(to_yaml(s)) == s  # the writer keeps what the reader read


@pytest.mark.parametrize(
    "queues, uses, where, what",
    [
        ("{jobs: {type: lifo}}", "[{messages: 1}]", "queues.jobs.type", "lifo"),
        ("{jobs: {}}", "[{queue: nope}]", "features.job.sqs[0].queue", "nope"),
        ("{a: {}, b: {}}", "[{messages: 1}]", "features.job.sqs[0]", "needs 'queue'"),
        ("{jobs: {}}", "[{message_kb: 2048}]", "features.job.sqs[0].message_kb", "1024"),
        ("{jobs: {}}", "[{batch_size: 11}]", "features.job.sqs[0].batch_size", "10"),
        ("{jobs: {}}", "[{batch_size: 2.5}]", "features.job.sqs[0].batch_size", "whole"),
        ("{jobs: {}}", "[{batch_size: 10, message_kb: 200}]", "features.job.sqs[0].batch_size", "2000 KB call"),
        ("{jobs: {}}", "[{messages: -1}]", "features.job.sqs[0].messages", ""),
        ("{jobs: {}}", "[{mesages: 1}]", "features.job.sqs[0]", "mesages"),
        ("{jobs: {}}", "{messages: 1}", "features.job.sqs", "list"),
    ],
)
def test_bad_sqs_input_names_the_field(queues, uses, where, what):
    with pytest.raises(ScenarioError) as err:
        loads(scenario(queues, uses))
    assert where in str(err.value) and what in str(err.value)


def test_uses_of_a_queue_with_no_queue_defined_is_an_error():
    text = HEAD + "features:\n  job:\n    sqs: [{messages: 1}]\n"
    with pytest.raises(ScenarioError, match="defines none under queues"):
        loads(text)


def test_fifo_queue_quota_counts_send_calls_per_second():
    # 1M users x 100 messages in batches of 10 = 10M calls a month; peak x2 over 730 h -> 7.61 calls/s at 1M users
    text = scenario("{orders: {type: fifo}}", "[{messages: 100, batch_size: 10}]")
    limits, _ = capacity(loads(text))
    (fifo,) = [x for x in limits if x.limit == "sqs_fifo_calls_per_second"]
    per_s = 10_000_000 / (730 * 3600) * 2
    assert fifo.utilization == pytest.approx(per_s / 300)
    assert fifo.users_at_limit == pytest.approx(1_000_000 * 300 / per_s)
    standard = capacity(loads(scenario("{jobs: {}}", "[{messages: 100}]")))[0]
    assert not [x for x in standard if x.limit.startswith("sqs")]  # standard queues have no such quota


def test_quotas_raise_the_fifo_limit():
    text = scenario("{orders: {type: fifo}}", "[{messages: 100}]").replace(
        "queues:", "quotas: {sqs_fifo_calls_per_second: 3000}\nqueues:"
    )
    (fifo,) = [x for x in capacity(loads(text))[0] if x.limit == "sqs_fifo_calls_per_second"]
    assert fifo.quota == 3000


def test_cost_explorer_usage_types_map_to_the_queue_meters():
    from usage.costexplorer import classify

    assert classify("Amazon Simple Queue Service", "Requests-RBP", "us-east-1", [])[0] == "sqs.requests.standard"
    assert classify("Amazon Simple Queue Service", "EU-Requests-FIFO-RBP", "eu-west-1", [])[0] == "sqs.requests.fifo"
    assert classify("Amazon Simple Queue Service", "EU-Requests-RBP", "us-east-1", [])[0] is None  # another region
    # Outside us-east-1 the Price List and the bill name them Requests-Tier1 / Requests-FIFO-Tier1
    assert classify("Amazon Simple Queue Service", "EU-Requests-Tier1", "eu-west-1", [])[0] == "sqs.requests.standard"
    assert classify("Amazon Simple Queue Service", "EU-Requests-FIFO-Tier1", "eu-west-1", [])[0] == "sqs.requests.fifo"


def test_fifo_volume_tiers():
    # 50B FIFO messages x 3 = 150B requests: 100B x $0.50/M + 50B x $0.40/M = $50,000 + $20,000
    e = estimate(loads(scenario("{q: {type: fifo}}", "[{messages: 50000}]")))
    assert e.services["sqs"] == pytest.approx(70_000.00)


def test_eu_west_1_is_priced():
    # 1M users x 1 message = 3M requests x $0.40/M (Ireland's Price List: the same as us-east-1) = $1.20
    text = scenario("{jobs: {}}", "[{messages: 1}]").replace("us-east-1", "eu-west-1")
    assert estimate(loads(text)).services["sqs"] == 1.20


def test_the_review_reconciles_a_queue_bill():
    from models.review import Bill, BilledLine, reconcile
    from usage.costexplorer import classify

    s = loads(scenario("{jobs: {}}", "[{messages: 1}]", free_tier=True))
    # Modelled: 3M requests, 1M free -> 2M x $0.40/M = $0.80. Billed: 3.3M requests (10% more) for $0.92.
    meter, why = classify("Amazon Simple Queue Service", "Requests-RBP", "us-east-1", [])
    billed = BilledLine("Amazon Simple Queue Service", "Requests-RBP", 3.3e6, "", 0.92, meter, why)
    review = reconcile(s, Bill("2026-10", [billed], {}))
    (line,) = [ln for ln in review.lines if ln.service == "sqs"]
    assert (line.modelled_cost, line.billed_cost, line.variance) == (0.80, 0.92, pytest.approx(0.12))
    assert line.cause == "usage differs from the model"  # 300,000 more requests at $0.40/M; no metric to split by
    assert line.usage_effect + line.metering_effect + line.rate_effect == pytest.approx(0.12)
    assert review.unit_costs["features"][0]["billed_cost"] == 0.92


def test_the_features_editor_table_round_trips_uses():
    from pricing.services import by_name
    from ui import tables

    sv = by_name("sqs")
    uses = [{"queue": "jobs", "messages": 2.0, "message_kb": 100.0}, {"queue": "orders", "batch_size": 10.0}]
    df = tables.uses_frame(sv, uses)
    assert list(df.columns) == ["queue", "messages", "message_kb", "batch_size"]
    assert df.loc[1, "messages"] == 1.0  # defaults filled in for the editor
    back = tables.uses_from_frame(sv, df)
    assert back[0] == {"queue": "jobs", "messages": 2.0, "message_kb": 100.0, "batch_size": 1.0}
    assert back[1]["batch_size"] == 10.0

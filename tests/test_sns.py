"""Amazon SNS (pricing/services/sns.py): metering, prices, the scenario keys, capacity and the review.

Prices (us-east-1, book 2026-11-27): requests (publishes to standard topics) $0.50 per million, HTTP/S
deliveries $0.60 per million, email deliveries $2.00 per 100,000 ($0.00002 each); Always Free 1M requests,
100,000 HTTP/S and 1,000 email deliveries a month. SQS and Lambda deliveries are free ($0 lines). No FIFO price.
"""

import pytest

from models.capacity import capacity
from models.engine import estimate
from models.scenario import ScenarioError, loads, to_yaml
from pricing.book import PriceError
from pricing.services import sns

HEAD = "name: t\nregion: us-east-1\nfree_tier: false\n"
SNS = "Amazon Simple Notification Service"


def scenario(topics: str, uses: str, users: float = 1_000_000, free_tier: bool = False) -> str:
    return (
        f"name: t\nregion: us-east-1\nfree_tier: {str(free_tier).lower()}\ntopics: {topics}\n"
        f"features:\n  job:\n    sns: {uses}\ntiers:\n  all: {{users: {users}, uses: {{job: 1}}}}\n"
    )


def sns_lines(text: str) -> dict[str, tuple[float, float]]:
    """label -> (quantity, cost) of the estimate's SNS lines (costs in whole cents)."""
    return {ln.component: (ln.quantity, ln.cost) for ln in estimate(loads(text)).lines if ln.service == "sns"}


# ---------------------------------------------------------------- metering


@pytest.mark.parametrize(
    "kb, expected",
    [
        (1, 1),
        (0, 1),  # an empty payload is still one request
        (64, 1),  # exactly 64 KB is one chunk
        (64.001, 2),  # a byte more starts the second
        (128, 2),
        (0.1 + 0.2, 1),  # float noise is not a chunk
        (256, 4),  # the FAQ's example: a 256 KB publish is four requests
        (1024, 16),  # 1 MiB (MaximumMessageSize at its largest): 16 chunks
    ],
)
def test_chunks_per_publish_and_per_delivery(kb, expected):
    assert sns.chunks(kb) == expected


@pytest.mark.parametrize(
    "use, expected",
    [
        # 1 publish of 1 KB, no subscriptions: 1 request
        (
            sns.Use("t"),
            {"requests.standard": 1, "deliveries.sqs": 0, "deliveries.lambda": 0, "deliveries.https": 0,
             "deliveries.email": 0},
        ),
        # 2 publishes of 100 KB (2 chunks): 4 requests; per protocol 4 x deliveries per publish
        (
            sns.Use("t", 2, 100, {"sqs": 3, "lambda": 1, "https": 1, "email": 2}),
            {"requests.standard": 4, "deliveries.sqs": 12, "deliveries.lambda": 4, "deliveries.https": 4,
             "deliveries.email": 8},
        ),
        # 10 publishes of 256 KB to 0.5 HTTPS endpoints each (a filter matches half): 40 requests, 20 deliveries
        (
            sns.Use("t", 10, 256, {"sqs": 0, "lambda": 0, "https": 0.5, "email": 0}),
            {"requests.standard": 40, "deliveries.sqs": 0, "deliveries.lambda": 0, "deliveries.https": 20,
             "deliveries.email": 0},
        ),
    ],
)  # fmt: skip
def test_metered_quantities_of_one_use(use, expected):
    got = sns.use(use, sns.Resource(), None)
    assert got == {f"sns.{k}": pytest.approx(v) for k, v in expected.items()}


def test_a_fifo_topic_meters_its_requests_apart():
    assert sns.use(sns.Use("t", 3, 100), sns.Resource("fifo"), None) == {"sns.requests.fifo": 6}


# ---------------------------------------------------------------- prices, through the engine


def test_published_examples_256_kb_publish_and_notification():
    # FAQ: "a single API call with a 256KB payload will be billed as four requests";
    # pricing page: "a single notification with a 256KB payload will be billed as four deliveries".
    # 1M users x 1 publish of 256 KB to one HTTPS endpoint, free tier off:
    #   requests   4M x $0.50/M = $2.00;  HTTP/S deliveries 4M x $0.60/M = $2.40
    lines = sns_lines(scenario("{events: {}}", "[{message_kb: 256, deliveries: {https: 1}}]"))
    assert lines == {"Requests": (4_000_000, 2.00), "HTTP/S deliveries": (4_000_000, 2.40)}


def test_each_protocol_at_list_price_without_the_free_tier():
    # 1M publishes of 1 KB; per publish 2 SQS, 1 Lambda, 1 HTTPS and 0.01 email deliveries:
    #   requests 1M x $0.50/M = $0.50; HTTP/S 1M x $0.60/M = $0.60; email 10,000 x $0.00002 = $0.20;
    #   SQS deliveries 2M and Lambda deliveries 1M at $0
    uses = "[{deliveries: {sqs: 2, lambda: 1, https: 1, email: 0.01}}]"
    lines = sns_lines(scenario("{events: {}}", uses))
    assert lines == {
        "Requests": (1_000_000, 0.50),
        "HTTP/S deliveries": (1_000_000, 0.60),
        "Email deliveries": (pytest.approx(10_000), 0.20),
        "SQS deliveries": (2_000_000, 0.0),
        "Lambda deliveries": (1_000_000, 0.0),
    }


def test_the_free_tier_takes_1m_requests_100k_https_and_1k_email_deliveries():
    # The same use with the Always Free allowances:
    #   requests 1M, all free -> $0; HTTP/S 100,000 free, 900,000 x $0.60/M = $0.54;
    #   email 1,000 free, 9,000 x $0.00002 = $0.18
    uses = "[{deliveries: {sqs: 2, lambda: 1, https: 1, email: 0.01}}]"
    lines = sns_lines(scenario("{events: {}}", uses, free_tier=True))
    assert lines == {
        "Requests (free tier)": (1_000_000, 0.0),
        "HTTP/S deliveries (free tier)": (100_000, 0.0),
        "HTTP/S deliveries": (900_000, 0.54),
        "Email deliveries (free tier)": (1_000, 0.0),
        "Email deliveries": (pytest.approx(9_000), 0.18),
        "SQS deliveries": (2_000_000, 0.0),
        "Lambda deliveries": (1_000_000, 0.0),
    }
    assert estimate(loads(scenario("{events: {}}", uses, free_tier=True))).services["sns"] == pytest.approx(0.72)


def test_no_volume_tiers():
    # 10B requests are all at $0.50/M: $5,000 (no discount tier in the Price List)
    e = estimate(loads(scenario("{events: {}}", "[{publishes: 10000}]")))
    assert e.services["sns"] == pytest.approx(5_000.00)


def test_a_fifo_topic_has_no_price_and_says_so():
    text = scenario("{orders: {type: fifo}}", "[{publishes: 1, deliveries: {sqs: 1}}]")
    s = loads(text)  # the scenario itself is valid
    no_price = r"no price for sns requests_fifo in us-east-1 in the price book of 2026-11-27"
    with pytest.raises(PriceError, match=no_price):
        estimate(s)
    from models.bom import bill_of_materials

    with pytest.raises(PriceError, match=no_price):
        bill_of_materials(s)


def test_hidden_driver_64_kb_chunks():
    from models.bom import bill_of_materials

    b = bill_of_materials(loads(scenario("{events: {}}", "[{message_kb: 100, deliveries: {https: 2, sqs: 1}}]")))
    # 100 KB = 2 chunks. Per use: 1 extra request ($0.0000005) and 2 extra HTTPS deliveries ($0.0000012);
    # the extra SQS delivery is free and no driver
    drivers = {d.name: (d.quantity_per_use, d.list_cost_per_use) for d in b.drivers}
    assert drivers == {
        "64 KB chunks: requests (events)": (1, pytest.approx(0.0000005)),
        "64 KB chunks: https deliveries (events)": (2, pytest.approx(0.0000012)),
    }


# ---------------------------------------------------------------- the scenario keys


def test_defaults_and_the_only_topic_may_be_left_out():
    s = loads(scenario("{events: {}}", "[{publishes: 2, deliveries: {https: 3}}]"))
    (u,) = s.features["job"].uses["sns"]
    assert (u.topic, u.publishes, u.message_kb) == ("events", 2, 1)
    assert u.deliveries == {"sqs": 0, "lambda": 0, "https": 3, "email": 0}  # protocols left out are 0
    assert s.resources["topics"]["events"].type == "standard"
    assert loads(to_yaml(s)) == s  # the writer keeps what the reader read


def test_two_topics_round_trip():
    text = scenario(
        "{events: {}, orders: {type: fifo}}",
        "[{topic: events, message_kb: 200, deliveries: {email: 1}}, {topic: orders, publishes: 5}]",
    )
    s = loads(text)
    assert [u.topic for u in s.features["job"].uses["sns"]] == ["events", "orders"]
    assert loads(to_yaml(s)) == s


@pytest.mark.parametrize(
    "topics, uses, where, what",
    [
        ("{events: {type: lifo}}", "[{publishes: 1}]", "topics.events.type", "lifo"),
        ("{events: {kind: fifo}}", "[{publishes: 1}]", "topics.events", "kind"),
        ("{events: {}}", "[{topic: nope}]", "features.job.sns[0].topic", "nope"),
        ("{a: {}, b: {}}", "[{publishes: 1}]", "features.job.sns[0]", "needs 'topic'"),
        ("{events: {}}", "[{message_kb: 2048}]", "features.job.sns[0].message_kb", "1024"),
        ("{events: {}}", "[{publishes: -1}]", "features.job.sns[0].publishes", ""),
        ("{events: {}}", "[{publishes: many}]", "features.job.sns[0].publishes", "number"),
        ("{events: {}}", "[{publish: 1}]", "features.job.sns[0]", "publish"),
        ("{events: {}}", "[{deliveries: {fax: 1}}]", "features.job.sns[0].deliveries", "fax"),
        ("{events: {}}", "[{deliveries: {https: -2}}]", "features.job.sns[0].deliveries.https", ""),
        ("{events: {}}", "[{deliveries: 3}]", "features.job.sns[0].deliveries", "mapping"),
        ("{events: {}}", "{publishes: 1}", "features.job.sns", "list"),
    ],
)
def test_bad_sns_input_names_the_field(topics, uses, where, what):
    with pytest.raises(ScenarioError) as err:
        loads(scenario(topics, uses))
    assert where in str(err.value) and what in str(err.value)


def test_uses_of_a_topic_with_no_topic_defined_is_an_error():
    with pytest.raises(ScenarioError, match="defines none under topics"):
        loads(HEAD + "features:\n  job:\n    sns: [{publishes: 1}]\n")


# ---------------------------------------------------------------- capacity


def test_account_publish_quota_counts_messages_per_second():
    # 1M users x 100 publishes = 100M a month; peak x2 over 730 h -> 76.1 messages/s at 1M users
    limits, _ = capacity(loads(scenario("{events: {}}", "[{publishes: 100, message_kb: 200}]")))
    (account,) = [x for x in limits if x.limit == "sns_publishes_per_second"]
    per_s = 100_000_000 / (730 * 3600) * 2  # messages, not 64 KB chunks
    assert (account.resource, account.quota) == ("account", 30_000)
    assert account.utilization == pytest.approx(per_s / 30_000)
    assert account.users_at_limit == pytest.approx(1_000_000 * 30_000 / per_s)
    assert not [x for x in limits if x.limit == "sns_fifo_publishes_per_second"]  # a standard topic


def test_fifo_topic_quota_is_per_topic_and_the_account_quota_counts_it_too():
    text = scenario("{a: {type: fifo}, b: {type: fifo}}", "[{topic: a, publishes: 100}, {topic: b, publishes: 50}]")
    limits, _ = capacity(loads(text))
    per_s = {r: n * 1_000_000 / (730 * 3600) * 2 for r, n in (("a", 100), ("b", 50))}
    fifo = {x.resource: x for x in limits if x.limit == "sns_fifo_publishes_per_second"}
    assert set(fifo) == {"a", "b"}
    assert fifo["a"].utilization == pytest.approx(per_s["a"] / 300)
    assert fifo["b"].users_at_limit == pytest.approx(1_000_000 * 300 / per_s["b"])
    (account,) = [x for x in limits if x.limit == "sns_publishes_per_second"]
    assert account.utilization == pytest.approx((per_s["a"] + per_s["b"]) / 30_000)


def test_quotas_raise_the_limits():
    text = scenario("{orders: {type: fifo}}", "[{publishes: 100}]").replace(
        "topics:", "quotas: {sns_fifo_publishes_per_second: 3000, sns_publishes_per_second: 60000}\ntopics:"
    )
    quotas = {x.limit: x.quota for x in capacity(loads(text))[0] if x.limit.startswith("sns")}
    assert quotas == {"sns_fifo_publishes_per_second": 3000, "sns_publishes_per_second": 60000}


# ---------------------------------------------------------------- Cost Explorer and the review


@pytest.mark.parametrize(
    "usage_type, region, meter",
    [
        ("Requests-Tier1", "us-east-1", "sns.requests.standard"),
        ("USE1-Requests-Tier1", "us-east-1", "sns.requests.standard"),
        ("EU-Requests-Tier1", "eu-west-1", "sns.requests.standard"),
        ("DeliveryAttempts-HTTP", "us-east-1", "sns.deliveries.https"),
        ("EU-DeliveryAttempts-HTTP", "eu-west-1", "sns.deliveries.https"),
        ("DeliveryAttempts-SMTP", "us-east-1", "sns.deliveries.email"),
        ("APN1-DeliveryAttempts-SMTP", "ap-northeast-1", "sns.deliveries.email"),
        ("EU-Requests-Tier1", "us-east-1", None),  # another region
    ],
)
def test_cost_explorer_usage_types_map_to_the_sns_meters(usage_type, region, meter):
    from usage.costexplorer import classify

    assert classify(SNS, usage_type, region, [])[0] == meter


def test_sqs_and_lambda_deliveries_map_to_their_free_meters():
    from usage.costexplorer import classify

    assert classify(SNS, "DeliveryAttempts-SQS", "us-east-1", [])[0] == "sns.deliveries.sqs"
    assert classify(SNS, "EU-DeliveryAttempts-LAMBDA", "eu-west-1", [])[0] == "sns.deliveries.lambda"
    # S3's Requests-Tier1 is another service's
    assert classify("Amazon Simple Storage Service", "Requests-Tier1", "us-east-1", [])[0] != "sns.requests.standard"


def test_the_review_reconciles_a_topic_bill():
    from models.review import Bill, BilledLine, reconcile
    from usage.costexplorer import classify

    s = loads(scenario("{events: {}}", "[{publishes: 3}]", free_tier=True))
    # Modelled: 3M requests, 1M free -> 2M x $0.50/M = $1.00. Billed: 3.3M requests (10% more) for $1.15.
    meter, why = classify(SNS, "Requests-Tier1", "us-east-1", [])
    billed = BilledLine(SNS, "Requests-Tier1", 3.3e6, "", 1.15, meter, why)
    review = reconcile(s, Bill("2026-10", [billed], {}))
    (line,) = [ln for ln in review.lines if ln.service == "sns"]
    assert (line.modelled_cost, line.billed_cost, line.variance) == (1.00, 1.15, pytest.approx(0.15))
    assert line.cause == "usage differs from the model"  # 300,000 more requests at $0.50/M
    assert line.usage_effect + line.metering_effect + line.rate_effect == pytest.approx(0.15)
    assert review.unit_costs["features"][0]["billed_cost"] == 1.15


# ---------------------------------------------------------------- the Features editor


def test_the_features_editor_table_round_trips_uses():
    from pricing.services import by_name
    from ui import tables

    sv = by_name("sns")
    uses = [{"topic": "events", "publishes": 2.0, "deliveries": {"https": 3.0}}, {"topic": "orders"}]
    df = tables.uses_frame(sv, uses)
    assert list(df.columns) == [
        "topic", "publishes", "message_kb", "deliveries.sqs", "deliveries.lambda", "deliveries.https",
        "deliveries.email",
    ]  # fmt: skip
    assert df.loc[1, "message_kb"] == 1.0 and df.loc[0, "deliveries.sqs"] == 0.0  # defaults filled in
    back = tables.uses_from_frame(sv, df)
    assert back[0] == {
        "topic": "events",
        "publishes": 2.0,
        "message_kb": 1.0,
        "deliveries": {"sqs": 0.0, "lambda": 0.0, "https": 3.0, "email": 0.0},
    }
    assert back[1]["topic"] == "orders" and back[1]["deliveries"]["https"] == 0.0

"""The metering rules, one by one, with every expected value worked out by hand in a comment.

Prices used (us-east-1, price book 2026-11-27):
  Lambda requests $0.0000002; duration x86_64 $0.0000166667 (first 6B GB-s), $0.000015 (next 9B);
  duration arm64 $0.0000133334 (first 7.5B); provisioned concurrency x86_64 $0.0000041667 per GB-s.
  WebSocket messages $0.000001 (first 1B), $0.0000008 (over 1B).
  DynamoDB storage Standard $0.25, Standard-IA $0.10 per GB-month; RCU-hour $0.00013; WCU-hour $0.00065.
  CloudWatch Logs Lambda ingestion $0.50 per GB (first 10 TB).
Always Free: Lambda 1M requests + 400,000 GB-s; DynamoDB 25 GB-months Standard storage and
18,600 RCU-hours + 18,600 WCU-hours; CloudWatch Logs 5 GB.
"""

import numpy as np
import pytest

from models.engine import estimate
from models.scenario import loads
from pricing import aws_lambda, dynamodb, http_api, websocket
from pricing.book import Price, PriceError, Tier, default_book
from pricing.lines import tiered


def lines_of(text: str) -> dict[str, tuple[float, float]]:
    """component -> (quantity, cost) of an estimate."""
    return {ln.component: (ln.quantity, ln.cost) for ln in estimate(loads(text)).lines}


# ---------------------------------------------------------------- DynamoDB request units


@pytest.mark.parametrize(
    "reads, item_kb, consistency, expected",
    [
        (1, 8, "strong", 2),  # 8 KB / 4 KB = 2 units, strong = 1x -> 2 RRU
        (1, 8, "eventual", 1),  # 2 units x 0.5 -> 1 RRU
        (1, 8, "transactional", 4),  # 2 units x 2 -> 4 RRU
        (1, 4, "strong", 1),  # exactly 4 KB -> 1 unit
        (1, 4.1, "strong", 2),  # 4.1 KB rounds up to 8 KB -> 2 units
        (1, 1, "eventual", 0.5),  # up to 4 KB eventually consistent -> half a unit
        (1, 6, "eventual", 1),  # 6 KB -> 2 units x 0.5 -> 1 RRU
        (3, 8, "strong", 6),  # 3 reads x 2 RRU
        (1.5, 4, "strong", 1.5),  # fractional average counts: 1.5 reads x 1 RRU
    ],
)
def test_dynamodb_read_units(reads, item_kb, consistency, expected):
    assert dynamodb.read_units(reads, item_kb, consistency) == pytest.approx(expected)


@pytest.mark.parametrize(
    "writes, item_kb, transactional, expected",
    [
        (1, 3, False, 3),  # 3 KB / 1 KB -> 3 WRU
        (1, 3, True, 6),  # transactional doubles: 3 x 2 -> 6 WRU
        (1, 1.5, False, 2),  # 1.5 KB rounds up to 2 KB -> 2 WRU
        (1, 1, False, 1),  # exactly 1 KB -> 1 WRU
        (1, 0.2, False, 1),  # anything up to 1 KB -> 1 WRU
        (2.5, 1, False, 2.5),  # fractional average counts
    ],
)
def test_dynamodb_write_units(writes, item_kb, transactional, expected):
    assert dynamodb.write_units(writes, item_kb, transactional) == pytest.approx(expected)


def test_dynamodb_gsi_writes_are_1x():
    # Every write also writes each GSI it updates, per 1 KB, never doubled:
    # 1 write x 2 GSIs x ceil(3 KB / 1 KB) = 6 WRU.
    assert dynamodb.gsi_write_units(1, 3, 2) == pytest.approx(6)
    # 1.5 KB item, 1 GSI: 1 x 1 x 2 = 2 WRU.
    assert dynamodb.gsi_write_units(1, 1.5, 1) == pytest.approx(2)
    assert dynamodb.gsi_write_units(1, 3, 0) == 0


def test_dynamodb_request_always_consumes_at_least_one_unit():
    # DynamoDB bills every request at least one unit (1 WRU per write; 1 RRU strong / 0.5 RRU
    # eventual per read, even of an absent item). item_kb 0 is accepted by the scenario reader
    # (range 0..400 / 0..1024), so it must not make the request free:
    #   1 write of 0 KB -> 1 WRU; 1 strong read of 0 KB -> 1 RRU; 1 eventual read -> 0.5 RRU.
    assert dynamodb.write_units(1, 0) == pytest.approx(1)
    assert dynamodb.read_units(1, 0, "strong") == pytest.approx(1)
    assert dynamodb.read_units(1, 0, "eventual") == pytest.approx(0.5)


def test_dynamodb_units_through_the_engine():
    # One use of `send` on a table with 1 GSI, free tier off:
    #   write 1 KB               -> 1 WRU + 1 GSI x 1 = 2 WRU
    #   transactional write 3 KB -> 3 x 2 = 6 WRU + GSI 1 x 3 (1x) = 9 WRU
    #   write 1.5 KB, gsis: 0    -> 2 WRU (the op overrides the table's GSIs)
    #   strong read 8 KB         -> 2 RRU; eventual read 8 KB -> 1 RRU; transactional read 8 KB -> 4 RRU
    # Per use: 13 WRU and 7 RRU. 1,000,000 uses: 13M WRU x $0.000000625 = $8.125 -> $8.13 (half up)
    # and 7M RRU x $0.000000125 = $0.875 -> $0.88.
    text = """
name: ddb
region: us-east-1
free_tier: false
tables: {t: {gsis: 1}}
features:
  send:
    dynamodb:
      - {table: t, writes: 1, item_kb: 1}
      - {table: t, writes: 1, item_kb: 3, transactional: true}
      - {table: t, writes: 1, item_kb: 1.5, gsis: 0}
      - {table: t, reads: 1, item_kb: 8, consistency: strong}
      - {table: t, reads: 1, item_kb: 8}
      - {table: t, reads: 1, item_kb: 8, consistency: transactional}
baseline: {send: 1000000}
"""
    got = lines_of(text)
    assert got["Write request units"] == pytest.approx((13_000_000, 8.13))
    assert got["Read request units"] == pytest.approx((7_000_000, 0.88))


# ---------------------------------------------------------------- API Gateway increments


@pytest.mark.parametrize(
    "messages, message_kb, expected",
    [
        (1, 32, 1),  # exactly 32 KB -> 1 metered message
        (1, 33, 2),  # 33 KB -> 2 increments of 32 KB
        (1, 64, 2),  # 64 KB -> 2
        (1, 65, 3),  # 65 KB -> 3
        (1, 0.5, 1),  # a small message still counts as 1
        (1, 0, 1),  # so does an empty one
        (6, 1, 6),  # 6 small messages -> 6
        (10, 33, 20),  # 10 x 2
    ],
)
def test_websocket_32kb_increments(messages, message_kb, expected):
    assert websocket.metered_messages(messages, message_kb) == expected


@pytest.mark.parametrize(
    "requests, request_kb, expected",
    [
        (1, 1, 1),  # a small request -> 1
        (1, 512, 1),  # exactly 512 KB -> 1
        (1, 513, 2),  # 513 KB -> 2 increments of 512 KB
        (1, 1024, 2),  # 1 MB -> 2
        (1, 1025, 3),  # just over 1 MB -> 3
        (10, 600, 20),  # 10 x 2
    ],
)
def test_http_512kb_increments(requests, request_kb, expected):
    assert http_api.metered_requests(requests, request_kb) == expected


# ---------------------------------------------------------------- Lambda duration


@pytest.mark.parametrize(
    "duration_ms, cold_start_rate, init_ms, expected",
    [
        (45, 0, 0, 45),  # whole ms: billed as is
        (45.2, 0, 0, 46),  # rounded up to the next 1 ms
        (0.4, 0, 0, 1),  # under 1 ms -> 1 ms
        (45, 1.0, 300, 345),  # every invocation cold: INIT 300 + 45 = 345 ms
        (100, 0.01, 250.3, 102.51),  # 0.99 x 100 + 0.01 x ceil(350.3) = 99 + 3.51 = 102.51 ms
        (45.2, 0.1, 300.5, 76.0),  # 0.9 x ceil(45.2) + 0.1 x ceil(345.7) = 41.4 + 34.6 = 76.0 ms
    ],
)
def test_lambda_billed_ms(duration_ms, cold_start_rate, init_ms, expected):
    assert aws_lambda.billed_ms(duration_ms, cold_start_rate, init_ms) == pytest.approx(expected)


def test_lambda_ms_rounding_and_init_through_the_engine():
    # 1024 MB = 1 GB, 45.2 ms -> 46 ms billed; 1,000 invocations -> 1,000 x 0.046 s x 1 GB = 46 GB-s.
    got = lines_of("""
name: ms
region: us-east-1
free_tier: false
functions: {f: {memory_mb: 1024, duration_ms: 45.2}}
features: {call: {lambda: {f: 1}}}
baseline: {call: 1000}
""")
    assert got["Duration x86_64 (first 6B)"][0] == pytest.approx(46)

    # INIT billed since 2025-08-01: 1M invocations of 100 ms, 10% cold with 500 ms INIT, 1 GB:
    # 0.9 x 100 + 0.1 x 600 = 150 ms -> 1M x 0.15 s x 1 GB = 150,000 GB-s
    # x $0.0000166667 = $2.500005 -> $2.50; requests 1M x $0.0000002 = $0.20.
    got = lines_of("""
name: init
region: us-east-1
free_tier: false
functions: {f: {memory_mb: 1024, duration_ms: 100, cold_start_rate: 0.1, init_ms: 500}}
features: {call: {lambda: {f: 1}}}
baseline: {call: 1000000}
""")
    assert got["Duration x86_64 (first 6B)"] == pytest.approx((150_000, 2.50))
    assert got["Requests x86_64"] == pytest.approx((1_000_000, 0.20))


@pytest.mark.parametrize(
    "hours, expected_seconds",
    [
        (8, 28_800),  # whole hours: 8 x 3600
        (0.5, 1_800),  # 30 minutes is a multiple of 5 minutes
        (0.1, 600),  # 6 minutes -> rounded up to 10 minutes = 600 s
        (8.01, 29_100),  # 480.6 minutes -> 485 minutes = 29,100 s
        (0, 0),
    ],
)
def test_provisioned_concurrency_5_minute_rounding(hours, expected_seconds):
    assert aws_lambda.provisioned_seconds(hours) == pytest.approx(expected_seconds)


def test_provisioned_concurrency_rounding_through_the_engine():
    # 100 x 1 GB enabled 0.1 h = 6 min -> billed 10 min = 600 s: 100 x 1 x 600 = 60,000 GB-s
    # x $0.0000041667 = $0.250002 -> $0.25 (unrounded 6 min would be 36,000 GB-s, $0.15).
    got = lines_of("""
name: pc
region: us-east-1
free_tier: false
functions: {f: {memory_mb: 1024, duration_ms: 10, provisioned: {concurrency: 100, hours: 0.1}}}
""")
    assert got["Provisioned concurrency x86_64"] == pytest.approx((60_000, 0.25))


# ---------------------------------------------------------------- free tier


def test_dynamodb_free_storage_25_gb_across_tables():
    # Standard: 20 GB + 10 GB = 30 GB; 25 free, 5 x $0.25 = $1.25.
    # Standard-IA gets no free storage: 10 GB x $0.10 = $1.00. Total $2.25.
    text = """
name: storage
region: us-east-1
tables:
  a: {storage_gb: 20}
  b: {storage_gb: 10}
  c: {table_class: standard_ia, storage_gb: 10}
"""
    got = lines_of(text)
    assert got["Storage (free tier)"] == pytest.approx((25, 0))
    assert got["Storage"] == pytest.approx((5, 1.25))
    assert got["Storage (Standard-IA)"] == pytest.approx((10, 1.00))
    e = estimate(loads(text))
    assert e.total == pytest.approx(2.25)
    # Free tier off: 30 x $0.25 + 10 x $0.10 = $8.50.
    assert estimate(
        loads(text.replace("region: us-east-1", "region: us-east-1\nfree_tier: false"))
    ).total == pytest.approx(8.50)


def test_dynamodb_free_provisioned_capacity_18600_unit_hours_across_tables():
    # Two provisioned tables, 20 RCU + 20 RCU and 20 WCU + 20 WCU, 730 h:
    # 40 x 730 = 29,200 unit-hours each; 18,600 free; 10,600 paid.
    # RCU: 10,600 x $0.00013 = $1.378 -> $1.38; WCU: 10,600 x $0.00065 = $6.89. Total $8.27.
    text = """
name: capacity
region: us-east-1
tables:
  a: {capacity: provisioned, read_capacity: 20, write_capacity: 20}
  b: {capacity: provisioned, read_capacity: 20, write_capacity: 20}
"""
    got = lines_of(text)
    assert got["Read capacity unit-hours (free tier)"] == pytest.approx((18_600, 0))
    assert got["Read capacity unit-hours"] == pytest.approx((10_600, 1.38))
    assert got["Write capacity unit-hours (free tier)"] == pytest.approx((18_600, 0))
    assert got["Write capacity unit-hours"] == pytest.approx((10_600, 6.89))
    assert estimate(loads(text)).total == pytest.approx(8.27)
    # The band is unit-hours, not "25 units": 25 RCU x 744 h = 18,600 -> free; 26 RCU x 744 h = 19,344
    # -> 744 paid x $0.00013 = $0.09672 -> $0.10.
    for rcu, expected in ((25, 0.0), (26, 0.10)):
        e = estimate(
            loads(f"""
name: band
region: us-east-1
hours_per_month: 744
tables: {{a: {{capacity: provisioned, read_capacity: {rcu}}}}}
""")
        )
        assert e.total == pytest.approx(expected)


def test_lambda_free_tier_shared_between_x86_and_arm64():
    # Two 1 GB functions of 500 ms, 600,000 invocations each: x86 300,000 GB-s, arm64 300,000 GB-s.
    # One allowance for both, shared in proportion to usage (pricing/service.py; issue 12: x86_64 first
    # biased every mixed estimate low):
    #   requests: 1M free split 500,000 / 500,000; each pays 100,000 x $0.0000002 = $0.02
    #   duration: 400,000 free split 200,000 / 200,000; x86 pays 100,000 GB-s x $0.0000166667 = $1.67,
    #             arm64 pays 100,000 GB-s x $0.0000133334 = $1.33
    # Total $3.04 (x86_64 first gave $2.71, arm64 first $3.37, a per-architecture allowance $0).
    text = """
name: shared
region: us-east-1
functions:
  x: {memory_mb: 1024, duration_ms: 500}
  a: {memory_mb: 1024, duration_ms: 500, architecture: arm64}
features:
  fx: {lambda: {x: 1}}
  fa: {lambda: {a: 1}}
baseline: {fx: 600000, fa: 600000}
"""
    got = lines_of(text)
    free_requests = sum(q for c, (q, _) in got.items() if c.startswith("Requests") and "(free tier)" in c)
    free_gb_s = sum(q for c, (q, _) in got.items() if c.startswith("Duration") and "(free tier)" in c)
    assert free_requests == pytest.approx(1_000_000)
    assert free_gb_s == pytest.approx(400_000)
    assert got["Requests x86_64"] == pytest.approx((100_000, 0.02))
    assert got["Requests arm64"] == pytest.approx((100_000, 0.02))
    assert got["Duration x86_64 (first 6B)"] == pytest.approx((100_000, 1.67))
    assert got["Duration arm64 (first 7.5B)"] == pytest.approx((100_000, 1.33))
    assert estimate(loads(text)).total == pytest.approx(3.04)


def test_logs_first_5_gb_free():
    # 15 x 1024^2 = 15,728,640 invocations x 1 KB of logs = 15 GB (GB of 1024^3 bytes).
    # Free tier on: (15 - 5) x $0.50 = $5.00; off: 15 x $0.50 = $7.50.
    text = """
name: logs
region: us-east-1
functions: {f: {memory_mb: 128, duration_ms: 1, log_kb: 1}}
features: {call: {lambda: {f: 1}}}
baseline: {call: 15728640}
"""
    e = estimate(loads(text))
    assert e.services["logs"] == pytest.approx(5.00)
    got = lines_of(text)
    assert got["Lambda logs ingestion (free tier)"] == pytest.approx((5, 0))
    off = estimate(loads(text.replace("region: us-east-1", "region: us-east-1\nfree_tier: false")))
    assert off.services["logs"] == pytest.approx(7.50)


# ---------------------------------------------------------------- volume tiers


def test_tiered_splits_at_the_x86_duration_6b_boundary():
    price = default_book().get("us-east-1", "lambda", "duration_x86_64")
    # 7.2B GB-s: first 6B, next 9B gets 1.2B, over 15B gets 0.
    parts = [float(line.quantity[0]) for line in tiered(price, np.array([7.2e9]), "Duration", "m")]
    assert parts == [6e9, 1.2e9, 0.0]
    # 20B: 6B, 9B, 5B.
    parts = [float(line.quantity[0]) for line in tiered(price, np.array([2e10]), "Duration", "m")]
    assert parts == [6e9, 9e9, 5e9]


def test_x86_duration_crossing_6b_through_the_engine():
    # 10,240 MB = 10 GB x 900,000 ms = 9,000 GB-s per invocation; 800,000 invocations = 7.2B GB-s.
    # first 6B x $0.0000166667 = $100,000.20; next 1.2B x $0.000015 = $18,000.00;
    # requests 800,000 x $0.0000002 = $0.16. Total $118,000.36.
    text = """
name: big
region: us-east-1
free_tier: false
functions: {f: {memory_mb: 10240, duration_ms: 900000}}
features: {call: {lambda: {f: 1}}}
baseline: {call: 800000}
"""
    got = lines_of(text)
    assert got["Duration x86_64 (first 6B)"] == pytest.approx((6e9, 100_000.20))
    assert got["Duration x86_64 (next 9B)"] == pytest.approx((1.2e9, 18_000.00))
    assert estimate(loads(text)).total == pytest.approx(118_000.36)


@pytest.mark.parametrize(
    "messages, message_kb, first, over, total",
    [
        # 1.5B messages: 1B x $0.000001 = $1,000.00; 0.5B x $0.0000008 = $400.00.
        (1_500_000_000, 1, 1e9, 5e8, 1400.00),
        # 750M messages of 33 KB = 2 metered each = 1.5B: same split.
        (750_000_000, 33, 1e9, 5e8, 1400.00),
        # Exactly 1B: all in the first tier, $1,000.00.
        (1_000_000_000, 1, 1e9, 0, 1000.00),
    ],
)
def test_websocket_crossing_1b_messages(messages, message_kb, first, over, total):
    e = estimate(
        loads(f"""
name: ws
region: us-east-1
free_tier: false
websockets: {{live: {{}}}}
features: {{push: {{websocket: {{messages: 1, message_kb: {message_kb}}}}}}}
baseline: {{push: {messages}}}
""")
    )
    q = {ln.component: ln.quantity for ln in e.lines}
    assert q["Messages (first 1B)"] == pytest.approx(first)
    assert q.get("Messages (over 1B)", 0.0) == pytest.approx(over)
    assert e.total == pytest.approx(total)


def test_tiered_refuses_usage_beyond_the_last_known_tier():
    # us-west-2 x86 duration is only known up to 6B GB-s: 6B is fine, 6B + 1 is an error.
    price = default_book().get("us-west-2", "lambda", "duration_x86_64")
    assert float(tiered(price, np.array([6e9]), "D", "m")[0].quantity[0]) == 6e9
    with pytest.raises(PriceError, match="us-west-2"):
        tiered(price, np.array([6e9 + 1]), "D", "m")


def test_tiered_hand_example():
    # Tiers 0-10 @ $1, 10-30 @ $0.5, 30+ @ $0.25; 45 units: 10 + 20 + 15;
    # cost 10 x 1 + 20 x 0.5 + 15 x 0.25 = 10 + 10 + 3.75 = $23.75.
    price = Price(
        "r", "s", "c", "unit", "ut", "src", (Tier(0, 10, "1"), Tier(10, 30, "0.5"), Tier(30, float("inf"), "0.25"))
    )
    lines = tiered(price, np.array([45.0, 5.0]), "C", "m")
    assert [ln.quantity.tolist() for ln in lines] == [[10, 5], [20, 0], [15, 0]]
    assert sum(ln.cost for ln in lines).tolist() == pytest.approx([23.75, 5.0])


def test_provisioned_block_with_nothing_provisioned_bills_on_demand():
    # concurrency 0 (or 0 hours) provisions nothing: 10M x (0.9 x 100 + 0.1 x ceil(100 + 1000)) ms = 2,000,000 s
    # x 1 GB = 2,000,000 GB-s x $0.0000166667 = $33.33; requests 10M x $0.20/M = $2.00.
    for provisioned in ("{concurrency: 0}", "{concurrency: 5, hours: 0}"):
        s = loads(f"""
name: t
region: us-east-1
free_tier: false
functions:
  f: {{memory_mb: 1024, duration_ms: 100, cold_start_rate: 0.1, init_ms: 1000, provisioned: {provisioned}}}
features: {{c: {{lambda: {{f: 1}}}}}}
baseline: {{c: 10000000}}
""")
        e = estimate(s)
        assert {ln.component: ln.cost for ln in e.lines} == {
            "Requests x86_64": 2.00,
            "Duration x86_64 (first 6B)": 33.33,
        }
        assert e.total == pytest.approx(35.33)

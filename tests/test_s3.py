"""Amazon S3 (pricing/services/s3.py): metering, prices, the scenario keys, capacity and the review.

Prices (us-east-1, book 2026-11-27): PUT, COPY, POST, LIST $0.005 per 1,000 requests ($0.000005 each),
GET and all other $0.0004 per 1,000 ($0.0000004 each); S3 Standard storage $0.023 per GB-month for the
first 51,200 GB (50 TB of 1024 GB), $0.022 for the next 460,800 GB (to 500 TB), $0.021 over 512,000 GB.
S3 has no Always Free allowance (its free offer was a 12-month one): free_tier changes nothing.
"""

import json
from pathlib import Path

import pytest

from models.capacity import capacity
from models.engine import estimate
from models.scenario import ScenarioError, loads, to_yaml
from pricing import pricelist as pl
from pricing.services import s3

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "pricelist" / "AmazonS3-us-east-1.json"
BOOK = Path(__file__).resolve().parent.parent / "pricing" / "books" / "2026-11-27.json"
STORAGE = "s3.storage_gb_month.standard"
FIRST, NEXT, OVER = (
    f"Storage (S3 Standard) ({tier} GB-month)" for tier in ("first 51,200", "next 460,800", "over 512,000")
)


def scenario(buckets: str, uses: str, users: float = 1_000_000, free_tier: bool = False) -> str:
    return (
        f"name: b\nregion: us-east-1\nfree_tier: {str(free_tier).lower()}\nbuckets: {buckets}\n"
        f"features:\n  job:\n    s3: {uses}\ntiers:\n  all: {{users: {users}, uses: {{job: 1}}}}\n"
    )


def s3_lines(text: str) -> dict[str, tuple[float, float]]:
    """label -> (quantity, cost) of the estimate's S3 lines (costs in whole cents)."""
    return {ln.component: (ln.quantity, ln.cost) for ln in estimate(loads(text)).lines if ln.service == "s3"}


# ---------------------------------------------------------------- metering


@pytest.mark.parametrize(
    "puts, gets, tier1, tier2",
    [
        (0, 0, 0, 0),  # a use that makes no request bills none
        (1, 0, 1, 0),  # PUT/COPY/POST/LIST: Tier 1
        (0, 1, 0, 1),  # GET and all other: Tier 2
        (2.5, 40, 2.5, 40),  # averages per use are kept as given, no rounding
    ],
)
def test_requests_per_use_go_to_their_tier(puts, gets, tier1, tier2):
    u = s3.Use(bucket="media", puts=puts, gets=gets)
    assert s3.use(u, s3.Resource(), None) == {"s3.requests.tier1": tier1, "s3.requests.tier2": tier2}


@pytest.mark.parametrize("storage_gb, expected", [(0, {}), (0.5, {STORAGE: 0.5}), (52_900, {STORAGE: 52_900})])
def test_storage_is_the_buckets_fixed_monthly_quantity(storage_gb, expected):
    assert s3.fixed(s3.Resource(storage_gb=storage_gb), None) == expected


def test_requests_one_million_uses():
    # 1M uses x 1 PUT = 1M x $0.000005 = $5.00; x 10 GETs = 10M x $0.0000004 = $4.00
    lines = s3_lines(scenario("{media: {}}", "[{puts: 1, gets: 10}]"))
    assert lines == {
        "PUT, COPY, POST, LIST requests": (1_000_000, 5.00),
        "GET and all other requests": (10_000_000, 4.00),
    }


# ---------------------------------------------------------------- storage volume tiers


def test_the_s3_faq_storage_example_at_todays_prices():
    # The S3 FAQ's storage example: 100 GB for 15 days and 100 TB for the last 16 days of March
    # = 42,259,901,212,262,400 byte-hours / 1,073,741,824 / 744 h = 52,900 GB-months, across the 50 TB break.
    # Priced with today's book (the FAQ's dollar figures are from older prices):
    # 51,200 GB x $0.023 = $1,177.60; 1,700 GB x $0.022 = $37.40; total $1,215.00.
    gb_months = (107_374_182_400 * 15 * 24 + 109_951_162_777_600 * 16 * 24) / 1_073_741_824 / 744
    assert gb_months == pytest.approx(52_900)
    lines = s3_lines(scenario("{media: {storage_gb: 52900}}", "[{puts: 0}]"))
    assert lines == {FIRST: (51_200, 1177.60), NEXT: (1_700, 37.40)}
    assert estimate(loads(scenario("{media: {storage_gb: 52900}}", "[]"))).services["s3"] == pytest.approx(1215.00)


@pytest.mark.parametrize(
    "storage_gb, expected",
    [  # each line is rounded to the cent, as AWS rounds each line of a bill
        (0, {}),
        (1, {FIRST: (1, 0.02)}),  # 1 x $0.023
        (51_200, {FIRST: (51_200, 1177.60)}),  # exactly 50 TB (binary): all in the first tier
        (51_201, {FIRST: (51_200, 1177.60), NEXT: (1, 0.02)}),  # one GB over: 1 x $0.022
        (512_000, {FIRST: (51_200, 1177.60), NEXT: (460_800, 10_137.60)}),  # exactly 500 TB: 460,800 x $0.022
        (600_000, {FIRST: (51_200, 1177.60), NEXT: (460_800, 10_137.60), OVER: (88_000, 1848.00)}),  # x $0.021
    ],
)
def test_storage_volume_tiers_break_at_50_and_500_binary_tb(storage_gb, expected):
    assert s3_lines(scenario(f"{{media: {{storage_gb: {storage_gb}}}}}", "[]")) == expected


def test_the_book_keeps_the_price_lists_binary_breakpoints():
    # The Price List's TimedStorage-ByteHrs bands are 0-51200, 51200-512000, 512000-Inf GB-Mo (not 50,000).
    allowances = pl.allowances_of(json.loads(BOOK.read_text()))
    m = pl.match_region(pl.read_products_file(FIXTURE), "us-east-1", ["AmazonS3"], allowances, "fixture", "2026-11-28")
    assert m.missing == []
    rows = {(r["component"], r["begin"], r["end"], r["price"]) for r in m.rows}
    assert rows == {
        ("requests_tier1", "0", "Inf", "0.000005"),  # unit "Requests": priced per request, not per 1,000
        ("requests_tier2", "0", "Inf", "0.0000004"),
        ("standard_storage", "0", "51200", "0.023"),
        ("standard_storage", "51200", "512000", "0.022"),
        ("standard_storage", "512000", "Inf", "0.021"),
    }  # the Standard-IA decoy (TimedStorage-SIA-ByteHrs) is not Standard storage


# ---------------------------------------------------------------- free tier


def test_the_legacy_12_month_free_tier_is_not_modelled():
    # 10 GB, 1M PUTs, 1M GETs: $0.23 + $5.00 + $0.40 = $5.63 whether free_tier is on or off, and no free lines
    text = "{media: {storage_gb: 10}}", "[{puts: 1, gets: 1}]"
    off, on = s3_lines(scenario(*text)), s3_lines(scenario(*text, free_tier=True))
    assert on == off
    assert sum(cost for _, cost in on.values()) == pytest.approx(5.63)
    assert not [label for label in on if "free" in label]


# ---------------------------------------------------------------- the fixed cost, shared


def test_storage_is_shared_over_the_features_by_their_costs():
    text = (
        "name: b\nregion: us-east-1\nbuckets: {media: {storage_gb: 1000}}\n"
        "features:\n  upload:\n    s3: [{puts: 1}]\n  browse:\n    s3: [{gets: 25}]\n"
        "tiers:\n  all: {users: 1000000, uses: {upload: 1, browse: 1}}\n"
    )
    e = estimate(loads(text))
    # upload: 1M PUTs = $5.00; browse: 25M GETs x $0.0000004 = $10.00; storage 1,000 GB x $0.023 = $23.00,
    # shared 5:10 -> upload $5 + $7.67 = $12.67, browse $10 + $15.33 = $25.33
    assert e.services["s3"] == pytest.approx(38.00)
    assert e.shared_cost == pytest.approx(23.00)
    costs = {f.name: f.cost for f in e.features}
    assert costs == pytest.approx({"upload": 5 + 23 / 3, "browse": 10 + 23 * 2 / 3})


# ---------------------------------------------------------------- the scenario keys


def test_defaults_and_the_only_bucket_may_be_left_out():
    s = loads(scenario("{media: {}}", "[{}]"))
    (u,) = s.features["job"].uses["s3"]
    assert (u.bucket, u.puts, u.gets) == ("media", 0, 0)
    assert s.resources["buckets"]["media"].storage_gb == 0
    assert loads(to_yaml(s)) == s  # the writer keeps what the reader read


def test_round_trip_through_yaml():
    text = (
        "name: b\nregion: us-east-1\nbuckets: {media: {storage_gb: 120.5}, logs: {}}\n"
        "features:\n  job:\n    s3: [{bucket: media, puts: 2, gets: 30}, {bucket: logs, puts: 1}]\n"
        "tiers:\n  all: {users: 10, uses: {job: 1}}\n"
    )
    s = loads(text)
    again = loads(to_yaml(s))
    assert again == s
    assert [(u.bucket, u.puts, u.gets) for u in again.features["job"].uses["s3"]] == [("media", 2, 30), ("logs", 1, 0)]
    assert again.resources["buckets"]["media"].storage_gb == 120.5


@pytest.mark.parametrize(
    "buckets, uses, where, what",
    [
        ("{media: {}}", "[{bucket: logs}]", "features.job.s3[0].bucket", "unknown bucket 'logs'"),
        ("{media: {}}", "[{bucket: 3}]", "features.job.s3[0].bucket", "name of a bucket"),
        ("{a: {}, b: {}}", "[{puts: 1}]", "features.job.s3[0]", "needs 'bucket'"),
        ("{media: {}}", "[{gets: many}]", "features.job.s3[0].gets", "must be a number"),
        ("{media: {}}", "[{puts: -1}]", "features.job.s3[0].puts", "negative"),
        ("{media: {}}", "[{puts: 1e13}]", "features.job.s3[0].puts", "between 0 and 1e+12"),
        ("{media: {}}", "[{put: 1}]", "features.job.s3[0].put", "unknown key 'put'"),
        ("{media: {}}", "{puts: 1}", "features.job.s3", "must be a list"),
        ("{media: {storage_gb: lots}}", "[]", "buckets.media.storage_gb", "must be a number"),
        ("{media: {storage_gb: -1}}", "[]", "buckets.media.storage_gb", "negative"),
        ("{media: {size_gb: 1}}", "[]", "buckets.media.size_gb", "unknown key 'size_gb'"),
        ("{media: 3}", "[]", "buckets.media", "must be a mapping"),
        ("[media]", "[]", "buckets", "must be a mapping"),
    ],
)
def test_bad_s3_input_names_the_field(buckets, uses, where, what):
    with pytest.raises(ScenarioError) as err:
        loads(scenario(buckets, uses))
    assert f"{where}: " in str(err.value) and what in str(err.value)


def test_uses_of_a_bucket_with_no_bucket_defined_is_an_error():
    text = "name: b\nregion: us-east-1\nfeatures:\n  job:\n    s3: [{puts: 1}]\n"
    with pytest.raises(ScenarioError, match=r"features\.job\.s3\[0\]: uses a bucket but the scenario defines none"):
        loads(text)


# ---------------------------------------------------------------- capacity


def test_request_rates_per_bucket_against_one_prefix():
    # 1M users x 1 use x 10 PUTs = 10M PUTs a month; over 730 h at peak x2: 7.61 PUT/s at 1M users.
    # GETs: 100M a month -> 76.1/s. Each bucket on its own: logs takes 1M users x 1 PUT = 0.761/s.
    text = scenario("{media: {}, logs: {}}", "[{bucket: media, puts: 10, gets: 100}, {bucket: logs, puts: 1}]")
    limits, _ = capacity(loads(text))
    got = {(x.limit, x.resource): x for x in limits if x.limit.startswith("s3_")}
    per_s = 10_000_000 / (730 * 3600) * 2
    write = got["s3_write_requests_per_second", "media"]
    assert (write.quota, write.unit) == (3500, "requests/s")
    assert write.utilization == pytest.approx(per_s / 3500)
    assert write.users_at_limit == pytest.approx(1_000_000 * 3500 / per_s)
    read = got["s3_read_requests_per_second", "media"]
    assert read.quota == 5500
    assert read.utilization == pytest.approx(10 * per_s / 5500)
    assert got["s3_write_requests_per_second", "logs"].utilization == pytest.approx(per_s / 10 / 3500)
    idle = got["s3_read_requests_per_second", "logs"]  # no GETs: no load, never reached
    assert (idle.peak, idle.users_at_limit) == (0.0, None)


def test_quotas_raise_the_per_prefix_rates():
    text = scenario("{media: {}}", "[{puts: 10, gets: 10}]").replace(
        "buckets:", "quotas: {s3_write_requests_per_second: 7000, s3_read_requests_per_second: 11000}\nbuckets:"
    )
    got = {x.limit: x.quota for x in capacity(loads(text))[0] if x.limit.startswith("s3_")}
    assert got == {"s3_write_requests_per_second": 7000, "s3_read_requests_per_second": 11000}


# ---------------------------------------------------------------- Cost Explorer and the review


@pytest.mark.parametrize(
    "service, usage_type, region, meter",
    [
        ("Amazon Simple Storage Service", "Requests-Tier1", "us-east-1", "s3.requests.tier1"),
        ("Amazon Simple Storage Service", "USE1-Requests-Tier2", "us-east-1", "s3.requests.tier2"),
        ("Amazon Simple Storage Service", "TimedStorage-ByteHrs", "us-east-1", STORAGE),
        ("Amazon Simple Storage Service", "EU-TimedStorage-ByteHrs", "eu-west-1", STORAGE),
        ("Amazon Simple Storage Service", "EU-Requests-Tier1", "us-east-1", None),  # another region
        ("Amazon Simple Storage Service", "TimedStorage-INT-FA-ByteHrs", "us-east-1", None),  # Intelligent-Tiering
        ("Amazon Simple Storage Service", "Requests-SIA-Tier1", "us-east-1", None),  # Standard-IA requests
        ("Amazon DynamoDB", "TimedStorage-ByteHrs", "us-east-1", "dynamodb.storage_gb_month.standard"),
    ],
)
def test_cost_explorer_usage_types_map_to_the_s3_meters(service, usage_type, region, meter):
    from usage.costexplorer import classify

    assert classify(service, usage_type, region, [])[0] == meter


def test_another_services_tier1_requests_are_not_s3s():
    from usage.costexplorer import classify

    assert classify("Amazon Simple Notification Service", "Requests-Tier1", "us-east-1", [])[0] != "s3.requests.tier1"


def test_the_review_reconciles_a_bucket_bill():
    from models.review import Bill, BilledLine, reconcile
    from usage.costexplorer import classify

    s = loads(scenario("{media: {storage_gb: 100}}", "[{puts: 1}]"))
    # Modelled: storage 100 GB-months x $0.023 = $2.30. Billed: 110 GB-months (10% more) for $2.53.
    meter, why = classify("Amazon Simple Storage Service", "TimedStorage-ByteHrs", "us-east-1", [])
    billed = BilledLine("Amazon Simple Storage Service", "TimedStorage-ByteHrs", 110, "GB-Mo", 2.53, meter, why)
    review = reconcile(s, Bill("2026-10", [billed], {}))
    (line,) = [ln for ln in review.lines if ln.service == "s3" and ln.usage_type == "TimedStorage-ByteHrs"]
    assert (line.modelled_cost, line.billed_cost, line.variance) == (2.30, 2.53, pytest.approx(0.23))
    assert line.cause == "usage differs from the model"  # no S3 metric: the 10 GB-months more show as metering
    assert (line.usage_effect, line.metering_effect, line.rate_effect) == (0.0, pytest.approx(0.23), 0.0)
    # the PUTs the model has and this bill lacks: $5.00 not on the bill
    (puts,) = [ln for ln in review.lines if ln.service == "s3" and ln.usage_type == "Requests-Tier1"]
    assert (puts.modelled_cost, puts.billed_cost, puts.cause) == (5.00, 0.0, "not on the bill")


# ---------------------------------------------------------------- the Features editor


def test_the_features_editor_table_round_trips_uses():
    from pricing.services import by_name
    from ui import tables

    sv = by_name("s3")
    uses = [{"bucket": "media", "puts": 2.0, "gets": 30.0}, {"bucket": "logs", "puts": 1.0}]
    df = tables.uses_frame(sv, uses)
    assert list(df.columns) == ["bucket", "puts", "gets"]
    assert df.loc[1, "gets"] == 0.0  # defaults filled in for the editor
    back = tables.uses_from_frame(sv, df)
    assert back[0] == {"bucket": "media", "puts": 2.0, "gets": 30.0}
    assert back[1]["puts"] == 1.0

"""Refreshing the price book from the AWS Price List (issue 7), and diffing books.

Price List data comes from trimmed fixtures in tests/fixtures/pricelist/ (SYNTHETIC where marked): bulk offer
files for us-east-1 carrying the committed book's prices, and GetProducts items for eu-west-1. The API path is
tested with botocore's Stubber (moto has no `pricing` service), with responses in the real GetProducts format:
`PriceList` is a list of JSON strings.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

import cli
from commands import prices as cli_prices
from models.engine import estimate
from models.report import price_diff_text as diff_text
from models.scenario import loads
from pricing import pricelist as pl
from pricing.book import BOOKS_DIR, PriceError, book_sort_key, load
from pricing.diff import ADDED, CHANGED, REMOVED, UNCHANGED, diff_books, scenario_changes, to_json
from usage import pricelist as api
from usage.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pricelist"
COMMITTED = BOOKS_DIR / "2026-11-27.json"
US_FILES = [FIXTURES / f"{offer}-us-east-1.json" for offer in pl.OFFERS]
TODAY = "2026-11-28"


def _examples() -> dict:
    spec = importlib.util.spec_from_file_location("published_examples", ROOT / "tests" / "test_published_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXAMPLES


EXAMPLES = _examples()


@pytest.fixture(scope="module")
def base_doc() -> dict:
    return json.loads(COMMITTED.read_text())


@pytest.fixture(scope="module")
def allowances(base_doc) -> dict:
    return pl.allowances_of(base_doc)


def us_products() -> list[dict]:
    return [p for f in US_FILES for p in pl.read_products_file(f)]


def eu_items() -> dict[str, list[dict]]:
    """GetProducts items for eu-west-1, by offer (a fresh copy each time, for tests that edit them)."""
    doc = json.loads((FIXTURES / "getproducts-eu-west-1.json").read_text())
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def match_us(products=None, allowances=None, offers=pl.OFFERS) -> pl.RegionMatch:
    allowances = allowances if allowances is not None else pl.allowances_of(json.loads(COMMITTED.read_text()))
    return pl.match_region(us_products() if products is None else products, "us-east-1", offers, allowances,
                           "from test fixtures", TODAY)  # fmt: skip


def book_from(matches, base_doc, tmp_path, strict=True):
    result = pl.build_book(matches, base_doc, "pricing/books/2026-11-27.json", TODAY, "test", strict=strict)
    return result, load(pl.write_book(result.doc, tmp_path, TODAY))


def product_by_usage_type(products: list[dict], usage_type: str) -> dict:
    return next(p for p in products if p["product"]["attributes"]["usagetype"] == usage_type)


def one_dimension(product: dict) -> dict:
    (term,) = product["terms"]["OnDemand"].values()
    return next(iter(term["priceDimensions"].values()))


# ---------------------------------------------------------------- the component table


def test_components_are_the_committed_books(base_doc):
    rows = [r for r in base_doc["prices"] if r["region"] != "global"]
    assert {(c.service, c.component) for c in pl.COMPONENTS} == {(r["service"], r["component"]) for r in rows}
    by_key = {(c.service, c.component): c for c in pl.COMPONENTS}
    for r in rows:  # every usage type of the committed book finds exactly its component, with its unit
        c = by_key[r["service"], r["component"]]
        assert pl.components_for(r["usage_type"], c.offer) == [c], r
        assert c.unit == r["unit"], r
    free = {r["component"] for r in base_doc["prices"] if r["region"] == "global"}
    assert {c.free for c in pl.COMPONENTS if c.free} <= free


@pytest.mark.parametrize(
    ("usage_type", "offer", "component"),
    [
        ("Request", "AWSLambda", "requests_x86_64"),  # us-east-1: no prefix
        ("EU-Request", "AWSLambda", "requests_x86_64"),  # Ireland: EU-
        ("APN1-Lambda-GB-Second-ARM", "AWSLambda", "duration_arm64"),
        ("USE1-ApiGatewayMessage", "AmazonApiGateway", "messages"),  # USE1- even in us-east-1
        ("IA-ReadRequestUnits", "AmazonDynamoDB", "read_request_units_standard_ia"),  # IA- is no region prefix
        ("EU-IA-TimedStorage-ByteHrs", "AmazonDynamoDB", "storage_standard_ia"),
        ("EUC1-TimedStorage-ByteHrs", "AmazonDynamoDB", "storage_standard"),
        ("Global-Request", "AWSLambda", None),  # the Always Free row of the global offer
        ("Lambda-Edge-Request", "AWSLambda", None),
        ("USE1-Lambda-Managed-Instances-Request", "AWSLambda", None),
        ("USE1-VendedLog-Bytes-WAFLogs", "AmazonCloudWatch", None),
        ("Request", "AmazonApiGateway", None),  # another offer's usage type
    ],
)
def test_usage_type_matching(usage_type, offer, component):
    assert [c.component for c in pl.components_for(usage_type, offer)] == ([component] if component else [])


def test_strip_region_prefix():
    assert pl.strip_region_prefix("EU-Request") == "Request"
    assert pl.strip_region_prefix("USE1-ApiGatewayMessage") == "ApiGatewayMessage"
    assert pl.strip_region_prefix("Request") == "Request"


# ---------------------------------------------------------------- matching


def test_bulk_offer_files_give_the_committed_us_east_1_prices(base_doc):
    m = match_us()
    assert m.missing == []
    got = {(r["service"], r["component"], r["begin"], r["end"]): r for r in m.rows}
    committed = {
        (r["service"], r["component"], r["begin"], r["end"]): r
        for r in base_doc["prices"]
        if r["region"] == "us-east-1"
    }
    assert got.keys() == committed.keys()
    for key, r in got.items():
        assert Decimal(r["price"]) == Decimal(committed[key]["price"]), key
        assert r["unit"] == committed[key]["unit"]
    # Prices stay strings as published; tiers as in beginRange/endRange; the offer version is the source.
    x86 = [r for r in m.rows if r["component"] == "duration_x86_64"]
    assert [(r["begin"], r["end"], r["price"]) for r in x86] == [
        ("0", "6000000000", "0.0000166667"),
        ("6000000000", "15000000000", "0.0000150000"),
        ("15000000000", "Inf", "0.0000133334"),
    ]
    assert {r["source"] for r in x86} == {"PL-AWSLambda-20260919002359"}
    assert "publicationDate 2026-09-19T00:23:59Z" in m.sources["PL-AWSLambda-20260919002359"]


def test_free_tier_band_is_dropped_and_checked_against_the_allowance(allowances):
    m = match_us()
    storage = [r for r in m.rows if r["component"] == "storage_standard"]
    assert [(r["begin"], r["end"], r["price"]) for r in storage] == [("0", "Inf", "0.2500000000")]
    assert {(c.component, end) for c, end in m.free_bands} == {
        ("storage_standard", "25"),
        ("read_capacity_unit_hours_standard", "18600"),
        ("write_capacity_unit_hours_standard", "18600"),
    }
    # A free band of another size than the book's allowance would bill wrongly: an error naming it.
    smaller = dict(allowances)
    smaller["dynamodb", "storage_standard_free"] = Decimal(20)
    with pytest.raises(PriceError, match=r"dynamodb storage_standard in us-east-1: .*first 25 GB-month for \$0.*is 20"):
        match_us(allowances=smaller)
    # A $0 first band on a component without an allowance: also an error.
    products = us_products()
    dim = one_dimension(product_by_usage_type(products, "USE1-ApiGatewayMinute"))
    dim["endRange"] = "1000"
    dim2 = dict(dim, beginRange="1000", endRange="Inf")
    dim["pricePerUnit"] = {"USD": "0.0000000000"}
    term = next(iter(product_by_usage_type(products, "USE1-ApiGatewayMinute")["terms"]["OnDemand"].values()))
    term["priceDimensions"]["X.JRTCKXETXF.SYNTHX"] = dim2
    with pytest.raises(PriceError, match="websocket connection_minutes in us-east-1: .*no free allowance"):
        match_us(products)


def test_free_tier_products_of_the_global_offer_are_skipped():
    products = us_products()
    assert any(p["product"]["attributes"]["usagetype"] == "Global-Request" for p in products)
    rows = [r for r in match_us(products).rows if r["component"] == "requests_x86_64"]
    assert [(r["begin"], r["end"], r["price"]) for r in rows] == [("0", "Inf", "0.0000002000")]


def test_same_price_twice_is_one_price_but_different_prices_are_an_error():
    products = us_products()  # the fixture already has storage twice (TimedStorage-ByteHrs, USE1-...): fine
    assert match_us(products).missing == []
    clash = copy.deepcopy(product_by_usage_type(products, "Request"))
    clash["product"]["sku"] = "SYNTHCLASH000001"
    clash["product"]["attributes"]["usagetype"] = "USE1-Request"
    one_dimension(clash)["pricePerUnit"]["USD"] = "0.0000002100"
    with pytest.raises(pl.AmbiguousComponent) as e:
        match_us([*products, clash])
    message = str(e.value)
    assert "lambda requests_x86_64 in us-east-1" in message
    assert "GU2ZS9HVP6QTQ7KE (Request)" in message and "SYNTHCLASH000001 (USE1-Request)" in message
    assert "0.0000002000" in message and "0.0000002100" in message


def test_tiers_split_over_several_products_are_joined():
    products = [p for p in us_products() if p["product"]["attributes"]["usagetype"] != "Lambda-GB-Second"]
    whole = product_by_usage_type(us_products(), "Lambda-GB-Second")
    (term,) = whole["terms"]["OnDemand"].values()
    for i, (code, dim) in enumerate(term["priceDimensions"].items()):
        part = copy.deepcopy(whole)
        part["product"]["sku"] = f"SYNTHSPLIT{i:06d}"
        (t,) = part["terms"]["OnDemand"].values()
        t["priceDimensions"] = {code: dim}
        products.append(part)
    rows = [r for r in match_us(products).rows if r["component"] == "duration_x86_64"]
    assert [(r["begin"], r["end"]) for r in rows] == [
        ("0", "6000000000"),
        ("6000000000", "15000000000"),
        ("15000000000", "Inf"),
    ]


def test_missing_component_is_an_error_naming_it(base_doc, tmp_path):
    products = [p for p in us_products() if p["product"]["attributes"]["usagetype"] != "Lambda-GB-Second-ARM"]
    m = match_us(products)
    assert [c.component for c in m.missing] == ["duration_arm64"]
    with pytest.raises(pl.MissingComponent, match=r"no Price List product for lambda duration_arm64 in us-east-1"):
        pl.build_book([m], base_doc, "base", TODAY, "test", strict=True)
    # Not strict (--all-regions): left out of the new book and reported; the engine then names it when used.
    result, book = book_from([m], base_doc, tmp_path, strict=False)
    assert [(r, c.component) for r, c in result.missing] == [("us-east-1", "duration_arm64")]
    assert {r["component"] for r in result.dropped} == {"duration_arm64"}
    assert ("us-east-1", "lambda", "duration_arm64") not in book.prices
    arm = EXAMPLES["G1 small function arm64"][0]
    with pytest.raises(PriceError, match="no price for lambda duration_arm64 in us-east-1"):
        estimate(loads(arm), book)


def test_unexpected_unit_is_an_error():
    products = us_products()
    one_dimension(product_by_usage_type(products, "USE1-ApiGatewayMinute"))["unit"] = "Hrs"
    with pytest.raises(PriceError, match="websocket connection_minutes in us-east-1: .* per 'Hrs'"):
        match_us(products)


def test_tiers_with_a_gap_are_an_error():
    products = us_products()
    (term,) = product_by_usage_type(products, "Lambda-GB-Second")["terms"]["OnDemand"].values()
    dims = list(term["priceDimensions"].values())
    dims[1]["beginRange"] = "7000000000"
    with pytest.raises(PriceError, match="lambda duration_x86_64 in us-east-1: .*do not run from 0 to Inf"):
        match_us(products)


# ---------------------------------------------------------------- the refreshed book


@pytest.mark.parametrize("name", EXAMPLES)
def test_refreshed_book_prices_the_published_examples_as_the_committed_one(name, base_doc, tmp_path):
    _, refreshed = book_from([match_us()], base_doc, tmp_path)
    committed = load(COMMITTED)
    text, expected_lines, expected_total = EXAMPLES[name]
    old, new = estimate(loads(text), committed), estimate(loads(text), refreshed)
    assert new.total == old.total == pytest.approx(expected_total, abs=1e-9)
    assert [(ln.component, float(ln.quantity), ln.unit_price, float(ln.cost)) for ln in new.lines] == [
        (ln.component, float(ln.quantity), ln.unit_price, float(ln.cost)) for ln in old.lines
    ]
    assert new.prices_as_of == TODAY


def test_new_book_keeps_other_regions_and_the_free_tier(base_doc, tmp_path):
    result, book = book_from([match_us()], base_doc, tmp_path)
    committed = load(COMMITTED)
    assert book.regions == committed.regions
    for key, price in committed.prices.items():
        if key[0] != "us-east-1":
            assert book.prices[key] == price  # carried over: same tiers, prices, usage type and source
    assert book.allowance("lambda", "duration_free") == 400_000
    assert set(book.sources) >= {"calculator", "free-tier", "PL-AWSLambda-20260919002359"}
    assert "PL-ocel" not in book.sources  # only us-east-1 rows cited it
    assert book.read.startswith(f"Refreshed {TODAY} from the AWS Price List")
    assert result.carried == sum(r["region"] != "us-east-1" for r in base_doc["prices"])


def test_write_book_names_and_never_overwrites(base_doc, tmp_path):
    doc = pl.build_book([match_us()], base_doc, "base", TODAY, "test").doc
    paths = [pl.write_book(doc, tmp_path, TODAY) for _ in range(3)]
    assert [p.name for p in paths] == [f"{TODAY}.json", f"{TODAY}-2.json", f"{TODAY}-3.json"]
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in paths)  # no temp file left behind
    assert json.loads(paths[0].read_text()) == doc
    names = ["2026-11-27.json", "2026-11-27-2.json", "2026-11-27-10.json", "2026-11-28.json"]
    assert sorted(map(Path, names), key=book_sort_key)[-1].name == "2026-11-28.json"
    assert sorted(map(Path, names[:3]), key=book_sort_key)[-1].name == "2026-11-27-10.json"


def test_write_book_writes_nothing_when_the_book_is_invalid(base_doc, tmp_path):
    doc = pl.build_book([match_us()], base_doc, "base", TODAY, "test").doc
    doc["prices"][0]["price"] = "-1"
    with pytest.raises(PriceError, match="negative price"):
        pl.write_book(doc, tmp_path, TODAY)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- diff


def test_diff_books_per_region_component_and_tier(base_doc, tmp_path):
    products = us_products()
    one_dimension(product_by_usage_type(products, "USE1-ApiGatewayMinute"))["pricePerUnit"]["USD"] = "0.0000003000"
    eu = eu_items()
    eu_products = pl.products_from_price_list([json.dumps(p) for items in eu.values() for p in items])
    m_eu = pl.match_region(eu_products, "eu-west-1", ["AWSLambda"], pl.allowances_of(base_doc), "test", TODAY)
    drop = [p for p in products if p["product"]["attributes"]["usagetype"] != "IA-TimedStorage-ByteHrs"]
    _, new = book_from([match_us(drop), m_eu], base_doc, tmp_path, strict=False)
    old = load(COMMITTED)
    changes = {(c.region, c.service, c.component): c for c in diff_books(old, new)}

    minutes = changes["us-east-1", "websocket", "connection_minutes"]
    assert minutes.status == CHANGED
    assert [(t.old, t.new, round(t.change_pct, 6)) for t in minutes.tiers] == [("0.00000025", "0.0000003000", 20.0)]
    assert changes["us-east-1", "dynamodb", "storage_standard_ia"].status == REMOVED
    assert changes["eu-west-1", "lambda", "provisioned_arm64"].status == ADDED  # not in the committed book
    assert changes["us-east-1", "lambda", "requests_x86_64"].status == UNCHANGED  # "0.0000002000" == "0.0000002"
    eu_x86 = changes["eu-west-1", "lambda", "duration_x86_64"]  # the committed book had the first tier only
    assert eu_x86.status == CHANGED
    assert [(t.end, t.old, t.new) for t in eu_x86.tiers] == [
        (6e9, "0.0000166667", "0.0000166667"),
        (15e9, None, "0.0000150000"),
        (float("inf"), None, "0.0000133334"),
    ]

    text = diff_text(old, new, list(changes.values()))
    assert "connection_minutes" in text and "+20.00%" in text and "0-Inf" in text and "6B-15B" in text
    assert "requests_x86_64" not in text.split("eu-west-1")[0]  # unchanged us-east-1 rows are not listed
    doc = to_json(old, new, list(changes.values()))
    assert doc["summary"]["removed"] == 1 and doc["summary"]["changed"] >= 2
    json.dumps(doc)  # serialisable


def test_scenario_changes_under_each_book(base_doc, tmp_path):
    products = us_products()
    one_dimension(product_by_usage_type(products, "USE1-ApiGatewayMinute"))["pricePerUnit"]["USD"] = "0.0000005000"
    _, new = book_from([match_us(products)], base_doc, tmp_path)
    old = load(COMMITTED)
    a7 = tmp_path / "a7.yaml"
    a7.write_text(EXAMPLES["A7 WebSocket chat"][0])
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(EXAMPLES["A7 WebSocket chat"][0].replace("us-east-1", "sa-east-1"))

    def total(path, book):
        return estimate(loads(Path(path).read_text(), source=path), book).total

    from models.yamlio import ScenarioError

    changes = scenario_changes([str(a7), str(elsewhere)], old, new, total, errors=(ScenarioError, PriceError))
    assert (changes[0].old_total, changes[0].new_total, changes[0].change) == (23.40, 28.80, 5.40)
    assert changes[0].change_pct == pytest.approx(5.40 / 23.40 * 100)
    assert changes[1].old_total is None and "sa-east-1" in changes[1].old_error
    text = diff_text(old, new, diff_books(old, new), changes)
    assert "a7.yaml" in text and "23.40" in text and "28.80" in text and "+5.40" in text
    assert "Not priced:" in text and "sa-east-1" in text


def test_cli_diff_table_and_json(capsys, tmp_path, base_doc):
    products = us_products()
    one_dimension(product_by_usage_type(products, "USE1-ApiGatewayMinute"))["pricePerUnit"]["USD"] = "0.0000005000"
    result, _ = book_from([match_us(products)], base_doc, tmp_path)
    new_path = tmp_path / f"{TODAY}.json"
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "a7.yaml").write_text(EXAMPLES["A7 WebSocket chat"][0])
    assert cli.main(["prices", "diff", "2026-11-27", str(new_path), "--scenarios", str(scenarios)]) == 0
    out = capsys.readouterr().out
    assert "connection_minutes" in out and "+100.00%" in out and "+5.40" in out
    assert cli.main(["prices", "diff", str(COMMITTED), str(new_path), "--scenarios", str(scenarios), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scenarios"][0]["change"] == 5.40 and doc["summary"]["changed"] == 1
    assert cli.main(["prices", "diff", "2026-11-27", "no-such-book"]) == 2
    assert "no price book 'no-such-book'" in capsys.readouterr().err


# ---------------------------------------------------------------- the Price List API, with Stubber


def stubbed_client():
    client = boto3.client("pricing", region_name="us-east-1")
    return client, Stubber(client)


def expect_products(stubber, offer, region, items, page_size=100):
    """Queue GetProducts pages for `items` (product dicts), as the API sends them: JSON strings."""
    pages = [items[i : i + page_size] for i in range(0, len(items), page_size)] or [[]]
    for n, page in enumerate(pages):
        params = {
            "ServiceCode": offer,
            "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if n:
            params["NextToken"] = f"token-{n}"
        response = {"FormatVersion": "aws_v1", "PriceList": [json.dumps(p) for p in page]}
        if n + 1 < len(pages):
            response["NextToken"] = f"token-{n + 1}"
        stubber.add_response("get_products", response, params)


def test_get_products_pages_and_parses_eu_west_1(allowances):
    eu = eu_items()
    client, stubber = stubbed_client()
    expect_products(stubber, "AWSLambda", "eu-west-1", eu["AWSLambda"], page_size=5)  # 3 pages
    expect_products(stubber, "AmazonApiGateway", "eu-west-1", eu["AmazonApiGateway"])
    expect_products(stubber, "AmazonDynamoDB", "eu-west-1", eu["AmazonDynamoDB"])
    seen = []
    with stubber:
        products = [p for offer in eu for p in api.get_products(client, offer, "eu-west-1", progress=seen.append)]
        stubber.assert_no_pending_responses()
    assert len(products) == sum(map(len, eu.values()))
    assert seen[2] == "AWSLambda eu-west-1: 12 products (3 pages)"

    m = pl.match_region(products, "eu-west-1", list(eu), allowances, "with GetProducts", TODAY)
    assert m.missing == []
    rows = {(r["service"], r["component"], r["begin"]): r for r in m.rows}
    request = rows["lambda", "requests_x86_64", "0"]  # the real 2018 item: EU- prefix, its own version
    assert (request["usage_type"], request["price"], request["source"]) == (
        "EU-Request",
        "0.0000002000",
        "PL-AWSLambda-20181212011734",
    )
    assert [r["end"] for k, r in rows.items() if k[1] == "duration_x86_64"] == ["6000000000", "15000000000", "Inf"]
    assert rows["websocket", "messages", "1000000000"]["usage_type"] == "EU-ApiGatewayMessage"
    assert rows["dynamodb", "storage_standard", "0"]["price"] == "0.2830000000"  # after the free 25 GB-months
    assert rows["dynamodb", "read_request_units_standard_ia", "0"]["usage_type"] == "EU-IA-ReadRequestUnits"


def test_region_codes_pages():
    client, stubber = stubbed_client()
    params = {"ServiceCode": "AWSLambda", "AttributeName": "regionCode", "MaxResults": 100}
    stubber.add_response(
        "get_attribute_values",
        {"AttributeValues": [{"Value": "us-east-1"}, {"Value": "eu-west-1"}], "NextToken": "t"},
        params,
    )
    stubber.add_response(
        "get_attribute_values", {"AttributeValues": [{"Value": "ap-east-1"}]}, {**params, "NextToken": "t"}
    )
    with stubber:
        assert api.region_codes(client) == ["ap-east-1", "eu-west-1", "us-east-1"]


def test_access_denied_names_the_permission():
    client, stubber = stubbed_client()
    stubber.add_client_error(
        "get_products", service_error_code="AccessDeniedException", service_message="not authorized",
        http_status_code=400,
    )  # fmt: skip
    with stubber, pytest.raises(UsageError, match="GetProducts needs the IAM permission pricing:GetProducts"):
        api.get_products(client, "AWSLambda", "us-east-1")


def test_no_credentials_is_a_clear_error(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    with pytest.raises(UsageError, match="no AWS credentials found.*--from-file"):
        api.pricing_client()


def us_items() -> dict[str, list[dict]]:
    """The us-east-1 bulk fixtures as GetProducts items, per offer."""
    items: dict[str, list[dict]] = {}
    for p in us_products():
        items.setdefault(pl.offer_of(p), []).append(p)
    return items


@pytest.mark.parametrize(
    "argv",
    [["prices", "refresh", "--region", "us-east-1"], ["prices", "--region", "us-east-1", "refresh"]],
    ids=["after", "before the action"],  # before: it used to be dropped, refreshing every region of the book
)
def test_cli_refresh_from_the_api(monkeypatch, tmp_path, capsys, argv):
    client, stubber = stubbed_client()
    items = us_items()
    for offer in pl.OFFERS:
        expect_products(stubber, offer, "us-east-1", [p for p in items[offer] if pl.region_of(p)], page_size=4)
    monkeypatch.setattr(api, "pricing_client", lambda *a: client)
    with stubber:
        assert cli.main([*argv, "--out-dir", str(tmp_path)]) == 0
        stubber.assert_no_pending_responses()
    out, err = capsys.readouterr()
    (path,) = tmp_path.glob("*.json")
    book = load(path)
    committed = load(COMMITTED)
    for name, (text, _, expected_total) in EXAMPLES.items():
        assert estimate(loads(text), book).total == estimate(loads(text), committed).total == expected_total, name
    assert "0 changed, 0 added, 0 removed" in out
    assert "AWSLambda us-east-1: 12 products (3 pages)" in err
    assert "with GetProducts, endpoint us-east-1" in book.read


def test_cli_refresh_all_regions_reports_what_a_region_lacks(monkeypatch, tmp_path, capsys):
    base = json.loads(COMMITTED.read_text())
    base["prices"] = [r for r in base["prices"] if r["region"] in ("us-east-1", "global")]
    base_path = tmp_path / "base" / "2026-11-27.json"
    base_path.parent.mkdir()
    base_path.write_text(pl.dumps_book(base))
    client, stubber = stubbed_client()
    stubber.add_response(
        "get_attribute_values",
        {"AttributeValues": [{"Value": "eu-west-1"}, {"Value": "us-east-1"}]},
        {"ServiceCode": "AWSLambda", "AttributeName": "regionCode", "MaxResults": 100},
    )
    us, eu = us_items(), eu_items()
    for region, items in (("eu-west-1", eu), ("us-east-1", us)):
        for offer in pl.OFFERS:
            expect_products(stubber, offer, region, [p for p in items.get(offer, []) if pl.region_of(p)])
    monkeypatch.setattr(api, "pricing_client", lambda *a: client)
    argv = ["refresh", "--all-regions", "--base", str(base_path), "--out-dir", str(tmp_path / "out")]
    with stubber:
        assert cli.main(["prices", *argv]) == 0
    out, err = capsys.readouterr()
    assert "left out of the new book: logs lambda_ingestion in eu-west-1" in err  # no CloudWatch in the fixture
    book = load(next((tmp_path / "out").glob("*.json")))
    assert book.regions == ["eu-west-1", "us-east-1"]
    assert ("eu-west-1", "logs", "lambda_ingestion") not in book.prices
    usage_types = {(o, i["product"]["attributes"]["usagetype"]) for o, items in eu.items() for i in items}
    found = {c for offer, usage_type in usage_types for c in pl.components_for(usage_type, offer)}
    missing = [c for c in pl.COMPONENTS if c not in found]
    assert f"{len(missing)} components not in the Price List" in out


def test_cli_refresh_api_error_exits_2(monkeypatch, tmp_path, capsys):
    client, stubber = stubbed_client()
    stubber.add_client_error("get_products", service_error_code="AccessDeniedException", http_status_code=400)
    monkeypatch.setattr(api, "pricing_client", lambda *a: client)
    with stubber:
        assert cli.main(["prices", "refresh", "--region", "us-east-1", "--out-dir", str(tmp_path)]) == 2
    assert "pricing:GetProducts" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the command, as a process


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "prices", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_cli_refresh_from_files_as_a_process(tmp_path):
    r = run_cli("refresh", "--from-file", *map(str, US_FILES), "--out-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    (path,) = tmp_path.glob("*.json")
    assert f"wrote {path}" in r.stdout and "refreshed us-east-1" in r.stdout
    assert "AWSLambda-us-east-1.json: 13 products" in r.stderr
    book = load(path)
    assert book.prices["us-east-1", "lambda", "duration_x86_64"].source == "PL-AWSLambda-20260919002359"
    assert "from the offer files AWSLambda-us-east-1.json" in book.read
    r2 = run_cli("refresh", "--from-file", *map(str, US_FILES), "--out-dir", str(tmp_path))  # same day again
    assert r2.returncode == 0, r2.stderr
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted([path.name, path.stem + "-2.json"])


def test_cli_refresh_error_as_a_process(tmp_path):
    lam = json.loads(US_FILES[0].read_text())
    sku = next(s for s, p in lam["products"].items() if p["attributes"]["usagetype"] == "Lambda-GB-Second-ARM")
    del lam["products"][sku]
    broken = tmp_path / "AWSLambda-us-east-1.json"
    broken.write_text(json.dumps(lam))
    r = run_cli("refresh", "--from-file", str(broken), "--region", "us-east-1", "--out-dir", str(tmp_path / "o"))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "error: no Price List product for lambda duration_arm64 in us-east-1 "
        "(looked for lambda duration_arm64: AWSLambda usage type Lambda-GB-Second-ARM, with or without a region prefix)"
    )
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()
    r = run_cli("refresh", "--from-file", str(tmp_path / "nothing.json"), "--out-dir", str(tmp_path / "o"))
    assert r.returncode == 2 and "nothing.json: file not found" in r.stderr and "Traceback" not in r.stderr


def test_refresh_into_the_books_folder_says_when_the_app_would_not_pick_it(monkeypatch, tmp_path, capsys):
    """A second refresh on one day writes <date>-2.json; pricing.book.newest_path() orders by file name, where
    '-2.json' sorts before '.json'. Until it orders by date and number, the refresh says so."""
    import datetime

    import pricing.book

    books = tmp_path / "books"
    books.mkdir()
    (books / f"{TODAY}.json").write_text(COMMITTED.read_text())
    monkeypatch.setenv("UNITCOST_BOOKS_DIR", str(books))

    class Today(datetime.date):
        @classmethod
        def today(cls):
            return cls.fromisoformat(TODAY)

    monkeypatch.setattr(cli_prices, "date", Today)
    assert cli.main(["prices", "refresh", "--from-file", *map(str, US_FILES)]) == 0
    written = books / f"{TODAY}-2.json"
    assert written.exists()
    err = capsys.readouterr().err
    if pricing.book.newest_path() != written:
        assert f"note: the app and CLI use pricing.book.newest_path(), which picks {TODAY}.json" in err
    else:
        assert "note:" not in err


def test_cli_prices_coverage_lists_what_each_region_lacks(capsys):
    assert cli.main(["prices", "coverage", "--json"]) == 0
    c = json.loads(capsys.readouterr().out)
    book = load(COMMITTED)
    assert c["regions"] == [r for r in book.regions if r != "global"]
    listed = {(x["service"], x["component"]) for x in c["components"]}
    assert listed == {(k.service, k.component) for k in pl.COMPONENTS}
    missing = {(m["region"], m["service"], m["component"]) for m in c["missing"]}
    for x in c["components"]:
        for region, present in x["regions"].items():
            assert present == ((region, x["service"], x["component"]) in book.prices)
            assert present != ((region, x["service"], x["component"]) in missing)
    assert not [m for m in c["missing"] if m["region"] == "us-east-1"]  # every component is priced there
    assert ("eu-west-1", "websocket", "messages") in missing  # not sourced yet: shown, never guessed
    assert cli.main(["prices", "coverage"]) == 0
    assert "missing" in capsys.readouterr().out


@pytest.mark.parametrize("action", ["diff", "coverage"])
def test_a_region_before_an_action_that_takes_none_is_refused(capsys, action):
    assert cli.main(["prices", "--region", "eu-west-1", action]) == 2
    assert capsys.readouterr().err == f"error: prices {action} takes no --region (it covers every region of the book)\n"


def test_json_before_refresh_is_refused(capsys):
    assert cli.main(["prices", "--json", "refresh", "--region", "us-east-1"]) == 2
    assert (
        capsys.readouterr().err == "error: prices refresh takes no --json (it writes a book and prints what changed)\n"
    )

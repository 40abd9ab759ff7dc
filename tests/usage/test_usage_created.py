"""Tables and WebSocket APIs created inside the window, against moto in server mode: only the datapoints from
the creation hour on are counted, over the hours from the creation hour on. Earlier datapoints (an earlier table
of the same name) are left out and listed in a note, in the import and in the monthly review.

Times are set relative to END, the start of the current month (the end of the last one), so every datapoint is
in the past and inside both a 30-day import ending at END and the review of last month.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import numpy as np
import pytest
import yaml
from scenario_totals import feature_totals
from usage_seed import REGION, create_table, create_websocket_api, put_metrics, set_created

from usage import aws
from usage.importer import import_usage
from usage.inventory import Selector
from usage.review_run import import_month
from usage.to_scenario import scenario_yaml

NOW = datetime.now(UTC)
END = datetime(NOW.year, NOW.month, 1, tzinfo=UTC)
LAST_MONTH = f"{END - timedelta(days=1):%Y-%m}"
OLD, NEW = 48, 10  # hours of data of the earlier table, then hours from the creation hour to END


def hourly(old: float | None, new: float | None, new_hours: int = NEW) -> np.ndarray:
    """OLD + NEW hours ending at END: `old` in the first OLD hours, `new` in the last `new_hours`."""
    a = np.full(OLD + NEW, np.nan)
    if old is not None:
        a[:OLD] = old
    if new is not None:
        a[OLD + NEW - new_hours :] = new
    return a


def test_only_datapoints_from_the_creation_hour_on_are_counted(moto_env):
    start = END - timedelta(hours=OLD + NEW)  # put_metrics puts each hour's value at half past
    created = END - timedelta(hours=NEW) + timedelta(minutes=20)  # before the half past of its hour
    fresh_created = END - timedelta(hours=5) + timedelta(minutes=10)
    create_table("orders", gsis=("byUser",))
    create_table("ledger", provisioned=(5, 5))
    create_table("fresh")
    live = create_websocket_api("live", {"$default": None})
    fresh_ws = create_websocket_api("fresh-ws", {"$default": None}, detailed_metrics=False)
    set_created(created, ("orders", "ledger"), (live,))
    set_created(fresh_created, ("fresh",), (fresh_ws,))
    put_metrics(
        [
            # orders and live: an earlier incarnation's hours before the creation hour, then their own
            ("AWS/DynamoDB", "ConsumedReadCapacityUnits", {"TableName": "orders"}, hourly(40, 5)),
            ("AWS/DynamoDB", "ConsumedWriteCapacityUnits", {"TableName": "orders"}, hourly(20, 2)),
            (
                "AWS/DynamoDB",
                "ConsumedWriteCapacityUnits",
                {"TableName": "orders", "GlobalSecondaryIndexName": "byUser"},
                hourly(20, 2),
            ),
            ("AWS/DynamoDB", "ReadThrottleEvents", {"TableName": "orders"}, hourly(1, None)),
            ("AWS/ApiGateway", "MessageCount", {"ApiId": live}, hourly(300, 12)),
            ("AWS/ApiGateway", "ConnectCount", {"ApiId": live}, hourly(30, 3)),
            ("AWS/ApiGateway", "MessageCount", {"ApiId": live, "Stage": "Prod", "Route": "$default"}, hourly(100, 4)),
            # ledger: only the earlier table's datapoints; fresh and fresh-ws: data only after their creation
            ("AWS/DynamoDB", "ConsumedReadCapacityUnits", {"TableName": "ledger"}, hourly(9, None)),
            ("AWS/DynamoDB", "ConsumedReadCapacityUnits", {"TableName": "fresh"}, hourly(None, 7, new_hours=5)),
            ("AWS/ApiGateway", "MessageCount", {"ApiId": fresh_ws}, hourly(None, 6, new_hours=5)),
        ],
        start,
    )
    session = aws.make_session()
    obs = import_usage(Selector(), session=session, now=END + timedelta(minutes=1)).observed
    assert obs.window.end == END and obs.window.hours == 720

    # By hand. orders and live: created in hour END-10h, 10 h observed; 10 datapoints each of their own.
    orders = obs.tables["orders"]
    assert orders.coverage.hours_observed == 10 and orders.coverage.hours_with_data == 10
    assert (orders.read_units, orders.write_units, orders.gsi_write_units) == (50, 20, {"byUser": 20})
    assert orders.read_throttles == 0  # the 48 throttle events were the earlier table's
    assert orders.monthly_read_units == pytest.approx(50 * 730 / 10)  # 3,650 RRU; before: (1,920 + 50) x 73
    assert orders.monthly_write_units == pytest.approx((20 + 20) * 730 / 10)  # 2,920 WRU
    ws = obs.websockets["live"]
    assert (ws.messages, ws.connects, ws.route_messages) == (120, 30, {"$default": 40})
    assert ws.monthly_messages == pytest.approx(120 * 73) and ws.monthly_connects == pytest.approx(30 * 73)
    # ledger: nothing since its creation; fresh and fresh-ws: 5 h observed, all 5 datapoints their own
    assert obs.tables["ledger"].coverage.no_data and obs.tables["ledger"].read_units == 0
    assert obs.tables["fresh"].coverage.hours_observed == 5
    assert obs.tables["fresh"].monthly_read_units == pytest.approx(7 * 5 * 730 / 5)  # 5,110
    assert obs.websockets["fresh-ws"].monthly_messages == pytest.approx(6 * 5 * 730 / 5)  # 4,380

    day = f"{created:%Y-%m-%d %H:%M}"
    table_note = (
        f"table orders: created {day} UTC, inside the window; not counted, the datapoints before its creation "
        "hour (an earlier table of the same name): ConsumedReadCapacityUnits 48 datapoints, sum 1,920; "
        "ConsumedWriteCapacityUnits 48 datapoints, sum 960; ConsumedWriteCapacityUnits of GSI byUser "
        "48 datapoints, sum 960; ReadThrottleEvents 48 datapoints, sum 48"
    )
    api_note = (
        f"websocket live: created {day} UTC, inside the window; not counted, the datapoints before its creation "
        "hour (the API did not exist yet): ConnectCount 48 datapoints, sum 1,440; MessageCount 48 datapoints, "
        "sum 14,400; MessageCount of route $default (stage Prod) 48 datapoints, sum 4,800"
    )
    ledger_note = f"table ledger: created {day} UTC, inside the window; not counted, the datapoints before"
    assert table_note in obs.notes and api_note in obs.notes
    assert [n for n in obs.notes if n.startswith(ledger_note)] == [
        f"{ledger_note} its creation hour (an earlier table of the same name): ConsumedReadCapacityUnits "
        "48 datapoints, sum 432"
    ]
    assert not [n for n in obs.notes if "fresh" in n]

    text = scenario_yaml(obs)
    assert f"# NOTE: {table_note}\n" in text and f"# NOTE: {api_note}\n" in text
    assert "# NO DATA: table ledger: no datapoints since its creation; it carries no usage here.\n" in text
    got = feature_totals(yaml.safe_load(text))
    assert got["rru"]["orders"] == pytest.approx(3650) and got["wru"]["orders"] == pytest.approx(2920)
    assert got["messages"]["live"] == pytest.approx(8760)

    # The review of last month: the same rule on its metered quantities (observed totals, no normalising).
    metered, _ = import_month(session, LAST_MONTH, None, NOW)
    q = metered.quantities
    assert q["dynamodb.read_request_units.standard"] == pytest.approx(50 + 35)  # orders + fresh
    assert q["dynamodb.write_request_units.standard"] == pytest.approx(20 + 20)  # orders, table + GSI
    assert metered.gsi_write_units == {"dynamodb.write_request_units.standard": 20}
    assert q["websocket.messages"] == pytest.approx(120 + 30) and metered.connects == pytest.approx(30)
    # ledger is billed by the hour since its creation hour: 5 RCU x 10 h, not x the month's hours
    assert q["dynamodb.read_capacity_unit_hours.standard"] == pytest.approx(5 * 10)
    assert f"CloudWatch: {table_note}" in metered.notes and f"CloudWatch: {api_note}" in metered.notes
    assert "No CloudWatch data for table ledger since its creation." in metered.notes


def _put_at(namespace: str, metric: str, dims: dict, points: dict[datetime, float]) -> None:
    boto3.client("cloudwatch", region_name=REGION).put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Timestamp": t,
                "Value": v,
            }
            for t, v in points.items()
        ],
    )


def test_an_import_just_after_the_creation_hour_gives_the_figures_of_a_later_one(moto_env):
    """The check run's case: seeded a minute before an hour boundary, imported a minute after it."""
    boundary = END - timedelta(hours=3)
    created = boundary - timedelta(minutes=1)
    create_table("chat")
    api = create_websocket_api("chatws", {"$default": None}, detailed_metrics=False)
    set_created(created, ("chat",), (api,))
    old = {boundary - timedelta(hours=h, minutes=30): 50.0 for h in range(2, 102)}  # 100 h, before the creation hour
    new = {created + timedelta(seconds=40): 3.0} | {boundary + timedelta(hours=h, minutes=30): 3.0 for h in range(3)}
    for namespace, metric, dims in (
        ("AWS/DynamoDB", "ConsumedReadCapacityUnits", {"TableName": "chat"}),
        ("AWS/ApiGateway", "MessageCount", {"ApiId": api}),
    ):
        _put_at(namespace, metric, dims, old | new)
    session = aws.make_session()
    just_after = import_usage(Selector(), session=session, now=boundary + timedelta(minutes=1)).observed
    later = import_usage(Selector(), session=session, now=boundary + timedelta(hours=3, minutes=5)).observed

    # By hand: 3 units an hour from the creation hour on, so 3 x 730 a month, over 1 h or over 4 h.
    # Counting the earlier 5,000 units would give (5,000 + 3) x 730 just after and (5,000 + 12) x 730 / 4 later.
    for obs, hours in ((just_after, 1), (later, 4)):
        assert obs.tables["chat"].coverage.hours_observed == hours
        assert obs.tables["chat"].read_units == 3 * hours
        assert obs.tables["chat"].monthly_read_units == pytest.approx(3 * 730)
        assert obs.websockets["chatws"].monthly_messages == pytest.approx(3 * 730)
        assert any(n.startswith("table chat: ") and "100 datapoints, sum 5,000" in n for n in obs.notes)


def test_the_seeded_chat_app_gives_its_known_totals_after_the_next_hour_boundary(chat_app, aws_env):
    """An import started in the hour after seeding (the e2e tests may run then) reads the whole window."""
    now = chat_app.start + timedelta(days=30, hours=1, minutes=1)
    obs = import_usage(Selector("tag", "app", "chat"), session=aws.make_session(), now=now).observed
    start = obs.window.start
    assert start == chat_app.start + timedelta(hours=1)
    conn, ws = obs.tables["chat-conn"], obs.websockets["chatws"]
    assert conn.coverage.created is None and ws.coverage.created is None
    assert conn.read_units == pytest.approx(chat_app.total(("table", "chat-conn", "ConsumedReadCapacityUnits"), start))
    assert ws.messages == pytest.approx(chat_app.total(("websocket", "chatws", "MessageCount"), start))
    assert not [n for n in obs.notes if "not counted" in n]

"""The demo account's monthly bill: Cost Explorer-shaped figures derived from the demo account (usage/demo.py).

Deterministic and offline. October 2026 is the demo account's own month (its 30 days of hourly metrics,
normalised to October's 744 hours); January to September 2026 are the same account scaled back by its growth
(usage x 1.3 per month, users x 1.2 per month), so saved reviews show a trend.

What the bill adds to the metered usage, each a cause the review should find:
- Lambda duration: the Duration metric leaves out the 1 ms rounding (half a millisecond per invocation on
  average) and the INIT phase of cold starts (1% of invocations; 180 ms x86_64, 250 ms arm64);
- WebSocket messages: each history reply (100 items of 1 KB on every init) is 100 KB, billed as 4 messages
  of 32 KB where MessageCount counts 1;
- connection minutes: 11.5 minutes per connection, where the imported scenario assumed 5;
- CloudWatch Logs: 0.6 KB of Lambda logs per invocation and API Gateway access logs (within the free 5 GB);
- outside the model: Lambda in eu-west-1, S3 for the web client, the CloudWatch import's GetMetricData,
  Cost Explorer's own requests; and a $25.00 credit.
Prices are the price book's list prices with the Always Free tier. The usage type names of Comprehend and
Translate are illustrative.
"""

from __future__ import annotations

from functools import lru_cache

from models.review import Metered, month_hours, parse_month, price_meters
from pricing.book import default_book
from pricing.lines import Prices
from usage import demo
from usage.errors import UsageError

FIRST, LAST = "2026-01", "2026-10"
USAGE_GROWTH, USER_GROWTH = 1.3, 1.2  # per month
ROUNDING_MS = 0.5
COLD_START_RATE = 0.01
INIT_MS = {"x86_64": 180.0, "arm64": 250.0}
MEMORY_GB = {"x86_64": 128 / 1024, "arm64": 256 / 1024}  # the demo functions: connect (x86_64), message (arm64)
HISTORY_REPLY_EXTRA = 3  # a 100 KB reply is 4 messages of 32 KB, MessageCount counts 1
SESSION_MINUTES = 11.5
LOG_KB_PER_INVOCATION = 0.6
ACCESS_LOG_GB = 0.35
CREDIT = -25.0
GB = 1024**3


def months() -> list[str]:
    y, m = 2026, 1
    out = []
    while f"{y:04d}-{m:02d}" <= LAST:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _offset(month: str) -> int:
    parse_month(month)
    if not FIRST <= month <= LAST:
        raise UsageError(f"the demo account has the months {FIRST} to {LAST}; {month} is not one of them")
    return (int(month[:4]) - 2026) * 12 + int(month[5:]) - 10


@lru_cache(maxsize=16)
def _observed(hours: int):
    """The demo account normalised to a month of `hours` (computed once; read only by its users)."""
    return demo.demo_observed(hours_per_month=hours)


def users(month: str) -> int:
    return round(demo.USERS * USER_GROWTH ** _offset(month))


def metered(month: str) -> Metered:
    """What a CloudWatch import of the demo account gives for the month."""
    from usage.review_run import metered_from_observed

    g = USAGE_GROWTH ** _offset(month)
    obs = _observed(month_hours(month))
    m = metered_from_observed(obs, monthly=True)
    m.quantities = {k: v * g for k, v in m.quantities.items()}
    m.connects = None if m.connects is None else m.connects * g
    m.gsi_write_units = {k: v * g for k, v in m.gsi_write_units.items()}
    m.invocations = {k: v * g for k, v in m.invocations.items()}
    m.source = f"demo account, CloudWatch-shaped metrics for {month}"
    m.notes = [f"Demo account: generated metrics (seed {demo.SEED}), no AWS calls."]
    return m


def _inits(month: str) -> float:
    """Init requests in the month, from the $default route's and the API's MessageCount
    (`demo.inits_and_sends`)."""
    obs = _observed(month_hours(month))
    inits, _ = demo.inits_and_sends(next(iter(obs.websockets.values())))
    return inits * USAGE_GROWTH ** _offset(month)


def raw_bill(month: str) -> dict:
    """The month as Cost Explorer's two GetCostAndUsage responses (what `usage.costexplorer.parse` reads)."""
    g = USAGE_GROWTH ** _offset(month)
    mq = metered(month)
    q = mq.quantities
    billed = dict(q)
    for arch in ("x86_64", "arm64"):
        inv = q.get(f"lambda.requests.{arch}", 0.0)
        extra_ms = ROUNDING_MS + COLD_START_RATE * INIT_MS[arch]
        billed[f"lambda.duration_gb_s.{arch}"] = q.get(f"lambda.duration_gb_s.{arch}", 0.0) + (
            inv * extra_ms / 1000 * MEMORY_GB[arch]
        )
    billed["websocket.messages"] = q["websocket.messages"] + HISTORY_REPLY_EXTRA * _inits(month)
    billed["websocket.connection_minutes"] = (mq.connects or 0.0) * SESSION_MINUTES
    invocations = sum(q.get(f"lambda.requests.{a}", 0.0) for a in ("x86_64", "arm64"))
    vended_gb = invocations * LOG_KB_PER_INVOCATION * 1024 / GB
    access_gb = ACCESS_LOG_GB * g
    billed["logs.lambda_gb"] = vended_gb + access_gb

    prices = Prices(
        default_book(),
        demo.REGION,
        True,
        {"comprehend": ("100-character unit", 0.0001), "translate": ("character", 0.000015)},
    )
    cost = price_meters(prices, billed).cost  # list prices, Always Free tier applied across the account

    def split_logs(share: float) -> float:
        return cost.get("logs.lambda_gb", 0.0) * share

    logs_total = vended_gb + access_gb
    groups = [  # (service, usage type, quantity, unit, cost)
        ("AWS Lambda", "Request", billed["lambda.requests.x86_64"], "Requests", cost["lambda.requests.x86_64"]),
        ("AWS Lambda", "Request-ARM", billed["lambda.requests.arm64"], "Requests", cost["lambda.requests.arm64"]),
        (
            "AWS Lambda",
            "Lambda-GB-Second",
            billed["lambda.duration_gb_s.x86_64"],
            "Lambda-GB-Second",
            cost["lambda.duration_gb_s.x86_64"],
        ),
        (
            "AWS Lambda",
            "Lambda-GB-Second-ARM",
            billed["lambda.duration_gb_s.arm64"],
            "Lambda-GB-Second",
            cost["lambda.duration_gb_s.arm64"],
        ),
        ("AWS Lambda", "EU-Request", 120_000 * g, "Requests", 0.0),
        ("AWS Lambda", "EU-Lambda-GB-Second", 9_000 * g, "Lambda-GB-Second", 0.0),
        (
            "Amazon API Gateway",
            "USE1-ApiGatewayMessage",
            billed["websocket.messages"],
            "Messages",
            cost["websocket.messages"],
        ),
        (
            "Amazon API Gateway",
            "USE1-ApiGatewayMinute",
            billed["websocket.connection_minutes"],
            "Minutes",
            cost["websocket.connection_minutes"],
        ),
        (
            "Amazon DynamoDB",
            "ReadRequestUnits",
            billed["dynamodb.read_request_units.standard"],
            "ReadRequestUnits",
            cost["dynamodb.read_request_units.standard"],
        ),
        (
            "Amazon DynamoDB",
            "WriteRequestUnits",
            billed["dynamodb.write_request_units.standard"],
            "WriteRequestUnits",
            cost["dynamodb.write_request_units.standard"],
        ),
        (
            "Amazon DynamoDB",
            "TimedStorage-ByteHrs",
            billed["dynamodb.storage_gb_month.standard"],
            "GB-Mo",
            cost["dynamodb.storage_gb_month.standard"],
        ),
        ("AmazonCloudWatch", "USE1-VendedLog-Bytes", vended_gb, "GB", split_logs(vended_gb / logs_total)),
        ("AmazonCloudWatch", "USE1-DataProcessing-Bytes", access_gb, "GB", split_logs(access_gb / logs_total)),
        ("AmazonCloudWatch", "CW:GMD-Metrics", 1_550, "Metrics", 0.0155),
        ("Amazon Comprehend", "USE1-Comprehend-Units", billed["custom.comprehend"], "Units", cost["custom.comprehend"]),
        ("Amazon Translate", "USE1-TranslateText", billed["custom.translate"], "Characters", cost["custom.translate"]),
        ("Amazon Simple Storage Service", "TimedStorage-ByteHrs", 3.2, "GB-Mo", 3.2 * 0.023),
        ("Amazon Simple Storage Service", "Requests-Tier2", 1_200_000 * g, "Requests", 1_200_000 * g * 0.0004 / 1000),
        ("AWS Cost Explorer", "USE1-APIRequest", 4, "Requests", 0.04),
    ]
    start, end = parse_month(month)
    period = {"Start": start.isoformat(), "End": end.isoformat()}
    usage_page = {
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
        "ResultsByTime": [
            {
                "TimePeriod": period,
                "Total": {},
                "Estimated": False,
                "Groups": [
                    {
                        "Keys": [svc, ut],
                        "Metrics": {
                            "UnblendedCost": {"Amount": f"{c:.10f}", "Unit": "USD"},
                            "UsageQuantity": {"Amount": f"{qty:.6f}", "Unit": unit},
                        },
                    }
                    for svc, ut, qty, unit, c in groups
                ],
            }
        ],
        "DimensionValueAttributes": [],
    }
    usage_total = sum(float(f"{c:.10f}") for *_, c in groups)
    records_page = {
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "RECORD_TYPE"}],
        "ResultsByTime": [
            {
                "TimePeriod": period,
                "Total": {},
                "Estimated": False,
                "Groups": [
                    {"Keys": ["Usage"], "Metrics": {"UnblendedCost": {"Amount": f"{usage_total:.10f}", "Unit": "USD"}}},
                    {"Keys": ["Credit"], "Metrics": {"UnblendedCost": {"Amount": f"{CREDIT:.10f}", "Unit": "USD"}}},
                ],
            }
        ],
        "DimensionValueAttributes": [],
    }
    return {"usage": [usage_page], "records": [records_page], "requests": 0, "fetched_at": ""}

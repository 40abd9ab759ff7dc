"""Small CUR 2.0 and FOCUS 1.2 bills written as Parquet by DuckDB (COPY ... TO ... (FORMAT parquet)), for the
actuals and review tests and the committed README example (examples/cur). Columns and types as the Data Exports
tables have them: resource_tags and Tags are map(varchar, varchar), periods are timestamps.

The October 2026 CUR bill (`CUR_OCTOBER`), accounts A = 111111111111 and B = 222222222222:

    #   acct service             usage type                  line type                usage     unblended tags
    1   A    AWSLambda           Request                     Usage                    3,000,000  0.60     feature=chat
    2   A    AWSLambda           Request                     Usage                    1,000,000  0.20     feature=search
    3   A    AWSLambda           USE1-Lambda-GB-Second       SavingsPlanCoveredUsage  100,000    1.6666667 chat, acme
    4   A    AWSLambda           USE1-Lambda-GB-Second       SavingsPlanNegation      100,000   -1.6666667 chat, acme
    5   A    AmazonDynamoDB      WriteRequestUnits           Usage                    2,000,000  1.25     feature=chat
    6   B    AmazonDynamoDB      EU-ReadRequestUnits         Usage                    4,000,000  0.566    (none)
    7   B    AmazonS3            TimedStorage-ByteHrs        Usage                    10         0.23     tenant=globex
    8   B    AmazonEC2           BoxUsage:t3.micro           Usage                    744        7.7376
    9   A    ComputeSavingsPlans ComputeSP:1yrNoUpfront      SavingsPlanRecurringFee  744        1.50
    10  A    AWSLambda           Request                     Credit                   0         -0.50
    11  A    AWSLambda           (empty)                     Tax                      0          0.30
    12  A    ComputeSavingsPlans ComputeSP:3yrPartialUpfront SavingsPlanUpfrontFee    1         12.00
Line 3's savings_plan_savings_plan_effective_cost is 1.40 (tags feature=chat, tenant=acme, as line 4's); line 9's
commitment to date 1.50, used 1.40. Line 4 carries no effective cost (0 by its line type).
and one September line (A AWSLambda Request Usage 999, $99.00) in its own BILLING_PERIOD=2026-09 folder.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

A, B = "111111111111", "222222222222"
FN = "arn:aws:lambda:us-east-1:111111111111:function:"

CUR_COLUMNS = {
    "bill_payer_account_id": "VARCHAR",
    "bill_billing_period_start_date": "TIMESTAMP",
    "line_item_usage_account_id": "VARCHAR",
    "line_item_line_item_type": "VARCHAR",
    "line_item_usage_start_date": "TIMESTAMP",
    "line_item_product_code": "VARCHAR",
    "line_item_usage_type": "VARCHAR",
    "line_item_operation": "VARCHAR",
    "line_item_resource_id": "VARCHAR",
    "line_item_usage_amount": "DOUBLE",
    "line_item_unblended_rate": "VARCHAR",
    "line_item_unblended_cost": "DOUBLE",
    "pricing_unit": "VARCHAR",
    "savings_plan_savings_plan_effective_cost": "DOUBLE",
    "savings_plan_total_commitment_to_date": "DOUBLE",
    "savings_plan_used_commitment": "DOUBLE",
    "reservation_effective_cost": "DOUBLE",
    "reservation_unused_amortized_upfront_fee_for_billing_period": "DOUBLE",
    "reservation_unused_recurring_fee": "DOUBLE",
    "reservation_reservation_a_r_n": "VARCHAR",
    "resource_tags": "MAP(VARCHAR, VARCHAR)",
}

FOCUS_COLUMNS = {
    "BillingPeriodStart": "TIMESTAMPTZ",
    "ChargeCategory": "VARCHAR",
    "SubAccountId": "VARCHAR",
    "ServiceName": "VARCHAR",
    "x_ServiceCode": "VARCHAR",
    "x_UsageType": "VARCHAR",
    "ResourceId": "VARCHAR",
    "ConsumedQuantity": "DOUBLE",
    "ConsumedUnit": "VARCHAR",
    "BilledCost": "DOUBLE",
    "EffectiveCost": "DOUBLE",
    "ListCost": "DOUBLE",
    "Tags": "MAP(VARCHAR, VARCHAR)",
}


def cur_line(
    account,
    service,
    usage_type,
    line_type,
    usage,
    cost,
    *,
    resource=None,
    tags=None,
    sp_effective=None,
    commitment=None,
    used=None,
    month="2026-10",
    **more,
) -> dict:
    return {
        "bill_payer_account_id": A,
        "bill_billing_period_start_date": f"{month}-01 00:00:00",
        "line_item_usage_account_id": account,
        "line_item_line_item_type": line_type,
        "line_item_usage_start_date": f"{month}-05 10:00:00",
        "line_item_product_code": service,
        "line_item_usage_type": usage_type,
        "line_item_resource_id": resource,
        "line_item_usage_amount": usage,
        "line_item_unblended_cost": cost,
        "savings_plan_savings_plan_effective_cost": sp_effective,
        "savings_plan_total_commitment_to_date": commitment,
        "savings_plan_used_commitment": used,
        "resource_tags": tags or {},
        **more,
    }


CHAT, SEARCH = FN + "chat", FN + "search"
CUR_OCTOBER = [
    cur_line(A, "AWSLambda", "Request", "Usage", 3_000_000, 0.60, resource=CHAT, tags={"user_feature": "chat"}),
    cur_line(A, "AWSLambda", "Request", "Usage", 1_000_000, 0.20, resource=SEARCH, tags={"user_feature": "search"}),
    cur_line(
        A,
        "AWSLambda",
        "USE1-Lambda-GB-Second",
        "SavingsPlanCoveredUsage",
        100_000,
        1.6666667,
        resource=CHAT,
        tags={"user_feature": "chat", "user_tenant": "acme"},
        sp_effective=1.40,
    ),
    cur_line(
        A,
        "AWSLambda",
        "USE1-Lambda-GB-Second",
        "SavingsPlanNegation",
        100_000,
        -1.6666667,
        resource=CHAT,
        tags={"user_feature": "chat", "user_tenant": "acme"},
    ),
    cur_line(
        A,
        "AmazonDynamoDB",
        "WriteRequestUnits",
        "Usage",
        2_000_000,
        1.25,
        resource="table/messages",
        tags={"user_feature": "chat"},
    ),  # fmt: skip
    cur_line(B, "AmazonDynamoDB", "EU-ReadRequestUnits", "Usage", 4_000_000, 0.566, resource="table/items"),
    cur_line(
        B, "AmazonS3", "TimedStorage-ByteHrs", "Usage", 10, 0.23, resource="bucket-a", tags={"user_tenant": "globex"}
    ),
    cur_line(B, "AmazonEC2", "BoxUsage:t3.micro", "Usage", 744, 7.7376, resource="i-0123"),
    cur_line(
        A,
        "ComputeSavingsPlans",
        "ComputeSP:1yrNoUpfront",
        "SavingsPlanRecurringFee",
        744,
        1.50,
        resource="arn:aws:savingsplans::111111111111:savingsplan/sp-1",
        commitment=1.50,
        used=1.40,
    ),  # fmt: skip
    cur_line(A, "AWSLambda", "Request", "Credit", 0, -0.50),
    cur_line(A, "AWSLambda", "", "Tax", 0, 0.30),
    cur_line(A, "ComputeSavingsPlans", "ComputeSP:3yrPartialUpfront", "SavingsPlanUpfrontFee", 1, 12.00),
]
CUR_SEPTEMBER = [cur_line(A, "AWSLambda", "Request", "Usage", 999, 99.0, month="2026-09")]


def focus_line(account, service, usage_type, category, quantity, billed, effective, *, tags=None, month="2026-10"):
    return {
        "BillingPeriodStart": f"{month}-01 00:00:00+00",
        "ChargeCategory": category,
        "SubAccountId": account,
        "ServiceName": {"AWSLambda": "AWS Lambda", "AmazonDynamoDB": "Amazon DynamoDB"}.get(service, service),
        "x_ServiceCode": service,
        "x_UsageType": usage_type,
        "ResourceId": None,
        "ConsumedQuantity": quantity,
        "BilledCost": billed,
        "EffectiveCost": effective,
        "Tags": tags or {},
    }


# FOCUS 1.2, October 2026: a Savings-Plan-covered line bills 0 (the plan's fee is the Purchase line) and carries
# its amortised cost in EffectiveCost.
FOCUS_OCTOBER = [
    focus_line(A, "AWSLambda", "Request", "Usage", 3_000_000, 0.60, 0.60, tags={"feature": "chat"}),
    focus_line(A, "AWSLambda", "USE1-Lambda-GB-Second", "Usage", 100_000, 0.0, 1.40, tags={"feature": "chat"}),
    focus_line(A, "ComputeSavingsPlans", "ComputeSP:1yrNoUpfront", "Purchase", None, 1.50, 0.10),
    focus_line(B, "AmazonDynamoDB", "EU-ReadRequestUnits", "Usage", 4_000_000, 0.566, 0.566),
    focus_line(A, "AWSLambda", "Request", "Credit", None, -0.50, -0.50),
    focus_line(A, "AWSLambda", "", "Tax", None, 0.30, 0.30),
    focus_line(A, "AWSLambda", "Request", "Usage", 999, 99.0, 99.0, month="2026-09"),
]


def write(path: Path, lines: list[dict], columns: dict[str, str] = CUR_COLUMNS) -> Path:
    """`lines` as one Parquet file with `columns` (columns a line leaves out are null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t (" + ", ".join(f'"{c}" {t}' for c, t in columns.items()) + ")")
    names = list(columns)
    con.executemany(
        f"INSERT INTO t VALUES ({', '.join('?' for _ in names)})", [[ln.get(c) for c in names] for ln in lines]
    )
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def write_cur_export(folder: Path) -> Path:
    """The Data Exports layout: data/BILLING_PERIOD=YYYY-MM/<export>-00001.snappy.parquet."""
    write(folder / "data" / "BILLING_PERIOD=2026-10" / "unitcost-00001.snappy.parquet", CUR_OCTOBER)
    write(folder / "data" / "BILLING_PERIOD=2026-09" / "unitcost-00001.snappy.parquet", CUR_SEPTEMBER)
    return folder

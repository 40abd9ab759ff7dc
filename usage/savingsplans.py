"""Savings Plans rates from the Savings Plans API (`savingsplans:DescribeSavingsPlansOfferingRates`, read-only),
as price-book rows: service `savings_plans`, component `<plan>.<meter>`, the rate as published (USD per unit).

    compute_savings_plan   savingsPlanTypes Compute,  products Lambda,   serviceCodes AWSLambda
    database_savings_plan  savingsPlanTypes Database, products DynamoDB, serviceCodes AmazonDynamoDB

filtered by region, payment option (default No Upfront) and term (default 1 year). Each rate's usage type is
mapped to the model's meter as the bill's are (usage.costexplorer.meter_of: region prefix stripped, one
registry); usage types the model has no meter for are left out, and two different rates for one meter are an
error naming it (the book never guesses between prices).
"""

from __future__ import annotations

import botocore.exceptions as bexc

from models.commitments import PLANS, SERVICE, covers
from usage import aws
from usage.errors import UsageError

QUERIES = {  # plan -> (savingsPlanTypes, products, serviceCodes)
    "compute_savings_plan": ("Compute", "Lambda", "AWSLambda"),
    "database_savings_plan": ("Database", "DynamoDB", "AmazonDynamoDB"),
}
ONE_YEAR_S = 31_536_000
SOURCE = "SP-api"
PERMISSION = "savingsplans:DescribeSavingsPlansOfferingRates"
MAX_PAGES = 100


def rate_rows(client, region: str, payment: str = "No Upfront", term_s: int = ONE_YEAR_S) -> list[dict]:
    """The book rows of both plans' rates in `region`."""
    from usage.costexplorer import meter_of

    rows: dict[tuple[str, str], dict] = {}
    for plan, (kind, product, service_code) in QUERIES.items():
        token, pages = None, 0
        while True:
            kwargs = {
                "savingsPlanTypes": [kind],
                "products": [product],
                "serviceCodes": [service_code],
                "savingsPlanPaymentOptions": [payment],
                "filters": [{"name": "region", "values": [region]}],
                "maxResults": 1000,
                **({"nextToken": token} if token else {}),
            }
            try:
                page = client.describe_savings_plans_offering_rates(**kwargs)
            except (bexc.ClientError, bexc.BotoCoreError) as e:
                if aws.is_access_denied(e):
                    raise UsageError(
                        f"access denied: DescribeSavingsPlansOfferingRates needs the IAM permission {PERMISSION}",
                        permission=PERMISSION,
                    ) from None
                raise aws.translate(e, "savingsplans", "DescribeSavingsPlansOfferingRates") from None
            for r in page.get("searchResults", []):
                offering = r.get("savingsPlanOffering", {})
                if offering.get("durationSeconds") != term_s or offering.get("currency", "USD") != "USD":
                    continue
                meter = meter_of(r.get("serviceCode", service_code), r.get("usageType", ""))
                if meter is None or not covers(plan, meter):
                    continue
                row = {
                    "region": region,
                    "service": SERVICE,
                    "component": f"{plan}.{meter}",
                    "unit": r.get("unit", ""),
                    "begin": "0",
                    "end": "Inf",
                    "price": r["rate"],
                    "usage_type": r.get("usageType", ""),
                    "source": SOURCE,
                }
                seen = rows.setdefault((plan, meter), row)
                if float(seen["price"]) != float(row["price"]):
                    raise UsageError(
                        f"the Savings Plans API gives two {PLANS[plan][0]} rates for {meter} in {region} "
                        f"({seen['price']} for {seen['usage_type']}, {row['price']} for {row['usage_type']})"
                    )
            token, pages = page.get("nextToken"), pages + 1
            if not token:
                break
            if pages >= MAX_PAGES:
                raise UsageError(f"the Savings Plans API returned more than {MAX_PAGES} pages for {region}")
    return [rows[k] for k in sorted(rows)]

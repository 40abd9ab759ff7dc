"""Amazon CloudWatch Logs: ingestion of the logs Lambda functions write.

Meter: logs.lambda_gb, GB ingested (1 GB = 1024^3 bytes). Lambda logs are billed as vended logs
since 2025-05-01, with volume tiers. The Always Free 5 GB of log data applies first.
"""

from __future__ import annotations

from pricing.service import Component

NAME = SERVICE = "logs"
TITLE = "CloudWatch Logs"
ORDER = 60
BILL_NAMES = ("amazoncloudwatch",)  # Cost Explorer's "AmazonCloudWatch", not "CloudWatch Events"


# Custom log ingestion (DataProcessing-Bytes) is priced like the model's Lambda logs.
COMPONENTS = (
    Component(
        f"{SERVICE}.lambda_gb",
        "lambda_ingestion",
        "Lambda logs ingestion",
        "GB",
        "AmazonCloudWatch",
        "VendedLog-Bytes",
        "Data Payload",
        free="ingestion_free",
        also_billed_as=("DataProcessing-Bytes",),
    ),
)


def per_use(feature, s) -> dict[str, float]:
    return {}  # Lambda's metering puts its invocations' logs on logs.lambda_gb

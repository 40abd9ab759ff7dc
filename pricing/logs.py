"""Amazon CloudWatch Logs: ingestion of the logs Lambda functions write.

Meter: logs.lambda_gb, GB ingested (1 GB = 1024^3 bytes). Lambda logs are billed as vended logs
since 2025-05-01, with volume tiers. The Always Free 5 GB of log data applies first.
"""

from __future__ import annotations

from pricing.lines import Line, Prices, Usage, free_then_tiered

SERVICE = "logs"


def lines(usage: Usage, prices: Prices) -> list[Line]:
    meter = f"{SERVICE}.lambda_gb"
    out, _ = free_then_tiered(
        prices,
        SERVICE,
        "lambda_ingestion",
        usage[meter],
        "Lambda logs ingestion",
        "GB",
        meter,
        prices.allowance(SERVICE, "ingestion_free"),
    )
    return out

"""AWS Lambda: requests, duration, ephemeral storage and provisioned concurrency.

Meters, per architecture a (x86_64, arm64):
  lambda.requests.a                    requests
  lambda.duration_gb_s.a               on-demand GB-seconds, INIT of cold starts included
  lambda.provisioned_gb_s.a            configured provisioned concurrency x time enabled
  lambda.provisioned_duration_gb_s.a   GB-seconds of invocations served by provisioned concurrency
  lambda.ephemeral_gb_s.a              GB-seconds of ephemeral storage above the free 512 MB

Duration tiers apply to the monthly total per architecture in the account and region, so all
functions of one architecture share them. The Always Free 1M requests and 400,000 GB-s are shared
by both architectures (x86_64 takes them first); they cover the Request and Lambda-GB-Second usage
types only, never provisioned concurrency or its duration, as in the Price List. (AWS's own
provisioned-concurrency example subtracts the free requests from all requests, PC-served ones
included; this follows that.)
"""

from __future__ import annotations

import math

from pricing.lines import Line, Prices, Usage, free_then_tiered, tiered, used

SERVICE = "lambda"
ARCHITECTURES = ("x86_64", "arm64")
FREE_EPHEMERAL_MB = 512


def billed_ms(duration_ms: float, cold_start_rate: float = 0.0, init_ms: float = 0.0) -> float:
    """Billed ms per invocation: rounded up to the next 1 ms, at least 1 ms; a cold start bills its
    INIT phase (since 2025-08-01) in the same rounded duration as the invocation."""
    warm = max(1.0, _ceil(duration_ms))
    cold = max(1.0, _ceil(duration_ms + init_ms))
    return (1 - cold_start_rate) * warm + cold_start_rate * cold


def provisioned_seconds(hours: float) -> float:
    """Provisioned concurrency is billed from enable to disable, rounded up to 5 minutes."""
    return _ceil(hours * 12) / 12 * 3600


def gb(memory_mb: float) -> float:
    return memory_mb / 1024


def _ceil(x: float) -> float:
    # Guard against 0.1 + 0.2 style float noise pushing an exact value over the edge.
    return float(math.ceil(x - 1e-9))


def lines(usage: Usage, prices: Prices) -> list[Line]:
    out: list[Line] = []
    free_requests = prices.allowance(SERVICE, "requests_free")
    free_gb_s = prices.allowance(SERVICE, "duration_free")
    for a in ARCHITECTURES:
        meter = f"{SERVICE}.requests.{a}"
        new, free_requests = free_then_tiered(
            prices, SERVICE, f"requests_{a}", usage[meter], f"Requests {a}", "request", meter, free_requests
        )
        out += new
        meter = f"{SERVICE}.duration_gb_s.{a}"
        new, free_gb_s = free_then_tiered(
            prices, SERVICE, f"duration_{a}", usage[meter], f"Duration {a}", "GB-second", meter, free_gb_s
        )
        out += new
        for meter, component, name in (
            ("provisioned_gb_s", "provisioned", "Provisioned concurrency"),
            ("provisioned_duration_gb_s", "provisioned_duration", "Provisioned duration"),
            ("ephemeral_gb_s", "ephemeral_storage", "Ephemeral storage"),
        ):
            q = usage[f"{SERVICE}.{meter}.{a}"]
            if used(q):
                price = prices.get(SERVICE, f"{component}_{a}")
                out += tiered(price, q, f"{name} {a}", f"{SERVICE}.{meter}.{a}")
    return out

"""AWS Lambda: requests, duration, ephemeral storage and provisioned concurrency.

Meters, per architecture a (x86_64, arm64):
  lambda.requests.a                    requests
  lambda.duration_gb_s.a               on-demand GB-seconds, INIT of cold starts included
  lambda.provisioned_gb_s.a            configured provisioned concurrency x time enabled
  lambda.provisioned_duration_gb_s.a   GB-seconds of invocations served by provisioned concurrency
  lambda.ephemeral_gb_s.a              GB-seconds of ephemeral storage above the free 512 MB

Duration tiers apply to the monthly total per architecture in the account and region, so all
functions of one architecture share them. The Always Free 1M requests and 400,000 GB-s are shared
by both architectures in proportion to their usage (pricing/service.py); they cover the Request and
Lambda-GB-Second usage
types only, never provisioned concurrency or its duration, as in the Price List. (AWS's own
provisioned-concurrency example subtracts the free requests from all requests, PC-served ones
included; this follows that.)
"""

from __future__ import annotations

import math

from pricing.service import Component, Sized

NAME = SERVICE = "lambda"
TITLE = "AWS Lambda"
ORDER = 10
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


def _components(a: str) -> tuple[Component, ...]:
    arm = "-ARM" if a == "arm64" else ""
    c = [
        Component(
            f"lambda.requests.{a}",
            f"requests_{a}",
            f"Requests {a}",
            "request",
            OFFER,
            f"Request{arm}",
            FAMILY,
            free="requests_free",
        ),
        Component(
            f"lambda.duration_gb_s.{a}",
            f"duration_{a}",
            f"Duration {a}",
            "GB-second",
            OFFER,
            f"Lambda-GB-Second{arm}",
            FAMILY,
            free="duration_free",
        ),
        Component(
            f"lambda.provisioned_gb_s.{a}",
            f"provisioned_{a}",
            f"Provisioned concurrency {a}",
            "GB-second",
            OFFER,
            f"Lambda-Provisioned-Concurrency{arm}",
            FAMILY,
            hourly=True,
        ),
        Component(
            f"lambda.provisioned_duration_gb_s.{a}",
            f"provisioned_duration_{a}",
            f"Provisioned duration {a}",
            "GB-second",
            OFFER,
            f"Lambda-Provisioned-GB-Second{arm}",
            FAMILY,
        ),
        Component(
            f"lambda.ephemeral_gb_s.{a}",
            f"ephemeral_storage_{a}",
            f"Ephemeral storage {a}",
            "GB-second",
            OFFER,
            f"Lambda-Storage-GB-Second{arm}",
            FAMILY,
        ),
    ]
    return tuple(c)


OFFER, FAMILY = "AWSLambda", "Serverless"
COMPONENTS = _components("x86_64") + _components("arm64")


# ---------------------------------------------------------------- metering


def function_use(fn, n: float) -> dict[str, float]:
    """Metered quantities of `n` invocations of a function (a scenario Function), logs included."""
    a, memory_gb = fn.architecture, gb(fn.memory_mb)
    pc = fn.provisioned
    # Invocations move to the provisioned rate only when some concurrency is provisioned for some time.
    pc_share = pc.share if pc and (pc.concurrency or pc.auto) and (pc.hours is None or pc.hours > 0) else 0.0
    on_demand_ms = billed_ms(fn.duration_ms, fn.cold_start_rate, fn.init_ms)
    provisioned_ms = billed_ms(fn.duration_ms)  # provisioned environments are initialised ahead
    billed_s = ((1 - pc_share) * on_demand_ms + pc_share * provisioned_ms) / 1000
    extra_storage_gb = gb(fn.ephemeral_storage_mb - FREE_EPHEMERAL_MB)
    return {
        f"lambda.requests.{a}": n,
        f"lambda.duration_gb_s.{a}": n * (1 - pc_share) * on_demand_ms / 1000 * memory_gb,
        f"lambda.provisioned_duration_gb_s.{a}": n * pc_share * provisioned_ms / 1000 * memory_gb,
        f"lambda.ephemeral_gb_s.{a}": n * billed_s * extra_storage_gb,
        "logs.lambda_gb": n * fn.log_kb / 1024**2,
    }


def per_use(feature, s) -> dict[str, float]:
    row: dict[str, float] = {}
    for name, n in feature.invocations.items():
        for meter, q in function_use(s.functions[name], n).items():
            row[meter] = row.get(meter, 0.0) + q
    return row


def per_use_by_resource(feature, s) -> dict[str, dict[str, float]]:
    return {name: function_use(s.functions[name], n) for name, n in feature.invocations.items()}


def fixed_all(s) -> dict[str, float]:
    """Provisioned concurrency: configured GB x the time it is enabled, whoever invokes the function."""
    out: dict[str, float] = {}
    for fn in s.functions.values():
        if fn.provisioned and fn.provisioned.concurrency:  # 0 with auto: sized (`sized`)
            hours = s.hours_per_month if fn.provisioned.hours is None else fn.provisioned.hours
            key = f"lambda.provisioned_gb_s.{fn.architecture}"
            out[key] = out.get(key, 0.0) + fn.provisioned.concurrency * gb(fn.memory_mb) * provisioned_seconds(hours)
    return out


def sized(s) -> list[Sized]:
    """Provisioned concurrency `auto`: environments sized to the function's peak concurrency (invocations per
    second x the billed duration of a provisioned invocation), each billing its memory's GB-seconds all month."""
    out = []
    for name, fn in s.functions.items():
        pc = fn.provisioned
        if pc is None or not pc.auto:
            continue
        busy_s = billed_ms(fn.duration_ms) / 1000  # the time one invocation holds an environment
        load = {f: feat.invocations.get(name, 0.0) * pc.share * busy_s for f, feat in s.features.items()}
        hours = s.hours_per_month
        gb_s_per_hour = gb(fn.memory_mb) * provisioned_seconds(hours) / hours
        peak = fn.peak_to_average or s.peak_to_average
        meter = f"lambda.provisioned_gb_s.{fn.architecture}"
        out.append(Sized(meter, load, pc.minimum, pc.target_utilization, peak, hours, gb_s_per_hour))
    return out


def drivers(feature, s, price: dict[str, float]) -> list[tuple[str, str, float, str, float]]:
    """INIT billing, 1 ms rounding and CloudWatch Logs of each function a use invokes."""
    out = []
    for fn_name, n in feature.invocations.items():
        fn = s.functions[fn_name]
        memory_gb = gb(fn.memory_mb)
        on_demand_share = 1 - (fn.provisioned.share if fn.provisioned else 0.0)
        gb_s_price = price.get(f"lambda.duration_gb_s.{fn.architecture}", 0.0)
        init_ms = billed_ms(fn.duration_ms, fn.cold_start_rate, fn.init_ms) - billed_ms(fn.duration_ms)
        init_gb_s = n * on_demand_share * init_ms / 1000 * memory_gb
        out.append(
            (
                f"INIT billing ({fn_name})",
                f"{fn.cold_start_rate:.1%} of invocations are cold starts that bill {fn.init_ms:g} ms of INIT",
                init_gb_s,
                "GB-second",
                init_gb_s * gb_s_price,
            )
        )
        round_ms = billed_ms(fn.duration_ms) - fn.duration_ms
        round_gb_s = n * on_demand_share * round_ms / 1000 * memory_gb
        out.append(
            (
                f"1 ms duration rounding ({fn_name})",
                f"{fn.duration_ms:g} ms is billed as {billed_ms(fn.duration_ms):g} ms",
                round_gb_s,
                "GB-second",
                round_gb_s * gb_s_price,
            )
        )
        log_gb = n * fn.log_kb / 1024**2
        out.append(
            (
                f"CloudWatch Logs ({fn_name})",
                f"{fn.log_kb:g} KB of logs per invocation",
                log_gb,
                "GB",
                log_gb * price.get("logs.lambda_gb", 0.0),
            )
        )
    return out

"""Amazon API Gateway HTTP APIs: requests.

Meter: http.requests (metered requests). Requests are metered in 512 KB increments, so a 513 KB
request counts as 2. Tiers: first 300M, over 300M per month. No free tier (the 12-month offer has
expired for every account).
"""

from __future__ import annotations

from pricing.lines import Line, Prices, Usage, blocks, tiered, used

SERVICE = "http"
INCREMENT_KB = 512


def metered_requests(requests: float, request_kb: float) -> float:
    return requests * blocks(request_kb, INCREMENT_KB)


def lines(usage: Usage, prices: Prices) -> list[Line]:
    q = usage[f"{SERVICE}.requests"]
    return tiered(prices.get(SERVICE, "requests"), q, "Requests", f"{SERVICE}.requests") if used(q) else []

"""Amazon API Gateway HTTP APIs: requests.

Meter: http.requests (metered requests). Requests are metered in 512 KB increments, so a 513 KB
request counts as 2. Tiers: first 300M, over 300M per month. No free tier (the 12-month offer has
expired for every account).
"""

from __future__ import annotations

from pricing.lines import blocks
from pricing.service import Component

NAME = SERVICE = "http"
TITLE = "API Gateway HTTP API"
ORDER = 30
BILL_NAMES = ("apigateway",)  # Cost Explorer's "Amazon API Gateway"
INCREMENT_KB = 512


def metered_requests(requests: float, request_kb: float) -> float:
    return requests * blocks(request_kb, INCREMENT_KB)


COMPONENTS = (
    Component(
        f"{SERVICE}.requests",
        "requests",
        "Requests",
        "request",
        "AmazonApiGateway",
        "ApiGatewayHttpRequest",
        "API Calls",
    ),
)


def per_use(feature, s) -> dict[str, float]:
    h = feature.http
    return {} if h is None else {f"{SERVICE}.requests": metered_requests(h.requests, h.request_kb)}

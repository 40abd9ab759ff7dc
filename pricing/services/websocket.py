"""Amazon API Gateway WebSocket APIs: messages and connection minutes.

Meters: websocket.messages (metered messages, sent and received) and
websocket.connection_minutes. Messages are metered in 32 KB increments, so a 33 KB message counts
as 2. The message tiers (first 1B, over 1B) apply per account and region across all WebSocket
APIs. The 12-month free tier has expired for every account and is not applied.
"""

from __future__ import annotations

from pricing.lines import blocks
from pricing.service import Component

NAME = SERVICE = "websocket"
TITLE = "API Gateway WebSocket"
ORDER = 20
BILL_NAMES = ("apigateway",)  # Cost Explorer's "Amazon API Gateway"
INCREMENT_KB = 32


def metered_messages(messages: float, message_kb: float) -> float:
    return messages * blocks(message_kb, INCREMENT_KB)


OFFER, FAMILY = "AmazonApiGateway", "WebSocket"
COMPONENTS = (
    Component(f"{SERVICE}.messages", "messages", "Messages", "message", OFFER, "ApiGatewayMessage", FAMILY),
    Component(
        f"{SERVICE}.connection_minutes",
        "connection_minutes",
        "Connection minutes",
        "minute",
        OFFER,
        "ApiGatewayMinute",
        FAMILY,
    ),
)


def per_use(feature, s) -> dict[str, float]:
    w = feature.websocket
    if w is None:
        return {}
    return {
        f"{SERVICE}.messages": metered_messages(w.messages, w.message_kb),
        f"{SERVICE}.connection_minutes": w.connection_minutes,
    }


def drivers(feature, s, price: dict[str, float]) -> list[tuple[str, str, float, str, float]]:
    w = feature.websocket
    if not (w and w.messages):
        return []
    n = blocks(w.message_kb, INCREMENT_KB)
    return [
        (
            "32 KB message increments",
            f"each {w.message_kb:g} KB message is metered as {n} messages of 32 KB",
            w.messages * (n - 1),
            "message",
            w.messages * (n - 1) * price.get(f"{SERVICE}.messages", 0.0),
        )
    ]

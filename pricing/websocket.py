"""Amazon API Gateway WebSocket APIs: messages and connection minutes.

Meters: websocket.messages (metered messages, sent and received) and
websocket.connection_minutes. Messages are metered in 32 KB increments, so a 33 KB message counts
as 2. The message tiers (first 1B, over 1B) apply per account and region across all WebSocket
APIs. The 12-month free tier has expired for every account and is not applied.
"""

from __future__ import annotations

from pricing.lines import Line, Prices, Usage, blocks, tiered, used

SERVICE = "websocket"
INCREMENT_KB = 32


def metered_messages(messages: float, message_kb: float) -> float:
    return messages * blocks(message_kb, INCREMENT_KB)


def lines(usage: Usage, prices: Prices) -> list[Line]:
    out: list[Line] = []
    for meter, name in (("messages", "Messages"), ("connection_minutes", "Connection minutes")):
        q = usage[f"{SERVICE}.{meter}"]
        if used(q):
            out += tiered(prices.get(SERVICE, meter), q, name, f"{SERVICE}.{meter}")
    return out

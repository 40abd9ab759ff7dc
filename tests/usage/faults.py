"""Canned AWS error responses injected through botocore's `before-send` hook.

The response replaces the HTTP exchange only: botocore still parses it and its retry handler (adaptive
mode) still decides what to do, so a throttle really goes through the backoff and retry path.
"""

from __future__ import annotations

import json
from collections import Counter

from botocore.awsrequest import AWSResponse


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


def _cbor_text(s: str) -> bytes:
    b = s.encode()
    return (bytes([0x60 + len(b)]) if len(b) < 24 else bytes([0x78, len(b)])) + b


def cbor_error(code: str, message: str = "injected") -> bytes:
    """{"__type": code, "message": message} in CBOR (CloudWatch and the tagging API speak rpc-v2-cbor)."""
    return bytes([0xA2]) + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(message)


def error(status: int, code: str | None) -> tuple[int, str | None]:
    """An error response: HTTP status and error code (None: an empty body, as a bare 429 or 503)."""
    return status, code


def render(request, status: int, code: str | None) -> AWSResponse:
    """The error in the protocol the request used (JSON, CBOR, REST-JSON)."""
    content_type = request.headers.get("Content-Type", b"")
    content_type = content_type.decode() if isinstance(content_type, bytes) else content_type
    if code is None:
        headers, body = {}, b""
    elif "cbor" in content_type:
        headers = {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}
        body = cbor_error(code)
    elif "amz-json" in content_type:
        headers = {"Content-Type": content_type}
        body = json.dumps({"__type": f"com.amazonaws#{code}", "message": "injected"}).encode()
    else:  # REST-JSON: the code travels in a header
        headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json"}
        body = b'{"message": "injected"}'
    return AWSResponse(request.url, status, headers, _Raw(body))


class Injector:
    """`plan[(service, operation)]` is a list of canned responses, used one per call, then calls go through.
    `when(request)` may narrow which calls get them (e.g. one table)."""

    def __init__(self, session, plan: dict, when=None):
        self.plan = {k: list(v) for k, v in plan.items()}
        self.used: Counter = Counter()
        self.when = when or (lambda service, operation, request: True)
        session.events.register("before-send", self._before_send)

    def _before_send(self, request, event_name: str, **_):
        _, service, operation = event_name.split(".")[:3]
        for (svc, op), queue in self.plan.items():
            if svc == service and op == operation and queue and self.when(service, operation, request):
                status, code = queue.pop(0)
                self.used[(service, operation)] += 1
                return render(request, status, code)
        return None

    def pending(self) -> dict:
        return {k: len(v) for k, v in self.plan.items() if v}

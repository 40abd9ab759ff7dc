"""Faults injected into a real boto3 session: canned error responses and raw bodies (botocore's `before-send`
hook), and the real response's body damaged on its way to the parser (`before-parse`).

The response replaces the HTTP exchange only: botocore still parses it and its retry handler (adaptive
mode) still decides what to do, so a throttle really goes through the backoff and retry path.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass

import botocore.loaders
import botocore.session
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


@dataclass(frozen=True)
class Raw:
    """A response with this status and exactly this body, in place of the real one."""

    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass(frozen=True)
class Mangle:
    """The real response, its body changed by `BAD_BODIES[kind]` (or by `kind` itself, a function of the same
    form) before botocore parses it. `token` is the wire name of the operation's page token (for kind
    "endless_pages")."""

    kind: object
    token: str | None = None


class Forever(list):
    """A plan entry that never runs out: every call gets `fault`."""

    def __init__(self, fault):
        super().__init__([fault])

    def pop(self, index=-1):
        return self[0]


class Injector:
    """`plan[(service, operation)]` is a list of faults, used one per call, then calls go through: (status, code)
    for an error, Raw for a given body, Mangle for the real body damaged; Forever(fault) for every call.
    `when(request)` may narrow which calls get them (e.g. one table). More than `limit` faults on one operation
    raise, so that a client paging forever fails instead of hanging."""

    def __init__(self, session, plan: dict, when=None, limit: int = 200):
        self.plan = {k: v if isinstance(v, Forever) else list(v) for k, v in plan.items()}
        self.used: Counter = Counter()
        self.when = when or (lambda service, operation, request: True)
        self.limit = limit
        self.armed: dict[tuple[str, str], Mangle] = {}  # a Mangle taken at send time, applied at parse time
        session.events.register("before-send", self._before_send)
        session.events.register("before-parse", self._before_parse)

    def _before_send(self, request, event_name: str, **_):
        _, service, operation = event_name.split(".")[:3]
        for (svc, op), queue in self.plan.items():
            if svc == service and op == operation and queue and self.when(service, operation, request):
                fault = queue.pop(0)
                self.used[(service, operation)] += 1
                if self.used[(service, operation)] > self.limit:
                    raise RuntimeError(f"{service} {operation} called more than {self.limit} times: endless paging?")
                if isinstance(fault, Mangle):
                    self.armed[(service, operation)] = fault
                    return None
                if isinstance(fault, Raw):
                    headers = {"Content-Type": fault.content_type}
                    return AWSResponse(request.url, fault.status, headers, _Raw(fault.body))
                status, code = fault
                return render(request, status, code)
        return None

    def _before_parse(self, operation_model, response_dict, event_name: str, **_):
        _, service, operation = event_name.split(".")[:3]
        fault = self.armed.pop((service, operation), None)
        if fault is not None:
            protocol = operation_model.service_model.resolved_protocol
            edit = fault.kind if callable(fault.kind) else BAD_BODIES[fault.kind]
            response_dict["body"] = edit(response_dict["body"], protocol, fault.token)

    def pending(self) -> dict:
        return {k: len(v) for k, v in self.plan.items() if v and not isinstance(v, Forever)}


# Damaged bodies. Each takes the real body (bytes), the protocol (json, rest-json: JSON; query: XML) and the
# page token's wire name, and returns what the client gets instead.
PROXY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def _is_xml(protocol: str) -> bool:
    return protocol in ("query", "rest-xml", "ec2")


def _json_or_xml(on_json, on_xml):
    """A kind that rewrites the parsed document: `on_json(data)` or `on_xml(root)` (in place)."""

    def apply(body: bytes, protocol: str, token: str | None) -> bytes:
        if _is_xml(protocol):
            root = ET.fromstring(body)
            on_xml(root, token)
            return ET.tostring(root)
        return json.dumps(on_json(json.loads(body), token)).encode()

    return apply


def _leaves(data, leaf):
    """`data` with every scalar replaced by leaf(scalar)."""
    if isinstance(data, dict):
        return {k: _leaves(v, leaf) for k, v in data.items()}
    if isinstance(data, list):
        return [_leaves(v, leaf) for v in data]
    return leaf(data)


def _items(data, item):
    """`data` with every element of every list replaced by item(element)."""
    if isinstance(data, dict):
        return {k: _items(v, item) for k, v in data.items()}
    if isinstance(data, list):
        return [item(v) for v in data]
    return data


def _other_type(v):
    if isinstance(v, bool):
        return "yes"
    if isinstance(v, int | float):
        return "many"
    if isinstance(v, str):
        return 12345
    return v


def _result(root):
    """The XML element holding the operation's members (<XResult> in <XResponse>)."""
    return next((c for c in root if c.tag.endswith("Result")), root)


def _xml_leaves(root, text: str) -> None:
    for e in root.iter():
        if len(e) == 0:
            e.text = text


def _xml_clear_members(root, _token) -> None:
    for e in root.iter():
        if e.tag.endswith("member"):
            e.clear()


def _xml_clear_result(root, _token) -> None:
    _result(root).clear()


def _xml_null_top(root, _token) -> None:
    for e in _result(root):
        e.clear()


def _xml_endless(root, token) -> None:
    result = _result(root)
    for e in [e for e in result if e.tag.endswith(token)]:
        result.remove(e)
    ns = re.match(r"\{[^}]*\}", result.tag)
    ET.SubElement(result, f"{ns.group(0) if ns else ''}{token}").text = "again"


def _non_utf8(body: bytes, protocol: str, token) -> bytes:
    """A latin-1 byte inside the first text value: the rest of the document is fine."""
    m = re.search(rb'": "|>[^<\s]', body)
    i = m.end() - (0 if body[m.start()] == ord('"') else 1) if m else len(body) // 2
    return body[:i] + b"\xe9" + body[i:]


BAD_BODIES = {
    "empty": lambda b, p, t: b"",
    "truncated": lambda b, p, t: b[: len(b) // 2],
    "last_byte_cut": lambda b, p, t: b[:-1],
    "proxy_page": lambda b, p, t: PROXY_PAGE,
    "binary": lambda b, p, t: b"\x1f\x8b\x08\x00" + bytes(range(128, 256)),
    "non_utf8": _non_utf8,
    "json_null": lambda b, p, t: b"null",
    "json_array": lambda b, p, t: b"[]",
    "json_string": lambda b, p, t: b'"OK"',
    "empty_object": _json_or_xml(lambda d, t: {}, _xml_clear_result),
    "null_top": _json_or_xml(lambda d, t: dict.fromkeys(d), _xml_null_top),
    "null_leaves": _json_or_xml(lambda d, t: _leaves(d, lambda v: None), lambda r, t: _xml_leaves(r, "")),
    "null_items": _json_or_xml(lambda d, t: _items(d, lambda v: None), _xml_clear_members),
    "wrong_types": _json_or_xml(lambda d, t: _leaves(d, _other_type), lambda r, t: _xml_leaves(r, "many")),
    "items_emptied": _json_or_xml(
        lambda d, t: _items(d, lambda v: {} if isinstance(v, dict) else v), _xml_clear_members
    ),
    "endless_pages": _json_or_xml(lambda d, t: {**d, t: "again"}, _xml_endless),
}

# Error statuses whose bodies botocore cannot read.
BAD_STATUSES = {
    "400_non_utf8": Raw(400, b"\xff\xfe\xe9 bad request"),
    "403_non_utf8": Raw(403, b"\xff\xfe\xe9"),
    "403_proxy_page": Raw(403, PROXY_PAGE, "text/html"),
}


def service_id(service: str) -> str:
    """botocore's service name (as in aws.PERMISSIONS) -> the id its event names use (an Injector's plan keys)."""
    return botocore.session.get_session().get_service_model(service).service_id.hyphenize()


_loader = botocore.loaders.create_loader()


def shared_loader_session(env_vars=None):
    """A botocore session reading the service models through one shared loader: hundreds of imports in a
    test then parse botocore's JSON once, not once each (patch it over botocore.session.get_session)."""
    session = botocore.session.Session(env_vars)
    session.register_component("data_loader", _loader)
    return session

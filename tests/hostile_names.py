"""A scenario whose every name is markup: a Markdown image and link, raw HTML (<img>, <a>, <b>, <script>),
emphasis, $math$, a :red[] directive, code, an emoji shortcode, bare links. Shared by the AppTest and the
browser tests of "user text is shown as text"; every URL points at `base` (a local server that counts hits)."""

from __future__ import annotations

import yaml


def hostile(kind: str, base: str) -> str:
    """One name that tries every kind of markup; `kind` keeps the names apart."""
    return (
        f"![{kind}]({base}/{kind}.png) [{kind} link]({base}/{kind}-link) <img src={base}/{kind}-img.png> "
        f'<a href="{base}/{kind}-a">{kind}</a> **{kind}** $m^2$ :red[{kind}] `{kind}` <b>{kind}</b> '
        f"<script>alert('{kind}')</script> :smile: "
        f"www.{kind}.example a@{kind}.example"
    )


def scenario_yaml(base: str) -> str:
    """Every name the format has (scenario, function, API, table, service and unit, feature, tier) hostile."""
    fn, api, poll, table, svc = (hostile(k, base) for k in ("fn", "api", "poll", "table", "svc"))
    chat, job, free, pro = (hostile(k, base) for k in ("chat", "job", "free", "pro"))
    doc = {
        "name": hostile("scenario", base),
        "region": "us-east-1",
        "functions": {
            fn: {
                "memory_mb": 256,
                "duration_ms": 45,
                "cold_start_rate": 0.01,
                "init_ms": 300,
                "log_kb": 1,
                "reserved_concurrency": 2,
            }
        },
        "websockets": {api: {}},
        "http_apis": {poll: {}},
        "tables": {table: {"storage_gb": 3, "gsis": 3}},
        "services": {svc: {"unit": hostile("unit", base), "price": 0.00001}},
        "features": {
            chat: {
                "lambda": {fn: 1},
                "websocket": {"api": api, "messages": 6, "message_kb": 40, "connection_minutes": 30, "connects": 1},
                "http": {"api": poll, "requests": 1},
                "dynamodb": [{"table": table, "writes": 1, "item_kb": 3}, {"table": table, "reads": 1, "item_kb": 8}],
                "services": {svc: 0.01},
            },
            job: {"lambda": {fn: 2}},
        },
        "tiers": {
            free: {"users": 100_000, "price": 0, "uses": {chat: 100, job: 10}},
            pro: {"users": 5000, "price": 5, "uses": {chat: 1000}},
        },
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1000)

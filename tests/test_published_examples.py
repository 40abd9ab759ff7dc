"""AWS's published worked examples (shared/reference/aws-pricing.md section 8), to the cent.

Each example is written as a scenario file, with the free-tier setting the example assumes, and
run through the same path as `cli.py estimate`. Expected figures are the published ones.
"""

import pytest

from models.engine import estimate
from models.scenario import loads

EXAMPLES = {
    # L1: 3M requests, 120 ms, 1536 MB, x86, free tier applied.
    "L1 mobile backend": (
        """
name: L1
region: us-east-1
functions: {api: {memory_mb: 1536, duration_ms: 120}}
features: {call: {lambda: {api: 1}}}
baseline: {call: 3000000}
""",
        {"Duration x86_64 (first 6B)": 2.33, "Requests x86_64": 0.40},
        2.73,
    ),
    # L3: 6M requests, 280 ms, 4096 MB, 2048 MB ephemeral storage, free tier applied.
    "L3 ephemeral storage": (
        """
name: L3
region: us-east-1
functions: {etl: {memory_mb: 4096, duration_ms: 280, ephemeral_storage_mb: 2048}}
features: {run: {lambda: {etl: 1}}}
baseline: {run: 6000000}
""",
        {"Duration x86_64 (first 6B)": 105.33, "Requests x86_64": 1.00, "Ephemeral storage x86_64": 0.08},
        106.41,
    ),
    # L4: PC 100 for 8 h serving 500,000 requests of 100 ms; 2.5M more at 120 ms on demand; 1536 MB.
    # The function is split in two: the PC part and the on-demand part share tiers and free tier.
    "L4 provisioned concurrency": (
        """
name: L4
region: us-east-1
functions:
  launch: {memory_mb: 1536, duration_ms: 100, provisioned: {concurrency: 100, hours: 8}}
  steady: {memory_mb: 1536, duration_ms: 120}
features:
  launch_call: {lambda: {launch: 1}}
  steady_call: {lambda: {steady: 1}}
baseline: {launch_call: 500000, steady_call: 2500000}
""",
        {
            "Provisioned concurrency x86_64": 18.00,
            "Requests x86_64": 0.40,
            "Provisioned duration x86_64": 0.73,
            "Duration x86_64 (first 6B)": 0.83,
        },
        19.96,
    ),
    # A1: HTTP API, 10,000 requests/minute over a 30-day month, 12 KB requests, no free tier.
    "A1 HTTP API": (
        """
name: A1
region: us-east-1
free_tier: false
http_apis: {web: {}}
features: {page: {http: {requests: 1, request_kb: 12}}}
baseline: {page: 432000000}
""",
        {"Requests (first 300M)": 300.00, "Requests (over 300M)": 118.80},
        418.80,
    ),
    # A7: WebSocket chat, 1,000 users, 100 sent + 500 received 3 KB messages a day, 12 h connected, 30 days.
    "A7 WebSocket chat": (
        """
name: A7
region: us-east-1
free_tier: false
websockets: {chat: {}}
features:
  chat_day: {websocket: {messages: 600, message_kb: 3, connection_minutes: 720}}
tiers:
  everyone: {users: 1000, uses: {chat_day: 30}}
""",
        {"Messages (first 1B)": 18.00, "Connection minutes": 5.40},
        23.40,
    ),
    # G1: 100,000 requests x 350 ms x 512 MB, no free tier; x86 and Arm.
    "G1 small function x86": (
        """
name: G1
region: us-east-1
free_tier: false
functions: {f: {memory_mb: 512, duration_ms: 350}}
features: {call: {lambda: {f: 1}}}
baseline: {call: 100000}
""",
        {"Requests x86_64": 0.02, "Duration x86_64 (first 6B)": 0.29},
        0.31,
    ),
    "G1 small function arm64": (
        """
name: G1
region: us-east-1
free_tier: false
functions: {f: {memory_mb: 512, duration_ms: 350, architecture: arm64}}
features: {call: {lambda: {f: 1}}}
baseline: {call: 100000}
""",
        {"Requests arm64": 0.02, "Duration arm64 (first 7.5B)": 0.23},
        0.25,
    ),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_published_example(name):
    text, expected_lines, expected_total = EXAMPLES[name]
    result = estimate(loads(text))
    costs = {line.component: line.cost for line in result.lines if line.cost}
    assert costs == pytest.approx(expected_lines, abs=1e-9)
    assert result.total == pytest.approx(expected_total, abs=1e-9)


def test_l1_free_tier_lines_show_what_was_free():
    text = EXAMPLES["L1 mobile backend"][0]
    lines = {line.component: line.quantity for line in estimate(loads(text)).lines}
    assert lines["Requests x86_64 (free tier)"] == 1_000_000
    assert lines["Duration x86_64 (free tier)"] == 400_000
    assert lines["Duration x86_64 (first 6B)"] == pytest.approx(140_000)


def test_l1_without_free_tier_bills_everything():
    text = EXAMPLES["L1 mobile backend"][0].replace("region: us-east-1", "region: us-east-1\nfree_tier: false")
    result = estimate(loads(text))
    # 540,000 GB-s x $0.0000166667 = $9.00; 3M x $0.20/M = $0.60
    assert result.total == pytest.approx(9.60)

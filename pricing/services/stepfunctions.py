"""AWS Step Functions: state transitions of Standard workflows, requests and duration of Express workflows.

Scenario:
  state_machines: {NAME: {type: standard}}         standard (default) | express; express may set memory_mb (64)
  features: NAME: {stepfunctions: [{machine: M, executions: 1, transitions: 0, duration_ms: 0}]}

Metering, per use: `executions` executions of the machine, each with `transitions` state transitions and
lasting `duration_ms`.
- Standard bills state transitions: executions x transitions (retries count as transitions; give them in
  `transitions`). Duration and memory are not billed.
- Express bills one request per execution started (console tests included), and duration: each execution's
  duration rounded UP to the next 100 ms, times its memory billed in 64 MB chunks (ceil(memory_mb / 64) x 64),
  GB-s = billed s x billed MB / 1024. An execution takes some time, so at least one 100 ms block and one
  64 MB chunk are billed [inferred from "rounded up"]. Transitions are not billed.
- Memory of an Express execution, as AWS estimates it: 50 MB base + definition size + execution data size x
  Parallel/Map iterations, with KB -> MB decimal (1 MB = 1,000 KB) as in AWS's example
  (`estimated_memory_mb`; 50 KB definition, 400 Map steps x 32 KB -> 62.85 MB, billed as 64 MB).
Source: https://aws.amazon.com/step-functions/pricing/ (rules, prices and the examples), as transcribed in
shared/reference/event-driven-services.md section 4.

Prices (us-east-1): Standard $0.025 per 1,000 state transitions, the first 4,000 a month Always Free (all
Standard machines share them; Express has no free tier). Express $1.00 per million requests; duration
$0.06 per GB-hour for the first 1,000 GB-h a month, $0.03 for the next 4,000, $0.01642 over 5,000.

The book prices duration per GB-second (0.0000166667 / 0.0000083333 / 0.0000045611 with breakpoints at
3.6M and 18M GB-s), not per GB-hour, because that is how the bill meters it: the usage type is
StepFunctions-GB-Second and the Price List prices it per GB-second, so a Price List refresh matches it
without a unit conversion and a Cost Explorer quantity compares with the model's directly. It reproduces
AWS's example to the cent: 100M executions of 10 s at 64 MB = 62,500,000 GB-s -> 3.6M x 0.0000166667 =
$60.00, 14.4M x 0.0000083333 = $120.00, 44.5M x 0.0000045611 = $202.97, duration $382.97 (the page:
$60 + $120 + 12,361.11 GB-h x $0.01642 = $202.97), requests $100.00, total $482.97. The per-GB-s prices
carry the 10 decimals the Price List gives Lambda's $0.06/GB-h (0.0000166667); the 8-decimal quote
0.00001667 would bill the first tier $60.01, not the page's $60.00.

Quotas (token buckets per account and Region; the sustained rate is the bucket's refill rate, the model's
per-second peak is compared with it):
  Standard state transitions 1,500/s (bucket 5,000) in us-east-1, us-west-2 and eu-west-1 (500/s, bucket 800,
  elsewhere); StartExecution 300/s for Standard there (bucket 1,300; 150/s elsewhere) and 6,000/s for Express
  in every Region (bucket 6,000); Express state transitions are unlimited. New accounts start with reduced
  transition quotas that AWS raises with use. Source: Step Functions Developer Guide, "Quotas related to state
  throttling" and "... API action throttling", as in awsdocs/aws-step-functions-developer-guide
  doc_source/limits-overview.md (commit 28a1c16, the archived GitHub copy of
  https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html, whose stored copy could not be
  read as far as its tables). The 5,000/s refill the shared reference believed is that table's bucket size,
  not its refill rate. Defaults are us-east-1's: elsewhere set them under `quotas:`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pricing.lines import blocks
from pricing.service import Component, Quota, amount, choice, ref

NAME = "stepfunctions"
TITLE = "AWS Step Functions"
ORDER = 85
BILL_NAMES = ("stepfunctions",)  # Cost Explorer's "AWS Step Functions"
DURATION_BLOCK_MS = 100
MEMORY_CHUNK_MB = 64
BASE_MEMORY_MB = 50  # AWS's estimate of an Express execution's memory before its definition and data
KB_PER_MB = 1000  # AWS's memory example converts KB to MB decimally
EXPRESS_MAX_MS = 300_000  # an Express execution runs at most 5 minutes (express-limits.html)

SECTION = "state_machines"


@dataclass(frozen=True)
class Resource:
    """A state machine: Standard or Express, and an Express machine's memory."""

    type: str = choice("standard", "express", help="Standard bills state transitions; Express requests and duration")
    memory_mb: float = amount(MEMORY_CHUNK_MB, low=1, help="Express only: memory per execution, billed in 64 MB chunks")

    def problem(self, given_keys: set[str]) -> tuple[str, str] | None:
        if self.type == "standard" and "memory_mb" in given_keys:
            return "memory_mb", "applies to express state machines only (Standard does not bill memory)"
        return None


USE = "stepfunctions"


@dataclass(frozen=True)
class Use:
    """Executions one use starts on a state machine, their transitions and duration."""

    machine: str = ref("state_machines", "state machine")
    executions: float = amount(1.0, help="Executions started per use")
    transitions: float = amount(0.0, help="State transitions per execution, retries included (billed on Standard)")
    duration_ms: float = amount(
        0.0, high=EXPRESS_MAX_MS, help="Time per execution (billed on Express, rounded up to 100 ms; at most 5 min)"
    )


def estimated_memory_mb(definition_kb: float, data_kb: float, iterations: float = 1) -> float:
    """AWS's estimate of an Express execution's memory: 50 MB + definition + data x Parallel/Map iterations,
    in decimal MB (1 MB = 1,000 KB). 50 KB definition, 400 iterations of 32 KB -> 62.85 MB."""
    return BASE_MEMORY_MB + (definition_kb + data_kb * iterations) / KB_PER_MB


def billed_ms(duration_ms: float) -> float:
    """An Express execution's duration rounded up to the next 100 ms, at least 100 ms."""
    return blocks(duration_ms, DURATION_BLOCK_MS) * DURATION_BLOCK_MS


def billed_memory_mb(memory_mb: float) -> float:
    """Memory in 64 MB chunks, at least one: 62.85 MB -> 64, 65 MB -> 128."""
    return blocks(memory_mb, MEMORY_CHUNK_MB) * MEMORY_CHUNK_MB


def gb_seconds(duration_ms: float, memory_mb: float) -> float:
    """Billed GB-s of one Express execution: billed s x billed MB / 1024."""
    return billed_ms(duration_ms) / 1000 * billed_memory_mb(memory_mb) / 1024


def use(u: Use, machine: Resource, s) -> dict[str, float]:
    if machine.type == "standard":
        return {f"{NAME}.transitions": u.executions * u.transitions}
    return {
        f"{NAME}.requests.express": u.executions,
        f"{NAME}.duration_gb_s.express": u.executions * gb_seconds(u.duration_ms, machine.memory_mb),
    }


OFFER = "AmazonStates"
COMPONENTS = (
    Component(
        f"{NAME}.transitions",
        "state_transitions",
        "State transitions",
        "transition",
        OFFER,
        "StateTransition",
        free="state_transitions_free",
        price_list_units=("statetransition",),  # the Price List's "StateTransitions"
    ),
    Component(
        f"{NAME}.requests.express", "requests_express", "Requests (Express)", "request", OFFER, "StepFunctions-Request"
    ),
    Component(
        f"{NAME}.duration_gb_s.express",
        "duration_express",
        "Duration (Express)",
        "GB-second",
        OFFER,
        "StepFunctions-GB-Second",
    ),
)


def _standard(m: Resource) -> bool:
    return m.type == "standard"


def _express(m: Resource) -> bool:
    return m.type == "express"


BIG_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")  # the higher refill rates (see the docstring)

QUOTAS = (
    Quota(
        "stepfunctions_state_transitions_per_second",
        500,
        "transitions/s",
        "State transitions of all Standard state machines of the account (refill rate)",
        per_use=lambda u, m: u.executions * u.transitions,
        applies=_standard,
        by_region=tuple((r, 1500) for r in BIG_REGIONS),
        title="Step Functions state transitions (Standard)",
    ),
    Quota(
        "stepfunctions_standard_executions_per_second",
        150,
        "calls/s",
        "StartExecution calls of all Standard state machines of the account (refill rate)",
        per_use=lambda u, m: u.executions,
        applies=_standard,
        by_region=tuple((r, 300) for r in BIG_REGIONS),
        title="Step Functions Standard StartExecution rate",
    ),
    Quota(
        "stepfunctions_express_executions_per_second",
        6000,
        "calls/s",
        "StartExecution calls of all Express state machines of the account (refill rate)",
        per_use=lambda u, m: u.executions,
        applies=_express,
        title="Step Functions Express StartExecution rate",
    ),
)


def drivers(feature, s, price: dict[str, float]) -> list[tuple[str, str, float, str, float]]:
    """Express rounding: the GB-seconds billed beyond the execution's own duration x memory."""
    out = []
    meter = f"{NAME}.duration_gb_s.express"
    for u in feature.uses.get(USE, ()):
        m = s.resources[SECTION][u.machine]
        if m.type != "express":
            continue
        actual = u.duration_ms / 1000 * m.memory_mb / 1024
        extra = u.executions * (gb_seconds(u.duration_ms, m.memory_mb) - actual)
        if extra > 0:
            out.append(
                (
                    f"Express duration and memory rounding ({u.machine})",
                    f"a {u.duration_ms:g} ms execution at {m.memory_mb:g} MB is billed as "
                    f"{billed_ms(u.duration_ms):g} ms at {billed_memory_mb(m.memory_mb):g} MB",
                    extra,
                    "GB-second",
                    extra * price.get(meter, 0.0),
                )
            )
    return out

"""AWS Step Functions (pricing/services/stepfunctions.py): metering, prices, the scenario keys, capacity and the review.

Prices (us-east-1, book 2026-11-27): Standard $0.025 per 1,000 state transitions ($0.000025 each), the first
4,000 a month Always Free; Express $1.00 per million requests and duration per GB-second $0.0000166667 (first
3.6M GB-s = 1,000 GB-h), $0.0000083333 (next 14.4M), $0.0000045611 (over 18M), no free tier.
"""

import pytest

from models.capacity import capacity
from models.engine import estimate
from models.scenario import ScenarioError, loads, to_yaml
from pricing.services import stepfunctions as sfn

HEAD = "name: sf\nregion: us-east-1\nfree_tier: false\n"


def scenario(machines: str, uses: str, users: float = 1_000_000, free_tier: bool = False) -> str:
    return (
        f"name: sf\nregion: us-east-1\nfree_tier: {str(free_tier).lower()}\nstate_machines: {machines}\n"
        f"features:\n  job:\n    stepfunctions: {uses}\ntiers:\n  all: {{users: {users}, uses: {{job: 1}}}}\n"
    )


def sfn_lines(text: str) -> dict[str, tuple[float, float]]:
    """label -> (quantity, cost) of the estimate's Step Functions lines (costs in whole cents)."""
    return {ln.component: (ln.quantity, ln.cost) for ln in estimate(loads(text)).lines if ln.service == "stepfunctions"}


# ---------------------------------------------------------------- metering rules


@pytest.mark.parametrize(
    "duration_ms, expected",
    [
        (0, 100),  # an execution takes some time: at least one 100 ms block
        (1, 100),
        (100, 100),  # exactly 100 ms is one block
        (100.5, 200),  # just over: rounded UP
        (101, 200),
        (0.1 + 0.2, 100),  # float noise is not a second block
        (10_000, 10_000),  # AWS's example: 10 s
        (299_999, 300_000),
        (300_000, 300_000),  # the 5-minute Express maximum
    ],
)
def test_duration_is_rounded_up_to_100_ms(duration_ms, expected):
    assert sfn.billed_ms(duration_ms) == expected


@pytest.mark.parametrize(
    "memory_mb, expected",
    [
        (1, 64),  # at least one 64 MB chunk
        (62.85, 64),  # AWS's memory example
        (64, 64),  # exactly one chunk
        (64.01, 128),
        (65, 128),
        (128, 128),
        (129, 192),
    ],
)
def test_memory_is_billed_in_64_mb_chunks(memory_mb, expected):
    assert sfn.billed_memory_mb(memory_mb) == expected


@pytest.mark.parametrize(
    "duration_ms, memory_mb, expected",
    [
        (10_000, 64, 0.625),  # 10 s x 64 MB / 1024
        (150, 100, 0.025),  # 200 ms x 128 MB / 1024 = 0.2 x 0.125
        (100, 64, 0.00625),  # 0.1 s x 0.0625 GB
        (0, 1, 0.00625),  # the smallest execution bills one block at one chunk
    ],
)
def test_gb_seconds_of_one_execution(duration_ms, memory_mb, expected):
    assert sfn.gb_seconds(duration_ms, memory_mb) == pytest.approx(expected)


def test_memory_estimate_converts_kb_to_mb_decimally():
    # AWS's example: 50 MB base + 50 KB definition + 400 Map iterations x 32 KB
    # = 50 + 0.05 + 12.8 = 62.85 MB with 1 MB = 1,000 KB (not 50 + 12,850 / 1024 = 62.549), billed as 64 MB
    mb = sfn.estimated_memory_mb(definition_kb=50, data_kb=32, iterations=400)
    assert mb == pytest.approx(62.85)
    assert sfn.billed_memory_mb(mb) == 64
    assert sfn.estimated_memory_mb(0, 0, 0) == 50  # the base alone
    assert sfn.billed_memory_mb(sfn.estimated_memory_mb(1000, 14_000, 1)) == 128  # 50 + 1 + 14 = 65 MB


# ---------------------------------------------------------------- prices and published examples


def test_published_express_example_to_the_cent():
    # AWS: 100M Express workflows a month, 10 s each, 64 MB. Here 1M users x 100 executions.
    # Requests: 100M x $1.00/M = $100.00
    # Duration: 100M x 10 s x 64/1024 = 62,500,000 GB-s (= 17,361.11 GB-h)
    #   first 3.6M GB-s (1,000 GB-h) x 0.0000166667 = $60.00012 -> $60.00   (page: 1,000 GB-h x $0.06)
    #   next 14.4M (4,000 GB-h) x 0.0000083333 = $119.99952 -> $120.00      (page: 4,000 GB-h x $0.03)
    #   over 18M: 44.5M (12,361.11 GB-h) x 0.0000045611 = $202.969 -> $202.97 (page: x $0.01642)
    #   duration $382.97; total $482.97
    text = scenario("{fast: {type: express}}", "[{executions: 100, duration_ms: 10000}]")
    assert sfn_lines(text) == {
        "Requests (Express)": (100_000_000, 100.00),
        "Duration (Express) (first 3.6M)": (3_600_000, 60.00),
        "Duration (Express) (next 14.4M)": (14_400_000, 120.00),
        "Duration (Express) (over 18M)": (44_500_000, 202.97),
    }
    assert estimate(loads(text)).services["stepfunctions"] == pytest.approx(482.97)


def test_express_has_no_free_tier():
    # The same workload with the free tier on: still $482.97 (the 4,000 free transitions are Standard's)
    text = scenario("{fast: {type: express}}", "[{executions: 100, duration_ms: 10000}]", free_tier=True)
    assert estimate(loads(text)).services["stepfunctions"] == pytest.approx(482.97)


def test_standard_bills_transitions_free_tier_off():
    # 1M users x 1 execution x 10 transitions = 10M transitions x $0.000025 = $250.00
    assert sfn_lines(scenario("{flow: {}}", "[{transitions: 10}]")) == {"State transitions": (10_000_000, 250.00)}


def test_standard_free_tier_covers_the_first_4000_transitions():
    # 10M transitions, 4,000 free: 9,996,000 x $0.000025 = $249.90
    assert sfn_lines(scenario("{flow: {}}", "[{transitions: 10}]", free_tier=True)) == {
        "State transitions (free tier)": (4_000, 0.0),
        "State transitions": (9_996_000, 249.90),
    }
    # 1,000 users x 1 execution x 4 transitions = 4,000: all free
    assert sfn_lines(scenario("{flow: {}}", "[{transitions: 4}]", users=1000, free_tier=True)) == {
        "State transitions (free tier)": (4_000, 0.0)
    }


def test_each_type_bills_only_its_own_quantities():
    # Standard: transitions only (duration and memory are not billed): 1M x 2 x 5 = 10M -> $250.00
    # Express: 1M x 1 requests ($1.00) + 1M x 250 ms -> 300 ms x 128 MB (100 MB) = 1M x 0.0375 GB-s
    #   = 37,500 GB-s x 0.0000166667 = $0.625 -> $0.63; its 7 transitions are not billed
    text = scenario(
        "{flow: {}, fast: {type: express, memory_mb: 100}}",
        "[{machine: flow, executions: 2, transitions: 5, duration_ms: 60000},"
        " {machine: fast, transitions: 7, duration_ms: 250}]",
    )
    lines = sfn_lines(text)
    assert lines["State transitions"] == (10_000_000, 250.00)
    assert lines["Requests (Express)"] == (1_000_000, 1.00)
    q, cost = lines["Duration (Express) (first 3.6M)"]
    assert (q, cost) == (pytest.approx(37_500), 0.63)
    assert len(lines) == 3


def test_express_duration_tiers_are_shared_by_all_express_machines():
    # Two machines of 10 s x 64 MB, 50 executions each per user: 31.25M GB-s each, 62.5M together:
    # the same tiers as one machine of 100 -> duration $382.97, requests $100.00
    text = scenario(
        "{a: {type: express}, b: {type: express}}",
        "[{machine: a, executions: 50, duration_ms: 10000}, {machine: b, executions: 50, duration_ms: 10000}]",
    )
    assert estimate(loads(text)).services["stepfunctions"] == pytest.approx(482.97)


def test_zero_executions_bill_nothing():
    assert sfn_lines(scenario("{fast: {type: express}}", "[{executions: 0, duration_ms: 1000}]")) == {}
    assert sfn_lines(scenario("{flow: {}}", "[{executions: 5}]")) == {}  # no transitions given


# ---------------------------------------------------------------- the scenario keys


def test_defaults_and_the_only_machine_may_be_left_out():
    s = loads(scenario("{flow: {}}", "[{}]"))
    (u,) = s.features["job"].uses["stepfunctions"]
    assert (u.machine, u.executions, u.transitions, u.duration_ms) == ("flow", 1, 0, 0)
    assert (s.resources["state_machines"]["flow"].type, s.resources["state_machines"]["flow"].memory_mb) == (
        "standard",
        64,
    )
    assert loads(to_yaml(s)) == s  # the writer keeps what the reader read


def test_round_trip_of_an_express_machine_with_memory():
    text = scenario(
        "{flow: {}, fast: {type: express, memory_mb: 200}}",
        "[{machine: fast, executions: 3, duration_ms: 1234}, {machine: flow, transitions: 9}]",
    )
    s = loads(text)
    assert s.resources["state_machines"]["fast"].memory_mb == 200
    out = to_yaml(s)
    assert "memory_mb: 200" in out and out.count("memory_mb") == 1  # the standard machine writes none
    assert loads(out) == s


@pytest.mark.parametrize(
    "machines, uses, where, what",
    [
        ("{flow: {type: step}}", "[{transitions: 1}]", "state_machines.flow.type", "step"),
        ("{flow: {memory_mb: 128}}", "[{transitions: 1}]", "state_machines.flow.memory_mb", "express"),
        ("{flow: {type: standard, memory_mb: 64}}", "[{}]", "state_machines.flow.memory_mb", "express"),
        ("{fast: {type: express, memory_mb: 0}}", "[{}]", "state_machines.fast.memory_mb", "at least 1"),
        ("{fast: {type: express, memroy_mb: 64}}", "[{}]", "state_machines.fast", "memroy_mb"),
        ("{flow: {}}", "[{machine: nope}]", "features.job.stepfunctions[0].machine", "nope"),
        ("{a: {}, b: {}}", "[{transitions: 1}]", "features.job.stepfunctions[0]", "needs 'machine'"),
        ("{flow: {}}", "[{executions: -1}]", "features.job.stepfunctions[0].executions", "negative"),
        ("{flow: {}}", "[{transitions: many}]", "features.job.stepfunctions[0].transitions", "number"),
        ("{fast: {type: express}}", "[{duration_ms: 300001}]", "features.job.stepfunctions[0].duration_ms", "300000"),
        ("{flow: {}}", "[{transitons: 3}]", "features.job.stepfunctions[0]", "transitons"),
        ("{flow: {}}", "{transitions: 3}", "features.job.stepfunctions", "list"),
    ],
)
def test_bad_stepfunctions_input_names_the_field(machines, uses, where, what):
    with pytest.raises(ScenarioError) as err:
        loads(scenario(machines, uses))
    assert where in str(err.value) and what in str(err.value)


def test_uses_of_a_machine_with_no_machine_defined_is_an_error():
    text = HEAD + "features:\n  job:\n    stepfunctions: [{transitions: 1}]\n"
    with pytest.raises(ScenarioError, match="defines none under state_machines"):
        loads(text)


# ---------------------------------------------------------------- capacity


def _limits(text: str) -> dict[str, object]:
    return {x.limit: x for x in capacity(loads(text))[0] if x.limit.startswith("stepfunctions")}


def test_standard_transitions_quota_counts_transitions_per_second():
    # 1M users x 2 executions x 10 transitions = 20M transitions a month; peak x2 over 730 h -> 15.22/s
    limits = _limits(scenario("{flow: {}}", "[{executions: 2, transitions: 10}]"))
    per_s = 20_000_000 / (730 * 3600) * 2
    st = limits["stepfunctions_state_transitions_per_second"]
    assert (st.quota, st.resource) == (1500, "account")
    assert st.utilization == pytest.approx(per_s / 1500)
    assert st.users_at_limit == pytest.approx(1_000_000 * 1500 / per_s)
    # StartExecution: 2M a month -> 1.52/s against 300/s
    start = limits["stepfunctions_standard_executions_per_second"]
    assert start.utilization == pytest.approx(2_000_000 / (730 * 3600) * 2 / 300)
    assert "stepfunctions_express_executions_per_second" not in limits  # no Express machine


def test_express_quota_counts_starts_and_not_transitions():
    # 1M users x 100 executions = 100M starts a month -> 76.1/s at peak x2, against 6,000/s
    limits = _limits(scenario("{fast: {type: express}}", "[{executions: 100, transitions: 50, duration_ms: 10}]"))
    assert set(limits) == {"stepfunctions_express_executions_per_second"}  # Express transitions are unlimited
    assert limits["stepfunctions_express_executions_per_second"].utilization == pytest.approx(
        100_000_000 / (730 * 3600) * 2 / 6000
    )


def test_machines_of_both_types_count_only_under_their_own_quota():
    text = scenario(
        "{flow: {}, fast: {type: express}}",
        "[{machine: flow, executions: 1, transitions: 10}, {machine: fast, executions: 3}]",
    )
    limits = _limits(text)
    assert limits["stepfunctions_standard_executions_per_second"].peak == pytest.approx(1e6 / (730 * 3600) * 2)
    assert limits["stepfunctions_express_executions_per_second"].peak == pytest.approx(3e6 / (730 * 3600) * 2)


def test_quotas_raise_the_transition_limit():
    text = scenario("{flow: {}}", "[{transitions: 10}]").replace(
        "state_machines:", "quotas: {stepfunctions_state_transitions_per_second: 5000}\nstate_machines:"
    )
    assert _limits(text)["stepfunctions_state_transitions_per_second"].quota == 5000


# ---------------------------------------------------------------- Cost Explorer and the review


def test_cost_explorer_usage_types_map_to_the_meters():
    from usage.costexplorer import classify

    service = "AWS Step Functions"
    assert classify(service, "StateTransition", "us-east-1", [])[0] == "stepfunctions.transitions"
    assert classify(service, "USE1-StateTransition", "us-east-1", [])[0] == "stepfunctions.transitions"
    assert classify(service, "StepFunctions-Request", "us-east-1", [])[0] == "stepfunctions.requests.express"
    assert classify(service, "EU-StepFunctions-GB-Second", "eu-west-1", [])[0] == "stepfunctions.duration_gb_s.express"
    assert classify(service, "EU-StateTransition", "us-east-1", [])[0] is None  # another region
    assert classify(service, "StepFunctions-Other", "us-east-1", [])[0] is None  # not in the model


def test_the_review_reconciles_a_transitions_bill():
    from models.review import Bill, BilledLine, reconcile
    from usage.costexplorer import classify

    s = loads(scenario("{flow: {}}", "[{transitions: 10}]", free_tier=True))
    # Modelled: 10M transitions, 4,000 free -> 9,996,000 x $0.000025 = $249.90.
    # Billed: 11M transitions (10% more): (11M - 4,000) x $0.000025 = $274.90.
    meter, why = classify("AWS Step Functions", "StateTransition", "us-east-1", [])
    billed = BilledLine("AWS Step Functions", "StateTransition", 11e6, "", 274.90, meter, why)
    review = reconcile(s, Bill("2026-10", [billed], {}))
    (line,) = [ln for ln in review.lines if ln.service == "stepfunctions"]
    assert (line.modelled_cost, line.billed_cost, line.variance) == (249.90, 274.90, pytest.approx(25.00))
    assert line.cause == "usage differs from the model"  # 1M more transitions at $0.000025
    assert line.usage_effect + line.metering_effect + line.rate_effect == pytest.approx(25.00)


# ---------------------------------------------------------------- the Features editor and the drivers


def test_the_features_editor_table_round_trips_uses():
    from pricing.services import by_name
    from ui import tables

    sv = by_name("stepfunctions")
    uses = [{"machine": "flow", "transitions": 12.0}, {"machine": "fast", "executions": 3.0, "duration_ms": 450.0}]
    df = tables.uses_frame(sv, uses)
    assert list(df.columns) == ["machine", "executions", "transitions", "duration_ms"]
    assert df.loc[0, "executions"] == 1.0 and df.loc[1, "transitions"] == 0.0  # defaults filled in
    back = tables.uses_from_frame(sv, df)
    assert back[0] == {"machine": "flow", "executions": 1.0, "transitions": 12.0, "duration_ms": 0.0}
    assert back[1] == {"machine": "fast", "executions": 3.0, "transitions": 0.0, "duration_ms": 450.0}


def test_express_rounding_driver_shows_billed_beyond_actual():
    from models.bom import bill_of_materials

    # 1,234 ms at 70 MB is billed as 1,300 ms at 128 MB: 1.3 x 128/1024 = 0.1625 GB-s per execution,
    # against 1.234 x 70/1024 = 0.0843555 GB-s actual; 2 executions per use -> 0.156289 GB-s more per use,
    # at the first-tier $0.0000166667
    text = scenario("{fast: {type: express, memory_mb: 70}}", "[{executions: 2, duration_ms: 1234}]", users=1000)
    _, drivers = bill_of_materials(loads(text)).of("job")
    (d,) = [x for x in drivers if x.name.startswith("Express duration")]
    extra = 2 * (1.3 * 128 / 1024 - 1.234 * 70 / 1024)
    assert d.quantity_per_use == pytest.approx(extra)
    assert d.list_cost_per_use == pytest.approx(extra * 0.0000166667)
    assert "billed as 1300 ms at 128 MB" in d.explanation
    # exact 100 ms and 64 MB multiples round nothing: no driver
    exact = scenario("{fast: {type: express, memory_mb: 128}}", "[{executions: 2, duration_ms: 1300}]", users=1000)
    assert not [x for x in bill_of_materials(loads(exact)).of("job")[1] if x.name.startswith("Express")]


@pytest.mark.parametrize("region, transitions, starts", [("us-east-1", 1500, 300), ("eu-west-1", 1500, 300),
                                                         ("ap-southeast-1", 500, 150)])  # fmt: skip
def test_standard_quotas_are_lower_outside_the_three_large_regions(region, transitions, starts):
    from pricing.services import stepfunctions

    by_name = {q.limit: q for q in stepfunctions.QUOTAS}
    assert by_name["stepfunctions_state_transitions_per_second"].default_in(region) == transitions
    assert by_name["stepfunctions_standard_executions_per_second"].default_in(region) == starts

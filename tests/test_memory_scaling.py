"""A function's duration as it scales with memory (`duration_ms: {at_mb, ms, cpu_share, threads}`), and the
cheapest memory per function that Compare designs suggests. Figures worked out by hand in the comments."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models import editing
from models.capacity import capacity
from models.designs import CHEAPEST, Design, apply, cheapest_memory, with_cheapest_memory
from models.engine import estimate
from models.report import usd
from models.scenario import DurationScaling, ScenarioError, duration_at, loads, to_yaml
from pricing.book import default_book
from pricing.services import aws_lambda

SCALING = """\
name: scaling
region: us-east-1
free_tier: false
functions:
  chat:
    memory_mb: {memory}
    duration_ms: {duration}
features:
  send: {{lambda: {{chat: 1}}}}
tiers:
  all: {{users: 1000, uses: {{send: 1000}}}}
"""


def scenario(duration: str = "{at_mb: 1024, ms: 120, cpu_share: 0.8}", memory: int = 1024):
    return loads(SCALING.format(duration=duration, memory=memory), "scaling.yaml")


# ---------------------------------------------------------------- the model


def test_the_cpu_bound_share_scales_with_the_cpu_memory_buys():
    d = DurationScaling(at_mb=1024, ms=120, cpu_share=0.8)
    # 512 MB has half the CPU of 1024 MB: 120 x (0.2 + 0.8 x 2) = 216 ms
    assert d.at(512) == pytest.approx(216)
    # 3008 MB buys no more than one vCPU (1,769 MB) for one thread: 120 x (0.2 + 0.8 x 1024/1769) = 79.57 ms
    assert d.at(3008) == pytest.approx(79.5704, abs=1e-4)
    assert d.at(1769) == d.at(3008) == d.at(10240)
    assert d.at(1024) == 120  # exactly what was measured, where it was measured
    # Nothing CPU-bound: the same at any memory
    assert DurationScaling(at_mb=1024, ms=120, cpu_share=0).at(128) == 120


def test_threads_raise_the_point_where_more_memory_buys_no_more_cpu():
    d = DurationScaling(at_mb=1769, ms=1000, cpu_share=1, threads=2)
    assert d.at(3538) == pytest.approx(500)  # two vCPUs' worth: half the time
    assert d.at(10240) == d.at(3538)  # two threads use no more than two vCPUs
    # Six threads: 10,240 MB is 10240 / 1769 = 5.789 vCPU-equivalents, so 1000 / 5.789 = 172.75 ms
    assert DurationScaling(at_mb=1769, ms=1000, cpu_share=1, threads=6).at(10240) == pytest.approx(172.75, abs=0.01)


def test_the_function_takes_its_duration_from_the_mapping_at_its_own_memory():
    s = scenario(memory=512)
    fn = s.functions["chat"]
    assert fn.duration_ms == pytest.approx(216)
    assert duration_at(fn) == fn.duration_ms
    assert duration_at(fn, 3008) == pytest.approx(79.5704, abs=1e-4)
    assert replace(fn, memory_mb=1024).duration_ms == 120  # a copy at another memory has its own duration
    plain = scenario("45").functions["chat"]
    assert duration_at(plain, 128) == duration_at(plain, 4096) == 45  # a plain number does not scale


def test_metering_and_capacity_read_the_duration_at_the_functions_memory():
    s = scenario(memory=512)
    # 216 ms at 0.5 GB = 0.108 GB-s per invocation, 1M invocations
    use = aws_lambda.function_use(s.functions["chat"], 1_000_000)
    assert use["lambda.duration_gb_s.x86_64"] == pytest.approx(108_000)
    # Little's law: 1M a month = 1e6 / (730 x 3600) = 0.38052 per second, x 0.216 s, x2 peak = 0.16439
    limit = next(x for x in capacity(s)[0] if x.limit == "lambda_concurrency")
    assert limit.peak == pytest.approx(1e6 / (730 * 3600) * 0.216 * 2)


# ---------------------------------------------------------------- reading and writing


@pytest.mark.parametrize(
    "duration, field, words",
    [
        (
            "{at_mb: 1024, ms: 120, cpu_share: 2}",
            "functions.chat.duration_ms.cpu_share",
            "must be between 0 and 1, got 2",
        ),
        ("{at_mb: 64, ms: 120, cpu_share: 0.5}", "functions.chat.duration_ms.at_mb", "between 128 and 10240, got 64"),
        ("{at_mb: 1024, ms: 0, cpu_share: 0.5}", "functions.chat.duration_ms.ms", "must be more than 0"),
        ("{at_mb: 1024, ms: -5, cpu_share: 0.5}", "functions.chat.duration_ms.ms", "must not be negative, got -5"),
        ("{at_mb: 1024, ms: 120}", "functions.chat.duration_ms", "missing required key 'cpu_share'"),
        ("{at_mb: 1024, ms: 120, cpu_share: 0.5, cores: 2}", "functions.chat.duration_ms.cores", "unknown key 'cores'"),
        ("{at_mb: 1024, ms: 120, cpu_share: 0.5, threads: 7}", "functions.chat.duration_ms.threads", "between 1 and 6"),
        ("{at_mb: 1024, ms: 120, cpu_share: 0.5, threads: 1.5}", "functions.chat.duration_ms.threads", "whole number"),
        ("{at_mb: 1024, ms: 120, cpu_share: high}", "functions.chat.duration_ms.cpu_share", "must be a number"),
        # At 128 MB, 1/8 of the CPU: 200,000 x 8 = 1,600,000 ms, past the 900,000 ms timeout
        ("{at_mb: 1024, ms: 200000, cpu_share: 1}", "functions.chat.duration_ms", "1,600,000 ms at 128 MB"),
    ],
)
def test_a_bad_mapping_is_named_with_its_file_line_and_field(duration, field, words):
    with pytest.raises(ScenarioError) as err:
        scenario(duration, memory=128 if "200000" in duration else 1024)
    assert err.value.source == "scaling.yaml"
    assert err.value.line == 7  # the duration_ms line
    assert err.value.field == field
    assert words in str(err.value)
    assert str(err.value).startswith(f"scaling.yaml, line 7: {field}: ")


def test_the_mapping_is_written_back_as_given():
    s = scenario("{at_mb: 1024, ms: 120, cpu_share: 0.8, threads: 2}", memory=512)
    text = to_yaml(s)
    assert "duration_ms: {at_mb: 1024, ms: 120, cpu_share: 0.8, threads: 2}" in text
    assert loads(text) == s
    plain = scenario("45")
    assert "duration_ms: 45" in to_yaml(plain) and loads(to_yaml(plain)) == plain


# ---------------------------------------------------------------- the cheapest memory

# x86_64 in us-east-1, no free tier: $0.20 per 1M requests, $0.0000166667 per GB-s, ephemeral storage above
# 512 MB $0.0000000309 per GB-s. 1,000 users x 1,000 uses = 1M invocations. Lines round to the cent.
EPHEMERAL = SCALING.replace("    memory_mb: {memory}\n", "    memory_mb: {memory}\n    ephemeral_storage_mb: 10240\n")


def test_the_cheapest_memory_worked_by_hand():
    # All CPU-bound, 1,000 ms at 1,769 MB, and 10,240 MB of ephemeral storage (9.5 GB above the free 512 MB),
    # billed per second of duration whatever the memory: below 1,769 MB memory x duration is about the same,
    # so the faster the cheaper; above it the duration stops falling and memory costs more.
    s = loads(EPHEMERAL.format(memory=512, duration="{at_mb: 1769, ms: 1000, cpu_share: 1}"), "eph.yaml")
    c = cheapest_memory(s, "chat", default_book())
    # 1769 MB: 1,000 ms; 1e6 x 1 s x 1769/1024 GB = 1,727,539.06 GB-s -> $28.79; ephemeral 1e6 x 1 s x 9.5 GB
    #   = 9.5M GB-s -> $0.29355 -> $0.29; requests $0.20: $29.28
    assert c.totals[1769] == pytest.approx(29.28)
    # 512 MB (now): 1000 x 1769/512 = 3455.08 -> 3,456 ms; 1e6 x 3.456 x 0.5 = 1,728,000 GB-s -> $28.80;
    #   ephemeral 3.456 x 9.5e6 = 32.832M GB-s -> $1.0145 -> $1.01; $0.20: $30.01
    assert c.totals[512] == pytest.approx(30.01)
    # 1536 MB: 1151.69 -> 1,152 ms; 1,728,000 GB-s -> $28.80; ephemeral 10.944M GB-s -> $0.34: $29.34
    assert c.totals[1536] == pytest.approx(29.34)
    # 2048 MB: 1,000 ms (no more CPU); 2M GB-s -> $33.33; ephemeral $0.29: $33.82
    assert c.totals[2048] == pytest.approx(33.82)
    # 128 MB: 13,820.3 -> 13,821 ms; 1,727,625 GB-s -> $28.79; ephemeral 131.2995M GB-s -> $4.06: $33.05
    assert c.totals[128] == pytest.approx(33.05)
    assert (c.memory_mb, c.current_mb) == (1769, 512)
    assert c.saving == pytest.approx(0.73)
    assert c.durations_ms[128] == pytest.approx(13820.3125)
    assert list(c.totals) == [128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 6144, 8192, 10240]


def test_a_tie_goes_to_the_smaller_memory():
    # All CPU-bound, 100 ms at 1024 MB: 800 ms at 128, 400 at 256, 200 at 512, 100 at 1024 MB, each
    # 1e6 x 0.1 GB-s x... = 100,000 GB-s -> $1.67, + $0.20 requests = $1.87. 1536 MB: 66.7 -> 67 ms x 1.5 GB
    # = 100,500 GB-s -> $1.68, $1.88. So 128 to 1024 MB tie, and the smallest wins.
    s = scenario("{at_mb: 1024, ms: 100, cpu_share: 1}")
    c = cheapest_memory(s, "chat")
    assert [c.totals[m] for m in (128, 256, 512, 1024, 1536)] == pytest.approx([1.87, 1.87, 1.87, 1.87, 1.88])
    assert c.memory_mb == 128
    # With a share that does not scale, memory x duration grows with memory: the smallest is cheapest
    assert cheapest_memory(scenario(), "chat").memory_mb == 128


def test_sizes_past_the_timeout_are_left_out():
    # 120,000 ms at 1024 MB, all CPU-bound: 960,000 ms at 128 MB, past the 900,000 ms timeout, is left out;
    # 480,000 ms at 256 MB fits.
    s = scenario("{at_mb: 1024, ms: 120000, cpu_share: 1}")
    c = cheapest_memory(s, "chat")
    assert c.too_slow == (128,)
    assert 128 not in c.totals and c.memory_mb == 256


def test_cheapest_memory_refuses_a_function_without_the_mapping():
    with pytest.raises(ScenarioError, match=r"functions\.chat\.duration_ms: does not say how its duration scales"):
        cheapest_memory(scenario("45"), "chat")
    with pytest.raises(ScenarioError, match="unknown function 'nope'"):
        cheapest_memory(scenario(), "nope")


def test_a_design_with_the_cheapest_memory():
    book = default_book()
    s = loads(EPHEMERAL.format(memory=512, duration="{at_mb: 1769, ms: 1000, cpu_share: 1}"), "eph.yaml")
    v = apply(s, Design("A", memory_mb=CHEAPEST), book)
    assert v.functions["chat"].memory_mb == 1769 and v.functions["chat"].duration_ms == 1000
    assert estimate(v, book).total == pytest.approx(29.28)
    assert Design("A", memory_mb=CHEAPEST).changes() == ["all functions: the cheapest memory"]
    # The other changes first: arm64 ($0.0000133334 per GB-s) keeps 1769 MB the cheapest here
    arm = apply(s, Design("B", memory_mb=CHEAPEST, architecture="arm64"), book)
    assert arm.functions["chat"].architecture == "arm64" and arm.functions["chat"].memory_mb == 1769
    # A mapping scales itself when a design sets the memory; "CPU-bound" does not scale it again
    v = apply(s, Design("C", memory_mb=1024, cpu_bound=True), book)
    assert v.functions["chat"].duration_ms == pytest.approx(1000 * 1769 / 1024)
    with pytest.raises(ScenarioError, match="no function says how its duration scales"):
        with_cheapest_memory(scenario("45"), None, book)


# ---------------------------------------------------------------- the page

pytestmark = pytest.mark.usefixtures("fresh_streamlit")


def test_compare_designs_suggests_the_cheapest_memory(app, tmp_path):
    text = EPHEMERAL.format(memory=512, duration="{at_mb: 1769, ms: 1000, cpu_share: 1}")
    editing.save_scenario(tmp_path / "scenarios", "eph", text)
    app.session_state["ov_load"] = True  # the loader is drawn when opened
    app.run()
    app.radio(key="ov_source").set_value("Scenarios folder").run()
    app.button(key="ov_load_file").click().run()
    app.switch_page("pages/designs.py").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any(h.value == "Cheapest memory" for h in app.subheader)
    # $30.01 now, $29.28 at 1,769 MB: $0.73 less, 1,000 ms instead of 3,455 ms (3455.08, four digits)
    said = " ".join(m.value for m in app.markdown)
    assert "**1,769 MB** is the cheapest, $29.28 a month: $0.73 less than at its 512 MB" in said.replace("\\", "")
    assert "1,000 ms per invocation instead of 3,455 ms" in said
    frame = next(d.value for d in app.dataframe if "memory (MB)" in d.value.columns)
    assert frame.loc[frame["note"] == "cheapest", "memory (MB)"].tolist() == [1769]
    assert "cheapest" in app.selectbox(key="des0_mem").options
    app.selectbox(key="des0_arch").set_value("keep").run()
    app.selectbox(key="des0_mem").set_value("cheapest").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    m = {x.label: x.value for x in app.metric}
    assert m["current: monthly total"] == usd(30.01)
    assert m["A: monthly total"] == usd(29.28)


def test_the_memory_choice_offers_cheapest_only_when_a_function_scales(app):
    app.switch_page("pages/designs.py").run()  # the demo: plain durations
    assert not app.exception
    assert "cheapest" not in app.selectbox(key="des0_mem").options
    assert not any(h.value == "Cheapest memory" for h in app.subheader)

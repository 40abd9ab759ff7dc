"""A seeded mutation fuzzer over the example scenarios (tests/fuzz_scenarios.py): every mutated file ends in
exit 0 with strict JSON, finite figures and no negative cost (and prints as tables), or in exit 2 with one
line naming the file. A few hundred mutations, under a minute; `python tests/fuzz_scenarios.py N SEED` runs
a longer campaign."""

from __future__ import annotations

from tests import fuzz_scenarios as fz


def test_mutated_scenarios_end_in_a_result_or_one_line(tmp_path):
    result = fz.campaign(400, seed=20261201, folder=tmp_path)
    counts = result["counts"]
    shown = [f"mutation {k}: {found}\n{text[:600]}" for k, found, text in result["failures"][:3]]
    assert result["failures"] == [], "\n\n".join(shown)
    # The campaign reaches both endings, so neither check above is vacuous.
    assert counts["ok"] >= 20 and counts["bad input"] >= 200, counts


def test_every_seed_file_is_valid(tmp_path):
    for path in fz.SEEDS:
        how, found = fz.problems(path)
        assert (how, found) == ("ok", []), path

"""The review history (models/history.py): round trip, month-over-month comparison, exports, the Cost Explorer
cache; saves killed with SIGKILL at random points never lose or corrupt earlier reviews; two processes saving at
once both land."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.history import History, HistoryError, ReviewRecord, default_path, distinct_notes

ROOT = Path(__file__).resolve().parents[1]
WRITER = ROOT / "tests" / "fixtures" / "review" / "save_loop.py"
sys.path.insert(0, str(WRITER.parent))

from save_loop import record  # noqa: E402


@pytest.fixture(scope="module")
def demo_runs():
    """Reviews of the demo account for three months (no AWS), not saved."""
    from models.scenario import loads
    from usage.demo import demo_scenario_yaml
    from usage.review_run import run_review

    text = demo_scenario_yaml()
    s = loads(text, "demo")
    return text, {m: run_review(s, m, scenario_yaml=text, demo=True) for m in ("2026-08", "2026-09", "2026-10")}


def _record(text: str, run, notes: str = "") -> ReviewRecord:
    r = run.review
    return ReviewRecord(
        month=r.month,
        scenario_name=r.scenario_name,
        scenario_yaml=text,
        review=r,
        bill=run.bill_json,
        usage=run.metered_json,
        notes=notes,
        tag=None,
    )


def test_save_and_load_round_trip(tmp_path, demo_runs):
    text, runs = demo_runs
    h = History(tmp_path / "deep" / "folder" / "reviews.sqlite3")
    rec = _record(text, runs["2026-10"], notes="October close")
    rid = h.save(rec)
    assert rid == 1 and rec.id == 1 and rec.created_at
    back = h.get(rid)
    assert back == rec
    assert back.review == runs["2026-10"].review
    (summary,) = h.list()
    assert (summary.id, summary.month, summary.scenario_name) == (1, "2026-10", "Positive Chat (demo account)")
    assert summary.total_billed == runs["2026-10"].review.total_billed
    assert summary.users == 2500
    assert h.integrity_check() == "ok"
    with sqlite3.connect(h.path) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_review_saved_by_the_first_version_still_opens(tmp_path, demo_runs, capsys):
    """The first saved reviews had no Savings Plan commitments, no tenants and no tagged or resource-level cost per
    feature: they open as a Review with those at their defaults, and the report, the trend and the export work."""
    from models.history import _digest
    from models.report import usd
    from ui.review_report import review_html

    text, runs = demo_runs
    h = History(tmp_path / "reviews.sqlite3")
    rec = _record(text, runs["2026-10"], notes="first version")
    rid = h.save(rec)

    def rewrite(review_json: dict) -> None:  # the row as another version wrote it, with its checksum
        content = (rec.month, rec.scenario_name, rec.scenario_yaml, review_json, rec.bill, rec.usage, rec.notes, None)
        with sqlite3.connect(h.path) as c:
            c.execute(
                "UPDATE reviews SET review_json = ?, digest = ? WHERE id = ?",
                (json.dumps(review_json), _digest(*content), rid),
            )

    old = rec.review.to_json()
    del old["commitments"], old["unit_costs"]["tenants"]
    for f in old["unit_costs"]["features"]:
        del f["tagged_cost"], f["resource_cost"]
    rewrite(old)
    back = h.get(rid).review
    assert back.commitments == [] and back.lines == rec.review.lines and back.waterfall == rec.review.waterfall
    page = review_html(back, h.compare(), notes="first version")
    assert "<b>Notes:</b> first version" in page and usd(back.total_billed) in page
    (t,) = h.compare()
    assert t["tenants"] == {} and t["cost_per_user"] == back.unit_costs["cost_per_user"]
    assert len(h.line_rows()) == len(back.lines)
    # `review show --json` prints the review as that version saved it, without the fields added since
    import cli

    code = cli.main(["review", "show", str(rid), "--history", str(h.path), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["review"] == old

    rewrite({"month": "2026-10", "lines": []})  # not a review: one sentence naming it, not a KeyError
    with pytest.raises(HistoryError, match=f"review #{rid} in .* is not a review this unitcost reads"):
        h.get(rid)


def test_compare_delete_and_exports(tmp_path, demo_runs):
    text, runs = demo_runs
    h = History(tmp_path / "reviews.sqlite3")
    ids = {m: h.save(_record(text, run)) for m, run in runs.items()}
    again = h.save(_record(text, runs["2026-09"], notes="second look"))  # the latest of a month counts
    trend = h.compare()
    assert [t["month"] for t in trend] == ["2026-08", "2026-09", "2026-10"]
    assert [t["review_id"] for t in trend] == [ids["2026-08"], again, ids["2026-10"]]
    for t in trend:
        u = runs[t["month"]].review.unit_costs
        assert t["cost_per_user"] == pytest.approx(u["cost_per_user"])
        assert t["users"] == u["users"]
        assert t["tiers"] == {x["name"]: pytest.approx(x["cost_per_user"]) for x in u["tiers"]}
    assert trend[0]["users"] < trend[1]["users"] < trend[2]["users"]  # the demo account grows

    rows = list(csv.DictReader(io.StringIO(h.export_csv([ids["2026-10"]]))))
    assert len(rows) == len(runs["2026-10"].review.lines)
    assert sum(float(r["billed_cost"]) for r in rows) == pytest.approx(runs["2026-10"].review.total_billed)
    assert {r["month"] for r in rows} == {"2026-10"}
    assert len(list(csv.DictReader(io.StringIO(h.export_csv())))) == sum(
        len(r.review.lines) for r in runs.values()
    ) + len(runs["2026-09"].review.lines)

    try:
        import openpyxl  # noqa: F401
    except ImportError:
        with pytest.raises(HistoryError, match="openpyxl"):
            h.export_xlsx(tmp_path / "x.xlsx")
    else:
        h.export_xlsx(tmp_path / "x.xlsx")
        assert (tmp_path / "x.xlsx").stat().st_size > 0

    assert h.delete(again) and not h.delete(again)
    assert [t["review_id"] for t in h.compare()][1] == ids["2026-09"]
    with pytest.raises(HistoryError, match=f"no review #{again}"):
        h.get(again)


def test_cost_explorer_cache(tmp_path):
    h = History(tmp_path / "reviews.sqlite3")
    assert h.cache_get("ce/v1/1/2026-10/") is None
    h.cache_put("ce/v1/1/2026-10/", {"usage": [], "records": [], "requests": 2, "fetched_at": "2026-11-27T10:00"})
    assert h.cache_get("ce/v1/1/2026-10/")["requests"] == 2
    h.cache_put("ce/v1/1/2026-10/", {"usage": [{"x": 1}], "records": [], "requests": 2})
    assert h.cache_get("ce/v1/1/2026-10/")["usage"] == [{"x": 1}]


def test_where_the_database_lives(tmp_path, monkeypatch):
    monkeypatch.delenv("UNITCOST_HISTORY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "unitcost" / "reviews.sqlite3"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / ".local" / "share" / "unitcost" / "reviews.sqlite3"
    monkeypatch.setenv("UNITCOST_HISTORY", str(tmp_path / "env.sqlite3"))
    assert History().path == tmp_path / "env.sqlite3"
    assert History(tmp_path / "arg.sqlite3").path == tmp_path / "arg.sqlite3"  # the argument wins


def test_damage_is_reported_not_hidden(tmp_path):
    h = History(tmp_path / "reviews.sqlite3")
    rid = h.save(record("w", 1, 1))
    with sqlite3.connect(h.path) as c:  # edited behind unitcost's back
        c.execute("UPDATE reviews SET review_json = ? WHERE id = ?", ('{"total_billed": 999}', rid))
    with pytest.raises(HistoryError, match="does not match its checksum"):
        h.get(rid)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="junk.sqlite3.*not a database"):
        History(junk).list()


def test_a_damaged_review_is_left_out_of_the_trend_and_exports_and_named(tmp_path, demo_runs):
    """One row changed behind unitcost's back (not JSON; another whose checksum fails) must not hide the other
    months: the trend falls back to the month's older review, the export keeps the rest, and both say what was
    left out. Asked for by id, a damaged review is an error naming it."""
    text, runs = demo_runs
    h = History(tmp_path / "reviews.sqlite3")
    ids = {m: h.save(_record(text, run)) for m, run in runs.items()}
    newer = h.save(_record(text, runs["2026-09"], notes="second look"))
    with sqlite3.connect(h.path) as c:
        c.execute("UPDATE reviews SET review_json = '{bad' WHERE id = ?", (ids["2026-08"],))
        c.execute("UPDATE reviews SET notes = 'edited' WHERE id = ?", (newer,))
    with pytest.raises(HistoryError, match=f"review #{ids['2026-08']} in .* is damaged: its saved data is not JSON"):
        h.get(ids["2026-08"])
    with pytest.raises(HistoryError):  # without a list for what is left out, nothing is left out silently
        h.compare()

    skipped: list[str] = []
    trend = h.compare(skipped=skipped)
    assert [(t["month"], t["review_id"]) for t in trend] == [("2026-09", ids["2026-09"]), ("2026-10", ids["2026-10"])]
    assert skipped == [
        f"review #{ids['2026-08']} in {h.path} is damaged: its saved data is not JSON; it is left out",
        f"review #{newer} in {h.path} does not match its checksum; 2026-09 shows review #{ids['2026-09']} instead",
    ]
    skipped = []
    rows = list(csv.DictReader(io.StringIO(h.export_csv(skipped=skipped))))
    assert {r["review_id"] for r in rows} == {str(ids["2026-09"]), str(ids["2026-10"])}
    assert len(skipped) == 2


@pytest.mark.parametrize(
    "column, wrong",
    [
        ("notes", "column notes is not text"),
        ("scenario_yaml", "column scenario_yaml is not text"),
        ("tag", "column tag is not text"),
        ("month", "column month is not text"),
        ("scenario_name", "column scenario_name is not text"),
        ("users", "column users is not a number"),
        ("review_json", "column review_json is not text"),  # json.loads would read bytes: the type says it all
    ],
)
def test_a_column_of_the_wrong_type_is_a_damaged_review(tmp_path, demo_runs, column, wrong):
    """SQLite keeps any value in any column: a BLOB (or text where a number belongs) written outside unitcost
    is a damaged review, named, in the listing, the trend, the exports and when read by id."""
    text, runs = demo_runs
    h = History(tmp_path / "reviews.sqlite3")
    ids = {m: h.save(_record(text, run)) for m, run in runs.items()}
    bad = ids["2026-09"]
    value = {"users": "'many'", "review_json": "CAST(review_json AS BLOB)"}.get(column, "CAST('x' AS BLOB)")
    with sqlite3.connect(h.path) as c:
        c.execute(f"UPDATE reviews SET {column} = {value} WHERE id = ?", (bad,))
    damaged = f"review #{bad} in {h.path} is damaged: {wrong}"
    if column == "users":  # a summary column only: the review itself reads
        assert h.get(bad).id == bad
    else:
        with pytest.raises(HistoryError, match=f"^{damaged}$".replace(".", r"\.")):
            h.get(bad)
    skipped: list[str] = []
    listed = h.list(skipped=skipped)
    in_list = column in ("month", "scenario_name", "tag", "notes", "users")  # the columns the listing reads
    assert [s.id for s in listed] == [i for i in reversed(ids.values()) if not (in_list and i == bad)]
    assert skipped == ([f"{damaged}; it is left out"] if in_list else [])
    skipped = []
    trend = h.compare(skipped=skipped)
    if column == "users":  # the trend and the exports read the review, not the listing's totals
        assert [t["review_id"] for t in trend] == list(ids.values()) and skipped == []
    else:
        assert [t["month"] for t in trend] == ["2026-08", "2026-10"] and skipped == [f"{damaged}; it is left out"]
    skipped = []
    rows = list(csv.DictReader(io.StringIO(h.export_csv(skipped=skipped))))
    left = set() if column == "users" else {"2026-09"}
    assert {r["month"] for r in rows} == {"2026-08", "2026-09", "2026-10"} - left
    assert skipped == ([] if column == "users" else [f"{damaged}; it is left out"])


def test_a_month_shown_from_an_older_review_says_which(tmp_path, demo_runs):
    """The newest review of a month damaged in a column the listing reads (its notes): the trend shows the
    month from the older review and says so, once, as it does for a checksum that fails."""
    text, runs = demo_runs
    h = History(tmp_path / "reviews.sqlite3")
    older = h.save(_record(text, runs["2026-09"]))
    newer = h.save(_record(text, runs["2026-09"], notes="second look"))
    other = h.save(_record(text, runs["2026-10"]))
    with sqlite3.connect(h.path) as c:
        c.execute("UPDATE reviews SET notes = X'00' WHERE id = ?", (newer,))
    skipped: list[str] = []
    trend = h.compare(skipped=skipped)
    assert [(t["month"], t["review_id"]) for t in trend] == [("2026-09", older), ("2026-10", other)]
    assert skipped == [
        f"review #{newer} in {h.path} is damaged: column notes is not text; 2026-09 shows review #{older} instead"
    ]
    skipped = []
    assert h.compare("no such scenario", skipped) == [] and skipped == []  # other scenarios' damage is not noted
    with sqlite3.connect(h.path) as c:  # a damaged name may be this scenario's: named, and the month still shown
        c.execute(
            "UPDATE reviews SET notes = 'second look', scenario_name = CAST(scenario_name AS BLOB) WHERE id = ?",
            (newer,),
        )
    skipped = []
    trend = h.compare(trend[0]["scenario"], skipped)
    assert [(t["month"], t["review_id"]) for t in trend] == [("2026-09", older), ("2026-10", other)]
    assert skipped == [
        f"review #{newer} in {h.path} is damaged: column scenario_name is not text; "
        f"2026-09 shows review #{older} instead"
    ]


def test_a_damaged_review_is_noted_once_per_review():
    notes = ["review #2 in h.db is damaged: x; it is left out", "review #2 in h.db is damaged: x; 2026-09 shows #1"]
    assert distinct_notes(notes) == notes[:1]
    assert distinct_notes(["review #3 in h.db does not match its checksum; it is left out"], said=notes) == [
        "review #3 in h.db does not match its checksum; it is left out"
    ]
    assert distinct_notes(notes[1:], said=notes[:1]) == []


def test_the_cli_names_what_it_left_out_and_keeps_flags_given_before_the_action(tmp_path, demo_runs):
    text, runs = demo_runs
    db = tmp_path / "reviews.sqlite3"
    h = History(db)
    ids = {m: h.save(_record(text, run)) for m, run in runs.items()}
    with sqlite3.connect(db) as c:
        c.execute("UPDATE reviews SET bill_json = 'null}' WHERE id = ?", (ids["2026-09"],))

    def cli(*args):
        return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True)

    # `review --history H --json compare`: both flags given before the action still count
    out = cli("review", "--history", str(db), "--json", "compare")
    assert out.returncode == 0, out.stderr
    assert [t["month"] for t in json.loads(out.stdout)] == ["2026-08", "2026-10"]
    damaged = f"review #{ids['2026-09']} in {db} is damaged: its saved data is not JSON"
    assert out.stderr.strip() == f"Note: {damaged}; it is left out."
    out = cli("review", "--history", str(db), "list")
    assert out.returncode == 0 and out.stdout.count("Positive Chat") == 3
    export = tmp_path / "all.csv"
    out = cli("review", "export", "-o", str(export), "--history", str(db))
    assert out.returncode == 0 and out.stderr.strip() == f"Note: {damaged}; it is left out."
    assert {r["month"] for r in csv.DictReader(export.open())} == {"2026-08", "2026-10"}
    out = cli("review", "export", str(ids["2026-09"]), "-o", str(tmp_path / "one.csv"), "--history", str(db))
    assert out.returncode == 2 and out.stderr.strip() == f"error: {damaged}"
    assert not (tmp_path / "one.csv").exists()


def _confirmed(out: str) -> dict[int, tuple[str, int]]:
    saved = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            saved[int(parts[0])] = (parts[1], int(parts[2]))
    return saved


def _check(h: History, saved: dict[int, tuple[str, int]], kb: int) -> None:
    for rid, (writer, i) in saved.items():
        rec = h.get(rid)  # the checksum is verified on every read
        assert (rec.scenario_name, rec.bill, rec.notes) == (
            f"{writer}-{i}",
            {"writer": writer, "i": i},
            f"{writer} {i}",
        )
        assert rec.scenario_yaml == record(writer, i, kb).scenario_yaml


def _start(db: Path, writer: str, count: int, kb: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(db), writer, str(count), str(kb)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_a_save_killed_at_any_point_never_loses_or_corrupts_earlier_reviews(tmp_path):
    db, kb, kills = tmp_path / "reviews.sqlite3", 48, 30
    rng = random.Random(20261127)
    saved: dict[int, tuple[str, int]] = {}
    for k in range(kills):
        proc = _start(db, f"w{k}", 0, kb)
        time.sleep(rng.uniform(0.0, 0.12))  # kill somewhere in the save loop: mid-transaction, mid-commit...
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        before = len(saved)
        new = _confirmed(out)
        saved |= new
        h = History(db)
        assert h.integrity_check() == "ok"
        present = {s.id for s in h.list()}
        assert set(saved) <= present  # nothing confirmed is lost
        assert len(present) <= len(saved) + k + 1  # plus at most one per kill: committed, killed before printing
        _check(h, new, kb)
        assert len(saved) >= before
    assert len(saved) >= kills  # the kills did land among saves
    h = History(db)
    _check(h, saved, kb)  # every review saved before any of the kills is intact
    for s in h.list():  # and a row whose save was killed after commit is whole too
        h.get(s.id)


def test_two_processes_saving_at_once_both_land(tmp_path):
    db, n, kb = tmp_path / "reviews.sqlite3", 40, 32
    procs = [_start(db, w, n, kb) for w in ("a", "b")]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    a, b = _confirmed(outs[0]), _confirmed(outs[1])
    saved = a | b
    # distinct ids, none lost. (Seen once in about 300 runs, not reproduced since: 79, an id confirmed to both
    # writers. The message says which, for whoever sees it next.)
    assert len(saved) == 2 * n, {i: (a.get(i), b.get(i)) for i in a.keys() & b.keys()} or (len(a), len(b))
    h = History(db)
    assert len(h.list()) == 2 * n
    assert sorted(v for v in saved.values()) == sorted([("a", i) for i in range(n)] + [("b", i) for i in range(n)])
    _check(h, saved, kb)
    assert h.integrity_check() == "ok"


def test_a_save_waits_for_another_writer_and_then_lands(tmp_path):
    db = tmp_path / "reviews.sqlite3"
    History(db).save(record("first", 0, 1))
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process in the middle of its save
    try:
        proc = _start(db, "late", 1, 1)
        time.sleep(0.5)
        assert proc.poll() is None  # waiting on the lock, not failing
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and _confirmed(out) == {2: ("late", 0)}

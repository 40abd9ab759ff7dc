"""Review history: every monthly review, saved in a local SQLite database (standard library only, no AWS).

Where: the `path` argument, else the environment variable UNITCOST_HISTORY, else
`$XDG_DATA_HOME/unitcost/reviews.sqlite3` (`~/.local/share/unitcost/reviews.sqlite3` without XDG_DATA_HOME).

What: each review's scenario (YAML), imported usage summary, Cost Explorer figures, reconciliation and notes,
plus the raw Cost Explorer responses per month (each request costs $0.01, so they are asked for once).

Safety: the database runs in WAL mode with synchronous=FULL, and each save is one IMMEDIATE transaction, so a
save is either wholly there or not at all: a crash, a power cut or a kill in the middle of a save leaves every
earlier review as it was. Writers from several processes queue on SQLite's lock (busy timeout) and are
retried until `timeout_s`, so concurrent saves both land. Each review carries a SHA-256 of its content,
checked when it is read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from errors import UnitcostError
from models.review import Review

ENV = "UNITCOST_HISTORY"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    month TEXT NOT NULL,
    created_at TEXT NOT NULL,
    scenario_name TEXT NOT NULL,
    tag TEXT,
    total_modelled REAL,
    total_billed REAL,
    users REAL,
    cost_per_user REAL,
    scenario_yaml TEXT NOT NULL,
    usage_json TEXT,
    bill_json TEXT NOT NULL,
    review_json TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_by_month ON reviews (month, id);
CREATE TABLE IF NOT EXISTS ce_cache (
    key TEXT PRIMARY KEY,
    fetched_at TEXT NOT NULL,
    estimated INTEGER NOT NULL,
    payload TEXT NOT NULL
);
"""
LINE_COLUMNS = [
    "review_id",
    "month",
    "scenario",
    "service",
    "usage_type",
    "unit",
    "modelled_quantity",
    "modelled_cost",
    "metered_quantity",
    "billed_quantity",
    "billed_cost",
    "variance",
    "usage_effect",
    "metering_effect",
    "rate_effect",
    "cause",
]


MAX_ID = 2**63 - 1  # SQLite's largest rowid
LEFT_OUT = "it is left out"  # how a note on an unreadable review ends when nothing stands in for it
_SUMMARY_COLUMNS = (
    "id", "month", "created_at", "scenario_name", "tag", "total_modelled", "total_billed", "users",
    "cost_per_user", "notes",
)  # fmt: skip
_RECORD_COLUMNS = (
    "id", "month", "created_at", "scenario_name", "tag", "scenario_yaml", "usage_json", "bill_json",
    "review_json", "notes", "digest",
)  # fmt: skip
_TEXT = {"month", "created_at", "scenario_name", "scenario_yaml", "notes", "digest", "bill_json", "review_json"}
_OPTIONAL_TEXT = {"tag", "usage_json"}
_NUMBERS = {"total_modelled", "total_billed", "users", "cost_per_user"}  # may be NULL


def _wrong_type(row: dict[str, object]) -> str | None:
    """What is wrong with a row's column types, if anything. SQLite keeps any value in any column, so a row
    changed outside unitcost can hold a BLOB where text belongs."""
    for name, value in row.items():
        if name in _TEXT and not isinstance(value, str):
            return f"column {name} is not text"
        if name in _OPTIONAL_TEXT and not (value is None or isinstance(value, str)):
            return f"column {name} is not text"
        if name in _NUMBERS and not (value is None or type(value) in (int, float)):
            return f"column {name} is not a number"
    return None


class HistoryError(UnitcostError):
    """The history database cannot be used: one sentence naming the file."""


@dataclass
class ReviewRecord:
    month: str
    scenario_name: str
    scenario_yaml: str
    review: Review  # saved as Review.to_json()
    bill: dict  # models.review.Bill.to_json(): the Cost Explorer figures, kept as saved
    usage: dict | None = None  # models.review.Metered.to_json(): the imported usage summary, kept as saved
    notes: str = ""
    tag: str | None = None
    id: int | None = None
    created_at: str = ""
    saved_json: dict | None = field(default=None, repr=False, compare=False)  # the review's JSON as written


def _digest(month, scenario_name, scenario_yaml, review_json, bill, usage, notes, tag) -> str:
    """SHA-256 of a review's content as saved. Over the review's JSON as written, so that a review saved by an
    older version (without the fields added since) checks against what it wrote."""
    body = json.dumps(
        [month, scenario_name, scenario_yaml, review_json, bill, usage, notes, tag],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Summary:
    id: int
    month: str
    created_at: str
    scenario_name: str
    tag: str | None
    total_modelled: float | None
    total_billed: float | None
    users: float | None
    cost_per_user: float | None
    notes: str = field(default="")

    def label(self) -> str:
        billed = "-" if self.total_billed is None else f"${self.total_billed:,.2f}"
        return f"#{self.id} {self.month} · {self.scenario_name} · billed {billed} · saved {self.created_at[:16]}"


def distinct_notes(notes: Iterable[str], said: Iterable[str] = ()) -> list[str]:
    """The notes of `skipped` lists, one per review: a review left out of one part (an export's rows) and shown
    from an older one in another (its trend) is said once, as first noted; none that `said` already named."""
    seen = {n.rsplit("; ", 1)[0] for n in said}
    out = []
    for n in notes:
        what = n.rsplit("; ", 1)[0]
        if what not in seen:
            seen.add(what)
            out.append(n)
    return out


def default_path() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "unitcost" / "reviews.sqlite3"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _retryable(e: sqlite3.OperationalError) -> bool:
    text = str(e).lower()
    return "locked" in text or "busy" in text


class History:
    """The review history in one SQLite file. Opens a connection per operation (safe across threads and
    processes); nothing is held open between calls."""

    def __init__(self, path: str | Path | None = None, timeout_s: float = 30.0):
        self.path = Path(path).expanduser() if path else default_path()
        self.timeout_s = timeout_s
        self._ready = False

    # -- connections and transactions

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as e:
            raise HistoryError(
                f"cannot create the folder of the review history {self.path}: {e.strerror or e}"
            ) from None
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
            conn.execute("PRAGMA synchronous = FULL")
            return conn
        except sqlite3.Error as e:
            raise HistoryError(f"cannot open the review history {self.path}: {e}; {self._advice}") from None

    @property
    def _advice(self) -> str:
        return (
            f"unitcost leaves it as it is: move it aside (mv {self.path} {self.path}.damaged) to start a new "
            "history, or open another with --history PATH"
        )

    def _retry(self, action: Callable[[], object]):
        deadline = time.monotonic() + self.timeout_s
        delay = 0.01
        while True:
            try:
                return action()
            except sqlite3.OperationalError as e:
                if not _retryable(e) or time.monotonic() > deadline:
                    raise HistoryError(f"the review history {self.path} is busy or unusable: {e}") from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
            except sqlite3.DatabaseError as e:
                raise HistoryError(
                    f"the review history {self.path} is not a usable database: {e}; {self._advice}"
                ) from None

    def _ensure(self) -> None:
        if self._ready:
            return

        def setup():
            conn = self._connect()
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")  # persistent: set once per file
                conn.execute("BEGIN IMMEDIATE")
                try:
                    version = conn.execute("PRAGMA user_version").fetchone()[0]
                    if version > SCHEMA_VERSION:
                        raise HistoryError(
                            f"the review history {self.path} was written by a newer unitcost "
                            f"(schema {version}); update unitcost to read it"
                        )
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            finally:
                conn.close()

        self._retry(setup)
        self._ready = True

    def _write(self, work: Callable[[sqlite3.Connection], object]):
        """`work` inside one IMMEDIATE transaction: all of it is committed, or none of it."""
        self._ensure()

        def attempt():
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work(conn)
                    conn.execute("COMMIT")
                    return result
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                conn.close()

        return self._retry(attempt)

    def _read(self, work: Callable[[sqlite3.Connection], object]):
        if not self.path.exists():
            return work(None)
        self._ensure()

        def attempt():
            conn = self._connect()
            try:
                return work(conn)
            finally:
                conn.close()

        return self._retry(attempt)

    # -- reviews

    def save(self, record: ReviewRecord) -> int:
        """Save a review; returns its id. Atomic: it is wholly saved or not at all."""
        created = record.created_at or _now()
        r, review_json = record.review, record.review.to_json()
        row = (
            record.month,
            created,
            record.scenario_name,
            record.tag,
            r.total_modelled,
            r.total_billed,
            r.unit_costs.get("users"),
            r.unit_costs.get("cost_per_user"),
            record.scenario_yaml,
            None if record.usage is None else json.dumps(record.usage),
            json.dumps(record.bill),
            json.dumps(review_json),
            record.notes or "",
            _digest(
                record.month,
                record.scenario_name,
                record.scenario_yaml,
                review_json,
                record.bill,
                record.usage,
                record.notes,
                record.tag,
            ),
        )

        def insert(conn):
            cur = conn.execute(
                "INSERT INTO reviews (month, created_at, scenario_name, tag, total_modelled, total_billed, users, "
                "cost_per_user, scenario_yaml, usage_json, bill_json, review_json, notes, digest) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return cur.lastrowid

        review_id = self._write(insert)
        record.id, record.created_at = review_id, created
        return review_id

    def list(self, month: str | None = None, skipped: list[str] | None = None) -> list[Summary]:
        """Saved reviews, newest month first, then newest saved first. A row changed outside unitcost so that a
        column holds the wrong type is noted in `skipped` and left out; without a list, it raises."""

        def query(conn):
            if conn is None:
                return []
            sql = f"SELECT {', '.join(_SUMMARY_COLUMNS)} FROM reviews"
            args: tuple = ()
            if month:
                sql, args = sql + " WHERE month = ?", (month,)
            rows = conn.execute(sql + " ORDER BY month DESC, id DESC", args)
            return [Summary(*r) for r in self._well_typed(rows, _SUMMARY_COLUMNS, skipped)]

        return self._read(query)

    def _well_typed(self, rows: Iterable[tuple], columns: tuple[str, ...], skipped: list[str] | None) -> Iterator:
        """The rows (id first) whose `columns` hold the types unitcost wrote; another is noted in `skipped` and
        left out, or, without a list, raises."""
        for r in rows:
            wrong = _wrong_type(dict(zip(columns, r)))
            if wrong is None:
                yield r
            elif skipped is None:
                raise HistoryError(f"review #{r[0]} in {self.path} is damaged: {wrong}")
            else:
                skipped.append(f"review #{r[0]} in {self.path} is damaged: {wrong}; {LEFT_OUT}")

    def get(self, review_id: int) -> ReviewRecord:
        if not 0 < review_id <= MAX_ID:  # SQLite ids are 64-bit: a larger one cannot be there
            raise HistoryError(f"no review #{review_id} in {self.path}")

        def query(conn):
            row = (
                None
                if conn is None
                else conn.execute(
                    f"SELECT {', '.join(_RECORD_COLUMNS)} FROM reviews WHERE id = ?",
                    (int(review_id),),
                ).fetchone()
            )
            if row is None:
                raise HistoryError(f"no review #{review_id} in {self.path}")
            rid, month, created, name, tag, yaml_text, usage, bill, saved, notes, digest = row
            wrong = _wrong_type(dict(zip(_RECORD_COLUMNS, row)))
            if wrong:
                raise HistoryError(f"review #{rid} in {self.path} is damaged: {wrong}")
            try:
                saved, bill, usage = json.loads(saved), json.loads(bill), None if usage is None else json.loads(usage)
            except ValueError:  # a row changed outside unitcost: text, but not JSON (the types are checked above)
                raise HistoryError(f"review #{rid} in {self.path} is damaged: its saved data is not JSON") from None
            if _digest(month, name, yaml_text, saved, bill, usage, notes, tag) != digest:
                raise HistoryError(f"review #{rid} in {self.path} does not match its checksum")
            try:
                review = Review.from_json(saved)
            except (KeyError, TypeError) as e:  # the checksum fits: another version wrote it, with other fields
                raise HistoryError(
                    f"review #{rid} in {self.path} is not a review this unitcost reads ({e!r})"
                ) from None
            return ReviewRecord(
                month=month,
                scenario_name=name,
                scenario_yaml=yaml_text,
                review=review,
                bill=bill,
                usage=usage,
                notes=notes,
                tag=tag,
                id=rid,
                created_at=created,
                saved_json=saved,
            )

        return self._read(query)

    def latest(self, month: str) -> ReviewRecord | None:
        found = self.list(month)
        return self.get(found[0].id) if found else None

    def delete(self, review_id: int) -> bool:
        if not 0 < review_id <= MAX_ID:
            return False
        return bool(self._write(lambda c: c.execute("DELETE FROM reviews WHERE id = ?", (int(review_id),)).rowcount))

    # -- month over month

    def _by_month(self, scenario_name: str | None, skipped: list[str] | None) -> dict[str, list[int]]:
        """The ids of the saved reviews (of `scenario_name`, or all) per month, newest first: only the columns that
        place a review, so damage anywhere else (the listing's totals, the name) is left to `get` to name."""

        def query(conn):
            if conn is None:
                return {}
            columns = ("id", "month")
            sql, args = "SELECT id, month FROM reviews", ()
            if scenario_name is not None:  # a damaged name may be this scenario's: `get` names it
                sql, args = sql + " WHERE scenario_name = ? OR typeof(scenario_name) != 'text'", (scenario_name,)
            out: dict[str, list[int]] = {}
            for rid, month in self._well_typed(conn.execute(sql + " ORDER BY id DESC", args), columns, skipped):
                out.setdefault(month, []).append(rid)
            return out

        return self._read(query)

    def _readable(self, ids: Iterable[int], unread: list[str] | None) -> Iterator[ReviewRecord]:
        """The reviews of `ids` that can be read. One that cannot (damaged, or from another version) is noted
        in `unread` and left out, so that one bad row does not hide every other month; without a list, it raises."""
        for i in ids:
            try:
                yield self.get(i)
            except HistoryError as e:
                if unread is None:
                    raise
                unread.append(str(e))

    def compare(self, scenario_name: str | None = None, skipped: list[str] | None = None) -> list[dict]:
        """Unit costs per month, oldest first: the latest readable review of each month (see `_readable`); what
        was not read is noted in `skipped`, with the review the month shows instead, if any."""
        by_month = self._by_month(scenario_name, skipped)
        out = []
        for month in sorted(by_month):
            unread: list[str] | None = None if skipped is None else []
            rec = next(self._readable(by_month[month], unread), None)
            if skipped is not None:
                instead = LEFT_OUT if rec is None else f"{month} shows review #{rec.id} instead"
                skipped += [f"{n}; {instead}" for n in unread]
            if rec is None:
                continue
            r, u = rec.review, rec.review.unit_costs
            out.append(
                {
                    "month": month,
                    "review_id": rec.id,
                    "scenario": rec.scenario_name,
                    "users": u.get("users"),
                    "total_modelled": r.total_modelled,
                    "total_billed": r.total_billed,
                    "cost_per_user": u.get("cost_per_user"),
                    "modelled_cost_per_user": u.get("modelled_cost_per_user"),
                    "tiers": {t["name"]: t.get("cost_per_user") for t in u.get("tiers", [])},
                    "features": {f["name"]: f.get("cost_per_use") for f in u.get("features", [])},
                    "tenants": {t["name"]: t.get("billed_cost") for t in u.get("tenants", [])},
                }
            )
        return out

    # -- exports

    def line_rows(self, ids: Iterable[int] | None = None, skipped: list[str] | None = None) -> list[dict]:
        """The reconciliation rows of the reviews (all, oldest first, when `ids` is None; see `_readable`)."""
        if ids is None:
            by_month = self._by_month(None, skipped)
            ids = [i for month in sorted(by_month) for i in reversed(by_month[month])]
        unread: list[str] | None = None if skipped is None else []
        rows = []
        for rec in self._readable(ids, unread):
            for ln in rec.review.lines:
                rows.append(
                    {
                        "review_id": rec.id,
                        "month": rec.month,
                        "scenario": rec.scenario_name,
                        **{k: getattr(ln, k) for k in LINE_COLUMNS[3:]},
                    }
                )
        if skipped is not None:
            skipped += [f"{n}; {LEFT_OUT}" for n in unread]
        return rows

    def export_csv(self, ids: Iterable[int] | None = None, skipped: list[str] | None = None) -> str:
        """The reconciliation rows of the reviews (all when `ids` is None) as CSV text."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=LINE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.line_rows(ids, skipped))
        return buf.getvalue()

    def export_xlsx(self, path: str | Path, ids: Iterable[int] | None = None, skipped: list[str] | None = None) -> None:
        """Reconciliation rows and unit costs as an XLSX workbook; needs openpyxl (optional)."""
        try:
            from openpyxl import Workbook
        except ImportError:
            raise HistoryError(
                "XLSX export needs openpyxl (pip install openpyxl); CSV export works without it"
            ) from None
        wb = Workbook()
        ws = wb.active
        ws.title = "reconciliation"
        ws.append(LINE_COLUMNS)
        for row in self.line_rows(ids, skipped):
            ws.append([row[c] for c in LINE_COLUMNS])
        trend = wb.create_sheet("unit costs")
        trend.append(["month", "users", "total_modelled", "total_billed", "cost_per_user", "modelled_cost_per_user"])
        for t in self.compare(skipped=skipped):
            trend.append(
                [
                    t["month"],
                    t["users"],
                    t["total_modelled"],
                    t["total_billed"],
                    t["cost_per_user"],
                    t["modelled_cost_per_user"],
                ]
            )
        try:
            wb.save(path)
        except OSError as e:
            raise HistoryError(f"cannot write {path}: {e.strerror or e}") from None

    # -- the Cost Explorer cache

    def cache_get(self, key: str) -> dict | None:
        def query(conn):
            row = (
                None if conn is None else conn.execute("SELECT payload FROM ce_cache WHERE key = ?", (key,)).fetchone()
            )
            return None if row is None else json.loads(row[0])

        return self._read(query)

    def cache_put(self, key: str, payload: dict, estimated: bool = False) -> None:
        text = json.dumps(payload)
        self._write(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO ce_cache (key, fetched_at, estimated, payload) VALUES (?, ?, ?, ?)",
                (key, payload.get("fetched_at") or _now(), int(estimated), text),
            )
        )

    # -- checks

    def integrity_check(self) -> str:
        def query(conn):
            return "ok" if conn is None else conn.execute("PRAGMA integrity_check").fetchone()[0]

        return self._read(query)

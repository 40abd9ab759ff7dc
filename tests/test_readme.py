"""Every command the README shows, run as written, so the README stays true.

Where a command needs AWS credentials, the demo account stands in (`--tag app=chat` becomes `--demo`), and
`prices refresh --region eu-west-1` reads a stubbed Price List (botocore's Stubber with the eu-west-1
GetProducts fixture; moto has no `pricing` service). The commands run one after another in a scratch folder, in
README order (the imports write the files the reviews read; the refreshes write the books `prices diff`
compares), with the books folder and the review history in that folder, never in the repository.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from pricing.book import default_book
from tests import test_pricelist as tp

ROOT = Path(__file__).resolve().parent.parent

# The setup lines: a virtualenv and `pip install` need the network, `pytest` is this suite and
# `streamlit run app.py` is what tests/test_browser.py starts. Their files must exist.
SETUP = {
    "python3 -m venv .venv": [],
    ".venv/bin/pip install -r requirements.txt": ["requirements.txt"],
    ".venv/bin/pip install -q -r requirements.txt -r requirements-test.txt": [
        "requirements.txt",
        "requirements-test.txt",
    ],
    ".venv/bin/streamlit run app.py": ["app.py"],
    ".venv/bin/python -m pytest": ["pyproject.toml"],
}
# Stand-ins where a command needs AWS credentials.
NO_CREDENTIALS = {"--tag app=chat": "--demo"}
STUBBED = "prices refresh --region eu-west-1"


def readme_commands() -> list[str]:
    """The commands of the README's bash blocks: continuation lines joined, comments dropped."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands += [" ".join(part.split()) for part in " ".join(words).split(" && ")]
    return commands


def test_the_readme_shows_commands():
    commands = readme_commands()
    assert len(commands) > 15
    assert any(c.startswith(".venv/bin/python cli.py prices diff") for c in commands)


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A folder laid out like the repository for the commands: examples and scenarios as shipped, an
    offer file named index.json (the us-east-1 bulk fixtures in one file), the books and the history here."""
    for name in ("examples", "scenarios", "tests"):  # tests: the template fixtures `init` reads
        (tmp_path / name).symlink_to(ROOT / name)
    books = tmp_path / "books"
    books.mkdir()
    for book in (ROOT / "pricing" / "books").glob("*.json"):
        (books / book.name).write_text(book.read_text())
    offer = None
    for f in tp.US_FILES:
        doc = json.loads(f.read_text())
        if offer is None:
            offer = doc
            continue
        offer["products"].update(doc["products"])
        for kind, terms in doc["terms"].items():
            offer["terms"].setdefault(kind, {}).update(terms)
    (tmp_path / "index.json").write_text(json.dumps(offer))
    monkeypatch.setenv("UNITCOST_BOOKS_DIR", str(books))
    monkeypatch.setenv("UNITCOST_HISTORY", str(tmp_path / "reviews.sqlite3"))
    monkeypatch.chdir(tmp_path)
    default_book.cache_clear()  # the in-process refresh reads the books here: no book cached from elsewhere
    yield tmp_path
    default_book.cache_clear()  # ...and none of these left for the tests that follow


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    words = shlex.split(command)
    assert words[:2] == [".venv/bin/python", "cli.py"], command
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *words[2:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _refresh_eu_from_a_stubbed_price_list(command: str, monkeypatch, capsys) -> str:
    """`prices refresh --region eu-west-1`, in this process: the Price List answers from the eu-west-1
    fixture, plus CloudWatch's products (which that fixture lacks) moved from us-east-1."""
    items = tp.eu_items()
    for offer, products in tp.us_items().items():
        if offer not in items:
            moved = json.loads(json.dumps(products).replace('"us-east-1"', '"eu-west-1"').replace("USE1-", "EU-"))
            items[offer] = moved
    client, stubber = tp.stubbed_client()
    for offer in tp.pl.OFFERS:
        tp.expect_products(stubber, offer, "eu-west-1", [p for p in items.get(offer, []) if tp.pl.region_of(p)])
    monkeypatch.setattr(tp.api, "pricing_client", lambda *a: client)
    with stubber:
        code = cli.main(shlex.split(command)[2:])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_every_readme_command_runs_as_written(scratch, monkeypatch, capsys):
    ran: dict[str, str] = {}
    for command in readme_commands():
        if command in SETUP:
            for name in SETUP[command]:
                assert (ROOT / name).is_file(), (command, name)
            continue
        assert command.startswith(".venv/bin/python cli.py "), f"a README command this test does not know: {command}"
        as_run = command
        for needs, stand_in in NO_CREDENTIALS.items():
            as_run = as_run.replace(needs, stand_in)
        if as_run.startswith(f".venv/bin/python cli.py {STUBBED}"):
            ran[command] = _refresh_eu_from_a_stubbed_price_list(as_run, monkeypatch, capsys)
            continue
        r = _run(as_run, scratch)
        assert r.returncode == 0, (command, r.stderr[-2000:])
        assert "Traceback" not in r.stderr, command
        ran[command] = r.stdout

    def out(start: str) -> str:
        return next(v for k, v in ran.items() if k.startswith(f".venv/bin/python cli.py {start}"))

    assert "Monthly total: $" in out("estimate examples/positive-chat.yaml")
    assert json.loads(out("estimate examples/positive-chat.yaml --json"))["currency"] == "USD"
    assert len(out("sweep").strip().splitlines()) == 1 + 100  # a header and the 100 points
    assert {d["name"] for d in json.loads(out("designs"))["designs"]} == {"current", "x86", "auto"}
    for written in (
        "demo.yaml",
        "chat.yaml",
        "review.csv",
        "review.html",
        "chat-skeleton.yaml",
        "orders.yaml",
        "cdk.yaml",
        "chat-observed.yaml",
    ):
        assert (scratch / written).is_file(), written
    assert "check passed: 5 rules hold" in out("check examples/positive-chat.yaml")
    assert json.loads(out("diff examples/positive-chat.yaml scenarios/positive-chat-demo.yaml --json"))["total"]["base"]
    assert "| pro\\: cost per user |" in out("diff tests/fixtures/templates/positive-chat-template.yaml")
    assert "UNMATCHED:" in (scratch / "chat-observed.yaml").read_text()
    assert "eu-west-1" in out("prices refresh --region eu-west-1")
    # two refreshes on one day: <today>.json and <today>-2.json beside the committed book, which stays
    books = sorted(p.name for p in (scratch / "books").glob("*.json"))
    assert len(books) == 3 and "2026-11-27.json" in books
    diff = out("prices diff")
    assert diff, "prices diff printed nothing"
    with open(scratch / "review.csv", newline="") as f:
        assert next(csv.reader(f))  # a header row
    assert "2026-10" in out("review list")
    assert not (ROOT / "demo.yaml").exists() and not (ROOT / "chat.yaml").exists()


def test_prices_diff_with_one_book_says_what_to_do(tmp_path, monkeypatch):
    books = tmp_path / "books"
    books.mkdir()
    (books / "2026-11-27.json").write_text((ROOT / "pricing" / "books" / "2026-11-27.json").read_text())
    monkeypatch.setenv("UNITCOST_BOOKS_DIR", str(books))
    r = _run(".venv/bin/python cli.py prices diff --scenarios scenarios/", ROOT)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("error: only one price book in ")
    assert "a refresh writes a second one" in r.stderr and "Traceback" not in r.stderr

"""Bad responses to every AWS operation the monthly review calls (sts, Cost Explorer, and the import's calls
for its CloudWatch column), each on every call of that one operation, through `cli.py review --json`
in-process against the moto account of test_review_moto.py. The same kinds of bad body as the import's test
(tests/usage/test_usage_bad_responses.py), and each case must end one way:
- "error": exit 2, exactly one stderr line, naming the operation;
- "gap": exit 0, the review's notes say what could not be read, each such note repeated on stderr;
- "same": exit 0 and the same review as a clean one.
Cost Explorer and the caller's account are the bill: any bad response there is an error. A bad response
during the CloudWatch import leaves the metered column empty or partial, which the review says (a gap); the
user count from a metric (--users-metric) is an error when its GetMetricData response is bad.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import botocore.session
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "usage"))  # the usage tests' fault helpers

from faults import BAD_BODIES, BAD_STATUSES, Forever, Injector, Mangle, shared_loader_session  # noqa: E402
from test_usage_bad_responses import OPS as IMPORT_OPS  # noqa: E402
from test_usage_bad_responses import fault as import_fault  # noqa: E402
from test_usage_bad_responses import plan  # noqa: E402

import cli  # noqa: E402
from commands import review as cli_review  # noqa: E402
from tests.test_review_moto import ARGS, account, moto_env  # noqa: E402, F401 (the moto account, fixtures)
from usage import aws, review_run  # noqa: E402

NO_TAG = [a for a in ARGS if a not in ("--tag", "app=chat")]
# Every operation the review calls -> (review arguments that call it, its page token's wire name or None)
OPS: dict[tuple[str, str], tuple[list[str], str | None]] = {
    ("sts", "GetCallerIdentity"): (ARGS, None),
    ("ce", "GetCostAndUsage"): (ARGS, "NextPageToken"),
    **{
        op: (NO_TAG if op[1] == "ListTables" else ARGS, token)
        for op, (_, token) in IMPORT_OPS.items()
        if op in review_run.PERMISSIONS  # a review selects by tag or the whole region, never by stack
    },
}
PC_BODY = json.dumps(
    {"ProvisionedConcurrencyConfigs": [{"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:api:live"}]}
).encode()
CASES = [
    (op, kind)
    for op, (_, token) in OPS.items()
    for kind in [*BAD_BODIES, *BAD_STATUSES]
    if kind != "endless_pages" or token
]


def test_every_operation_of_the_review_is_in_the_matrix():
    assert set(OPS) == set(review_run.PERMISSIONS) | review_run.NO_PERMISSION_NEEDED


def fault(op: tuple[str, str], kind: str):
    if op in IMPORT_OPS:
        return import_fault(op, kind, PC_BODY)
    return BAD_STATUSES[kind] if kind in BAD_STATUSES else Mangle(kind, OPS[op][1])


def expected(op: tuple[str, str], kind: str) -> str:
    if kind in ("null_items", "items_emptied") and op[1] == "GetCallerIdentity":
        return "same"  # no list in it: nothing to change
    if kind == "items_emptied" and op[1] == "ListTables":
        return "same"  # TableNames is a list of strings: nothing to empty
    if kind == "endless_pages" and op[1] == "GetMetricData":
        return "gap"  # the import's paging stops (its note); the user count is one page, one value
    if op[1] in ("GetCallerIdentity", "GetCostAndUsage", "GetMetricData"):
        return "error"  # the bill, or the user count from --users-metric
    return "gap"


def run(monkeypatch, capsys, tmp_path, args: list[str], faults: dict | None = None):
    real = aws.make_session

    def session(profile=None, region=None):
        s = real(profile, region)
        if faults:
            Injector(s, faults)
        return s

    with monkeypatch.context() as m:
        m.setattr(aws, "make_session", session)
        m.setattr(aws, "BAD_RESPONSE_DELAY_S", 0.0)
        m.setattr(botocore.session, "get_session", shared_loader_session)
        history = tmp_path / "reviews.sqlite3"  # its own cache: Cost Explorer is asked every time
        code = cli.main(["review", *args, "--json", "--no-save", "--refresh", "--history", str(history)])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


_clean: dict[tuple, dict] = {}


def outcome(code: int, out: str, err: str, operation: str, clean: dict) -> str:
    lines = err.splitlines()
    assert "Traceback" not in err
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("error: ") and operation in lines[0], err
        return "error"
    assert code == 0, err
    review = json.loads(out)
    if review == clean:
        return "same"
    new = [n for n in review["notes"] if n not in clean["notes"]]
    gaps = [n for n in new if n.startswith(cli_review.GAP_NOTES)]
    assert gaps, f"exit 0, a review unlike the clean one, and no gap named:\n{new}"
    for n in gaps:
        assert f"warning: {n}" in lines, (n, err)
    return "gap"


@pytest.mark.parametrize(("op", "kind"), CASES, ids=str)
@pytest.mark.usefixtures("moto_env")
def test_a_bad_response_is_an_error_naming_the_call_or_a_named_gap(monkeypatch, capsys, tmp_path, op, kind):
    args = OPS[op][0]
    if tuple(args) not in _clean:
        code, out, err = run(monkeypatch, capsys, tmp_path, args)
        assert code == 0, err
        _clean[tuple(args)] = json.loads(out)
    code, out, err = run(monkeypatch, capsys, tmp_path, args, plan(op, Forever(fault(op, kind))))
    assert outcome(code, out, err, op[1], _clean[tuple(args)]) == expected(op, kind)


@pytest.mark.parametrize("op", [("sts", "GetCallerIdentity"), ("ce", "GetCostAndUsage")], ids=str)
@pytest.mark.usefixtures("moto_env")
def test_one_bad_bill_response_is_asked_again(monkeypatch, capsys, tmp_path, op):
    code, out, err = run(monkeypatch, capsys, tmp_path, ARGS, plan(op, [Mangle("truncated")]))
    assert code == 0, err
    assert json.loads(out)["total_billed"] == pytest.approx(11.37, abs=1e-9)

"""Bad responses to every AWS operation the import calls, each on every call of that one operation, through
`cli.py import` in-process against moto: a 200 whose body is empty, cut short, a proxy's page, binary, not
UTF-8, valid JSON of another shape (null, a list, a string, {}, nulls, wrong types, list items without their
keys), a page token that never ends; and error statuses with unreadable bodies. Each case must end one way:
- "error": exit 2, exactly one stderr line, naming the operation, and no file written;
- "gap": exit 0, the gap in the file's header (new MISSING or NOTE lines), each line repeated on stderr;
- "same": exit 0 and the same file as a clean import (the fault changed nothing the import reads).
Never a traceback, never exit 0 with data silently missing. `expected` says which, case by case.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from faults import (
    BAD_BODIES,
    BAD_STATUSES,
    PROXY_PAGE,
    Forever,
    Injector,
    Mangle,
    Raw,
    service_id,
    shared_loader_session,
)

import cli
from usage import aws

TAG = ["--tag", "app=chat"]
PC = ("lambda", "ListProvisionedConcurrencyConfigs")
# Every operation the import calls (aws.PERMISSIONS) -> (import arguments that call it, its page token's wire
# name or None when it is not paged)
OPS: dict[tuple[str, str], tuple[list[str], str | None]] = {
    ("lambda", "ListFunctions"): (TAG, "NextMarker"),
    PC: (TAG, "NextMarker"),
    ("apigatewayv2", "GetApis"): (TAG, "nextToken"),
    ("apigatewayv2", "GetRoutes"): (TAG, "nextToken"),
    ("apigatewayv2", "GetStages"): (TAG, "nextToken"),
    ("apigatewayv2", "GetIntegrations"): (TAG, "nextToken"),
    ("dynamodb", "ListTables"): (["--prefix", "chat-"], "LastEvaluatedTableName"),
    ("dynamodb", "DescribeTable"): (TAG, None),
    ("resourcegroupstaggingapi", "GetResources"): (TAG, "PaginationToken"),
    ("cloudformation", "ListStackResources"): (["--stack", "chat-stack"], "NextToken"),
    ("cloudwatch", "GetMetricData"): (TAG, "NextToken"),
}
# moto answers provisioned concurrency with 404: that operation's bad bodies start from this 200 instead
PC_BODY = json.dumps(
    {
        "ProvisionedConcurrencyConfigs": [
            {
                "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:chat-send:live",
                "AllocatedProvisionedConcurrentExecutions": 2,
                "Status": "READY",
            }
        ]
    }
).encode()

CASES = [
    (op, kind)
    for op, (_, token) in OPS.items()
    for kind in [*BAD_BODIES, *BAD_STATUSES]
    if kind != "endless_pages" or token
]


def fault(op: tuple[str, str], kind: str, pc_body: bytes = PC_BODY):
    if kind in BAD_STATUSES:
        return BAD_STATUSES[kind]
    token = OPS[op][1]
    if op == PC:
        return Raw(200, BAD_BODIES[kind](pc_body, "rest-json", token))
    return Mangle(kind, token)


def plan(op: tuple[str, str], faults) -> dict:
    return {(service_id(op[0]), op[1]): faults}


def test_every_operation_of_the_import_is_in_the_matrix():
    assert set(OPS) == set(aws.PERMISSIONS)


def expected(op: tuple[str, str], kind: str) -> str:
    if kind == "400_non_utf8":
        return "error"
    if kind.startswith("403"):  # access denied: the rest is read, unless nothing (or no metric) can be
        return "error" if op[1] in ("GetMetricData", "ListStackResources") else "gap"
    if kind == "items_emptied" and op[1] == "ListTables":
        return "same"  # TableNames is a list of strings: nothing to empty
    return "error"


def run(monkeypatch, capsys, tmp_path, args: list[str], faults: dict | None = None, when=None):
    """`cli.py import ARGS --days 2 -o FILE` in-process, faults injected into its session."""
    real = aws.make_session

    def session(profile=None, region=None):
        s = real(profile, region)
        if faults:
            Injector(s, faults, when)
        return s

    out = tmp_path / f"import-{len(list(tmp_path.iterdir()))}.yaml"
    with monkeypatch.context() as m:
        m.setattr(aws, "make_session", session)
        m.setattr(aws, "BAD_RESPONSE_DELAY_S", 0.0)
        m.setattr(botocore.session, "get_session", shared_loader_session)
        code = cli.main(["import", *args, "--days", "2", "-o", str(out)])
    cap = capsys.readouterr()
    return code, cap.err, out


def header(text: str) -> list[str]:
    return [ln[2:] for ln in text.splitlines() if ln.startswith("# ") and not ln.startswith("# Window:")]


def outcome(code: int, err: str, out, operation: str, clean: str) -> str:
    lines = err.splitlines()
    assert "Traceback" not in err
    if code == 2:
        assert len(lines) == 1 and lines[0].startswith("error: ") and operation in lines[0], err
        assert not out.exists()
        return "error"
    assert code == 0, err
    text = out.read_text()
    if text == clean:
        return "same"
    new = [ln for ln in header(text) if ln not in header(clean)]
    gaps = [ln for ln in new if ln.startswith(("MISSING: ", "NOTE: "))]
    assert gaps, f"exit 0, a file unlike the clean one, and no gap named:\n{new}"
    for ln in gaps:
        assert f"warning: {ln}" in lines, (ln, err)
    return "gap"


_clean: dict[tuple, str] = {}  # arguments -> a clean import's file


@pytest.fixture
def clean_import(monkeypatch, capsys, tmp_path):
    """A clean import's file for the given arguments (again if the hour turned since, or the account changed)."""
    cache = _clean

    def get(args: list[str], window: str | None = None) -> str:
        key = tuple(args)
        if key not in cache or (window and window not in cache[key]):
            code, err, out = run(monkeypatch, capsys, tmp_path, args)
            assert code == 0, err
            cache[key] = out.read_text()
        return cache[key]

    return get


def _window(path) -> str | None:
    if not path.exists():
        return None
    return next(ln for ln in path.read_text().splitlines() if ln.startswith("# Window:"))


def _check(monkeypatch, capsys, tmp_path, clean_import, op, kind):
    args = OPS[op][0]
    clean = clean_import(args)
    code, err, out = run(monkeypatch, capsys, tmp_path, args, plan(op, Forever(fault(op, kind))))
    clean = clean_import(args, _window(out))
    assert outcome(code, err, out, op[1], clean) == expected(op, kind)


@pytest.mark.parametrize(("op", "kind"), [c for c in CASES if c[0][1] != "ListStackResources"], ids=str)
def test_a_bad_response_is_an_error_naming_the_call_or_a_named_gap(
    chat_app, aws_env, monkeypatch, capsys, tmp_path, clean_import, op, kind
):
    _check(monkeypatch, capsys, tmp_path, clean_import, op, kind)


@pytest.mark.parametrize("op", [op for op in OPS if op[1] != "ListStackResources" and op != PC], ids=str)
def test_one_bad_response_is_asked_again_and_the_import_completes(
    chat_app, aws_env, monkeypatch, capsys, tmp_path, clean_import, op
):
    """A cut-short body once, then the real one: the same file as without it (ListFunctions is damaged in
    discovery: the probe does not read what it gets)."""
    args = OPS[op][0]
    when = None
    faults = [Mangle("truncated")]
    if op == ("lambda", "ListFunctions"):
        when = lambda svc, operation, request: "MaxItems" not in request.url  # noqa: E731
    code, err, out = run(monkeypatch, capsys, tmp_path, args, plan(op, faults), when)
    assert code == 0, err
    clean = clean_import(args, _window(out))
    assert out.read_text() == clean


def test_one_bad_provisioned_concurrency_response_is_asked_again(chat_app, aws_env, monkeypatch, capsys, tmp_path):
    """As above; moto lacks the call (404), so the good answer is a 200 given after the bad one. Read as {}
    instead, the bad one would leave that function without provisioned concurrency, silently."""
    good = [Raw(200, PC_BODY)]
    for _ in range(2):  # twice if the hour turned in between
        code, err, clean = run(monkeypatch, capsys, tmp_path, TAG, plan(PC, good))
        assert code == 0, err
        bad_then_good = [Raw(200, PC_BODY[: len(PC_BODY) // 2]), *good]
        code, err, out = run(monkeypatch, capsys, tmp_path, TAG, plan(PC, bad_then_good))
        assert code == 0, err
        if _window(out) == _window(clean):
            break
    assert "provisioned:\n      concurrency: 2" in clean.read_text()
    assert out.read_text() == clean.read_text()


# Last: the stack account replaces the chat account (which the next test using it builds again).
@pytest.mark.parametrize("kind", [k for op, k in CASES if op[1] == "ListStackResources"])
def test_a_bad_stack_listing_is_an_error_naming_the_call(
    stack_app, aws_env, monkeypatch, capsys, tmp_path, clean_import, kind
):
    _check(monkeypatch, capsys, tmp_path, clean_import, ("cloudformation", "ListStackResources"), kind)


@pytest.fixture
def garbage_endpoint():
    """An HTTP endpoint on 127.0.0.1 answering every request 200 with the body set in `.body`."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        body = b""

        def _answer(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", str(len(Handler.body)))
            self.end_headers()
            self.wfile.write(Handler.body)

        do_GET = do_POST = _answer

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield Handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("body", [b"", PROXY_PAGE, b"\xff\xfe{}"], ids=["empty", "proxy_page", "non_utf8"])
def test_an_endpoint_answering_200_with_garbage_exits_2_as_a_command(garbage_endpoint, tmp_path, body):
    """`cli.py import` and `cli.py review` as subprocesses, every AWS call answered 200 with a bad body:
    one line naming the first call (the probe, the caller's account), retries included, no file."""
    import subprocess
    import sys

    from usage_env import ROOT, aws_test_env

    garbage_endpoint.body = body
    out = tmp_path / "x.yaml"
    scenario = str(ROOT / "tests" / "fixtures" / "review" / "scenario.yaml")
    history = str(tmp_path / "reviews.sqlite3")
    for args, call in (
        (["import", "-o", str(out)], "lambda ListFunctions"),
        (["review", "--month", "2026-10", "--scenario", scenario, "--history", history], "sts GetCallerIdentity"),
    ):
        r = subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), *args],
            cwd=ROOT,
            env=aws_test_env(garbage_endpoint.url),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith(f"error: {call}: the response "), r.stderr
        assert "(3 tries)" in r.stderr
    assert not out.exists()

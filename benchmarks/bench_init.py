"""Benchmark: `init` on a large SAM template: 200 functions, 50 tables, 1 HTTP API with 200 routes, 50 SQS queues.

Prints the template's size, the wall time of `read_template` in-process (parse, resolve, write, and the
scenario reader's check of the result), the same for the three test fixtures, and `cli.py init` as a
subprocess (Python start-up and cfn-lint's import included).

    .venv/bin/python benchmarks/bench_init.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from models.template import read_template  # noqa: E402

FUNCTIONS, TABLES, QUEUES = 200, 50, 50
FIXTURES = ROOT / "tests" / "fixtures" / "templates"


def template() -> str:
    out = ["Transform: AWS::Serverless-2016-10-31", "Globals:", "  Function:", "    MemorySize: 512", "Resources:"]
    out += ["  Api:", "    Type: AWS::Serverless::HttpApi"]
    for t in range(TABLES):
        out += [f"  Table{t}:", "    Type: AWS::DynamoDB::Table", "    Properties:",
                "      BillingMode: PAY_PER_REQUEST", "      GlobalSecondaryIndexes:",
                f"        - IndexName: byX{t}"]  # fmt: skip
    for q in range(QUEUES):
        out += [f"  Queue{q}:", "    Type: AWS::SQS::Queue"]
    for f in range(FUNCTIONS):
        out += [f"  Fn{f}:", "    Type: AWS::Serverless::Function", "    Properties:",
                "      Architectures: [arm64]", "      Policies:",
                f"        - DynamoDBCrudPolicy: {{TableName: !Ref Table{f % TABLES}}}",
                f"        - SQSSendMessagePolicy: {{QueueName: !GetAtt Queue{f % QUEUES}.QueueName}}",
                "        - Statement:", "            - Effect: Allow",
                "              Action: [dynamodb:GetItem, dynamodb:Query]",
                f"              Resource: [!GetAtt Table{(f + 1) % TABLES}.Arn,",
                f"                         !Sub '${{Table{(f + 1) % TABLES}.Arn}}/index/*']",
                "      Events:", f"        Get{f}:", "          Type: HttpApi",
                f"          Properties: {{ApiId: !Ref Api, Path: '/items{f}/{{id}}', Method: get}}"]  # fmt: skip
        if f % 4 == 0:
            out += [
                f"        Work{f}:",
                "          Type: SQS",
                f"          Properties: {{Queue: !GetAtt Queue{f % QUEUES}.Arn}}",
            ]
    return "\n".join(out) + "\n"


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(template())
        seconds, text = timed(lambda: read_template(path))
        features = yaml.safe_load(text)["features"]
        ops = sum(len(f.get("dynamodb", [])) for f in features.values())
        print(f"large template: {path.stat().st_size / 1024:,.0f} KB, {FUNCTIONS} functions, {TABLES} tables, "
              f"{QUEUES} queues -> scenario {len(text) / 1024:,.0f} KB")  # fmt: skip
        print(f"  read_template in-process (best of 3): {seconds:.2f} s")
        for fixture in ("positive-chat-template.yaml", "sam-orders.yaml", "cdk.out"):
            s, _ = timed(lambda f=fixture: read_template(FIXTURES / f))
            print(f"  read_template {fixture}: {1000 * s:.0f} ms")
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "init", "--template", str(path), "-o",
                            str(Path(tmp) / "out.yaml")], capture_output=True, text=True)  # fmt: skip
        print(f"  cli.py init (subprocess, exit {r.returncode}): {time.perf_counter() - t0:.2f} s")
        print(f"  features written: {len(features)} (routes and SQS events), {ops} DynamoDB operations")


if __name__ == "__main__":
    main()

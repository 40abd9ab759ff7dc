"""Paths and the subprocess environment shared by the usage/ tests and the import benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def aws_test_env(endpoint: str | None) -> dict[str, str]:
    """The environment for the import: fake credentials, no IMDS, no profile, AWS_ENDPOINT_URL = moto."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
    }
    env |= {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "PYTHONPATH": str(ROOT),
        "NO_PROXY": "127.0.0.1",
    }
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


def import_command() -> list[str]:
    """`cli.py import`, as a person runs it."""
    return [sys.executable, str(ROOT / "cli.py"), "import"]


def run_import(args: list[str], endpoint: str | None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*import_command(), *args],
        cwd=ROOT,
        env=env or aws_test_env(endpoint),
        capture_output=True,
        text=True,
        timeout=120,
    )

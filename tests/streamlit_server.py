"""A Streamlit server for the browser tests: a free port on 127.0.0.1, no AWS credentials, no telemetry."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(root, log_path, env_extra: dict | None = None, entry: str = "app.py"):
    """`streamlit run ENTRY` on a free 127.0.0.1 port, offline env; returns (process, url) once healthy."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_EC2_METADATA_DISABLED": "true", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env |= env_extra or {}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        entry,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
    ]
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError(f"streamlit did not start:\n{Path(log_path).read_text()}")
        time.sleep(0.1)

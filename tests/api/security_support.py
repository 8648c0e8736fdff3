"""Helpers for the issue-9 tests: a real `fazhan serve` in a subprocess, and a world on a SQLite file."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(db_url: str, log: Path, extra_env: dict | None = None):
    """`fazhan serve` on a free port against `db_url`, its stdout and stderr (uvicorn's logs) in `log`.

    Yields the base URL; the server is stopped (and waited for) on the way out."""
    port = free_port()
    env = {**os.environ, "FAZHAN_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", "serve",
                                    "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the server did not answer within a minute")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def token_for(base: str, login: str, password: str) -> str:
    answer = httpx.post(f"{base}/api/auth/login", data={"username": login, "password": password}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]

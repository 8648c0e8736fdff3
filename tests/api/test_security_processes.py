"""Issue 9: after `kill -9` of a fazhan command no worker process survives and no temporary file with
personal data is left where the next run would not remove it.

Each test starts the real command in a subprocess on generated dossiers, waits until its worker
processes are busy (and, for the bundle, until its temporary files exist), kills it with SIGKILL,
and then looks at /proc and at the temporary directory the command was given.
"""
from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests_support import load_case

from workflow import scratch

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, what: str, limit: float = 120.0):
    """Polls until `condition()` is true; the limit only stops a broken run from hanging the suite."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def _start(args: list[str], tmp: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    env.pop(scratch.ROOT_ENV, None)
    with open(out, "wb") as stdout:
        return subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", *args], cwd=ROOT, env=env,
                                stdout=stdout, stderr=subprocess.STDOUT)


def _kill_and_check(process: subprocess.Popen, workers: list[int], tmp: Path) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # the kernel kills each worker with its parent; without that they would wait on their queue forever
    _wait_for(lambda: not any(_alive(pid) for pid in workers), "the workers to die with their parent")
    # nothing was written to the shared temporary directory itself: only the private scratch root
    assert sorted(p.name for p in tmp.iterdir()) == [f"fazhan-{os.getuid()}"]
    private = tmp / f"fazhan-{os.getuid()}"
    assert oct(private.stat().st_mode & 0o777) == "0o700"
    left = [p.name for p in private.iterdir()]
    assert left == [n for n in left if n.startswith(f"run-{process.pid}-")]  # only the killed run's
    # the next fazhan process to start sweeps the killed run's directory away
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    env.pop(scratch.ROOT_ENV, None)
    subprocess.run([sys.executable, "-c", "from workflow import scratch; print(scratch.claim())"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    assert list(private.iterdir()) == []


def _dossiers(folder: Path, count: int, drop_materials: bool = False) -> Path:
    folder.mkdir()
    document = load_case("01_valid_2014_full_record")["dossier"]
    for n in range(count):
        copy_ = copy.deepcopy(document)
        copy_["id"] = f"K{n:05d}"
        if drop_materials:
            copy_.pop("materials", None)
        (folder / f"{n:05d}.json").write_text(json.dumps(copy_, ensure_ascii=False), encoding="utf-8")
    return folder


def test_kill_9_of_an_audit_leaves_no_worker(tmp_path):
    dossiers = _dossiers(tmp_path / "dossiers", 6000)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out.json"
    process = _start(["audit", str(dossiers), "--workers", "2", "--format", "json"], tmp, out)
    _wait_for(lambda: len(_children(process.pid)) == 2 and out.stat().st_size > 5000,
              "the workers' first results")
    assert process.poll() is None, "the audit finished before it could be killed: give it more dossiers"
    _kill_and_check(process, _children(process.pid), tmp)


@pytest.mark.pdf
def test_kill_9_of_a_bundle_run_leaves_no_worker_and_no_temporary_file(tmp_path):
    dossiers = _dossiers(tmp_path / "dossiers", 8, drop_materials=True)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = _start(["bundle", str(dossiers), "--out", str(tmp_path / "bundles"), "--workers", "2"], tmp,
                     tmp_path / "out.txt")

    def bag_being_built() -> bool:  # a bag holds the forms and the whole dossier.json
        return any(True for _ in tmp.glob(f"fazhan-{os.getuid()}/run-*/fazhan-bag-*/**/dossier.json"))

    _wait_for(lambda: bag_being_built() and len(_children(process.pid)) == 2, "a bag in the making")
    assert process.poll() is None, "the bundles were finished before the run could be killed"
    _kill_and_check(process, _children(process.pid), tmp)


def test_kill_9_of_a_server_with_worker_processes_leaves_no_worker(tmp_path):
    import httpx
    from security_support import free_port

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT),
           "FAZHAN_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}"}
    with open(tmp_path / "server.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", "serve", "--port",
                                    str(port), "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=log)

    def answering() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait_for(lambda: len(_children(process.pid)) >= 2 and answering(), "the server's workers")
        workers = _children(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        _wait_for(lambda: not any(_alive(pid) for pid in workers), "the server's workers to die with it")
    finally:
        if process.poll() is None:
            process.kill()


def test_a_live_runs_directory_is_never_swept(tmp_path, monkeypatch):
    monkeypatch.setenv(scratch.ROOT_ENV, str(tmp_path / "scratch"))
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from workflow import scratch; "
                               "print(scratch.claim(), flush=True); sys.stdin.read()"], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        live = Path(holder.stdout.readline().strip())
        assert live.is_dir()
        assert scratch.sweep(tmp_path / "scratch") == [] and live.is_dir()
    finally:
        holder.stdin.close()
        holder.wait()
    assert not live.exists()  # a normal exit removes its own directory

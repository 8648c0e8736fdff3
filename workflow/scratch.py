"""A private directory for the temporary files of this process, swept of dead processes' files at start.

Bundles are assembled, uploads unpacked and PDFs rendered in temporary files that hold a person's
whole record. They go to `<temp>/fazhan-<uid>/run-<pid>-…` (mode 0700; `FAZHAN_SCRATCH_DIR` moves
the parent), never to the shared temporary directory. `claim()` points Python's `tempfile` (and
TMPDIR, for programs started from here) at the run directory, so every `TemporaryDirectory` and
`mkstemp` of the process and of the worker processes it forks lands there; a normal exit removes it.

A `kill -9` skips that clean-up, so each run directory holds an exclusive `flock` on its `.lock`
for as long as its process (or a worker it forked) lives; the kernel drops the lock when the last
of them dies, and the next `claim()` of any fazhan process removes every unlocked run directory.
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from pathlib import Path

ROOT_ENV = "FAZHAN_SCRATCH_DIR"
RUN_PREFIX = "run-"
LOCK_NAME = ".lock"
_state: dict = {}


def _private_root() -> Path | None:
    """The parent of the run directories, created 0700; None if an existing one is not ours alone."""
    configured = os.environ.get(ROOT_ENV)
    shared = Path(tempfile.gettempdir())
    name = f"fazhan-{os.getuid()}"
    if shared.name.startswith(RUN_PREFIX) and shared.parent.name == name:
        shared = shared.parent.parent  # TMPDIR inherited from a fazhan process: stay beside it, not inside
    base = Path(configured) if configured else shared / name
    try:
        base.mkdir(mode=0o700, parents=bool(configured), exist_ok=True)
        info = os.lstat(base)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None  # a symlink or a directory someone else can read: do not use it, do not sweep it
    return base


def _owner_alive(run: Path) -> bool:
    try:
        fd = os.open(run / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        # between mkdtemp and taking the lock, or never locked: judge by the pid in the name
        try:
            pid = int(run.name[len(RUN_PREFIX):].split("-", 1)[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            return False
        except PermissionError:
            return True
        return True
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def sweep(base: Path) -> list[Path]:
    """Removes the run directories of processes that are gone; returns what it removed."""
    removed = []
    for run in sorted(base.glob(f"{RUN_PREFIX}*")):
        if run.is_dir() and not run.is_symlink() and not _owner_alive(run):
            shutil.rmtree(run, ignore_errors=True)
            removed.append(run)
    return removed


def _release(pid: int) -> None:
    if _state.get("pid") != pid or os.getpid() != pid:
        return  # a forked child never removes its parent's directory
    shutil.rmtree(_state["dir"], ignore_errors=True)
    with contextlib.suppress(OSError):
        os.close(_state["fd"])
    if tempfile.tempdir == str(_state["dir"]):
        tempfile.tempdir = None
    if os.environ.get("TMPDIR") == str(_state["dir"]):
        if _state["environ"] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = _state["environ"]
    _state.clear()


def claim() -> Path:
    """This process's private temporary directory (made once per process), after sweeping dead ones."""
    pid = os.getpid()
    if _state.get("pid") == pid and Path(_state["dir"]).is_dir():
        return Path(_state["dir"])
    base = _private_root()
    if base is None:
        run = Path(tempfile.mkdtemp(prefix="fazhan-"))  # private (0700) though not swept
    else:
        sweep(base)
        run = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{pid}-", dir=base))
    fd = os.open(run / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _state.update(pid=pid, dir=str(run), fd=fd, environ=os.environ.get("TMPDIR"))
    tempfile.tempdir = str(run)
    os.environ["TMPDIR"] = str(run)  # and programs it starts (a linker probing for a library, a converter)
    atexit.register(_release, pid)
    return run

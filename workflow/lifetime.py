"""Worker processes that do not outlive the process that started them.

A pool's workers block on their queue forever once the parent is gone; after a `kill -9` of
`fazhan audit` they would stay, holding dossiers in memory. Each worker calls `die_with_parent`
first thing in its initializer: on Linux the kernel sends it SIGKILL when the parent dies
(prctl PR_SET_PDEATHSIG); elsewhere a daemon thread watches the parent's pid. The pid is checked
once more afterwards, in case the parent died before the request took effect.

PR_SET_PDEATHSIG follows the *thread* that forked the worker: pools must be used from the thread
that created them (ours are: the audit stream and the render pools live inside one call).
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def _watch(parent_pid: int) -> None:
    def run() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=run, name="fazhan-parent-watch", daemon=True).start()


def _kernel_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(parent_pid: int) -> None:
    """Makes this (worker) process end as soon as `parent_pid` does."""
    if not _kernel_signal():
        _watch(parent_pid)
    if os.getppid() != parent_pid:
        os._exit(1)


def die_with_spawning_parent() -> None:
    """In a process started by `multiprocessing` (uvicorn's `--workers`), dies with its parent; elsewhere
    does nothing. A `kill -9` of `fazhan serve --workers N` would otherwise leave N servers running."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        die_with_parent(parent.pid)

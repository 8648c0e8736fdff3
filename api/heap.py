"""The served process's garbage collector: long-lived objects out of the way of full collections.

A worker holds hundreds of thousands of objects that live as long as it does (modules, pydantic schemas,
rule sets and machines, the print font's character map, the process's caches), and CPython's full
collection walks all of them: under load that paused a worker for 100–200 ms every few seconds, which is
most of the slowest answers (bench/api_load.py, issue 13). `gc.freeze()` moves the objects alive at that
moment out of every later collection; it is done at startup and again after the first few full
collections, by when the first requests have loaded what serving needs. Objects freed by reference
counting are freed as before; only cyclic garbage that was alive at one of those few moments is kept.
"""
from __future__ import annotations

import gc

FREEZES_AFTER_START = 4


def settle() -> None:
    """Collects and freezes what startup built, and arranges the later freezes."""
    gc.collect()
    gc.freeze()
    remaining = [FREEZES_AFTER_START]

    def after_full_collection(phase: str, info: dict) -> None:
        if phase == "stop" and info.get("generation") == 2 and remaining[0] > 0:
            remaining[0] -= 1
            gc.freeze()
            if remaining[0] == 0:
                gc.callbacks.remove(after_full_collection)

    gc.callbacks.append(after_full_collection)

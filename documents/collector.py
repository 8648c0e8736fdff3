"""Python's cyclic garbage collector held off while a document is rendered, then run over what it made.

Why: laying out and writing a form allocates a few hundred thousand short-lived objects (boxes,
computed styles, PDF objects). CPython starts a young collection every 700 allocations, and every
tenth of those a middle one, and a full one (which walks every object of the process: WeasyPrint,
the rule sets, the modules) whenever enough has survived: about 15 % of a form's CPU, more in a
batch, whose laid-out documents stay alive until the batch is written and so are walked again and
again. Inside `paused()` the collector does not run; when the outermost pause ends it is turned
back on and one collection of the youngest generation, the objects made meanwhile, frees the
cycles they left (about 84,000 objects per bundle, since documents.pdf_tuning breaks WeasyPrint's
layout-context cycle; about 247,000 before). Objects freed by reference counting are freed
as before; the PDFs are the same, byte for byte.

The pause is process-wide (the collector is), counted so that overlapping pauses of several
threads end when the last one does, and it never turns on a collector that was off when the
first one began.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_STATE = {"depth": 0, "was_enabled": False}


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the duration; on exit of the outermost pause, back on (if it was) and the
    youngest generation collected."""
    with _LOCK:
        if _STATE["depth"] == 0:
            _STATE["was_enabled"] = gc.isenabled()
            gc.disable()
        _STATE["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _STATE["depth"] -= 1
            resume = _STATE["depth"] == 0 and _STATE["was_enabled"]
            if resume:
                gc.enable()
        if resume:
            gc.collect(0)


def depth() -> int:
    """How many pauses are open (tests)."""
    return _STATE["depth"]

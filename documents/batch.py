"""Many forms or many bundles on all cores: worker processes, each with its own WeasyPrint state.

WeasyPrint is not shared between threads, so work goes to processes; each worker loads fonts and
the stylesheet once (initialiser) and is reused for every job. Inputs are validated in the parent
before any job starts, so one bad dossier refuses the run instead of leaving half of it written.
"""
from __future__ import annotations

import datetime as dt
import gc
import os
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from documents.atomic import ensure_output_dir
from documents.bundle import BundleResult, build_bundle
from documents.pdf import warm_up
from workflow import scratch
from workflow.dossier import Dossier, load_dossier_file
from workflow.errors import FazhanError
from workflow.lifetime import die_with_parent


def default_workers() -> int:
    return os.cpu_count() or 1


def _init_worker(parent_pid: int) -> None:
    """Dies with the parent (no orphaned renderer after a `kill -9`), then loads fonts and styles and
    freezes them out of the collector's way: a render makes many short-lived objects, and each full
    collection would otherwise walk WeasyPrint, the rule sets and the modules again (as api/heap.py
    does for the served process)."""
    die_with_parent(parent_pid)
    warm_up()
    gc.freeze()


def make_executor(workers: int | None = None) -> ProcessPoolExecutor:
    """A render pool whose workers write their temporary files in this process's private directory
    (workflow.scratch) and die with it. Use it from the thread that made it (see workflow.lifetime)."""
    scratch.claim()
    return ProcessPoolExecutor(max_workers=workers or default_workers(), initializer=_init_worker,
                               initargs=(os.getpid(),))


@dataclass(frozen=True)
class Source:
    path: Path
    dossier: Dossier


def load_sources(paths: list[str | os.PathLike]) -> list[Source]:
    """Parses every dossier file (a directory means every *.json below it) first; the first invalid one raises (nothing has been written yet)."""
    from workflow.inputs import expand
    return [Source(Path(p), load_dossier_file(p)) for p in expand([str(p) for p in paths])]


def _bundle_job(args: tuple) -> BundleResult | dict:
    """Runs in a worker; an expected failure comes back as its dict (exceptions lose fields in pickling)."""
    dossier, out_dir, base_dir, final, today = args
    try:
        return build_bundle(dossier, out_dir, base_dir=base_dir, final=final, today=today)
    except FazhanError as exc:
        return {"error": exc.to_dict(), "type": type(exc).__name__}


def _revive(value: BundleResult | dict) -> BundleResult | FazhanError:
    if isinstance(value, BundleResult):
        return value
    data = value["error"]
    error = FazhanError(data["message"], code=data["code"], file=data.get("file"), path=data.get("path"),
                        field=data.get("field"), details=data.get("details"))
    return error


def bundle_sources(sources: list[Source], out_dir: str | os.PathLike, *, workers: int | None = None,
                   final: bool = False, today: dt.date | None = None,
                   on_done: Callable[[Source, BundleResult | FazhanError], None] | None = None,
                   executor: Executor | None = None) -> list[BundleResult | FazhanError]:
    """Builds one bundle per dossier. One dossier: its forms render in parallel; several: one
    dossier per worker. Per-dossier failures (e.g. ARCHIVE_INCOMPLETE) are returned, not raised."""
    out = ensure_output_dir(out_dir)
    scratch.claim()  # bags are assembled in temporary directories: keep them private and swept
    workers = workers or default_workers()
    results: dict[int, BundleResult | FazhanError] = {}
    own = executor is None and workers > 1
    pool = make_executor(workers) if own else executor
    try:
        if len(sources) == 1 or pool is None:
            for i, source in enumerate(sources):
                try:
                    results[i] = build_bundle(source.dossier, out, base_dir=source.path.parent, final=final,
                                              executor=pool, today=today)
                except FazhanError as exc:
                    results[i] = exc
                if on_done:
                    on_done(source, results[i])
        else:
            futures = {pool.submit(_bundle_job, (s.dossier, out, s.path.parent, final, today)): i
                       for i, s in enumerate(sources)}
            for future in as_completed(futures):
                i = futures[future]
                results[i] = _revive(future.result())
                if on_done:
                    on_done(sources[i], results[i])
    except BaseException:
        if own and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            own = False
        raise
    finally:
        if own and pool is not None:
            pool.shutdown(wait=True)
    return [results[i] for i in range(len(sources))]

"""Audit at scale: load N generated dossiers into PostgreSQL, then audit them all from the database.

Prints the load time, the audit throughput end to end (rows streamed from PostgreSQL, parsed and
audited in worker processes, `audit/1` written out), and the resident memory of the reader and of
each worker at checkpoints, so that "flat in the number of dossiers" can be seen, not assumed.
Target (issue 5, 13): 1,000,000 dossiers, at least 10,000 dossiers/s end to end on 2 cores, memory flat.

The machine is shared, so besides the wall-clock rate it prints the CPU each dossier cost: the reader
process, the worker processes and the PostgreSQL backend that streamed the rows. "On 2 cores" is
then 2 / (CPU per dossier), as long as the reader and its backend (one process each, serial) keep up.
With `--baseline REV` the same audit runs first with that revision (a temporary git worktree, the
same Python, the same loaded schema), then with this tree, and the ratios are printed.

Usage: python bench/audit_scale.py [--count 1000000] [--workers 2] [--keep] [--baseline e95f28d]
Runs in its own PostgreSQL schema (FAZHAN_DATABASE_URL, default the local `test` database) and drops it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))

import psycopg
from sqlalchemy import create_engine, text

DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
BRANCHES = 20


def rss_mib(pid: int | str = "self", field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS), or its peak since the process started or exec'd (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_rss(field: str = "VmRSS") -> list[float]:
    me = os.getpid()
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().split()[3]) == me:
                    out.append(rss_mib(entry.name, field))
            except (OSError, ValueError):
                continue
    return sorted(out)


def make_organisations(engine) -> tuple[int, list[int]]:
    from workflow.store import admin
    from workflow.store.repository import UnitOfWork

    with UnitOfWork(engine) as uow:
        root = admin.create_organisation(uow, None, name="压测党委", level="committee", parent_id=None)["id"]
    branches = []
    for n in range(BRANCHES):
        with UnitOfWork(engine) as uow:
            overlay = "example-university" if n % 4 == 0 else None
            branches.append(admin.create_organisation(uow, None, name=f"压测支部{n}", level="branch", parent_id=root,
                                                      overlay=overlay)["id"])
    return root, branches


def load(url: str, schema: str, count: int, root: int, branches: list[int]) -> float:
    from bench.generate import base_cases, variants

    started = time.perf_counter()
    bases = base_cases()
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    now = dt.datetime.now(dt.UTC).isoformat()
    with psycopg.connect(conninfo, options=f"-csearch_path={schema}") as conn:
        with conn.cursor() as cur, cur.copy(
                "COPY dossier (id, organisation_id, root_organisation_id, person_name, birth_date, state, version,"
                " head_hash, snapshot, created_at) FROM STDIN") as copy:
            done = 0
            while done < count:
                chunk = variants(bases, min(10000, count - done), seed=done + 1)
                for k, document in enumerate(chunk):
                    n = done + k
                    document["id"] = f"S{n:08d}"
                    document["person"]["name"] = f"压测{n}"
                    copy.write_row((document["id"], branches[n % len(branches)], root, document["person"]["name"],
                                    document["person"]["birth_date"], "imported", 1, "0" * 64,
                                    json.dumps(document, ensure_ascii=False, separators=(",", ":")), now))
                done += len(chunk)
                print(f"  loaded {done:,} of {count:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        conn.commit()
    return time.perf_counter() - started


APP = "fazhan-bench-audit-scale"


def backend_cpu(engine) -> float:
    """CPU seconds used so far by the PostgreSQL backends of this benchmark's audit connections."""
    total = 0.0
    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :app"),
                            {"app": APP}).scalars().all()
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return total


def audit(url: str, schema: str, root: int, workers: int) -> dict:
    """The audit from the database, as `fazhan audit --organisation` runs it (imports from whichever
    tree is first on sys.path: this one, or a baseline revision's)."""
    from bench.generate import AS_OF
    from workflow.audit_stream import AuditWriter, audit_sources
    from workflow.store.db import make_engine
    from workflow.store.scan import count_subtree, subtree_sources

    engine = make_engine(url + ("&" if "?" in url else "?") + f"application_name={APP}", schema=schema)
    total = count_subtree(engine, root)
    checkpoints = {int(total * f) for f in (0.1, 0.5, 0.9)}
    server_before = backend_cpu(engine)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu = time.perf_counter(), time.process_time()
    rss_seen, workers_peak = [], 0.0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        writer = AuditWriter(sink, AS_OF)
        for i, result in enumerate(audit_sources(subtree_sources(engine, root), AS_OF, workers=workers), 1):
            writer.add(result)
            if i in checkpoints:
                rate = i / (time.perf_counter() - started)
                rss_seen.append((rss_mib(), children_rss()))
                workers_peak = max(children_rss("VmHWM"), default=0.0)
                print(f"  {i:>9,} audited, {rate:,.0f}/s; RSS reader {rss_mib():.0f} MiB, workers "
                      f"{', '.join(f'{r:.0f}' for r in children_rss())} MiB", file=sys.stderr, flush=True)
            if i == total:
                server = backend_cpu(engine) - server_before  # before the pool's connections close
        summary = writer.close()
    elapsed = time.perf_counter() - started
    reader = time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    engine.dispose()
    return {"dossiers": summary["dossiers"], "seconds": elapsed, "reader_cpu": reader, "worker_cpu": worker_cpu,
            "server_cpu": server if total else 0.0, "with_violations": summary["with_violations"],
            "by_code": summary["by_code"], "reader_peak_mib": rss_mib("self", "VmHWM"),
            "worker_peak_mib": workers_peak if checkpoints else 0.0, "rss_seen": rss_seen}


def audit_in(tree: Path, url: str, schema: str, root: int, workers: int) -> dict:
    """`audit` run in a fresh process with `tree`'s packages first on the path."""
    code = (f"import sys, json, importlib.util; sys.path.insert(0, {str(tree)!r}); "
            f"spec = importlib.util.spec_from_file_location('scale', {str(Path(__file__).resolve())!r}); "
            f"bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench); "
            f"print(json.dumps(bench.audit({url!r}, {schema!r}, {root}, {workers})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(name: str, run: dict, workers: int, before: dict | None = None) -> None:
    n = run["dossiers"]
    rate = n / run["seconds"]
    per = {k: run[k] / n * 1e6 for k in ("reader_cpu", "worker_cpu", "server_cpu")}
    total = sum(per.values())
    serial = per["reader_cpu"] + per["server_cpu"]
    on_two = min(2e6 / total, 1e6 / max(per["reader_cpu"], per["server_cpu"], per["worker_cpu"] / workers))
    print(f"{name}: {n:,} dossiers in {run['seconds']:.1f} s wall → {rate:,.0f}/s end to end on this shared machine")
    print(f"  CPU per dossier: reader {per['reader_cpu']:.0f} µs, workers {per['worker_cpu']:.0f} µs, "
          f"PostgreSQL backend {per['server_cpu']:.0f} µs; total {total:.0f} µs")
    print(f"  on 2 cores of its own: {on_two:,.0f} dossiers/s (2 cores / total CPU, capped by the busiest process; "
          f"reader + backend {serial:.0f} µs); target 10,000/s: {on_two / 10000:.2f} of it")
    print(f"  peak RSS (VmHWM): reader {run['reader_peak_mib']:.0f} MiB, workers {run['worker_peak_mib']:.0f} MiB; now "
          f"at 10/50/90 %: " + "; ".join(f"{r:.0f} / {', '.join(f'{w:.0f}' for w in ws)}" for r, ws in run["rss_seen"]))
    if before:
        b_total = sum(before[k] for k in ("reader_cpu", "worker_cpu", "server_cpu")) / before["dossiers"] * 1e6
        print(f"  ratio to the baseline: wall rate {rate / (before['dossiers'] / before['seconds']):.2f}, "
              f"CPU per dossier {b_total / total:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    parser.add_argument("--baseline", help="a git revision to audit the same rows with first, e.g. the previous main")
    args = parser.parse_args()
    from workflow.store.db import make_engine, migrate

    url = os.environ.get("FAZHAN_DATABASE_URL", DEFAULT_URL)
    schema = f"bench_scale_{uuid.uuid4().hex[:8]}"
    admin_engine = create_engine(url)
    with admin_engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            migrate(url, schema=schema)
            engine = make_engine(url, schema=schema)
            root, branches = make_organisations(engine)
            engine.dispose()
            print(f"loading {args.count:,} dossiers into schema {schema} …", flush=True)
            seconds = load(url, schema, args.count, root, branches)
            print(f"load: {args.count:,} dossiers in {seconds:.0f} s ({args.count / seconds:,.0f}/s, COPY)", flush=True)
            with admin_engine.begin() as conn:
                conn.execute(text(f'ANALYZE "{schema}".dossier'))
                size = conn.execute(text(f"SELECT pg_size_pretty(pg_total_relation_size('\"{schema}\".dossier'))")).scalar()
            print(f"table size: {size}; auditing with {args.workers} worker processes …", flush=True)
            before = None
            if args.baseline:
                tree = Path(tmp) / "baseline"
                subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.baseline], cwd=ROOT, check=True,
                               capture_output=True)
                try:
                    before = audit_in(tree, url, schema, root, args.workers)
                finally:
                    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
                report(f"baseline {args.baseline}", before, args.workers)
            now = audit_in(ROOT, url, schema, root, args.workers)
            report("this tree", now, args.workers, before)
            if before:
                same = (before["by_code"], before["with_violations"]) == (now["by_code"], now["with_violations"])
                print(f"same findings by code as the baseline: {'yes' if same else 'NO'}")
            print(f"with violations: {now['with_violations']:,}; codes: {now['by_code']}")
        finally:
            if not args.keep:
                with admin_engine.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin_engine.dispose()


if __name__ == "__main__":
    main()

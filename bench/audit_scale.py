"""Audit at scale: load N generated dossiers into PostgreSQL, then audit them all from the database.

Prints the load time, the audit throughput end to end (rows streamed from PostgreSQL, parsed and
audited in worker processes, `audit/1` written out), and the resident memory of the reader and of
each worker at checkpoints, so that "flat in the number of dossiers" can be seen, not assumed.
Target (issue 5): 1,000,000 dossiers, at least 10,000 dossiers/s end to end, memory flat.

Usage: python bench/audit_scale.py [--count 1000000] [--workers 2] [--keep]
Runs in its own PostgreSQL schema (FAZHAN_DATABASE_URL, default the local `test` database) and drops it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.generate import AS_OF, base_cases, variants  # noqa: E402
from workflow.audit_stream import AuditWriter, audit_sources  # noqa: E402
from workflow.store import admin  # noqa: E402
from workflow.store.db import make_engine, migrate  # noqa: E402
from workflow.store.repository import UnitOfWork  # noqa: E402
from workflow.store.scan import count_subtree, subtree_sources  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
BRANCHES = 20


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_rss() -> list[float]:
    me = os.getpid()
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().split()[3]) == me:
                    out.append(rss_mib(entry.name))
            except (OSError, ValueError):
                continue
    return sorted(out)


def make_organisations(engine) -> tuple[int, list[int]]:
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
    started = time.perf_counter()
    bases = base_cases()
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    now = dt.datetime.now(dt.timezone.utc).isoformat()
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


def audit(engine, root: int, workers: int) -> None:
    total = count_subtree(engine, root)
    checkpoints = {int(total * f) for f in (0.1, 0.5, 0.9)}
    started, cpu = time.perf_counter(), time.process_time()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        writer = AuditWriter(sink, AS_OF)
        for i, result in enumerate(audit_sources(subtree_sources(engine, root), AS_OF, workers=workers), 1):
            writer.add(result)
            if i in checkpoints:
                rate = i / (time.perf_counter() - started)
                print(f"  {i:>9,} audited, {rate:,.0f}/s; RSS reader {rss_mib():.0f} MiB, workers "
                      f"{', '.join(f'{r:.0f}' for r in children_rss())} MiB", flush=True)
        summary = writer.close()
    elapsed = time.perf_counter() - started
    print(f"audit: {summary['dossiers']:,} dossiers in {elapsed:.1f} s → {summary['dossiers'] / elapsed:,.0f} dossiers/s "
          f"end to end (ratio to the 10,000/s target: {summary['dossiers'] / elapsed / 10000:.2f}); "
          f"reader CPU {time.process_time() - cpu:.0f} s")
    print(f"with violations: {summary['with_violations']:,}; codes: {summary['by_code']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    args = parser.parse_args()
    url = os.environ.get("FAZHAN_DATABASE_URL", DEFAULT_URL)
    schema = f"bench_scale_{uuid.uuid4().hex[:8]}"
    admin_engine = create_engine(url)
    with admin_engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        migrate(url, schema=schema)
        engine = make_engine(url, schema=schema)
        root, branches = make_organisations(engine)
        print(f"loading {args.count:,} dossiers into schema {schema} …", flush=True)
        seconds = load(url, schema, args.count, root, branches)
        print(f"load: {args.count:,} dossiers in {seconds:.0f} s ({args.count / seconds:,.0f}/s, COPY)", flush=True)
        with admin_engine.begin() as conn:
            conn.execute(text(f'ANALYZE "{schema}".dossier'))
            size = conn.execute(text(f"SELECT pg_size_pretty(pg_total_relation_size('\"{schema}\".dossier'))")).scalar()
        print(f"table size: {size}; auditing with {args.workers} worker processes …", flush=True)
        audit(engine, root, args.workers)
        engine.dispose()
    finally:
        if not args.keep:
            with admin_engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


if __name__ == "__main__":
    main()

"""Load benchmark: N concurrent clients record and review steps over HTTP; prints throughput and latency.

Starts `uvicorn api.app:create_app` on 127.0.0.1 against FAZHAN_DATABASE_URL (default: the local
PostgreSQL `test` database, in a schema of its own that is dropped afterwards), seeds one organisation tree, a recorder and a reviewer through the
service layer, gives each client its own dossiers, then has every client walk the full case
(record step i, review step i) a bounded number of times. Run:

    .venv/bin/python bench/api_load.py --clients 50 --dossiers 2 --workers 2
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workflow.store import admin, services  # noqa: E402
from workflow.store.access import Actor  # noqa: E402
from workflow.store.db import make_engine, migrate  # noqa: E402
from workflow.store.demo import FULL_CASE_FACTS, FULL_CASE_STEPS  # noqa: E402
from workflow.store.repository import UnitOfWork  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
PASSWORD = "bench-password-1"


def seed(url: str, clients: int, dossiers: int, schema: str) -> tuple[str, str, list[str]]:
    migrate(url, schema=schema)
    engine = make_engine(url, schema=schema)
    run = uuid.uuid4().hex[:8]
    with UnitOfWork(engine) as uow:
        root = admin.create_organisation(uow, None, name=f"压测党委{run}", level="committee", parent_id=None)["id"]
    with UnitOfWork(engine) as uow:
        branch = admin.create_organisation(uow, None, name="压测支部", level="branch", parent_id=root)["id"]
    recorder, reviewer = f"rec{run}", f"rev{run}"
    for login, name, grant in ((recorder, f"记录人{run}", (branch, "organiser")), (reviewer, f"审核人{run}", (root, "reviewer"))):
        with UnitOfWork(engine) as uow:
            admin.create_user(uow, None, login=login, display_name=name, password=PASSWORD, grants=[grant])
    actor = Actor(user_id=None, login="bench", name=f"记录人{run}", grants=((branch, "organiser"),))
    ids = []
    for n in range(clients * dossiers):
        with UnitOfWork(engine) as uow:
            ids.append(services.create_dossier(uow, actor, branch, {"name": f"压测{n}", "birth_date": "2000-01-01"},
                                               track_materials=False)["id"])
        for facts in FULL_CASE_FACTS.values():
            for key, item in facts:
                with UnitOfWork(engine) as uow:
                    services.add_fact(uow, actor, ids[-1], key, item)
    engine.dispose()
    return recorder, reviewer, ids


async def login(client: httpx.AsyncClient, who: str) -> dict:
    answer = await client.post("/api/auth/login", data={"username": who, "password": PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def walk(client, rec, rev, dossier: str, steps: int, latencies: list, errors: list) -> int:
    recorded = 0
    for index, entry in enumerate(FULL_CASE_STEPS[:steps]):
        for headers, path, body in ((rec, f"/api/dossiers/{dossier}/steps", entry),
                                    (rev, f"/api/dossiers/{dossier}/steps/{index}/review", None)):
            started = time.perf_counter()
            answer = await client.post(path, json=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if answer.status_code >= 300:
                errors.append((answer.status_code, answer.text[:120]))
                return recorded
        recorded += 1
    return recorded


async def run_clients(base: str, recorder: str, reviewer: str, ids: list[str], clients: int, steps: int) -> None:
    # expire idle connections before uvicorn's 5 s keep-alive does, or a reused one can be closed under us
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=3)
    # TCP_NODELAY: the client writes headers and body separately; without it Nagle waits for the server's
    # delayed ACK and every request gains a flat ~40 ms that is the load generator's, not the server's
    transport = httpx.AsyncHTTPTransport(limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=60) as client:
        rec, rev = await login(client, recorder), await login(client, reviewer)
        latencies: list[float] = []
        errors: list = []

        async def one(k: int) -> int:
            return sum([await walk(client, rec, rev, d, steps, latencies, errors) for d in ids[k::clients]])

        started = time.perf_counter()
        recorded = sum(await asyncio.gather(*(one(k) for k in range(clients))))
        elapsed = time.perf_counter() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"clients {clients}, dossiers {len(ids)}, requests {len(latencies)}, errors {len(errors)}"
          + (f" (first: {errors[0]})" if errors else ""))
    print(f"elapsed {elapsed:.2f} s; recorded steps {recorded} → {recorded / elapsed:.0f} steps/s; "
          f"requests {len(latencies) / elapsed:.0f}/s")
    print(f"latency ms: p50 {p(0.50):.1f}  p90 {p(0.90):.1f}  p99 {p(0.99):.1f}  max {latencies[-1] * 1000:.1f}  "
          f"mean {statistics.fmean(latencies) * 1000:.1f}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--dossiers", type=int, default=2, help="dossiers per client")
    parser.add_argument("--steps", type=int, default=len(FULL_CASE_STEPS), help="steps per dossier (≤ 25)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    url = os.environ.get("FAZHAN_DATABASE_URL", DEFAULT_URL)
    schema = f"bench_api_{uuid.uuid4().hex[:8]}"  # its own schema, dropped at the end: runs never pile up
    admin_engine = create_engine(url)
    with admin_engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        run(url, schema, args)
    finally:
        with admin_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


def run(url: str, schema: str, args) -> None:
    recorder, reviewer, ids = seed(url, args.clients, args.dossiers, schema)
    port = free_port()
    server_url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    env = {**os.environ, "FAZHAN_DATABASE_URL": server_url,
           "FAZHAN_DB_POOL_SIZE": str(max(5, args.clients // args.workers))}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", str(args.workers), "--log-level", "warning",
                               "--http", "api.server:NoDelayH11Protocol"],
                              cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        asyncio.run(run_clients(base, recorder, reviewer, ids, args.clients, min(args.steps, len(FULL_CASE_STEPS))))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

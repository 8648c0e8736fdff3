"""Load benchmark: N concurrent clients record and review steps over HTTP; prints throughput, latency
and where the CPU went (issue 13: at least 200 recorded+reviewed steps/s at 50 clients, p99 < 250 ms).

For each client count it makes a PostgreSQL schema of its own (dropped afterwards), seeds one
organisation tree, a recorder and a reviewer and the dossiers through the service layer of the tree
under test, starts `uvicorn api.app:create_app` from that tree, signs both users in, then has every
client walk its dossiers through the full case (record step i, review step i). The timed part is the
walk only. With `--baseline REV` the same load is run against that revision (exported with
`git archive` into a temporary folder, run by the same Python) and the ratio is printed.

Before the timed walk a few whole cases are walked untimed (every worker loads what each kind of step
needs once), and the load generator freezes its own heap (its full collections would show as the
server's latency). Each client has one keep-alive connection of a lean HTTP/1.1 client: httpx costs the
shared cores 4 ms of CPU per step at 50 clients, the lean one 0.1 ms (`--client httpx` shows it).

CPU is read from /proc while the walk runs: the server (uvicorn and its workers), the PostgreSQL
backends serving it (found by `application_name`; a backend that exits during the walk is not counted),
PostgreSQL's background processes, the load generator (this process) and the whole machine; "everything
else" is what other programs on the machine used meanwhile. Everything shares the same cores, so the
figures say what each part costs per step and what a separate database machine or more cores would
give ("CPU-bound ceilings"). Run:

    .venv/bin/python bench/api_load.py --clients 1,10,50 --dossiers 2 --workers 1 [--baseline e95f28d]
    .venv/bin/python bench/api_load.py --clients 50 --workers 1,2,3,4   # the worker sweep
    .venv/bin/python bench/api_load.py --clients 50 --profile /tmp/prof   # py-spy on the server workers
    .venv/bin/python bench/api_load.py --clients 50 --timeline /tmp/t.tsv   # every request: start, ms, dossier
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
PASSWORD = "bench-password-1"
TICK = os.sysconf("SC_CLK_TCK")
TIMELINE: list | None = None  # (start, seconds, dossier, route) of every timed request (--timeline)
WARM_UP = 4  # dossiers walked per worker process before the timed walk, on as many connections

# Runs inside the tree under test (its own service layer and migrations): prints the seeded names as JSON.
SEED = r"""
import json, sys, uuid
try:
    from workflow.service_layer import dossiers, steps
except ImportError:  # a revision from before the service layer (issue 14)
    from workflow.store import services as dossiers
    steps = dossiers
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.db import make_engine, migrate
from workflow.service_layer.demo import FULL_CASE_FACTS
from workflow.store.repository import UnitOfWork

url, schema, count, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
migrate(url, schema=schema)
engine = make_engine(url, schema=schema)
run = uuid.uuid4().hex[:8]
with UnitOfWork(engine) as uow:
    root = admin.create_organisation(uow, None, name=f"压测党委{run}", level="committee", parent_id=None)["id"]
with UnitOfWork(engine) as uow:
    branch = admin.create_organisation(uow, None, name="压测支部", level="branch", parent_id=root)["id"]
recorder, reviewer = f"rec{run}", f"rev{run}"
for login, name, grant in ((recorder, f"记录人{run}", (branch, "organiser")),
                           (reviewer, f"审核人{run}", (root, "reviewer"))):
    with UnitOfWork(engine) as uow:
        admin.create_user(uow, None, login=login, display_name=name, password=password, grants=[grant])
actor = Actor(user_id=None, login="bench", name=f"记录人{run}", grants=((branch, "organiser"),))
ids = []
for n in range(count):
    with UnitOfWork(engine) as uow:
        ids.append(dossiers.create_dossier(uow, actor, branch, {"name": f"压测{n}", "birth_date": "2000-01-01"},
                                           track_materials=False)["id"])
    for facts in FULL_CASE_FACTS.values():
        for key, item in facts:
            with UnitOfWork(engine) as uow:
                steps.add_fact(uow, actor, ids[-1], key, item)
engine.dispose()
print(json.dumps({"recorder": recorder, "reviewer": reviewer, "ids": ids}))
"""


# ---------------------------------------------------------------- CPU accounting from /proc

def _stat(pid: int | str) -> tuple[str, int, float, float] | None:
    """(command, parent pid, own CPU s, reaped children's CPU s) of a process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    own, reaped = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
    return command, int(fields[1]), own / TICK, reaped / TICK


def _processes() -> dict[int, tuple[str, int, float, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(entry)) is not None:
            out[int(entry)] = stat
    return out


def _machine_busy() -> float:
    """CPU seconds every core spent outside idle and iowait since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICK


def cpu_sample(server_pid: int, backends: set[int]) -> dict[str, float]:
    """CPU seconds so far of the server (uvicorn and its workers), the database backends serving it
    (by pid; other sessions on the same PostgreSQL are not counted), PostgreSQL's own background
    processes (WAL writer, checkpointer: work every write causes), this process and the whole machine."""
    procs = _processes()
    server = {server_pid} | {pid for pid, s in procs.items() if s[1] == server_pid}
    postgres = {pid for pid, s in procs.items() if s[0] == "postgres" or s[0].startswith("postgres:")}
    postmaster = {pid for pid in postgres if procs[pid][1] not in postgres}
    background = {pid for pid in postgres if pid in postmaster or "background" in _cmdline(pid)
                  or any(word in _cmdline(pid) for word in ("walwriter", "checkpointer", "autovacuum", "logger",
                                                              "stats", "logical replication"))}
    own = os.times()
    return {"server": sum(procs[p][2] for p in server if p in procs),
            "database": {p: procs[p][2] for p in backends if p in procs},
            "database background": sum(procs[p][2] for p in background),
            "load generator": own.user + own.system,
            "machine": _machine_busy()}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def backend_pids(url: str, application: str) -> set[int]:
    """The PostgreSQL backends whose connections say `application_name` = `application`."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :a"),
                                    {"a": application}).scalars())
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the load

async def login(client, who: str) -> dict:
    answer = await client.post("/api/auth/login", data={"username": who, "password": PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


class RawConnection:
    """One keep-alive HTTP/1.1 connection, as lean as a client can be: the load generator shares the
    cores with the server, and httpx spends 1–4 ms of CPU per request (more with many connections in
    one pool), which would be taken from the server it is measuring. `--client httpx` compares."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def post(self, path: str, body: bytes, headers: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self._open()
        self.writer.write(b"POST %s HTTP/1.1\r\nHost: %s\r\n%sContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s"
                          % (path.encode(), self.host.encode(), headers, len(body), body))
        head = (await self.reader.readuntil(b"\r\n\r\n")).lower()
        status = int(head[9:12])
        at = head.find(b"content-length:")
        if at < 0:
            raise RuntimeError("answer without Content-Length")
        length = int(head[at + 15:head.index(b"\r\n", at)])
        answer = await self.reader.readexactly(length)
        if b"connection: close" in head:
            self.writer.close()
            self.writer = None
        return status, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def walk(post, rec, rev, dossier: str, steps: list[dict], latencies: list, errors: list,
               timeline: list | None = None) -> int:
    recorded = 0
    for index, entry in enumerate(steps):
        for headers, path, body in ((rec, f"/api/dossiers/{dossier}/steps", json.dumps(entry).encode()),
                                    (rev, f"/api/dossiers/{dossier}/steps/{index}/review", b"null")):
            started = time.perf_counter()
            status, text = await post(path, body, headers)
            latencies.append(time.perf_counter() - started)
            if timeline is not None:
                timeline.append((started, latencies[-1], dossier, path.rsplit("/", 1)[-1]))
            if status >= 300:
                errors.append((status, text[:160].decode("utf-8", "replace")))
                return recorded
        recorded += 1
    return recorded


@dataclass
class Result:
    clients: int
    workers: int
    steps: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.steps / self.elapsed if self.elapsed else 0.0

    def p(self, q: float) -> float:
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


async def run_clients(base: str, seeded: dict, clients: int, steps: list[dict], server_pid: int,
                      result: Result, kind: str, url: str, application: str, warm_up: int,
                      warmed=lambda: None) -> None:
    import httpx

    # expire idle connections before uvicorn's 5 s keep-alive does, or a reused one can be closed under us
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=3)
    # TCP_NODELAY: the client writes headers and body separately; without it Nagle waits for the server's
    # delayed ACK and every request gains a flat ~40 ms that is the load generator's, not the server's
    transport = httpx.AsyncHTTPTransport(limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=60) as client:
        rec, rev = await login(client, seeded["recorder"]), await login(client, seeded["reviewer"])
        ids = seeded["ids"]
        host, port = base.removeprefix("http://").split(":")
        raw = [RawConnection(host, int(port)) for _ in range(max(clients, warm_up))]

        def poster(k: int):
            if kind == "raw":
                return raw[k].post

            async def post(path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
                answer = await client.post(path, content=body, headers={**headers, "Content-Type": "application/json"})
                return answer.status_code, answer.content
            return post

        def header_form(h: dict):
            return "".join(f"{k}: {v}\r\n" for k, v in h.items()).encode() if kind == "raw" else h

        async def one(k: int, ids: list[str], latencies: list, errors: list) -> int:
            return sum([await walk(poster(k), header_form(rec), header_form(rev), d, steps, latencies, errors,
                                   TIMELINE) for d in ids[k::clients]])

        # warm-up, not timed: whole cases on a few connections, so that every worker has imported and
        # loaded what each kind of step needs once (the print font, the rule sets) and filled its caches
        warm, ids = ids[:warm_up], ids[warm_up:]
        warm_errors: list = []
        await asyncio.gather(*(walk(poster(k), header_form(rec), header_form(rev), d, steps, [], warm_errors)
                               for k, d in enumerate(warm)))
        if warm_errors:
            raise RuntimeError(f"warm-up failed: {warm_errors[0]}")
        warmed()
        gc.collect()
        gc.freeze()  # the load generator's own full collections would show as the server's latency
        before = cpu_sample(server_pid, backend_pids(url, application))
        started = time.perf_counter()
        result.steps = sum(await asyncio.gather(*(one(k, ids, result.latencies, result.errors)
                                                  for k in range(clients))))
        result.elapsed = time.perf_counter() - started
        after = cpu_sample(server_pid, backend_pids(url, application))
        for connection in raw:
            connection.close()
    result.cpu = {k: after[k] - before[k] for k in before if k != "database"}
    # a backend that connected during the walk counts from its start
    result.cpu["database"] = sum(cpu - before["database"].get(pid, 0.0) for pid, cpu in after["database"].items())


# ---------------------------------------------------------------- one run against one tree

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(tree: Path, url: str, clients: int, dossiers: int, steps: list[dict], workers: int,
            profile: Path | None, kind: str = "raw") -> Result:
    from sqlalchemy import create_engine, text

    schema = f"bench_api_{uuid.uuid4().hex[:8]}"  # its own schema, dropped at the end: runs never pile up
    admin_engine = create_engine(url)
    with admin_engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    keydir = tempfile.mkdtemp(prefix="fazhan-bench-keys-")
    env = {**os.environ, "FAZHAN_CHAIN_KEY_FILE": str(Path(keydir) / "chain.keys"),
           "PYTHONPATH": os.pathsep.join(filter(None, (str(tree), os.environ.get("PYTHONPATH"))))}
    result = Result(clients, workers)
    try:
        count = clients * dossiers + WARM_UP * workers
        seeded = json.loads(subprocess.run([sys.executable, "-c", SEED, url, schema, str(count), PASSWORD],
                                           cwd=tree, env=env, check=True, capture_output=True, text=True).stdout)
        port = free_port()
        application = f"fazhan-bench-{schema}"  # names the server's backends, for their CPU
        server_url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}&application_name={application}"
        server_env = {**env, "FAZHAN_DATABASE_URL": server_url,
                      "FAZHAN_DB_POOL_SIZE": str(max(12, clients // workers))}
        # the tree's own choice of HTTP protocol (older trees: h11 with TCP_NODELAY)
        http = subprocess.run([sys.executable, "-c", "import api.server as s; print(getattr(s, 'PROTOCOL', "
                               "'api.server:NoDelayH11Protocol'))"], cwd=tree, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()
        loop = "uvloop" if "uvloop" in (tree / "pyproject.toml").read_text(encoding="utf-8") else "asyncio"
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host",
                                   "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level",
                                   "warning", "--http", http, "--loop", loop],
                                  cwd=tree, env=server_env)
        spies: list = []
        try:
            import httpx

            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            spies: list = []

            def start_profile() -> None:  # after the warm-up: the profile shows the timed walk only
                if profile is not None:
                    spies.append(subprocess.Popen(
                        [str(Path(sys.executable).parent / "py-spy"), "record", "--subprocesses", "--nonblocking",
                         "--gil", "--format", "raw", "--rate", "1000", "-o", str(profile), "--pid", str(server.pid)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                    time.sleep(1.0)

            asyncio.run(run_clients(base, seeded, clients, steps, server.pid, result, kind, url, application,
                                    WARM_UP * workers, start_profile))
        finally:
            for spy in spies:
                spy.send_signal(2)
                spy.wait(timeout=60)
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(keydir, ignore_errors=True)
        with admin_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()
    return result


def export_revision(rev: str, into: Path) -> Path:
    """The revision's files in a folder (git archive: nothing in the repository changes)."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


# ---------------------------------------------------------------- report

def describe(label: str, r: Result) -> list[str]:
    n = max(r.steps, 1)
    requests = len(r.latencies)
    lines = [f"[{label}] clients {r.clients}, workers {r.workers}: {r.steps} steps ({requests} requests) in "
             f"{r.elapsed:.2f} s → {r.rate:.0f} steps/s, {requests / r.elapsed if r.elapsed else 0:.0f} requests/s; "
             f"errors {len(r.errors)}" + (f" (first: {r.errors[0]})" if r.errors else ""),
             f"    latency ms: p50 {r.p(0.50):.1f}  p90 {r.p(0.90):.1f}  p99 {r.p(0.99):.1f}  "
             f"max {r.p(1.0):.1f}" + (f"  mean {statistics.fmean(r.latencies) * 1000:.1f}" if r.latencies else "")]
    cpu = r.cpu
    if cpu and r.elapsed:
        parts = ("server", "database", "database background", "load generator")
        other = cpu["machine"] - sum(cpu[k] for k in parts)
        lines.append("    CPU ms per step (record + review): " + ", ".join(
            f"{k} {cpu[k] * 1000 / n:.2f}" for k in parts) + f", everything else on the machine {other * 1000 / n:.2f}")
        lines.append(f"    cores busy: {cpu['machine'] / r.elapsed:.2f} of {os.cpu_count()} (" + ", ".join(
            f"{k} {cpu[k] / r.elapsed:.2f}" for k in parts) + f", else {other / r.elapsed:.2f})")
        server, database = cpu["server"] / n, (cpu["database"] + cpu["database background"]) / n
        cores = os.cpu_count() or 1
        if server and database:
            lines.append(f"    CPU-bound ceilings: all on these {cores} cores without the load generator "
                         f"{cores / (server + database):.0f} steps/s; database on its own machine "
                         f"{cores / server:.0f} steps/s on {cores} server cores; "
                         f"per extra server core +{1 / server:.0f} steps/s")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="50", help="client counts, comma-separated (1,10,50)")
    parser.add_argument("--dossiers", type=int, default=2, help="dossiers per client")
    parser.add_argument("--steps", type=int, default=25, help="steps per dossier (≤ 25)")
    parser.add_argument("--workers", default="1", help="uvicorn worker processes, comma-separated (1,2,3); "
                        "1 is `fazhan serve`'s default")
    parser.add_argument("--baseline", help="a git revision to run the same load against, e.g. e95f28d")
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of the server, one file per run")
    parser.add_argument("--timeline", type=Path, help="a TSV of every timed request (who waited when)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="the load generator's HTTP client (raw: a lean keep-alive connection per client)")
    args = parser.parse_args()
    global TIMELINE
    TIMELINE = [] if args.timeline else None
    url = os.environ.get("FAZHAN_DATABASE_URL", DEFAULT_URL)
    sys.path.insert(0, str(ROOT))
    from workflow.service_layer.demo import FULL_CASE_STEPS

    steps = FULL_CASE_STEPS[:min(args.steps, len(FULL_CASE_STEPS))]
    plan = [(int(c), int(w)) for c in args.clients.split(",") for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="fazhan-bench-") as tmp:
        trees = [("now", ROOT)]
        if args.baseline:
            trees.insert(0, (args.baseline, export_revision(args.baseline, Path(tmp))))
        results: dict[tuple[str, int, int], Result] = {}
        for clients, workers in plan:
            for label, tree in trees:
                profile = (args.profile.with_name(f"{args.profile.name}-{label}-c{clients}-w{workers}.txt")
                           if args.profile else None)
                result = one_run(tree, url, clients, args.dossiers, steps, workers, profile, args.client)
                results[(label, clients, workers)] = result
                print("\n".join(describe(label, result)), flush=True)
    print("\nclients workers | " + ("baseline steps/s p50 p99 err | " if args.baseline else "")
          + "now steps/s p50 p99 err" + (" | ratio" if args.baseline else ""))
    for clients, workers in plan:
        now = results[("now", clients, workers)]
        line = f"{clients:7d} {workers:7d} | "
        if args.baseline:
            old = results[(args.baseline, clients, workers)]
            line += f"{old.rate:8.0f} {old.p(0.5):6.1f} {old.p(0.99):7.1f} {len(old.errors):3d} | "
        line += f"{now.rate:8.0f} {now.p(0.5):6.1f} {now.p(0.99):7.1f} {len(now.errors):3d}"
        if args.baseline:
            old = results[(args.baseline, clients, workers)]
            line += f" | {now.rate / old.rate if old.rate else float('nan'):.2f}x"
        print(line)
    if args.timeline:
        args.timeline.write_text("".join(f"{start:.6f}\t{seconds * 1000:.2f}\t{dossier}\t{route}\n"
                                         for start, seconds, dossier, route in sorted(TIMELINE)), encoding="utf-8")


if __name__ == "__main__":
    main()

"""How long a command takes to start: `fazhan --help` and a one-file `fazhan audit` (issue 13).

Prints the median wall time (and CPU time) of each over N runs for this tree and, with `--baseline
REV`, for that revision checked out beside it (a temporary git worktree run by the same Python), and
the ratios. Target: both under 300 ms wall on a quiet machine (the load average is printed).

On a shared machine the times move with the load; `--instructions` also counts each command's
instructions under callgrind (one run each, Python's hash seed fixed), a figure that does not.

    python bench/cli_start.py [--runs 15] [--baseline 3ff0131 | --baseline-tree /tmp/base] [--instructions]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "data" / "examples" / "01_valid_2014_full_record.json"
RUN = "import sys; sys.argv = ['fazhan', *sys.argv[1:]]; from api.cli import main; main()"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _env(tree: Path) -> dict[str, str]:
    """Byte code cached, as an installed fazhan runs: with PYTHONDONTWRITEBYTECODE (set in some shells)
    every run would compile the project's modules from source again, about 90 ms of a one-file audit.
    The cache lives outside the tree (PYTHONPYCACHEPREFIX), one per tree; a warm-up run fills it. The
    same for the built rule catalogue (checklists/catalogue_cache.py): FAZHAN_CACHE_DIR, one per tree
    (a tree without that cache ignores the variable)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    where = tree.resolve().as_posix().strip("/")
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "fazhan-cli-start-pyc" / where)
    env["FAZHAN_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / "fazhan-cli-start-cache" / where)
    return env


def timings(trees: list[Path], args: list[str], runs: int) -> list[tuple[float, float]]:
    """Median wall time and median CPU time (user + system) of the command in each tree, in ms: on a
    shared machine the CPU time says what the command costs, the wall time what someone waits. The runs
    alternate between the trees, so that a change of the machine's load falls on both alike."""
    envs = [_env(tree) for tree in trees]
    for tree, env in zip(trees, envs):  # fills the byte-code (and catalogue) cache
        subprocess.run([sys.executable, "-c", RUN, *args], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    times: list[list[float]] = [[] for _ in trees]
    cpu: list[list[float]] = [[] for _ in trees]
    for _ in range(runs):
        for n, (tree, env) in enumerate(zip(trees, envs)):
            start, cpu_start = time.perf_counter(), _children_cpu()
            subprocess.run([sys.executable, "-c", RUN, *args], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            times[n].append((time.perf_counter() - start) * 1000)
            cpu[n].append((_children_cpu() - cpu_start) * 1000)
    return [(statistics.median(t), statistics.median(c)) for t, c in zip(times, cpu)]


def instructions(tree: Path, args: list[str]) -> int | None:
    """Instructions of one run under callgrind (after a warm-up run), or None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    env = {**_env(tree), "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-c", RUN, *args]
    subprocess.run(command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", *command],
                                cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                check=False)
    found = re.search(r"Collected : (\d+)", result.stderr)
    return int(found.group(1)) if found else None


def commands(dossier: Path) -> dict[str, list[str]]:
    audit = ["audit", str(dossier), "--as-of", "2026-11-21"]
    return {"fazhan --help": ["--help"], "fazhan audit FILE": audit, "audit FILE --format json": [*audit, "--format", "json"]}


def measure(trees: list[Path], dossier: Path, runs: int, count: bool) -> list[dict[str, tuple[float, float, int | None]]]:
    """Each command's (wall ms, CPU ms, instructions or None) in each tree."""
    out: list[dict[str, tuple[float, float, int | None]]] = [{} for _ in trees]
    for name, args in commands(dossier).items():
        for result, (ms, cpu), tree in zip(out, timings(trees, args, runs), trees):
            result[name] = (ms, cpu, instructions(tree, args) if count else None)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="a git revision to compare with, e.g. the previous main")
    parser.add_argument("--baseline-tree", type=Path,
                        help="a checkout to compare with (`git archive REV | tar -x -C DIR`: no git state changes)")
    parser.add_argument("--instructions", action="store_true", help="also count instructions under callgrind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dossier = Path(tmp) / "dossier.json"
        dossier.write_text(json.dumps(json.loads(EXAMPLE.read_text(encoding="utf-8"))["dossier"]), encoding="utf-8")
        before = None
        if args.baseline_tree:
            now, before = measure([ROOT, args.baseline_tree.resolve()], dossier, args.runs, args.instructions)
        elif args.baseline:
            tree = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.baseline], cwd=ROOT, check=True,
                           capture_output=True)
            try:
                now, before = measure([ROOT, tree], dossier, args.runs, args.instructions)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        else:
            [now] = measure([ROOT], dossier, args.runs, args.instructions)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {args.runs} runs, wall (CPU)")
    for name, (ms, cpu, ir) in now.items():
        line = f"{name:<24} {ms:7.0f} ms ({cpu:4.0f} ms CPU)"
        if before:
            line += (f"   baseline {before[name][0]:7.0f} ms ({before[name][1]:4.0f} ms CPU)   ratio "
                     f"{before[name][0] / ms:4.2f}x wall, {before[name][1] / cpu:4.2f}x CPU")
        line += f"   target 300 ms: {'met' if ms < 300 else 'not met'} here"
        print(line)
        if ir is not None:
            line = f"{'':<24} {ir / 1e6:7.0f} M instructions"
            if before and before[name][2]:
                line += f"   baseline {before[name][2] / 1e6:7.0f} M   ratio {before[name][2] / ir:4.2f}x"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How long a command takes to start: `fazhan --help` and a one-file `fazhan audit` (issue 13).

Prints the median wall time (and CPU time) of each over N runs for this tree and, with `--baseline
REV`, for that revision checked out beside it (a temporary git worktree run by the same Python), and
the ratios. Target: both under 300 ms wall on a quiet machine (the load average is printed).

    python bench/cli_start.py [--runs 15] [--baseline 3ff0131 | --baseline-tree /tmp/base]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
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
    The cache lives outside the tree (PYTHONPYCACHEPREFIX), one per tree; a warm-up run fills it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "fazhan-cli-start-pyc" / tree.resolve().as_posix().strip("/"))
    return env


def median_ms(tree: Path, args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the command, in ms: on a shared machine
    the CPU time says what the command costs, the wall time what someone waits."""
    times, cpu = [], []
    env = _env(tree)
    subprocess.run([sys.executable, "-c", RUN, *args], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)  # fills the byte-code cache
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), _children_cpu()
        subprocess.run([sys.executable, "-c", RUN, *args], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((_children_cpu() - cpu_start) * 1000)
    return statistics.median(times), statistics.median(cpu)


def measure(tree: Path, dossier: Path, runs: int) -> dict[str, tuple[float, float]]:
    return {"fazhan --help": median_ms(tree, ["--help"], runs),
            "fazhan audit FILE": median_ms(tree, ["audit", str(dossier), "--as-of", "2026-11-21"], runs)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="a git revision to compare with, e.g. the previous main")
    parser.add_argument("--baseline-tree", type=Path,
                        help="a checkout to compare with (`git archive REV | tar -x -C DIR`: no git state changes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dossier = Path(tmp) / "dossier.json"
        dossier.write_text(json.dumps(json.loads(EXAMPLE.read_text(encoding="utf-8"))["dossier"]), encoding="utf-8")
        now = measure(ROOT, dossier, args.runs)
        before = None
        if args.baseline_tree:
            before = measure(args.baseline_tree.resolve(), dossier, args.runs)
        elif args.baseline:
            tree = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.baseline], cwd=ROOT, check=True,
                           capture_output=True)
            try:
                before = measure(tree, dossier, args.runs)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {args.runs} runs, wall (CPU)")
    for name, (ms, cpu) in now.items():
        line = f"{name:<20} {ms:7.0f} ms ({cpu:4.0f} ms CPU)"
        if before:
            line += (f"   baseline {before[name][0]:7.0f} ms ({before[name][1]:4.0f} ms CPU)   ratio "
                     f"{before[name][0] / ms:4.2f}x wall, {before[name][1] / cpu:4.2f}x CPU")
        line += f"   target 300 ms: {'met' if ms < 300 else 'not met'} here"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

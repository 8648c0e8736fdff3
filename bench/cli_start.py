"""How long a command takes to start: `fazhan --help` and a one-file `fazhan audit` (issue 13).

Prints the median wall time of each over N runs for this tree and, with `--baseline REV`, for that
revision checked out beside it (a temporary git worktree run by the same Python), and the ratio.
Target: both under 300 ms on a quiet machine.

    python bench/cli_start.py [--runs 15] [--baseline 3ff0131]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "data" / "examples" / "01_valid_2014_full_record.json"
RUN = "import sys; sys.argv = ['fazhan', *sys.argv[1:]]; from api.cli import main; main()"


def median_ms(tree: Path, args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", RUN, *args], cwd=tree, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(tree: Path, dossier: Path, runs: int) -> dict[str, float]:
    return {"fazhan --help": median_ms(tree, ["--help"], runs),
            "fazhan audit FILE": median_ms(tree, ["audit", str(dossier), "--as-of", "2026-11-21"], runs)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="a git revision to compare with, e.g. the previous main")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dossier = Path(tmp) / "dossier.json"
        dossier.write_text(json.dumps(json.loads(EXAMPLE.read_text(encoding="utf-8"))["dossier"]), encoding="utf-8")
        now = measure(ROOT, dossier, args.runs)
        before = None
        if args.baseline:
            tree = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.baseline], cwd=ROOT, check=True,
                           capture_output=True)
            try:
                before = measure(tree, dossier, args.runs)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    for name, ms in now.items():
        line = f"{name:<20} {ms:7.0f} ms"
        if before:
            line += f"   baseline {before[name]:7.0f} ms   ratio {before[name] / ms:4.1f}x faster"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

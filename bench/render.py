"""Rendering benchmark (issue 13): forms per second and seconds per bundle, for this tree and a baseline.

Figures, each the best of --rounds on the complete 2014 example (23 forms, 29 pages):
- one form at a time, one process (`render_form` in a loop: the API's one-form route);
- a dossier's forms together, one process (`render_forms`: `fazhan forms`, and what a bundle does);
- one bundle, one process (`build_bundle`: the API and web bundle), and on warm worker processes;
- a cohort of bundles on all workers (`bundle_sources`: `fazhan bundle DIR`), pool start-up included;
- the size of one bundle and of its form PDFs, since forms written together share their font subset.
Figures are given in CPU seconds (the machine is shared: other work inflates wall time, not CPU) and
in wall seconds; a cohort's CPU includes its worker processes.
Each tree is measured in its own fresh process; with --baseline REV (a temporary git worktree,
removed afterwards) or --baseline-tree DIR the same figures are printed for it with the ratio.
With --repeat N the trees are measured N times each, alternately (new, baseline, new, ...), and each
figure is the best of all: on a machine whose load drifts, one tree is not measured only in a busy
minute and the other only in a quiet one.
Targets: at least 8 forms/s in one process, a full bundle under 2 s. Asserts nothing.

    .venv/bin/python bench/render.py [--baseline HEAD | --baseline-tree /tmp/base] [--rounds 3]
                                     [--cohort 20] [--workers 2] [--repeat 1]
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "01_valid_2014_full_record"
CPU, WALL = "cpu", "wall"
TARGET_FORMS_PER_S = 8.0  # issue 13: one form at a time, one process
TARGET_BUNDLE_S = 2.0  # issue 13: a full 23-form bundle


def example(tree: Path, stem: str) -> dict:
    folder = next(p for p in (tree.parent / "shared" / "spec" / "examples", tree / "tests" / "data" / "examples",
                              ROOT / "tests" / "data" / "examples") if (p / f"{stem}.json").is_file())
    return json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))["dossier"]


def cohort(tree: Path, n: int, folder: Path) -> list[Path]:
    bases = [example(tree, EXAMPLE), example(tree, "02_valid_2026_to_oath")]
    paths = []
    for i in range(n):
        data = copy.deepcopy(bases[i % 2])
        data["id"] = f"bench-{i:04d}"
        data["person"]["name"] = data["person"]["name"] + "甲乙丙丁戊己庚辛"[i % 8]
        path = folder / f"{data['id']}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def best(rounds: int, run) -> dict[str, float]:
    """The fastest of `rounds` runs of `run()`, in CPU seconds of this process and wall seconds."""
    cpu, wall = [], []
    for _ in range(rounds):
        c, w = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return {CPU: min(cpu), WALL: min(wall)}


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its reaped children (the workers of a finished pool)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(tree: Path, rounds: int, cohort_size: int, workers: int) -> dict:
    """Runs in a process whose imports come from `tree`."""
    from documents.batch import bundle_sources, load_sources, make_executor
    from documents.bundle import build_bundle
    from documents.forms import applicable_forms, render_form, render_forms
    from documents.pdf import warm_up
    from workflow.dossier import parse_dossier

    dossier = parse_dossier(example(tree, EXAMPLE))
    ids = [f.id for f in applicable_forms(dossier)]
    warm_up()
    out: dict = {"forms": len(ids)}
    out["alone"] = best(rounds, lambda: [render_form(dossier, form_id) for form_id in ids])
    rendered: list = []
    out["together"] = best(rounds, lambda: rendered.__setitem__(slice(None), render_forms(dossier, ids)))
    out["pages"] = sum(r.pages for r in rendered)
    out["form_kb"] = sum(len(r.pdf) for r in rendered) / len(rendered) / 1024
    with tempfile.TemporaryDirectory() as folder:
        out["bundle"] = best(rounds, lambda: build_bundle(dossier, folder))
        out["bundle_mb"] = next(Path(folder).glob("*.zip")).stat().st_size / 2 ** 20
    with make_executor(workers) as pool:
        list(pool.map(abs, range(workers * 4)))  # workers started and warmed
        with tempfile.TemporaryDirectory() as folder:
            out["bundle_pool"] = best(rounds, lambda: build_bundle(dossier, folder, executor=pool))
    if cohort_size:
        with tempfile.TemporaryDirectory() as work:
            sources = load_sources(cohort(tree, cohort_size, Path(work)))
            start, cpu = time.perf_counter(), _cpu_with_children()
            results = bundle_sources(sources, Path(work) / "out", workers=workers)  # its pool is reaped on return
            out["cohort"] = {WALL: (time.perf_counter() - start) / cohort_size,
                             CPU: (_cpu_with_children() - cpu) / cohort_size,
                             "failed": sum(1 for r in results if not hasattr(r, "path"))}
    return out


def run_tree(tree: Path, args) -> dict:
    """Measures `tree` in a fresh Python process that imports that tree's code first."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(tree), "--rounds", str(args.rounds),
               "--cohort", str(args.cohort), "--workers", str(args.workers)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"measuring {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def best_of(runs: list[dict]) -> dict:
    """The best of several measurements of one tree: the least CPU and the least wall time of each figure."""
    out = dict(runs[0])
    for run in runs[1:]:
        for key, value in run.items():
            if isinstance(value, dict) and CPU in value:
                out[key] = {**out[key], CPU: min(out[key][CPU], value[CPU]), WALL: min(out[key][WALL], value[WALL])}
    return out


def measure_trees(trees: list[Path], args) -> list[dict]:
    """Each tree measured `args.repeat` times, the trees taking turns; the best figures of each."""
    runs: list[list[dict]] = [[] for _ in trees]
    for _ in range(max(1, args.repeat)):
        for i, tree in enumerate(trees):
            runs[i].append(run_tree(tree, args))
    return [best_of(r) for r in runs]


def rows(figures: dict, workers: int, cohort_size: int) -> list[tuple[str, str, float | None, bool]]:
    """(label, unit, value, higher is better) for printing."""
    n = figures["forms"]
    out = [("one form at a time, 1 process", "forms/s cpu", n / figures["alone"][CPU], True),
           ("", "forms/s wall", n / figures["alone"][WALL], True),
           ("a dossier's forms together, 1 process", "forms/s cpu", n / figures["together"][CPU], True),
           ("", "forms/s wall", n / figures["together"][WALL], True),
           ("one bundle, 1 process", "s cpu", figures["bundle"][CPU], False),
           ("", "s wall", figures["bundle"][WALL], False),
           (f"one bundle, {workers} warm workers", "s wall", figures["bundle_pool"][WALL], False)]
    if "cohort" in figures:
        out.append((f"cohort of {cohort_size}, {workers} workers", "s/dossier cpu", figures["cohort"][CPU], False))
        out.append(("", "s/dossier wall", figures["cohort"][WALL], False))
    out += [("one bundle's zip", "MB", figures["bundle_mb"], False),
            ("a form PDF, mean", "KB", figures["form_kb"], False)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cohort", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--baseline", help="a git revision to compare with (checked out in a temporary worktree)")
    parser.add_argument("--baseline-tree", type=Path, help="an existing checkout to compare with")
    parser.add_argument("--repeat", type=int, default=1, help="measure each tree this many times, alternately")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        sys.path.insert(0, str(args.measure))
        print(json.dumps(measure(args.measure, args.rounds, args.cohort, args.workers)))
        return

    before = None
    if args.baseline_tree:
        now, before = measure_trees([ROOT, args.baseline_tree.resolve()], args)
    elif args.baseline:
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.baseline], cwd=ROOT, check=True,
                           capture_output=True)
            try:
                now, before = measure_trees([ROOT, tree], args)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    else:
        now, = measure_trees([ROOT], args)
    print(f"{now['forms']} forms, {now['pages']} pages per complete dossier; best of {args.rounds} rounds"
          + (f" in each of {args.repeat} alternate runs per tree" if args.repeat > 1 else ""))
    header = f"{'':40} {'unit':>15} {'new':>9}"
    if before:
        header += f" {'baseline':>9} {'ratio':>7}"
    print(header)
    old_rows = rows(before, args.workers, args.cohort) if before else None
    for i, (label, unit, value, higher) in enumerate(rows(now, args.workers, args.cohort)):
        line = f"{label:40} {unit:>15} {value:9.2f}"
        if old_rows:
            old = old_rows[i][2]
            ratio = value / old if higher else old / value
            line += f" {old:9.2f} {ratio:6.2f}x"
        print(line)
    if before:
        print("ratio: how many times better the new figure is (for sizes, below 1 means larger)")
    alone = now["forms"] / now["alone"][CPU]
    print(f"targets (CPU, this process): one form at a time {alone:.2f} forms/s against {TARGET_FORMS_PER_S:g} "
          f"({alone / TARGET_FORMS_PER_S:.2f} of it); a bundle {now['bundle'][CPU]:.2f} s against {TARGET_BUNDLE_S:g} s "
          f"({TARGET_BUNDLE_S / now['bundle'][CPU]:.2f} of it). CPU seconds grow when the machine is busy (shared "
          f"caches and cores): compare figures taken side by side, as here.")


if __name__ == "__main__":
    main()

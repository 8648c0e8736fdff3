"""Rendering benchmark: forms per second (one process, then worker processes), the seconds for
one complete dossier's bundle, and for a cohort of dossiers. Prints figures; asserts nothing.

    .venv/bin/python bench/render.py [--cohort 200] [--workers N] [--rounds 2]
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from documents.batch import bundle_sources, default_workers, load_sources, make_executor  # noqa: E402
from documents.bundle import build_bundle  # noqa: E402
from documents.forms import applicable_forms, render_form, render_forms  # noqa: E402
from documents.pdf import warm_up  # noqa: E402
from workflow.dossier import parse_dossier  # noqa: E402

EXAMPLES = [ROOT.parent / "shared" / "spec" / "examples", ROOT / "tests" / "data" / "examples"]


def example(stem: str) -> dict:
    folder = next(p for p in EXAMPLES if p.is_dir())
    return json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))["dossier"]


def cohort(n: int, folder: Path) -> list[Path]:
    bases = [example("01_valid_2014_full_record"), example("02_valid_2026_to_oath")]
    paths = []
    for i in range(n):
        data = copy.deepcopy(bases[i % 2])
        data["id"] = f"bench-{i:04d}"
        data["person"]["name"] = data["person"]["name"] + "甲乙丙丁戊己庚辛"[i % 8]
        path = folder / f"{data['id']}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cohort", type=int, default=200)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    dossier = parse_dossier(example("01_valid_2014_full_record"))
    ids = [f.id for f in applicable_forms(dossier)] * args.rounds
    print(f"workers: {args.workers}; forms per complete dossier: {len(ids) // args.rounds}")

    warm_up()
    start = time.perf_counter()
    pages = sum(render_form(dossier, form_id).pages for form_id in ids)
    single = time.perf_counter() - start
    print(f"one process:   {len(ids) / single:6.1f} forms/s ({len(ids)} forms, {pages} pages, {single:.2f} s)")

    with make_executor(args.workers) as pool:
        list(pool.map(int, range(args.workers * 2)))  # workers started and warmed
        start = time.perf_counter()
        render_forms(dossier, ids, executor=pool)
        parallel = time.perf_counter() - start
        print(f"{args.workers} workers:     {len(ids) / parallel:6.1f} forms/s ({parallel:.2f} s)")

        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            build_bundle(dossier, out, executor=pool)
            warm_bundle = time.perf_counter() - start
        print(f"one bundle:    {warm_bundle:6.2f} s (forms on {args.workers} warm workers)")

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        build_bundle(dossier, out)
        print(f"one bundle:    {time.perf_counter() - start:6.2f} s (one process)")

    if args.cohort:
        with tempfile.TemporaryDirectory() as work:
            sources = load_sources(cohort(args.cohort, Path(work)))
            start = time.perf_counter()
            results = bundle_sources(sources, Path(work) / "out", workers=args.workers)
            elapsed = time.perf_counter() - start
            failed = sum(1 for r in results if not hasattr(r, "path"))
            print(f"cohort of {args.cohort}: {elapsed:6.1f} s ({elapsed / args.cohort:.2f} s per dossier, "
                  f"{failed} failed, pool start-up included)")


if __name__ == "__main__":
    main()

"""Audit throughput in one process, per core: generated dossiers (valid and faulty, both rule sets,
extended probations, organisations with an overlay or a pin), as `fazhan audit` reads them.

Prints dossiers per second of CPU time (the fair figure on a shared machine) for
  - parse + audit: JSON text to an `audit/1` entry, the product's own per-document function
    (`workflow.audit_stream._audit_one`: the fast msgspec reading, the validated one when it refuses);
  - parse only, and audit only (of dossiers already read the way the product reads them);
and, with `--baseline REV`, the same figures for that revision checked out beside this tree (a
temporary git worktree, the same Python, run alternately), their ratios, and whether both give
identical findings and states for every dossier. Targets (issue 13): parse + audit 15,000/s per
core, audit alone 40,000/s.

On a shared machine these figures move with the load of the other processes; for a figure that
does not, bench/audit_instructions.py counts the instructions per dossier of the same two paths.

Usage: python bench/audit_throughput.py [--count 20000] [--rounds 3] [--baseline e95f28d | --baseline-tree DIR]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"parse + audit": 15000, "audit only": 40000}


def corpus(count: int) -> list[tuple[str, str | None, str | None]]:
    """(text, rule-set pin, overlay) of each generated dossier: a quarter of them extended once."""
    from bench.generate import base_cases, variants

    out = []
    for n, document in enumerate(variants(base_cases(), count)):
        if n % 4 == 3:
            _extend(document)
        out.append((json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                    "2014" if n % 10 == 1 else None, "example-university" if n % 5 == 2 else None))
    return out


def _extend(document: dict) -> None:
    """An extended probation: s23 decides to extend by six months, s21–s24 follow again."""
    import datetime as dt

    steps = document["steps"]
    cycle = [s for s in steps if s["step"] in ("s21_probation_education", "s22_conversion_applied",
                                               "s23_conversion_meeting", "s24_conversion_approved")]
    if len(cycle) < 4:
        return
    cycle[2].update(outcome="extend", extend_months=6)
    cycle[3].pop("party_standing_from", None)
    for entry in cycle:
        again = json.loads(json.dumps(entry))
        for key in ("date", "reviewed_on", "party_standing_from"):
            if again.get(key):
                again[key] = (dt.date.fromisoformat(again[key]) + dt.timedelta(days=183)).isoformat()
        again.pop("outcome", None)
        again.pop("extend_months", None)
        steps.append(again)


def measure(count: int, rounds: int) -> dict:
    """Run inside the tree being measured (its packages first on sys.path)."""
    import gc
    import hashlib
    import time

    from bench.generate import AS_OF
    from workflow import audit_stream
    from workflow.audit import audit_dossier
    from workflow.audit_stream import Source
    from workflow.dossier import parse_dossier

    def cpu_per_item(function, items) -> float:
        best = float("inf")
        for _ in range(rounds):
            started = time.process_time()
            for item in items:
                function(item)
            best = min(best, time.process_time() - started)
        return best / len(items)

    sources = [Source(f"g{n}.json", text, rule_set=pin, overlay=overlay)
               for n, (text, pin, overlay) in enumerate(corpus(count))]
    read = getattr(audit_stream, "read_source", None)  # this tree's reading, else the validated one
    if read is None:
        def read(source):
            dossier = parse_dossier(source.text, source=source.name)
            update = {k: v for k, v in (("rule_set", source.rule_set), ("overlay", source.overlay)) if v is not None}
            return dossier.model_copy(update=update) if update else dossier

    digest = hashlib.sha256()
    codes: dict[str, int] = {}
    for source in sources:
        result = audit_stream._audit_one(source, AS_OF)
        digest.update(json.dumps(result.audit or result.error, ensure_ascii=False, sort_keys=True).encode())
        for finding in (result.audit or {}).get("findings", ()):
            codes[finding["code"]] = codes.get(finding["code"], 0) + 1
    stream = cpu_per_item(lambda s: audit_stream._audit_one(s, AS_OF), sources)
    parse = cpu_per_item(read, sources)
    dossiers = [read(s) for s in sources]
    gc.freeze()  # the kept set is the benchmark's, not the product's: keep the collector off it
    audit = cpu_per_item(lambda d: audit_dossier(d, AS_OF), dossiers)
    steps = sum(len(d.steps) for d in dossiers) / len(dossiers)
    return {"parse + audit": 1 / stream, "parse only": 1 / parse, "audit only": 1 / audit,
            "digest": digest.hexdigest(), "codes": dict(sorted(codes.items())), "steps": steps}


def run_in(tree: Path, count: int, rounds: int) -> dict:
    code = (f"import sys, json, importlib.util; sys.path.insert(0, {str(tree)!r}); "
            f"spec = importlib.util.spec_from_file_location('throughput', {str(Path(__file__).resolve())!r}); "
            f"bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench); "
            f"print(json.dumps(bench.measure({count}, {rounds})))")
    # the measured tree's packages come first on the path; this file's `measure` runs on them
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3, help="best of N timed passes; trees alternate")
    parser.add_argument("--baseline", help="a git revision to compare with, e.g. the previous main")
    parser.add_argument("--baseline-tree", type=Path,
                        help="a directory holding the code to compare with (e.g. `git archive REV | tar -x -C DIR`), "
                             "measured as --baseline is, without a git worktree")
    args = parser.parse_args()
    if args.baseline and args.baseline_tree:
        parser.error("--baseline or --baseline-tree, not both")
    with tempfile.TemporaryDirectory() as tmp:
        before = None
        base_tree = args.baseline_tree.resolve() if args.baseline_tree else None
        if args.baseline:
            base_tree = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), args.baseline], cwd=ROOT,
                           check=True, capture_output=True)
        try:
            now = run_in(ROOT, args.count, args.rounds)
            if base_tree is not None:
                before = run_in(base_tree, args.count, args.rounds)
                again = run_in(ROOT, args.count, args.rounds)  # alternate, keep each tree's best
                now.update({k: max(now[k], again[k]) for k in ("parse + audit", "parse only", "audit only")})
        finally:
            if args.baseline:
                subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)
    print(f"{args.count:,} generated dossiers, {now['steps']:.1f} steps each; dossiers per second of CPU time, one process")
    for name in ("parse + audit", "parse only", "audit only"):
        line = f"{name:<14} {now[name]:10,.0f}/s"
        if before:
            line += f"   baseline {before[name]:10,.0f}/s   ratio {now[name] / before[name]:5.2f}"
        if name in TARGETS:
            line += f"   target {TARGETS[name]:,}/s: {now[name] / TARGETS[name]:.2f} of it"
        print(line)
    if before:
        same = before["digest"] == now["digest"]
        print(f"findings and states of all {args.count:,} dossiers identical to the baseline's: {'yes' if same else 'NO'}")
    print(f"codes: {now['codes']}")
    return 0 if not before or before["digest"] == now["digest"] else 1


if __name__ == "__main__":
    sys.exit(main())

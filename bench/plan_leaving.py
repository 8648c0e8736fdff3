"""What the leaving-date forecast costs inside `plan/1` (issue 12), before and after the walk.

Plans N activists (s03 spread over a year, every one with an expected leaving date: the worst case,
each forecast walks to admission and conversion while the plan itself is cheap) three ways: without
`leaving`; with `leaving` forecast by driving the engine (`_Simulation`, the computation before the
walk); with `leaving` as `plan_document` now computes it (the walk, workflow/cultivation/walk.py). It
prints the time per dossier of each and the ratios, and checks that both forecasts give the same
entries. A second corpus mixes every stage (generated dossiers cut after 0–25 steps, with and without
reviews, some under the example overlay), where plans cost more and walks are shorter. A person
without a leaving date costs nothing extra (the forecast is not run).

Times are CPU time of this process (time.process_time), the best of `--repeat` runs, so that other
work on the machine does not count.

    python bench/plan_leaving.py [--people 200] [--mixed 200] [--repeat 3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workflow.cultivation.forecast import leaving_entry  # noqa: E402
from workflow.dossier import parse_dossier  # noqa: E402
from workflow.plan import plan_document, plan_dossier  # noqa: E402

TODAY = dt.date(2026, 2, 1)
PEOPLE = [{"name": "赵六", "status": "full"}, {"name": "钱七", "status": "full"}]


def activist(i: int):
    s03 = dt.date(2025, 3, 1) + dt.timedelta(days=(i * 5) % 330)
    return parse_dossier({"format": "dossier/1", "id": f"B{i}", "person": {
        "name": f"学生{i}", "birth_date": "2004-03-02", "expected_leave_date": f"{2026 + i % 3}-06-30"},
        "steps": [{"step": "s01_application", "date": (s03 - dt.timedelta(days=120)).isoformat()},
                  {"step": "s02_applicant_talk", "date": (s03 - dt.timedelta(days=100)).isoformat()},
                  {"step": "s03_activist_determined", "date": s03.isoformat(), "nomination": ["league"]},
                  {"step": "s04_activist_filed", "date": (s03 + dt.timedelta(days=5)).isoformat()},
                  {"step": "s05_contacts_assigned", "date": s03.isoformat(), "people": PEOPLE}]})


def mixed(count: int) -> list[tuple]:
    """(dossier, today) pairs at every stage: generated cases cut after 0–25 steps, today up to a year
    after the last step kept, a leaving date up to three years after today."""
    from bench.generate import _shift, base_cases

    rng = random.Random(12)
    bases = base_cases()
    out = []
    for n in range(count):
        data = _shift(rng.choice(bases), -7 * rng.randint(0, 150))
        data["id"] = f"M{n}"
        data["steps"] = data["steps"][:rng.randint(1, 25)]
        kept = {s["step"] for s in data["steps"]}
        data["materials"] = [m for m in data.get("materials") or [] if m["step"] in kept]
        today = max(dt.date.fromisoformat(s["date"]) for s in data["steps"]) + dt.timedelta(days=rng.randint(1, 365))
        for key, field in (("assessments", "date"), ("thought_reports", "date"), ("publicity", "start")):
            data[key] = [r for r in data.get(key, []) if dt.date.fromisoformat(r[field]) <= today]
        data["person"]["expected_leave_date"] = (today + dt.timedelta(days=rng.randint(30, 1100))).isoformat()
        if n % 4 == 0:
            data["overlay"] = "example-university"
        out.append((parse_dossier(data), today))
    return out


def _best(repeat: int, work) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def measure(label: str, cases: list[tuple], repeat: int) -> None:
    """cases: (dossier, today). Prints the three timings, the ratios, and checks the two forecasts agree."""
    n = len(cases)

    def without():
        return [plan_document([plan_dossier(d, today)], today) for d, today in cases]

    def now():
        return [plan_document([plan_dossier(d, today)], today, [d]) for d, today in cases]

    def before():
        documents = without()
        for document, (d, today) in zip(documents, cases):
            leaving = leaving_entry(d, today, engine=True)
            if leaving is not None:
                document["dossiers"][0]["leaving"] = leaving
        return documents

    for work in (without, now, before):  # warm the caches
        work()
    assert now() == before(), "the walk and the engine disagree"
    flagged = sum(1 for document in now() for e in document["dossiers"] if e.get("leaving", {}).get("flags"))
    plain, walked = _best(repeat, without), _best(repeat, now)
    engine = _best(1, before)
    print(f"{label}: {n} dossiers, each with an expected leaving date ({flagged} flagged)")
    print(f"  plan/1 without leaving:          {plain / n * 1000:.3f} ms a dossier")
    print(f"  plan/1 with leaving, before:     {engine / n * 1000:.3f} ms a dossier  ({engine / plain:.1f}× the plan)")
    print(f"  plan/1 with leaving, now (walk): {walked / n * 1000:.3f} ms a dossier  ({walked / plain:.1f}× the plan)")
    print(f"  the leaving forecast alone: {(engine - plain) / n * 1000:.3f} → {(walked - plain) / n * 1000:.3f} ms "
          f"a dossier ({(engine - plain) / max(walked - plain, 1e-9):.0f}× cheaper); the same entries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--mixed", type=int, default=200, help="dossiers at every stage (0: skip)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    measure("activists (the worst case)", [(activist(i), TODAY) for i in range(args.people)], args.repeat)
    if args.mixed:
        measure("every stage", mixed(args.mixed), args.repeat)


if __name__ == "__main__":
    main()

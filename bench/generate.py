"""Generated dossiers for benchmarks: realistic cases built through the engine, then varied.

Base cases run the engine from application to archive (or part of the way) under both rule sets;
variants shift every date of a base case by whole weeks and inject one fault into some of them
(a late talk, short cultivation, a failed vote, a missing material, short training).
"""
from __future__ import annotations

import datetime as dt
import json
import random

from workflow.samples import CaseSpec, build_case

AS_OF = dt.date(2026, 11, 21)
STARTS = [dt.date(2016, 3, 1), dt.date(2018, 9, 10), dt.date(2020, 3, 2), dt.date(2021, 10, 12),
          dt.date(2023, 4, 3), dt.date(2024, 9, 10), dt.date(2025, 3, 3), dt.date(2025, 10, 8)]


def base_cases() -> list[dict]:
    cases = []
    for i, start in enumerate(STARTS):
        for until in (None, "s15_admission_meeting", "s07_candidate_determined"):
            dossier = build_case(CaseSpec(f"B{i}-{until or 'all'}", start, until=until, seed=i), AS_OF)
            cases.append(dossier.to_json_dict())
    return cases


def _shift(data: dict, days: int) -> dict:
    text = json.dumps(data, ensure_ascii=False)
    out = json.loads(text)
    delta = dt.timedelta(days=days)

    def move(record, *keys):
        for key in keys:
            if record.get(key):
                record[key] = (dt.date.fromisoformat(record[key]) + delta).isoformat()

    for entry in out["steps"]:
        move(entry, "date", "reviewed_on", "start", "party_standing_from", "committee_meeting_on")
    for key in ("assessments", "thought_reports", "materials"):
        for record in out.get(key) or []:
            move(record, "date")
    for record in out["publicity"]:
        move(record, "start", "end")
    move(out["person"], "birth_date", "expected_leave_date")
    return out


FAULTS = [
    lambda d: d["steps"][1].update(date=(dt.date.fromisoformat(d["steps"][0]["date"]) + dt.timedelta(days=40)).isoformat()),
    lambda d: d["materials"].pop() if d.get("materials") else None,
    lambda d: [s.update(days=1, hours=6) for s in d["steps"] if s["step"] == "s11_training"],
    lambda d: [s.update(votes={"expected": 12, "present": 6, "yes": 6}) for s in d["steps"]
               if s["step"] == "s15_admission_meeting"],
    lambda d: d["assessments"].clear(),
    lambda d: d["person"].update(birth_date=d["steps"][0]["date"]),
]


def variants(bases: list[dict], count: int, faulty_share: float = 0.3, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        data = _shift(rng.choice(bases), -7 * rng.randint(0, 150))
        data["id"] = f"G{n:07d}"
        if rng.random() < faulty_share:
            rng.choice(FAULTS)(data)
        out.append(data)
    return out

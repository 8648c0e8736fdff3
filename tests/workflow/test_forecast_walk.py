"""The forecast's walk (workflow.cultivation.walk) against the engine-driven simulation it replaces in
the hot path (`forecast(..., engine=True)`): on generated dossiers cut at every stage, under both rule
sets and across the day 2026.05 took force, with and without reviews, overlays, pins, mobile people,
missing assessments and faults, both give the same Forecast in every field (path, notices, flags,
blocked step, codes and reason, provisional) and the same `plan/1` leaving entry. Where the walk says
it cannot answer, `forecast` drives the engine: that the walk does answer the ordinary cases is
checked too, or the comparison would prove nothing."""
from __future__ import annotations

import copy
import datetime as dt
import json
import random
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import FAULTS, _shift, base_cases
from checklists.loader import default_catalogue
from workflow.audit import evaluate, make_context
from workflow.cultivation.forecast import forecast, forecast_by_walk, leaving_entry
from workflow.dossier import parse_dossier

D = dt.date.fromisoformat
TIGHT = {"id": "tight", "rules": [{"code": "CULTIVATION_SHORT", "at_least": "18 months"},
                                  {"code": "RUSHED_ADMISSION", "within": "4 months", "severity": "violation"}]}
OVERLAYS = [None, None, "example-university", TIGHT]


@lru_cache(maxsize=1)
def _bases() -> tuple[str, ...]:
    return tuple(json.dumps(case, ensure_ascii=False) for case in base_cases())


def _dossier(base: int, weeks: int, fault: int | None, keep: int, today_after: int, leave_after: int | None,
             overlay: int, pin: str | None, mobile: bool, reviews: str, assessments: int, extra_seed: int):
    """A base case shifted by whole weeks, perhaps with one fault, cut after `keep` steps; today is
    `today_after` days after the last step kept (before it when negative)."""
    bases = _bases()
    data = _shift(json.loads(bases[base % len(bases)]), -7 * weeks)
    if fault is not None:
        data_copy = copy.deepcopy(data)
        try:
            FAULTS[fault % len(FAULTS)](data_copy)
            data = data_copy
        except (IndexError, KeyError):
            pass
    data["steps"] = data["steps"][:keep]
    kept = {s["step"] for s in data["steps"]}
    if data.get("materials") is not None:
        data["materials"] = [m for m in data["materials"] if m["step"] in kept]
    last = max((D(s["date"]) for s in data["steps"]), default=D(data["person"]["birth_date"]) + dt.timedelta(days=6600))
    today = last + dt.timedelta(days=today_after)
    rng = random.Random(extra_seed)
    data["assessments"] = [a for a in data.get("assessments", [])
                           if D(a["date"]) <= today and rng.random() * 4 < assessments]
    data["thought_reports"] = [t for t in data.get("thought_reports", []) if D(t["date"]) <= today]
    data["publicity"] = [p for p in data.get("publicity", []) if D(p["start"]) <= today]
    if reviews == "none":
        for entry in data["steps"]:
            for key in ("recorded_by", "reviewed_by", "reviewed_on"):
                entry.pop(key, None)
    elif reviews == "last_unreviewed" and data["steps"]:
        data["steps"][-1].pop("reviewed_by", None)
        data["steps"][-1].pop("reviewed_on", None)
    leave = None if leave_after is None else today + dt.timedelta(days=leave_after)
    data["person"]["expected_leave_date"] = leave.isoformat() if leave else None
    data["person"]["mobile"] = mobile or None
    if OVERLAYS[overlay % len(OVERLAYS)] is not None:
        data["overlay"] = OVERLAYS[overlay % len(OVERLAYS)]
    if pin:
        data["rule_set"] = pin
    return parse_dossier(data), today


cases = st.builds(
    _dossier, base=st.integers(0, 100), weeks=st.integers(-60, 160), fault=st.none() | st.integers(0, 5),
    keep=st.integers(0, 26), today_after=st.integers(-20, 500), leave_after=st.none() | st.integers(-30, 1100),
    overlay=st.integers(0, 3), pin=st.sampled_from([None, None, None, "2014", "2026.05"]), mobile=st.booleans(),
    reviews=st.sampled_from(["kept", "none", "last_unreviewed"]), assessments=st.integers(0, 4),
    extra_seed=st.integers(0, 1000))


def _same(dossier, today) -> bool:
    """Both walks agree on the dossier; True when the walk answered (rather than handing it over). A
    recorded admission is rushed exactly when auditing the whole dossier warns of it at that step."""
    engine = forecast(dossier, today, engine=True)
    walked = forecast_by_walk(dossier, today)
    if walked is not None:
        assert walked == engine
    assert forecast(dossier, today) == engine
    assert leaving_entry(dossier, today) == leaving_entry(dossier, today, engine=True)
    if engine.admission_recorded:
        findings = evaluate(dossier, make_context(dossier, today))[1]
        leaving = {r.code for rs in default_catalogue().ordered() for r in rs.rules if r.kind == "before_leaving"}
        assert engine.rushed_admission_risk == any(f.step == "s15_admission_meeting" and f.code in leaving
                                                   for f in findings)
    return walked is not None


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_the_walk_and_the_engine_give_the_same_forecast(case):
    _same(*case)


def test_the_walk_answers_the_ordinary_cases():
    """A deterministic corpus: every base case cut at every stage, as kept (reviews, materials), on the
    day after its last step and half a year later. The walk answers nearly all of them (what it hands
    over: extended probations, ended cases), and agrees with the engine on each."""
    answered = total = 0
    for base in range(len(_bases())):
        for keep in range(0, 26, 3):
            for today_after in (1, 180):
                dossier, today = _dossier(base, 0, None, keep, today_after, 400, 0, None, False, "kept", 4, 0)
                answered += _same(dossier, today)
                total += 1
    assert answered >= 0.9 * total, (answered, total)


def test_a_case_event_is_handed_to_the_engine():
    """A transfer out and back in (培养教育时间连续计算): the walk does not model case events."""
    dossier, today = _dossier(0, 0, None, 6, 10, 400, 0, None, False, "kept", 4, 0)
    events = [{"kind": "transfer_out", "date": (today - dt.timedelta(days=5)).isoformat()},
              {"kind": "transfer_in", "date": today.isoformat()}]
    moved = parse_dossier({**dossier.to_json_dict(), "case_events": events})
    assert forecast_by_walk(moved, today) is None
    result = forecast(moved, today)
    assert result == forecast(moved, today, engine=True) and result.path

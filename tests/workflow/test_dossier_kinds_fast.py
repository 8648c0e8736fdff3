"""The dossier kinds' shortcuts for a dossier judged by one rule set, against their general answers.

When one rule set judges every record (`view.judged_by`), `structure.date_order` and
`structure.step_missing` read where each prerequisite is recorded from a `structure.Layout` kept per
structure rule set, recorded step ids and (when a step repeats) each record's probation cycle, and
`records.materials` reads the rows it would report from a table kept per rule set and the same
layout, looking only at the materials short of copies. The general path of each evaluator (taken
when `judged_by` is None: the records judged one by one, as before these shortcuts) must give the
same findings in the same order, for generated dossiers (valid and faulty, extended probations,
steps recorded out of order or missing, materials missing in the first or a later cycle, records of
a later cycle dated before the first's), also when the audit asks about a hypothetical step.
`dossier_screen.run`'s shorter list for a dossier where the walk saw nothing is tested here too.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import random
from collections import Counter

import pytest

from bench.audit_throughput import corpus
from bench.generate import base_cases, variants
from workflow.audit import make_context
from workflow.audit_stream import Source, read_source
from workflow.rules import dossier_screen, records, structure
from workflow.view import DossierView

DAYS = (dt.date(2026, 11, 21), dt.date(2019, 1, 1))
CYCLE_STEPS = ("s21_probation_education", "s22_conversion_applied", "s23_conversion_meeting",
               "s24_conversion_approved")
EVALUATORS = ((structure.date_order, "DATE_ORDER"), (structure.step_missing, "STEP_MISSING"),
              (records.materials, "MATERIAL_MISSING"))


def _shifted(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _extend(document: dict) -> bool:
    """A second probation cycle: the four cycle steps recorded again 190 days later (with copies of
    the materials they require, unless `document` asks otherwise)."""
    cycle = [s for s in document["steps"] if s["step"] in CYCLE_STEPS]
    if len(cycle) != 4:
        return False
    cycle[2].update(outcome="extend", extend_months=6)
    for entry in cycle:
        again = {k: v for k, v in entry.items() if k not in ("outcome", "extend_months", "party_standing_from")}
        again["date"] = _shifted(entry["date"], 190)
        again.pop("reviewed_on", None)
        document["steps"].append(again)
    for material in list(document.get("materials") or ()):
        if material.get("step") in CYCLE_STEPS:
            document["materials"].append(dict(material))
    return True


def _documents() -> list[dict]:
    """Generated documents changed so that each shortcut meets what it must tell apart."""
    rng = random.Random(31)
    out = []
    for n, document in enumerate(variants(base_cases(), 260, faulty_share=0.7, seed=23)):
        extended = n % 3 == 0 and _extend(document)
        steps, materials = document["steps"], document.get("materials")
        if n % 5 == 1:  # recorded out of order
            document["steps"] = list(reversed(steps))
        if n % 7 == 2 and len(steps) > 5:  # a prerequisite missing
            del steps[rng.randrange(1, len(steps) - 1)]
        if n % 4 == 3 and len(steps) > 3:  # dated back
            steps[rng.randrange(1, len(steps))]["date"] = steps[0]["date"]
        if extended and n % 2:  # the later cycle's records dated before the first's: the cycles swap
            for entry in steps[-4:]:
                entry["date"] = _shifted(entry["date"], -400)
        if materials and n % 6 in (1, 4):  # a material gone: of the first cycle or, extended, a copy
            del materials[rng.randrange(len(materials))]
        if materials and extended and n % 9 == 0:
            document["materials"] = [m for m in materials if m.get("step") != "s22_conversion_applied"][:-1] + \
                [m for m in materials if m.get("step") == "s22_conversion_applied"][:1]
        out.append(document)
    return out


def _dossiers() -> list:
    rows = [(json.dumps(d, ensure_ascii=False), None, None) for d in _documents()] + corpus(300)
    return [read_source(Source(f"k{n}.json", text, rule_set=pin, overlay=overlay))
            for n, (text, pin, overlay) in enumerate(rows)]


DOSSIERS = _dossiers()


def _view(dossier, ctx, judged: bool) -> DossierView:
    view = DossierView(dossier, ctx.structure)
    ctx.judge(view)
    if not judged:
        view.judged_by = None  # each record keeps its rule set: the general path
    return view


def _findings(evaluator, code, dossier, as_of, judged: bool, hypothetical: int | None = None) -> list:
    ctx = make_context(dossier, as_of)
    ctx.hypothetical = hypothetical
    out: list = []
    evaluator(code, _view(dossier, ctx, judged), ctx, out)
    return [(f.to_dict(), f.index, f.step_number, f.subject) for f in out]


@pytest.mark.parametrize("as_of", DAYS, ids=str)
def test_the_judged_path_answers_as_the_general_one(as_of):
    found = Counter()
    for order in (DOSSIERS, DOSSIERS[::-1]):  # what is kept per layout is the same whichever comes first
        for dossier in order:
            ctx = make_context(dossier, as_of)
            view = _view(dossier, ctx, True)
            if view.judged_by is None:
                continue
            for evaluator, code in EVALUATORS:
                fast = _findings(evaluator, code, dossier, as_of, True)
                assert fast == _findings(evaluator, code, dossier, as_of, False), (code, dossier.id)
                if fast:
                    found[code, view.repeated] += 1
    if as_of == DAYS[0]:  # every path of every shortcut was met with something to report
        assert {(code, repeated) for _, code in EVALUATORS for repeated in (False, True)} <= set(found), found


def test_a_hypothetical_step_is_left_out_as_before():
    """The plan asks what would block a step: `materials` says nothing of that step's own materials."""
    checked = 0
    for dossier in DOSSIERS[::7]:
        for at in (0, len(dossier.steps) // 2, len(dossier.steps) - 1):
            fast = _findings(records.materials, "MATERIAL_MISSING", dossier, DAYS[0], True, at)
            assert fast == _findings(records.materials, "MATERIAL_MISSING", dossier, DAYS[0], False, at)
            checked += bool(fast)
    assert checked > 10


def test_the_layout_is_kept_apart_for_other_cycles():
    """Two dossiers recording the same steps whose later cycle is dated before or after the first:
    their layouts differ (a layout kept by the step ids alone would answer the second as the first)."""
    document = next(d for d in base_cases() if d["steps"][-1]["step"] == "s25_archived")
    document = copy.deepcopy(document)
    assert _extend(document)
    swapped = copy.deepcopy(document)
    for entry in swapped["steps"][-4:]:
        entry["date"] = _shifted(entry["date"], -400)
    views = []
    for n, made in enumerate((document, swapped)):
        dossier = read_source(Source(f"c{n}.json", json.dumps(made, ensure_ascii=False)))
        ctx = make_context(dossier, DAYS[0])
        views.append(_view(dossier, ctx, True))
        for evaluator, code in EVALUATORS:
            assert _findings(evaluator, code, dossier, DAYS[0], True) == \
                _findings(evaluator, code, dossier, DAYS[0], False), code
    assert views[0].steps_key == views[1].steps_key and views[0].repeated
    assert structure.layout(views[0]).edges != structure.layout(views[1]).edges
    assert _findings(structure.date_order, "DATE_ORDER", views[1].dossier, DAYS[0], True)


def test_look_answers_nothing_exactly_when_it_saw_nothing():
    fields = dossier_screen.Seen.__struct_fields__
    for dossier in DOSSIERS:
        for as_of in DAYS:
            seen = dossier_screen.look(dossier, as_of)
            assert (seen is dossier_screen.NOTHING) == (not any(getattr(seen, f) for f in fields))
    assert not any(getattr(dossier_screen.NOTHING, f) for f in fields)


def test_the_list_after_nothing_drops_only_seen_only_screens_that_say_no():
    def evaluator(code, view, ctx, out):
        out.append(code)

    def marked(predicate, seen_only):
        return dossier_screen.may_find(predicate, seen_only=seen_only)(lambda *a: evaluator(*a))

    entries = [(marked(lambda seen, view: seen.late, True), "late"),
               (marked(lambda seen, view: not seen.late, True), "on time"),  # "maybe" when nothing is seen
               (marked(lambda seen, view: seen.unsigned, False), "reads the view"),
               (evaluator, "always")]
    plan = dossier_screen.plan(entries)
    assert [code for _, code, _, _ in plan] == ["late", "on time", "reads the view", "always"]
    assert [code for _, code, _, _ in plan.after_nothing] == ["on time", "reads the view", "always"]


def test_a_material_missing_from_both_cycles_is_reported_at_both():
    """One material short of every copy, required in each probation cycle: one finding per record."""
    document = copy.deepcopy(next(d for d in base_cases() if d["steps"][-1]["step"] == "s25_archived"))
    assert _extend(document)
    gone = next(m["id"] for m in document["materials"] if m.get("step") == "s22_conversion_applied")
    document["materials"] = [m for m in document["materials"] if m["id"] != gone]
    dossier = read_source(Source("m.json", json.dumps(document, ensure_ascii=False)))
    fast = _findings(records.materials, "MATERIAL_MISSING", dossier, DAYS[0], True)
    assert fast == _findings(records.materials, "MATERIAL_MISSING", dossier, DAYS[0], False)
    assert [subject for _, _, _, subject in fast] == [gone, gone]

"""The dossier screen (workflow.rules.dossier_screen) only ever skips an evaluator that finds nothing.

For every dossier of the bench's generated corpus and of hand-made dossiers that hit each dossier
code (through each kind of record the code reads), on several days of audit: whenever a dossier
evaluator reports anything, the `may_find` declared for it said "maybe"; and the screened run gives
exactly the findings (same order, same text) of every evaluator run one after the other, also when
the audit asks about a hypothetical step. The audit as a whole is held to a reference evaluation
by tests/workflow/test_audit_reference.py.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter

import pytest

from bench.audit_throughput import corpus
from bench.generate import base_cases
from workflow.audit import make_context
from workflow.audit_stream import Source, read_source
from workflow.dossier import parse_dossier
from workflow.rules import DOSSIER_EVALUATORS, dossier_screen
from workflow.view import DossierView

DAYS = (dt.date(2026, 11, 21), dt.date(2019, 1, 1))
LATER = "2027-03-01"


def _plan(catalogue):
    """The dossier rules of the catalogue as the audit plans them, (evaluator, code, predicate)."""
    seen: dict[str, str] = {}
    for rs in catalogue.ordered():
        for rule in rs.rules_by_step.get(None, ()):
            seen.setdefault(rule.code, rule.kind)
    return dossier_screen.plan((DOSSIER_EVALUATORS[kind], code) for code, kind in seen.items())


def _hand_made() -> list[tuple[str, dict]]:
    """(name, document) made from a complete generated case, each with one fault a dossier rule reports."""
    base = next(d for d in base_cases() if d["steps"][-1]["step"] == "s25_archived" and d.get("materials"))
    last = len(base["steps"]) - 1
    made = []

    def variant(name, change):
        document = copy.deepcopy(base)
        document["id"] = f"{document['id']}-{len(made)}"
        change(document)
        made.append((name, document))

    variant("as generated", lambda d: None)
    variant("reversed", lambda d: d["steps"].reverse())  # every step before its prerequisites
    variant("dated back", lambda d: d["steps"][3].update(date=d["steps"][1]["date"]))
    variant("two dated back, recorded in reverse", lambda d: (
        d["steps"][3].update(date=d["steps"][0]["date"]), d["steps"][8].update(date=d["steps"][0]["date"]),
        d["steps"].reverse()))
    variant("prerequisite missing", lambda d: d["steps"].pop(2))
    variant("late step", lambda d: d["steps"][last].update(date=LATER))
    variant("late review", lambda d: d["steps"][2].update(reviewed_on=LATER))
    variant("late assessment",
            lambda d: d["assessments"].append({"date": LATER, "period": d["assessments"][0]["period"]}))
    variant("late thought report", lambda d: d.setdefault("thought_reports", []).append({"date": LATER}))
    variant("late case event", lambda d: d.update(case_events=[{"kind": "withdraw", "date": LATER}]))
    variant("late notice", lambda d: d["publicity"][0].update(end=LATER))
    variant("late material", lambda d: d["materials"][1].update(date=LATER))
    variant("material missing", lambda d: d["materials"].pop(4))
    variant("unsigned", lambda d: d["materials"][0].update(signed_by=[]))
    variant("not reviewed", lambda d: d["steps"][5].update(reviewed_by=None, reviewed_on=None))
    variant("reviewer empty", lambda d: d["steps"][5].update(reviewed_by=""))
    variant("self-review", lambda d: d["steps"][4].update(reviewed_by=d["steps"][4]["recorded_by"]))
    variant("self-review with blanks",
            lambda d: d["steps"][4].update(reviewed_by=" " + d["steps"][4]["recorded_by"] + " "))
    variant("on paper", lambda d: d["steps"][4].update(review_source="paper", paper_review={
        "reviewed_by": "李四", "imported_by": "王五", "imported_on": d["steps"][4]["date"]}))
    variant("corrected", lambda d: d["steps"][6].update(archive_correction={"by": "钱七", "on": "2026-01-05",
                                                                            "reason": "更正日期"}))
    variant("no list of materials", lambda d: d.update(materials=None))
    variant("no reviews at all",
            lambda d: [s.update(recorded_by=None, reviewed_by=None, reviewed_on=None) for s in d["steps"]])
    variant("steps repeated", lambda d: d["steps"].extend(copy.deepcopy(d["steps"][-5:-1])))
    return made


HAND_MADE = _hand_made()


def _dossiers() -> list:
    rows = corpus(400)
    for n, (_, document) in enumerate(HAND_MADE):
        text = json.dumps(document, ensure_ascii=False)
        rows.append((text, None, None))
        rows.append((text, "2014" if n % 2 else "2026.05", "example-university" if n % 3 == 0 else None))
    read = [read_source(Source(f"d{n}.json", text, rule_set=pin, overlay=overlay))
            for n, (text, pin, overlay) in enumerate(rows)]
    validated = [parse_dossier(json.dumps(document, ensure_ascii=False)) for _, document in HAND_MADE]
    return read + validated  # the evaluators read the validated models' fields as they read the facts'


DOSSIERS = _dossiers()


def _audited(dossier, as_of):
    ctx = make_context(dossier, as_of)
    view = DossierView(dossier, ctx.structure)
    ctx.judge(view)
    return ctx, view


@pytest.mark.parametrize("as_of", DAYS, ids=str)
def test_a_kind_that_finds_something_was_never_screened_out(as_of):
    found, skipped = Counter(), Counter()
    for dossier in DOSSIERS:
        ctx, view = _audited(dossier, as_of)
        seen = dossier_screen.look(dossier, as_of)
        for evaluator, code, predicate, hands in _plan(ctx.catalogue):
            out = []
            evaluator(code, view, ctx, out)
            if predicate is None:
                continue
            maybe = predicate(seen, view)
            if hands and maybe:  # what the screen hands on gives the evaluator's own findings
                handed = []
                evaluator(code, view, ctx, handed, maybe)
                assert handed == out, (code, dossier.id)
            if out:
                found[code] += 1
                assert maybe, (code, dossier.id, [f.message for f in out])
            elif not maybe:
                skipped[code] += 1
    screened = {code for _, code, predicate, _ in _plan(make_context(DOSSIERS[0], as_of).catalogue) if predicate}
    assert screened >= {"DATE_ORDER", "DATE_IN_FUTURE", "MATERIAL_MISSING", "SIGNATURE_MISSING", "REVIEW_MISSING",
                        "SELF_REVIEW", "REVIEW_ON_PAPER", "CORRECTED_AFTER_ARCHIVE"}
    assert set(found) == screened  # every screened code was found somewhere: the claim was tested
    assert set(skipped) == screened  # and every screen does skip its evaluator somewhere


def test_each_source_of_a_late_date_is_seen():
    """Each kind of record whose date `future_dates` reads makes the screen say "late", and only those."""
    for name, document in HAND_MADE:
        dossier = read_source(Source("d.json", json.dumps(document, ensure_ascii=False)))
        assert dossier_screen.look(dossier, DAYS[0]).late == name.startswith("late "), name


@pytest.mark.parametrize("as_of", DAYS, ids=str)
def test_the_screened_run_gives_every_evaluator_s_findings(as_of):
    for dossier in DOSSIERS:
        ctx, view = _audited(dossier, as_of)
        plan = _plan(ctx.catalogue)
        screened, plain = [], []
        dossier_screen.run(plan, view, ctx, screened)
        for evaluator, code, _, _ in plan:
            evaluator(code, view, ctx, plain)
        assert screened == plain, dossier.id


def test_a_hypothetical_step_runs_every_evaluator():
    """The plan asks what would block a step: the screen is not asked, every evaluator runs."""
    calls = []
    dossier = DOSSIERS[0]
    ctx, view = _audited(dossier, DAYS[0])
    ctx.hypothetical = len(dossier.steps) - 1
    plan = dossier_screen.plan((dossier_screen.may_find(lambda seen, v: False)(
        lambda code, v, c, out: calls.append(code)), code) for _, code, _, _ in _plan(ctx.catalogue))
    dossier_screen.run(plan, view, ctx, [])
    assert calls == [code for _, code, _, _ in plan]
    ctx.hypothetical = None
    calls.clear()
    dossier_screen.run(plan, view, ctx, [])
    assert calls == []


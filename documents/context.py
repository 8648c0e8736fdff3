"""The values a form template may print, built from one dossier and nothing else.

Every key a template can ask for is present; an unknown value is None and prints as a blank
line to fill by hand. Plain dicts keep the templates dumb: a typo in a template is an error
(StrictUndefined), never a silently empty cell.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from checklists.model import RuleSet
from documents import labels
from documents.inforce import current_rule_set, rule_sets_by_step
from documents.rule_words import rule_figures
from workflow.dossier import Dossier, Person, StepEntry, Votes
from workflow.rules.kinds import KINDS, rules_of_kind
from workflow.view import DossierView

_STEP_FIELDS = list(StepEntry.model_fields)
_VOTE_FIELDS = list(Votes.model_fields)


def _person(person: Person) -> dict[str, Any]:
    out = {name: None for name in Person.model_fields}
    out.update(person.model_dump())
    return out


def _votes(votes: Votes | None) -> dict[str, Any]:
    out: dict[str, Any] = {name: None for name in _VOTE_FIELDS}
    out.update(known=False, yes_total=None, no_total=None, absent=None, quorum=None, passed=None)
    if votes is None:
        return out
    out.update(votes.model_dump(include=set(_VOTE_FIELDS)))
    out.update(known=True, yes_total=votes.yes_total, no_total=votes.no + votes.written_no,
               absent=votes.expected - votes.present, quorum=votes.has_quorum, passed=votes.carried)
    return out


def _people(people) -> list[dict[str, Any]]:
    return [{"name": p.name, "status": p.status, "status_label": labels.MEMBER_STATUS.get(p.status, p.status),
             "discipline": p.discipline} for p in people or []]


def _step(rs: RuleSet, step_id: str, entry: StepEntry | None) -> dict[str, Any]:
    meta = rs.step_by_id[step_id]
    out: dict[str, Any] = {name: None for name in _STEP_FIELDS}
    if entry is not None:
        out.update(entry.model_dump(exclude={"votes", "people"}))
    out.update(id=step_id, number=meta.number, name=meta.name, actor=meta.actor, article=meta.article,
               stage=meta.stage, recorded=entry is not None,
               votes=_votes(entry.votes if entry else None), people=_people(entry.people if entry else None),
               done_by=(entry.by or entry.recorded_by) if entry else None,
               nomination_labels=[labels.NOMINATION.get(n, n) for n in (entry.nomination or [])] if entry else [])
    return out


def _half_years(rs: RuleSet, start: dt.date | None, until: dt.date | None, assessments: list[dict]) -> list[dict]:
    """The windows the activist assessment rule imposes after s03 (its kind says them: every `every`,
    normally half a year) and the assessments in each; at least two rows, blank without s03."""
    if start is None:
        return [{"index": k, "start": None, "end": None, "items": []} for k in (1, 2)]
    kind = KINDS["periodic_assessment"]
    rules = rules_of_kind(rs, "periodic_assessment")
    rule = next((r for r in rules if r.params.period == "activist"), rules[0])
    rows = []
    for k, (lo, hi) in enumerate(kind.windows(rule, start), 1):
        if k > 2 and (hi > until if until else not any(a["date"] > lo for a in assessments)):
            return rows
        rows.append({"index": k, "start": lo, "end": hi,
                     "items": [a for a in assessments if lo < a["date"] <= hi]})
    return rows


def _probation(rs: RuleSet, dossier: Dossier, steps: dict[str, dict], cycles: list[dict]) -> dict[str, Any]:
    """Start, end and extended end as the engine computes them (workflow.view), for printing."""
    ends = DossierView(dossier, rs).probation_ends()
    extended = None
    for cycle in cycles:
        s23 = cycle[rs.probation.decided_by]
        if s23 and s23["outcome"] == "extend" and s23["extend_months"]:
            extended = s23["extend_months"]
            break
    return {"start": steps[rs.probation.starts_with]["date"], "end": ends[0] if ends else None,
            "extend_months": extended, "final_end": ends[-1] if ends else None}


def committee_name(dossier: Dossier) -> str:
    """The 基层党委 that signs the seal lines: the body named as approver at s17/s24 (the latest one
    that is a 党委), else the generic title, so a blank form still says who signs."""
    named = [e.approving_body.name for e in sorted(dossier.steps, key=lambda e: e.date)
             if e.approving_body is not None and e.approving_body.name and e.approving_body.type == "committee"]
    return named[-1] if named else "基层党委"


def _cycles(rs: RuleSet, dossier: Dossier) -> list[dict]:
    """s21–s24 grouped by probation cycle (they repeat after an extension)."""
    ids = [s.id for s in rs.steps if s.probation_cycle]
    cycles: list[dict] = []
    for entry in sorted((e for e in dossier.steps if e.step in ids), key=lambda e: (e.date, ids.index(e.step))):
        if not cycles or cycles[-1][entry.step] is not None:
            cycles.append({sid: None for sid in ids})
        cycles[-1][entry.step] = _step(rs, entry.step, entry)
    return cycles


def build_context(dossier: Dossier, form: Any, *, rs: RuleSet | None = None,
                  today: dt.date | None = None, extra: dict | None = None) -> dict[str, Any]:
    rs = rs or current_rule_set(dossier)
    latest: dict[str, StepEntry] = {}
    for entry in dossier.steps:
        if entry.step not in latest or entry.date >= latest[entry.step].date:
            latest[entry.step] = entry
    steps = {s.id: _step(rs, s.id, latest.get(s.id)) for s in rs.steps}
    entries = sorted(dossier.steps, key=lambda e: (rs.step_index.get(e.step, 99), e.date))
    # `score` (a reviewed period score) and `pairing` (the pairing work of the time looked back over) are
    # what an assessment recorded in the store cites (workflow/store/cultivation.record_assessment)
    assessments = [{"score": None, "pairing": None, **a.model_dump(),
                    "period_label": labels.ASSESSMENT_PERIOD.get(a.period, a.period)}
                   for a in sorted(dossier.assessments, key=lambda a: a.date)]
    publicity = {kind: None for kind in labels.PUBLICITY_KIND}
    for item in sorted(dossier.publicity, key=lambda p: p.start):
        publicity[item.kind] = item.model_dump()
    materials = {}
    for m in dossier.materials or []:
        materials.setdefault(m.id, m.model_dump())
    cycles = _cycles(rs, dossier)
    s03 = steps["s03_activist_determined"]["date"]
    until = steps["s07_candidate_determined"]["date"] or steps["s06_activist_cultivation"]["date"]
    activist = [a for a in assessments if a["period"] == "activist"]
    context = {
        "form": {"id": form.id, "name": form.name, "stage": form.stage},
        "dossier_id": dossier.id,
        "person": _person(dossier.person),
        "organisation": dossier.person.organisation,
        "committee": committee_name(dossier),
        "rule_set": {"id": rs.id, "label": rs.label, "title": rs.title, "document": rs.document,
                     "overlay": rs.overlay, "overlay_name": rs.overlay_name},
        "rule_sets_used": [{"label": r.label, "title": r.title, "document": r.document,
                            "overlay_name": r.overlay_name, "steps": [r.step_by_id[s].number for s in ids]}
                           for r, ids in rule_sets_by_step(dossier)],
        "stages": {st.number: st.name for st in rs.stages},
        "rs_steps": [{"id": s.id, "number": s.number, "name": s.name, "stage": s.stage} for s in rs.steps_in_order],
        "steps": steps,
        "entries": [_step(rs, e.step, e) for e in entries if e.step in rs.step_by_id],
        "cycles": cycles,
        "assessments": assessments,
        "activist_half_years": _half_years(rs, s03, until, activist),
        "probation_assessments": [a for a in assessments if a["period"] == "probation"],
        "thought_reports": [t.date for t in sorted(dossier.thought_reports, key=lambda t: t.date)],
        "publicity": publicity,
        "materials": materials,
        "materials_registered": dossier.materials is not None,
        "material_names": {m.id: m.name for m in rs.materials},
        "material_required": {m.id: m.required for m in rs.materials},
        "materials_by_step": {s.id: [m.id for m in rs.materials if m.step == s.id] for s in rs.steps},
        "case_events": [{**e.model_dump(), "label": labels.CASE_EVENT.get(e.kind, e.kind)}
                        for e in sorted(dossier.case_events, key=lambda e: e.date)],
        "probation": _probation(rs, dossier, steps, cycles),
        "labels": labels.ALL,
        "generated_on": today or dt.date.today(),
        **rule_figures(rs),
    }
    context.update(extra or {})
    return context

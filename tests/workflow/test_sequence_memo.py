"""The per-dossier overhead of the audit taken by memories kept per sequence of recorded steps (issue 13):
`steps_key_of` (one tuple per sequence), `DossierView.sequence` (repeats, places, order, a missing
prerequisite, the replay's machine and answers, the step plans), `procedure_rule_set` reading the
decisive records by their places, occurrences made only when asked for (with the rule set `judge`
found), and the view's questions answered from the places when no step repeats. Each test compares
with the record-by-record answer and would fail if a shortcut answered otherwise.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import random
from pathlib import Path

from bench.audit_throughput import corpus
from checklists.loader import default_catalogue
from workflow.audit import audit_dossier, evaluate, make_context
from workflow.dossier_facts import read_facts, with_organisation
from workflow.machine import derive_state, replay
from workflow.procedure import procedure_rule_set
from workflow.view import DossierView, steps_key_of

AS_OF = dt.date(2026, 11, 21)

_spec = importlib.util.spec_from_file_location("view_fast", Path(__file__).with_name("test_view_fast.py"))
_view_fast = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_view_fast)
STRADDLING = _view_fast.CORPUS  # dossiers across 2026-05-11, pinned, overlays, out of order, extended


def _generated(count: int = 300) -> list:
    rows = corpus(count)
    random.Random(7).shuffle(rows)
    return [with_organisation(read_facts(text), pin, overlay) for text, pin, overlay in rows]


GENERATED = _generated()
ALL = STRADDLING + GENERATED


def _by_step(view) -> dict:
    out: dict = {}
    for occ in view.occurrences:
        out.setdefault(occ.step, []).append(occ)
    return out


def test_one_key_object_per_sequence_of_steps():
    keys = {}
    for dossier in ALL:
        key = steps_key_of(dossier.steps)
        assert key == tuple(entry.step for entry in dossier.steps)
        assert keys.setdefault(key, key) is key
        assert DossierView(dossier, make_context(dossier, AS_OF).structure).steps_key is key


def test_what_is_kept_per_sequence_lives_on_its_key():
    """The StepSequence of a rule set and the procedure's places are kept on the StepsKey: a dossier
    with the same steps finds the same ones, a plain tuple of the ids finds them too, and a key made
    after the keys were emptied remembers nothing from the old one (the memories are bounded with it)."""
    from workflow import view as view_module

    catalogue = default_catalogue()
    view_module._keys.clear()  # keys made by other tests' catalogues hold those catalogues' memories too
    dossier = next(d for d in GENERATED if d.rule_set is None)  # a pin decides without the places
    twin = next(other for other in GENERATED[1:] if steps_key_of(other.steps) == steps_key_of(dossier.steps))
    base = make_context(dossier, AS_OF).structure
    first = DossierView(dossier, base)
    assert DossierView(twin, base).sequence is first.sequence
    assert DossierView(twin, base, tuple(first.steps_key)).sequence is first.sequence
    procedure_rule_set(dossier, catalogue, AS_OF, first.steps_key)
    assert len(first.steps_key.kept) == 2  # this rule set's StepSequence and the procedure's places
    view_module._keys.clear()
    key = steps_key_of(dossier.steps)
    assert key == first.steps_key and key is not first.steps_key and not key.kept
    again = DossierView(dossier, base, key)
    assert again.sequence is not first.sequence and again.sequence.key is key
    assert procedure_rule_set(dossier, catalogue, AS_OF, key) is procedure_rule_set(dossier, catalogue, AS_OF)
    for n in range(20):  # however many owners ask (catalogues reloaded), a key keeps a few
        DossierView(dossier, base.model_copy(), key)
        assert len(key.kept) <= 8


def test_the_procedure_read_by_places_is_the_one_read_record_by_record():
    catalogue = default_catalogue()
    for as_of in (AS_OF, dt.date(2026, 5, 10), dt.date(2019, 1, 1)):
        for dossier in ALL:
            key = steps_key_of(dossier.steps)
            assert procedure_rule_set(dossier, catalogue, as_of, key) is procedure_rule_set(dossier, catalogue, as_of)
            assert procedure_rule_set(dossier, catalogue, as_of, key) is \
                _view_fast._procedure_the_long_way(dossier, catalogue, as_of)


def test_judging_with_the_walks_latest_date_judges_as_judging_alone():
    """The audit hands `judge` the latest date the dossier screen's walk found (`survey`): the same
    rule set for every record as `judge` finding the dates itself, on dossiers across 2026-05-11 too."""
    from workflow.rules.dossier_screen import look, survey

    mixed = 0
    for as_of in (AS_OF, dt.date(2026, 5, 10)):
        for dossier in ALL:
            ctx = make_context(dossier, as_of)
            alone, handed = DossierView(dossier, ctx.structure), DossierView(dossier, ctx.structure)
            ctx.judge(alone)
            seen, latest = survey(dossier, as_of)
            assert seen == look(dossier, as_of)
            assert latest == max((entry.date for entry in dossier.steps), default=dt.date.min)
            ctx.judge(handed, latest)
            assert handed.judged_by is alone.judged_by, dossier.id
            assert [occ.rs for occ in handed.occurrences] == [occ.rs for occ in alone.occurrences]
            mixed += alone.judged_by is None
    assert mixed  # some dossiers are judged record by record


def test_occurrences_made_late_carry_the_rule_set_judge_found():
    made_late = 0
    for dossier in ALL:
        ctx = make_context(dossier, AS_OF)
        early = DossierView(dossier, ctx.structure)
        early.occurrences  # made before the judging: judge sets each
        ctx.judge(early)
        late = DossierView(dossier, ctx.structure)
        ctx.judge(late)
        made_late += "occurrences" not in late.__dict__
        assert late.judged_by is early.judged_by
        assert [(o.index, o.entry, o.step, o.cycle) for o in late.occurrences] == \
            [(o.index, o.entry, o.step, o.cycle) for o in early.occurrences]
        assert all(a.rs is b.rs for a, b in zip(late.occurrences, early.occurrences)), dossier.id
        assert all(occ.rs is ctx.ruleset_at(occ) for occ in late.occurrences)
    assert made_late > len(ALL) / 2


def test_the_views_questions_answer_as_each_steps_records_do():
    """first, last, in_cycle, anchor, conversion_outcome, probation ends, prerequisites and what follows,
    asked of a fresh view (answered from the places when no step repeats), against the lists of records."""
    checked = 0
    for dossier in ALL:
        base = make_context(dossier, AS_OF).structure
        fresh = DossierView(dossier, base)
        probation = base.probation
        ends = []  # the probation ends, record by record
        known = _by_step(DossierView(dossier, base))
        cyclic = {step.id for step in base.steps if step.probation_cycle}
        for step_id, occs in known.items():
            if step_id in cyclic and len(occs) > 1:
                occs.sort(key=lambda o: (o.entry.date, o.index))
        starts = known.get(probation.starts_with)
        if starts:
            from workflow.dates import add_months
            end = add_months(starts[0].entry.date, probation.months)
            ends.append(end)
            for meeting in known.get(probation.decided_by, []):
                if meeting.entry.outcome == "extend" and meeting.entry.extend_months:
                    end = add_months(end, meeting.entry.extend_months)
                    ends.append(end)
                else:
                    break
        assert fresh.probation_ends() == ends, dossier.id
        for step in base.steps:
            occs = known.get(step.id, [])
            same = lambda a, b: (a is None and b is None) or (a is not None and b is not None and a.index == b.index)
            assert same(fresh.first(step.id), occs[0] if occs else None)
            assert same(fresh.last(step.id), occs[-1] if occs else None)
            for cycle in (0, 1, 2):
                if not occs:
                    expected = None
                elif cycle == 0 or step.id not in cyclic:
                    expected = occs[0]
                else:
                    expected = occs[cycle] if cycle < len(occs) else None
                assert same(fresh.in_cycle(step.id, cycle), expected), (dossier.id, step.id, cycle)
        for cycle in (0, 1, 2):
            meeting = fresh.in_cycle(probation.decided_by, cycle)
            again = DossierView(dossier, base)
            assert again.conversion_outcome(cycle) == (None if meeting is None else meeting.entry.outcome or "convert")
        again = DossierView(dossier, base)
        for occ in again.occurrences:
            later = base.descendants.get(occ.step, frozenset())
            expected = any(other for step_id in later for other in known.get(step_id, ())
                           if not (occ.step in cyclic and step_id in cyclic and other.cycle != occ.cycle))
            assert DossierView(dossier, base).continued_after(occ) == expected
            for name in (probation.starts_with, probation.decided_by, "s01_application"):
                anchored = DossierView(dossier, base).anchor(name, occ)
                if not again.repeated:
                    assert anchored == (known[name][0].entry.date if name in known else None)
        pairs = [(occ.index, req, prior.index if prior else None)
                 for occ, found in zip(again.occurrences, again.all_prerequisites()) for req, prior in found]
        fresh2 = DossierView(dossier, base)
        assert [(occ.index, req, prior.index if prior else None)
                for occ in fresh2.occurrences for req, prior in DossierView(dossier, base).prerequisites(
                    DossierView(dossier, base).occurrences[occ.index])] == pairs
        before = [(occ.index, req, prior.index) for occ, found in zip(again.occurrences, again.all_prerequisites())
                  for req, prior in found if prior is not None and occ.entry.date < prior.entry.date]
        assert [(o.index, r, p.index) for o, r, p in DossierView(dossier, base).steps_before_prerequisites()] == before
        assert DossierView(dossier, base).some_prerequisite_missing() == \
            any(prior is None for _, found in [(0, f) for f in again.all_prerequisites()] for _, prior in found)
        checked += 1
    assert checked == len(ALL)


def test_the_replay_of_a_view_without_occurrences_is_the_step_by_step_replay():
    for second in (False, True):  # the second pass answers from what the first remembered
        for dossier in ALL:
            structure = make_context(dossier, AS_OF).structure
            view = DossierView(dossier, structure)
            state = derive_state(dossier, view)
            assert state == replay(dossier, DossierView(dossier, structure), upto=1 << 30), dossier.id
            if second and not view.repeated and not dossier.case_events:
                assert "occurrences" not in view.__dict__  # read one record at a time: none made


def test_the_audit_with_its_memories_finds_what_the_plain_evaluation_finds():
    for _ in range(3):  # plans are compiled on the second sight and kept on the sequence from the third
        for dossier in ALL:
            audit = audit_dossier(dossier, AS_OF)
            ctx = make_context(dossier, AS_OF)
            ctx.hypothetical = None
            view, findings = evaluate(dossier, ctx)
            assert [f.to_dict() for f in audit.findings] == [f.to_dict() for f in findings], dossier.id
            assert audit.state == replay(dossier, DossierView(dossier, ctx.structure), upto=1 << 30)


def test_a_key_keeps_what_its_last_few_owners_gave():
    """`StepsKey.keep`: a value is kept per owner and given back; a ninth owner drops the earlier ones
    (so a key never keeps the memories of catalogues reloaded since), the new one is kept."""
    from workflow.view import steps_key

    key = steps_key(("s01_application", "s02_applicant_talk", "keep-test"))
    owners = [object() for _ in range(20)]
    for n, owner in enumerate(owners):
        assert key.keep(owner, n) == n
        assert key.kept[owner] == n
        assert len(key.kept) <= 8
    assert owners[0] not in key.kept

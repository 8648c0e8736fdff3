"""What the cheaper dossier screen relies on (workflow.rules.dossier_screen.look, workflow.rules.records).

- `look` compares a missing date of review or of a material as the earliest day (`date or earliest`):
  such a record is never "late", and a late one beside it still is.
- `_may_miss_material`, when it says "maybe" for a list judged by one rule set, answers with the rows
  and positions it found; `run` hands that answer to `materials` (`may_find(..., hands=True)`), which
  then reports exactly what it reports when it finds them itself; evaluators that do not declare
  `hands` are called with four arguments.
"""
from __future__ import annotations

import copy
import datetime as dt
import json

from bench.generate import base_cases
from workflow.audit import make_context
from workflow.audit_stream import Source, read_source
from workflow.rules import dossier_screen, records
from workflow.view import DossierView

AS_OF = dt.date(2026, 11, 21)
LATER = "2027-03-01"


def _base() -> dict:
    return copy.deepcopy(next(d for d in base_cases() if d["steps"][-1]["step"] == "s25_archived"
                              and d.get("materials")))


def _read(document: dict, name: str = "d.json"):
    return read_source(Source(name, json.dumps(document, ensure_ascii=False)))


def _audited(dossier):
    ctx = make_context(dossier, AS_OF)
    view = DossierView(dossier, ctx.structure)
    ctx.judge(view)
    return ctx, view


def test_a_missing_date_of_review_or_material_is_never_late():
    document = _base()
    assert dossier_screen.look(_read(document), AS_OF) is dossier_screen.NOTHING
    for entry in document["steps"]:
        entry["reviewed_on"] = None
    for material in document["materials"]:
        material.pop("date", None)
    dossier = _read(document)
    assert all(entry.reviewed_on is None for entry in dossier.steps)
    assert all(material.date is None for material in dossier.materials)
    assert not dossier_screen.look(dossier, AS_OF).late

    late_review = copy.deepcopy(document)
    late_review["steps"][3]["reviewed_on"] = LATER
    assert dossier_screen.look(_read(late_review), AS_OF).late

    late_material = copy.deepcopy(document)
    late_material["materials"][-1]["date"] = LATER
    assert dossier_screen.look(_read(late_material), AS_OF).late


def test_the_rows_handed_to_materials_are_those_of_its_own_list():
    complete = _base()
    short_of = {}
    dossiers = {}
    for at in (1, 4):  # two dossiers recording the same steps, each short of another material
        document = copy.deepcopy(complete)
        document["id"] = f"{document['id']}-{at}"
        short_of[at] = document["materials"].pop(at)["id"]
        dossiers[at] = _read(document, f"{at}.json")
    assert short_of[1] != short_of[4]

    def findings(dossier, handed=False):
        ctx, view = _audited(dossier)
        out = []
        if handed:
            found = records._may_miss_material(dossier_screen.NOTHING, view)
            assert type(found) is tuple and found[0] is records._rows_of(view.judged_by, view)
            records.materials("MATERIAL_MISSING", view, ctx, out, found)
        else:
            records.materials("MATERIAL_MISSING", view, ctx, out)
        return [f.subject for f in out]

    alone = {at: findings(dossier) for at, dossier in dossiers.items()}
    assert short_of[1] in alone[1] and short_of[1] not in alone[4]
    assert short_of[4] in alone[4] and short_of[4] not in alone[1]
    assert {at: findings(dossier, handed=True) for at, dossier in dossiers.items()} == alone

    ctx1, view1 = _audited(dossiers[1])
    ctx4, view4 = _audited(dossiers[4])
    assert view1.judged_by is not None and view1.judged_by is view4.judged_by
    assert records._rows_of(view1.judged_by, view1) is records._rows_of(view4.judged_by, view4)  # the same rows
    assert records._may_miss_material(dossier_screen.NOTHING, view1)[1] != \
        records._may_miss_material(dossier_screen.NOTHING, view4)[1]  # each list its own positions


def test_a_complete_list_hands_nothing():
    dossier = _read(_base())
    ctx, view = _audited(dossier)
    assert records._may_miss_material(dossier_screen.NOTHING, view) is False


def test_run_hands_the_predicates_answer_only_to_evaluators_that_declare_it():
    dossier = _read(_base())
    ctx, view = _audited(dossier)
    calls = []

    @dossier_screen.may_find(lambda seen, view: ("rows", "positions"), hands=True)
    def handed(code, view, ctx, out, found=None):
        calls.append((code, found))

    @dossier_screen.may_find(lambda seen, view: ("ignored",))
    def not_handed(code, view, ctx, out, found="absent"):
        calls.append((code, found))

    @dossier_screen.may_find(lambda seen, view: (), hands=True)
    def never(code, view, ctx, out, found=None):
        calls.append((code, found))

    def always(code, view, ctx, out, found="absent"):
        calls.append((code, found))

    plan = dossier_screen.plan([(handed, "A"), (not_handed, "B"), (never, "C"), (always, "D")])
    dossier_screen.run(plan, view, ctx, [], dossier_screen.NOTHING)
    assert calls == [("A", ("rows", "positions")), ("B", "absent"), ("D", "absent")]

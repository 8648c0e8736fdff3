"""The fast reading of `dossier/1` (workflow.dossier_facts, msgspec) against the validated one
(workflow.dossier.parse_dossier, pydantic): whatever the fast path accepts, the pydantic path accepts
with the same values, and the audit of either says the same; whatever it refuses goes to the pydantic
path, so errors stay exactly the precise ones. Checked on the shared examples, a generated corpus,
and documents that hypothesis breaks in every field."""
from __future__ import annotations

import copy
import datetime as dt
import json

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests_support import example_dir

from bench.generate import base_cases, variants
from workflow.audit import audit_dossier
from workflow.audit_stream import Source, audit_sources, read_source
from workflow.dossier import parse_dossier
from workflow.dossier_facts import read_facts
from workflow.errors import InputError

AS_OF = dt.date(2026, 11, 21)
EXAMPLES = sorted(example_dir().glob("*.json"))


def _case(path) -> tuple[dict, dt.date]:
    case = json.loads(path.read_text(encoding="utf-8"))
    return case["dossier"], dt.date.fromisoformat(case["as_of"])


def _same(text: str, as_of: dt.date = AS_OF) -> None:
    """Both paths agree on `text`: the fast one refuses, or both accept with equal values and audits."""
    facts = read_facts(text)
    try:
        model = parse_dossier(text)
    except InputError:
        assert facts is None, "the fast path accepted a document the validated path refuses"
        return
    if facts is None:
        return
    assert msgspec.to_builtins(facts) == model.model_dump(mode="json")
    assert audit_dossier(facts, as_of).to_dict() == audit_dossier(model, as_of).to_dict()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_read_fast_with_the_same_audit(path):
    dossier, as_of = _case(path)
    text = json.dumps(dossier, ensure_ascii=False)
    assert read_facts(text) is not None  # the fast path is the one taken for ordinary files
    _same(text, as_of)


def test_a_generated_corpus_reads_fast_with_the_same_audit():
    documents = variants(base_cases(), 400, faulty_share=0.6, seed=11)
    for n, document in enumerate(documents):
        if n % 5 == 0:
            document["overlay"] = "example-university"
        if n % 7 == 0:
            document["rule_set"] = "2014"
        text = json.dumps(document, ensure_ascii=False)
        assert read_facts(text) is not None
        _same(text, [AS_OF, dt.date(2026, 5, 1), dt.date(2019, 6, 1)][n % 3])


def test_the_stream_takes_the_fast_path_and_answers_as_the_validated_one():
    documents = variants(base_cases(), 60, faulty_share=0.5, seed=5)
    sources = [Source(f"g{i}.json", json.dumps(d, ensure_ascii=False),
                      rule_set="2014" if i % 4 == 1 else None,
                      overlay="example-university" if i % 4 == 2 else None) for i, d in enumerate(documents)]
    streamed = [r.audit for r in audit_sources(sources, AS_OF, workers=0)]
    by_model = []
    for source in sources:
        model = parse_dossier(source.text)
        update = {k: v for k, v in (("rule_set", source.rule_set), ("overlay", source.overlay)) if v is not None}
        by_model.append(audit_dossier(model.model_copy(update=update), AS_OF).to_dict())
    assert streamed == by_model
    assert all(type(read_source(s)).__module__ == "workflow.dossier_facts" for s in sources)


def test_what_the_fast_path_refuses_gets_the_precise_error():
    document, _ = _case(EXAMPLES[0])
    document["steps"][1]["date"] = "2020-02-30"
    text = json.dumps(document, ensure_ascii=False)
    assert read_facts(text) is None
    result = next(iter(audit_sources([Source("d.json", text)], AS_OF, workers=0)))
    assert (result.error["code"], result.error["path"], result.error["file"]) == \
        ("DATE_INVALID", "$.steps[1].date", "d.json")


def _step(d, step_id):
    return next(s for s in d["steps"] if s["step"] == step_id)


@pytest.mark.parametrize("mutate", [
    # other shapes, which only the validated path takes in (and keeps, bounded, for a lossless export)
    lambda d: d.update(note="纸质档案"),
    lambda d: d["steps"][4]["people"][0].update(discipline={"kind": "警告", "until": "2030-01-01"}),
    lambda d: d["steps"][4]["people"][0].update(until="2030-01-01"),
    lambda d: d["person"].update(league_member="true"),
    lambda d: d["steps"][10].update(days="3"),
    lambda d: d.pop("format"),
    # every check the models and the reference check make beyond types
    lambda d: d.update(format="dossier/2"),
    lambda d: d.update(rule_set="2019"),
    lambda d: d.update(id="a/b"),
    lambda d: d.update(id="a..b"),
    lambda d: d.update(id="x" * 65),
    lambda d: d.update(id=""),
    lambda d: d.update(id="ab\u200e"),
    lambda d: d.update(id="ab\x7f"),
    lambda d: d["person"].update(name="李\n"),
    lambda d: d["person"].update(name=""),
    lambda d: d["person"].update(name="李" * 101),
    lambda d: d["person"].update(birth_date="2000-02-30"),
    lambda d: d["steps"][1].update(step="s02_talk"),
    lambda d: d["steps"][1].update(date="2020-1-05"),
    lambda d: d["steps"][1].update(outcome="convert"),
    lambda d: _step(d, "s23_conversion_meeting").update(outcome="pass"),
    lambda d: _step(d, "s23_conversion_meeting").update(extend_months=6),
    lambda d: _step(d, "s23_conversion_meeting").update(outcome="extend", extend_months=6.0),
    lambda d: _step(d, "s11_training").update(start="2099-01-01"),
    lambda d: _step(d, "s11_training").update(days=-1),
    lambda d: _step(d, "s08_candidate_filed").update(committee_meeting_on="2099-01-01"),
    lambda d: _step(d, "s15_admission_meeting")["votes"].update(present=99),
    lambda d: _step(d, "s15_admission_meeting")["votes"].update(no=9),
    lambda d: _step(d, "s15_admission_meeting")["votes"].update(written_yes=5),
    lambda d: _step(d, "s15_admission_meeting")["votes"].update(yes=-1),
    lambda d: _step(d, "s17_admission_approved").update(approving_body={"type": "nobody"}),
    lambda d: _step(d, "s17_admission_approved").update(approving_body={"type": "committee", "name": "委" * 201}),
    lambda d: _step(d, "s03_activist_determined").update(nomination=["boss"]),
    lambda d: _step(d, "s03_activist_determined").update(nomination=["party_members", "boss"]),
    lambda d: _step(d, "s15_admission_meeting")["votes"].update(written_no=7),
    lambda d: _step(d, "s24_conversion_approved").update(approving_body={"type": "Committee", "name": "校党委"}),
    lambda d: _step(d, "s05_contacts_assigned")["people"][0].update(name=""),
    lambda d: _step(d, "s05_contacts_assigned")["people"][0].update(status="member"),
    lambda d: d["steps"][0].update(paper_review={"reviewed_by": "", "imported_by": "甲", "imported_on": "2024-01-01"}),
    lambda d: d["steps"][0].update(archive_correction={"by": "甲", "on": "2024-01-01", "reason": "x" * 1001}),
    lambda d: d["publicity"].append({"kind": "candidate", "start": "2022-02-10", "end": "2022-02-01"}),
    lambda d: d["publicity"].append({"kind": "candidate", "start": "2022-02-01", "end": "2022-02-10",
                                     "result": "x" * 501}),
    lambda d: d["materials"][0].update(id="photo"),
    lambda d: d["materials"][0].update(step="s99_nothing"),
    lambda d: d["materials"][0].update(sha256="A" * 64),
    lambda d: d["materials"][0].update(sha256="a" * 64 + "\n"),
    lambda d: d["materials"][0].update(sha256="a" * 63),
    lambda d: d["materials"][0].update(sha256="a" * 65),
    lambda d: d["materials"][0].update(sha256="\n" + "a" * 64),
    lambda d: d["materials"][-1].update(id="photo"),
    lambda d: d.update(overlay="nowhere"),
    lambda d: d.update(overlay={"id": "lax", "rules": [{"code": "TALK_LATE", "within": "2 months"}]}),
    lambda d: d.update(case_events=[{"kind": "moved", "date": "2024-01-01"}]),
])
def test_what_only_the_validated_path_may_judge_is_left_to_it(mutate):
    document, _ = _case(EXAMPLES[0])
    mutate(document)
    text = json.dumps(document, ensure_ascii=False)
    assert read_facts(text) is None
    _same(text)


@pytest.mark.parametrize("mutate", [
    lambda d: _step(d, "s24_conversion_approved").update(approving_body={"type": "committee", "name": "校党委"}),
    lambda d: _step(d, "s17_admission_approved").update(approving_body={"type": "general_branch"}),
    lambda d: _step(d, "s03_activist_determined").update(nomination=[]),
    lambda d: _step(d, "s15_admission_meeting").update(votes={"expected": 10, "present": 6, "yes": 4, "no": 1,
                                                             "abstain": 1, "written_yes": 3, "written_no": 1}),
    lambda d: d["materials"][0].update(sha256="0123456789abcdef" * 4),
    lambda d: d["person"].update(name="李" * 100),
    lambda d: d.update(id="x" * 64),
])
def test_what_decoding_checks_is_still_accepted_at_its_bounds(mutate):
    """Votes, a nomination, an approving body's kind, a digest, the name's and the id's length are
    checked while decoding (msgspec constraints and `__post_init__`): a value at the bound is read
    fast, with the values and audit of the validated path."""
    document, _ = _case(EXAMPLES[0])
    mutate(document)
    text = json.dumps(document, ensure_ascii=False)
    assert read_facts(text) is not None
    _same(text)


# --- hypothesis: break any field of a valid document in any way --------------------------------------

_TRICKY_TEXT = ["2024-02-29", "2023-02-29", "2024-1-01", "20240101", "2024-01-01T00:00:00", "2024-01-01\n",
                " 2024-01-01", "2024-W01-1", "0000-01-01", "9999-12-31", "", " ", "李书记", "李书记 ", "a\n", "a\x00",
                "a\u200eb", "x" * 101, "x" * 65, "x/y", "..", "dossier/1", "dossier/2", "2014", "2026.05", "2019",
                "s02_applicant_talk", "s02_talk", "extend", "convert", "passed", "rejected", "full", "probationary",
                "qualified", "committee", "branch", "party_members", "boss", "example-university", "nowhere",
                "a" * 64, "0" * 64, "f" * 64, "F" * 64, "true", "1", "3.5", "activist", "candidate", "outflow"]
_DATES = ["2020-08-11", "2021-03-01", "2022-02-28", "2024-02-29", "2026-05-11", "2026-12-31", "2031-01-01"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-3, max_value=40) | st.sampled_from([10 ** 20, 2 ** 64])
    | st.floats(min_value=-2, max_value=1e6, allow_nan=False) | st.sampled_from(_TRICKY_TEXT) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["expected", "present", "yes", "no", "kind", "name", "status", "type", "date", "until", "x"]), inner,
        max_size=3),
    max_leaves=6)


def _paths(value, here=()):
    yield here
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, here + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, here + (i,))


def _get(document, path):
    for part in path:
        document = document[part]
    return document


def _set(document, path, value, mode):
    target = document
    for part in path[:-1]:
        target = target[part]
    key = path[-1]
    if mode == "delete":
        del target[key]
    elif mode == "add" and isinstance(target, dict):
        target[value[0]] = value[1]
    else:
        target[key] = value[1] if mode == "add" else value


_BASES = [_case(p)[0] for p in EXAMPLES]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_broken_documents_are_accepted_only_as_the_validated_path_accepts_them(data):
    document = copy.deepcopy(data.draw(st.sampled_from(_BASES)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(document) if p]
        path = data.draw(st.sampled_from(paths))
        mode = data.draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        current = _get(document, path)
        if isinstance(current, bool) or current is None:
            value = data.draw(_JSON)
        elif isinstance(current, int):  # votes and months: near the values that make or break a rule
            value = data.draw(st.integers(min_value=-1, max_value=30) | _JSON)
        elif isinstance(current, str) and len(current) == 10 and current[4:5] == "-":
            value = data.draw(st.sampled_from(_DATES + _TRICKY_TEXT[:9]) | _JSON)
        else:
            value = data.draw(st.sampled_from(_TRICKY_TEXT) | _JSON)
        if mode == "add":
            value = (data.draw(st.sampled_from(["outcome", "extend_months", "votes", "discipline_until", "place",
                                                "sha256", "overlay", "rule_set", "x"])), value)
        try:
            _set(document, path, value, mode)
        except (KeyError, IndexError, TypeError):
            continue
    _same(json.dumps(document, ensure_ascii=False))


@settings(max_examples=60, deadline=None)
@given(base=st.sampled_from(_BASES), key=st.sampled_from(["date", "step", "reviewed_by", "days", "outcome"]),
       value=st.sampled_from(['"2031-01-01"', '"s99_nothing"', '"x"', "1", "null", '"extend"']))
def test_duplicate_keys_are_read_alike(base, key, value):
    text = json.dumps(base, ensure_ascii=False).replace('{"step": ', '{"' + key + '": ' + value + ', "step": ', 1)
    _same(text)
    text = json.dumps(base, ensure_ascii=False).replace('"date": ', '"date": "2031-01-01", "date": ', 1)
    _same(text)


def test_every_record_of_a_material_carries_the_one_string_of_its_id():
    """Material ids are read as a literal of the catalogue's ids: two documents naming a material give
    the same string object (the audit's comparisons of lists of ids then end at identity), equal to
    what the validated path reads."""
    documents = [d for d in base_cases() if d.get("materials")][:2]
    first, second = (read_facts(json.dumps(d, ensure_ascii=False)) for d in documents)
    assert first is not None and second is not None
    shared = {m.id for m in first.materials} & {m.id for m in second.materials}
    assert shared
    by_id = {m.id: m.id for m in first.materials}
    for material in second.materials:
        if material.id in by_id:
            assert material.id is by_id[material.id]
    model = parse_dossier(json.dumps(documents[1], ensure_ascii=False))
    assert [m.id for m in model.materials] == [m.id for m in second.materials]


def test_material_ids_are_plain_text_when_the_catalogue_cannot_load(monkeypatch):
    """At import the literal is read from the default catalogue; one that cannot load gives plain text
    (its error is then reported where a document is read), and only the catalogue's own error is caught."""
    from checklists.errors import ChecklistError
    from workflow import dossier_facts

    def broken():
        raise ChecklistError("找不到文件 x.toml", code="CHECKLIST_NOT_FOUND")

    monkeypatch.setattr(dossier_facts, "default_catalogue", broken)
    assert dossier_facts._material_id_type() is str

    def failing():
        raise RuntimeError("a bug, not a catalogue problem")

    monkeypatch.setattr(dossier_facts, "default_catalogue", failing)
    with pytest.raises(RuntimeError):
        dossier_facts._material_id_type()

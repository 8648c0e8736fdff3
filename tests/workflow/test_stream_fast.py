"""The stream's fast writing and reading (workflow.audit_stream, workflow.findings.findings_json,
workflow.dossier_facts) against the general way: each streamed Result (entry text, codes, violations)
is what `entry_text(audit.to_dict())` and the audit's own figures give, byte for byte, on a generated
corpus and on findings carrying hostile strings; a finding of unexpected types is written the general
way; the fast reading's shortened checks still refuse what they refused."""
from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from tests_support import example_dir

from bench.generate import base_cases, variants
from checklists.loader import default_catalogue
from workflow import audit_stream
from workflow.audit import DossierAudit, audit_dossier
from workflow.audit_stream import Source, audit_sources, entry_text, read_source
from workflow.dossier_facts import read_facts
from workflow.findings import Finding, findings_json

AS_OF = dt.date(2026, 11, 21)
HOSTILE = ["", "引号\"与反斜杠\\", "换行\n回车\r制表\t退格\b换页\f", "".join(map(chr, range(32))),
           "\x7f\u2028\u2029\ufeff\u200b", "😀 emoji and /slash/", "</script>&<>'", "第十条"]


def _general(audit, organisation: str | None) -> tuple[str, tuple, bool]:
    """What the stream wrote before: the entry as data, encoded by `entry_text`."""
    entry = audit.to_dict()
    if organisation is not None:
        entry["organisation"] = organisation
    return entry_text(entry), tuple(f.code for f in audit.findings), audit.has_violations


def _corpus() -> list[Source]:
    organisations = [None, "信息学院\"第一\"支部\\", "", "党支部\n二"]
    return [Source(f"g{n}.json", json.dumps(document, ensure_ascii=False),
                   rule_set="2014" if n % 10 == 1 else None,
                   overlay="example-university" if n % 5 == 2 else None,
                   organisation=organisations[n % 4])
            for n, document in enumerate(variants(base_cases(), 240, faulty_share=0.6, seed=23))]


def test_each_streamed_result_is_what_the_general_writing_gives():
    sources = _corpus()
    seen = {"overlay": 0, "subject": 0, "violating": 0, "clean": 0}
    for source, result in zip(sources, audit_sources(sources, AS_OF, workers=0), strict=True):
        assert result.error is None, (source.name, result.error)
        audit = audit_dossier(read_source(source), AS_OF)
        assert (result.entry, result.codes, result.has_violations) == _general(audit, source.organisation)
        seen["overlay"] += sum(bool(f.overlay) for f in audit.findings)
        seen["subject"] += sum(bool(f.subject) for f in audit.findings)
        seen["violating" if audit.has_violations else "clean"] += 1
    assert min(seen.values()) > 10, seen  # every shape of entry and finding is met, not only clean dossiers


def _finding(message: str = "消息", **fields) -> Finding:
    base = {"code": "TALK_LATE", "severity": "violation", "step": "s02_applicant_talk", "rule_set": "2014",
            "article": "第十条", "message": message}
    return Finding(**(base | fields))


@pytest.mark.parametrize("text", HOSTILE)
def test_findings_with_hostile_strings_are_written_as_json_dumps_writes_them(text):
    findings = [_finding(text), _finding(text, provisional=True, overlay=text, subject=text),
                _finding("x", severity="warning", step=None, overlay="example-university", subject="photo"),
                _finding(text, code=text, severity=text, step=text, rule_set=text, article=text)]
    written, violation = findings_json(findings)
    assert written == json.dumps([f.to_dict() for f in findings], ensure_ascii=False)
    assert written == entry_text([f.to_dict() for f in findings])
    assert violation is True


def test_the_violation_flag_follows_the_severities():
    assert findings_json([_finding(severity="warning"), _finding(severity="info")]) == (
        json.dumps([_finding(severity="warning").to_dict(), _finding(severity="info").to_dict()],
                   ensure_ascii=False), False)
    assert findings_json([_finding(severity="info"), _finding()])[1] is True
    assert findings_json([]) == ("[]", False)


@pytest.mark.parametrize("odd", [{"provisional": 1}, {"subject": 5}, {"overlay": 2.5}, {"article": 1},
                                 {"message": 3}, {"code": 7}])
def test_a_finding_of_other_types_is_written_the_general_way(odd, monkeypatch):
    findings = [_finding(), _finding(**odd)]
    with pytest.raises(TypeError):
        findings_json(findings)
    audit = DossierAudit("D1", "s02_applicant_talk", findings)
    monkeypatch.setattr(audit_stream, "audit_dossier", lambda dossier, as_of: audit)
    result = next(iter(audit_sources([Source("d.json", _example_text(), organisation="支部")], AS_OF, workers=0)))
    assert (result.entry, result.codes, result.has_violations) == _general(audit, "支部")


def _example_text() -> str:
    path = sorted(example_dir().glob("*.json"))[0]
    return json.dumps(json.loads(path.read_text(encoding="utf-8"))["dossier"], ensure_ascii=False)


def test_a_cached_head_is_never_taken_for_an_equal_value_of_another_type():
    """1 == True == 1.0: a head is only kept for text values, so equal values of other types cannot
    pick up each other's text."""
    findings_json([_finding()])
    for article in (1, True, 1.0):
        with pytest.raises(TypeError):
            findings_json([_finding(article=article)])


# --- the reading ---------------------------------------------------------------------------------------


def _example() -> dict:
    return json.loads(_example_text())


def test_a_printable_name_and_one_with_a_format_character_are_read_as_before():
    document = _example()
    document["person"]["name"] = "李\u200b四"  # no control character: the pattern accepts it, as pydantic does
    assert read_facts(json.dumps(document, ensure_ascii=False)) is not None
    document["person"]["name"] = "李\x1f四"
    assert read_facts(json.dumps(document, ensure_ascii=False)) is None


def _catalogue_without(step_id: str):
    """A catalogue whose rule sets lack one step the records may name (every other fact as the default's)."""
    default = default_catalogue()
    national = {rid: SimpleNamespace(steps=[s for s in rs.steps if s.id != step_id], material_by_id=rs.material_by_id)
                for rid, rs in default.national.items()}
    return SimpleNamespace(national=national, get=default.get, register_overlay=default.register_overlay)


def test_steps_and_materials_are_still_looked_up_in_a_catalogue_that_lacks_one():
    document = _example()
    text = json.dumps(document, ensure_ascii=False)
    assert read_facts(text, _catalogue_without(document["steps"][0]["step"])) is None
    early = {"steps": document["steps"][:3]}  # a dossier early on: a step it does not name may be unknown
    early["materials"] = [m for m in document["materials"] if m["step"] in {s["step"] for s in early["steps"]}]
    early_text = json.dumps(document | early, ensure_ascii=False)
    assert read_facts(early_text, _catalogue_without(document["steps"][5]["step"])) is not None
    # a material of a step that no record names any more: only the materials' check can refuse it
    material_step = document["materials"][-1]["step"]
    document["steps"] = [s for s in document["steps"] if s["step"] != material_step]
    text = json.dumps(document, ensure_ascii=False)
    assert read_facts(text, default_catalogue()) is not None
    assert read_facts(text, _catalogue_without(material_step)) is None


def test_a_state_of_another_type_is_written_the_general_way(monkeypatch):
    """The state's part of an entry is kept per state, only for text: a state that is None (or any
    other value) still gives `entry_text`'s text."""
    for state in ("s02_applicant_talk", "引号\"状态\\", None, "s02_applicant_talk"):
        audit = DossierAudit("D1", state, [_finding()] if state else [])
        monkeypatch.setattr(audit_stream, "audit_dossier", lambda dossier, as_of, audit=audit: audit)
        for organisation in (None, "支部"):
            result = next(iter(audit_sources([Source("d.json", _example_text(), organisation=organisation)],
                                             AS_OF, workers=0)))
            assert (result.entry, result.codes, result.has_violations) == _general(audit, organisation)


def test_a_pinned_source_the_fast_reading_refuses_is_judged_as_the_validated_model_pinned():
    """`_audit_one` reads as `read_source` does, without its call for most sources: a pin or overlay on
    a document only the validated path takes in (an unknown field) is applied to that model."""
    from workflow.dossier import parse_dossier

    document = _example() | {"note": "纸质档案"}
    text = json.dumps(document, ensure_ascii=False)
    assert read_facts(text) is None
    for pin, overlay in (("2014", None), (None, "example-university"), ("2014", "example-university")):
        source = Source("d.json", text, rule_set=pin, overlay=overlay)
        model = read_source(source)
        assert (model.rule_set, model.overlay) == (pin or document.get("rule_set"), overlay or document.get("overlay"))
        expected = parse_dossier(text).model_copy(update={k: v for k, v in (("rule_set", pin), ("overlay", overlay))
                                                          if v is not None})
        result = next(iter(audit_sources([source], AS_OF, workers=0)))
        assert result.audit == audit_dossier(expected, AS_OF).to_dict()

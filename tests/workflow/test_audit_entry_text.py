"""The streamed `audit/1` entries are written with msgspec (workflow.audit_stream.entry_text); their
text must stay the very text `json.dumps(entry, ensure_ascii=False)` wrote before, byte for byte, on
the shared examples, on a generated corpus (both rule sets, overlays, pins, faulty dossiers), and on
hostile strings a dossier may carry into a message (quotes, backslashes, control characters)."""
from __future__ import annotations

import json

import pytest
from tests_support import AS_OF, example_dir

from bench.generate import base_cases, variants
from workflow.audit import audit_dossier
from workflow.audit_stream import Source, audit_sources, entry_text, read_source


def _old_text(entry: dict) -> str:
    return json.dumps(entry, ensure_ascii=False)


def _sources() -> list[Source]:
    shared = [Source(path.name, json.dumps(json.loads(path.read_text(encoding="utf-8"))["dossier"], ensure_ascii=False))
              for path in sorted(example_dir().glob("*.json"))]
    generated = [Source(f"g{n}.json", json.dumps(document, ensure_ascii=False),
                        rule_set="2014" if n % 10 == 1 else None,
                        overlay="example-university" if n % 5 == 2 else None,
                        organisation="信息学院\"第一\"支部\\" if n % 7 == 3 else None)
                 for n, document in enumerate(variants(base_cases(), 300, faulty_share=0.5, seed=11))]
    return shared + generated


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return _sources()


def test_streamed_entries_are_the_json_dumps_text(sources):
    with_findings = 0
    for source, result in zip(sources, audit_sources(sources, AS_OF, workers=0), strict=True):
        assert result.error is None, (source.name, result.error)
        audit = audit_dossier(read_source(source), AS_OF)
        entry = audit.to_dict() | ({"organisation": source.organisation} if source.organisation else {})
        assert result.entry == _old_text(entry), source.name
        with_findings += bool(audit.findings)
    assert with_findings > 50  # the corpus exercises findings, overlays and messages, not only clean dossiers


@pytest.mark.parametrize("text", [
    "", "引号\"与反斜杠\\", "换行\n回车\r制表\t退格\b换页\f", "".join(map(chr, range(32))), "\x7f\u2028\u2029\ufeff",
    "😀 emoji and /slash/", "</script>&<>'"])
def test_hostile_strings_are_written_as_json_dumps_writes_them(text):
    entry = {"id": text, "state": None, "findings": [
        {"code": "X", "severity": "violation", "step": None, "provisional": True, "message": text,
         "subject": text, "number": 12}], text: [text, {}, []]}
    assert entry_text(entry) == _old_text(entry)
    assert json.loads(entry_text(entry)) == entry

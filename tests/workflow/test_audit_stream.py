"""Streaming audits: worker processes give the same answers, in the same order, as one process."""
from __future__ import annotations

import datetime as dt
import io
import json

from bench.generate import base_cases, variants
from workflow.audit import audit_document, audit_dossier
from workflow.audit_stream import AuditWriter, Source, audit_sources
from workflow.dossier import parse_dossier

AS_OF = dt.date(2026, 11, 21)


def _sources(count: int) -> list[Source]:
    documents = variants(base_cases(), count, faulty_share=0.5, seed=3)
    return [Source(f"g{i}.json", json.dumps(d, ensure_ascii=False)) for i, d in enumerate(documents)]


def test_parallel_equals_in_process_and_keeps_order():
    sources = _sources(120)
    sources.insert(7, Source("broken.json", b"{"))
    alone = list(audit_sources(sources, AS_OF, workers=0, batch_size=16))
    pooled = list(audit_sources(sources, AS_OF, workers=2, batch_size=16))
    assert [r.source for r in pooled] == [s.name for s in sources]
    assert pooled == alone
    assert pooled[7].error["code"] == "JSON_MALFORMED" and pooled[7].error["file"] == "broken.json"
    assert sum(r.has_violations for r in pooled) > 10


def test_streamed_document_equals_the_whole_document():
    sources = _sources(40)
    out = io.StringIO()
    writer = AuditWriter(out, AS_OF)
    for result in audit_sources(sources, AS_OF, workers=0):
        writer.add(result)
    writer.close()
    whole = audit_document([audit_dossier(parse_dossier(s.text), AS_OF) for s in sources], AS_OF)
    assert json.loads(out.getvalue()) == whole


def test_organisation_overlay_applies_to_stored_dossiers(dossier_2014):
    dossier_2014["steps"][1]["date"] = "2020-08-31"  # 20 days after s01: in time nationally, late locally
    text = json.dumps(dossier_2014, ensure_ascii=False)
    plain, local = audit_sources([Source("a", text), Source("b", text, overlay="example-university",
                                                            organisation="某高校支部")], AS_OF, workers=0)
    assert "TALK_LATE" not in {f["code"] for f in plain.audit["findings"]}
    assert "TALK_LATE" in {f["code"] for f in local.audit["findings"]}
    assert local.audit["organisation"] == "某高校支部"

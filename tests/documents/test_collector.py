"""documents.collector holds the cyclic garbage collector off while documents render and collects what
they left when the outermost pause ends; the PDFs are the same bytes as with the collector running."""
from __future__ import annotations

import contextlib
import gc
import re
import weakref

import pytest
from tests_support import load_case

from documents import collector
from documents.forms import applicable_forms, render_form, render_forms
from documents.pdf import warm_up
from workflow.dossier import parse_dossier

CLOCK = re.compile(rb"\(D(?::|\\072)\d{14}Z\)|/ID ?\[ ?[<(][^>)]*[>)] ?[<(][^>)]*[>)] ?\]")


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_paused_turns_the_collector_off_and_back_on_and_frees_the_cycles_made_meanwhile():
    assert gc.isenabled() and collector.depth() == 0
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled() and collector.depth() == 2
        assert not gc.isenabled()  # an inner pause does not end the outer one
        garbage = _Cycle()
        alive = weakref.ref(garbage)
        del garbage
        assert alive() is not None  # a cycle: reference counting alone cannot free it
    assert gc.isenabled() and collector.depth() == 0
    assert alive() is None  # collected when the pause ended


def test_paused_leaves_a_collector_that_was_off_off():
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_paused_ends_on_an_error():
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("boom")
    assert gc.isenabled() and collector.depth() == 0


@pytest.mark.pdf
def test_no_collection_runs_while_forms_render_and_the_pdfs_are_the_same_bytes():
    warm_up()
    dossier = parse_dossier(load_case("01_valid_2014_full_record")["dossier"])
    ids = [f.id for f in applicable_forms(dossier)][:6] + ["full_record"]
    import weasyprint
    from weasyprint.document import Document
    inside = [0]  # WeasyPrint calls running (layout, painting and writing)
    seen: list[tuple[int, int, int]] = []  # (WeasyPrint calls running, open pauses, generation) of each collection

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append((inside[0], collector.depth(), info["generation"]))

    def counted(function):
        def call(*args, **kwargs):
            inside[0] += 1
            try:
                return function(*args, **kwargs)
            finally:
                inside[0] -= 1
        return call

    with pytest.MonkeyPatch.context() as watched:
        watched.setattr(weasyprint.HTML, "render", counted(weasyprint.HTML.render))
        watched.setattr(Document, "write_pdf", counted(Document.write_pdf))
        gc.callbacks.append(watch)
        try:
            alone = [render_form(dossier, form_id).pdf for form_id in ids]
            together = [r.pdf for r in render_forms(dossier, ids)]
        finally:
            gc.callbacks.remove(watch)
    assert not [s for s in seen if s[0] or s[1]]  # none while a document was being laid out or written
    assert seen.count((0, 0, 0)) >= len(ids) + 1  # the young collection that ends each outermost pause
    assert gc.isenabled() and collector.depth() == 0

    with pytest.MonkeyPatch.context() as running:  # the same documents with the collector running throughout
        running.setattr(collector, "paused", contextlib.nullcontext)
        alone_running = [render_form(dossier, form_id).pdf for form_id in ids]
        together_running = [r.pdf for r in render_forms(dossier, ids)]
    assert [CLOCK.sub(b"", p) for p in alone] == [CLOCK.sub(b"", p) for p in alone_running]
    assert [CLOCK.sub(b"", p) for p in together] == [CLOCK.sub(b"", p) for p in together_running]
    assert alone[0] == alone_running[0]  # a form without an embedded file carries no clock: whole bytes

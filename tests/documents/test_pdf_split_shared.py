"""documents.pdf_split copies the fonts' width arrays into the pieces as shared objects: the pieces are the
same bytes as when every number is copied one by one (the random file identifier excepted), and the
numbers are no longer copied per piece."""
from __future__ import annotations

import re

import pytest
from pypdf.generic import NumberObject
from tests_support import load_case

from documents import pdf_split
from documents.forms import applicable_forms, render_forms
from documents.pdf import warm_up
from workflow.dossier import parse_dossier

pytestmark = pytest.mark.pdf
FILE_ID = re.compile(rb"/ID ?\[ ?[<(][^>)]*[>)] ?[<(][^>)]*[>)] ?\]")


@pytest.fixture(scope="module")
def combined() -> tuple[bytes, list, str]:
    """The combined PDF, parts and variant of the complete 2014 example's forms, as the batch cuts it."""
    warm_up()
    dossier = parse_dossier(load_case("01_valid_2014_full_record")["dossier"])
    seen = []
    cut = pdf_split.split

    def spy(pdf, parts, variant):
        seen.append((pdf, parts, variant))
        return cut(pdf, parts, variant)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_split, "split", spy)
        render_forms(dossier, [f.id for f in applicable_forms(dossier)])
    [args] = seen
    return args


def _counting_number_copies(patch: pytest.MonkeyPatch) -> list[int]:
    count = [0]
    clone = NumberObject.clone

    def counted(self, *args, **kwargs):
        count[0] += 1
        return clone(self, *args, **kwargs)

    patch.setattr(NumberObject, "clone", counted)
    return count


def test_pieces_are_the_bytes_of_a_number_by_number_copy(combined):
    with pytest.MonkeyPatch.context() as patch:
        shared_copies = _counting_number_copies(patch)
        shared = pdf_split.split(*combined)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("documents.pdf_split._share_font_arrays", lambda page, done: None)
        plain_copies = _counting_number_copies(patch)
        plain = pdf_split.split(*combined)
    assert len(shared) == len(plain) == len(combined[1]) > 20
    assert [FILE_ID.sub(b"", p) for p in shared] == [FILE_ID.sub(b"", p) for p in plain]
    assert all(b"/W [" in p for p in shared)
    # each piece copied its fonts' widths number by number (thousands); shared, they are not copied
    assert plain_copies[0] > 20 * 1000
    assert shared_copies[0] < plain_copies[0] / 4


def test_a_shared_array_writes_what_an_array_writes():
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, FloatObject, NameObject
    items = ArrayObject([NumberObject(1), ArrayObject([NumberObject(500), FloatObject(0.5)]), NameObject("/X")])
    shared = pdf_split._SharedArray(items)  # the class the cut uses for widths
    copies = [shared.clone(PdfWriter()) for _ in range(3)]

    def written(obj) -> bytes:
        import io
        out = io.BytesIO()
        obj.write_to_stream(out)
        return out.getvalue()

    assert {written(c) for c in [shared, *copies]} == {written(items)}
    assert all(isinstance(c, ArrayObject) and list(c) == list(items) for c in copies)

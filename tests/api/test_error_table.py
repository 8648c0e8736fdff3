"""One error table (api/error_table.py) answers for the API, the document routes and the pages: the
statuses are those the three places gave before they shared it, every error class of the code base has
a row, and the pages send an error the person cannot put right to the error page under its heading."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import checklists
import documents
import workflow
from api.error_table import BY_CLASS, BY_CODE, DEFAULT, OURS, YOURS, answer_for, heading_for_status, status_for
from api.web.common import PageError, attempt, fail
from checklists.errors import ChecklistError, FazhanError
from documents.errors import ArchiveIncomplete, DocumentError, FormUnknown, GlyphMissing, MaterialAltered, RenderFailed
from workflow.errors import InputError, ReasonRequired, StepRefused
from workflow.store.errors import Conflict, Forbidden, MaterialCorrupt, MaterialRejected, NotFound, Unauthorised
from workflow.store.lockout import LoginLocked

# what api/errors.py, api/routes_documents.py and api/auth.py answered before the table
BEFORE = [
    (NotFound("x", code="DOSSIER_NOT_FOUND"), 404), (Forbidden("x"), 403), (Unauthorised("x"), 401),
    (Conflict("x", code="DOSSIER_EXISTS"), 409), (MaterialCorrupt("x"), 409), (ReasonRequired("x"), 422),
    (StepRefused("x"), 422), (InputError("x", code="DATE_INVALID"), 422), (ChecklistError("x"), 422),
    (MaterialRejected("x", code="MATERIAL_TOO_LARGE"), 413), (MaterialRejected("x", code="MATERIAL_TYPE"), 415),
    (MaterialRejected("x", code="MATERIAL_EMPTY"), 422), (StepRefused("x", code="STEP_ALREADY_RECORDED"), 409),
    (FazhanError("x", code="ALREADY_REVIEWED"), 409), (FazhanError("x", code="EVENT_NOT_ALLOWED"), 409),
    (FazhanError("x", code="STEP_NOT_AVAILABLE"), 409), (FazhanError("x", code="SOMETHING_ELSE"), 400),
    (FormUnknown("x"), 404), (FazhanError("x", code="FORM_NOT_APPLICABLE"), 404), (ArchiveIncomplete("x"), 409),
    (MaterialAltered("x"), 409), (FazhanError("x", code="MATERIAL_FILE_MISSING"), 409),
    (RenderFailed("x"), 500), (GlyphMissing("x"), 500),
    (LoginLocked(120, 0, by_address=False), 429),
]


@pytest.mark.parametrize("exc, status", BEFORE, ids=lambda v: getattr(v, "code", str(v)))
def test_each_error_keeps_its_status(exc, status):
    assert status_for(exc) == status


def test_a_document_error_from_a_worker_answers_by_its_code():
    """documents/batch.py rebuilds a worker's error as a plain FazhanError carrying the code."""
    assert status_for(FazhanError("字形缺失", code=GlyphMissing.code)) == 500
    assert answer_for(FazhanError("x", code=FormUnknown.code)) == answer_for(FormUnknown("x"))


def _subclasses(cls) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def test_every_error_class_has_a_row():
    """A new error class gets a status on purpose, not by falling through to `DEFAULT` unseen: its code
    or a family of it is in the table, or it is one of the few that answer 400 knowingly."""
    for package in (checklists, workflow, documents):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    answered_400 = {"ERROR", "MATERIAL_REJECTED", "KEY_FILE_INVALID", "ROTATION_REFUSED", "PROPOSAL_REFUSED"}
    families = tuple(cls for cls, _ in BY_CLASS)
    for cls in _subclasses(FazhanError):
        if issubclass(cls, DocumentError):  # keyed by code: importing the table loads no renderer
            assert cls.code in BY_CODE, cls
        else:
            assert cls.code in BY_CODE or issubclass(cls, families) or cls.code in answered_400, cls


def test_whose_fault_and_the_heading():
    assert answer_for(InputError("x")).users_fault and answer_for(InputError("x")).heading == YOURS
    for ours in (MaterialCorrupt("x"), RenderFailed("x"), FazhanError("x", code="INTEGRITY_BROKEN")):
        assert not answer_for(ours).users_fault and answer_for(ours).heading == OURS, ours.code
    assert DEFAULT.users_fault
    assert heading_for_status(404) == YOURS and heading_for_status(500) == OURS


def test_a_page_shows_the_tables_status_and_heading():
    page = fail(MaterialCorrupt("材料文件的 SHA-256 与记录不符"))
    assert (page.status, page.heading, page.code) == (409, OURS, "MATERIAL_CORRUPT")
    assert fail(NotFound("找不到该档案", code="DOSSIER_NOT_FOUND")).heading == YOURS
    assert PageError(500, "x").heading == OURS and PageError(404, "x").heading == YOURS


class _Uow:
    class session:  # noqa: N801 (what attempt() asks of a unit of work)
        rolled_back = 0

        @classmethod
        def rollback(cls):
            cls.rolled_back += 1


def _raising(exc):
    def action():
        raise exc
    return action


def test_attempt_shows_a_refusal_beside_the_form_and_our_fault_on_the_error_page():
    shown = []
    result, page = attempt(_Uow, _raising(InputError("日期无效", code="DATE_INVALID", field="date")),
                           lambda exc: shown.append(exc.code) or "the form again")
    assert (result, page, shown) == (None, "the form again", ["DATE_INVALID"])
    with pytest.raises(PageError) as raised:  # nothing the person typed can fix a corrupt material
        attempt(_Uow, _raising(MaterialCorrupt("材料文件已损坏")), lambda exc: "the form again")
    assert (raised.value.status, raised.value.heading) == (409, OURS)
    with pytest.raises(PageError):  # a missing dossier stays the error page
        attempt(_Uow, _raising(NotFound("找不到", code="DOSSIER_NOT_FOUND")), lambda exc: "the form again")
    assert attempt(_Uow, lambda: 7, lambda exc: "unused") == (7, None)
    assert _Uow.session.rolled_back == 3

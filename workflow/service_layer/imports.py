"""Importing records into the store: dossier/1 JSON or the 纪实表 spreadsheet (.xlsx, .csv).

Each dossier commits on its own (a failed one is rolled back), so one bad row never blocks the others
and nothing of a bad row is written; importing the same file again updates the same dossiers (dossiers.import_or_update).
A 审核人 or `reviewed_by` in the file is paper history, never a sign-off (workflow/store/provenance.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from checklists.step_fields import step_schema
from workflow.document_bounds import read_bounded
from workflow.errors import FazhanError, InputError
from workflow.service_layer import dossiers
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import WRITE_ROLES, Actor

_OUTCOME = step_schema().words("import_outcome")  # checklists/data/step_fields.toml
SPREADSHEET_SUFFIXES = {".xlsx", ".csv"}


@dataclass
class ImportReport:
    done: list[str] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    errors: list[FazhanError] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"imported": self.results, "errors": [e.to_dict() for e in self.errors]}


def _one(uow: UnitOfWork, actor: Actor, organisation: int, document, source: str, report: ImportReport,
         today: dt.date | None) -> None:
    try:
        result = dossiers.import_or_update(uow, actor, organisation, document, source=source, today=today)
    except FazhanError as exc:
        uow.rollback()
        if not exc.file:
            exc.file = source
        report.errors.append(exc)
        return
    report.results.append(result)
    report.done.append(f"{_OUTCOME[result['outcome']]} {result['id']}（{result['state']}）")


def import_records(uow: UnitOfWork, actor: Actor, organisation: int, path: str, *, label: str | None = None,
                   today: dt.date | None = None) -> ImportReport:
    """A spreadsheet: every good row is imported or updated; every bad row is reported, none written."""
    from workflow.spreadsheet.importer import read_records

    report = ImportReport()
    label = label or path
    try:
        read = read_records(path)
    except FazhanError as exc:
        report.errors.append(exc)
        return report
    for error in read.errors:
        where = f"工作表“{error.sheet}”第 {error.row} 行" + (f"“{error.column}”列" if error.column else "")
        value = f"（值：{error.value}）" if error.value not in (None, "") else ""
        report.errors.append(InputError(f"{error.message}{value}", code=error.code, file=label, path=where,
                                        field=error.column))
    for document in read.dossiers:
        _one(uow, actor, organisation, document, f"{label}:{document['id']}", report, today)
    return report


def require_import_rights(uow: UnitOfWork, actor: Actor, organisation: int) -> None:
    """The same rule as creating a dossier there: the organisation is visible and the user may write."""
    tree = uow.orgs.tree()
    tree.require_visible_org(actor, organisation)
    tree.require_role(actor, organisation, WRITE_ROLES, "向该组织导入档案")


def import_path(uow: UnitOfWork, actor: Actor, organisation: int, path: str, *, label: str | None = None,
                today: dt.date | None = None) -> ImportReport:
    """Imports one file; each dossier commits on its own, a failed one is rolled back and reported.

    The file is parsed outside any transaction: the caller's checks (who the user is, may they import
    here) are ended first, because on SQLite a transaction holds the write lock from its first read,
    and a parse of thousands of rows would keep every other user's writes waiting on it."""
    uow.rollback()
    if Path(path).suffix.lower() in SPREADSHEET_SUFFIXES:
        return import_records(uow, actor, organisation, path, label=label, today=today)
    report = ImportReport()
    try:
        raw = read_bounded(path)
    except InputError as exc:
        report.errors.append(exc)
        return report
    _one(uow, actor, organisation, raw, label or path, report, today)
    return report

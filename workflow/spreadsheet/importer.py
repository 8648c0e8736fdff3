"""`read_records(path)`: a 纪实表 spreadsheet or CSV in, validated `dossier/1` dicts and row errors out.

Each row stands or falls alone: a row with any bad cell (or a bad detail row) is left out and
every problem in it is listed; the other rows come through. The same file read twice gives the
same ids and the same dicts, so importing again updates rather than duplicates.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from workflow.dossier import parse_dossier
from workflow.errors import InputError
from workflow.spreadsheet.columns import (
    EVENTS_SHEET,
    MAIN_SHEET,
    MATERIALS_SHEET,
    REVIEWS_SHEET,
)
from workflow.spreadsheet.errors import RowError
from workflow.spreadsheet.limits import MAX_LISTED_ERRORS
from workflow.spreadsheet.mapping import row_to_dossier, stable_id
from workflow.spreadsheet.reader import Row, read_rows

_DETAIL_NAMES = {MATERIALS_SHEET: "materials", REVIEWS_SHEET: "reviews", EVENTS_SHEET: "events"}


@dataclass
class ImportResult:
    """`dossiers` are `dossier/1` dicts that passed `parse_dossier`; `errors` sorted by sheet, row, column."""

    source: str
    dossiers: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"source": self.source, "imported": len(self.dossiers), "rows_read": self.rows_read,
                "errors": [e.to_dict() for e in self.errors], "ignored_columns": self.ignored_columns}


def _person_values(row: Row) -> dict:
    return {k.split(".", 1)[1]: v for k, v in row.values.items() if k.startswith("person.")}


def _id_number_errors(dossier: dict, row: Row) -> list[RowError]:
    number = dossier["person"].get("id_number")
    if not number:
        return []
    from workflow.store.idnumber import validate_id_number

    birth = dossier["person"].get("birth_date")
    try:
        validate_id_number(number, dt.date.fromisoformat(birth) if birth else None)
    except InputError as exc:
        return [row.cells["person.id_number"].error(exc.code, exc.message, "（已隐去）")]
    return []


def _validation_errors(exc: InputError, provenance, row: Row) -> list[RowError]:
    problems = exc.details or [{"code": exc.code, "path": exc.path, "reason": exc.message}]
    out = []
    for problem in problems:
        cell = provenance.cell_for(problem.get("path"))
        hidden = "（已隐去）" if cell is not None and cell.column == "身份证号码" else None
        if cell is None:
            out.append(row.row_error(problem["code"], problem["reason"]))
        else:
            out.append(cell.error(problem["code"], problem["reason"], hidden))
    return out


def read_records(path: str | Path) -> ImportResult:
    """Reads every row; raises SpreadsheetUnreadable only when the file itself cannot be used."""
    read = read_rows(path)
    result = ImportResult(source=str(path), ignored_columns=read.ignored_columns)
    main_rows = read.rows[MAIN_SHEET]
    result.rows_read = len(main_rows)
    ids = {id(row): row.values.get("id") or stable_id(_person_values(row)) for row in main_rows}
    details: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    detail_errors: dict[str, list[RowError]] = defaultdict(list)
    known = set(ids.values())
    for sheet_name, kind in _DETAIL_NAMES.items():
        for detail in read.rows[sheet_name]:
            link = detail.values.get("id")
            if link not in known:
                result.errors.append(detail.row_error("LINK_UNKNOWN", "纪实表中没有这个档案编号", "id"))
                continue
            details[link][kind].append(detail)
            if detail.errors:
                detail_errors[link].extend(detail.errors)
    by_id: dict[str, list[Row]] = defaultdict(list)
    for row in main_rows:
        by_id[ids[id(row)]].append(row)
    for row in main_rows:
        did = ids[id(row)]
        errors = list(row.errors)
        twins = [r.number for r in by_id[did] if r is not row]
        if twins:
            errors.append(row.row_error("ROW_DUPLICATE", f"与第 {'、'.join(map(str, twins))} 行是同一份档案（档案编号 {did}）",
                                        "id", did))
        if detail_errors.get(did):
            result.errors += detail_errors[did]
            first = detail_errors[did][0]
            errors.append(row.row_error("RELATED_ROWS_INVALID", f"“{first.sheet}”表第 {first.row} 行有错误，本档案未导入"))
        if errors:
            result.errors += errors
            continue
        dossier, provenance, mapping_errors = row_to_dossier(row, details.get(did, {}))
        if mapping_errors:
            result.errors += mapping_errors
            continue
        try:
            parsed = parse_dossier(dossier, source=f"{Path(path).name}!{row.sheet}!{row.number}")
        except InputError as exc:
            result.errors += _validation_errors(exc, provenance, row)
            continue
        id_errors = _id_number_errors(dossier, row)
        if id_errors:
            result.errors += id_errors
            continue
        result.dossiers.append(parsed.to_json_dict())
    result.errors = _listed(sorted(set(result.errors)))
    return result


def _listed(errors: list[RowError]) -> list[RowError]:
    """At most MAX_LISTED_ERRORS, then one line saying the list stops there (and where)."""
    if len(errors) <= MAX_LISTED_ERRORS:
        return errors
    cut = errors[MAX_LISTED_ERRORS]
    return errors[:MAX_LISTED_ERRORS] + [RowError(
        cut.sheet_index, cut.sheet, cut.row, cut.column_index, None, "", "TOO_MANY_ERRORS",
        f"错误过多，只列出前 {MAX_LISTED_ERRORS} 处；从本行起的错误未列出，有错误的行都未导入。请改正后重新导入")]

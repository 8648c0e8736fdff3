"""What an auditor reads in the browser: findings by organisation, the HTML audit report, and a
纪实表 spreadsheet checked (or, for those who may write, imported) with its list of bad cells.

Scope is the same as everywhere: the dossiers of the organisations the user reads (their roles'
subtrees), never another tree's; the findings are the engine's (`workflow.audit.audit_dossier`),
the report is `documents/reports` (what `fazhan report --format html` writes), the import is
`workflow/service_layer/imports.py` (what `fazhan import` and the API run).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from checklists.loader import default_catalogue
from workflow.audit import audit_dossier
from workflow.dossier import Dossier
from workflow.errors import FazhanError
from workflow.findings import SEVERITIES
from workflow.pipeline import state_names
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import READ_ROLES, Actor, OrgTree

MAX_AUDITED = 1000
"""Dossiers audited for one page; a larger tree is audited with `fazhan audit --organisation` (all cores)."""


def _scope(uow: UnitOfWork, actor: Actor, organisation_id: Any) -> tuple[OrgTree, set[int]]:
    tree = uow.orgs.tree()
    reach = tree.reach(actor, READ_ROLES)
    if organisation_id is not None:
        org = tree.require_visible_org(actor, organisation_id if isinstance(organisation_id, int) else None)
        reach &= tree.subtree(org.id)
    return tree, reach


def _rows(uow: UnitOfWork, reach: set[int], limit: int) -> list:
    return uow.dossiers.first_by_organisation(reach, limit)


def rule_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for rs in default_catalogue().ordered():
        for rule in rs.rules:
            names.setdefault(rule.code, rule.name)
    return names


def _with_store_organisation(dossier: Dossier, name: str) -> Dossier:
    """The organisation the store files the dossier under, which is what an auditor groups by."""
    return dossier.model_copy(update={"person": dossier.person.model_copy(update={"organisation": name})})


def findings_by_organisation(uow: UnitOfWork, actor: Actor, organisation_id: Any, as_of: dt.date) -> dict:
    """Per organisation of the scope: dossiers and findings by severity; then every finding, worst first."""
    tree, reach = _scope(uow, actor, organisation_id)
    rows = _rows(uow, reach, MAX_AUDITED + 1)
    truncated = len(rows) > MAX_AUDITED
    rows = rows[:MAX_AUDITED]
    names, states = rule_names(), state_names()
    per_org: dict[int, Counter] = {i: Counter() for i in reach}
    findings = []
    for row in rows:
        dossier = uow.dossiers.document(row)
        audit = audit_dossier(dossier, as_of)
        per_org[row.organisation_id]["dossiers"] += 1
        for f in audit.findings:
            per_org[row.organisation_id][f.severity] += 1
            findings.append({"dossier_id": row.id, "name": row.person_name, "organisation_id": row.organisation_id,
                             "organisation": tree.orgs[row.organisation_id].name, "severity": f.severity,
                             "code": f.code, "rule_name": names.get(f.code, ""), "message": f.message,
                             "article": f.article, "rule_set": f.rule_set, "state": states.get(row.state, "")})
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order.get(f["severity"], 9), f["organisation"], f["name"], f["code"]))
    organisations = []
    for org_id in _tree_order(tree, reach):
        counts = per_org[org_id]
        organisations.append({"id": org_id, "name": tree.orgs[org_id].name, "level": tree.orgs[org_id].level,
                              "depth": _depth(tree, org_id, reach), "dossiers": counts["dossiers"],
                              **{s: counts[s] for s in SEVERITIES}})
    totals = {s: sum(o[s] for o in organisations) for s in SEVERITIES}
    return {"as_of": as_of.isoformat(), "organisations": organisations, "findings": findings, "totals": totals,
            "dossiers": len(rows), "truncated": truncated, "limit": MAX_AUDITED}


def _tree_order(tree: OrgTree, ids: set[int]) -> list[int]:
    """`ids` depth first from their topmost members, siblings by name."""
    out: list[int] = []
    tops = sorted((i for i in ids if tree.orgs[i].parent_id not in ids), key=lambda i: tree.orgs[i].name)

    def walk(org_id: int) -> None:
        out.append(org_id)
        for child in sorted(c for c in tree.children.get(org_id, []) if c in ids):  # in the order made
            walk(child)

    for top in tops:
        walk(top)
    return out


def _depth(tree: OrgTree, org_id: int, ids: set[int]) -> int:
    return sum(1 for a in tree.ancestors(org_id) if a in ids)


def report_html(uow: UnitOfWork, actor: Actor, organisation_id: Any, as_of: dt.date) -> str:
    """The self-contained audit report `fazhan report --format html` writes, for the user's scope."""
    from documents.reports import build_report
    from documents.reports.html import render_html

    tree, reach = _scope(uow, actor, organisation_id)
    rows = _rows(uow, reach, MAX_AUDITED)
    dossiers = [_with_store_organisation(uow.dossiers.document(r), tree.orgs[r.organisation_id].name) for r in rows]
    return render_html(build_report(dossiers, as_of))


# ---------------------------------------------------------------- a 纪实表 spreadsheet, checked or imported

@dataclass
class SheetCheck:
    """Bad cells (sheet, row, column, code, reason) and, for every good row, what the audit finds."""

    imported: bool = False
    rows_read: int = 0
    good: int = 0
    errors: list[dict] = field(default_factory=list)
    audited: list[dict] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


def _error_row(sheet: str, row: int, column: str | None, code: str, message: str) -> dict:
    return {"sheet": sheet, "row": row, "column": column or "", "code": code, "message": message}


def check_spreadsheet(uow: UnitOfWork, actor: Actor, organisation_id: Any, path: str, *, as_of: dt.date) -> SheetCheck:
    """Reads the file as an import would and audits every good row, writing nothing: any reader of the
    organisation (an auditor checking a branch's paper records) may do it."""
    from workflow.dossier import parse_dossier
    from workflow.spreadsheet.importer import read_records

    _scope(uow, actor, organisation_id)
    uow.rollback()  # no transaction held while the file is parsed
    report = SheetCheck()
    try:
        read = read_records(path)
    except FazhanError as exc:
        where = f"（位置：{exc.path}）" if exc.path else ""
        report.errors.append(_error_row("", 0, None, exc.code, exc.message + where))
        return report
    report.rows_read, report.good = read.rows_read, len(read.dossiers)
    report.errors = [_error_row(e.sheet, e.row, e.column, e.code, e.message) for e in read.errors]
    names, states = rule_names(), state_names()
    for document in read.dossiers:
        dossier = parse_dossier(document, source=document["id"])
        audit = audit_dossier(dossier, as_of)
        report.audited.append({"id": dossier.id, "name": dossier.person.name, "state": states.get(audit.state, ""),
                               "findings": [{"severity": f.severity, "code": f.code, "message": f.message,
                                             "rule_name": names.get(f.code, ""), "article": f.article}
                                            for f in audit.findings]})
    return report


def import_spreadsheet(uow: UnitOfWork, actor: Actor, organisation_id: Any, path: str, *, label: str,
                       today: dt.date) -> SheetCheck:
    """`fazhan import` in the browser: only for an organiser or administrator of the organisation; each
    good row is imported or updated, each bad one listed and left out (workflow/service_layer/imports.py)."""
    from workflow.service_layer.imports import import_path, require_import_rights

    require_import_rights(uow, actor, organisation_id if isinstance(organisation_id, int) else -1)
    result = import_path(uow, actor, organisation_id, path, label=label, today=today)
    report = SheetCheck(imported=True, good=len(result.results), done=list(result.done))
    for exc in result.errors:
        report.errors.append({"sheet": "", "row": 0, "column": exc.field or "", "code": exc.code,
                              "message": exc.message, "where": exc.where()})
    return report

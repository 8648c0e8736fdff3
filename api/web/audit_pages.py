"""The auditor's pages: findings by organisation, the HTML audit report, and a 纪实表 spreadsheet checked
(anyone who reads the organisation) or imported (an organiser or administrator of it) with its list
of bad cells. Scope and rights are workflow/service_layer/audit_views.py's."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import views
from api.web.common import ActorDep, PageError, fail, form_values, org_names, page_router, parse_int, posted_form, \
    render
from api.web.page_kit import field_problems, held, size_words, upload_bytes
from workflow.errors import FazhanError
from workflow.findings import SEVERITIES
from workflow.spreadsheet.limits import MAX_FILE_BYTES
from workflow.service_layer import audit_views

router = page_router()
SEVERITY_NAMES = views.SEVERITY_NAMES  # the workspace's words for a finding's severity
_INLINE = re.compile(r"<(style|script)>(.*?)</\1>", re.S)


def _org(uow, actor, org: str | None) -> int | None:
    if not org:
        return None
    value = parse_int(org)
    if value is None or value not in org_names(uow, actor):
        raise PageError(404, "找不到该组织，或您无权查看", "ORGANISATION_NOT_FOUND")
    return value


def _as_of(text: str | None, today: dt.date) -> dt.date:
    if not text:
        return today
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PageError(422, "检查日应为 YYYY-MM-DD 格式的日期", "DATE_INVALID") from None


@router.get("/audit", response_class=HTMLResponse)
def findings(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
             as_of: str | None = None, severity: str | None = None):
    org_id, day = _org(uow, actor, org), _as_of(as_of, today)
    try:
        answer = audit_views.findings_by_organisation(uow, actor, org_id, day)
    except FazhanError as exc:
        raise fail(exc) from None
    severity = severity if severity in (*SEVERITIES, "all") else ""
    wanted = {"": {"violation", "warning"}, "all": set(SEVERITIES)}.get(severity, {severity})
    shown = [f for f in answer["findings"] if f["severity"] in wanted]
    return render(request, "audit_findings.html", uow, actor, today=today, answer=answer, groups=_by_dossier(shown),
                  shown=len(shown), orgs=org_names(uow, actor), org=org_id, as_of=day, severity=severity,
                  severity_names=SEVERITY_NAMES)


def _by_dossier(findings: list[dict]) -> list[dict]:
    """The findings person by person (the worst first), so a long list reads one dossier at a time."""
    groups: dict[str, dict] = {}
    for f in findings:
        group = groups.setdefault(f["dossier_id"], {"dossier_id": f["dossier_id"], "name": f["name"],
                                                    "organisation": f["organisation"], "state": f["state"],
                                                    "findings": [], "counts": dict.fromkeys(SEVERITIES, 0)})
        group["findings"].append(f)
        group["counts"][f["severity"]] += 1
    return sorted(groups.values(), key=lambda g: tuple(-g["counts"][s] for s in SEVERITIES) + (g["name"],))


def _hash(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode("utf-8")).digest()).decode() + "'"


@router.get("/audit/report.html")
def report(uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None, as_of: str | None = None,
           download: str | None = None):
    """The report `fazhan report --format html` writes: self-contained, its one inline stylesheet and
    sorting script allowed by their hashes alone (the page policy allows no other inline code)."""
    org_id, day = _org(uow, actor, org), _as_of(as_of, today)
    try:
        html = audit_views.report_html(uow, actor, org_id, day)
    except FazhanError as exc:
        raise fail(exc) from None
    styles = [_hash(body) for kind, body in _INLINE.findall(html) if kind == "style"]
    scripts = [_hash(body) for kind, body in _INLINE.findall(html) if kind == "script"]
    policy = (f"default-src 'none'; style-src {' '.join(styles) or chr(39) + 'none' + chr(39)}; "
              f"script-src {' '.join(scripts) or chr(39) + 'none' + chr(39)}; img-src data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-store"}
    if download == "1":
        headers["Content-Disposition"] = f"attachment; filename=\"audit-report-{day.isoformat()}.html\""
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


# ---------------------------------------------------------------- a 纪实表 spreadsheet

def _limit(request: Request) -> int:
    return min(request.app.state.settings.max_upload_bytes, MAX_FILE_BYTES)


def _import_page(request, uow, actor, *, form=None, result=None, problems=None, status=200):
    return render(request, "audit_import.html", uow, actor, status=status, orgs=org_names(uow, actor),
                  form=form or {}, result=result, errors=result.errors if result else [], problems=problems or {},
                  limit=size_words(_limit(request)), severity_names=SEVERITY_NAMES)


@router.get("/audit/import", response_class=HTMLResponse)
def import_page(request: Request, uow: UowDep, actor: ActorDep):
    return _import_page(request, uow, actor)


@router.post("/audit/import", response_class=HTMLResponse)
async def check_or_import(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await posted_form(request)
    values = form_values(form)
    org_id = parse_int(values.get("organisation_id"))
    try:
        data, suffix = await upload_bytes(form.get("file"), _limit(request), (".xlsx", ".csv"))
        filename = getattr(form.get("file"), "filename", "") or ""
        with held(data, suffix, filename) as path:
            if values.get("mode") == "import":
                result = audit_views.import_spreadsheet(uow, actor, org_id, path, label=filename[:200], today=today)
            else:
                result = audit_views.check_spreadsheet(uow, actor, org_id, path, as_of=today)
    except FazhanError as exc:
        uow.session.rollback()
        return _import_page(request, uow, actor, form=values, status=status_for(exc),
                            problems=field_problems(exc, ("file", "organisation_id", "mode")))
    return _import_page(request, uow, actor, form=values, result=result, status=422 if result.errors else 200)

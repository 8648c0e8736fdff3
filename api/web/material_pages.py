"""Materials and side facts of a dossier: uploading a scan, reading it back, and recording an
assessment, a publicity notice or a thought report from the dossier page."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import views
from api.web.common import ActorDep, PageError, attempt, fail, form_values, load_dossier, page_router, posted_form
from api.web.dossier_pages import dossier_page_with
from workflow.errors import FazhanError, InputError
from workflow.store import services

router = page_router()
FACT_LABELS = {"date": "日期", "period": "考察阶段", "kind": "公示类别", "start": "开始日期", "end": "结束日期"}


@router.post("/dossiers/{dossier_id}/materials", response_class=HTMLResponse)
async def upload(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await posted_form(request)
    values = form_values(form)
    settings = request.app.state.settings
    file = form.get("file")
    data = await file.read(settings.max_upload_bytes + 1) if isinstance(file, UploadFile) and file.filename else None

    def attach() -> None:
        _, dossier = load_dossier(uow, actor, dossier_id)
        material = views.rules_for(dossier, today).material_by_id.get(values.get("material_id", ""))
        if material is None:
            raise InputError("请选择材料类别", code="FIELD_REQUIRED", field="material_id")
        if data is None:
            raise InputError("请选择要上传的文件", code="FIELD_REQUIRED", field="file")
        signers = [s.strip() for s in values.get("signed_by", "").replace("，", ",").split(",") if s.strip()]
        meta = {"id": material.id, "step": material.step, "signed_by": signers}
        if values.get("date", "").strip():
            meta["date"] = values["date"].strip()
        services.attach_material(uow, actor, dossier_id, meta, data, declared_type=file.content_type,
                                 filename=file.filename, max_bytes=settings.max_upload_bytes)

    def refused(exc: FazhanError):
        reasons = [d.get("reason") or d.get("message") for d in exc.details if d.get("reason") or d.get("message")]
        return dossier_page_with(request, uow, actor, dossier_id, today, status=status_for(exc),
                                 upload_errors=reasons or [exc.message], upload_form=values)

    _, page = attempt(uow, attach, refused)
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=uploaded#materials", status_code=303)


@router.get("/dossiers/{dossier_id}/materials/{sha256}")
def material(dossier_id: str, sha256: str, uow: UowDep, actor: ActorDep):
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise PageError(404, "该档案没有这份材料", "MATERIAL_NOT_FOUND")
    try:
        data, media_type, filename = services.read_material(uow, actor, dossier_id, sha256)
    except FazhanError as exc:
        raise fail(exc) from None
    name = filename or f"{sha256[:12]}"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; img-src 'self'; "
        "plugin-types application/pdf; sandbox"})


def _fact(values: dict) -> tuple[str, dict]:
    """The list a side form adds to and the item it adds, from the posted fields."""
    kind = values.get("kind", "")
    if kind == "assessment":
        item = {"date": values.get("date", "").strip(), "period": values.get("period", "")}
        for key in ("by", "result"):
            if values.get(key, "").strip():
                item[key] = values[key].strip()
        return "assessments", item
    if kind == "publicity":
        return "publicity", {"kind": values.get("publicity_kind", ""), "start": values.get("start", "").strip(),
                             "end": values.get("end", "").strip()}
    if kind == "thought_report":
        return "thought_reports", {"date": values.get("date", "").strip()}
    raise InputError("请选择要记录的事项", code="VALUE_INVALID", field="kind")


@router.post("/dossiers/{dossier_id}/facts", response_class=HTMLResponse)
async def add_fact(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    values = form_values(await posted_form(request))

    def add() -> None:
        collection, item = _fact(values)
        services.add_fact(uow, actor, dossier_id, collection, item)

    def refused(exc: FazhanError):
        reasons = [f"{FACT_LABELS.get(d.get('field'), d.get('field') or '')}：{d.get('reason')}" if d.get("reason")
                   else d.get("message", exc.message) for d in exc.details] or [exc.message]
        return dossier_page_with(request, uow, actor, dossier_id, today, status=status_for(exc),
                                 fact_errors=reasons, fact_form=values)

    _, page = attempt(uow, add, refused)
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=fact#facts", status_code=303)

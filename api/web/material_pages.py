"""Materials and side facts of a dossier: a step's materials where the step is (several files at once,
signers prefilled), uploading a scan from the dossier page, reading it back, and recording an
assessment, a publicity notice or a thought report from the dossier page."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import views
from api.web.common import (
    ActorDep,
    PageError,
    attempt,
    fail,
    form_values,
    load_dossier,
    page_router,
    parse_int,
    posted_form,
    render,
)
from api.web.dossier_pages import dossier_page_with
from checklists.loader import default_catalogue
from workflow.dossier import Dossier
from workflow.errors import FazhanError, InputError
from workflow.service_layer import fact_checks, materials as material_cases, step_materials
from workflow.store.access import OrgTree
from workflow.store.idnumber import redact_id_numbers

router = page_router()
FACT_LABELS = {"date": "日期", "period": "考察阶段", "kind": "公示类别", "start": "开始日期", "end": "结束日期"}
SIGNERS_SPLIT = re.compile(r"[,，、;；]")


# ---------------------------------------------------------------- a step's materials, where the step is

def signer_orgs(uow, organisation_id: int) -> dict[str, str]:
    """What the checklist's signer roles 党支部 and 基层党委 name for this dossier (prefilled signers)."""
    tree = OrgTree.load(uow.session)
    if organisation_id not in tree.orgs:
        return {}
    chain = [organisation_id, *tree.ancestors(organisation_id)]
    branch = next((tree.orgs[i].name for i in chain if tree.orgs[i].level == "branch"), "")
    committee = next((tree.orgs[i].name for i in chain if tree.orgs[i].level == "committee"), "")
    return {"党支部": branch, "基层党委": committee}


def material_context(uow, dossier: Dossier, organisation_id: int, step_id: str, today: dt.date, *,
                     index: int | None = None, on: dt.date | None = None, gate=None) -> step_materials.StepMaterials:
    return step_materials.step_materials(dossier, step_id, today, index=index, on=on, gate=gate,
                                         org_names=signer_orgs(uow, organisation_id))


async def read_uploads(form, dossier: Dossier, step_id: str, day: dt.date, max_bytes: int) -> list[step_materials.Upload]:
    """The files posted for each of the step's materials (`files-<material>`, several each), with their
    signers (`signed_by-<material>`) and the step's date; reading stops past the most one post may carry."""
    uploads: list[step_materials.Upload] = []
    # a form drawn under another rule set's list may name a material this day's rules do not ask for at this
    # step: it is read all the same, and `check_uploads` names it, rather than being dropped unseen
    materials = {m.id: m for rs in default_catalogue().ordered() for m in rs.materials if m.step == step_id}
    materials.update({m.id: m for m in views.rules_for(dossier, day).materials if m.step == step_id})
    for material in materials.values():
        signers = form.get(f"signed_by-{material.id}")
        names = [s.strip() for s in SIGNERS_SPLIT.split(signers if isinstance(signers, str) else "") if s.strip()]
        for file in form.getlist(f"files-{material.id}"):
            if not isinstance(file, UploadFile) or not file.filename:
                continue
            if len(uploads) > step_materials.MAX_FILES:
                break
            data = await file.read(max_bytes + 1)
            uploads.append(step_materials.Upload(material.id, data, file.content_type, file.filename, names,
                                                 day.isoformat()))
    return uploads


def material_errors(exc: FazhanError) -> dict[str, list[views.Problem]]:
    """A refused upload's problems by material id (`_general` for the set as a whole), with their codes."""
    out: dict[str, list[views.Problem]] = {}
    for detail in exc.details or [{"field": exc.field, "reason": exc.message, "code": exc.code}]:
        field = detail.get("field") or ""
        key = field.removeprefix("material:") if field.startswith("material:") else "_general"
        out.setdefault(key, []).append(views.Problem(detail.get("reason") or detail.get("message") or exc.message,
                                                     detail.get("code") or exc.code))
    return redact_id_numbers(out)  # a file named by an ID number is not echoed back


def step_materials_page(request, uow, actor, today, dossier_id: str, index: int, *, errors=None, form=None,
                        status: int = 200, message: str | None = None):
    answer, dossier = load_dossier(uow, actor, dossier_id)
    entry = dossier.steps[index]
    step = views.ruleset(dossier, today).step_by_id.get(entry.step)
    if step is None:
        raise PageError(404, "该档案没有这条步骤记录", "STEP_NOT_FOUND")
    mats = material_context(uow, dossier, answer["organisation_id"], entry.step, today, index=index)
    return render(request, "step_materials.html", uow, actor, status=status, today=today, answer=answer,
                  dossier=dossier, step=step, entry=entry, index=index, mats=mats, material_errors=errors or {},
                  form=form or {}, message=message)


def _index(dossier: Dossier, index: str) -> int:
    value = parse_int(index)
    if value is None or value >= len(dossier.steps):
        raise PageError(404, "该档案没有这条步骤记录", "STEP_NOT_FOUND")
    return value


@router.get("/dossiers/{dossier_id}/steps/{index}/materials", response_class=HTMLResponse)
def step_materials_get(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                       done: str | None = None):
    _, dossier = load_dossier(uow, actor, dossier_id)
    return step_materials_page(request, uow, actor, today, dossier_id, _index(dossier, index),
                               message="材料已上传。" if done == "uploaded" else None)


@router.post("/dossiers/{dossier_id}/steps/{index}/materials", response_class=HTMLResponse)
async def step_materials_post(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep,
                              today: TodayDep):
    form = await posted_form(request)
    _, dossier = load_dossier(uow, actor, dossier_id)
    i = _index(dossier, index)
    entry = dossier.steps[i]
    max_bytes = request.app.state.settings.max_upload_bytes
    uploads = await read_uploads(form, dossier, entry.step, entry.date, max_bytes)

    def attach() -> None:
        if not uploads:
            raise InputError("请选择要上传的文件", code="FIELD_REQUIRED", field="files")
        step_materials.attach_all(uow, actor, dossier_id, entry.step, uploads, max_bytes=max_bytes, day=entry.date)

    _, page = attempt(uow, attach, lambda exc: step_materials_page(
        request, uow, actor, today, dossier_id, i, errors=material_errors(exc), form=form_values(form),
        status=status_for(exc)))
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}/steps/{i}/materials?done=uploaded", status_code=303)


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
        material_cases.attach_material(uow, actor, dossier_id, meta, data, declared_type=file.content_type,
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
        data, media_type, filename = material_cases.read_material(uow, actor, dossier_id, sha256)
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
        fact_checks.add_fact(uow, actor, dossier_id, collection, item, today=today)  # dates checked as a step's

    def refused(exc: FazhanError):
        reasons = [f"{FACT_LABELS.get(d.get('field'), d.get('field') or '')}：{d.get('reason')}" if d.get("reason")
                   else d.get("message", exc.message) for d in exc.details] or [exc.message]
        return dossier_page_with(request, uow, actor, dossier_id, today, status=status_for(exc),
                                 fact_errors=reasons, fact_form=values)

    _, page = attempt(uow, add, refused)
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=fact#facts", status_code=303)

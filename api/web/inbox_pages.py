"""The inbox, the reviewer's queue and the digest address (issue 11).

The inbox lists, for the signed-in user, steps sent back to them, steps waiting for their review, and
deadlines due soon or passed (`workflow.service_layer.inbox`). The queue takes a reviewer through the dossiers
with steps waiting for them, one dossier at a time: they sign off several of its steps in one pass
(each signed separately by `workflow.service_layer.batches.review_steps`) or send one back, and the queue
moves on to the next dossier. No rule or permission is decided here.
"""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import labels, views
from api.web.common import ActorDep, attempt, load_dossier, org_names, page_router, parse_int, posted_form, render
from api.web.inbox_badge import due_days, inbox_of
from workflow.errors import FazhanError, InputError
from workflow.service_layer import batches, inbox_mail
from workflow.service_layer.returns import return_step

router = page_router()
DONE = {"approved": "已审核通过 {n} 个步骤。", "returned": "已退回，并通知记录人更正。"}
MAIL_DONE = {"saved": "摘要邮件地址已保存。", "off": "已停止发送摘要邮件。"}


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    box = inbox_of(request, uow, actor, today)
    return render(request, "inbox.html", uow, actor, today=today, box=box, due_days=due_days(request),
                  mail=inbox_mail.address_of(uow, actor))


# ---------------------------------------------------------------- the reviewer's queue

def _next_after(order: list[str], after: str | None) -> str | None:
    if not order:
        return None
    if after in order:
        position = order.index(after) + 1
        return order[position % len(order)]
    return order[0]


def _queue_page(request, uow, actor, today, dossier_id: str, *, errors: dict | None = None, general=None,
                comment: dict | None = None, message: str | None = None, status: int = 200):
    box = inbox_of(request, uow, actor, today)
    order = box.review_dossiers()
    mine = sorted((item for item in box.reviews if item.dossier_id == dossier_id), key=lambda item: item.index)
    answer, dossier = load_dossier(uow, actor, dossier_id)
    doc = answer["dossier"]
    materials: dict[str, list] = {}
    for m in doc.get("materials") or []:
        materials.setdefault(m["step"], []).append(m)
    meetings = {item.index: batches.meeting_of_step(uow, dossier_id, item.index) for item in mine
                if item.step in batches.meeting_steps()}
    rs = views.ruleset(dossier, today)
    general = list(general or [])
    for index, messages in (errors or {}).items():  # refused steps not in this user's list (their own record)
        if index not in {item.index for item in mine}:
            step = doc["steps"][index]["step"] if isinstance(index, int) and 0 <= index < len(doc["steps"]) else ""
            name = rs.step_by_id[step].name if step in rs.step_by_id else ""
            general += [f"{name}：{m}" if name else m for m in messages]
    return render(request, "queue.html", uow, actor, status=status, today=today, items=mine, doc=doc,
                  dossier=dossier, org_name=org_names(uow, actor).get(answer["organisation_id"], ""),
                  position=order.index(dossier_id) + 1 if dossier_id in order else None, total=len(order),
                  materials=materials, meetings=meetings, errors=errors or {}, general=general,
                  comment=comment or {}, message=message, rs=rs, words=labels)


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, after: str | None = None,
          done: str | None = None, n: str | None = None):
    box = inbox_of(request, uow, actor, today)
    message = DONE[done].format(n=parse_int(n) or 0) if done in DONE else None
    target = _next_after(box.review_dossiers(), after[:64] if after else None)
    if target is None:
        return render(request, "queue.html", uow, actor, today=today, items=[], doc=None, message=message,
                      total=0, errors={}, general=[], comment={})
    return _queue_page(request, uow, actor, today, target, message=message)


@router.get("/queue/{dossier_id}", response_class=HTMLResponse)
def queue_dossier(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    return _queue_page(request, uow, actor, today, dossier_id)


def _indices(form) -> list[int]:
    values = [parse_int(v) for v in form.getlist("index")[:batches.MAX_REVIEWS + 1] if isinstance(v, str)]
    return [v for v in values if v is not None]


@router.post("/queue/{dossier_id}/approve", response_class=HTMLResponse)
async def approve(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await posted_form(request)
    indices = _indices(form)

    def refused(exc: FazhanError):
        errors: dict[int, list[str]] = {}
        for refusal in exc.details if isinstance(exc, batches.BatchRefused) else []:
            errors.setdefault(refusal.get("index"), []).append(refusal.get("message") or exc.message)
        request.state.inbox = None  # the rolled-back attempt must not be what the page shows
        return _queue_page(request, uow, actor, today, dossier_id, errors=errors, general=[exc.message],
                           status=status_for(exc))

    result, page = attempt(uow, lambda: batches.review_steps(uow, actor, dossier_id, indices, today=today), refused)
    if page:
        return page
    query = urlencode({"after": dossier_id, "done": "approved", "n": len(result["reviewed"])})
    return RedirectResponse(f"/queue?{query}", status_code=303)


@router.post("/queue/{dossier_id}/return", response_class=HTMLResponse)
async def send_back(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await posted_form(request)
    index = parse_int(form.get("index") if isinstance(form.get("index"), str) else None)
    comment = form.get("comment") if isinstance(form.get("comment"), str) else ""

    def send() -> dict:
        if index is None:
            raise InputError("请选择要退回的步骤", code="FIELD_REQUIRED", field="index")
        return return_step(uow, actor, dossier_id, index, comment)

    def refused(exc: FazhanError):
        request.state.inbox = None
        return _queue_page(request, uow, actor, today, dossier_id, errors={index: [exc.message]},
                           comment={index: comment[:1000]}, status=status_for(exc))

    _, page = attempt(uow, send, refused)
    if page:
        return page
    return RedirectResponse(f"/queue?{urlencode({'after': dossier_id, 'done': 'returned'})}", status_code=303)


# ---------------------------------------------------------------- the digest address

@router.get("/inbox/mail", response_class=HTMLResponse)
def mail_page(request: Request, uow: UowDep, actor: ActorDep, done: str | None = None):
    mail = inbox_mail.address_of(uow, actor)
    return render(request, "inbox_mail.html", uow, actor, mail=mail, form={"address": mail["address"] if mail else ""},
                  error=None, message=MAIL_DONE.get(done or ""), enabled=inbox_mail.enabled(request.app.state.settings))


@router.post("/inbox/mail", response_class=HTMLResponse)
async def save_mail(request: Request, uow: UowDep, actor: ActorDep):
    form = await posted_form(request)
    address = form.get("address") if isinstance(form.get("address"), str) else ""
    stop = form.get("action") == "off"

    def save():
        return inbox_mail.set_address(uow, actor, None if stop else address)

    def refused(exc: FazhanError):
        return render(request, "inbox_mail.html", uow, actor, status=status_for(exc),
                      mail=inbox_mail.address_of(uow, actor), form={"address": address[:254]}, error=exc.message,
                      message=None, enabled=inbox_mail.enabled(request.app.state.settings))

    _, page = attempt(uow, save, refused)
    if page:
        return page
    return RedirectResponse(f"/inbox/mail?done={'off' if stop else 'saved'}", status_code=303)



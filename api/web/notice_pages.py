"""The published ranking's notice (量化考核结果公示, 一学年一公开) as a page and as its PDF/A-3b.

Both print exactly the stored `ranking/1` document through `documents.notice.notice_context` (the PDF
also carries the document and its SHA-256); the proposals made from the ranking are listed with their
positions, so a notice, the ranking and each proposal lead to one another.
"""
from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from api.deps import UowDep
from api.routes_documents import disposition
from api.web.common import ActorDep, fail, page_router, render
from api.web.cultivation_forms import id_param
from api.web.cultivation_kit import scheme_or_404
from documents.notice import notice_context, render_ranking_notice
from workflow.cultivation.periods import period_named
from workflow.errors import FazhanError
from workflow.store import cultivation_queries as queries

router = page_router()


def _notice(uow, actor, ranking_id: str) -> tuple[dict, object]:
    rid = id_param(ranking_id, "排名", "RANKING_NOT_FOUND")
    try:
        notice = queries.ranking_notice(uow, actor, rid)
    except FazhanError as exc:
        raise fail(exc) from None
    return notice, scheme_or_404(notice["scheme"])


def _known(notice: dict) -> dict:
    return {"organisation": notice["organisation"], "published_on": notice["published_on"],
            "published_by": notice["published_by"], "sha256": notice["sha256"], "ranking_id": notice["id"],
            "proposals": notice["proposals"]}


@router.get("/cultivation/rankings/{ranking_id}/notice", response_class=HTMLResponse)
def notice_page(request: Request, ranking_id: str, uow: UowDep, actor: ActorDep):
    notice, scheme = _notice(uow, actor, ranking_id)
    try:
        context = notice_context(scheme, notice["document"], **_known(notice))
    except FazhanError as exc:
        raise fail(exc) from None  # RANKING_ALTERED: the stored ranking no longer matches (api/error_table.py)
    period = period_named(scheme, notice["period"])
    query = f"org={notice['organisation_id']}&scheme={scheme.id}&period={period.label}"
    return render(request, "cultivation_notice.html", uow, actor, notice=notice, n=context, query=query)


@router.get("/cultivation/rankings/{ranking_id}/notice.pdf", response_class=Response)
async def notice_pdf(ranking_id: str, request: Request, uow: UowDep, actor: ActorDep):
    notice, scheme = _notice(uow, actor, ranking_id)
    try:
        rendered = await run_in_threadpool(render_ranking_notice, scheme, notice["document"], **_known(notice))
    except FazhanError as exc:
        raise fail(exc) from None  # RANKING_ALTERED: the stored ranking no longer matches (api/error_table.py)
    return Response(rendered.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": disposition("inline", rendered.filename)})

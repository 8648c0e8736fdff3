"""Routes that return a dossier's form as PDF or its archive bundle as zip; no logic here.

`make_router(load_dossier, load_files)` takes the dependency that turns the path's `dossier_id` into a
Dossier (the caller scopes it to the acting user) and, for bundles, the one that gives the dossier's
uploaded files by SHA-256 (the store's; without it, a bundle lists uploads as not provided). Errors leave as `{"error": {...}}` with a
stable code, like every other route.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Callable
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from api.error_table import status_for
from api.errors import error_body
from workflow.dossier import Dossier
from workflow.errors import FazhanError


def _error(exc: FazhanError) -> JSONResponse:
    """The error table's answer; `file` is dropped (a renderer may name a template or output path)."""
    return JSONResponse(error_body(exc, keep_file=False), status_code=status_for(exc))


def disposition(kind: str, filename: str) -> str:
    """The Content-Disposition of a file answer (`inline` or `attachment`): an ASCII stand-in name for
    old clients and the UTF-8 name (RFC 6266/5987), so a Chinese file name arrives as it is."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _no_files() -> Mapping[str, bytes]:
    return {}


def make_router(load_dossier: Callable[..., Dossier],
                load_files: Callable[..., Mapping[str, bytes]] | None = None) -> APIRouter:
    from documents.bundle import bundle_bytes, bundle_filename
    from documents.forms import render_form

    router = APIRouter(tags=["documents"])

    @router.get("/dossiers/{dossier_id}/forms/{form_id}.pdf", response_class=Response,
                responses={200: {"content": {"application/pdf": {}}}},
                summary="一张表格（PDF/A-3b）；全程纪实表内嵌 dossier/1 数据")
    async def get_form(form_id: str, dossier: Dossier = Depends(load_dossier)) -> Response:
        try:
            rendered = await run_in_threadpool(render_form, dossier, form_id)
        except FazhanError as exc:
            return _error(exc)
        return Response(rendered.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": disposition("inline", rendered.filename)})

    @router.get("/dossiers/{dossier_id}/bundle.zip", response_class=Response,
                responses={200: {"content": {"application/zip": {}}}},
                summary="档案包（BagIt + zip，含卷内目录和 SHA-256 清单）")
    async def get_bundle(dossier: Dossier = Depends(load_dossier),
                         files: Mapping[str, bytes] = Depends(load_files or _no_files),
                         final: bool = Query(False, description="正式归档：缺少必备材料时拒绝")) -> Response:
        try:
            data = await run_in_threadpool(bundle_bytes, dossier, files=files, final=final)
        except FazhanError as exc:
            return _error(exc)
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": disposition("attachment", bundle_filename(dossier))})

    return router

"""Every error leaves as `{"error": {"code", "message", "path"/"field", "details"}}` with one status.

Messages are Chinese for people, codes stable for programs; request values are never echoed back
(an ID number typed into the wrong field must not reappear in an answer or a log).
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from checklists.errors import ChecklistError, FazhanError
from workflow.dossier import _translate
from workflow.errors import InputError, ReasonRequired, StepRefused
from workflow.store.errors import Conflict, Forbidden, MaterialCorrupt, MaterialRejected, NotFound, Unauthorised

log = logging.getLogger("fazhan.api")

_BY_CLASS = ((NotFound, 404), (Forbidden, 403), (Unauthorised, 401), (Conflict, 409), (MaterialCorrupt, 409),
             (ReasonRequired, 422), (StepRefused, 422), (InputError, 422), (ChecklistError, 422))
_BY_CODE = {"MATERIAL_TOO_LARGE": 413, "MATERIAL_TYPE": 415, "MATERIAL_EMPTY": 422,
            "STEP_ALREADY_RECORDED": 409, "ALREADY_REVIEWED": 409, "EVENT_NOT_ALLOWED": 409,
            "STEP_NOT_AVAILABLE": 409}
_HTTP_CODES = {400: ("REQUEST_MALFORMED", "请求体无法解析"),
               401: ("UNAUTHORISED", "未登录或登录已过期，请重新登录"), 403: ("FORBIDDEN", "无权执行此操作"),
               404: ("NOT_FOUND", "找不到该地址"), 405: ("METHOD_NOT_ALLOWED", "该地址不支持此请求方法"),
               413: ("REQUEST_TOO_LARGE", "请求过大"), 415: ("UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型")}


def status_for(exc: FazhanError) -> int:
    if exc.code in _BY_CODE:
        return _BY_CODE[exc.code]
    for cls, status in _BY_CLASS:
        if isinstance(exc, cls):
            return status
    return 400


def error_body(exc: FazhanError) -> dict:
    body = exc.to_dict()
    body.pop("file", None) if body.get("file") in ("<request>", "step", "event") else None
    return {"error": body}


def _request_problem(error: dict) -> dict:
    loc = list(error.get("loc", ()))
    where = loc[0] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else None
    if where:
        loc = loc[1:]
    if error.get("type") == "json_invalid":
        return {"code": "JSON_MALFORMED", "path": "$", "field": None, "reason": "请求体不是有效的 JSON"}
    if str(error.get("type", "")).startswith(("date_", "datetime_")):
        field = next((p for p in reversed(loc) if isinstance(p, str)), None)
        return {"code": "DATE_INVALID", "path": None, "field": field, "reason": "不是存在的 YYYY-MM-DD 日期",
                **({"in": where} if where else {})}
    problem = _translate({**error, "loc": tuple(loc)})
    if where in ("query", "path", "header"):
        problem["path"] = None
        problem["in"] = where
    return problem


def install(app: FastAPI) -> None:
    @app.exception_handler(FazhanError)
    async def _fazhan(_request: Request, exc: FazhanError):
        return JSONResponse(error_body(exc), status_code=status_for(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        problems = [_request_problem(e) for e in exc.errors()]
        first = problems[0]
        where = first.get("field") or first.get("path") or ""
        body = {"code": first["code"], "message": f"{where + '：' if where else ''}{first['reason']}",
                "details": problems}
        for key in ("path", "field"):
            if first.get(key):
                body[key] = first[key]
        return JSONResponse({"error": body}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        code, message = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", "请求无法处理"))
        error = getattr(exc, "error", None) or {"code": code, "message": message}
        return JSONResponse({"error": error}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    # The database's own refusals, for whatever got past the checks before it: never a 500, never the
    # statement or its parameters (they carry personal data) in the answer or the log.
    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError):
        log.warning("integrity error: %s", type(exc.orig).__name__)
        return JSONResponse({"error": {"code": "CONFLICT", "message": "该记录已存在，或刚被其他操作修改，请刷新后重试"}},
                            status_code=409)

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError):
        log.warning("data error: %s", type(exc.orig).__name__)
        return JSONResponse({"error": {"code": "VALUE_OUT_OF_RANGE", "message": "有数值或文字超出数据库可保存的范围"}},
                            status_code=422)

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, _exc: OverflowError):
        return JSONResponse({"error": {"code": "VALUE_OUT_OF_RANGE", "message": "数值过大"}}, status_code=422)

    @app.exception_handler(OperationalError)
    async def _operational(_request: Request, exc: OperationalError):
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return JSONResponse({"error": {"code": "DATABASE_BUSY", "message": "数据库正忙或暂时不可用，请稍后重试"}},
                            status_code=503, headers={"Retry-After": "2"})

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        log.error("unexpected error: %s", type(exc).__name__)
        return JSONResponse({"error": {"code": "INTERNAL_ERROR", "message": "服务器内部错误，请联系管理员"}},
                            status_code=500)

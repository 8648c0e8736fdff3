"""Every error leaves as `{"error": {"code", "message", "path"/"field", "details"}}` with the status the
one error table gives it (api/error_table.py).

Messages are Chinese for people, codes stable for programs; request values are never echoed back
(an ID number typed into the wrong field must not reappear in an answer or a log).
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.error_table import FOREIGN, HTTP_OTHER, HTTP_STATUS, UNEXPECTED, Fixed, status_for
from checklists.errors import FazhanError
from workflow.dossier import translate_error

__all__ = ["error_body", "install", "status_for"]

log = logging.getLogger("fazhan.api")

REQUEST_SOURCES = ("<request>", "step", "event")  # `file` names that say nothing a client does not know


def error_body(exc: FazhanError, *, keep_file: bool = True) -> dict:
    """`{"error": {code, message, file?, path?, field?, details?}}`; `file` is dropped when it only names
    the request, or always (`keep_file=False`) where it could be a path on the server."""
    body = exc.to_dict()
    if not keep_file or body.get("file") in REQUEST_SOURCES:
        body.pop("file", None)
    return {"error": body}


def fixed_answer(fixed: Fixed, headers: dict | None = None) -> JSONResponse:
    if fixed.retry_after is not None:
        headers = {**(headers or {}), "Retry-After": str(fixed.retry_after)}
    return JSONResponse({"error": {"code": fixed.code, "message": fixed.message}}, status_code=fixed.status,
                        headers=headers)


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
    problem = translate_error({**error, "loc": tuple(loc)})
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
        known = HTTP_STATUS.get(exc.status_code)
        code, message = (known.code, known.message) if known else HTTP_OTHER
        error = getattr(exc, "error", None) or {"code": code, "message": message}
        return JSONResponse({"error": error}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    # The database's own refusals, for whatever got past the checks before it: never a 500, never the
    # statement or its parameters (they carry personal data) in the answer or the log.
    for cls, fixed in FOREIGN:
        app.add_exception_handler(cls, _foreign(fixed))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        log.error("%s: %s", UNEXPECTED.log, type(exc).__name__)
        return fixed_answer(UNEXPECTED)


def _foreign(fixed: Fixed):
    """The handler of one exception raised below the domain: its row of the table, and a warning naming
    only the driver's exception class."""
    async def handle(_request: Request, exc: Exception):
        if fixed.log:
            log.warning("%s: %s", fixed.log, type(getattr(exc, "orig", None)).__name__)
        return fixed_answer(fixed)

    return handle

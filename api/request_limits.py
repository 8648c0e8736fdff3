"""What a request may carry, checked before any route reads it: its size, and no NUL character.

A body is capped before it is read: a JSON or form body at 1 MB (a whole `dossier/1` document is
a few kilobytes), a multipart upload at the upload limit plus room for its headers. A declared
Content-Length past the cap is answered 413 at once; a body without one is counted as it arrives
and cut off at the cap. A NUL character cannot be stored in PostgreSQL text, and has no place in
anything a person types, so one in the path, the query string, a JSON string or a form field is
answered 422 with the parameter or JSON path that carried it. (The database layer refuses one that
arrives any other way, see `workflow/store/db.py`.)
"""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException

from workflow.dossier import json_path

MAX_BODY_BYTES = 1024 * 1024
UPLOAD_OVERHEAD_BYTES = 64 * 1024
_JSON_NUL = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u0000")


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def too_large(limit: int) -> dict:
    return {"code": "REQUEST_TOO_LARGE", "message": f"请求体过大（上限 {_size(limit)}）"}


def _nul(where: str, name: str | None, path: str | None = None) -> dict:
    body = {"code": "NUL_CHARACTER", "message": f"{name + '：' if name else ''}不能含有 NUL 字符（\\0）", "in": where}
    if name:
        body["field"] = name
    if path:
        body["path"] = path
    return body


def _nul_in_url(scope) -> dict | None:
    if "\x00" in scope.get("path", ""):
        return _nul("path", None)
    query = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return _nul("query", name.replace("\x00", "") or None)
        return _nul("query", None)
    return None


def _first_nul(value, loc: tuple = ()) -> tuple | None:
    if isinstance(value, str):
        return loc if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return (*loc, key.replace("\x00", ""))
        found = _first_nul(item, (*loc, key))
        if found is not None:
            return found
    return None


def _nul_in_body(content_type: bytes, body: bytes) -> dict | None:
    if content_type.startswith(b"application/json") and _JSON_NUL.search(body):
        try:
            loc = _first_nul(json.loads(body))
        except (ValueError, RecursionError):
            return None  # not JSON after all: the route's own parser says so
        if loc is not None:
            field = next((p for p in reversed(loc) if isinstance(p, str)), None)
            return _nul("body", field, json_path(loc))
    if content_type.startswith(b"application/x-www-form-urlencoded") and (b"%00" in body or b"\x00" in body):
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return _nul("body", name.replace("\x00", "") or None)
    return None


async def _answer(send, status: int, error: dict) -> None:
    body = json.dumps({"error": error}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """A pure ASGI middleware: it reads a plain body (capped) before the app does, and counts an upload."""

    def __init__(self, app, *, max_upload_bytes: int, max_body_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body = max_body_bytes
        self.max_upload = max_upload_bytes + UPLOAD_OVERHEAD_BYTES

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _nul_in_url(scope)
        if problem:
            await _answer(send, 422, problem)
            return
        headers = dict(scope.get("headers") or ())
        content_type = headers.get(b"content-type", b"").lower()
        upload = content_type.startswith(b"multipart/")
        limit = self.max_upload if upload else self.max_body
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, too_large(limit))
            return
        if upload:
            await self.app(scope, _counting(receive, limit), send)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(b"", receive, message), send)
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await _answer(send, 413, too_large(limit))
                return
        problem = _nul_in_body(content_type, bytes(body))
        if problem:
            await _answer(send, 422, problem)
            return
        await self.app(scope, _replay(bytes(body), receive), send)


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without Content-Length passes the cap while a route reads it."""

    def __init__(self, limit: int):
        self.error = too_large(limit)
        super().__init__(413, detail=self.error["message"])


def _counting(receive, limit: int):
    seen = 0

    async def counted():
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise BodyTooLarge(limit)
        return message
    return counted


def _replay(body: bytes, receive, first: dict | None = None):
    """The body already read, as one message; then whatever the client sends next (a disconnect)."""
    pending = [first or {"type": "http.request", "body": body, "more_body": False}]

    async def replayed():
        return pending.pop() if pending else await receive()
    return replayed

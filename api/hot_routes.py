"""The two routes clients call all day, recording a step and reviewing it, answered without Starlette's
router and FastAPI's request handling; everything else passes on unchanged.

Under 50 clients about a quarter of a worker's CPU per write went to matching the path against every route
in turn, solving the route's four parameters, decoding and validating the body and two more middleware
layers (bench/api_load.py --profile): on one worker process that CPU is the serial section, the GIL. This
layer sits inside `RequestLimits` (sizes and NUL checked before) and `Edge` (security headers, masked
ID numbers after), where the router would be, and runs the same function as the FastAPI route
(api/routes/steps.py) with the same token (`Authorization: Bearer`, as `OAuth2PasswordBearer` reads it).
Only a request the route would certainly take is answered here: `POST`, the exact path, a dossier id
the route accepts (`DossierId`), an index 0–1000 in plain digits and, to record, a JSON body that is an
object. Anything else (another method, a malformed id, no or invalid JSON, a mounted root path) goes to
FastAPI as before, with the body read here given back, so every refusal keeps its one answer. An error the
use case raises is answered by the app's own exception handler for it (api/errors.py), as the route's would
be; one without a handler goes on up to the 500 handler. tests/api/test_hot_routes.py compares both ways.
"""
from __future__ import annotations

import asyncio
import json
import re

from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.deps import in_one_thread
from api.routes import steps as step_routes

PREFIX = "/api"
_PATH = re.compile(PREFIX + r"/dossiers/([^/\x00-\x1f\x7f]{1,64})/steps(?:/(0|[1-9][0-9]{0,3})/review)?")
MAX_INDEX = 1000  # api/routes/steps.py StepIndex


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value
    return None


def _json_content(content_type: bytes | None) -> bool:
    """`application/json`, with parameters (charset) or not: what FastAPI decodes as JSON too."""
    return content_type is not None and content_type.split(b";", 1)[0].strip().lower() == b"application/json"


def _replay(body: bytes, receive, first: dict | None = None):
    pending = [first or {"type": "http.request", "body": body, "more_body": False}]

    async def replayed():
        return pending.pop() if pending else await receive()
    return replayed


def _handler(app, exc: Exception):
    """The app's handler for this exception, as Starlette's ExceptionMiddleware would pick it (the 500
    handler, `Exception`'s, is left to ServerErrorMiddleware outside, which also logs it)."""
    handlers = app.exception_handlers
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None


class HotRoutes:
    """A pure ASGI layer answering `POST /api/dossiers/{id}/steps` and `…/steps/{index}/review`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        found = _PATH.fullmatch(scope["path"])
        if found is None or (found[2] is not None and int(found[2]) > MAX_INDEX):
            await self.app(scope, receive, send)
            return
        dossier_id, index = found[1], found[2]
        if index is None:  # record: the body must be a JSON object
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    await self.app(scope, _replay(body, receive, message), send)
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
            entry = None
            if _json_content(_header(scope, b"content-type")) and body:
                try:
                    entry = json.loads(body)
                except (ValueError, RecursionError):
                    entry = None
            if not isinstance(entry, dict):
                await self.app(scope, _replay(body, receive), send)
                return
            work, status = step_routes.recording(dossier_id, entry), 201
            receive = _replay(b"", receive)  # the body is read: what follows is the client's disconnect
        else:
            work, status = step_routes.reviewing(dossier_id, int(index)), 200
        request = Request(scope, receive)
        authorization = _header(scope, b"authorization")
        token = None
        if authorization is not None:
            scheme, param = get_authorization_scheme_param(authorization.decode("latin-1"))
            token = param if scheme.lower() == "bearer" else None
        try:
            response = await in_one_thread(request, token, work, status_code=status, dossier_id=dossier_id)
        except Exception as exc:
            handler = _handler(scope["app"], exc)
            if handler is None:
                raise
            response = (await handler(request, exc) if asyncio.iscoroutinefunction(handler)
                        else await run_in_threadpool(handler, request, exc))
        await response(scope, receive, send)

"""What every response passes on its way out: security headers, and error answers without ID numbers.

It wraps the whole ASGI stack (outside Starlette's ServerErrorMiddleware), so a 500 page, a 404 of
the static files and a redirect carry the same headers as any page. The Content-Security-Policy
fits the server-rendered pages: scripts, styles and images from our own origin only (htmx and
app.js are vendored under /static; no inline script, style or handler), forms post to ourselves,
and no other site may frame us. The interactive API docs load Swagger UI from its CDN with an
inline bootstrap script, so /docs and /redoc get a policy that allows exactly that.

Error answers (status 400 and above, JSON) are re-read and every ID-number-shaped run masked, so a
number typed into the wrong field and quoted by whatever message refused it never comes back.
"""
from __future__ import annotations

import json

from fastapi import FastAPI

from workflow.store.idnumber import redact_id_numbers

PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
               "https://fastapi.tiangolo.com https://cdn.redoc.ly; worker-src 'self' blob:; object-src 'none'; "
               "base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",  # a feed or dossier URL must not travel to another site
    b"x-frame-options": b"DENY",  # frame-ancestors for browsers that predate CSP level 2
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=()",
}


def _with_security_headers(headers: list, path: str) -> list:
    present = {name.lower() for name, _ in headers}
    out = list(headers)
    if b"content-security-policy" not in present:  # a route with a stricter policy of its own keeps it
        policy = DOCS_POLICY if path.startswith(DOCS_PATHS) else PAGE_POLICY
        out.append((b"content-security-policy", policy.encode()))
    out.extend((name, value) for name, value in HEADERS.items() if name not in present)
    return out


def _redacted_json(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return redact_id_numbers(body.decode("utf-8", "replace")).encode()
    cleaned = redact_id_numbers(data)
    return body if cleaned == data else json.dumps(cleaned, ensure_ascii=False).encode()


class Edge:
    """A pure ASGI wrapper (no BaseHTTPMiddleware: it would buffer every body and cost a task per request)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        held: dict = {}

        async def outbound(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": _with_security_headers(message.get("headers", []), path)}
                content_type = next((v for k, v in message["headers"] if k.lower() == b"content-type"), b"")
                if message["status"] >= 400 and content_type.startswith(b"application/json"):
                    held["start"], held["body"] = message, []  # hold the answer until it is complete
                    return
                await send(message)
            elif message["type"] == "http.response.body" and "start" in held:
                held["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = _redacted_json(b"".join(held.pop("body")))
                start = held.pop("start")
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, outbound)


class FazhanAPI(FastAPI):
    """FastAPI whose outermost layer is `Edge` (add_middleware would sit inside the 500 handler)."""

    def build_middleware_stack(self):
        return Edge(super().build_middleware_stack())

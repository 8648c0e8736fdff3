"""Serving the app with uvicorn, with TCP_NODELAY on every connection.

With `--workers N` uvicorn's parent creates the listening socket with protocol number 0, and asyncio
sets TCP_NODELAY only on accepted sockets whose protocol is IPPROTO_TCP. Without it a response
written in two parts waits for the client's delayed ACK: a flat ~40 ms added to every request.
"""
from __future__ import annotations

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

REQUESTS_PER_CONNECTION = 20
"""With several worker processes, a keep-alive connection is closed after this many requests (the answer
says `connection: close`; a client opens a new one, as after any idle timeout). A connection belongs to the
worker that accepted it, and connections opened together are mostly accepted by one worker: 50 clients
that connected at once ran 12 on one worker and 38 on the other, which then had twice the work while the
first idled (bench/api_load.py --workers 2 --timeline). A new connection goes to whichever worker's loop
accepts it first, which is the less busy one, so the load evens out as connections are renewed; a
reconnect costs the server about 0.1 ms, spread over this many requests. One worker keeps them open."""


def _no_delay(transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)


try:  # httptools parses a request in C: about 0.1 ms of CPU less per request than h11 (bench/api_load.py)
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is a dependency; h11 is the fallback
    HttpToolsProtocol = None
else:
    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        served = 0  # requests started on this connection

        def connection_made(self, transport) -> None:  # type: ignore[override]
            _no_delay(transport)
            super().connection_made(transport)

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            self.served += 1
            if self.served >= REQUESTS_PER_CONNECTION and self.config.workers > 1 and self.cycle is not None:
                self.cycle.keep_alive = False  # answered with `connection: close`, then closed

PROTOCOL = "api.server:NoDelayHttpToolsProtocol" if HttpToolsProtocol is not None else "api.server:NoDelayH11Protocol"


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info",
                http=PROTOCOL)

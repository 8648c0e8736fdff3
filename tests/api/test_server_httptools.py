"""The served protocol is httptools' (C parser) when installed, with TCP_NODELAY like the h11 one."""
from __future__ import annotations

import socket

from test_server import _Transport

from api import server


def test_the_served_protocol_is_httptools_with_nodelay():
    assert server.PROTOCOL == "api.server:NoDelayHttpToolsProtocol"  # httptools is a dependency
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = server.NoDelayHttpToolsProtocol.__new__(server.NoDelayHttpToolsProtocol)
        try:
            protocol.connection_made(_Transport(accepted))
        except AttributeError:
            pass  # the base class wants a fully built protocol; the option is set before it is called
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (client, accepted, listener):
            s.close()


async def _plain(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _answers_until_closed(workers: int, requests: int) -> tuple[int, bool]:
    """How many requests one keep-alive connection to the served protocol answered, and whether the
    server closed it (with `connection: close` on the last answer)."""
    import asyncio

    from uvicorn.config import Config
    from uvicorn.server import ServerState

    async def run() -> tuple[int, bool]:
        config = Config(_plain, workers=workers, log_level="warning")
        config.load()
        state = ServerState()
        loop = asyncio.get_running_loop()
        listener = await loop.create_server(lambda: server.NoDelayHttpToolsProtocol(config, state, {}, loop),
                                            "127.0.0.1", 0)
        reader, writer = await asyncio.open_connection(*listener.sockets[0].getsockname()[:2])
        answered, closed = 0, False
        try:
            for _ in range(requests):
                writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                head = (await reader.readuntil(b"\r\n\r\n")).lower()
                await reader.readexactly(2)
                answered += 1
                if b"connection: close" in head:
                    closed = await reader.read(1) == b""  # and the server really closed it
                    break
        finally:
            writer.close()
            listener.close()
        return answered, closed

    return asyncio.run(run())


def test_with_several_workers_a_connection_is_renewed_so_the_workers_share_the_clients():
    assert _answers_until_closed(2, 100) == (server.REQUESTS_PER_CONNECTION, True)
    assert _answers_until_closed(1, 100) == (100, False)  # one worker: nothing to balance

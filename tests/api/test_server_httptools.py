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

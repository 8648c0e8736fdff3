"""The served socket: TCP_NODELAY on every accepted connection, also under uvicorn's worker processes."""
from __future__ import annotations

import socket

from api.server import NoDelayH11Protocol


class _Transport:
    def __init__(self, sock):
        self.sock = sock

    def get_extra_info(self, name, default=None):
        return self.sock if name == "socket" else default

    def is_closing(self):
        return False

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    def set_protocol(self, protocol):
        pass


def test_nodelay_is_set_even_on_a_socket_created_with_protocol_zero():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)  # what uvicorn's parent process makes
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = NoDelayH11Protocol.__new__(NoDelayH11Protocol)
        try:
            protocol.connection_made(_Transport(accepted))
        except AttributeError:
            pass  # the base class wants a fully built protocol; the option is set before it is called
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (client, accepted, listener):
            s.close()

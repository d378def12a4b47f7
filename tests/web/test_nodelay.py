"""``TCP_NODELAY`` on the server's listening sockets (geodata.web.nodelay), inherited by what they accept.

Streamlit binds its socket with protocol number 0, on which asyncio leaves Nagle's algorithm on: the
socket below is made the same way, and shown to be left with it before."""

from __future__ import annotations

import socket
import sys

import pytest

from geodata.web import CompressedAssets, no_delay_on_listeners

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")


def _listener() -> socket.socket:
    sock = socket.socket(family=socket.AF_INET)  # as streamlit/web/server/starlette/starlette_server.py binds
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


def _accepted_nodelay(listener: socket.socket) -> int:
    with socket.create_connection(listener.getsockname()):
        conn, _ = listener.accept()
        with conn:
            return conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_connections_accepted_after_the_call_have_nagle_off():
    with _listener() as listener:
        assert listener.proto == 0 and _accepted_nodelay(listener) == 0  # what asyncio leaves on such a socket
        assert no_delay_on_listeners() >= 1
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert _accepted_nodelay(listener) != 0


def test_the_middleware_sets_it_once_at_its_first_call_when_asked():
    from test_compressed_assets import FakeStreamlit, get

    inner = FakeStreamlit({"/static/js/a.js": (b"var a;", b"application/javascript")})
    with _listener() as first:
        app = CompressedAssets(inner, folder=None, nodelay=True)
        assert first.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # not when made: when called
        get(app, "/static/js/a.js")
        assert first.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    with _listener() as after:
        get(app, "/static/js/a.js")  # once only: a socket opened since is not looked at again
        assert after.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        assert get(CompressedAssets(inner, folder=None), "/static/js/a.js")[0] == 200
        assert after.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # off unless asked

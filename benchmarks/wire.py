"""Bytes on the wire between a browser and the app: a TCP relay that counts what passes each way, and
the browser's own account of each response (:class:`NetworkLog`).

The DevTools protocol says what each HTTP response took as sent (``encodedDataLength``), but gives a
websocket's messages as the page reads them, after ``permessage-deflate`` has inflated them.  The
relay counts every byte the server sends (headers, bodies, websocket frames as compressed on the
wire), so "what the page transfers in all" is one figure, not a sum of two kinds of measure.

    with CountingRelay(server_port) as relay:   # the browser opens http://127.0.0.1:{relay.port}/
        ...
        relay.down  # bytes the server sent so far
"""

from __future__ import annotations

import socket
import threading
import time


class CountingRelay:
    """A TCP relay on a free port of 127.0.0.1 to ``127.0.0.1:target_port``; ``down`` counts the bytes the
    server sent, ``up`` those the browser sent.  Plain bytes: HTTP keep-alive and websockets pass as they are."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.down = self.up = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.down = self.up = 0

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pipe, args=(client, server, "up"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, "down"), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, way: str) -> None:
        try:
            while data := src.recv(65536):
                with self._lock:
                    setattr(self, way, getattr(self, way) + len(data))
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            src.close()

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> CountingRelay:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NetworkLog:
    """The DevTools protocol's Network events of one page (and its same-origin frames) while it is open.

    ``responses``: ``{request id: (url, headers)}``; ``sizes``: ``{request id: bytes as sent}``
    (``encodedDataLength``: compressed, headers included; 0 for a file from the browser's cache);
    ``ws``: bytes of the websocket messages the page read (inflated).  :meth:`quiet` waits until no
    request has been in flight for a while: Playwright's ``networkidle`` can fire before the map's
    frame starts fetching its files, and does not fire again.
    """

    def __init__(self, cdp):
        import base64

        self.cdp = cdp
        self.responses: dict[str, tuple[str, dict]] = {}
        self.sizes: dict[str, int] = {}
        self.ws = 0
        #: When (``time.monotonic()``) each milestone of the page was first seen: ``websocket`` (its first
        #: message), ``map frame`` (streamlit-folium's page asked for), ``points`` (a points file received).
        self.marks: dict[str, float] = {}
        self._inflight: set[str] = set()
        self._last = time.monotonic()

        def sent(ev):
            self._inflight.add(ev["requestId"])
            self._last = time.monotonic()
            if "st_folium/index.html" in ev["request"]["url"]:
                self.marks.setdefault("map frame", self._last)

        def received(ev):
            self.responses[ev["requestId"]] = (ev["response"]["url"],
                                               {k.lower(): v for k, v in ev["response"]["headers"].items()})

        def done(ev):
            if "encodedDataLength" in ev:
                self.sizes[ev["requestId"]] = ev["encodedDataLength"]
                if self.responses.get(ev["requestId"], ("",))[0].split("?")[0].endswith(".bin"):
                    self.marks.setdefault("points", time.monotonic())
            self._inflight.discard(ev["requestId"])
            self._last = time.monotonic()

        def frame(ev):
            self.marks.setdefault("websocket", time.monotonic())
            data = ev["response"]["payloadData"]
            self.ws += len(base64.b64decode(data)) if ev["response"]["opcode"] == 2 else len(data.encode())

        self._handlers = {"Network.requestWillBeSent": sent, "Network.responseReceived": received,
                          "Network.loadingFinished": done, "Network.loadingFailed": done,
                          "Network.webSocketFrameReceived": frame}
        for name, handler in self._handlers.items():
            cdp.on(name, handler)

    def quiet(self, page, seconds: float = 1.5, timeout: float = 120.0) -> float:
        """Wait (polling through ``page``) until no request has been in flight for ``seconds``; returns
        the monotonic time of the last request's end."""
        deadline = time.monotonic() + timeout
        while self._inflight or time.monotonic() - self._last < seconds:
            if time.monotonic() > deadline:
                raise TimeoutError(f"requests still in flight after {timeout} s: {len(self._inflight)}")
            page.wait_for_timeout(100)  # Playwright's sync API delivers the events while it waits
        return self._last

    def http(self) -> int:
        return sum(self.sizes.values())

    def files(self) -> list[tuple[int, str, dict]]:
        """``(bytes as sent, url, headers)`` of each finished response, largest first."""
        return sorted(((n, *self.responses.get(r, ("?", {}))) for r, n in self.sizes.items()),
                      key=lambda row: -row[0])

    def close(self) -> None:
        for name, handler in self._handlers.items():
            self.cdp.remove_listener(name, handler)

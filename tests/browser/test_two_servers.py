"""Two app processes behind one proxy, on the bundled data or one PostGIS store: a page whose session
runs on one fetches the map's files (points file, popup shards) through the other, without a 404.

Each process has its own temporary folder, as two machines or two containers would; they share only
the store and ``ICE_MAP_CACHE_DIR`` (docs/scaling.md).  The proxy here is the smallest one that shows
it: the websocket (the session) goes to server A, every other request to server B, so everything the
map fetches is served by a process that never built that map.
"""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from geodata import load_bundle

WARM_TIMEOUT = 180


class SplitProxy:
    """A TCP proxy on a free port: ``/_stcore/stream`` (the websocket) to ``stream_port``, any other
    request to ``files_port``, one request per connection (``Connection: close``), each logged as
    ``(port, path, status)``."""

    def __init__(self, stream_port: int, files_port: int):
        self.stream_port, self.files_port = stream_port, files_port
        self.log: list[tuple[int, str, int]] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket):
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, rest = data.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            path = lines[0].split(b" ")[1].decode()
            websocket = any(line.lower().startswith(b"upgrade:") for line in lines[1:])
            port = self.stream_port if path.startswith("/_stcore/stream") else self.files_port
            if not websocket:  # one request per connection, so each one is routed (and logged) by itself
                lines = [line for line in lines if not line.lower().startswith((b"connection:", b"keep-alive:"))]
                lines.append(b"Connection: close")
            upstream = socket.create_connection(("127.0.0.1", port))
            upstream.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + rest)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            first = True
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                if first:
                    self.log.append((port, path, int(chunk.split(b" ", 2)[1])))
                    first = False
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            client.close()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket):
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self):
        self._sock.close()


def _warm(server) -> str:
    """What a proxy's readiness check does: run the app once in that process (Streamlit's script health
    check), which registers the app's file folders with its server."""
    with urllib.request.urlopen(server.url + "/_stcore/script-health-check", timeout=WARM_TIMEOUT) as r:
        return r.read().decode()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(params=["bundle", "postgis"])
def store_env(request) -> dict[str, str]:
    """The store both servers read: the bundled data, or one PostGIS database seeded with it."""
    if request.param == "bundle":
        return {}
    import uuid

    from geodata.store import open_store

    cluster = request.getfixturevalue("postgis_cluster")
    name = f"t_{uuid.uuid4().hex[:10]}"
    cluster.psql(f"CREATE DATABASE {name}", database="postgres")
    cluster.psql("CREATE EXTENSION postgis", database=name)
    url = cluster.url(database=name)
    open_store(url, create=True).seed(load_bundle())
    request.addfinalizer(lambda: cluster.psql(f"DROP DATABASE {name} WITH (FORCE)", database="postgres"))
    return {"ICE_MAP_STORE": url}


@pytest.fixture()
def servers(start_app, tmp_path, store_env):
    shared = tmp_path / "map-files"

    def own_tmp(name: str) -> str:
        folder = tmp_path / name
        folder.mkdir()
        return str(folder)

    common = {"ICE_MAP_OFFLINE": "1", "STREAMLIT_SERVER_SCRIPT_HEALTH_CHECK_ENABLED": "true", **store_env}
    a = start_app(**common, ICE_MAP_CACHE_DIR=str(shared), TMPDIR=own_tmp("tmp-a"))
    b = start_app(**common, ICE_MAP_CACHE_DIR=str(shared), TMPDIR=own_tmp("tmp-b"))
    lone = start_app(**common, TMPDIR=own_tmp("tmp-lone"))  # as today: its files in its own temp folder
    return a, b, lone, shared


def test_a_page_built_by_one_server_fetches_its_files_through_the_other_without_a_404(servers, open_page, tmp_path):
    a, b, lone, shared = servers
    for server in (a, b, lone):
        assert _warm(server) == "ok"
    before = {p.name for p in shared.iterdir()}
    # A view neither server has drawn yet: one area of responsibility (Atlanta's, 29 incidents).
    aor = "ATL"
    assert aor in set(load_bundle().facilities["aor"])
    proxy = SplitProxy(stream_port=a.port, files_port=b.port)
    try:
        page = open_page(proxy)
        state = page.open(f"?layer=incidents,facilities&aor={urllib.parse.quote(aor)}")
        assert state["points"]["Incidents"]["loaded"]
        # Built by A (the session) into the shared folder, after the servers were warmed.
        made = {p.name for p in shared.iterdir()} - before
        points = [name for name in made if name.endswith(".bin")]  # the incidents', the facilities' (months)
        assert len(points) == 2, made
        # Every file the map fetched went through B, and none was missing.
        fetched = [(port, path, status) for port, path, status in proxy.log if "/component/" in path
                   and (".bin" in path or path.endswith(".json"))]
        assert all(any(path.endswith(name) for _, path, _ in fetched) for name in points), proxy.log
        assert fetched and all(port == b.port and status == 200 for port, _, status in fetched), fetched
        assert any(port == a.port and path.startswith("/_stcore/stream") for port, path, _ in proxy.log)
        # B never had that file in its own temporary folder: it read the shared one.
        assert not list((tmp_path / "tmp-b").rglob(points[0]))
        # A server with its files in its own temporary folder (what two machines had before) answers 404.
        url = next(path for _, path, _ in fetched if path.endswith(points[0]))
        assert _status(b.url + url) == 200
        assert _status(lone.url + url) == 404
    finally:
        proxy.close()

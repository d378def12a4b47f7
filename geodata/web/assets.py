"""What the page fetches, compressed once and cached by the browser: an ASGI middleware.

Streamlit sends its own frontend (``/static/...``, about 6 MB of JavaScript) uncompressed on
purpose: its gzip middleware would compress every response again, at level 9, on every request
(``streamlit/web/server/starlette/starlette_gzip_middleware.py``).  The files the map fetches
through component routes (``/component/<name>/...``: Leaflet, the layers' scripts, the outline
map, the points and popup files) are gzipped that way, per request, and sent with
``Cache-Control: public`` and no validator, so a reload fetches them all again.

:class:`CompressedAssets` sits in front of Streamlit (``st.App(..., middleware=...)`` in
``app.py``).  For a ``GET`` of the page (``/``) or under those prefixes it lets Streamlit answer
as usual (routing, path checks, content types, 404s are Streamlit's), uncompressed, then:

* compresses the body once per content (brotli if the browser takes it, else gzip level 9), keyed
  by a digest of the bytes, so the CPU is spent once per file, not per request, and a file
  rewritten in place is compressed again; copies are kept in memory and, for files up to 1 MB
  (compressed at brotli's best quality), on disk (:func:`compressed_dir`), so a restarted server
  or a second process on the machine does not spend it again;
* names the representation of a file that is not versioned with an ``ETag`` (the digest and the
  encoding) and answers a matching ``If-None-Match`` with ``304 Not Modified``;
* sets ``Cache-Control``: files whose name carries a digest (Streamlit's hashed bundles, the
  points files ``<20 hex>.bin``, the popup shard folders ``<20 hex>/``, ``measure-...-<20 hex>.json``,
  the app's asset folders named by :func:`folder_digest`: ``/component/app.leaflet-<20 hex>/...``)
  ``public, max-age=31536000, immutable``; any other file ``no-cache`` (kept, but checked with
  its ``ETag`` before use: a reload costs a 304, not the file);
* says ``Vary: Accept-Encoding``;
* adds what it is given (``heads``) to the ``<head>`` of the pages at given paths.

Range requests, ``HEAD``, other methods and other paths go through untouched, as do responses
that are not ``200``, already encoded, small, or of a type that does not compress (images,
fonts, archives).  Pure ASGI: nothing here imports Streamlit.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import re
import tempfile
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from geodata.core.atomic import write_bytes
from geodata.web.nodelay import no_delay_on_listeners

try:  # optional: 17 % smaller than gzip -9 on Streamlit's JavaScript (quality 11)
    import brotli
except ImportError:  # pragma: no cover - brotli is a dependency; gzip alone still works
    brotli = None

#: One year: the longest lifetime browsers honour, for files whose name changes with their bytes.
IMMUTABLE = "public, max-age=31536000, immutable"
#: The paths served through this middleware: Streamlit's frontend and the components' files (and the page
#: itself, ``/``, Streamlit's index.html).
PREFIXES = ("/static/", "/component/")
PAGES = ("/",)
#: A digest in a file or folder name: 20+ hex digits between separators (the app's own files and folders,
#: :func:`folder_digest`), or a bundler's 8 before ``.js``/``.css`` (streamlit-folium's ``main.521860b0.js``).
DIGEST_NAME = re.compile(r"(?:^|[/.-])[0-9a-f]{20,}(?:[./]|$)|\.[0-9a-f]{8}(?:\.chunk)?\.(?:js|css)$")
#: Content types not worth compressing (already compressed).
INCOMPRESSIBLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "font/woff", "font/woff2",
                  "application/zip", "application/gzip", "video/", "audio/")
#: Brotli's best quality (11) takes Streamlit's bundles 17 % below gzip -9 (9: 10 %), at about 0.7 MB/s:
#: spent once per file on a machine (kept on disk, :func:`compressed_dir`), for files up to this size.
#: Larger ones (the points file of a million incidents, 7 MB) get quality 5, about 40 MB/s.
BEST_LIMIT = 2**20

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def choose_encoding(accept_encoding: str) -> str | None:
    """``"br"``, ``"gzip"`` or None for an ``Accept-Encoding`` header (``q=0`` refuses a coding)."""
    offered = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        offered[name.strip().lower()] = q
    for coding in (("br",) if brotli is not None else ()) + ("gzip",):
        if offered.get(coding, offered.get("*", 0.0)) > 0:
            return coding
    return None


def compress(body: bytes, encoding: str) -> bytes:
    """``body`` in ``encoding`` (``"br"`` or ``"gzip"``): brotli at quality 11 up to :data:`BEST_LIMIT`
    bytes, 5 above; gzip at level 9, without a time stamp (the same bytes always give the same output)."""
    if encoding == "br":
        return brotli.compress(body, quality=11 if len(body) <= BEST_LIMIT else 5)
    return gzip.compress(body, compresslevel=9, mtime=0)


_DIGESTS: dict[tuple, str] = {}
_CHECKED: dict[str, tuple[float, str]] = {}
#: How long a folder's digest is used before its files are looked at again (a stat each, no read).
RECHECK_SECONDS = 10.0


def folder_digest(folder: str | Path) -> str:
    """20 hex digits of a digest of the files under ``folder`` (their names and bytes): a name for the
    folder that changes whenever a file in it does, so its files can be served as :data:`IMMUTABLE`.

    The app names its asset folders this way on every run, so the answer is kept: the files are looked
    at again (a stat each) after :data:`RECHECK_SECONDS`, and read again only if one changed.
    """
    key = str(folder)
    now = time.monotonic()
    if key in _CHECKED and now - _CHECKED[key][0] < RECHECK_SECONDS:
        return _CHECKED[key][1]
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    stamp = (key, tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files))
    if stamp not in _DIGESTS:
        digest = hashlib.blake2b(digest_size=10)
        for path in files:
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
        _DIGESTS[stamp] = digest.hexdigest()
    _CHECKED[key] = (now, _DIGESTS[stamp])
    return _DIGESTS[stamp]


def compressed_dir() -> Path:
    """Where compressed copies are kept between runs: ``ice-map-compressed`` under the system's temporary
    folder.  Each file is named by a digest of the bytes it compresses and written atomically, so the
    app processes of one machine share it."""
    return Path(tempfile.gettempdir()) / "ice-map-compressed"


def is_versioned(path: str, cache_control: bytes = b"") -> bool:
    """Whether a URL path names its file by a digest of its contents (so the file never changes).

    Streamlit marks its own hashed bundles ``immutable`` (``cache_control``, its header); the app's
    files carry a digest of 20 or more hex digits in their name or folder.
    """
    return b"immutable" in cache_control or bool(DIGEST_NAME.search(path))


class CompressedAssets:
    """ASGI middleware: compress once, cache by digest, and let browsers keep the files (module doc).

    Parameters
    ----------
    app
        The ASGI application answering the requests (Streamlit's).
    prefixes
        URL paths (after the ``root_path``) handled here.
    min_size
        Bodies smaller than this are sent as they are.
    cache_bytes
        The most compressed bytes kept in memory (least recently used first out).
    folder
        Where compressed copies of files up to :data:`BEST_LIMIT` are kept between runs (None: nowhere;
        default :func:`compressed_dir`); copies unused for a week are removed when the app starts.
    heads
        HTML put at the end of the ``<head>`` of the HTML pages at these paths (such as hints that let the
        browser fetch at once what the page's code will ask for later: :mod:`geodata.web.preload`).
    base
        The URL path the app is served under (Streamlit's ``server.baseUrlPath``, which its server keeps in each
        request's path rather than in ``root_path``): ``/map/`` is then the page ``/``, ``/map/static/...``
        Streamlit's files.
    nodelay
        Set ``TCP_NODELAY`` on the process's listening sockets when the server first calls this middleware
        (:func:`geodata.web.nodelay.no_delay_on_listeners`: Streamlit's server leaves Nagle's algorithm on,
        and each small response then waits 40 ms).
    """

    def __init__(self, app: ASGIApp, *, prefixes: Iterable[str] = PREFIXES, min_size: int = 1024,
                 cache_bytes: int = 96 * 2**20, folder: str | Path | None = "",
                 heads: dict[str, bytes] | None = None, nodelay: bool = False, base: str = "") -> None:
        self.app = app
        self.base = "/" + base.strip("/") if base.strip("/") else ""
        self._nodelay = nodelay
        self.heads = {path: head for path, head in (heads or {}).items() if head}
        self.prefixes = tuple(prefixes)
        self.folder = compressed_dir() if folder == "" else (Path(folder) if folder else None)
        if self.folder is not None:
            from geodata.view.shards import prune

            prune(self.folder)
        self.min_size = min_size
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[bytes, str], bytes] = OrderedDict()
        self._cached = 0
        self._pending: dict[tuple[bytes, str], asyncio.Future] = {}
        #: How many bodies were compressed (not served from the cache): tests and benchmarks read it.
        self.compressions = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._nodelay:  # once, at the server's first call (its lifespan, or its first request)
            self._nodelay = False
            no_delay_on_listeners()
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        if self.base and (path == self.base or path.startswith(self.base + "/")):  # Streamlit keeps it in the path
            path = path[len(self.base):] or "/"
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        if not (path.startswith(self.prefixes) or path in PAGES) or b"range" in headers:
            await self.app(scope, receive, send)
            return
        # Streamlit answers uncompressed and unconditionally; this middleware does both, once per content.
        plain = [(k, v) for k, v in scope["headers"]
                 if k.lower() not in (b"accept-encoding", b"if-none-match", b"if-modified-since")]
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        # The body must come as bytes to be compressed: no sending a file by its path (ASGI's pathsend).
        extensions = {k: v for k, v in (scope.get("extensions") or {}).items() if k != "http.response.pathsend"}
        await self.app(dict(scope, headers=plain, extensions=extensions), receive, capture)
        body = b"".join(chunks)
        await self._respond(path, headers, start, body, send)

    async def _respond(self, path: str, request: dict, start: dict, body: bytes, send: Send) -> None:
        status = start.get("status", 500)
        given = dict((k.lower(), v) for k, v in start.get("headers", ())).get(b"cache-control", b"")
        # Streamlit's validators and ranges describe its own (identity) answer; this one has its own ETag.
        out = [(k, v) for k, v in start.get("headers", ()) if k.lower() not in (
            b"content-length", b"etag", b"last-modified", b"cache-control", b"vary", b"accept-ranges")]
        names = {k.lower() for k, _ in out}
        kind = dict((k.lower(), v) for k, v in out).get(b"content-type", b"").decode("latin-1").lower()
        if status != 200 or b"content-encoding" in names:
            await self._send(send, start, start.get("headers", ()), body)
            return
        if path in self.heads and kind.startswith("text/html"):
            body = body.replace(b"</head>", self.heads[path] + b"</head>", 1)
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        encoding = None
        if len(body) >= self.min_size and not kind.startswith(INCOMPRESSIBLE):
            encoding = choose_encoding(request.get(b"accept-encoding", b"").decode("latin-1"))
        etag = f'"{digest}{"-" + encoding if encoding else ""}"'.encode()
        versioned = is_versioned(path, given)
        # A versioned file is never asked for again while cached: its ETag would be 40 bytes for nothing.
        out += [(b"vary", b"Accept-Encoding"), (b"cache-control", IMMUTABLE.encode() if versioned else b"no-cache")]
        out += [] if versioned else [(b"etag", etag)]
        if etag in [t.strip() for t in request.get(b"if-none-match", b"").split(b",")]:
            await self._send(send, dict(start, status=304), out, b"")
            return
        if encoding:
            body = await self._compressed(bytes.fromhex(digest), encoding, body)
            out.append((b"content-encoding", encoding.encode()))
        await self._send(send, start, out + [(b"content-length", str(len(body)).encode())], body)

    @staticmethod
    async def _send(send: Send, start: dict, headers, body: bytes) -> None:
        await send({"type": "http.response.start", "status": start.get("status", 500), "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    async def _compressed(self, digest: bytes, encoding: str, body: bytes) -> bytes:
        key = (digest, encoding)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        if key in self._pending:  # another request is compressing these bytes: wait for it
            return await asyncio.shield(self._pending[key])
        future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            # In a thread: the event loop keeps serving the websocket while a large file compresses.
            packed = await asyncio.to_thread(self._load_or_compress, digest, encoding, body)
            future.set_result(packed)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            del self._pending[key]
        if len(packed) <= self.cache_bytes // 4:
            self._cache[key] = packed
            self._cached += len(packed)
            while self._cached > self.cache_bytes:
                self._cached -= len(self._cache.popitem(last=False)[1])
        return packed

    def _load_or_compress(self, digest: bytes, encoding: str, body: bytes) -> bytes:
        path = None if self.folder is None else self.folder / f"{digest.hex()}.{encoding}"
        if path is not None:
            try:
                packed = path.read_bytes()
                os.utime(path)  # in use: kept by prune
                return packed
            except OSError:
                pass
        packed = compress(body, encoding)
        self.compressions += 1
        if path is not None and len(body) <= BEST_LIMIT:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_bytes(path, packed)
            except OSError:  # a read-only or full disk: the copy in memory serves this process
                pass
        return packed

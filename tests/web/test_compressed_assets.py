"""geodata.web.CompressedAssets in front of a stand-in for Streamlit's routes (plain ASGI, no server).

The stand-in answers like Streamlit 1.67: its static files uncompressed with its own ``Cache-Control``,
the components' files with ``Cache-Control: public``, and it records the headers each request reached it
with, so a test sees what the middleware hid from it (``Accept-Encoding``, ``If-None-Match``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import os

import brotli
import pytest

from geodata.web import IMMUTABLE, CompressedAssets, choose_encoding, folder_digest, is_versioned

# A JavaScript body of the size and kind of Streamlit's bundles (compressible, not repetitive).
JS = b"".join(b"function f%d(a,b){return a*%d+b.length;}\n" % (i, i * 7919 % 1013) for i in range(5_000))
STATIC_CACHE = b"public, immutable, max-age=31536000"


class FakeStreamlit:
    """Files by path; ``seen`` keeps each request's headers."""

    def __init__(self, files: dict[str, tuple[bytes, bytes]]):
        self.files = files  # path -> (body, content type)
        self.seen: list[dict] = []

    async def __call__(self, scope, receive, send):
        headers = {k.lower(): v for k, v in scope["headers"]}
        self.seen.append(headers)
        path = scope["path"]
        if path not in self.files:
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        body, kind = self.files[path]
        cache = STATIC_CACHE if path.startswith("/static/") else b"public"
        if b"range" in headers:
            lo, hi = (int(x) for x in headers[b"range"].decode().split("=")[1].split("-"))
            span = f"bytes {lo}-{hi}/{len(body)}".encode()
            await send({"type": "http.response.start", "status": 206,
                        "headers": [(b"content-type", kind), (b"content-range", span)]})
            await send({"type": "http.response.body", "body": body[lo:hi + 1]})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                                (b"cache-control", cache), (b"etag", b'"streamlit"')]})
        # In two chunks, as a file response streams.
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        await send({"type": "http.response.body", "body": body[len(body) // 2:]})



def _run(coro):
    """``asyncio.run(coro)`` in a thread of its own: the suite's browser tests (Playwright's sync API) may leave
    an event loop running in this thread, where asyncio.run refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()

def get(app, path: str, method: str = "GET", **headers: str):
    """``(status, headers, body)`` of one request through ``app``."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b"",
             "headers": [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]}
    out = {"body": b""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        else:
            out["body"] += message.get("body", b"")

    _run(app(scope, receive, send))
    return out["status"], out["headers"], out["body"]


@pytest.fixture
def files():
    return {
        "/static/js/index.DormvYxC.js": (JS, b"application/javascript"),
        "/component/app.leaflet/leaflet.js": (JS[:50_000], b"application/javascript"),
        "/component/app.records/ac23ea4f57cca60fd895.bin": (os.urandom(4000) + bytes(40_000),
                                                             b"application/octet-stream"),
        "/component/app.records/0f8a43f3259535c37bb4/3.json": (b'{"id": 1}' * 500, b"application/json"),
        "/component/app.records/measure-287g-ba15881bb9333ff1f8b1.json": (b"[1,2,3]," * 500, b"application/json"),
        "/component/app.leaflet/images/marker.png": (os.urandom(5000), b"image/png"),
        "/component/app.layer_scripts/tiny.js": (b"var a=1;", b"application/javascript"),
        "/": (b"<!doctype html><html>" + b"<script></script>" * 400 + b"</html>", b"text/html"),
    }


@pytest.fixture
def served(files, tmp_path):
    inner = FakeStreamlit(files)
    return inner, CompressedAssets(inner, folder=tmp_path / "compressed")


def test_static_js_is_sent_brotli_with_a_year_of_cache_when_the_browser_takes_it(served):
    inner, app = served
    status, headers, body = get(app, "/static/js/index.DormvYxC.js", accept_encoding="gzip, deflate, br, zstd")
    assert status == 200 and headers["content-encoding"] == "br"
    assert brotli.decompress(body) == JS and len(body) < len(JS) / 5
    assert int(headers["content-length"]) == len(body)
    assert headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert headers["vary"] == "Accept-Encoding" and "etag" not in headers and "accept-ranges" not in headers
    assert headers["content-type"] == "application/javascript"
    # Streamlit answered uncompressed, so its own gzip middleware spent nothing.
    assert b"accept-encoding" not in inner.seen[-1]


def test_gzip_is_sent_when_brotli_is_not_accepted(served):
    _, app = served
    status, headers, body = get(app, "/static/js/index.DormvYxC.js", accept_encoding="gzip;q=1.0, br;q=0")
    assert headers["content-encoding"] == "gzip" and gzip.decompress(body) == JS


def test_identity_is_sent_when_no_encoding_is_accepted(served):
    _, app = served
    status, headers, body = get(app, "/static/js/index.DormvYxC.js")
    assert status == 200 and "content-encoding" not in headers and body == JS
    assert headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize("header, chosen", [("br", "br"), ("gzip", "gzip"), ("*", "br"), ("identity", None),
                                            ("gzip;q=0, br;q=0", None), ("*;q=0", None), ("GZIP", "gzip"),
                                            ("br;q=bad, gzip", "gzip")])
def test_choose_encoding_follows_accept_encoding(header, chosen):
    assert choose_encoding(header) == chosen


def test_each_body_is_compressed_once_however_many_requests(served, files):
    _, app = served
    for _ in range(5):
        get(app, "/static/js/index.DormvYxC.js", accept_encoding="br")
    assert app.compressions == 1
    get(app, "/static/js/index.DormvYxC.js", accept_encoding="gzip")
    assert app.compressions == 2  # another encoding is another compression
    # A file rewritten in place (same name, new bytes) is compressed again: nobody gets the old bytes.
    files["/component/app.leaflet/leaflet.js"] = (JS[:60_000], b"application/javascript")
    _, headers, body = get(app, "/component/app.leaflet/leaflet.js", accept_encoding="br")
    assert brotli.decompress(body) == JS[:60_000]


def test_concurrent_requests_for_one_file_compress_it_once(served):
    _, app = served

    async def many():
        async def one():
            out = []

            async def send(m):
                out.append(m)

            async def receive():
                return {"type": "http.request"}

            await app({"type": "http", "method": "GET", "path": "/static/js/index.DormvYxC.js", "root_path": "",
                       "headers": [(b"accept-encoding", b"br")]}, receive, send)
            return out[-1]["body"]

        return await asyncio.gather(*(one() for _ in range(8)))

    bodies = _run(many())
    assert app.compressions == 1 and all(brotli.decompress(b) == JS for b in bodies)


def test_a_second_process_reads_the_compressed_copy_from_disk(files, tmp_path):
    first = CompressedAssets(FakeStreamlit(files), folder=tmp_path / "c")
    get(first, "/static/js/index.DormvYxC.js", accept_encoding="br")
    second = CompressedAssets(FakeStreamlit(files), folder=tmp_path / "c")
    _, headers, body = get(second, "/static/js/index.DormvYxC.js", accept_encoding="br")
    assert first.compressions == 1 and second.compressions == 0 and brotli.decompress(body) == JS
    assert len(list((tmp_path / "c").iterdir())) == 1


def test_matching_etag_is_answered_304_without_the_file(served):
    inner, app = served
    _, headers, _ = get(app, "/component/app.leaflet/leaflet.js", accept_encoding="br")
    assert headers["cache-control"] == "no-cache"  # not versioned: kept, but checked before each use
    status, again, body = get(app, "/component/app.leaflet/leaflet.js", accept_encoding="br",
                              if_none_match=f'"x", {headers["etag"]}')
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]
    assert again["cache-control"] == "no-cache" and "content-encoding" not in again
    assert b"if-none-match" not in inner.seen[-1]  # Streamlit never saw our ETag
    # Another encoding is another representation: its ETag differs, so a gzip-only client gets the file.
    status, _, body = get(app, "/component/app.leaflet/leaflet.js", accept_encoding="gzip",
                          if_none_match=headers["etag"])
    assert status == 200 and gzip.decompress(body) == JS[:50_000]


@pytest.mark.parametrize("path, immutable", [
    ("/component/app.records/ac23ea4f57cca60fd895.bin", True),  # a points file, named by its digest
    ("/component/app.records/0f8a43f3259535c37bb4/3.json", True),  # a popup shard, in a digest folder
    ("/component/app.records/measure-287g-ba15881bb9333ff1f8b1.json", True),
    ("/component/app.leaflet/leaflet.js", False),  # the same name for new bytes after an upgrade
    ("/", False),
])
def test_only_digest_named_files_are_marked_immutable(served, path, immutable):
    _, app = served
    status, headers, _ = get(app, path, accept_encoding="br")
    assert status == 200 and headers["cache-control"] == (IMMUTABLE if immutable else "no-cache")
    assert headers["content-encoding"] == "br"


def test_is_versioned_needs_a_whole_digest():
    assert not is_versioned("/component/app.records/ac23ea4f57cca60fd89.bin")  # 19 hex digits
    assert not is_versioned("/component/app.layer_scripts/canvas.js")
    assert is_versioned("/component/app.layer_scripts-0f8a43f3259535c37bb4/canvas.js")  # folder_digest
    assert is_versioned("/component/streamlit_folium.st_folium/static/js/main.521860b0.js")  # a bundler's hash
    assert not is_versioned("/component/streamlit_folium.st_folium/index.html")
    assert not is_versioned("/component/app.leaflet/leaflet.js")
    assert is_versioned("/static/js/index.DormvYxC.js", b"public, immutable, max-age=31536000")
    assert not is_versioned("/static/index.html", b"no-cache")


def test_range_requests_pass_through_untouched(served):
    inner, app = served
    status, headers, body = get(app, "/static/js/index.DormvYxC.js", accept_encoding="br", range="bytes=0-99")
    assert status == 206 and body == JS[:100] and "content-encoding" not in headers
    assert inner.seen[-1][b"accept-encoding"] == b"br"  # as the browser sent it


@pytest.mark.parametrize("path", ["/component/app.leaflet/images/marker.png", "/component/app.layer_scripts/tiny.js",
                                  "/component/app.leaflet/missing.js"])
def test_images_small_files_and_errors_are_sent_as_they_are(served, files, path):
    _, app = served
    status, headers, body = get(app, path, accept_encoding="br")
    assert "content-encoding" not in headers
    if path in files:
        assert status == 200 and body == files[path][0]
    else:
        assert status == 404 and body == b"Not Found"


def test_other_paths_and_methods_are_not_touched(served):
    inner, app = served
    status, headers, body = get(app, "/_stcore/health", accept_encoding="br")
    assert status == 404 and inner.seen[-1][b"accept-encoding"] == b"br"
    get(app, "/static/js/index.DormvYxC.js", method="HEAD", accept_encoding="br")
    assert inner.seen[-1][b"accept-encoding"] == b"br"


def test_folder_digest_changes_with_any_file_and_only_then(tmp_path, monkeypatch):
    import geodata.web.assets as assets

    monkeypatch.setattr(assets, "RECHECK_SECONDS", 0.0)  # look at the files on every call
    (tmp_path / "a.js").write_text("var a = 1;")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.css").write_text("b {}")
    first = folder_digest(tmp_path)
    assert len(first) == 20 and is_versioned(f"/component/app.x-{first}/a.js")
    assert folder_digest(tmp_path) == first
    (tmp_path / "sub" / "b.css").write_text("b {color: red}")
    second = folder_digest(tmp_path)
    assert second != first
    (tmp_path / "sub" / "b.css").write_text("b {}")
    assert folder_digest(tmp_path) == first  # the same bytes: the same name (a browser's copy still good)
    (tmp_path / "c.js").write_text("")
    assert folder_digest(tmp_path) not in (first, second)  # a new file too

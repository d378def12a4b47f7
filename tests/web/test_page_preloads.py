"""Hints put into a page's ``<head>`` by the middleware (``CompressedAssets(heads=...)``,
geodata.web.preload): the map's frame is hinted Leaflet and the layers' script (tests/browser/test_first_paint.py
shows the browser taking them from there)."""

from __future__ import annotations

import pytest
from test_compressed_assets import FakeStreamlit, get

from geodata.web import CompressedAssets, resource_preloads
from layers.page import MAP_FRAME, map_frame_preloads


def test_the_middleware_puts_the_hints_at_the_end_of_the_head_of_that_page_only():
    page = b"<!doctype html><html><head><title>t</title></head><body>" + b"<p>x</p>" * 300 + b"</body></html>"
    inner = FakeStreamlit({"/": (page, b"text/html"), MAP_FRAME: (page, b"text/html")})
    hint = b'<link rel="preload" as="script" href="../app.leaflet-0f8a/leaflet.js">\n'
    app = CompressedAssets(inner, folder=None, heads={MAP_FRAME: hint})
    status, headers, body = get(app, MAP_FRAME)
    assert status == 200 and body == page.replace(b"</head>", hint + b"</head>")
    # The page's validator is of what was sent: a changed hint is a changed page.
    plain = CompressedAssets(inner, folder=None)
    assert get(plain, MAP_FRAME)[1]["etag"] != headers["etag"]
    assert get(app, MAP_FRAME, if_none_match=headers["etag"])[0] == 304
    assert get(app, "/")[2] == page  # other pages as they are


def test_scripts_and_style_sheets_are_hinted_as_what_they_are():
    frame = map_frame_preloads("../app.leaflet-0f8a", "../app.records/layers-ab.js")
    assert list(frame) == [MAP_FRAME]
    out = resource_preloads(frame[MAP_FRAME])
    assert out.decode().splitlines() == ['<link rel="preload" as="script" href="../app.leaflet-0f8a/leaflet.js">',
                                         '<link rel="preload" as="script" href="../app.records/layers-ab.js">',
                                         '<link rel="preload" as="style" href="../app.leaflet-0f8a/leaflet.css">']
    with pytest.raises(ValueError, match="us-outline.json"):
        resource_preloads(["../outline/us-outline.json"])


def test_the_pages_styles_go_into_its_head_with_the_frames_hints_kept_apart():
    from starlette.middleware import Middleware

    from geodata.web import asset_middleware
    from layers.page import PAGE, PAGE_CSS

    page = b"<!doctype html><html><head><title>t</title></head><body>" + b"<p>x</p>" * 300 + b"</body></html>"
    inner = FakeStreamlit({"/": (page, b"text/html"), MAP_FRAME: (page, b"text/html")})
    (entry,) = asset_middleware(map_frame_preloads("../app.leaflet-0f8a", "../app.records/layers-ab.js"),
                                {PAGE: PAGE_CSS})
    assert isinstance(entry, Middleware)
    app = entry.cls(inner, **{**entry.kwargs, "folder": None})
    body = get(app, "/")[2]
    head = body.split(b"</head>")[0]
    assert PAGE_CSS.encode() in head and b"<body>" not in head
    assert b"preload" not in body  # the frame's hints are the frame's
    frame = get(app, MAP_FRAME)[2]
    assert b"leaflet.js" in frame and b"<style>" not in frame
    with pytest.raises(ValueError, match="<style>"):
        asset_middleware(styles={PAGE: "body { margin: 0 }"})


def test_under_a_base_url_path_the_page_and_files_are_still_found():
    # Streamlit's server keeps server.baseUrlPath in each request's path (not in root_path): /map/ is the page.
    page = b"<!doctype html><html><head><title>t</title></head><body>" + b"<p>x</p>" * 300 + b"</body></html>"
    inner = FakeStreamlit({"/map/": (page, b"text/html"), "/map/static/js/x.js": (b"var a = 1;\n" * 400,
                                                                                   b"application/javascript")})
    style = b"<style>h1 { color: red }</style>"
    for base in ("map", "/map/"):
        app = CompressedAssets(inner, folder=None, heads={"/": style}, base=base)
        assert style in get(app, "/map/")[2].split(b"</head>")[0]
        status, headers, _ = get(app, "/map/static/js/x.js", accept_encoding="gzip")
        assert status == 200 and headers.get("content-encoding") == "gzip"
    assert style not in get(CompressedAssets(inner, folder=None, heads={"/": style}), "/map/")[2]  # the path as is

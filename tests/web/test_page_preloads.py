"""The page's hints for Streamlit's element modules (geodata.web.preload), put into its ``<head>`` by the
middleware (``CompressedAssets(heads=...)``), read from the bundler manifest of the Streamlit installed here."""

from __future__ import annotations

import json
import re

import pytest
from test_compressed_assets import FakeStreamlit, get

from geodata.web import CompressedAssets, module_files, module_preloads, streamlit_static_dir
from layers.page import FIRST_SCREEN_MODULES

STATIC = streamlit_static_dir()
needs_streamlit = pytest.mark.skipif(STATIC is None, reason="Streamlit's frontend (streamlit/static) is not installed")


@pytest.fixture(scope="module")
def manifest():
    return json.loads((STATIC / "manifest.json").read_text(encoding="utf-8"))


@needs_streamlit
def test_every_first_screen_module_is_a_file_of_this_streamlit_after_its_imports(manifest):
    files = module_files(manifest, FIRST_SCREEN_MODULES)
    assert len(files) == len(set(files)) and all((STATIC / f).is_file() for f in files)
    by_file = {v["file"]: v for v in manifest.values()}
    for f in files:
        for need in by_file[f].get("imports", ()):
            need_file = manifest[need]["file"]
            assert need_file in files and files.index(need_file) < files.index(f), (need_file, f)
    # The map's frame is a component: its module is among them, and so is what the sidebar's widgets draw with.
    names = {re.sub(r"\.[\w-]+\.js$", "", f.rsplit("/", 1)[1]) for f in files}
    assert {"ComponentInstance", "Radio", "DateInput", "Checkbox", "Metric"} <= names
    assert "ArrowVegaLiteChart" not in names  # the charts' Vega loads when its element comes (below the map)


@needs_streamlit
def test_a_module_no_file_comes_from_is_refused_by_name(manifest):
    with pytest.raises(KeyError, match="widgets/NoSuchWidget/NoSuchWidget.tsx"):
        module_files(manifest, ["widgets/NoSuchWidget/NoSuchWidget.tsx"])


@needs_streamlit
def test_the_hints_leave_out_what_the_page_links_already():
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    hints = module_preloads(STATIC, FIRST_SCREEN_MODULES).decode()
    hinted = re.findall(r'<link rel="modulepreload" crossorigin href="\./(static/js/[^"]+)">', hints)
    assert hinted and len(hinted) == hints.count("<link")
    assert not [f for f in hinted if f'"./{f}"' in page]
    # What Streamlit's page links (its first files) is not hinted twice, yet imported by the hinted modules.
    assert "./static/js/react-dom." in page and not [f for f in hinted if "react-dom." in f]


def test_the_middleware_puts_the_hints_at_the_end_of_the_page_head_only(tmp_path):
    page = b"<!doctype html><html><head><title>t</title></head><body>" + b"<p>x</p>" * 300 + b"</body></html>"
    inner = FakeStreamlit({"/": (page, b"text/html"), "/component/x/index.html": (page, b"text/html")})
    hint = b'<link rel="modulepreload" crossorigin href="./static/js/Radio.abc.js">\n'
    app = CompressedAssets(inner, folder=None, heads={"/": hint})
    status, headers, body = get(app, "/")
    assert status == 200 and body == page.replace(b"</head>", hint + b"</head>")
    # The page's validator is of what was sent: a changed hint is a changed page.
    plain = CompressedAssets(inner, folder=None)
    assert get(plain, "/")[1]["etag"] != headers["etag"]
    assert get(app, "/", if_none_match=headers["etag"])[0] == 304
    assert get(app, "/component/x/index.html")[2] == page  # other pages as they are


def test_scripts_and_style_sheets_are_hinted_as_what_they_are():
    from geodata.web import resource_preloads

    out = resource_preloads(["../app.leaflet-0f8a/leaflet.js", "../app.records/layers-ab.js", "../x/leaflet.css"])
    assert out.decode().splitlines() == ['<link rel="preload" as="script" href="../app.leaflet-0f8a/leaflet.js">',
                                         '<link rel="preload" as="script" href="../app.records/layers-ab.js">',
                                         '<link rel="preload" as="style" href="../x/leaflet.css">']
    with pytest.raises(ValueError, match="us-outline.json"):
        resource_preloads(["../outline/us-outline.json"])

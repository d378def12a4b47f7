"""Text from an uploaded file (its name, column names, values) never becomes markup.

Leaflet inserts a layer's name into the layer control with ``innerHTML``; the
legend is HTML; popups and tooltips are built from text nodes; the sidebar is
Streamlit Markdown.  Each test renders what the browser would get and reads it
as the browser would: the HTML with an HTML parser, a JavaScript string as JSON,
the Markdown by its escapes.  (tests/browser/test_hostile_upload.py runs the
same file in Chromium.)
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import xyzservices
from jsharness import run_js, text_of, walk
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec
from streamlit.testing.v1 import AppTest

from geodata.geography.regions import counts_by_region
from geodata.imports.ingest import read_upload
from layers import CanvasPointLayer, ChoroplethLayer, build_map, layer_points

APP = str(Path(__file__).resolve().parents[2] / "app.py")

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "[link](javascript:alert(1))",
    "**bold** & &lt;b&gt; :red[red] $x$",
    # folium renders its elements' output again as an (unsandboxed) Jinja template.
    "{{ cycler.__init__.__globals__.os.getcwd() }} {% if 1 %}yes{% endif %} {# c #}",
]
#: A column the importer does not know, and values in the columns it maps.
HOSTILE_COLUMN = "<img src=x onerror=alert('column')>"


def hostile_csv(payload: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "title", "place", "city", "state", "latitude", "longitude", "source_url",
                     "description", HOSTILE_COLUMN])
    writer.writerow(["2026-01-07", f"title {payload}", f"place {payload}", "Minneapolis", "MN", "44.98",
                     "-93.27", "javascript:alert(1) https://example.org/a", f"description {payload}", payload])
    return out.getvalue().encode()


def upload_name(payload: str) -> str:
    return f"{payload}.csv"


class _Markup(HTMLParser):
    """What ``innerHTML`` would make of a fragment: its elements and its text."""

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text += data


def control_names(page: str) -> list[str]:
    """The layer names the page hands ``L.control.layers``, as JavaScript reads them."""
    block = re.search(r"_layers = \{\s*base_layers : \{(.*?)\},\s*overlays :\s*\{(.*?)\},\s*\};", page, re.S)
    assert block, "no layer control in the page"
    keys = re.findall(r'^\s*("(?:[^"\\]|\\.)*") : \w+,$', block.group(1) + "\n" + block.group(2), re.M)
    return [json.loads(k) for k in keys]


def upload_map(payload: str, **kwargs):
    name = upload_name(payload)
    mine, _ = read_upload(hostile_csv(payload), name)
    return name, build_map(None, None, tiles=None, extra_incidents={f"Your file: {name}": mine}, **kwargs)


# --- the map --------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_file_name_in_the_layer_control_is_text_not_markup(payload):
    name, m = upload_map(payload)
    page = m.get_root().render()
    (control,) = [n for n in control_names(page) if n.startswith("Your file")]
    markup = _Markup(control)
    assert markup.tags == []
    assert markup.text == f"Your file: {name}"
    assert str(Path.cwd()) not in page
    # The layer keeps its name as it is: the app counts it, a popup's heading shows it as text.
    assert layer_points(m) == {f"Your file: {name}": 1}


def test_every_name_in_the_layer_control_is_escaped_base_maps_too():
    tiles = xyzservices.TileProvider(name="<b id=tiles>Tiles</b>", url="https://t.example/{z}/{x}/{y}.png",
                                     attribution="x")
    m = build_map(None, None, tiles=tiles, extra_incidents={})
    names = control_names(m.get_root().render())
    assert names == ["&lt;b id=tiles&gt;Tiles&lt;/b&gt;"]
    assert _Markup(names[0]).tags == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_upload_never_puts_raw_markup_in_the_page(payload):
    # Markdown means nothing to the map's page; HTML and Jinja syntax must not be there as they are.
    _, m = upload_map(payload)
    page = m.get_root().render()
    for text in (HOSTILE_COLUMN, "<img src", "<script>alert", "<svg onload"):
        assert text not in page
    assert str(Path.cwd()) not in page  # no template ran
    assert page.count("</script>") == page.count("<script")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_legend_with_an_upload_holds_no_markup_from_it(payload):
    _, m = upload_map(payload, legend_open=True)
    page = m.get_root().render()
    legend = re.search(r'<div class="map-legend".*?</details>\s*</div>', page, re.S).group(0)
    assert set(_Markup(legend).tags) <= {"div", "details", "summary", "h4", "svg", "circle", "polygon", "path",
                                         "text", "span", "i"}
    assert "Your file" not in legend and "alert" not in legend


@pytest.mark.parametrize("payload", PAYLOADS)
def test_choropleth_legend_and_tooltips_keep_a_hostile_name_as_text(payload):
    mine, _ = read_upload(hostile_csv(payload), upload_name(payload))
    counts = counts_by_region(mine, "state")
    counts.loc[counts["region_id"] == "27", "name"] = payload
    m = build_map(None, None, tiles=None, choropleth=counts)
    layer = next(c for c in m._children.values() if isinstance(c, ChoroplethLayer))
    assert layer.tooltips()["27"] == f"{payload}: 1 incident"
    page = m.get_root().render()
    assert re.search("[<{]", payload) is None or payload not in page
    # The legend names the layer: a name with markup stays text there too.
    layer.layer_name = payload
    markup = _Markup(layer.legend_html())
    assert set(markup.tags) <= {"h4", "div", "i"} and markup.text.startswith(payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_popup_of_an_uploaded_record_is_text_nodes(tmp_path, payload):
    name, m = upload_map(payload)
    layer = next(c for c in m._children.values() if isinstance(c, CanvasPointLayer))
    popup = run_js(
        tmp_path, "console.log(JSON.stringify(L.CanvasPointLayer.buildContent(DATA, [0], doc)));",
        DATA=json.loads(layer.to_json()),
    )
    nodes = list(walk(popup))
    assert {n["tag"] for n in nodes} <= {"div", "h3", "span", "strong", "a", "#text"}
    text = text_of(popup)
    for words in (f"title {payload}", f"place {payload}", f"description {payload}", name):
        assert words in text
    assert [n["attrs"]["href"] for n in nodes if n["tag"] == "a"] == ["https://example.org/a"]


# --- the sidebar (Streamlit Markdown) --------------------------------------------------------

_PUNCT = r"[!-/:-@\[-`{-~]"


def unescaped_punctuation(markdown: str) -> str:
    """The ASCII punctuation of ``markdown`` that Markdown could read as syntax (not backslash-escaped)."""
    return "".join(re.findall(_PUNCT, re.sub(r"\\" + _PUNCT, "", markdown)))


def unescape(markdown: str) -> str:
    return re.sub(r"\\(" + _PUNCT + ")", r"\1", markdown)


def run_with_upload(name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    # AppTest has no file-uploader driver: hand the app a file the way Streamlit does.
    at.session_state["upload"] = UploadedFile(UploadedFileRec("f1", name, "text/csv", data), None)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sidebar_shows_a_hostile_file_name_as_escaped_markdown(payload):
    name = upload_name(payload)
    at = run_with_upload(name, hostile_csv(payload))
    (caption,) = [c.value for c in at.sidebar.caption if "in the range shown" in c.value]
    shown, rest = re.match(r"((?:\\.|[^\\])*?): (\d+ rows?; \d+ in the range shown.*)", caption).groups()
    assert unescaped_punctuation(shown) == ""
    assert unescape(shown) == name
    assert at.session_state["map_points"][f"Your file: {name}"] == 1


@pytest.mark.parametrize("payload", PAYLOADS)
def test_error_about_a_hostile_file_is_escaped_markdown(payload):
    name = upload_name(payload)
    at = run_with_upload(name, b"date,title\n")
    (error,) = at.sidebar.error
    assert unescaped_punctuation(error.value) == ""
    assert name in unescape(error.value)


def test_a_link_with_markdown_in_its_filter_shows_a_plain_warning():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["category"] = "[login](https://evil.example) **now**"
    at.run()
    assert not at.exception, at.exception
    (warning,) = at.warning
    assert unescaped_punctuation(warning.value) == ""
    assert "[login](https://evil.example) **now**" in unescape(warning.value)

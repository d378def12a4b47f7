"""Incidents by state or county as shaded regions: classes, tooltips, escaping, the legend."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from jsharness import NODE, needs_node
from test_aggregate import hand_checked
from test_layers import XSS, facilities_gdf, incidents_gdf, inline_scripts, render

from geodata.geography.regions import counts_by_region
from geodata.view import region_counts
from layers import CHOROPLETH_COLORS, ChoroplethLayer, build_map, choropleth_layer
from layers.choropleth import _CLASS_JS, class_breaks, class_labels


@pytest.fixture(scope="module")
def state_counts():
    return counts_by_region(hand_checked(), "state")


def test_only_regions_with_incidents_are_shaded(state_counts):
    layer = choropleth_layer(state_counts)
    assert isinstance(layer, ChoroplethLayer)
    assert layer.layer_name == "Incidents by state"
    assert set(layer.tooltips()) == {"27", "72", "15", "02", "12", "48"}
    assert layer.tooltips()["27"] == "Minnesota: 4 incidents"
    assert layer.tooltips()["72"] == "Puerto Rico: 1 incident"
    assert set(layer.fills().values()) <= set(CHOROPLETH_COLORS)
    assert layer.fills()["27"] != layer.fills()["72"]  # 4 and 1 are in different classes


def test_county_tooltip_names_the_state(tmp_path):
    layer = choropleth_layer(counts_by_region(hand_checked(), "county"))
    assert layer.tooltips()["27053"] == "Hennepin County, MN: 2 incidents"
    assert layer.layer_name == "Incidents by county"
    assert any("1 known only to a state" in note for note in layer.notes)


def test_not_counted_incidents_are_said_in_the_legend(state_counts):
    notes = " ".join(choropleth_layer(state_counts).notes)
    assert "Not counted: 2 incidents in no state (at sea, or in a territory without boundaries here)." in notes
    assert "Not counted: 1 with no place." in notes


def test_per_100k_needs_population_figures(state_counts):
    with pytest.raises(ValueError, match="not available: no population figures"):
        choropleth_layer(state_counts, value="per_100k")
    counts = counts_by_region(hand_checked(), "state", population={"27": 5_303_925, "72": 3_725_789})
    layer = choropleth_layer(counts, value="per_100k")
    assert set(layer.tooltips()) == {"27", "72"}  # no population figure: not shaded
    assert layer.tooltips()["27"] == "Minnesota: 0.0754 per 100,000 residents (4 incidents; 5,303,925 residents)"
    assert layer.layer_name == "Incidents per 100,000 residents, by state"


def test_class_breaks_are_round_and_labels_cover_every_value():
    assert class_breaks([1, 1, 1, 1, 2, 3, 7, 23]) == [1, 2, 5, 10, 20]
    labels = class_labels([1, 2, 5, 10, 20], 23, integer=True)
    assert labels == ["1", "2\u20134", "5\u20139", "10\u201319", "20\u201323"]
    assert class_breaks([0.03, 0.07, 0.2, 1.5]) == [0.02, 0.05, 0.1, 0.2, 0.5]
    assert class_breaks([]) == [] and class_breaks([0, float("nan")]) == []
    assert class_breaks([4, 4, 4]) == [2]  # one class


def test_tooltips_and_legend_are_escaped(state_counts, monkeypatch):
    counts = state_counts.copy()
    counts.attrs = state_counts.attrs
    counts.loc[counts["region_id"] == "27", "name"] = XSS + " {{ 7*7 }}"
    m = build_map(None, incidents_gdf([{}]), tiles=None, choropleth=counts)
    layer = next(c for c in m._children.values() if isinstance(c, ChoroplethLayer))
    assert layer.tooltips()["27"] == f"{XSS} {{{{ 7*7 }}}}: 4 incidents"
    html = render(m)
    assert XSS not in html and "{{ 7*7 }}" not in html
    assert "\\u003cimg src=x onerror=alert(1)\\u003e \\u007b{ 7*7 }}: 4 incidents" in html
    # Tooltips become text nodes, never markup.
    assert "div.textContent = text;" in _CLASS_JS and "innerHTML" not in _CLASS_JS
    monkeypatch.setattr(layer, "layer_name", "<b>Name</b>")
    assert "&lt;b&gt;Name&lt;/b&gt;" in layer.legend_html()


def test_choropleth_is_in_the_layer_control_under_the_points(state_counts):
    m = build_map(facilities_gdf([{}]), incidents_gdf([{}]), tiles=None, choropleth=state_counts)
    html = render(m)
    control = re.search(r"overlays :\s*\{(.*?)\}", html, re.S).group(1)
    assert '"Incidents by state"' in control
    names = [c for c in m._children.values() if isinstance(c, ChoroplethLayer)]
    assert len(names) == 1
    # Polygons go in Leaflet's overlay pane (z-index 400), the points in panes above it (451+).
    assert "pane:" not in json.dumps(names[0].options)
    # The legend has its section, shown while the layer is on.
    assert 'data-part="choropleth"' in html and f'["choropleth", {names[0].get_name()}]' in html


def test_region_counts_by_level_name_count_the_incidents_or_give_none():
    incidents = incidents_gdf([{"geometry": hand_checked().geometry.iloc[0]}])
    m = build_map(None, incidents, tiles=None, choropleth=region_counts(incidents, "county"))
    layer = next(c for c in m._children.values() if isinstance(c, ChoroplethLayer))
    assert layer.tooltips() == {"27053": "Hennepin County, MN: 1 incident"}
    assert region_counts(None, "state") is None
    assert region_counts(incidents, "none") is None
    with pytest.raises(TypeError, match="region_counts"):
        build_map(None, incidents, choropleth="county")  # drawing counts nothing: the view counts


@needs_node
def test_browser_decodes_the_regions_python_encoded(tmp_path, state_counts):
    layer = choropleth_layer(state_counts)
    script = (
        "global.L = { FeatureGroup: { extend: function (p) {\n"
        "  var C = function () {}; C.prototype = p; return C; } } };\n"
        f"eval({json.dumps(_CLASS_JS)});\n"
        f"var data = {layer.to_json()};\n"
        "var out = data.regions.map(function (r) {\n"
        "  var polys = L.ChoroplethLayer.decodeRegion(r, Math.pow(10, data.precision));\n"
        "  return { id: r.id, polygons: polys.length, first: polys[0][0][0] };\n"
        "});\n"
        "console.log(JSON.stringify(out));\n"
    )
    path = tmp_path / "decode.js"
    path.write_text(script)
    result = subprocess.run([NODE, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    decoded = {d["id"]: d for d in json.loads(result.stdout)}
    for row in state_counts[state_counts["count"] > 0].itertuples():
        polygons = list(row.geometry.geoms)
        assert decoded[row.region_id]["polygons"] == len(polygons)
        lon, lat = polygons[0].exterior.coords[0]
        assert decoded[row.region_id]["first"] == pytest.approx([round(lat, 3), round(lon, 3)])


@needs_node
def test_map_with_choropleth_is_valid_javascript(tmp_path, state_counts):
    html = render(build_map(facilities_gdf([{}]), incidents_gdf([{}]), tiles=None, choropleth=state_counts))
    for k, script in enumerate(inline_scripts(html)):
        path = tmp_path / f"s{k}.js"
        path.write_text(script)
        result = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr

"""The layers' scripts as one file (``layers._script.script_bundle``): every file of ``layers/js`` in it,
each after what it needs, every layer defined when it alone is loaded (in node), and a map whose
``script_url`` names it links that one file instead of sixteen (streamlit-folium loads a map's scripts
one after the other: one round trip each)."""

from __future__ import annotations

import hashlib
import json
import re

from jsharness import needs_node, run_js

from geodata import load_bundle
from layers import SCRIPTS_DIR, build_map, page_links
from layers._script import SCRIPT_NEEDS, bundle_order, script_bundle

#: The guard each file starts with: ``if (L.OutlineLayer) { return; }`` or ``if (P.columns) { return; }``.
GUARD = re.compile(r"if \((L\.\w+|P\.\w+)\) \{ return; \}")


def test_the_bundle_holds_every_layer_script_each_after_what_it_needs():
    name, data = script_bundle()
    text = data.decode("utf-8")
    files = sorted(p.name for p in SCRIPTS_DIR.glob("*.js"))
    assert len(files) >= 16 and sorted(bundle_order()) == files
    at = {f: text.index(f"// layers/js/{f}\n") for f in files}
    for f in files:
        assert (SCRIPTS_DIR / f).read_text(encoding="utf-8").rstrip() in text, f
        for need in SCRIPT_NEEDS.get(f, ()):
            assert at[need] < at[f], (need, f)
    # Named by its bytes: served as never changing (geodata.web.is_versioned), a new name when a file changes.
    assert name == f"layers-{hashlib.blake2b(data, digest_size=10).hexdigest()}.js"


@needs_node
def test_the_bundle_loaded_alone_defines_every_layer_script(tmp_path):
    name, data = script_bundle()
    (tmp_path / name).write_bytes(data)
    guards = {}
    for path in sorted(SCRIPTS_DIR.glob("*.js")):
        found = GUARD.search(path.read_text(encoding="utf-8"))
        assert found, f"{path.name} does not guard against a second definition"
        guards[path.name] = found.group(1).replace("P.", "L.CanvasPointParts.")
    # Leaflet's classes the outline, places, choropleth and measure layers extend (the prelude mocks the rest).
    out = run_js(tmp_path, "L.FeatureGroup = {extend: extend}; L.LayerGroup = {extend: extend};\n"
                 f"require({json.dumps(str(tmp_path / name))});\n"
                 "console.log(JSON.stringify(GUARDS.map(function (g) { return typeof eval(g); })));",
                 scripts=(), GUARDS=list(guards.values()))
    assert len(out) == len(guards) and dict(zip(guards, out)) == {
        f: t for f, t in zip(guards, out) if t in ("function", "object")}


def test_a_map_given_the_bundle_links_leaflet_and_that_one_file():
    data = load_bundle()
    url = "../records/" + script_bundle()[0]
    m = build_map(data.facilities, data.incidents, tiles=None, outline="o.json", places="p.json",
                  leaflet_url="../leaflet", script_url=url, legend_open=True)
    html = m.get_root().render()  # each layer names its files as it renders
    scripts = [u for u in page_links(m) if u.endswith(".js")]
    assert scripts == ["../leaflet/leaflet.js", url]  # the order streamlit-folium loads them in
    assert html.count(f'<script src="{url}"></script>') == 1
    assert not re.search(r'<script src="[^"]*/(canvas|outline|timebar|legend|viewurl)\.js"', html)
    # A folder as before: one link per file (a saved page or another app serving layers/js).
    folder = build_map(data.facilities, data.incidents, tiles=None, outline="o.json", script_url="../js")
    folder.get_root().render()  # each layer names its files as it renders
    assert {"../js/canvas.js", "../js/canvas-popup.js", "../js/outline.js"} <= set(page_links(folder))

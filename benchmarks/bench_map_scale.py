"""The map at scale: bytes sent per rerun, Python build time, and the map in headless Chromium.

    PYTHONPATH=. nice python3 benchmarks/bench_map_scale.py [N ...]        (default: 10000 100000)

For each N it makes N realistic synthetic incidents (60-character titles,
200-character descriptions, source URLs, mixed precision, dates from October
2022 to March 2026, clustered round the bundled facilities' towns), builds the
map as the app does (``incidents_layer(records_url=..., points_url=...)``, the
popup shards and the points file written with ``geodata.view.shards``, the bundled
facilities on top, ``compose_map`` with the time filter) and prints two lines,
in the same run: ``file``, the points as a file the map fetches (the app now),
and ``inline``, the points as columns in the page (without ``points_url``; the
app before):

* sent / rerun: what the app sends the browser for the map on every rerun,
  the JSON of the arguments ``st_folium`` hands its component (the map's
  script, header and links; measured by calling ``st_folium`` with the
  component replaced by a function that keeps them), in bytes and bytes a point;
* file B/pt: the points file's bytes a point (fetched once per data version);
* Python build s: layers, shards, points file and the page;
* first paint ms: from opening the page (in a same-origin frame, as in the app)
  to the incidents drawn on the canvas;
* filter redraw ms: a new date range and categories written into the parent
  page's URL (as the app does) until the map has redrawn (the time filter's
  own ``lastMs`` in brackets: the redraw alone);
* click-to-popup ms: a click on one incident until its popup (fetched from its
  shard) is shown.

:func:`measure_map` is also what ``benchmarks/bench_scale.py`` calls for its
browser columns.  These are benchmark figures on a shared machine, not timed tests.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import socketserver
import sys
import tempfile
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

from geodata import load_bundle
from geodata.core.schema import CATEGORIES, CRS, INCIDENT_COLUMNS
from geodata.geography.boundaries import BASEMAP_DIR, BASEMAP_FILE
from geodata.view.occupancy import with_range_adp
from geodata.view.shards import write_file, write_shards
from layers import LEAFLET_DIR, SCRIPTS_DIR, base_map, compose_map, facilities_layer, incidents_layer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WORDS = ("agents", "detained", "workers", "outside", "county", "courthouse", "reported", "witnesses", "family",
         "vehicle", "morning", "officers", "residents", "community", "lawyers", "release", "hearing", "street")


def realistic_incidents(n: int, seed: int = 0, centres=None) -> gpd.GeoDataFrame:
    """``n`` incidents with the schema's columns, about the sizes of real records."""
    rng = np.random.default_rng(seed)
    if centres is None:
        centres = np.column_stack([rng.uniform(-122, -70, 300), rng.uniform(26, 48, 300)])
    town = rng.integers(0, len(centres), n)
    coarse = rng.random(n) < 0.2  # placed at a city's centre: many share one spot
    jitter = np.where(coarse[:, None], 0.0, rng.normal(0, 0.08, (n, 2)))
    lon, lat = centres[town, 0] + jitter[:, 0], centres[town, 1] + jitter[:, 1]
    days = rng.integers(0, 1257, n)  # 2022-10-01 .. 2026-03-10
    dates = (np.datetime64("2022-10-01") + days).astype(str)
    cats = np.array(CATEGORIES)[rng.choice(len(CATEGORIES), n, p=[0.02, 0.05, 0.55, 0.1, 0.15, 0.08, 0.05])]
    words = np.array(WORDS)
    title_words = words[rng.integers(0, len(words), (n, 8))]
    titles = [f"{i:07d} " + " ".join(w)[:52] for i, w in enumerate(title_words)]
    desc_words = words[rng.integers(0, len(words), (n, 24))]
    descriptions = [(" ".join(w) + ". ") * 2 for w in desc_words]
    frame = {c: [None] * n for c in INCIDENT_COLUMNS}
    frame.update(
        id=[f"syn-{i}" for i in range(n)], category=cats, title=titles, date=dates, date_precision="day",
        date_start=dates, date_end=dates, place=[f"Town {t}, ST" for t in town], city=[f"Town {t}" for t in town],
        state="ST", location_precision=np.where(coarse, "city", np.where(rng.random(n) < 0.5, "zip", "block")),
        location_method="Synthetic record for the benchmark", description=[d[:200] for d in descriptions],
        source_name="Benchmark News", source_urls=[f"https://news.example.org/2025/{i:07d}/story" for i in range(n)],
        verification="news_report",
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=CRS)


def component_bytes(m) -> int:
    """Bytes of the JSON arguments that ``st_folium(m)`` hands its component: what a rerun sends for the map."""
    import streamlit_folium

    sent = {}
    original = streamlit_folium._component_func
    streamlit_folium._component_func = lambda **kwargs: sent.update(kwargs)
    try:
        streamlit_folium.st_folium(m, returned_objects=[], height=680, use_container_width=True, key="map")
    finally:
        streamlit_folium._component_func = original
    sent.pop("on_change", None)  # a callback of the server, not sent
    return len(json.dumps(sent, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def build_site(root: Path, incidents, bundle, points_file: bool = True) -> dict:
    """Write the map page (in parent.html's frame) and what it loads under ``root``.

    Returns ``build_s``, ``page_bytes`` (the whole page), ``sent_bytes`` (:func:`component_bytes`),
    ``file_bytes`` (the points file, 0 without one) and ``n``.
    """
    t = time.perf_counter()
    inc = incidents_layer(incidents, records_url="records", points_url="records" if points_file else None)
    key = inc.records_key()
    write_shards(root / "records" / key, inc.record_shards())
    inc.data["records"]["url"] = f"records/{key}"
    inc.drop_records()
    file_bytes = 0
    if inc.points_file() is not None:
        file_bytes = write_file(root / "records", *inc.points_file()).stat().st_size
    fac, span = with_range_adp(bundle.facilities, bundle.population, "2022-10-01", "2026-03-10")
    facs = facilities_layer(fac, population=bundle.population, deaths=bundle.incidents,
                            adp=fac.set_index("id")["adp_in_range"], range_sizes=True, records_url="records")
    fkey = facs.records_key()
    write_shards(root / "records" / fkey, facs.record_shards())
    facs.data["records"]["url"] = f"records/{fkey}"
    facs.drop_records()
    m = base_map(tiles=None, outline=BASEMAP_FILE, leaflet_url="leaflet", script_url="js")
    compose_map(m, [inc, facs], time_range=("2022-10-01", "2026-03-10"))
    html = m.get_root().render()
    seconds = time.perf_counter() - t
    (root / "map.html").write_text(html, encoding="utf-8")
    return {"build_s": seconds, "page_bytes": len(html.encode("utf-8")), "sent_bytes": component_bytes(m),
            "file_bytes": file_bytes, "n": len(inc)}


def serve(root: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


JS_DIR = Path(__file__).parent / "js"
FIND = (JS_DIR / "find_names.js").read_text(encoding="utf-8")


def measure_browser(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(600_000)
        t = time.perf_counter()
        page.goto(url + "parent.html?start=2022-10-01&end=2026-03-10")
        frame = page.frame_locator("#map")
        frame.locator(".leaflet-container").wait_for()
        inner = next(f for f in page.frames if f.url.endswith("map.html"))
        inner.wait_for_function((JS_DIR / "incidents_drawn.js").read_text(encoding="utf-8"))
        out["first_paint_ms"] = (time.perf_counter() - t) * 1000
        names = inner.evaluate(FIND)
        # A new range and categories, written by the parent page as the app writes them.
        out["filter_ms"], out["redraw_ms"] = inner.evaluate(
            (JS_DIR / "filter_change.js").read_text(encoding="utf-8"),
            names,
        )
        # Zoom in to one shown incident and click it.
        target = inner.evaluate(
            (JS_DIR / "first_shown.js").read_text(encoding="utf-8"),
            names,
        )
        page.wait_for_timeout(300)
        box = page.locator("#map").bounding_box()
        t = time.perf_counter()
        page.mouse.click(box["x"] + target[0], box["y"] + target[1])
        inner.locator(".leaflet-popup-content").wait_for()
        out["click_wall_ms"] = (time.perf_counter() - t) * 1000
        out["click_ms"] = inner.evaluate(f"() => window[{names['map']!r}]._cplPopupMs")
        out["popup_has_source"] = "Links:" in inner.locator(".leaflet-popup-content").inner_text()
        browser.close()
    return out


def measure_map(incidents, bundle, points_file: bool = True) -> dict:
    """The map of ``incidents`` (and ``bundle``'s facilities) built as the app builds it, served by a local
    HTTP server and opened in headless Chromium: :func:`build_site`'s figures and :func:`measure_browser`'s."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(LEAFLET_DIR, root / "leaflet")
        shutil.copytree(SCRIPTS_DIR, root / "js")
        shutil.copy(BASEMAP_DIR / BASEMAP_FILE, root / BASEMAP_FILE)
        (root / "parent.html").write_text(
            '<!doctype html><html><body style="margin:0"><iframe id="map" src="map.html" '
            'style="width:1300px;height:800px;border:0"></iframe></body></html>')
        out = build_site(root, incidents, bundle, points_file)
        server = serve(root)
        try:
            out.update(measure_browser(f"http://127.0.0.1:{server.server_address[1]}/"))
        finally:
            server.shutdown()
            server.server_close()
    return out


def main(sizes: list[int]) -> None:
    bundle = load_bundle()
    placed = bundle.facilities[bundle.facilities.geometry.notna()]
    centres = np.column_stack([placed.geometry.x, placed.geometry.y])
    print(f"{'N':>9} {'points':>6} {'sent / rerun (B/pt)':>22} {'file B/pt':>9} {'build s':>8} "
          f"{'1st paint ms':>12} {'filter ms (redraw)':>18} {'click ms':>8}")
    for n in sizes:
        incidents = realistic_incidents(n, centres=centres)
        for points_file in (True, False):
            b = measure_map(incidents, bundle, points_file)
            sent = f"{b['sent_bytes']:,} ({b['sent_bytes'] / b['n']:.2f})"
            print(f"{n:>9,} {'file' if points_file else 'inline':>6} {sent:>22} {b['file_bytes'] / b['n']:>9.2f} "
                  f"{b['build_s']:>8.1f} {b['first_paint_ms']:>12,.0f} "
                  f"{b['filter_ms']:>10,.0f} ({b['redraw_ms']:>5,.0f}) {b['click_ms']:>8,.0f}"
                  + ("" if b["popup_has_source"] else "  (popup without its source!)"), flush=True)
        del incidents


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])

"""Page size, build time and drawing time of the incident layer's three styles: points, clusters, heat.

    python3 benchmarks/bench_map_styles.py [N ...] [--no-browser] [--screenshots DIR]

For each N (default 100,000) and style, prints the seconds to build and render the map page in Python
and the page's size.  Then, unless ``--no-browser`` (or Chromium or Playwright is missing), opens each
page in Debian's Chromium (``/usr/bin/chromium`` or ``$CHROMIUM``; never a downloaded browser),
served from a local port with Leaflet from the XStatic-Leaflet package, and prints the milliseconds
from navigation until the layer has drawn, and the median of 5 redraws of the layer at zooms 4, 6
and 8 (what a pan or zoom costs).  ``--screenshots DIR`` saves a PNG of each style at zoom 4.
This machine is shared and absolute times move; compare the styles with each other.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_incident_layer import synthetic_incidents

from layers import LEAFLET_DIR, build_map

JS_DIR = Path(__file__).parent / "js"
STYLES = ("points", "clusters", "heat")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

FIND_LAYER = (JS_DIR / "find_layer.js").read_text(encoding="utf-8")

REDRAW = (JS_DIR / "redraw.js").read_text(encoding="utf-8")


def build_pages(n: int, folder: Path) -> list[tuple[str, float, int]]:
    gdf = synthetic_incidents(n)
    rows = []
    for style in STYLES:
        t = time.perf_counter()
        html = build_map(None, gdf, tiles=None, leaflet_url="leaflet", incident_style=style).get_root().render()
        seconds = time.perf_counter() - t
        (folder / f"{style}-{n}.html").write_text(html, encoding="utf-8")
        rows.append((style, seconds, len(html.encode())))
    return rows


def serve(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure_in_chromium(folder: Path, sizes: list[int], shots: Path | None) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("(browser figures skipped: the playwright package is not installed)")
        return
    if not os.access(CHROMIUM, os.X_OK):
        print(f"(browser figures skipped: no Chromium at {CHROMIUM})")
        return
    server = serve(folder)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"\n{'points':>8} {'style':>9} {'load ms':>8} {'z4 ms':>7} {'z6 ms':>7} {'z8 ms':>7}  at zoom 4")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for n in sizes:
                for style in STYLES:
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                    t = time.perf_counter()
                    page.goto(base + f"{style}-{n}.html")
                    page.wait_for_function(FIND_LAYER, timeout=120_000)
                    load_ms = (time.perf_counter() - t) * 1000
                    figures = {z: page.evaluate(REDRAW, [z, 5]) for z in (4, 6, 8)}
                    z4 = figures[4]
                    note = f"{z4['drawn']:,} drawn" + (f", {z4['clusters']:,} clusters" if z4["clusters"] else "")
                    print(
                        f"{n:>8,} {style:>9} {load_ms:>8.0f} "
                        + " ".join(f"{statistics.median(figures[z]['ms']):>7.1f}" for z in (4, 6, 8))
                        + f"  {note}"
                    )
                    if shots is not None:
                        page.evaluate(REDRAW, [4, 1])
                        shots.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(shots / f"bench-{style}-{n}.png"))
                    page.close()
            browser.close()
    finally:
        server.shutdown()


def main(argv: list[str]) -> None:
    browser = "--no-browser" not in argv
    shots = None
    if "--screenshots" in argv:
        shots = Path(argv[argv.index("--screenshots") + 1])
        argv = [a for a in argv if a != str(shots)]
    sizes = [int(a) for a in argv if a.isdigit()] or [100_000]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(LEAFLET_DIR, folder / "leaflet")
        print(f"{'points':>8} {'style':>9} {'build s':>8} {'page MB':>8}")
        for n in sizes:
            for style, seconds, size in build_pages(n, folder):
                print(f"{n:>8,} {style:>9} {seconds:>8.2f} {size / 1e6:>8.2f}")
        if browser:
            measure_in_chromium(folder, sizes, shots)


if __name__ == "__main__":
    main(sys.argv[1:])

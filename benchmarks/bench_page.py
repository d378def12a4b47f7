"""What the default page weighs in a browser: ``python3 benchmarks/bench_page.py [--runs 2] [--query Q]``.

Starts ``streamlit run app.py`` on the bundled data (``ICE_MAP_STORE`` for a store) with
tiles off (``ICE_MAP_OFFLINE=1``: no third-party request is counted), opens the page in
Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``, through Playwright) with a fresh profile and
reads the DevTools protocol's Network events of the page and its map frame:

* HTTP: the bytes each response took on the wire (``encodedDataLength``: compressed as sent,
  headers included), in all and by kind (Streamlit's own frontend, the map's scripts and
  Leaflet, the outline map and place names, the points and popup files, other);
* websocket: the bytes of the frames the server sent (the page's elements, the map's script);
* the seconds from navigation until the map has drawn its points (the incidents' layer
  counts them), and until the network is idle.

The second run reloads the page in the same browser (its HTTP cache warm): what a returning
reader fetches.  Figures are for this machine.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ws_driver  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

# The number of incidents the map's time bar counts once the points are drawn (layers/js/timebar.js).
DRAWN_JS = """() => {
  for (const f of document.querySelectorAll('iframe')) {
    try { const w = f.contentWindow; if (w.L && w.L.CanvasPointLayer && w.document.querySelector('.leaflet-cpl-canvas')
          && w.document.querySelector('.leaflet-container')) { return true; } } catch (e) {}
  }
  return false;
}"""


def kind_of(url: str) -> str:
    path = url.split("?", 1)[0]
    if "/_stcore/" in path:
        return "streamlit (api)"
    if "/static/" in path:
        return "streamlit frontend"
    for part, kind in (("leaflet/", "leaflet"), ("layer_scripts/", "layer scripts"),
                       ("outline/", "outline map and places"), ("records/", "points and popup files"),
                       ("st_folium/", "map frame (streamlit-folium)")):
        if "/component/" in path and part in path:
            return kind
    return "other"


def measure(page, cdp, url: str) -> dict:
    sizes, kinds, ws_bytes, urls = {}, {}, [0], {}

    def on_response(ev):
        urls[ev["requestId"]] = ev["response"]["url"]

    def on_finished(ev):
        sizes[ev["requestId"]] = ev["encodedDataLength"]

    def on_ws(ev):
        data = ev["response"]["payloadData"]
        ws_bytes[0] += len(base64.b64decode(data)) if ev["response"]["opcode"] == 2 else len(data.encode())

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.webSocketFrameReceived", on_ws)
    t = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(DRAWN_JS, timeout=180_000, polling=50)
    drawn = time.perf_counter() - t
    page.wait_for_load_state("networkidle", timeout=180_000)
    idle = time.perf_counter() - t
    for rid, n in sizes.items():
        k = kind_of(urls.get(rid, ""))
        kinds[k] = kinds.get(k, 0) + n
    return {"drawn": drawn, "idle": idle, "http": sum(sizes.values()), "kinds": kinds, "ws": ws_bytes[0],
            "requests": len(sizes)}


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2, help="1: first visit only; 2: and a reload (default)")
    ap.add_argument("--query", default="", help="the page's query string, such as start=2025-01-01")
    args = ap.parse_args(argv)
    with ws_driver.serve({"ICE_MAP_OFFLINE": "1"}) as (base, proc):
        # The server builds the map and its files for the first viewer: not what a page weighs.
        import asyncio

        asyncio.run(ws_driver.sessions(base, [args.query]))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            for run in range(args.runs):
                got = measure(page, cdp, f"{base}/?{args.query}")
                label = "first visit" if run == 0 else "reload (warm HTTP cache)"
                print(f"{label}: HTTP {got['http'] / 1e6:.2f} MB in {got['requests']} responses, websocket "
                      f"{got['ws'] / 1e6:.2f} MB; points drawn {got['drawn']:.1f} s, network idle {got['idle']:.1f} s")
                for k, v in sorted(got["kinds"].items(), key=lambda kv: -kv[1]):
                    print(f"    {k:<30} {v / 1e6:7.3f} MB")
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

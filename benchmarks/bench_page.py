"""What the default page weighs in a browser, and when the map paints: ``python3 benchmarks/bench_page.py``.

    python3 benchmarks/bench_page.py [--runs 2] [--query Q] [--profiles desktop,phone] [--before DIR] [--files N]

Starts ``streamlit run app.py`` on the bundled data (``ICE_MAP_STORE`` for a store) with tiles off
(``ICE_MAP_OFFLINE=1``: no third-party request is counted), warms it with one websocket session (the
server draws the map for its first viewer: not what a page weighs) and one browser visit (the server
compresses each file once, for its first reader ever: it prints how long that took), then opens the
page in Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``, through Playwright) with a fresh profile,
and reads the DevTools protocol's Network events of the page and its map frame:

* HTTP: the bytes each response took on the wire (``Network.loadingFinished``'s ``encodedDataLength``:
  compressed as sent, headers included; 0 for a file the browser's cache served), in all and by kind
  (Streamlit's own frontend, the map's scripts and Leaflet, the outline map and place names, the points
  and popup files, other), with how many were sent compressed;
* websocket: the bytes of the messages the server sent (the page's elements, the map's script), as the
  page reads them (inflated, if the websocket is compressed);
* on the wire in all: every byte the server sent, counted by a TCP relay between browser and server
  (``benchmarks/wire.py``): HTTP headers and bodies, websocket frames as compressed;
* when the page's first websocket message came, the map's frame was asked for and the points file
  arrived (seconds after navigation: where the time to paint goes);
* the seconds from navigation until the map has painted its points (the points layer's canvas is in the
  map's frame: the test the browser tests use), and until the last request ended (the network then quiet
  for 1.5 s).

Profiles: ``desktop`` (1400x1000, no throttling) and ``phone`` (390x844 touch screen, a phone's user agent (Chrome
on Android: the app puts its filters in a popover there, ``layers.page.phone_layout``), CPU 4x slower by
``Emulation.setCPUThrottlingRate``, network 9 Mbit/s each way with 150 ms latency by
``Network.emulateNetworkConditions``).  Each profile runs a first visit, then ``--runs - 1`` reloads in the
same browser (its HTTP cache warm): what a returning reader fetches.  ``--before DIR`` runs the same
measures first on the app of another checkout (such as ``/work/main`` before a change), in the same run.
Figures are for this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ws_driver  # noqa: E402
from wire import CountingRelay, NetworkLog  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
#: What Chrome on an Android phone sends (Playwright's "Pixel 7"): the app lays a phone's page out as a phone's.
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/159.0.8154.6 "
            "Mobile Safari/537.36")
PROFILES = {
    "desktop": {"context": {"viewport": {"width": 1400, "height": 1000}}, "cpu": 1, "network": None},
    "phone": {"context": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                          "has_touch": True, "user_agent": PHONE_UA},
              "cpu": 4, "network": {"latency": 150, "down": 9e6, "up": 9e6}},
}

# The map has painted its points: the points layer's canvas is in the map's frame (tests/browser do the same).
DRAWN_JS = (Path(__file__).resolve().parent / "js" / "map_painted.js").read_text(encoding="utf-8")


COMPONENT_KINDS = {"leaflet": "leaflet", "layer_scripts": "layer scripts", "outline": "outline map and places",
                   "records": "points and popup files", "regions": "regions and AOR areas",
                   "aor_areas": "regions and AOR areas", "streamlit_folium.st_folium": "map frame (streamlit-folium)"}


def kind_of(url: str) -> str:
    path = url.split("?", 1)[0].split("://", 1)[-1].partition("/")[2]
    if path.startswith("_stcore/"):
        return "streamlit (api)"
    if path.startswith("static/"):
        return "streamlit frontend"
    if path.startswith("component/"):
        # app.<name>, or app.<name>-<digest of its files> (geodata.web.folder_digest)
        if re.search(r"/layers-[0-9a-f]{20}\.js$", path):  # the layers' scripts as one file (layers/_script.py)
            return "layer scripts"
        name = re.sub(r"-[0-9a-f]{20}$", "", path.split("/")[1]).removeprefix("app.")
        return COMPONENT_KINDS.get(name, "other")
    return "other"


def measure(page, cdp, url: str, relay: CountingRelay) -> dict:
    """One navigation to ``url``: bytes by response and kind, websocket bytes, all bytes the server sent
    (``relay``), seconds to paint and until the network is quiet (no request for 1.5 s, not counted)."""
    relay.reset()
    log = NetworkLog(cdp)
    t = time.perf_counter()
    t_mono = time.monotonic()
    page.goto(url, wait_until="commit")
    page.wait_for_function(DRAWN_JS, timeout=180_000, polling=50)
    drawn = time.perf_counter() - t
    idle = log.quiet(page) - t_mono
    log.close()
    kinds: dict[str, list] = {}
    for n, url_, headers in log.files():
        row = kinds.setdefault(kind_of(url_), [0, 0, 0])
        row[0] += n
        row[1] += 1
        row[2] += bool(headers.get("content-encoding"))
    files = [(n, u, h.get("content-encoding", "")) for n, u, h in log.files()]
    marks = {k: v - t_mono for k, v in sorted(log.marks.items(), key=lambda kv: kv[1])}
    return {"drawn": drawn, "idle": idle, "http": log.http(), "kinds": kinds, "ws": log.ws,
            "requests": len(log.sizes), "files": files, "wire": relay.down, "marks": marks}


def emulate(context, page, profile: dict):
    """A CDP session on ``page`` with the network recorded and the profile's CPU and network slowdowns."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if profile["cpu"] != 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile["cpu"]})
    if profile["network"]:
        net = profile["network"]
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": net["latency"],
                                                      "downloadThroughput": net["down"] / 8,
                                                      "uploadThroughput": net["up"] / 8})
    return cdp


def run_profile(pw, base: str, relay: CountingRelay, query: str, name: str, runs: int, n_files: int) -> list[dict]:
    profile = PROFILES[name]
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    context = browser.new_context(**profile["context"])
    page = context.new_page()
    cdp = emulate(context, page, profile)
    out = []
    for run in range(runs):
        got = measure(page, cdp, f"{base}/?{query}", relay)
        label = "first visit" if run == 0 else "reload (warm HTTP cache)"
        print(f"  {name:<8} {label}: {got['wire'] / 1e6:.2f} MB on the wire in all (HTTP {got['http'] / 1e6:.2f} MB "
              f"in {got['requests']} responses, websocket messages {got['ws'] / 1e6:.2f} MB inflated); "
              f"map painted {got['drawn']:.1f} s, network idle {got['idle']:.1f} s")
        print("      after " + ", ".join(f"{k} {v:.1f} s" for k, v in got["marks"].items()))
        for k, (size, count, packed) in sorted(got["kinds"].items(), key=lambda kv: -kv[1][0]):
            print(f"      {k:<30} {size / 1e6:7.3f} MB in {count:>3} responses, {packed:>3} compressed")
        for size, url, enc in got["files"][:n_files]:
            print(f"        {size / 1e3:8.1f} kB {enc or 'identity':<8} {url.replace(base, '')[:100]}")
        out.append(got)
    browser.close()
    return out


def bench(root: Path, label: str, args) -> None:
    print(f"{label} ({root}):")
    with ws_driver.serve({"ICE_MAP_OFFLINE": "1"}, root=root) as (server, proc), \
            CountingRelay(int(server.rsplit(":", 1)[1])) as relay:
        asyncio.run(ws_driver.sessions(server, [args.query]))
        from playwright.sync_api import sync_playwright

        base = f"http://127.0.0.1:{relay.port}"  # the browser talks to the server through the relay
        with sync_playwright() as pw:
            # A compressing server spends the CPU once per file and machine, for the first reader ever (the
            # copies are kept on disk): one visit first, so the figures are what every later reader sees.
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            t = time.perf_counter()
            page.goto(f"{base}/?{args.query}", wait_until="commit")
            page.wait_for_function(DRAWN_JS, timeout=180_000, polling=50)
            print(f"  (warm-up visit: map painted {time.perf_counter() - t:.1f} s)")
            page.wait_for_timeout(5000)  # and the map's files fetched
            browser.close()
            for name in args.profiles.split(","):
                run_profile(pw, base, relay, args.query, name.strip(), args.runs, args.files)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2, help="1: first visit only; 2: and a reload (default)")
    ap.add_argument("--query", default="", help="the page's query string, such as start=2025-01-01")
    ap.add_argument("--profiles", default="desktop,phone", help="desktop, phone or both (default)")
    ap.add_argument("--before", type=Path, help="another checkout whose app runs first, for a comparison")
    ap.add_argument("--files", type=int, default=0, help="list the N largest responses of each visit")
    args = ap.parse_args(argv)
    if args.before:
        bench(args.before.resolve(), "before", args)
    bench(ws_driver.ROOT, "this checkout", args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

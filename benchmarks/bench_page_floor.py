"""The floor of any Streamlit page with a map, beside this app's page: ``python3 benchmarks/bench_page_floor.py``.

    python3 benchmarks/bench_page_floor.py [--profiles phone,desktop] [--rounds 3]

How much of the first paint is Streamlit's own?  This starts two servers at once: this app on the bundled data
(``ICE_MAP_OFFLINE=1``, warmed as ``bench_page.py`` does) and the smallest page that has a map frame (a file this
script writes: a title and ``st_folium`` of an empty ``folium.Map``; same Streamlit, machine and
``.streamlit/config.toml``, served through the same middleware: files compressed and cached, ``TCP_NODELAY``),
then opens each in turn with a fresh browser (cold cache; the profiles of ``bench_page.py``) and prints, in
seconds after navigation: the websocket's first message, the map frame's page loaded (its ``#map_div`` in the
document: streamlit-folium's page, before any map script runs) and, for this app, the map painted
(``benchmarks/js/map_painted.js``).  The smallest page's frame is what no Streamlit page with a map can beat on
this machine and profile; the difference is what this page's own elements, scripts and data add.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_page_ab  # noqa: E402
import ws_driver  # noqa: E402
from bench_page import DRAWN_JS  # noqa: E402

SMALLEST = '''import streamlit as st

if __name__ != "__main__":  # served as this app is: files compressed and cached, TCP_NODELAY (geodata.web)
    from geodata.web import asset_middleware

    app = st.App(__file__, middleware=asset_middleware())
else:
    import folium
    from streamlit_folium import st_folium

    st.set_page_config(layout="wide")
    st.title("A map")
    st_folium(folium.Map(location=[39, -98], zoom_start=4, tiles=None), height=680, use_container_width=True,
              returned_objects=[])
'''
#: The map frame's page has loaded (streamlit-folium's #map_div), in either app.
FRAME_JS = """() => [...document.querySelectorAll('iframe')].some(f => {
  try { return !!f.contentDocument.getElementById('map_div'); } catch (e) { return false; } })"""


def visit(pw, base: str, name: str, painted: bool) -> dict:
    waits = (("frame", FRAME_JS),) + ((("painted", DRAWN_JS),) if painted else ())
    got, marks = bench_page_ab.visit(pw, base, name, waits)
    return got | {"websocket": marks.get("websocket", float("nan"))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profiles", default="phone,desktop")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="smallest-map-page-") as tmp, contextlib.ExitStack() as stack:
        smallest = Path(tmp)
        (smallest / "app.py").write_text(SMALLEST, encoding="utf-8")
        if (ws_driver.ROOT / ".streamlit").is_dir():  # the same server settings (websocket compression, ...)
            shutil.copytree(ws_driver.ROOT / ".streamlit", smallest / ".streamlit")
        bases = {"this app": stack.enter_context(ws_driver.serve({"ICE_MAP_OFFLINE": "1"}))[0],
                 "smallest map page": stack.enter_context(ws_driver.serve({"PYTHONPATH": str(ws_driver.ROOT)},
                                                                           root=smallest))[0]}
        asyncio.run(ws_driver.sessions(bases["this app"], [""]))  # the server draws its first map
        with sync_playwright() as pw:
            for k, base in bases.items():  # each file compressed once, the map's files written
                visit(pw, base, "desktop", k == "this app")
            got: dict[tuple[str, str], list[dict]] = {}
            for r in range(args.rounds):
                for name in args.profiles.split(","):
                    order = list(bases) if r % 2 == 0 else list(bases)[::-1]
                    for k in order:
                        m = visit(pw, bases[k], name, k == "this app")
                        got.setdefault((name, k), []).append(m)
                        print(f"  round {r} {name:<8} {k:<18} " + ", ".join(f"{n} {v:.2f} s" for n, v in m.items()),
                              flush=True)
            for (name, k), runs in got.items():
                med = {n: statistics.median(m[n] for m in runs) for n in runs[0]}
                print(f"{name:<8} {k:<18} median of {len(runs)}: websocket {med['websocket']:.2f} s, map frame "
                      f"loaded {med['frame']:.2f} s" + (f", map painted {med['painted']:.2f} s" if "painted" in med
                                                         else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""After ``geodata import ... --store``, the running app draws the new map itself: the points file and
popup shards of the default view are written before any reader arrives (geodata/view/warm.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from geodata.cli import main
from geodata.view.warm import health_check_url, run_page

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 120


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")} if folder.is_dir() else set()


def test_the_default_views_files_exist_after_an_import_before_any_reader(start_app, tmp_path, monkeypatch):
    store, files = tmp_path / "store", tmp_path / "map-files"
    assert main(["init", "--store", str(store)]) == 0
    server = start_app(ICE_MAP_STORE=str(store), ICE_MAP_CACHE_DIR=str(files), ICE_MAP_OFFLINE="1",
                       ICE_MAP_WARM_SECONDS="1")
    # The proxy's readiness check: the process runs the page once (and so starts watching the store).
    assert run_page(health_check_url("127.0.0.1", server.port)) == "ok"
    before = _names(files)
    assert any(n.endswith(".bin") for n in before)
    src = tmp_path / "new.csv"
    src.write_text("date,title,city,state,source_url\n2026-01-09,Raid at a car wash,El Paso,TX,https://e.org/1\n")
    subprocess.run([sys.executable, "-m", "geodata", "import", "incidents", str(src), "--store", str(store), "-q"],
                   cwd=ROOT, check=True, timeout=300)
    # No reader has asked for anything: the server notices the new data version and draws its map.
    deadline = time.monotonic() + WAIT_SECONDS
    while not any(n.endswith(".bin") for n in _names(files) - before):
        assert time.monotonic() < deadline, f"no new points file after {WAIT_SECONDS} s:\n{server.log_text()}"
        time.sleep(0.5)
    time.sleep(1)  # the shard folders of the same map are renamed into place right after
    warmed = _names(files)
    # A reader's default page now: every file it needs is already there (it writes no new name).
    monkeypatch.setenv("ICE_MAP_STORE", str(store))
    monkeypatch.setenv("ICE_MAP_CACHE_DIR", str(files))
    monkeypatch.setenv("ICE_MAP_OFFLINE", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert _names(files) == warmed, _names(files) - warmed
    assert len(warmed - before) >= 2  # the points file and at least one folder of popup shards

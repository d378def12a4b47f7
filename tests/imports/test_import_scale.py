"""Importing at scale: the column-wise reader reads what the row-wise one reads, and a large import
accounts for every row as a small one does.  (Speed and memory are measured in
benchmarks/bench_import_scale.py, not asserted here.)"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import geodata.pipeline.tables as tables
from geodata import GeodataError
from geodata.imports.ingest import import_incidents
from geodata.pipeline.tables import plain_rows, read_table
from geodata.store import load_bundle, open_store

HOSTILE = Path(__file__).parents[1] / "hostile"


def _read(path, **kwargs):
    """The frame and what reading said, or the one error it gave."""
    try:
        df = read_table(path, **kwargs)
    except GeodataError as exc:
        return None, str(exc)
    return df, dict(df.attrs)


@pytest.mark.parametrize("path", sorted(HOSTILE.iterdir()), ids=lambda p: p.name)
def test_columnar_reader_gives_the_same_table_on_every_fixture(path):
    rows, said = _read(path)
    arrow, arrow_said = _read(path, columnar=True)
    assert arrow_said == said
    if rows is None:
        return
    assert all(isinstance(arrow[c].dtype, pd.ArrowDtype) for c in arrow.columns if c != "_row")
    pd.testing.assert_frame_equal(plain_rows(arrow), rows)


def test_blocks_of_rows_give_the_table_of_one_block(tmp_path, monkeypatch):
    """Row numbers in warnings, short and long rows, quoted line breaks and NA strings across block edges."""
    path = tmp_path / "edges.csv"
    lines = ["date,title,city,state"]
    for i in range(1, 23):
        if i % 7 == 0:
            lines.append(f'2026-01-{i:02d},"two\nlines {i}",Minneapolis,MN')
        elif i % 5 == 0:
            lines.append(f"2026-01-{i:02d},long {i},Minneapolis,MN,extra")
        elif i % 3 == 0:
            lines.append(f"2026-01-{i:02d},short {i}")
        else:
            lines.append(f"2026-01-{i:02d}, padded {i} ,N/A,MN")
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    whole, whole_said = _read(path)
    for block in (1, 2, 4, 1000):
        monkeypatch.setattr(tables, "_BLOCK_ROWS", block)
        for columnar in (False, True):
            df, said = _read(path, columnar=columnar)
            assert said == whole_said
            pd.testing.assert_frame_equal(plain_rows(df), whole)
    assert len(whole) == 22 and whole["city"].tolist()[0] is None and whole["title"].tolist()[0] == "padded 1"
    assert any("had more fields" in w for w in whole_said["warnings"])


def test_a_limit_beyond_a_file_is_said_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("date,title\n" + "2026-01-07,x\n" * 1000)
    with pytest.raises(GeodataError, match="larger than 1,000 bytes, the limit"):
        read_table(path, max_bytes=1000, columnar=True)


# -- a large-ish import: the accounting ------------------------------------------------

CITIES = [("Minneapolis", "MN", -93.2956, 44.9823), ("El Paso", "TX", -106.3437, 31.7232),
          ("Chicago", "IL", -87.6747, 41.8545), ("Los Angeles", "CA", -118.2779, 34.0326),
          ("Phoenix", "AZ", -112.0753, 33.4894), ("Atlanta", "GA", -84.4058, 33.8012),
          ("Denver", "CO", -104.9768, 39.7397), ("Seattle", "WA", -122.3290, 47.5984)]
EVENTS = 45_700  # with the second reports, repeats and bad rows below: 49,942 rows


def _rows(n: int):
    """Synthetic rows (made up for the test, not incidents): ``n`` distinct events, 80 % with coordinates and
    20 % placed by city and state; then a second report of every 25th (same day, city and title, another
    article), a repeat of every 40th, and rows to reject (no source URL, a date that is no date)."""
    day0 = dt.date(2023, 1, 1)
    events, extra = [], []
    for i in range(n):
        city, st, lon, lat = CITIES[i % len(CITIES)]
        date = (day0 + dt.timedelta(days=i % 1000)).isoformat()
        title = f"Test event {i} in {city}"
        xy = ("", "") if i % 5 == 0 else (f"{lat + (i % 7) * 0.001:.6f}", f"{lon - (i % 11) * 0.001:.6f}")
        row = [date, title, f"Description of test event {i}.", "arrest", city, st, *xy,
               f"https://example.org/e/{i}"]
        events.append(row)
        if i % 25 == 1:
            extra.append([date, title, "Another article.", "arrest", city, st, "", "",
                          f"https://example.org/second/{i}"])
        if i % 40 == 2:
            extra.append(list(row))
        if i % 50 == 3:
            extra.append([date, f"Unsourced {i}", "", "arrest", city, st, "", "", ""])
        if i % 100 == 4:
            extra.append(["soon", f"Undated {i}", "", "arrest", city, st, "", "", f"https://example.org/u/{i}"])
    return events + extra


def test_a_50k_row_import_accounts_for_every_row(tmp_path):
    path = tmp_path / "many.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "title", "description", "type", "city", "state", "latitude", "longitude", "source_url"])
        w.writerows(_rows(EVENTS))
    second = sum(1 for i in range(EVENTS) if i % 25 == 1)
    repeats = sum(1 for i in range(EVENTS) if i % 40 == 2)
    unsourced = sum(1 for i in range(EVENTS) if i % 50 == 3)
    undated = sum(1 for i in range(EVENTS) if i % 100 == 4)
    rows = EVENTS + second + repeats + unsourced + undated
    store = open_store(tmp_path / "store", create=True)
    store.seed(load_bundle())
    seeded = store.metadata()["incidents"]

    result = import_incidents(path, store, rejects_path=tmp_path / "rejects.csv")

    assert (result.rows, result.new, result.updated, result.unchanged) == (rows, EVENTS, 0, 0)
    assert (result.merged, result.rejected) == (second + repeats, unsourced + undated)
    assert result.stored + result.merged + result.rejected == result.rows
    assert store.metadata()["incidents"] == seeded + EVENTS
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str, keep_default_na=False)
    assert len(rejects) == unsourced + undated
    assert rejects["reason"].str.startswith("no source URL").sum() == unsourced
    assert rejects["reason"].str.startswith("bad or missing date").sum() == undated
    assert sorted(rejects["title"]) == sorted([f"Unsourced {i}" for i in range(EVENTS) if i % 50 == 3]
                                              + [f"Undated {i}" for i in range(EVENTS) if i % 100 == 4])
    # A second report's article joined the first report's record.
    got = store.incidents()
    one = got[got["title"] == f"Test event 26 in {CITIES[26 % len(CITIES)][0]}"]
    assert len(one) == 1 and one["source_urls"].iloc[0].split() == [
        "https://example.org/e/26", "https://example.org/second/26"]
    # The same file again: every record is there already, unchanged.
    again = import_incidents(path, store)
    assert (again.new, again.updated, again.unchanged) == (0, 0, EVENTS)
    assert again.merged == second + repeats and again.rejected == unsourced + undated
    assert store.metadata()["incidents"] == seeded + EVENTS


def test_the_progress_bar_stays_off_when_stderr_is_no_terminal(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("date,title,city,state,source_url\n2026-01-07,A test row,Minneapolis,MN,https://example.org/a\n")
    proc = subprocess.run([sys.executable, "-m", "geodata", "import", "incidents", str(path), "--store",
                           str(tmp_path / "s.geojson")], cwd=Path(__file__).parents[2], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == "1 rows: 1 stored (1 new, 0 updated, 0 unchanged), 0 merged, 0 rejected"
    assert "rows/s" not in proc.stderr and "\r" not in proc.stderr

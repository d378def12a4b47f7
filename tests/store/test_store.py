"""The store: one folder the command line writes and the app reads; queries pushed down; nothing lost."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geodata import GeodataError, View, load_bundle, select
from geodata.cli import main
from geodata.core.schema import CATEGORIES, CRS, INCIDENT_COLUMNS
from geodata.imports.ingest import import_incidents, load_store
from geodata.pipeline.dedupe import normalize_url
from geodata.store import VIEW_COLUMNS, BundleStore, Query, open_store
from geodata.store.parquet import MANIFEST, url_keys
from geodata.view import frames, query

ROOT = Path(__file__).resolve().parents[2]


def synthetic(n: int, *, first="2024-01-01", days=730, seed=0, prefix="s") -> gpd.GeoDataFrame:
    """``n`` incidents over ``days`` days: mostly known to the day, some to the month or year."""
    rng = np.random.default_rng(seed)
    day0 = dt.date.fromisoformat(first)
    offsets = rng.integers(0, days, n)
    kind = rng.choice(["day", "month", "year"], n, p=[0.9, 0.07, 0.03])
    starts, ends, texts = [], [], []
    for off, k in zip(offsets.tolist(), kind):
        d = day0 + dt.timedelta(days=off)
        if k == "day":
            s, e, t = d, d, d.isoformat()
        elif k == "month":
            s = d.replace(day=1)
            e = (pd.Timestamp(s) + pd.offsets.MonthEnd(0)).date()
            t = s.isoformat()[:7]
        else:
            s, e, t = dt.date(d.year, 1, 1), dt.date(d.year, 12, 31), str(d.year)
        starts.append(s.isoformat())
        ends.append(e.isoformat())
        texts.append(t)
    states = rng.choice(["MN", "TX", "CA", "IL", "NY"], n)
    frame = pd.DataFrame({
        "id": [f"{prefix}-{i:07d}" for i in range(n)],
        "category": rng.choice(CATEGORIES, n),
        "title": [f"Event {i} in {s}" for i, s in enumerate(states)],
        "date": texts, "date_precision": kind, "date_start": starts, "date_end": ends,
        "place": None, "city": "Somewhere", "state": states, "facility_id": None,
        "location_precision": "city", "location_method": "test", "description": 'A "quoted" line\nand more',
        "source_name": "Test", "source_urls": [f"https://example.org/{prefix}/{i}" for i in range(n)],
        "verification": "news_report",
    })
    xs, ys = rng.uniform(-124, -67, n), rng.uniform(25, 49, n)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xs, ys), crs=CRS)


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "store", create=True)
    s.seed(load_bundle())
    return s


def _same_frame(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame):
    def plain(f):  # missing is missing, whatever the dtype says
        f = pd.DataFrame(f).sort_values("id").reset_index(drop=True)
        return f.astype(object).where(f.notna(), None)

    a, b = plain(a), plain(b)
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_seeded_store_round_trips_every_value(store):
    bundle, back = load_bundle(), open_store(store.path).load_bundle()
    _same_frame(bundle.facilities, back.facilities)
    _same_frame(bundle.incidents, back.incidents)
    pd.testing.assert_frame_equal(bundle.population, back.population)
    pd.testing.assert_frame_equal(bundle.report, back.report)
    assert store.metadata()["schema_version"] == 1 and store.metadata()["incidents"] == len(bundle.incidents)


def test_written_incidents_round_trip_exactly(store):
    batch = synthetic(500, seed=3)
    batch.loc[0, "title"] = "Café ünïcode 日本 \U0001f600 \"q\" \\ \x01"
    batch.loc[1, ["place", "description"]] = [None, ""]
    store.write_incidents(batch)
    back = store.incidents(Query(start="2024-01-01"))
    back = back[back["id"].str.startswith("s-")]
    _same_frame(batch[[*INCIDENT_COLUMNS, "geometry"]], back)
    assert (back.geometry.x.to_numpy() == back.geometry.x.to_numpy()).all()


def test_the_generation_the_app_asks_each_rerun_is_the_metadatas_and_moves_with_a_write(store):
    before = store.generation()
    assert before == store.metadata()["generation"]
    store.write_incidents(synthetic(5, seed=9))
    assert open_store(store.path).generation() == before + 1 == store.metadata()["generation"]
    assert BundleStore().generation() == BundleStore().metadata().get("generation", 0)


@pytest.mark.parametrize("view", [
    View(), View(start="2026-01-01", end="2026-01-31"), View(start="2025-01-01", categories=("death_in_custody",)),
    View(aors=("ELP", "ATL")), View(end="2003-12-31", layers=("incidents",)),
    View(start="2026-01-30", end="2026-02-15"),
])
def test_query_gives_what_select_gives(store, view):
    bundle = load_bundle()
    expected = select(bundle.facilities, bundle.incidents, view)
    for backend in (store, BundleStore()):
        got = query(backend, view)
        assert list(got) == list(expected)
        for layer in got:
            _same_frame(expected[layer], got[layer])


#: Views and column choices that a column-restricted read must agree with the whole read on.
COLUMN_VIEWS = [
    View(), View(start="2025-06-01", end="2025-08-29"),
    View(start="2024-03-01", end="2024-03-31", categories=("death_in_custody", "protest", "arrest")),
    View(start="2024-01-01", aors=("SPM", "HOU")), View(end="2010-12-31"), View(layers=("facilities",)),
]
COLUMN_CHOICES = [VIEW_COLUMNS, ("title", "city", "id"), ()]


def assert_columns_agree(store):
    """Reading some columns gives the rows of the whole read, in its order, and its values in those columns."""
    n = 0
    for view in COLUMN_VIEWS:
        whole, span = frames(store, view)
        for columns in COLUMN_CHOICES:
            part, part_span = frames(store, view, columns=columns)
            assert list(part) == list(whole) and part_span == span
            if "facilities" in whole:
                _same_frame(whole["facilities"], part["facilities"])
            if "incidents" in whole:
                asked = list(dict.fromkeys([*columns, *VIEW_COLUMNS]))  # what the view's rules read is added
                got, full = part["incidents"], whole["incidents"]
                assert list(got.columns) == [*asked, "geometry"]
                assert got["id"].tolist() == full["id"].tolist()
                _same_frame(full[[*asked, "geometry"]], got)
                n += len(got)
    query = Query(start="2024-01-01", end="2025-12-31", bbox=(-110.0, 30.0, -90.0, 45.0))
    full, got = store.incidents(query), store.incidents(query, columns=["id", "title", "location_precision"])
    assert list(got.columns) == ["id", "title", "location_precision", "geometry"] and len(got) > 0
    _same_frame(full[["id", "title", "location_precision", "geometry"]], got)
    assert n > 0  # the views held records
    with pytest.raises(GeodataError, match="unknown incident column 'nope'"):
        frames(store, View(), columns=["nope"])


def test_a_view_of_some_columns_agrees_with_the_whole_view_on_every_backend(store):
    store.write_incidents(synthetic(3000, first="2024-01-01", days=800, seed=5))
    assert_columns_agree(store)
    assert_columns_agree(BundleStore())


def test_bounding_box_is_pushed_down(store):
    box = (-94.0, 44.0, -92.0, 46.0)
    got = store.incidents(Query(bbox=box))
    inc = load_bundle().incidents
    inside = inc[inc.geometry.x.between(-94, -92) & inc.geometry.y.between(44, 46)]
    assert sorted(got["id"]) == sorted(inside["id"]) and len(got) > 0


def test_a_month_query_reads_a_fraction_of_the_row_groups(tmp_path):
    s = open_store(tmp_path / "big", create=True)
    s.seed(load_bundle())
    batch = synthetic(100_000, seed=1)
    s.write_incidents(batch)
    total = s.row_group_count()
    q = Query(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    read = sum(len(groups) for _, groups in s.plan(q))
    assert total >= 10 and read <= total / 4, (read, total)
    got = s.incidents(q)
    expected = batch[(batch["date_end"] >= "2025-03-01") & (batch["date_start"] <= "2025-03-31")]
    assert sorted(got["id"]) == sorted(expected["id"]) and len(got) > 1000
    # Year-long records from 2025 are in the range too: pruning never drops a match.
    assert (got["date_precision"] == "year").any()


def test_write_replaces_by_id_and_rewrites_only_touched_years(store):
    store.write_incidents(synthetic(300, first="2024-01-01", days=300, seed=2))
    before = {e["partition"]: e["file"] for e in json.loads((store.path / MANIFEST).read_text())["incidents"]}
    change = synthetic(300, first="2024-01-01", days=300, seed=2).iloc[:5].copy()
    change["title"] = "changed"
    store.write_incidents(change)
    after = {e["partition"]: e["file"] for e in json.loads((store.path / MANIFEST).read_text())["incidents"]}
    touched = {k for k in after if before.get(k) != after[k]}
    assert touched and all(k.startswith("2024") for k in touched)
    got = store.incidents(Query(start="2024-01-01", end="2024-12-31"))
    assert (got.set_index("id").loc[change["id"], "title"] == "changed").all()
    assert len(got[got["id"].str.startswith("s-")]) == 300
    leftovers = {p.name for p in store.path.glob("*.parquet")} - set(after.values()) - {
        json.loads((store.path / MANIFEST).read_text())[k] for k in ("facilities", "population", "report")}
    assert not leftovers  # old files removed once no reader holds them


def test_url_keys_normalise_as_dedupe_does():
    urls = ["https://www.Example.org/a/?utm_source=x&b=1", "http://example.org/a", "HTTPS://x.org/P?fbclid=1",
            "https://e.org/x?ref=abc&y=2 https://e.org/z/", ""]
    got = url_keys(pd.Series(urls)).tolist()
    assert got == [" ".join(normalize_url(u) for u in s.split()) for s in urls]


def test_unreachable_databases_and_files_are_refused_clearly(tmp_path):
    with pytest.raises(GeodataError, match="cannot connect to postgresql://user@nowhere.invalid:5432/db"):
        open_store("postgresql://user:pw@nowhere.invalid:5432/db")
    with pytest.raises(GeodataError, match="unknown kind of store"):
        open_store("sqlite:///x.db")
    with pytest.raises(GeodataError, match="does not exist"):
        open_store(tmp_path / "nowhere")
    with pytest.raises(GeodataError, match="a store is a folder"):
        open_store(tmp_path / "old.geojson")


# -- import into a folder: the same accounting as into a file --------------------------------------------
ROWS = "date,title,city,state,latitude,longitude,source_url,person,type,public_place\n" + "".join(
    f"2026-01-{1 + i % 28:02d},Event number {i % 40},Minneapolis,MN,{44.9 + (i % 7) / 100},-93.2,"
    f"https://e.org/{i % 45},{'Alex Pretti' if i % 11 == 0 else ''},arrest,yes\n" for i in range(120))


def test_import_into_a_folder_counts_and_stores_as_into_a_file(store, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(ROWS)
    b.write_text(ROWS.replace("Event number", "Other event").replace("e.org/", "f.org/"))
    file_store = tmp_path / "s.geojson"  # the same start: the bundled incidents
    from geodata.imports.ingest import save_store

    save_store(load_bundle().incidents.assign(person=None, canonical_id=None), file_store)
    for src in (a, b, a):
        r1 = import_incidents(src, file_store)
        r2 = import_incidents(src, store)
        assert (r1.new, r1.updated, r1.unchanged, r1.merged, r1.rejected) == \
            (r2.new, r2.updated, r2.unchanged, r2.merged, r2.rejected)
        assert r1.merges == r2.merges
    in_file = load_store(file_store)
    in_folder = load_store(store)
    in_folder = in_folder[in_folder["id"].isin(in_file["id"])]
    assert len(in_folder) == len(in_file)
    _same_frame(in_file.drop(columns="geometry"), in_folder.drop(columns="geometry"))
    gen = store.metadata()["generation"]
    import_incidents(a, store)
    assert store.metadata()["generation"] == gen  # nothing changed, nothing written


def test_cli_init_import_export_on_one_store(tmp_path, capsys):
    folder = tmp_path / "mine"
    assert main(["init", "--store", str(folder)]) == 0
    assert main(["init", "--store", str(folder)]) == 2
    assert "is a store already" in capsys.readouterr().err
    src = tmp_path / "in.csv"
    src.write_text("date,title,city,state,source_url\n2026-01-07,Raid at a car wash,Minneapolis,MN,https://e.org/1\n"
                   "soon,bad,,,\n")
    assert main(["import", "incidents", str(src), "--store", str(folder), "-q"]) == 0
    assert "2 rows: 1 stored (1 new, 0 updated, 0 unchanged), 0 merged, 1 rejected" in capsys.readouterr().err
    assert (tmp_path / "mine.rejects.csv").is_file()
    out = tmp_path / "jan.geojson"
    assert main(["export", "--store", str(folder), "--start", "2026-01-07", "--end", "2026-01-07",
                 "--layer", "incidents", "-o", str(out)]) == 0
    titles = [f["properties"]["title"] for f in json.loads(out.read_text())["features"]]
    assert "Raid at a car wash" in titles
    # The bundled data is untouched: the same export without --store does not have it.
    assert main(["export", "--start", "2026-01-07", "--end", "2026-01-07", "--layer", "incidents", "-o", str(out)]) == 0
    assert "Raid at a car wash" not in out.read_text()


# -- damage, crashes, concurrency ------------------------------------------------------------------------
def _incident_file(store) -> Path:
    m = json.loads((store.path / MANIFEST).read_text())
    return store.path / m["incidents"][-1]["file"]


@pytest.mark.parametrize("damage", ["truncate", "empty", "manifest", "manifest-empty", "missing"])
def test_damaged_store_is_one_clear_error(store, damage, tmp_path, capsys):
    target = _incident_file(store)
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    elif damage == "empty":
        target.write_bytes(b"")
    elif damage == "manifest":
        (store.path / MANIFEST).write_text('{"format": "ice-map-store", "incid')
    elif damage == "manifest-empty":
        (store.path / MANIFEST).write_bytes(b"")
    else:
        target.unlink()
    with pytest.raises(GeodataError, match=str(store.path)):
        open_store(store.path).incidents()
    status = main(["export", "--store", str(store.path), "-o", str(tmp_path / "x.geojson")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err


_WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from geodata.imports.ingest import import_incidents
    r = import_incidents({src!r}, {store!r})
    print(r.summary())
""")


def _big_csv(path: Path, n: int) -> Path:
    lines = ["date,title,city,state,latitude,longitude,source_url,public_place"]
    lines += [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d},Crash test {i},Minneapolis,MN,{44.5 + (i % 997) / 2000:.4f},"
              f"{-93.5 + (i % 991) / 2000:.4f},https://e.org/k/{i},yes" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _snapshot(folder: Path) -> tuple[int, frozenset]:
    s = open_store(folder)
    inc = s.incidents()
    return len(inc), frozenset(inc["id"])


def test_kill_during_an_import_leaves_the_store_as_it_was_or_complete(tmp_path):
    base = tmp_path / "base"
    s = open_store(base, create=True)
    s.seed(load_bundle())
    s.write_incidents(synthetic(20_000, first="2025-01-01", days=365, seed=5))  # a year to rewrite
    src = _big_csv(tmp_path / "big.csv", 600)
    before = _snapshot(base)
    done = tmp_path / "done"
    shutil.copytree(base, done)
    subprocess.run([sys.executable, "-c", _WRITER.format(root=str(ROOT), src=str(src), store=str(done))],
                   check=True, capture_output=True)
    after = _snapshot(done)
    assert after[0] > before[0]
    outcomes = []
    for trial, delay in enumerate([0.0, 0.01, 0.05, 0.15]):
        folder = tmp_path / f"t{trial}"
        shutil.copytree(base, folder)
        listing = set(os.listdir(folder))
        proc = subprocess.Popen([sys.executable, "-c", _WRITER.format(root=str(ROOT), src=str(src), store=str(folder))],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while set(os.listdir(folder)) == listing and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        state = _snapshot(folder)  # opening cleans up
        assert state in (before, after), f"trial {trial}: {state[0]} records"
        outcomes.append(state == after)
        assert not [p for p in os.listdir(folder) if p.endswith(".tmp")]
        m = json.loads((folder / MANIFEST).read_text())
        names = {e["file"] for e in m["incidents"]} | {m[k] for k in ("facilities", "population", "report")}
        assert {p.name for p in folder.glob("*.parquet")} == names  # no orphan left either
    assert not all(outcomes), "every kill came too late to test anything"


_LOOP_WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {tests!r})
    from test_store import synthetic
    from geodata.store import open_store
    s = open_store({store!r})
    for k in range(6):
        s.write_incidents(synthetic(3000, first="2025-0%d-01" % (k + 1), days=20, seed=k, prefix="w%d" % k))
""")


def test_readers_always_see_a_complete_store_while_a_writer_writes(store):
    base = len(store.incidents())
    allowed = {base + 3000 * k for k in range(7)}
    writer = _LOOP_WRITER.format(root=str(ROOT), tests=str(Path(__file__).parent), store=str(store.path))
    proc = subprocess.Popen([sys.executable, "-c", writer],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = set()
    reader = open_store(store.path)
    while proc.poll() is None:
        n = len(reader.incidents())
        assert n in allowed, n
        seen.add(n)
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert len(reader.incidents()) == base + 18000
    assert len(seen) >= 2  # the reads happened during the writes


_IMPORTER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from geodata.imports.ingest import import_incidents
    import_incidents({src!r}, {store!r})
""")


def test_two_importers_at_once_lose_nothing(store, tmp_path):
    srcs = []
    for k in range(2):
        path = tmp_path / f"in{k}.csv"
        path.write_text("date,title,city,state,source_url\n" + "".join(
            f"2026-02-{1 + i % 28:02d},Importer {k} event {i},Minneapolis,MN,https://e.org/{k}/{i}\n"
            for i in range(200)))
        srcs.append(path)
    code = [_IMPORTER.format(root=str(ROOT), src=str(p), store=str(store.path)) for p in srcs]
    procs = [subprocess.Popen([sys.executable, "-c", c], stderr=subprocess.PIPE) for c in code]
    for p in procs:
        assert p.wait() == 0, p.stderr.read().decode()
    titles = set(open_store(store.path).incidents()["title"])
    assert all(f"Importer {k} event {i}" in titles for k in range(2) for i in range(200))


def test_the_bundles_incidents_of_dates_and_categories_are_its_filters_rows_even_with_missing_values():
    import dataclasses

    from geodata.store.bundle import filter_frame

    store = BundleStore()
    whole = store.bundle()
    odd = whole.incidents.copy()
    odd.loc[odd.index[::7], "date_end"] = None  # no end: fits no range with a start (filter_incidents)
    odd.loc[odd.index[3::11], "date_start"] = None
    odd.loc[odd.index[5::13], "category"] = None
    odd = odd.set_axis([f"r{i}" for i in range(len(odd))])  # labels kept, not renumbered
    cats = sorted(set(whole.incidents["category"].dropna()))
    days = [None, dt.date(2014, 5, 2), dt.date(2024, 12, 31), dt.date(2025, 3, 7), dt.date(2025, 6, 5),
            dt.date(2026, 1, 31), dt.date(2030, 1, 1)]
    queries = [Query(start=a, end=b, categories=c) for a in days for b in days
               for c in (None, (), tuple(cats[:2]), ("protest",), tuple(cats) + ("nothing",))]
    for incidents in (whole.incidents, odd):
        store._bundle = dataclasses.replace(whole, incidents=incidents)
        for q in queries:
            for columns in (None, VIEW_COLUMNS):
                got = store.incidents(q, columns=columns)
                want = filter_frame(incidents, q)
                want = want if columns is None else want[[*columns, "geometry"]]
                pd.testing.assert_frame_equal(got, want)
                assert type(got) is type(want) and got.crs == want.crs

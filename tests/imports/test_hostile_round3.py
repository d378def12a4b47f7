"""The third round of hostile inputs and faults (issue 20): nothing lost, nothing leaked, nothing slow on
purpose, one clear line instead of a traceback.  Each test failed before its fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geodata.cli import main
from geodata.imports.ingest import load_store
from geodata.store import open_store

ROOT = Path(__file__).resolve().parents[2]
HEADER = "id,date,title,city,state,latitude,longitude,source_url\n"


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "store"
    assert main(["init", "--store", str(path)]) == 0
    return path


@pytest.fixture()
def store(seeded_store, tmp_path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(seeded_store, path)
    return path


def _csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _import(file: Path, store: Path, *extra: str) -> int:
    return main(["import", "incidents", str(file), "--store", str(store), "-q", *extra])


def _ids(store: Path) -> set[str]:
    return set(load_store(store)["id"])


# -- data loss --------------------------------------------------------------------------------------


def test_two_sources_with_one_file_name_keep_both_records(store, tmp_path, capsys):
    a = _csv(tmp_path / "reporter_a" / "incidents.csv",
             ["1,2026-01-05,Raid at a car wash,Denver,CO,39.74,-104.99,https://a.example/1"])
    b = _csv(tmp_path / "reporter_b" / "incidents.csv",
             ["1,2026-02-09,Checkpoint on the highway,Austin,TX,30.27,-97.74,https://b.example/1"])
    assert _import(a, store) == 0
    assert _import(b, store) == 0
    err = capsys.readouterr().err
    assert "1 rows: 1 stored (1 new, 0 updated" in err.splitlines()[-2] or "(1 new, 0 updated" in err
    assert "another file named incidents.csv" in err
    stored = load_store(store)
    titles = set(stored["title"])
    assert {"Raid at a car wash", "Checkpoint on the highway"} <= titles
    # Importing each again updates its own record only.
    assert _import(a, store) == 0 and _import(b, store) == 0
    assert len(load_store(store)) == len(stored)


def test_source_key_given_on_the_command_line_prefixes_the_ids(store, tmp_path):
    a = _csv(tmp_path / "incidents.csv", ["7,2026-01-05,Raid at a car wash,Denver,CO,39.74,-104.99,https://a.example/7"])
    assert _import(a, store, "--source-key", "mn-witness") == 0
    assert "mn-witness:7" in _ids(store)
    assert _import(a, store, "--source-key", "bad key:") == 2


@pytest.mark.parametrize("ids", [
    ["事件一", "事件二", "حادثة٤", "случай-3"],
    ["https://news.example.org/2026/01/05/immigration/agents-detain-workers-at-site-" + s for s in "abc"],
])
def test_distinct_source_ids_stay_distinct_records(store, tmp_path, capsys, ids):
    rows = [f'"{i}",2026-01-{5 + k:02d},Event {k} of a series,Denver,CO,39.7{k},-104.9{k},https://e.example/{k}'
            for k, i in enumerate(ids)]
    f = _csv(tmp_path / "ids.csv", rows)
    assert _import(f, store) == 0
    assert f"{len(ids)} stored ({len(ids)} new" in capsys.readouterr().err
    ours = {i for i in _ids(store) if i.startswith("ids-csv:")}
    assert len(ours) == len(ids)


def test_ids_an_earlier_version_gave_are_unchanged_for_latin_ids(store, tmp_path):
    f = _csv(tmp_path / "latin.csv", ['"Case 12",2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1'])
    assert _import(f, store) == 0
    assert "latin-csv:case-12" in _ids(store)


def _concurrent_geojson(tmp_path: Path, n: int = 1500) -> tuple[Path, list[subprocess.Popen]]:
    store = tmp_path / "store.geojson"
    procs = []
    for tag in "ab":
        day = "2025-06-01" if tag == "a" else "2025-07-01"
        rows = [f"{tag}{i},{day},{tag} event {i} at a workplace,Town{tag}{i},TX,{30 + i * 1e-3:.4f},"
                f"-97.5,https://example.org/{tag}/{i}" for i in range(n)]
        f = _csv(tmp_path / f"{tag}.csv", rows)
        procs.append(subprocess.Popen([sys.executable, "-m", "geodata", "import", "incidents", str(f), "--store",
                                       str(store), "-q"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}))
    return store, procs


def test_two_imports_into_one_geojson_store_at_once_keep_every_row(tmp_path):
    store, procs = _concurrent_geojson(tmp_path)
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert len(load_store(store)) == 3000


@pytest.mark.parametrize("where", ["manifest.json", "PARTITION", "new.csv"])
def test_rejects_file_inside_the_store_is_refused_before_anything_is_written(store, tmp_path, capsys, where):
    if where == "PARTITION":
        where = json.loads((store / "manifest.json").read_text())["incidents"][0]["file"]
    before = {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()}
    f = _csv(tmp_path / "x.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1", "2,nope,,,,,,"])
    assert _import(f, store, "--rejects", str(store / where)) == 2
    assert "inside the store" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()}
    assert after == before


def test_export_and_cache_inside_the_store_are_refused(store, tmp_path, capsys):
    manifest = (store / "manifest.json").read_bytes()
    assert main(["export", "--store", str(store), "-o", str(store / "manifest.json")]) == 2
    f = _csv(tmp_path / "x.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1"])
    assert _import(f, store, "--cache", str(store / "manifest.json")) == 2
    assert (store / "manifest.json").read_bytes() == manifest
    assert capsys.readouterr().err.count("inside the store") == 2
    open_store(store).incidents()  # still whole


def test_unwritable_rejects_file_stops_the_import_before_it_stores(store, tmp_path, capsys):
    f = _csv(tmp_path / "x.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1", "2,nope,,,,,,"])
    generation = open_store(store).generation()
    (tmp_path / "a-file").write_text("not a folder")
    # (Permissions are not used: the tests may run as root, who writes anywhere.)
    for rejects in (tmp_path / "a-file" / "r.csv", tmp_path):
        assert _import(f, store, "--rejects", str(rejects)) == 2
        assert "rejects file" in capsys.readouterr().err
    assert open_store(store).generation() == generation


# -- PostGIS: NUL bytes, roles, the importers' lock ----------------------------------------------------


def _login(postgis_cluster, pg_url, name: str, group: str) -> str:
    db = pg_url.rsplit("/", 1)[1]
    postgis_cluster.psql(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN "
                         f"CREATE ROLE {name} LOGIN IN ROLE {group}; END IF; END $$;", database=db)
    return postgis_cluster.url(user=name, database=db)


NUL_ROWS = ["1,2026-01-05,Raid\x00 at a car wash,Denver,CO,39.74,-104.99,https://e.example/1",
            "2,2026-01-06,Raid two,Den\x00ver,CO,39.74,-104.99,https://e.example/2",
            "3,bad\x00date,Raid three,Denver,CO,39.74,-104.99,https://e.example/3"]


def test_nul_bytes_are_stripped_and_every_row_accounted_for_on_both_stores(pg_store, store, tmp_path):
    from geodata.imports.ingest import import_incidents

    f = _csv(tmp_path / "nul.csv", NUL_ROWS)
    for target in (pg_store, store):
        result = import_incidents(f, target)
        assert (result.rows, result.stored, result.merged, result.rejected) == (3, 2, 0, 1)
        got = load_store(target)
        ours = got[got["id"].str.startswith("nul-csv:")]
        assert sorted(ours["title"]) == ["Raid at a car wash", "Raid two"]
        assert "\x00" not in "".join(ours["city"])
    assert pg_store.import_log()["rejected"].tolist()[-1] == 1


def test_reader_role_cannot_read_rejected_rows_or_block_imports(pg_store, postgis_cluster, pg_url, tmp_path):
    import psycopg

    from geodata.imports.ingest import import_incidents
    from geodata.store.postgis import LOCK_KEY

    import_incidents(_csv(tmp_path / "r.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1",
                                               "2,nope,At 4512 Elm Street,Denver,CO,,,"]), pg_store)
    reader_url = _login(postgis_cluster, pg_url, "h3_reader", "geodata_reader")
    with psycopg.connect(reader_url) as conn:
        assert conn.execute("SELECT rejected FROM import_log").fetchall() == [(1,)]  # counts: yes
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT rejects FROM import_log")
    with psycopg.connect(reader_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # the old lock: it no longer blocks anyone
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("LOCK TABLE import_lock IN EXCLUSIVE MODE")
        result = import_incidents(_csv(tmp_path / "s.csv", ["9,2026-01-07,Raid,Denver,CO,39.74,-104.99,"
                                                            "https://e.example/9"]), pg_store)
        assert result.new == 1


def test_import_waiting_for_a_lock_says_so_and_gives_up(pg_store, pg_url, tmp_path):
    import psycopg

    f = _csv(tmp_path / "w.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1"])
    with psycopg.connect(pg_url) as conn:
        conn.execute("LOCK TABLE import_lock IN EXCLUSIVE MODE")  # another import, stuck
        out = subprocess.run([sys.executable, "-m", "geodata", "import", "incidents", str(f), "--store", pg_url,
                              "-q"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "GEODATA_LOCK_TIMEOUT": "2"})
    assert out.returncode == 2, out.stderr
    assert "waiting for it (at most 2 s)" in out.stderr and "another import held the store for 2 s" in out.stderr
    assert "Traceback" not in out.stderr


def test_folder_store_import_waiting_for_the_lock_gives_up(store, tmp_path):
    import fcntl

    f = _csv(tmp_path / "w.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1"])
    with open(store / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        out = subprocess.run([sys.executable, "-m", "geodata", "import", "incidents", str(f), "--store", str(store),
                              "-q"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "GEODATA_LOCK_TIMEOUT": "1"})
    assert out.returncode == 2 and "another import held the store for 1 s" in out.stderr


def test_two_sources_with_one_file_name_on_postgis(pg_store, tmp_path):
    from geodata.imports.ingest import import_incidents

    a = _csv(tmp_path / "a" / "incidents.csv", ["1,2026-01-05,Raid at a car wash,Denver,CO,39.74,-104.99,"
                                                 "https://a.example/1"])
    b = _csv(tmp_path / "b" / "incidents.csv", ["1,2026-02-09,Checkpoint,Austin,TX,30.27,-97.74,https://b.example/1"])
    assert import_incidents(a, pg_store).new == 1
    second = import_incidents(b, pg_store)
    assert second.new == 1 and any("another file named" in w for w in second.warnings)
    assert import_incidents(b, pg_store).unchanged == 1


# -- privacy: house numbers in every text field and id ---------------------------------------------------

P_HEADER = "id,date,title,city,state,source_name,latitude,longitude,source_url\n"
P_ROW = "{id},2025-06-01,{title},{city},MN,{source_name},44.917623,-93.300412,https://example.org/{n}"
HOME_TEXTS = {
    "city": ["4512 Elm Street", "St. Paul (4512 Elm Street)"],
    "source_name": ["4512 Elm Street neighbour group"],
    "id": ["4512-elm-street-minneapolis"],
    "title": ["Arrested at ٤٥١٢ Elm Street", "Arrested at ４５１２ Elm Street", "Arrested at 𝟒𝟓𝟏𝟐 Elm Street",
              "Arrested on Elm Street 4512", "Detenido en Calle Olmo 4512", "Arrested at 45\u200d12 Elm Street",
              "Arrested at 4512½ Elm Street", "Agents at 4512 Elm",
              "At 4512 Elm agents waited"],
}


def _published(gdf) -> str:
    import folium

    from geodata.export.writers import to_csv, to_geojson
    from layers import incidents_layer

    m = folium.Map()
    incidents_layer(gdf).add_to(m)
    return to_geojson({"incidents": gdf}) + to_csv({"incidents": gdf}) + m.get_root().render()


@pytest.mark.parametrize("field,text", [(f, t) for f, texts in HOME_TEXTS.items() for t in texts])
def test_house_number_in_any_field_is_not_published(field, text):
    import unicodedata

    from geodata.imports.ingest import read_upload
    from geodata.pipeline.privacy import normalise

    values = {"id": "e1", "title": "Arrest", "city": "Minneapolis", "source_name": "Witness group", "n": 1}
    values[field] = f'"{text}"'
    gdf, _ = read_upload((P_HEADER + P_ROW.format(**values) + "\n").encode(), "mine.csv")
    out = _published(gdf)
    assert "4512" not in normalise(unicodedata.normalize("NFKC", out)), field
    assert "4512" not in normalise(" ".join(gdf["id"]))
    assert gdf["review"].notna().all() or field in ("source_name", "id")


def test_distinct_rows_with_address_ids_stay_distinct():
    from geodata.imports.ingest import read_upload

    rows = [P_ROW.format(id=i, title="Arrest", city="Minneapolis", source_name="W", n=k)
            for k, i in enumerate(["4512-elm-street-minneapolis", "4514-elm-street-minneapolis"])]
    gdf, _ = read_upload((P_HEADER + "\n".join(rows) + "\n").encode(), "mine.csv")
    assert len(gdf) == 2 and gdf["id"].nunique() == 2


@pytest.mark.parametrize("text", ["3 men on Lake Street", "Raid on Lake Street 2 arrests", "Route 66 detentions",
                                  "Calle 8 en Miami", "I-35 exit 200 checkpoint", "12 arrested on 5th Avenue",
                                  "At 300 People rallied", "Checkpoint at 1200 Hours"])
def test_texts_without_a_house_number_are_left_alone(text):
    from geodata.pipeline.privacy import has_street_address, without_house_numbers

    assert not has_street_address(text) and without_house_numbers(text) == text


# -- denial of service ------------------------------------------------------------------------------------


def _wide_xlsx(path: Path, n: int) -> Path:
    """A workbook whose header row is ``n`` equal cells (inline strings), one data row."""
    import zipfile

    from openpyxl import Workbook

    small = path.with_name("small.xlsx")
    wb = Workbook()
    wb.active.append(["date"])
    wb.save(small)
    header = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(n))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData><row r="1">{header}</row></sheetData></worksheet>')
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = sheet.encode() if item.filename == "xl/worksheets/sheet1.xml" else src.read(item.filename)
            out.writestr(item.filename, data)
    return path


def test_xlsx_with_a_huge_header_row_is_refused_before_parsing(tmp_path):
    import time

    from geodata import GeodataError
    from geodata.imports.ingest import read_upload

    path = _wide_xlsx(tmp_path / "wide.xlsx", 80_000)
    assert path.stat().st_size < 100_000
    t0 = time.perf_counter()
    with pytest.raises(GeodataError, match="columns; the limit is 200"):
        read_upload(path.read_bytes(), "wide.xlsx")
    assert time.perf_counter() - t0 < 10


@pytest.mark.parametrize("same", ["id", "event"])
def test_thousands_of_rows_of_one_record_merge_in_linear_time(tmp_path, same):
    import time

    from geodata.imports.ingest import import_incidents

    n = 6000
    rows = [(f"1,2025-06-01,One raid,Denver,CO,39.74,-104.99,https://e.example/{i}" if same == "id" else
             f"{i},2025-06-01,One raid,Denver,CO,39.74,-104.99,https://e.example/{i}") for i in range(n)]
    f = _csv(tmp_path / "one.csv", rows)
    import_incidents(_csv(tmp_path / "warm.csv", rows[:1]), tmp_path / "warm.geojson")  # the gazetteer, loaded
    t0 = time.process_time()  # CPU time: the machine may be shared
    result = import_incidents(f, tmp_path / "store.geojson")
    took = time.process_time() - t0
    assert (result.new, result.merged) == (1, n - 1)
    assert len(load_store(tmp_path / "store.geojson").iloc[0]["source_urls"].split()) == n
    assert took < 30, f"{n} rows of one record took {took:.0f} s"


# -- the app and secrets ------------------------------------------------------------------------------------


def test_folder_store_with_no_category_selected_is_zero_incidents(seeded_store):
    from geodata.view import View
    from geodata.view import frames as store_frames

    frames, _ = store_frames(open_store(seeded_store), View(categories=()))
    assert len(frames["incidents"]) == 0 and len(frames["facilities"]) > 0
    frames, _ = store_frames(open_store(seeded_store), View(aors=("ZZZ",)))
    assert len(frames["incidents"]) == 0


def test_app_on_a_folder_store_with_no_category_shows_zero(seeded_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ICE_MAP_STORE", str(seeded_store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["category"] = ""
    at.run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert at.session_state["map_points"].get("Incidents", 0) == 0


@pytest.mark.parametrize("url", ["postgresql://someone@127.0.0.1:1/db?password=s3cr3t-pw",
                                 "postgresql://someone:s3cr3t-pw@127.0.0.1:1/db?sslmode=disable"])
def test_postgres_password_is_never_shown(url, capsys, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    assert main(["export", "--store", url, "-o", str(tmp_path / "out.geojson")]) == 2
    err = capsys.readouterr().err
    assert "s3cr3t-pw" not in err and "someone@127.0.0.1" in err
    monkeypatch.setenv("ICE_MAP_STORE", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    shown = " ".join(e.value for e in at.error)
    assert shown and "s3cr3t-pw" not in shown


def test_upload_widget_accepts_gzipped_files_as_the_readme_says():
    import ast

    from geodata.imports.ingest import UPLOAD_SUFFIXES

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    (call,) = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "file_uploader"]
    types = ast.literal_eval(next(k.value for k in call.keywords if k.arg == "type"))
    assert "gz" in types and all(f".{t}" in UPLOAD_SUFFIXES for t in types)


def test_init_waiting_for_the_migration_lock_gives_up(pg_store, postgis_cluster, pg_url):
    import psycopg

    from geodata.store.postgis import LOCK_KEY

    reader_url = _login(postgis_cluster, pg_url, "h3_reader2", "geodata_reader")
    with psycopg.connect(reader_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # any role can take an advisory lock
        out = subprocess.run([sys.executable, "-m", "geodata", "init", "--store", pg_url], cwd=ROOT,
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "GEODATA_LOCK_TIMEOUT": "2"})
    assert out.returncode == 2 and "held the migration lock for 2 s" in out.stderr, out.stderr


def test_records_stored_under_ids_an_earlier_version_shortened_are_named_not_orphaned_silently(store, tmp_path,
                                                                                                 capsys):
    f = _csv(tmp_path / "ids.csv", ['"事件一",2026-01-05,Event of a series,Denver,CO,39.74,-104.99,https://e.example/1'])
    assert _import(f, store) == 0
    capsys.readouterr()
    s = open_store(store)
    old = s.incidents()
    old = old[old["id"].str.startswith("ids-csv:")].assign(id="ids-csv:x")  # as the earlier version stored it
    s.write_incidents(old)
    g = _csv(tmp_path / "again" / "ids.csv", ['"事件一",2026-01-05,Event of a series,Denver,CO,39.74,-104.99,'
                                              'https://e.example/1'])
    assert _import(g, store, "--source-key", "ids-csv") == 0
    assert "1 record(s) stored by an earlier version under shortened ids (such as ids-csv:x)" in capsys.readouterr().err


def test_an_output_beside_some_other_manifest_json_is_written(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text('{"name": "a web app"}')
    assert main(["export", "-o", str(tmp_path / "out.geojson"), "--layer", "incidents"]) == 0
    assert (tmp_path / "out.geojson").is_file()

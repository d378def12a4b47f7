"""The PostGIS store: the same results as the folder store, one transaction per import, roles that hold.

Every test gets a database of its own in the session's throw-away cluster
(``postgis_cluster`` in conftest.py: skipped with the reason where PostgreSQL or
PostGIS is missing, a failure in CI).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")

from geodata.core.report import GeodataError  # noqa: E402
from geodata.store import load_bundle, open_store  # noqa: E402
from geodata.view import View, query  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HEADER = "date,title,city,state,latitude,longitude,source_url,category\n"


def _cli(*args, env=None, check=True) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "geodata", *map(str, args)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={**os.environ, **(env or {})})
    if check and out.returncode != 0:
        raise AssertionError(f"geodata {' '.join(map(str, args))} exited {out.returncode}: {out.stderr}")
    return out


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _rows(n: int, tag: str, day: str = "2025-06-01") -> list[str]:
    # Distinct titles, places and sources: nothing here is the same event as anything else.
    # Every point inside Texas (a point outside its state would be rejected, and a complete import of
    # n rows would then store fewer than n).
    return [f"{day},{tag} event number {i} at a workplace,Town{tag}{i},TX,{30 + (i % 1000) * 1e-3:.4f},"
            f"{-97 - (i // 1000) * 1e-2:.4f},https://example.org/{tag}/{i},arrest" for i in range(n)]


def test_init_is_idempotent_and_versioned(pg_url):
    first = _cli("init", "--store", pg_url)
    again = _cli("init", "--store", pg_url)
    assert "migrat" in (first.stderr + again.stderr).lower()
    conn = psycopg.connect(pg_url)
    with conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        n = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
        gist = conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'incidents_geom_idx'").fetchone()[0]
        geom_type = conn.execute("SELECT type, srid FROM geometry_columns WHERE f_table_name = 'incidents'"
                                 ).fetchone()
    assert versions == sorted(set(versions)) and versions[0] == 1
    assert n == len(load_bundle().incidents)  # seeded once, not twice
    assert gist == 1 and geom_type == ("POINT", 4326)


def test_both_backends_give_the_same_export(pg_url, tmp_path):
    folder = tmp_path / "store"
    log = _csv(tmp_path / "log.csv", [
        "2025-06-02,Raid at a car wash,Minneapolis,MN,44.95,-93.25,https://example.org/a,arrest",
        "2025-06-02,Protest at the federal building,Minneapolis,MN,44.98,-93.27,https://example.org/b,protest",
        "2025-06-03,Raid at a car wash,Minneapolis,MN,,,https://example.org/c,arrest",
        "2025-06-04,\"A title with 'quotes', a comma and \"\"doubled\"\" quotes\",El Paso,TX,,,"
        "https://example.org/d,other",
        "2025-06-04,no source,El Paso,TX,,,,other",
    ])
    outputs = {}
    for name, target in (("folder", folder), ("postgis", pg_url)):
        _cli("init", "--store", target)
        imported = _cli("import", "incidents", log, "--store", target, "--rejects", tmp_path / f"{name}.rej.csv")
        assert "5 rows: 4 stored" in imported.stderr, imported.stderr
        for suffix in ("geojson", "csv"):
            out = tmp_path / f"{name}.{suffix}"
            _cli("export", "--store", target, "--start", "2025-01-01", "--end", "2026-12-31", "-o", out)
            outputs[name, suffix] = out.read_bytes()
            # Incidents alone: from Arrow columns in their order (geodata.export.OrderedTable), on both backends.
            _cli("export", "--store", target, "--layer", "incidents", "-o", out)
            outputs[name, suffix, "incidents"] = out.read_bytes()
    assert outputs["folder", "geojson"] == outputs["postgis", "geojson"]
    assert outputs["folder", "csv"] == outputs["postgis", "csv"]
    for suffix in ("geojson", "csv"):
        assert outputs["folder", suffix, "incidents"] == outputs["postgis", suffix, "incidents"]
        assert b"car wash" in outputs["postgis", suffix, "incidents"]
    assert b"doubled" in outputs["postgis", "csv"]


def test_query_is_the_views_rows_only(pg_store):
    bundle = load_bundle()
    view = View(start="2026-01-01", end="2026-01-31", categories=("shooting", "protest"))
    frames = query(pg_store, view)
    expected = bundle.incidents[(bundle.incidents["date_end"] >= "2026-01-01")
                                & (bundle.incidents["date_start"] <= "2026-01-31")
                                & bundle.incidents["category"].isin(["shooting", "protest"])]
    assert sorted(frames["incidents"]["id"]) == sorted(expected["id"])
    boxed = pg_store.incidents(__import__("geodata.store", fromlist=["Query"]).Query(bbox=(-94, 44, -93, 45.5)))
    assert len(boxed) and boxed.geometry.x.between(-94, -93).all() and boxed.geometry.y.between(44, 45.5).all()


def test_a_view_of_some_columns_agrees_with_the_whole_view(pg_store):
    from test_store import assert_columns_agree, synthetic

    pg_store.write_incidents(synthetic(3000, first="2024-01-01", days=800, seed=5))
    assert_columns_agree(pg_store)


def test_a_view_of_the_maps_columns_is_read_from_the_index(pg_store, pg_url):
    from test_store import synthetic

    from geodata.store import VIEW_COLUMNS, Query

    pg_store.write_incidents(synthetic(2000, first="2024-01-01", days=800, seed=6))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE incidents")  # what autovacuum does after a large write: pages all-visible
        # A table this small is read whole by choice; forbid that, so only the index can answer.
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        for q in (Query(start="2025-06-01", end="2025-08-29"), Query(start="2025-01-01"), Query(end="2024-02-01"),
                  Query(start="2024-05-01", end="2024-06-30", categories=("arrest",), bbox=(-110, 30, -90, 45))):
            sql, params = pg_store._incident_sql(q, VIEW_COLUMNS)
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql, params).fetchall())
            assert "Index Only Scan using incidents_view_idx" in plan, plan
        sql, params = pg_store._incident_sql(Query(start="2025-06-01"), [*VIEW_COLUMNS, "title"])
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql, params).fetchall())
        assert "Index Only Scan" not in plan  # the title is in the table only: the test can tell


def test_a_write_moves_the_generation_and_a_reader_sees_it(pg_store, pg_url):
    from test_store import synthetic

    from geodata.store import Bundle

    reader = open_store(pg_url, read_only=True)
    before = reader.metadata()["generation"]
    assert len(reader.facilities()) == len(load_bundle().facilities)  # read, and kept for the next view
    pg_store.write_incidents(synthetic(5, seed=7))
    assert reader.metadata()["generation"] == before + 1  # the app's caches are keyed by it
    bundle = load_bundle()
    pg_store.seed(Bundle(bundle.facilities.iloc[:10], bundle.incidents, bundle.report,
                         bundle.population.iloc[:100]))
    assert reader.metadata()["generation"] == before + 2
    assert reader.generation() == before + 2  # what the app asks each rerun, without counting the incidents
    assert reader.facilities()["id"].tolist() == bundle.facilities["id"].iloc[:10].tolist()
    assert len(reader.population()) == 100


def test_reimport_is_idempotent_and_logged(pg_store, tmp_path):
    from geodata.imports.ingest import import_incidents

    f = _csv(tmp_path / "a.csv", _rows(20, "A"))
    first = import_incidents(f, pg_store)
    second = import_incidents(f, pg_store)
    assert (first.new, first.merged, first.rejected) == (20, 0, 0)
    assert (second.new, second.unchanged, second.updated) == (0, 20, 0)
    assert pg_store.metadata()["incidents"] == len(load_bundle().incidents) + 20
    log = pg_store.import_log()
    assert log["file"].tolist() == ["a.csv", "a.csv"] and log["new"].tolist() == [20, 0]


def test_two_imports_at_once_both_land_with_their_accounting(pg_store, pg_url, tmp_path):
    # Different days: the two files hold no common event, so each stores all its rows.
    files = [_csv(tmp_path / f"{tag}.csv", _rows(400, tag, day)) for tag, day in (("P", "2025-06-01"),
                                                                                ("Q", "2025-06-08"))]
    procs = [subprocess.Popen([sys.executable, "-m", "geodata", "import", "incidents", str(f), "--store", pg_url,
                               "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True) for f in files]
    outs = [p.communicate(timeout=300)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    for out in outs:
        assert "400 rows: 400 stored (400 new" in out and "0 merged, 0 rejected" in out, out
    assert pg_store.metadata()["incidents"] == len(load_bundle().incidents) + 800
    assert sorted(pg_store.import_log()["file"]) == ["P.csv", "Q.csv"]
    # The rejects file of a database import goes beside the imported file, not into a folder named like the URL.
    assert (tmp_path / "P.rejects.csv").is_file() and not (ROOT / "postgresql:").exists()


def _fingerprint(url: str) -> tuple:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*), md5(coalesce(string_agg(id || source_urls, ',' ORDER BY id), '')) "
                            "FROM incidents").fetchone()


def test_an_import_killed_at_any_moment_leaves_the_database_as_it_was(pg_store, pg_url, tmp_path):
    big = _csv(tmp_path / "big.csv", _rows(30000, "K"))
    before = _fingerprint(pg_url)
    for delay in (0.5, 2.0, 4.0):
        proc = subprocess.Popen([sys.executable, "-m", "geodata", "import", "incidents", str(big), "--store", pg_url,
                                 "--quiet"], cwd=ROOT, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        # The server ends the killed client's transaction; wait for its session to go.
        for _ in range(100):
            with psycopg.connect(pg_url) as conn:
                busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'geodata' "
                                    "AND pid <> pg_backend_pid()").fetchone()[0]
            if not busy:
                break
            time.sleep(0.1)
        after = _fingerprint(pg_url)
        if after != before:  # it committed before the kill landed: then it is complete, never half
            assert after[0] == before[0] + 30000, (f"killed after {delay}s: half an import is in the database "
                                                   f"({before} -> {after}, exit {proc.returncode})")
            return
        assert proc.returncode != 0, "the import ended but stored nothing"


def test_the_read_only_role_cannot_write(pg_store, postgis_cluster, pg_url):
    db = pg_url.rsplit("/", 1)[1]
    postgis_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'map_app') THEN "
                         "CREATE ROLE map_app LOGIN IN ROLE geodata_reader; END IF; END $$;", database=db)
    reader = open_store(postgis_cluster.url(user="map_app", database=db))
    assert reader.metadata()["incidents"] == len(load_bundle().incidents)  # it may read
    batch = load_bundle().incidents.head(1).assign(title="changed")
    with pytest.raises(GeodataError, match="not allowed"):
        reader.write_incidents(batch)
    # Opened read-only (as the app opens it), even the owner cannot write.
    owner_ro = open_store(pg_url, read_only=True)
    with pytest.raises(GeodataError, match="read-only"):
        owner_ro.write_incidents(batch)
    with psycopg.connect(pg_url) as conn, conn.cursor() as cur:
        cur.execute("SET default_transaction_read_only = on")
    assert open_store(pg_url).incidents()["title"].ne("changed").all()


def test_the_importer_role_imports(pg_store, postgis_cluster, pg_url, tmp_path):
    from geodata.imports.ingest import import_incidents

    db = pg_url.rsplit("/", 1)[1]
    postgis_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'map_import') THEN "
                         "CREATE ROLE map_import LOGIN IN ROLE geodata_importer; END IF; END $$;", database=db)
    store = open_store(postgis_cluster.url(user="map_import", database=db))
    result = import_incidents(_csv(tmp_path / "i.csv", _rows(5, "I")), store)
    assert result.new == 5 and store.import_log()["imported_by"].tolist() == ["map_import"]


def test_hostile_values_are_stored_as_text(pg_store, tmp_path):
    from geodata.imports.ingest import import_incidents

    evil = "Robert'); DROP TABLE incidents; -- \"quoted\" \\ backslash"
    f = _csv(tmp_path / "evil.csv", [f"2025-06-05,\"{evil.replace(chr(34), chr(34) * 2)}\",Austin,TX,,,"
                                     "https://example.org/evil,other"])
    result = import_incidents(f, pg_store)
    assert result.new == 1
    titles = pg_store.incidents()["title"].tolist()
    assert evil in titles  # the whole text, as written, and the table is still there


def test_credentials_never_appear_in_messages(postgis_cluster):
    url = f"postgresql://someone:s3cr3t-pw@127.0.0.1:{postgis_cluster.port}/no_such_db"
    with pytest.raises(GeodataError) as err:
        open_store(url)
    assert "s3cr3t-pw" not in str(err.value) and "someone@127.0.0.1" in str(err.value)
    out = _cli("export", "--store", url, "-o", "/dev/null", check=False)
    assert out.returncode == 2 and "s3cr3t-pw" not in out.stderr and "Traceback" not in out.stderr


def test_a_database_without_a_store_says_so(pg_url):
    with pytest.raises(GeodataError, match="geodata init"):
        open_store(pg_url)

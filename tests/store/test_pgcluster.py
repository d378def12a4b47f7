"""The throw-away PostGIS server the shared-store tests run on starts, answers and stops."""

from __future__ import annotations


def test_cluster_has_postgis_and_answers(postgis_cluster):
    psycopg = __import__("pytest").importorskip("psycopg")
    with psycopg.connect(postgis_cluster.url()) as conn:
        version = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        point = conn.execute("SELECT ST_AsText(ST_SetSRID(ST_MakePoint(-93.26, 44.97), 4326))").fetchone()[0]
    assert version.startswith("3.")
    assert point == "POINT(-93.26 44.97)"
    assert postgis_cluster.folder.is_dir()

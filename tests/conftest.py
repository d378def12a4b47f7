"""Shared fixtures.

Tests that read the real public data in ``../shared/data`` use the ``shared_data``
fixture: where that folder is absent (a user's clone) they skip and say why; in CI
(``CI=true``) its absence is a failure, never a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("GEODATA_SHARED_DATA", ROOT.parent / "shared" / "data"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# An AppTest has no server to run the page on after an import (geodata/view/warm.py); the app servers
# the browser tests start warm as they ship (they are given their own ICE_MAP_ settings).
os.environ.setdefault("ICE_MAP_WARM_SECONDS", "0")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "INDEX.md").is_file():
        message = f"the shared public data folder is not at {SHARED_DATA} (set GEODATA_SHARED_DATA)"
        if IN_CI:
            pytest.fail(message + "; CI must have it")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def fy26(shared_data):
    from geodata import Report, read_ice_stats

    report = Report()
    gdf = read_ice_stats(shared_data / "ice-detention-stats" / "FY26_detentionStats_04092026.xlsx", report)
    return gdf, report


@pytest.fixture()
def tiny_facilities() -> gpd.GeoDataFrame:
    """Three facilities; one without a location."""
    from geodata.core.schema import CRS, FACILITY_COLUMNS

    rows = [
        dict(id="fac-tx-a", name="ALPHA PROCESSING CENTER", city="EL PASO", state="TX", zip="79936", adp=100.5,
             location_precision="zip", location_method="centroid of ZIP 79936", source_urls="https://example.org/a"),
        dict(id="fac-mn-b", name="BRAVO COUNTY JAIL", city="ELK RIVER", state="MN", zip="55330", adp=3.0,
             location_precision="zip", location_method="centroid of ZIP 55330", source_urls="https://example.org/b"),
        dict(id="fac-fl-c", name="CHARLIE CAMP", city="FPO", state="FL", zip="34009", adp=14.5,
             location_precision=None, location_method="not placed", source_urls="https://example.org/c"),
    ]
    geoms = [Point(-106.3016, 31.7677), Point(-93.57, 45.30), None]
    return gpd.GeoDataFrame(rows, columns=list(FACILITY_COLUMNS), geometry=geoms, crs=CRS)


def make_incident(id, date, precision="day", category="arrest", lon=-93.2650, lat=44.9778, **extra):
    from geodata.core.dates import parse_partial_date

    when = parse_partial_date(date, precision)
    rec = dict(
        id=id, category=category, title=extra.pop("title", f"Incident {id}"), date=when.text,
        date_precision=when.precision, date_start=when.start.isoformat(), date_end=when.end.isoformat(),
        place="Minneapolis, MN", city="Minneapolis", state="MN", location_precision="city",
        location_method="centre of the ZIP areas of Minneapolis, MN", description="", source_name="Test",
        source_urls="https://example.org/source", verification="news_report",
    )
    rec.update(extra)
    return rec, Point(lon, lat)


@pytest.fixture()
def tiny_incidents() -> gpd.GeoDataFrame:
    from geodata.core.schema import CRS, INCIDENT_COLUMNS

    items = [
        make_incident("i-2025", "2025", "year", "other"),
        make_incident("i-2026-01", "2026-01", "month", "deployment"),
        make_incident("i-0107", "2026-01-07", category="shooting"),
        make_incident("i-0118", "2026-01-18", category="protest"),
        make_incident("i-0131", "2026-01-31", category="arrest"),
        make_incident("i-0201", "2026-02-01", category="death_in_custody"),
    ]
    rows, geoms = zip(*items)
    return gpd.GeoDataFrame(list(rows), columns=list(INCIDENT_COLUMNS), geometry=list(geoms), crs=CRS)


@pytest.fixture(scope="session")
def postgis_cluster():
    """A throw-away PostgreSQL + PostGIS server for this test session (see tests/pgcluster.py):
    started on a free port under a temporary folder, stopped and removed at the end.  Where
    PostgreSQL or PostGIS is missing the tests that use it skip and say why; in CI they fail."""
    from pgcluster import start_cluster, why_unavailable

    reason = why_unavailable()
    if reason:
        if IN_CI:
            pytest.fail(reason + "; CI must have it (scripts/test.sh installs it)")
        pytest.skip(reason)
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture()
def pg_database(postgis_cluster):
    """A new database with PostGIS on the session's cluster, dropped after the test: ``(url, name)``."""
    import uuid

    name = f"t_{uuid.uuid4().hex[:10]}"
    postgis_cluster.psql(f"CREATE DATABASE {name}", database="postgres")
    postgis_cluster.psql("CREATE EXTENSION postgis", database=name)
    yield postgis_cluster.url(database=name), name
    postgis_cluster.psql(f"DROP DATABASE {name} WITH (FORCE)", database="postgres")


@pytest.fixture()
def pg_url(pg_database):
    """The URL of :func:`pg_database`."""
    return pg_database[0]


@pytest.fixture()
def pg_store(pg_url):
    """A PostGIS store in :func:`pg_database`, seeded with the bundled data."""
    from geodata.store import load_bundle, open_store

    store = open_store(pg_url, create=True)
    store.seed(load_bundle())
    return store


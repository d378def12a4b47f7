"""Hand-written fact tables: a row without a source, or with a bad value, is not kept."""

from __future__ import annotations

import csv

from geodata import Report, read_curated_events
from geodata.pipeline.curated import CURATED_COLUMNS


def _write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CURATED_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in CURATED_COLUMNS})
    return path


BASE = dict(category="protest", title="March", date="2026-01-18", date_precision="day", city="Minneapolis",
            state="MN", source_name="Paper", source_urls="https://example.org/a", verification="news_report")


def test_rows_without_source_or_with_bad_values_are_reported(tmp_path, tiny_facilities):
    path = _write(tmp_path / "e.csv", [
        dict(BASE, id="ok"),
        dict(BASE, id="nosource", source_urls=""),
        dict(BASE, id="badcat", category="parade"),
        dict(BASE, id="baddate", date="2026-02-30"),
        dict(BASE, id="notweb", source_urls="ftp://example.org/x"),
    ])
    report = Report()
    gdf = read_curated_events(path, tiny_facilities, report)
    assert list(gdf["id"]) == ["ok"]
    reasons = {r["record"]: r["reason"] for r in report.of("rejected")}
    assert set(reasons) == {"nosource", "badcat", "baddate", "notweb"}
    assert "no source URL" in reasons["nosource"]


def test_precision_cap_and_facility_join(tmp_path, tiny_facilities):
    path = _write(tmp_path / "e.csv", [
        dict(BASE, id="state-only", location_precision="state"),
        dict(BASE, id="at-facility", facility="Alpha Processing Center", city="El Paso", state="TX"),
        dict(BASE, id="unknown-facility", facility="Zulu Camp", city="El Paso", state="TX"),
        dict(BASE, id="month", date="2026-01", date_precision="month"),
    ])
    report = Report()
    gdf = read_curated_events(path, tiny_facilities, report).set_index("id")
    assert gdf.loc["state-only", "location_precision"] == "state"
    assert gdf.loc["at-facility", "facility_id"] == "fac-tx-a"
    assert gdf.loc["at-facility"].geometry.equals(tiny_facilities.geometry.iloc[0])
    assert gdf.loc["unknown-facility", "location_precision"] == "city"
    assert [r["record"] for r in report.of("unmatched")] == ["unknown-facility"]
    assert (gdf.loc["month", "date_start"], gdf.loc["month", "date_end"]) == ("2026-01-01", "2026-01-31")

"""Importing other people's incident tables: nothing lost, duplicates merged, homes protected."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from geodata import GeodataError, Report, load_bundle
from geodata.cli import main
from geodata.imports.ingest import import_incidents, load_store
from geodata.pipeline.incidents_import import Mapping, map_incidents
from geodata.pipeline.tables import read_table

ROOT = Path(__file__).resolve().parents[2]
KEVIN = "incidents-2025-2026-kevinnbass"
KEVIN_FILES = ["tier1_deaths_in_custody.json", "tier2_shootings.json", "tier2_less_lethal.json",
               "tier3_incidents.json", "tier4_incidents.json"]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
        w.writeheader()
        w.writerows(rows)
    return path


BASE = {"date": "2026-01-07", "title": "Arrest outside a school", "city": "Minneapolis", "state": "MN",
        "type": "arrest", "source_url": "https://example.org/a"}


def test_common_names_recognised_and_each_row_accounted(tmp_path):
    rows = [
        dict(BASE),
        dict(BASE, date="1/9/2026", title="Second", source_url="https://example.org/b"),
        dict(BASE, date="Oct-25", title="Month only", source_url="https://example.org/c"),
        dict(BASE, date="2025", title="Year only", source_url="https://example.org/d"),
        dict(BASE, date="soon", title="Bad date", source_url="https://example.org/e"),
        dict(BASE, title="No source", source_url=""),
        dict(BASE, title="Nowhere", city="Atlantis", state="", source_url="https://example.org/f"),
    ]
    table = read_table(write_csv(tmp_path / "in.csv", rows))
    gdf, rejects = map_incidents(table)
    assert len(gdf) + len(rejects) == len(rows)
    assert gdf["date"].tolist() == ["2026-01-07", "2026-01-09", "2025-10", "2025"]
    assert gdf["date_precision"].tolist() == ["day", "day", "month", "year"]
    assert gdf["location_method"].str.startswith("gazetteer: ").all()  # the provider that placed it
    reasons = rejects["reason"].tolist()
    assert reasons[0].startswith("bad or missing date") and "no source URL" in reasons[1]
    assert reasons[2].startswith("no place found")
    assert rejects["title"].tolist() == ["Bad date", "No source", "Nowhere"]  # the original row is kept


def test_day_first_when_the_mapping_says_so(tmp_path):
    table = read_table(write_csv(tmp_path / "in.csv", [dict(BASE, date="3/4/2025")]))
    assert map_incidents(table)[0]["date"].tolist() == ["2025-03-04"]
    assert map_incidents(table, Mapping(day_first=True))[0]["date"].tolist() == ["2025-04-03"]


def test_mapping_file_and_overrides(tmp_path):
    toml = tmp_path / "m.toml"
    toml.write_text('source_key = "mine"\n[columns]\ntitle = "headline"\n[categories]\n"grab" = "arrest"\n'
                    '[defaults]\nstate = "MN"\n')
    rows = [{"when": "2026-01-07", "headline": "Grabbed", "town": "Minneapolis", "kind": "grab",
             "link": "https://example.org/x"}]
    table = read_table(write_csv(tmp_path / "in.csv", rows))
    gdf, _ = map_incidents(table, Mapping.load(toml, ["date=when"]))
    assert gdf.iloc[0][["title", "category", "state"]].tolist() == ["Grabbed", "arrest", "MN"]
    assert gdf.iloc[0]["id"].startswith("mine:")
    with pytest.raises(GeodataError, match="not in the file: missing_column"):
        map_incidents(table, Mapping.load(None, ["date=missing_column"]))
    with pytest.raises(GeodataError, match="unknown field"):
        Mapping.load(None, ["colour=kind"])


def test_bad_coordinates_rejected_and_swaps_corrected(tmp_path):
    rows = [
        dict(BASE, latitude="-93.2650", longitude="44.9778", title="Swapped", public_place="yes"),
        dict(BASE, latitude="0", longitude="0", title="Null island", source_url="https://e.org/0"),
        dict(BASE, latitude="34.05", longitude="-118.24", title="Los Angeles, said MN", source_url="https://e.org/1"),
    ]
    report = Report()
    gdf, rejects = map_incidents(read_table(write_csv(tmp_path / "in.csv", rows)), report=report)
    assert gdf["title"].tolist() == ["Swapped"]
    assert (gdf.geometry.x.iloc[0], gdf.geometry.y.iloc[0]) == (-93.265, 44.9778)
    assert any("swapped" in r["reason"] for r in report.of("note"))
    assert ["(0, 0)" in rejects["reason"].iloc[0], "outside" in rejects["reason"].iloc[1]] == [True, True]


def test_street_points_are_generalised_unless_public(tmp_path):
    rows = [
        dict(BASE, latitude="44.9778", longitude="-93.2650", title="At a home"),
        dict(BASE, latitude="44.9778", longitude="-93.2650", title="At the courthouse", public_place="yes",
             source_url="https://example.org/z"),
    ]
    gdf, _ = map_incidents(read_table(write_csv(tmp_path / "in.csv", rows)))
    home, court = gdf.iloc[0], gdf.iloc[1]
    assert home["location_precision"] == "block"
    assert (home.geometry.x, home.geometry.y) != (-93.265, 44.9778)
    assert abs(home.geometry.x + 93.265) < 0.02 and abs(home.geometry.y - 44.9778) < 0.02
    assert court["location_precision"] == "address"
    assert (court.geometry.x, court.geometry.y) == (-93.265, 44.9778)


def test_import_is_idempotent_and_updates_changed_rows(tmp_path):
    src, store = tmp_path / "in.csv", tmp_path / "store.geojson"
    rows = [dict(BASE, id="a"), dict(BASE, id="b", title="Other", date="2026-01-08", source_url="https://e.org/b")]
    write_csv(src, rows)
    first = import_incidents(src, store)
    assert (first.new, first.merged, first.rejected) == (2, 0, 0)
    before = store.read_bytes()
    again = import_incidents(src, store)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    assert store.read_bytes() == before
    write_csv(src, [dict(rows[0], title="Arrest outside a school, corrected"), rows[1]])
    third = import_incidents(src, store)
    assert (third.new, third.updated, third.unchanged) == (0, 1, 1)
    assert "corrected" in load_store(store).set_index("id").loc["in-csv:a", "title"]


def test_same_event_twice_becomes_one_record_with_both_sources(tmp_path):
    src, store = tmp_path / "in.csv", tmp_path / "store.geojson"
    write_csv(src, [
        dict(BASE, title="Alex Pretti shot", person="Alex Pretti", type="shooting", source_url="https://a.org/1"),
        dict(BASE, title="Man killed by agents", person="Alex Jeffrey Pretti", type="shooting",
             source_url="https://b.org/2"),
        dict(BASE, title="Officer hurt", person="SF Officer #1", source_url="https://c.org/3"),
        dict(BASE, title="Officer hurt", person="SF Officer #2", source_url="https://c.org/3"),
    ])
    result = import_incidents(src, store)
    assert (result.new, result.merged) == (3, 1)
    kept = load_store(store)
    pretti = kept[kept["person"] == "Alex Pretti"].iloc[0]
    assert pretti["source_urls"].split() == ["https://a.org/1", "https://b.org/2"]


def test_kevinnbass_fixture_overlaps_and_duplicates(shared_data, tmp_path):
    store = tmp_path / "store.geojson"
    facilities = load_bundle().facilities
    mapping = Mapping.load(ROOT / "mappings" / "kevinnbass.toml")
    total = {"rows": 0, "stored": 0, "merged": 0, "rejected": 0}
    for name in KEVIN_FILES:
        r = import_incidents(shared_data / KEVIN / name, store, mapping=mapping, facilities=facilities)
        for k in total:
            total[k] += getattr(r, k)
        assert r.stored + r.merged + r.rejected == r.rows
    assert total["rows"] == 399
    kept = load_store(store)
    assert len(kept) == total["stored"]
    # Alex Pretti is listed three times (two spellings, two files): one record remains.
    pretti = kept[kept["person"].str.contains("Pretti", na=False) & (kept["date"] == "2026-01-24")]
    assert len(pretti) == 1
    assert pretti.iloc[0]["state"] == "MN" and pretti.iloc[0]["category"] == "shooting"
    assert len(pretti.iloc[0]["source_urls"].split()) >= 2  # the sources of all three listings
    # A date known only as "2025" spans the year.
    assert ((kept["date"] == "2025") & (kept["date_precision"] == "year")).any()
    assert kept["verification"].eq("unverified").all()
    # Camp East Montana deaths are drawn at the facility of the bundle.
    camp = kept[kept["facility_id"] == "fac-tx-ero-el-paso-camp-east-montana"]
    assert {"2026-01-03", "2026-01-14"} <= set(camp["date"])


def test_mn_witness_fixture_with_its_mapping(shared_data, tmp_path):
    store = tmp_path / "mn.geojson"
    path = shared_data / "mn-ice-witness" / "incidents-summary.json"
    bare = import_incidents(path, store)
    # Without a mapping no row has a source URL: every row is rejected, none silently.
    assert (bare.rejected, bare.stored) == (153, 0)
    r = import_incidents(path, store, mapping=Mapping.load(ROOT / "mappings" / "mn-ice-witness.toml"))
    assert r.stored + r.merged + r.rejected == 153
    kept = load_store(store)
    assert (kept["state"] == "MN").all()
    assert kept["location_precision"].isin(["city", "state"]).all()
    assert (kept["location_precision"] == "city").mean() > 0.9


def test_cli_prints_the_three_counts_and_writes_rejects(tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [dict(BASE), dict(BASE, title="x", source_url="")])
    store = tmp_path / "s.geojson"
    assert main(["import", "incidents", str(src), "--store", str(store), "-q"]) == 0
    err = capsys.readouterr().err
    assert "2 rows: 1 stored (1 new, 0 updated, 0 unchanged), 0 merged, 1 rejected" in err
    rejects = list(csv.DictReader(open(tmp_path / "s.rejects.csv")))
    assert [r["title"] for r in rejects] == ["x"] and "no source URL" in rejects[0]["reason"]
    fc = json.loads(store.read_text())
    assert len(fc["features"]) == 1


def test_cli_bad_mapping_is_one_clear_error(tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [dict(BASE)])
    status = main(["import", "incidents", str(src), "--store", str(tmp_path / "s.geojson"), "--map", "nonsense"])
    assert status == 2
    assert capsys.readouterr().err.startswith("geodata: error: --map needs field=column")


def test_upload_is_mapped_and_errors_are_clear():
    from geodata.imports.ingest import read_upload

    data = b"date,title,city,state,source_url\n2026-01-07,My event,Minneapolis,MN,https://e.org/a\nsoon,x,,,\n"
    gdf, rejects = read_upload(data, "mine.csv")
    assert gdf["title"].tolist() == ["My event"] and len(rejects) == 1
    with pytest.raises(GeodataError, match="limit is"):
        read_upload(b"x" * 100, "big.csv", max_bytes=10)
    with pytest.raises(GeodataError, match="use CSV"):
        read_upload(b"x", "map.shp")
    with pytest.raises(GeodataError, match="no row of bad.csv could be shown"):
        read_upload(b"date,title\nsoon,x\n", "bad.csv")
    with pytest.raises(GeodataError, match="not valid JSON"):
        read_upload(b"[{", "broken.json")


def test_each_distinct_place_is_geocoded_once(tmp_path):
    from geodata.geography.geocode import GazetteerProvider, Geocoder

    class Counting(GazetteerProvider):
        asked: list = []

        def geocode(self, query):
            self.asked.append(query)
            return super().geocode(query)

    provider = Counting()
    cities = ["Minneapolis", "Saint Paul", "Duluth"]
    rows = [dict(BASE, title=f"Event {k}", city=cities[k % 3], source_url=f"https://e.org/{k}") for k in range(300)]
    gdf, rejects = map_incidents(read_table(write_csv(tmp_path / "in.csv", rows)), geocoder=Geocoder([provider]))
    assert len(gdf) == 300 and rejects.empty
    assert len(provider.asked) == 3
    assert gdf.groupby("city")["location_precision"].first().eq("city").all()


def test_a_table_mapped_in_chunks_is_mapped_as_a_whole(tmp_path, monkeypatch):
    import geodata.pipeline.incidents_import as importer

    rows = [dict(BASE, title=f"Event {k}", source_url=f"https://e.org/{k}" if k % 7 else "",
                 date="soon" if k % 11 == 0 else "2026-01-07") for k in range(60)]
    table = read_table(write_csv(tmp_path / "in.csv", rows))
    whole_report, chunked_report = Report(), Report()
    whole, whole_rejects = map_incidents(table, report=whole_report)
    monkeypatch.setattr(importer, "_CHUNK", 8)
    chunked, chunked_rejects = map_incidents(table, report=chunked_report)
    assert chunked.drop(columns="geometry").fillna("").equals(whole.drop(columns="geometry").fillna(""))
    assert chunked.geometry.equals(whole.geometry)
    assert chunked_rejects["_row"].tolist() == whole_rejects["_row"].tolist()
    assert chunked_report.rows == whole_report.rows and len(whole_rejects) == 14

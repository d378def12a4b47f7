"""Facility reference tables: reading each shape with its quirks, checking points, matching FY26 facilities."""

from __future__ import annotations

import csv
import json
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geodata import GeodataError, Report
from geodata.core.schema import CRS, FACILITY_COLUMNS
from geodata.geography.match import FacilityMatcher
from geodata.pipeline.reference import (
    apply_reference,
    check_coordinates,
    match_reference,
    read_facility_reference,
    reference_codes,
    write_rejects,
)

FILES = {
    "marshall": "marshall-project/locations.csv",
    "uwchr": "uwchr/facilities_geocoded_2017plus.psv.gz",
    "carwilb": "carwilb-ice-detention/facilities-geocoded-all.csv",
    "ddp": "deportation-data-project/facility-locations-oct2025.tsv",
}


@pytest.fixture(scope="module")
def refs(shared_data):
    out = {}
    for key, rel in FILES.items():
        report = Report()
        out[key] = (read_facility_reference(shared_data / rel, report), report)
    return out


@pytest.fixture(scope="module")
def matches(refs, fy26):
    facilities, _ = fy26
    out = {}
    for key, (ref, _) in refs.items():
        report = Report()
        out[key] = (match_reference(facilities, ref, report), report)
    return out


def _reasons(report, action):
    return [r["reason"] for r in report.of(action)]


# -- reading ---------------------------------------------------------------


@pytest.mark.parametrize("key, rows, no_coords", [
    # marshall-project/SOURCE.md says 1,478 facilities; the file holds 1,479 records
    # (1,476 with a DETLOC and the 3 trailing rows without one).
    ("marshall", 1479, 7), ("uwchr", 1532, 10), ("carwilb", 962, 12), ("ddp", 34, 2),
])
def test_every_row_kept_or_rejected_with_its_reason(refs, key, rows, no_coords):
    ref, report = refs[key]
    rejects = ref.attrs["rejects"]
    assert ref.attrs["rows_read"] == rows
    assert len(ref) + len(rejects) == rows
    assert len(report.of("rejected")) == len(rejects)
    assert _reasons(report, "rejected").count("no coordinates") == no_coords
    assert all(r["_reason"] for r in rejects)
    # Kept rows: a point on the globe, a name, a 5-digit ZIP or none, a known precision.
    assert ref.geometry.notna().all() and ref["lat"].between(-90, 90).all() and ref["lon"].between(-180, 180).all()
    assert ref["name"].notna().all()
    assert ref["zip"].dropna().str.fullmatch(r"\d{5}").all()
    assert set(ref["precision"]) <= {"address", "city"}
    assert ref["row"].is_unique and ref.crs == CRS
    # "NA" is a missing value, never a city or a code.
    for col in ("code", "name", "address", "city", "state", "zip"):
        assert not ref[col].isin(["NA", ""]).any(), col


def test_marshall_bare_cr_bad_byte_and_short_zips(refs):
    ref, report = refs["marshall"]
    assert any("not UTF-8" in r for r in _reasons(report, "note"))  # the line with a bad byte is named
    by_code = ref.set_index("code")
    assert by_code.loc["RICRANS", "zip"] == "02920"  # written 2920
    assert by_code.loc["AGC", "zip"] == "00603"  # Puerto Rico, written 603
    # Quoted addresses with a bare CR inside stay one row, on one line.
    assert by_code.loc["BOPBMA", "address"] == "5560 KNAUTH ROAD BEAUMONT, TX 77705"
    assert not ref["address"].dropna().str.contains("\r").any()
    # The three trailing rows put the state in the County column, once misspelt.
    tail = ref[ref["code"].isna()].set_index("name")["state"].to_dict()
    assert tail == {"FORT CHAFFEE": "AR", "FORT ALLEN": "PR", "BROOKLYN SERVICE PROCESSING CENTER": "NY"}
    # A point in Indiana for a jail said to be in Idaho is left out.
    assert "CLARKID" not in by_code.index
    assert any(r["_row"] and r["DETLOC"] == "CLARKID" and "outside the stated state ID" in r["_reason"]
               for r in ref.attrs["rejects"])


def test_uwchr_gzip_pipes_and_na(refs):
    ref, report = refs["uwchr"]
    by_code = ref.set_index("code")
    assert by_code.loc["MLJHOLD", "zip"] == "08054"
    assert pd.isna(by_code.loc["NIXHCTX", "zip"])  # '782390' is no ZIP
    assert any("782390" in r for r in _reasons(report, "note"))
    # Google's APPROXIMATE answers (202) are a town, not a building.
    assert (ref["precision"] == "city").sum() == 202
    assert ref.attrs["source_url"] == "https://github.com/UWCHR/ice-facilities"


def test_carwilb_and_ddp_shapes(refs):
    carwilb, report = refs["carwilb"]
    camp = carwilb[carwilb["name"] == "Camp East Montana"].iloc[0]
    assert (camp["lat"], camp["lon"]) == (31.812729, -106.298333)
    assert camp["zip"] == "79936" and camp["state"] == "TX"
    assert any("'Cuba' is not a US state" in r for r in _reasons(report, "note"))
    ddp, _ = refs["ddp"]
    assert ddp["code"].str.fullmatch(r"[A-Z]+").all()
    assert "two jailed named Lee County Jails in FL" in set(ddp["note"].dropna())
    assert {r["detention_facility_code"] for r in ddp.attrs["rejects"]} == {"TNGLPOE", "TRYOSCA"}


def test_a_table_without_coordinates_is_refused(tmp_path):
    path = tmp_path / "no-coords.csv"
    path.write_text("name,city,state\nA JAIL,X,TX\n")
    with pytest.raises(GeodataError, match="no lat, lon column"):
        read_facility_reference(path)
    with pytest.raises(GeodataError, match="no such file"):
        read_facility_reference(tmp_path / "missing.csv")


# -- coordinates -----------------------------------------------------------


@pytest.mark.parametrize("lat, lon, state, status, expected", [
    (31.8127, -106.2983, "TX", "ok", (31.8127, -106.2983)),
    (-106.2983, 31.8127, "TX", "corrected", (31.8127, -106.2983)),  # swapped
    (31.8127, 106.2983, "TX", "corrected", (31.8127, -106.2983)),  # minus sign lost
    (0, 0, "TX", "rejected", None),
    (95.0, 200.0, "TX", "rejected", None),  # off the globe, and swapping does not help
    (39.7602, -84.1798, "AL", "rejected", None),  # Dayton, Ohio, said to be in Alabama
    (None, -84.1, "OH", "rejected", None),
    ("NA", "NA", "OH", "rejected", None),
    (float("nan"), -84.1, "OH", "rejected", None),
    (13.4757, 144.7506, "GU", "ok", (13.4757, 144.7506)),  # Guam is east of 180
    (19.9, -75.1, None, "ok", (19.9, -75.1)),  # Guantanamo: no US state to check against
    (-106.2983, 31.8127, None, "corrected", (31.8127, -106.2983)),  # off the globe as given
])
def test_check_coordinates(lat, lon, state, status, expected):
    chk = check_coordinates(lat, lon, state)
    assert chk.status == status
    if expected is None:
        assert chk.lat is None and chk.reason
    else:
        assert (chk.lat, chk.lon) == pytest.approx(expected)
    if status == "corrected":
        assert "swapped" in chk.reason or "minus sign" in chk.reason


def test_bad_points_in_a_file_are_rejected_or_corrected_with_their_row(tmp_path):
    path = tmp_path / "ref.tsv"
    path.write_text(
        "detention_facility_code\tdetention_facility_name\tlatitude\tlongitude\tcity\tstate\n"
        "GOODTX\tGOOD JAIL\t31.81\t-106.29\tEl Paso\tTX\n"
        "SWAPTX\tSWAPPED JAIL\t-106.29\t31.81\tEl Paso\tTX\n"
        "ZEROTX\tZERO JAIL\t0\t0\tEl Paso\tTX\n"
        "OHIOTX\tOHIO JAIL\t39.76\t-84.18\tDayton\tTX\n"
        "NONETX\tNO POINT JAIL\t\t\tEl Paso\tTX\n"
    )
    report = Report()
    ref = read_facility_reference(path, report)
    assert list(ref["code"]) == ["GOODTX", "SWAPTX"]
    assert ref.iloc[1].geometry.equals(Point(-106.29, 31.81))
    assert [r["record"] for r in report.of("corrected")] == ["row 2: SWAPTX SWAPPED JAIL"]
    rejected = {r["_row"]: r["_reason"] for r in ref.attrs["rejects"]}
    assert set(rejected) == {3, 4, 5}
    assert "(0, 0)" in rejected[3] and "outside the stated state TX" in rejected[4]
    out = pd.read_csv(write_rejects(ref, tmp_path / "rejects.csv"), dtype=str, keep_default_na=False)
    assert list(out["detention_facility_code"]) == ["ZEROTX", "OHIOTX", "NONETX"]  # the original rows
    assert list(out.columns[:2]) == ["_row", "_reason"]


# -- matching --------------------------------------------------------------


@pytest.mark.parametrize("key, at_least", [("marshall", 140), ("uwchr", 150), ("carwilb", 190), ("ddp", 3)])
def test_each_fy26_facility_matched_or_reported(matches, refs, fy26, key, at_least):
    facilities, _ = fy26
    table, report = matches[key]
    ref, _ = refs[key]
    assert list(table["facility_id"]) == list(facilities["id"])
    counts = table["status"].value_counts()
    assert counts.get("matched", 0) >= at_least
    assert set(table["status"]) <= {"matched", "unmatched", "ambiguous"}
    # Every facility left unmatched and every ambiguous one is reported, with a reason.
    for status in ("unmatched", "ambiguous"):
        reported = {r["record"] for r in report.of(status)}
        assert reported == set(table.loc[table["status"] == status, "facility_id"])
    assert all(report_row["reason"] for report_row in report.rows)
    # One reference row serves one facility at most; every other row is reported unused.
    used = table.loc[table["status"] == "matched", "ref_row"]
    assert used.is_unique
    assert len(report.of("unused")) == len(ref) - len(used)


def test_camp_east_montana_matches_carwilb_and_moves_to_its_point(matches, refs, fy26):
    facilities, _ = fy26
    table, _ = matches["carwilb"]
    camp = table.set_index("facility_id").loc["fac-tx-ero-el-paso-camp-east-montana"]
    assert camp["status"] == "matched" and camp["ref_name"] == "Camp East Montana"
    moved = apply_reference(facilities, refs["carwilb"][0], Report(), matches=table)
    row = moved.set_index("id").loc["fac-tx-ero-el-paso-camp-east-montana"]
    assert (row.geometry.x, row.geometry.y) == (-106.298333, 31.812729)
    # Matched by name (and city) alone: the point moves, its precision stays the ZIP's (issue 18).
    assert row["location_precision"] == "zip" and "a name is not a street address" in row["location_method"]
    assert "Camp East Montana" in row["location_method"] and "CarwilB" in row["location_method"]
    assert row["source_urls"].split() == ["https://www.ice.gov/detain/detention-management",
                                          "https://github.com/CarwilB/ice-detention"]
    # Unmatched facilities keep their ZIP centroid; the layer keeps its shape.
    assert list(moved.columns) == list(facilities.columns) and len(moved) == len(facilities)
    kept = table.loc[table["status"] != "matched", "facility_id"]
    before = facilities.set_index("id").loc[kept]
    after = moved.set_index("id").loc[kept]
    assert (before["location_precision"].fillna("-") == after["location_precision"].fillna("-")).all()
    # the input is not changed (Sweetwater County Jail, Rock Springs, is at its city: 82935 is Green River's)
    assert facilities["location_precision"].eq("zip").sum() == 201


def test_tricky_names_matched_or_refused(matches):
    def status(key, fid):
        return matches[key][0].set_index("facility_id").loc[fid]

    # "CORR. CTR OF NORTHWEST OHIO" is not the Northeast Ohio Correctional Center.
    nw = status("marshall", "fac-oh-corr-ctr-of-northwest-ohio")
    assert nw["status"] != "matched"
    nw = status("carwilb", "fac-oh-corr-ctr-of-northwest-ohio")
    assert nw["ref_name"] == "Correctional. Center of Northwest Ohio"
    # Three Folkston facilities, three different rows.
    assert status("carwilb", "fac-ga-folkston-annex-ipc")["ref_name"] == "Folkston Annex IPC"
    assert status("carwilb", "fac-ga-folkston-main-ipc")["ref_name"] == "Folkston Main IPC"
    # A 2025 camp is not the El Paso county jail of 2017.
    assert status("marshall", "fac-tx-ero-el-paso-camp-east-montana")["status"] == "unmatched"
    # ICE's sheet gives Irwin County (Ocilla) the ZIP of Oakfield, 71 km away: the geocoder now places it
    # at Ocilla's own ZIP (issue 18), a short way from the reference's building.
    irwin = status("carwilb", "fac-ga-irwin-county-detention-center")
    assert irwin["status"] == "matched" and irwin["distance_km"] < 10
    # Renamed: Pine Prairie Correctional Center became Pine Prairie ICE Processing Center.
    pine = status("uwchr", "fac-la-pine-prairie-ice-processing-center")
    assert pine["ref_name"] == "PINE PRAIRIE CORRECTIONAL CENTER"


def test_strict_matcher_wants_the_whole_name():
    table = pd.DataFrame({
        "id": ["jail", "hold", "camp"],
        "name": ["EL PASO COUNTY JAIL", "EL PASO HOLD ROOM", "CAMP EAST MONTANA"],
        "city": ["EL PASO"] * 3, "state": ["TX"] * 3,
    })
    loose, strict = FacilityMatcher(table.iloc[:2]), FacilityMatcher(table.iloc[:2], strict=True)
    assert loose.match("ERO EL PASO CAMP EAST MONTANA", "TX", "El Paso").how.startswith("ambiguous")
    assert strict.match("ERO EL PASO CAMP EAST MONTANA", "TX", "El Paso").facility_id is None
    strict = FacilityMatcher(table, strict=True)
    assert strict.match("ERO EL PASO CAMP EAST MONTANA", "TX", "El Paso").facility_id == "camp"
    assert strict.match("EL PASO HOLD RM", "TX").facility_id == "hold"
    assert strict.match_any_state("EL PASO CO. JAIL").facility_id == "jail"


def _facilities(rows):
    return gpd.GeoDataFrame(
        [dict(dict.fromkeys(FACILITY_COLUMNS), **r) for r in rows],
        columns=[*FACILITY_COLUMNS, "code"], geometry=[Point(-106.30, 31.77)] * len(rows), crs=CRS,
    ).assign(location_precision="zip")


def test_code_match_comes_before_names(tmp_path):
    path = tmp_path / "ref.csv"
    path.write_text(
        "DETLOC,Name,City,State,Zip,Lat,Lng\n"
        "EROFCB,FORT BLISS SOFT SIDED,EL PASO,TX,79936,31.81,-106.29\n"
        "TWICETX,ONE,EL PASO,TX,79936,31.80,-106.28\n"
        "TWICETX,TWO,EL PASO,TX,79936,31.79,-106.27\n"
    )
    ref = read_facility_reference(path)
    facilities = _facilities([
        dict(id="a", name="ERO EL PASO CAMP EAST MONTANA", city="EL PASO", state="TX", zip="79936", code="erofcb"),
        dict(id="b", name="SOMETHING ELSE", city="EL PASO", state="TX", zip="79936", code="TWICETX"),
    ])
    report = Report()
    table = match_reference(facilities, ref, report).set_index("facility_id")
    assert (table.loc["a", "status"], table.loc["a", "how"], table.loc["a", "code"]) == ("matched", "code", "EROFCB")
    assert table.loc["b", "status"] == "ambiguous" and "2 rows" in table.loc["b", "reason"]
    assert reference_codes(table.reset_index()) == {"a": "EROFCB"}
    moved = apply_reference(facilities, ref, report)
    assert moved.set_index("id").loc["a", "location_method"].endswith("matched by ICE code EROFCB")


def test_a_coarser_reference_point_does_not_replace_a_zip_centroid(refs, fy26, matches):
    facilities, _ = fy26
    table, _ = matches["uwchr"]
    report = Report()
    moved = apply_reference(facilities, refs["uwchr"][0], report, matches=table)
    notes = report.of("note")
    assert notes and all("is not finer than zip" in r["reason"] for r in notes)
    unchanged = moved.set_index("id").loc[[r["record"] for r in notes]]
    assert set(unchanged["location_precision"]) == {"zip"}
    assert not math.isnan(moved.geometry.dropna().x.mean())


def test_cli_import_facility_reference(shared_data, tmp_path, capsys):
    from geodata.cli import main

    out = tmp_path / "facilities.geojson"
    src = shared_data / "uwchr" / "facilities_geocoded_2017plus.psv.gz"
    assert main(["import", "facility-reference", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1532 rows, 1522 with a usable point" in err and "matched" in err
    fc = json.loads(out.read_text())
    # Moved from ZIP centroids to the reference's points; FY26 gives no codes, so these are name (and
    # city) matches, which keep the precision of the facility's own ZIP (issue 18).
    moved = [f for f in fc["features"] if "UWCHR" in (f["properties"]["location_method"] or "")]
    assert len(moved) > 100
    assert all("address" != f["properties"]["location_precision"] for f in moved
               if "matched by name" in f["properties"]["location_method"])
    rejects = list(csv.DictReader(open(tmp_path / "facilities.rejects.csv")))
    assert len(rejects) == 10


def test_use_dates_read_day_first_for_marshall_and_month_first_for_uwchr(shared_data):
    marshall = read_facility_reference(shared_data / "marshall-project" / "locations.csv").set_index("name")
    uwchr = read_facility_reference(shared_data / "uwchr" / "facilities_geocoded_2017plus.psv.gz").set_index("name")
    # Marshall writes 23/05/2014 and 4/11/17 (4 November 2017, the FOIA list's date); UWCHR writes M/D/YYYY.
    abraxas = "ABRAXAS ACADEMY DETENTION CENTER"
    assert (marshall.loc[abraxas, "first_use"], marshall.loc[abraxas, "last_use"]) == ("2014-05-23", "2017-11-04")
    assert (uwchr.loc[abraxas, "first_use"], uwchr.loc[abraxas, "last_use"]) == ("2014-05-23", "2017-11-04")
    # Bare years stay years.
    assert marshall["first_use"].dropna().str.fullmatch(r"\d{4}(-\d{2}-\d{2})?").all()

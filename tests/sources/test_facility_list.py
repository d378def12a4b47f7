"""``geodata import facility-list``: ICE facility lists of any layout (.xls and .xlsx)."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from geodata import GeodataError, Report
from geodata.cli import main
from geodata.sources import read_facility_list


def test_2015_listing_reads_209_facilities_with_codes_and_adp_by_year(shared_data):
    report = Report()
    gdf = read_facility_list(shared_data / "ice-detention-stats" / "2015IceDetentionFacilityListing.xlsx", report)
    assert len(gdf) == 209 and gdf["state"].nunique() == 45
    assert gdf["detloc"].is_unique and gdf["detloc"].notna().all()
    # SOURCE.md: the ADP sums of FY10..FY16.
    sums = {2010: 23829.1, 2011: 26990.8, 2012: 28930.8, 2013: 29264.3, 2014: 30266.9, 2015: 26115.0,
            2016: 29783.8}
    for fy, total in sums.items():
        assert gdf[f"adp_fy{fy}"].sum() == pytest.approx(total, abs=0.05), fy
    assert gdf.attrs["data_date"] == "2015-12-08" and gdf.attrs["fiscal_year"] == 2016
    adelanto = gdf[gdf["detloc"] == "ADLNTCA"].iloc[0]
    assert adelanto["operator"] == "GEO" and adelanto["zip"] == "92301" and adelanto["facility_type"] == "DIGSA"
    assert gdf.geometry.notna().all()


def test_2009_list_xls_reads_275_facilities(shared_data):
    report = Report()
    gdf = read_facility_list(shared_data / "ice-detention-stats" / "09foia5638detentionfacilitylist.xls", report)
    assert len(gdf) == 275 and gdf["state"].nunique() == 48
    assert gdf["detloc"].nunique() == 271
    assert gdf["zip"].isna().sum() == 4
    assert gdf.attrs["data_date"] == "2009-08-15" and gdf.attrs["fiscal_year"] == 2009
    stewart = gdf[gdf["detloc"] == "STWRTGA"].iloc[0]
    assert (stewart["name"], stewart["city"], stewart["aor"]) == ("STEWART DETENTION CENTER", "LUMPKIN", "ATL")
    # Every facility is placed, or reported (none is lost).
    unplaced = set(gdf.loc[gdf.geometry.isna(), "name"])
    assert unplaced == {r["record"] for r in report.of("unplaced")}


def test_other_layout_header_found_by_its_columns(tmp_path):
    wb = Workbook()
    wb.active.title = "Cover"
    ws = wb.create_sheet("Roster 2030")
    ws.append(["ICE roster, data as of IIDS as of 03/01/2030"])
    ws.append([])
    ws.append(["Code", "Facility Name", "Street Address", "City", "ST", "Zip Code", "FY30 ADP"])
    ws.append(["ABCDETX", "Alpha Processing Ctr", "1 Main St", "Pearsall", "TX", 78061, 12.5])
    ws.append([None, "Footnote: this list is subject to change"])
    wb.save(tmp_path / "roster.xlsx")
    gdf = read_facility_list(tmp_path / "roster.xlsx")
    assert gdf["name"].tolist() == ["Alpha Processing Ctr"]
    row = gdf.iloc[0]
    assert (row["detloc"], row["state"], row["zip"], row["adp_fy2030"]) == ("ABCDETX", "TX", "78061", 12.5)
    assert row["location_precision"] == "zip"
    assert gdf.attrs["data_date"] == "2030-03-01"


def test_cli_facility_list(tmp_path, shared_data, capsys):
    out = tmp_path / "list.geojson"
    src = shared_data / "ice-detention-stats" / "09foia5638detentionfacilitylist.xls"
    assert main(["import", "facility-list", str(src), "-o", str(out)]) == 0
    assert out.read_text().count('"type":"Feature"') == 275 - capsys.readouterr().err.count("unplaced:")


@pytest.mark.parametrize("content", [b"not a workbook", b""])
def test_bad_file_is_one_clear_error(tmp_path, content, capsys):
    path = tmp_path / "list.xls"
    path.write_bytes(content)
    with pytest.raises(GeodataError, match="list.xls"):
        read_facility_list(path)
    assert main(["import", "facility-list", str(path), "-o", str(tmp_path / "o.geojson")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_over_72_hours_layout_reads_aor_blocks_type_and_skips_headers_and_legend(tmp_path):
    """ICE's "over 72 hours" list: an AOR row above each block, the header repeated, a legend below."""
    header = ["Name", "Address", "City", "State", "Zip", "Facility Type - Detail", "Gender"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Facilities"
    ws.append(["ICE Detention Facilities Used Over 72 Hours"])
    ws.append(["Atlanta AOR"])
    ws.append(header)
    ws.append(["Stewart Detention Center", "146 CCA Road", "Lumpkin", "GA", "31815", "DIGSA", "Male"])
    ws.append(["Irwin County Detention Center", "132 Cotton Drive", "Ocilla", "GA", "31774", "IGSA", "Female/Male"])
    ws.append([])
    ws.append(["New Orleans AOR"])
    ws.append(header)
    ws.append(["Jackson Parish Correctional Center", "327 Industrial Drive", "Jonesboro", "LA", "71251",
               "IGSA", "Male"])
    ws.append(["St. Paul AOR"])
    ws.append(header)
    ws.append(["Sherburne County Jail", "13880 Business Center Drive", "Elk River", "MN", "55330", "USMS IGA",
               "Female/Male"])
    ws.append([])
    ws.append(["Facility Type - Detail:"])
    ws.append(["DIGSA", "Dedicated Intergovernmental Service Agreement"])
    ws.append(["IGSA", "Intergovernmental Service Agreement"])
    ws.append(["USMS IGA", "U.S. Marshals Service Intergovernmental Agreement"])
    wb.save(tmp_path / "over72.xlsx")
    report = Report()
    gdf = read_facility_list(tmp_path / "over72.xlsx", report)
    assert gdf["name"].tolist() == ["Stewart Detention Center", "Irwin County Detention Center",
                                    "Jackson Parish Correctional Center", "Sherburne County Jail"]
    assert gdf["aor"].tolist() == ["ATL", "ATL", "NOL", "SPM"]
    assert gdf["facility_type"].tolist() == ["DIGSA", "IGSA", "IGSA", "USMS IGA"]
    assert gdf["location_precision"].eq("zip").all()
    assert gdf.attrs["skipped_rows"] == {"header": 2, "group": 3, "legend": 4}
    assert not report.of("unplaced") and not report.of("rejected")
    note = next(r["reason"] for r in report.of("note") if "2 repeated header rows" in r["reason"])
    assert "IGSA | Intergovernmental Service Agreement" in note  # each row skipped is named

"""The importer of ICE's detentionStats workbooks."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from geodata import GeodataError, Report, read_ice_stats
from geodata.cli import main


def test_fy26_reads_every_facility_with_adp_from_levels(fy26):
    gdf, report = fy26
    assert len(gdf) == 203
    # SOURCE.md: the sum of Level A+B+C+D over FY26 facilities is 66,161.7.
    assert gdf["adp"].sum() == pytest.approx(66161.7, abs=0.05)
    top = gdf.loc[gdf["adp"].idxmax()]
    assert top["name"] == "ERO EL PASO CAMP EAST MONTANA"
    assert top["adp"] == pytest.approx(2505.2, abs=0.05)
    assert gdf.attrs["data_date"] == "2026-04-02"


def test_fy25_header_and_sheet_found_without_hard_coding(shared_data):
    report = Report()
    gdf = read_ice_stats(shared_data / "ice-detention-stats" / "FY25_detentionStats09242025.xlsx", report)
    assert len(gdf) == 189
    assert gdf["adp"].sum() == pytest.approx(47550.5, abs=0.05)
    assert gdf.attrs["sheet"] == "Facilities FY25"
    # FY25 stores Wyatt's ZIP as the number 2863.
    assert gdf.loc[gdf["name"] == "WYATT DETENTION CENTER", "zip"].tolist() == ["02863"]


@pytest.mark.parametrize("year", ["FY26_detentionStats_04092026.xlsx", "FY25_detentionStats09242025.xlsx"])
def test_every_row_placed_or_reported(shared_data, year):
    report = Report()
    gdf = read_ice_stats(shared_data / "ice-detention-stats" / year, report)
    assert gdf["zip"].str.fullmatch(r"\d{5}").all()
    assert gdf["id"].is_unique
    unplaced = gdf[gdf.geometry.isna()]
    reported = {r["record"] for r in report.of("unplaced")}
    assert set(unplaced["name"]) == reported
    # Guantanamo's FPO address is not a place in Florida: not placed, and said so.
    assert "JTF CAMP SIX" in reported
    placed = gdf[gdf.geometry.notna()]
    assert set(placed["location_precision"]) <= {"zip", "city", "county", "state"}
    # Every placed facility lies in the US bounding box, territories included.
    x = placed.geometry.x
    assert (x.between(-180, -64) | x.between(144, 146)).all()
    coarse = {r["record"] for r in report.of("coarse")}
    # A ZIP of another town moves a facility to its city: reported as "moved", with why (issue 18).
    moved = {r["record"] for r in report.of("moved")}
    not_zip = set(placed.loc[placed["location_precision"] != "zip", "name"])
    assert coarse <= not_zip <= coarse | moved


def test_territories_are_placed(fy26):
    gdf, _ = fy26
    by_state = gdf.set_index("state")
    for st in ("PR", "GU", "MP"):
        assert by_state.loc[[st]].geometry.notna().all(), st


def _workbook(path, sheet="Detainees by Facility", header_row=4, rows=()):
    wb = Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "Nothing to see here"
    ws = wb.create_sheet(sheet)
    ws.cell(1, 1, "Data Source: ICE Integrated Decision Support (IIDS), 01/15/2027")
    header = ["Name", "Address", "City", "State", "Zip", "AOR", "Type Detailed",
              "Level A", "Level B", "Level C", "Level D"]
    for j, h in enumerate(header, 1):
        ws.cell(header_row, j, h)
    for i, row in enumerate(rows, header_row + 1):
        for j, v in enumerate(row, 1):
            ws.cell(i, j, v)
    wb.save(path)
    return path


def test_header_found_in_any_sheet_and_row(tmp_path):
    path = _workbook(tmp_path / "fy27.xlsx", rows=[
        ["SOME DETENTION CENTER", "1 MAIN ST", "ELOY", "AZ", 85131, "PHO", "CDF", 1, 2, 3, 4.5],
        [None, "2 MAIN ST", "ELOY", "AZ", "85131", "PHO", "CDF", 1, 1, 1, 1],
        ["TYPO ZIP JAIL", "3 MAIN ST", "NATCHEZ", "MS", "00000", "NOL", "IGSA", 1, 0, 0, 0],
    ])
    report = Report()
    gdf = read_ice_stats(path, report)
    assert gdf["name"].tolist() == ["SOME DETENTION CENTER", "TYPO ZIP JAIL"]
    assert gdf["adp"].tolist() == [10.5, 1.0]
    assert gdf.attrs["data_date"] == "2027-01-15"
    assert report.of("rejected") == [
        {"source": "ice-stats fy27.xlsx", "record": "row 6", "action": "rejected", "reason": "no facility name"}
    ]
    # An unknown ZIP falls back to the city, and says so.
    typo = gdf.iloc[1]
    assert typo["location_precision"] == "city"
    assert [r["record"] for r in report.of("coarse")] == ["TYPO ZIP JAIL"]


def test_workbook_without_facilities_sheet_is_one_clear_error(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "Name"
    wb.save(tmp_path / "empty.xlsx")
    with pytest.raises(GeodataError, match="no facilities sheet"):
        read_ice_stats(tmp_path / "empty.xlsx")


@pytest.mark.parametrize("make", ["missing", "not_a_workbook", "no_sheet"])
def test_cli_bad_input_gives_message_not_traceback(tmp_path, capsys, make):
    path = tmp_path / "input.xlsx"
    if make == "not_a_workbook":
        path.write_text("Name,Address\n")
    elif make == "no_sheet":
        wb = Workbook()
        wb.save(path)
    status = main(["import", "ice-stats", str(path), "-o", str(tmp_path / "out.geojson")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("geodata: error:") and "Traceback" not in err
    assert err.count("\n") == 1


def test_cli_import_lists_skipped_rows(tmp_path, capsys):
    path = _workbook(tmp_path / "fy27.xlsx", rows=[
        ["SOME DETENTION CENTER", "1 MAIN ST", "ELOY", "AZ", 85131, "PHO", "CDF", 1, 2, 3, 4.5],
        [None, "2 MAIN ST", "ELOY", "AZ", "85131", "PHO", "CDF", 1, 1, 1, 1],
    ])
    out = tmp_path / "facilities.geojson"
    assert main(["import", "ice-stats", str(path), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "rejected: row 6: no facility name" in err
    assert out.read_text().count('"type":"Feature"') == 1


def test_placed_facilities_fall_inside_their_state(fy26, shared_data):
    """A ZIP centroid is checked against the Census outline of the state the workbook names."""
    import geopandas as gpd

    from geodata.core.schema import STATE_NAMES

    states = gpd.read_file(shared_data / "census-cartographic-2010" / "gz_2010_us_040_00_20m.json")
    states["code"] = states["NAME"].str.upper().map(STATE_NAMES)
    gdf, _ = fy26
    placed = gdf[gdf.geometry.notna() & gdf["state"].isin(set(states["code"]))]
    joined = gpd.sjoin(placed, states[["code", "geometry"]], how="left", predicate="within")
    # The 20m outlines are coarse: a coastal ZIP centroid may fall just offshore.
    inside = (joined["code"] == joined["state"]).mean()
    assert inside > 0.97, joined.loc[joined["code"] != joined["state"], ["name", "state", "code"]]
    assert not (joined["code"].notna() & (joined["code"] != joined["state"])).any()


# SOURCE.md of ice-detention-stats: facility rows, states and the sum of Level A+B+C+D.
WORKBOOKS = [
    ("FY19-detentionstats.xlsx", 2019, 213, 48, 49142.5),
    ("FY20-detentionstats.xlsx", 2020, 170, 45, 32979.4),
    ("FY21-detentionstats.xlsx", 2021, 135, 39, 18292.2),
    ("FY22-detentionStats.xlsx", 2022, 130, 43, 21344.3),
    ("FY23_detentionStats.xlsx", 2023, 115, 43, 28148.2),
    ("FY24_detentionStats.xlsx", 2024, 109, 41, 36277.4),
    ("FY25_detentionStats09242025.xlsx", 2025, 189, None, 47550.5),
    ("FY26_detentionStats02022026.xlsx", 2026, 225, 48, 66811.7),
    ("FY26_detentionStats_04092026.xlsx", 2026, 203, None, 66161.7),
]


@pytest.mark.parametrize("name, year, count, states, adp", WORKBOOKS)
def test_every_workbook_has_source_md_counts(shared_data, name, year, count, states, adp):
    report = Report()
    gdf = read_ice_stats(shared_data / "ice-detention-stats" / name, report)
    assert len(gdf) == count
    assert gdf["adp"].sum() == pytest.approx(adp, abs=0.05)
    assert gdf.attrs["fiscal_year"] == year
    if states:
        assert gdf["state"].nunique() == states
    # Footnotes ("[2] (KRNRCTX) KARNES ...", "*The info. in this report ...") are no facility
    # and no report row: nothing unplaced but Guantanamo's military mail address.
    assert not gdf["name"].str.match(r"^(\[\d+\]|\*|\(\*\)|ODO )").any()
    assert {r["record"] for r in report.of("unplaced")} <= {"JTF CAMP SIX"}
    assert not any(r["record"].startswith("[") for r in report.rows)


def test_footnote_rows_under_the_table_are_not_facilities(tmp_path):
    path = _workbook(tmp_path / "fy27.xlsx", rows=[
        ["SOME DETENTION CENTER", "1 MAIN ST", "ELOY", "AZ", 85131, "PHO", "CDF", 1, 2, 3, 4.5],
        ["NO STATE CENTER", "2 MAIN ST", "CALEXICO", None, "92231", "SND", "CDF", 1, 0, 0, 0],
        [None],
        ["[1] (BCORCPA) BERKS COUNTY RESIDENTIAL CENTER houses single adult females"],
        ["*The info. in this report is subject to change"],
    ])
    report = Report()
    gdf = read_ice_stats(path, report)
    # A facility missing only its state is a facility; a note has no address, city or state.
    assert gdf["name"].tolist() == ["SOME DETENTION CENTER", "NO STATE CENTER"]
    assert not report.of("unplaced") and not report.of("rejected")

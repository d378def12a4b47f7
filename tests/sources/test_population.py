"""DDP's daily facility population, joined to the facility layer and cut into months."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geodata import GeodataError, Report
from geodata.pipeline.reference import match_reference, read_facility_reference, reference_codes
from geodata.sources.ddp_population import (
    DAILY_COLUMNS,
    MONTHLY_COLUMNS,
    code_states,
    facility_codes,
    monthly_population,
    read_daily_population,
    write_population,
)

DAILY = "deportation-data-project/facilities-daily-population-latest.parquet"


@pytest.fixture(scope="module")
def daily(shared_data):
    return read_daily_population(shared_data / DAILY)


@pytest.fixture(scope="module")
def joined(daily, fy26, shared_data):
    facilities, _ = fy26
    ddp_ref = read_facility_reference(shared_data / "deportation-data-project" / "facility-locations-oct2025.tsv")
    report = Report()
    codes = facility_codes(daily, facilities, report, states=code_states(ddp_ref))
    return codes, report, monthly_population(daily, codes=codes)


def test_daily_population_read_whole_and_typed(daily):
    assert len(daily) == 888_699
    assert list(daily.columns) == list(DAILY_COLUMNS)
    assert pd.api.types.is_datetime64_any_dtype(daily["date"])
    assert (daily["date"].min(), daily["date"].max()) == (pd.Timestamp("2022-10-01"), pd.Timestamp("2026-03-10"))
    assert daily["detention_facility_code"].nunique() == 707
    # SOURCE.md: EROFCB held 4,130 people on 2026-01-15, 3,854 of them at midnight.
    day = daily[(daily["detention_facility_code"] == "EROFCB") & (daily["date"] == "2026-01-15")].iloc[0]
    assert (day["n_detained"], day["n_detained_at_midnight"]) == (4130, 3854)


def test_every_ddp_code_mapped_or_reported(joined, daily, fy26):
    codes, report, _ = joined
    facilities, _ = fy26
    all_codes = set(daily["detention_facility_code"].unique())
    mapped = set(codes["detention_facility_code"])
    reported = {r["record"].split()[0] for r in report.rows if not r["record"].startswith("fac-")}
    assert mapped | reported == all_codes and not mapped & reported
    assert codes["facility_id"].is_unique and codes["detention_facility_code"].is_unique
    # What is not joined says how much it weighs.
    assert all("person-days" in r["reason"] for r in report.rows if not r["record"].startswith("fac-"))
    # And every facility of the layer has a code or is reported without one.
    without = {r["record"] for r in report.rows if r["record"].startswith("fac-")}
    assert without | set(codes["facility_id"]) == set(facilities["id"])
    assert len(codes) >= 185


def test_camp_east_montana_is_erofcb_and_holds_thousands_in_january_2026(joined, daily):
    codes, _, monthly = joined
    assert codes.set_index("detention_facility_code").loc["EROFCB", "facility_id"] == (
        "fac-tx-ero-el-paso-camp-east-montana")
    row = monthly[(monthly["detention_facility_code"] == "EROFCB") & (monthly["month"] == "2026-01")].iloc[0]
    jan = daily[(daily["detention_facility_code"] == "EROFCB") & (daily["date"].dt.strftime("%Y-%m") == "2026-01")]
    assert row["days"] == 31
    assert row["adp"] == pytest.approx(jan["n_detained"].mean(), abs=0.005)
    assert row["adp_midnight"] == pytest.approx(jan["n_detained_at_midnight"].mean(), abs=0.005)
    assert 2000 < row["adp"] < 5000 and row["max"] >= 4130
    # The data end on 2026-03-10: March counts ten days.
    march = monthly[(monthly["detention_facility_code"] == "EROFCB") & (monthly["month"] == "2026-03")]
    assert march["days"].tolist() == [10]
    assert list(monthly.columns) == list(MONTHLY_COLUMNS)


def test_most_people_held_in_january_2026_land_on_a_facility(joined, daily):
    codes, _, _ = joined
    jan = daily[(daily["date"] >= "2026-01-01") & (daily["date"] < "2026-02-01")]
    on_map = jan["detention_facility_code"].isin(list(codes["detention_facility_code"]))
    assert jan.loc[on_map, "n_detained"].sum() / jan["n_detained"].sum() > 0.9


def test_known_codes_from_a_reference_raise_coverage(daily, fy26, shared_data, joined):
    facilities, _ = fy26
    uwchr = read_facility_reference(shared_data / "uwchr" / "facilities_geocoded_2017plus.psv.gz")
    known = reference_codes(match_reference(facilities, uwchr))
    codes = facility_codes(daily, facilities, known=known, states=code_states(uwchr))
    assert (codes["how"] == "code").sum() > 140
    assert len(codes) >= len(joined[0])
    # Codes drift: Marshall's 2017 code for Joe Corley (MONTGTX) is Montgomery County's jail in DDP.
    assert codes.set_index("facility_id").loc["fac-tx-joe-corley-processing-ctr", "detention_facility_code"] == (
        "JCRLYTX")


def _daily(rows):
    frame = pd.DataFrame(rows, columns=["detention_facility_code", "date", "n_detained", "detention_facility"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["n_detained_at_midnight"] = frame["n_detained"]
    return frame[list(DAILY_COLUMNS)]


@pytest.fixture()
def layer():
    return pd.DataFrame({
        "id": ["fac-tx-jc", "fac-ia-polk", "fac-fl-glades"],
        "name": ["JOE CORLEY PROCESSING CTR", "POLK COUNTY JAIL", "GLADES COUNTY DETENTION CENTER"],
        "city": ["CONROE", "DES MOINES", "MOORE HAVEN"], "state": ["TX", "IA", "FL"],
        "zip": ["77301", "50313", "33471"],
    })


def test_a_drifted_code_loses_to_the_right_name_and_state_letters_restrict(layer):
    daily = _daily([
        ("MONTGTX", "2026-01-01", 5, "MONTGOMERY COUNTY JAIL"),
        ("JCRLYTX", "2026-01-01", 900, "JOE CORLEY PROCESSING CTR"),
        ("POLKJFL", "2026-01-01", 2, "POLK COUNTY JAIL"),  # Florida's Polk jail, not Iowa's
        ("POLKJIA", "2026-01-01", 40, "POLK COUNTY JAIL"),
        ("GLADEFL", "2026-01-01", 0, "GLADES COUNTY DETENTION CENTER"),
        ("GLADEFL", "2026-01-02", 8, "GLADES COUNTY DETENTION CENTER"),
    ])
    report = Report()
    codes = facility_codes(daily, layer, report, known={"fac-tx-jc": "MONTGTX"})
    assert dict(zip(codes["facility_id"], codes["detention_facility_code"])) == {
        "fac-tx-jc": "JCRLYTX", "fac-ia-polk": "POLKJIA", "fac-fl-glades": "GLADEFL"}
    missed = {r["record"].split()[0]: r["action"] for r in report.rows}
    assert missed == {"MONTGTX": "ambiguous", "POLKJFL": "unmatched"}
    monthly = monthly_population(daily, codes=codes).set_index("facility_id")
    assert monthly.loc["fac-fl-glades", ["adp", "days", "max"]].tolist() == [4.0, 2, 8]


def test_population_files_written_compactly(layer, tmp_path):
    daily = _daily([
        ("POLKJIA", "2025-12-31", 0, "POLK COUNTY JAIL"),
        ("POLKJIA", "2026-01-01", 3, "POLK COUNTY JAIL"),
        ("POLKJIA", "2026-01-02", 5, "POLK COUNTY JAIL"),
    ])
    codes = facility_codes(daily, layer)
    monthly = monthly_population(daily, codes=codes)
    assert monthly["month"].tolist() == ["2025-12", "2026-01"]
    paths = write_population(monthly, codes, tmp_path)
    text = paths[0].read_text()
    # A month nobody was held in is left out; a missing month means none.
    assert text == "facility_id,detention_facility_code,month,adp,adp_midnight,days,max\n" \
                   "fac-ia-polk,POLKJIA,2026-01,4.0,4.0,2,5\n"
    assert pd.read_csv(paths[1])["detention_facility_code"].tolist() == ["POLKJIA"]


def test_bad_population_input_is_a_clear_error(tmp_path, layer):
    with pytest.raises(GeodataError, match="no such file"):
        read_daily_population(tmp_path / "missing.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(GeodataError, match="not a readable Parquet file"):
        read_daily_population(bad)
    other = tmp_path / "other.parquet"
    pd.DataFrame({"date": [dt.date(2026, 1, 1)]}).to_parquet(other)
    with pytest.raises(GeodataError, match="missing columns"):
        read_daily_population(other)
    with pytest.raises(GeodataError, match="needs the facilities"):
        monthly_population(_daily([]))


def test_cli_import_population(shared_data, tmp_path, capsys):
    from geodata.cli import main

    out = tmp_path / "monthly.csv"
    src = shared_data / "deportation-data-project" / "facilities-daily-population-latest.parquet"
    assert main(["import", "population", str(src), "-o", str(out)]) == 0
    assert "707 facility codes" in capsys.readouterr().err
    monthly = pd.read_csv(out)
    assert monthly["month"].min() == "2022-10" and monthly["month"].max() == "2026-03"
    assert (monthly["max"] > 0).all()

"""UWCHR's daily headcount: the monthly derivative, its join to facilities, and the comparison with DDP."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from geodata.core.report import GeodataError, Report
from geodata.sources.uwchr import read_headcount
from geodata.sources.uwchr_headcount import (
    HEADCOUNT_DIR,
    HEADCOUNT_FILE,
    compare_facilities,
    compare_national,
    comparison_markdown,
    join_headcount_codes,
    load_headcount,
    monthly_headcount,
)

ROOT = Path(__file__).resolve().parents[2]

HEADCOUNT = "uwchr/inc_headcount_fy12-24ytd.psv.gz"
DDP = "deportation-data-project/facilities-daily-population-latest.parquet"


@pytest.fixture(scope="module")
def tables(shared_data):
    from geodata.sources.ddp_population import read_daily_population

    return read_headcount(shared_data / HEADCOUNT), read_daily_population(shared_data / DDP)


def test_monthly_headcount_averages_over_the_days_covered():
    daily = pd.DataFrame({
        "detention_facility_code": ["A", "A", "A", "B", "A"],
        "date": pd.to_datetime(["2011-09-30", "2011-10-01", "2011-10-02", "2011-11-30", "2011-12-02"]),
        "n": [99, 10, 20, 3, 5],
    })
    got = monthly_headcount(daily)
    # Before FY2012 the table is incomplete: left out.  October: 30 person-days over 31 days.
    assert got.to_dict("records") == [
        {"detention_facility_code": "A", "month": "2011-10", "adp": round(30 / 31, 3), "days": 31, "max": 20},
        {"detention_facility_code": "A", "month": "2011-12", "adp": 2.5, "days": 2, "max": 5},
        {"detention_facility_code": "B", "month": "2011-11", "adp": 0.1, "days": 30, "max": 3},
    ]


def test_join_keeps_every_row_and_reports_unmatched_codes():
    monthly = pd.DataFrame({"detention_facility_code": ["A", "B"], "month": ["2020-01", "2020-01"],
                            "adp": [1.0, 2.0], "days": [31, 31], "max": [1, 2]})
    codes = pd.DataFrame({"detention_facility_code": ["A"], "facility_id": ["fac-a"]})
    report = Report()
    got = join_headcount_codes(monthly, codes, report)
    assert got["facility_id"].iloc[0] == "fac-a" and pd.isna(got["facility_id"].iloc[1])
    assert [r["record"] for r in report.of("unmatched")] == ["B"]
    assert "62 person-days" in report.of("unmatched")[0]["reason"]


def test_bad_headcount_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "headcount.psv"
    bad.write_text("detention_facility_code|n|date\nX|1|yesterday\n")
    with pytest.raises(GeodataError, match="headcount.psv: 1 rows with a date"):
        read_headcount(bad)


def test_bundled_headcount_equals_a_rebuild(shared_data, tmp_path):
    from geodata import load_bundle
    from geodata.imports.bundle import build_area_files

    bundle = load_bundle()
    build_area_files(shared_data, tmp_path, population=bundle.population, facilities=bundle.facilities)
    rebuilt = (tmp_path / "uwchr" / HEADCOUNT_FILE).read_bytes()
    assert rebuilt == (HEADCOUNT_DIR / HEADCOUNT_FILE).read_bytes(), "run `geodata build-bundle` and commit"
    from geodata.sources.uwchr_headcount import UNMATCHED_FILE

    unmatched = (tmp_path / "uwchr" / UNMATCHED_FILE).read_bytes()
    assert unmatched == (HEADCOUNT_DIR / UNMATCHED_FILE).read_bytes()
    committed = load_headcount()
    assert len(committed) == 40308 and committed["detention_facility_code"].nunique() == 977
    assert committed["month"].min() == "2011-10" and committed["month"].max() == "2024-01"
    text = (HEADCOUNT_DIR / HEADCOUNT_FILE).read_text()
    assert text.startswith("detention_facility_code,facility_id,month,adp,days,max\n")
    # Every code without a facility is in the report file, with its person-days.
    report = pd.read_csv(HEADCOUNT_DIR / UNMATCHED_FILE, dtype={"detention_facility_code": str})
    assert set(report["detention_facility_code"]) == set(
        committed.loc[committed["facility_id"].isna(), "detention_facility_code"])
    share = report["person_days"].sum() / (committed["adp"] * committed["days"]).sum()
    readme = (ROOT / "docs" / "population.md").read_text(encoding="utf-8")
    assert f"({100 - round(100 * share)}% of its person-days)" in readme


def test_national_totals_agree_within_what_the_readme_reports(tables):
    national = compare_national(*tables)
    assert national["month"].tolist()[0] == "2022-10" and national["month"].tolist()[-1] == "2023-12"
    readme = (ROOT / "docs" / "population.md").read_text(encoding="utf-8")
    m = re.search(r"UWCHR's count is within ([0-9.]+)% of DDP's count at midnight every month, and "
                  r"([0-9.]+)% to ([0-9.]+)% below DDP's count", readme)
    assert m, "docs/population.md states how far the two sources differ"
    within, low, high = (float(x) for x in m.groups())
    assert (national["midnight_pct"].abs() <= within + 0.05).all()
    assert (national["ddp_pct"] < 0).all()
    assert national["ddp_pct"].abs().between(low - 0.05, high + 0.05).all()


def test_readme_tables_are_the_computed_ones(tables):
    text = comparison_markdown(compare_national(*tables), compare_facilities(*tables))
    readme = (ROOT / "docs" / "population.md").read_text(encoding="utf-8")
    assert text in readme


def test_a_facility_own_code_joins_the_headcount(shared_data, tmp_path):
    from geodata.imports.bundle import build_area_files

    facilities = pd.DataFrame({"id": ["fac-tx-dilley"], "detloc": ["STFRCTX"]})
    _, report = build_area_files(shared_data, tmp_path, facilities=facilities)
    got = load_headcount(tmp_path / "uwchr")
    assert set(got.loc[got["detention_facility_code"] == "STFRCTX", "facility_id"]) == {"fac-tx-dilley"}
    assert "STFRCTX" not in {r["record"] for r in report.of("unmatched")}
    # The other files of the build are the committed ones.
    from geodata.geography.aor import AOR_DIR, AOR_FILE

    assert (tmp_path / "uwchr" / AOR_FILE).read_bytes() == (AOR_DIR / AOR_FILE).read_bytes()

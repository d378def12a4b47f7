"""One place, one population; a fiscal-year average is not a month (issue 18)."""

from __future__ import annotations

import pandas as pd
import pytest

from geodata.view.population_sources import best_population, place_keys, population_sources


@pytest.fixture(scope="module")
def best():
    from geodata.sources.uwchr_headcount import load_headcount
    from geodata.store import DATA_DIR, load_bundle

    bundle = load_bundle()
    table = best_population(population_sources(bundle.population, load_headcount(DATA_DIR / "uwchr"),
                                               bundle.facility_years), place_keys(bundle.facilities))
    return bundle, table


def test_dilley_counted_once_where_records_share_an_address(best):
    bundle, table = best
    keys = place_keys(bundle.facilities)
    dilley = {fid for fid, k in keys.items() if "EL RANCHO" in k}
    assert "fac-tx-dilley-immigration-processing-center" in dilley and len(dilley) >= 3
    rows = table[table["facility_id"].isin(dilley)]
    # In a month DDP counts anyone at 300 El Rancho Way, no other source adds to it.
    per_month = rows.groupby("month")["source"].agg(set)
    assert (per_month.map(len) == 1).all(), per_month[per_month.map(len) > 1]
    fy26 = rows[rows["month"].between("2025-10", "2026-03")]
    assert set(fy26["source"]) == {"ddp"}


def test_fiscal_year_adp_never_fills_a_month_of_a_year_a_daily_source_counts(best):
    _, table = best
    camp = table[table["facility_id"] == "fac-tx-ero-el-paso-camp-east-montana"].set_index("month")
    assert camp.loc["2026-03", "source"] == "ddp"
    # ICE's FY2026-to-date ADP (2,505) is the year's average, not April's count: April is unknown.
    assert "2026-04" not in camp.index


def test_fiscal_year_adp_spans_only_the_days_of_its_release():
    from geodata.view.population_sources import ice_monthly

    years = pd.DataFrame({"facility_id": ["a"], "fiscal_year": [2026], "adp": [100.0], "data_date": ["2026-04-02"]})
    rows = ice_monthly(years).set_index("month")
    assert list(rows.index) == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    assert rows.loc["2026-04", "days"] == 2 and rows.loc["2026-03", "days"] == 31


def test_one_place_keeps_its_best_source_each_month():
    ddp = pd.DataFrame({"facility_id": ["a", "a"], "month": ["2024-01", "2024-02"], "adp": [10.0, 12.0],
                        "days": [31, 29]})
    ice = pd.DataFrame({"facility_id": ["b"] * 3, "month": ["2023-12", "2024-01", "2024-02"],
                        "adp": [50.0] * 3, "days": [31, 31, 29]})
    sources = {"ddp": ddp, "uwchr": ddp.iloc[0:0], "ice": ice}
    apart = best_population(sources)
    assert apart.groupby("month")["adp"].sum().loc["2024-01"] == 60  # two places: both count
    one = best_population(sources, {"a": "TX|DILLEY|300 EL RANCHO WAY", "b": "TX|DILLEY|300 EL RANCHO WAY"})
    assert one.groupby("month")["adp"].sum().to_dict() == {"2023-12": 50.0, "2024-01": 10.0, "2024-02": 12.0}


def test_chart_says_ice_figures_are_fiscal_year_averages():
    from layers.charts import people_by_month

    months = pd.DataFrame({"month": ["2024-01", "2024-01"], "source": ["ddp", "ice"], "people": [10.0, 5.0]})
    _, caption = people_by_month(months)
    assert "average over its fiscal year" in caption and "never a month's count" in caption
    _, caption = people_by_month(months[months["source"] == "ddp"])
    assert "fiscal year" not in caption
    _, caption = people_by_month(months, "es")
    assert "año fiscal" in caption


def test_ddp_codes_joined_within_their_state(shared_data):
    from geodata import Report
    from geodata.sources.ddp_population import facility_codes, read_daily_population
    from geodata.store import load_bundle

    facilities = load_bundle().facilities
    ddp = shared_data / "deportation-data-project"
    daily = read_daily_population(ddp / "facilities-daily-population-latest.parquet")
    report = Report()
    codes = facility_codes(daily, facilities, report).set_index("detention_facility_code")["facility_id"]
    # Miami FDC is not "ambiguous" with Miami Correctional Center, Indiana: another state.
    assert codes["BOPMIM"] == "fac-fl-miami-federal-detention"
    assert codes["INMIAMI"] == "fac-in-miami-correctional-center"  # IN first, not Michigan's MI last
    assert codes["FLBAKCI"] == "fac-fl-baker-correctional-institution"  # "BAKER C. I."
    assert codes["CCANOOH"] == "fac-oh-northeast-ohio-correctional-center"  # "CCA NORTHEAST OH CORRECTS"
    # A city named in the name chooses the state, never the facility: the Yakima sub-office is not the jail.
    assert "YAKHOLD" not in codes.index
    # What is still unjoined is listed with its person-days.
    left = [r for r in report.rows if r["record"].startswith("YAKHOLD ")]
    assert left and "person-days" in left[0]["reason"]


def test_a_month_ice_reaches_only_in_part_is_not_a_bar():
    from geodata.view.occupancy import monthly_totals

    table = pd.DataFrame({"facility_id": ["a", "a", "b"], "month": ["2026-03", "2026-04", "2026-03"],
                          "adp": [100.0, 100.0, 7.0], "days": [31, 2, 10], "source": ["ice", "ice", "ddp"]})
    totals = monthly_totals(table)
    assert totals[["month", "source", "people"]].values.tolist() == [["2026-03", "ddp", 7.0],
                                                                     ["2026-03", "ice", 100.0]]

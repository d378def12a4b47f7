"""Population from three sources: the best of them for each facility-month, the figures of a range
outside DDP's span, and which source they come from."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict

import pandas as pd
import pytest
from test_app import run_app

from geodata import View, load_bundle
from geodata.store import DATA_DIR
from geodata.view.occupancy import population_table, range_adp, view_frames, with_range_adp
from geodata.view.population_sources import best_population, ice_monthly, population_sources
from layers.i18n import text


def test_best_source_of_each_facility_month():
    ddp = pd.DataFrame({"facility_id": ["a", "a"], "month": ["2022-10", "2022-12"], "adp": [10.0, 30.0],
                        "days": [31, 31]})
    uwchr = pd.DataFrame({"detention_facility_code": ["A", "A", "B"], "facility_id": ["a", "a", "b"],
                          "month": ["2022-09", "2022-10", "2022-10"], "adp": [7.0, 99.0, 5.0], "days": [30, 31, 31]})
    years = pd.DataFrame({"facility_id": ["c", "c", "c"], "fiscal_year": [2023, 2023, 2016],
                          "source": ["jan", "apr", "l2015"], "adp": [40.0, 44.0, 3.0],
                          "data_date": ["2023-01-05", "2023-04-02", "2015-12-08"]})
    best = best_population(population_sources(ddp, uwchr, years)).set_index(["facility_id", "month"])
    # DDP wins where it counts the facility; a month it has no row for is nobody held (0), not unknown.
    assert best.loc[("a", "2022-10"), ["adp", "source"]].tolist() == [10.0, "ddp"]
    assert best.loc[("a", "2022-11"), ["adp", "source"]].tolist() == [0.0, "ddp"]
    assert best.loc[("a", "2022-09"), ["adp", "source"]].tolist() == [7.0, "uwchr"]
    # b is not in DDP's table: UWCHR's figure, and no row where no source counts it.
    assert best.loc[("b", "2022-10"), "source"] == "uwchr" and ("b", "2022-12") not in best.index
    # ICE: the later list of a year wins, up to its data date (FY2023 to date: October to April).
    c = best.loc["c"]
    assert c.loc["2022-10", "adp"] == 44.0 and c.index.max() == "2023-04" and (c["source"] == "ice").all()
    assert list(ice_monthly(years).query("adp == 3.0")["month"]) == ["2015-10", "2015-11", "2015-12"]
    # A range's figure: person-days over the days some source counts the facility.
    adp, span = range_adp(best.reset_index(), "2022-09-01", "2022-12-31")
    assert adp["a"] == pytest.approx((7 * 30 + 10 * 31 + 0 * 30 + 30 * 31) / 122)
    # b: UWCHR's two months (September held nobody there); November and December no source counts.
    assert adp["b"] == pytest.approx(5 * 31 / 61)
    assert span == (dt.date(2022, 9, 1), dt.date(2022, 12, 31))


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def _rows(name):
    with open(DATA_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _expected_2015(ids) -> tuple[dict, dict]:
    """Each facility's people on an average day of 2015, from the bundled files alone: UWCHR's monthly
    headcount where a facility has a code there, else ICE's ADP of FY2015 (January-September) and of
    FY2016 to the 2015 listing's date (October-December), over the days they cover."""
    people, days = defaultdict(float), {}
    headcount = _rows("uwchr/facility-headcount-monthly.csv")
    counted = {r["facility_id"] for r in headcount if r["facility_id"]}
    for r in headcount:
        if r["facility_id"] in ids and r["month"].startswith("2015-"):
            people[r["facility_id"]] += float(r["adp"]) * int(r["days"])
    for f in counted & ids:
        days[f] = 365
    fy = {}
    for r in _rows("facility-years.csv"):
        if r["facility_id"] in ids - counted and r["adp"] and r["fiscal_year"] in ("2015", "2016"):
            fy[(r["facility_id"], r["fiscal_year"])] = float(r["adp"])
    for (f, year), adp in fy.items():
        n = 273 if year == "2015" else 92  # 2015-01-01..09-30; 2015-10-01..12-31
        people[f] += adp * n
        days[f] = days.get(f, 0) + n
    return {f: round(people[f] / days[f], 1) for f in days}, {f: "uwchr" if f in counted else "ice" for f in days}


def test_a_2015_range_has_people_detained_from_uwchr(bundle):
    frames, span = view_frames(bundle, View(start="2015-01-01", end="2015-12-31"))
    fac = frames["facilities"]
    assert span == (dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    want, source = _expected_2015(set(fac["id"]))
    got = fac.set_index("id")
    assert got["adp_in_range"].dropna().to_dict() == pytest.approx(want, abs=0.051)
    assert got["adp_source"].dropna().to_dict() == source
    people = got["adp_in_range"].sum()
    assert people == pytest.approx(sum(want.values()), abs=0.5) and people > 20_000
    assert sum(s == "uwchr" for s in source.values()) > 200  # nearly all from UWCHR's headcount


def test_app_2015_figures_are_not_zero_and_name_their_source(bundle):
    at = run_app(start="2015-01-01", end="2015-12-31")
    metrics = {m.label: m.value for m in at.metric}
    frames, _ = view_frames(bundle, View(start="2015-01-01", end="2015-12-31"))
    placed = frames["facilities"].dropna(subset=["geometry"])
    want, _ = _expected_2015(set(placed["id"]))
    people = placed["adp_in_range"].sum()
    assert people == pytest.approx(sum(want.values()), abs=0.5) and people > 20_000
    # As the app writes it (Babel rounds half to even: 28,354.5 is "28,354").
    assert metrics["People detained, daily average"] == text("en").number(round(people, 1))
    assert int(metrics["Facilities holding people"].replace(",", "")) == sum(v > 0 for v in want.values()) > 150
    caption = next(c.value for c in at.caption if c.value.startswith("Population figures by source"))
    assert "UWCHR daily headcount" in caption and "DDP" not in caption
    # The people-by-month chart is stacked by source and names it.
    chart = str(at.get("vega_lite_chart")[1].proto)
    assert "UWCHR daily headcount" in chart and "2015-06" in chart


def test_a_2025_range_keeps_ddp(bundle):
    frames, _ = view_frames(bundle, View(start="2025-06-01", end="2025-06-30"))
    fac = frames["facilities"].set_index("id")
    ddp_only, _ = with_range_adp(bundle.facilities, bundle.population, "2025-06-01", "2025-06-30")
    ddp_only = ddp_only.set_index("id")["adp_in_range"].dropna()
    counted = fac[fac.index.isin(ddp_only.index)]
    # Every facility DDP counts has DDP's figure, as before the other sources came in.
    assert (counted["adp_source"] == "ddp").all() and len(counted) > 150
    assert counted["adp_in_range"].to_dict() == pytest.approx(ddp_only[counted.index].to_dict())
    # The others (not in DDP's table) carry ICE's FY2025 figure and say so.
    rest = fac[fac["adp_in_range"].notna() & ~fac.index.isin(ddp_only.index)]
    assert set(rest["adp_source"]) <= {"ice", "uwchr"}


def test_app_2025_names_ddp_first():
    at = run_app(start="2025-06-01", end="2025-06-30")
    caption = next(c.value for c in at.caption if c.value.startswith("Population figures by source"))
    assert caption.split(": ")[1].startswith("DDP daily counts")


def test_population_table_is_kept_on_the_bundle(bundle):
    assert population_table(bundle) is population_table(bundle)
    assert set(population_table(bundle)["source"]) == {"ddp", "uwchr", "ice"}

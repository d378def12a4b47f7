"""ICE's 287(g) snapshots: the reader, the county matching and the agreements in force (issue 17)."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pandas as pd
import pytest

from geodata import GeodataError, Report
from geodata.geography.counties import Counties, county_key
from geodata.pipeline.agreements_287g import (
    AGREEMENTS_FILE,
    MEASURE_COLUMNS,
    MEASURES_DIR,
    MONTHLY_FILE,
    SNAPSHOTS_FILE,
    build_287g,
    build_agreements,
    in_force_on,
    load_287g,
)
from geodata.sources.ice_287g import MODELS, read_287g_snapshot, read_287g_snapshots, snapshot_date

D = dt.date


@pytest.fixture(scope="module")
def snaps(shared_data):
    return shared_data / "ice-287g" / "snapshots"


@pytest.fixture(scope="module")
def all_rows(snaps):
    report = Report()
    return read_287g_snapshots(snaps, report), report


@pytest.fixture(scope="module")
def built(snaps):
    report = Report()
    return build_287g(snaps, report), report


def _fold(name: str) -> str:
    # The test's own agency identity: letters and digits only, any case.
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _keys(frame: pd.DataFrame) -> set:
    return {(s, _fold(a), m) for s, a, m in zip(frame["state"], frame["agency"], frame["model"])}


# -- the reader ----------------------------------------------------------------------------


def test_snapshot_date_reads_both_name_patterns():
    when, url = snapshot_date("ParticipatingEntities-20210113002027.xlsx")
    assert when == D(2021, 1, 13)
    assert url == "https://web.archive.org/web/20210113002027/https://www.ice.gov/identify-and-arrest/287g"
    when, url = snapshot_date("participatingAgencies05182026am.xlsx")
    assert when == D(2026, 5, 18) and url == "https://www.ice.gov/identify-and-arrest/287g"
    assert snapshot_date("participatingAgencies01052026pm.xlsx")[0] == D(2026, 1, 5)  # month first
    with pytest.raises(GeodataError, match="not a 287"):
        snapshot_date("agencies.xlsx")


@pytest.mark.parametrize("name, has_type, has_county", [
    ("ParticipatingEntities-20210113002027.xlsx", False, False),
    ("participatingAgencies-20250301180751.xlsx", True, False),
    ("participatingAgencies-20250401123225.xlsx", True, True),
    ("participatingAgencies05182026am.xlsx", True, True),
])
def test_each_layout_is_read_with_its_columns(snaps, name, has_type, has_county):
    df = read_287g_snapshot(snaps / name)
    assert len(df) > 100
    assert set(df["model"]) <= set(MODELS)
    assert df["state"].str.fullmatch(r"[A-Z]{2}").all()
    assert (df["agency_type"] != "").all() == has_type and (df["agency_type"] == "").all() != has_type
    assert (df["county"] != "").any() == has_county
    assert df["signed"].map(lambda d: isinstance(d, dt.date)).mean() > 0.99


def test_header_row_is_found_by_its_names_not_its_place(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ICE 287(g) participating agencies"])
    ws.append([])
    ws.append([" STATE", "LAW ENFORCEMENT AGENCY ", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"])
    ws.append(["MINNESOTA ", "Sherburne  County Sheriff's Office", "County ", "\nSherburne County",
               "Jail Enforcement Model ", dt.datetime(2025, 10, 17), "link"])
    ws.append(["TEXAS", "Pope Police Department", "Municipality", "", "Warrant Service Office", "3/5/2025", "link"])
    path = tmp_path / "participatingAgencies10202025am.xlsx"
    wb.save(path)
    df = read_287g_snapshot(path)
    assert df.iloc[0].to_dict() | {"source_url": ""} == {
        "snapshot_date": D(2025, 10, 20), "state": "MN", "agency": "Sherburne County Sheriff's Office",
        "agency_type": "County", "county": "Sherburne County", "model": "Jail Enforcement Model",
        "signed": D(2025, 10, 17), "source_file": path.name, "source_url": ""}
    assert df.iloc[1]["model"] == "Warrant Service Officer" and df.iloc[1]["signed"] == D(2025, 3, 5)


def test_workbook_without_the_header_is_one_clear_error(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["NAME", "CITY"])
    path = tmp_path / "participatingAgencies01012026am.xlsx"
    wb.save(path)
    with pytest.raises(GeodataError, match=r"participatingAgencies01012026am\.xlsx: no header row"):
        read_287g_snapshot(path)


def test_snapshot_counts_are_those_of_source_md(all_rows):
    rows, _ = all_rows
    per = rows.groupby("source_file")
    sizes = per.size()
    assert sizes["ParticipatingEntities-20210113002027.xlsx"] == 150
    first = per.get_group("ParticipatingEntities-20210113002027.xlsx")
    assert first["model"].value_counts().to_dict() == {"Warrant Service Officer": 76, "Jail Enforcement Model": 74}
    assert first["state"].nunique() == 26
    assert sizes["ParticipatingEntities-20250104041613.xlsx"] == 135
    assert sizes["participatingAgencies-20250301180751.xlsx"] == 239
    assert sizes["participatingAgencies-20250401123225.xlsx"] == 427
    # One January 2026 row writes "Warrant Service Office": still the model, still counted.
    assert sizes["participatingAgencies01052026pm.xlsx"] == 1274
    assert len(sizes) == 66

    last = per.get_group("participatingAgencies05182026am.xlsx")
    assert len(last) == 1843
    assert last["model"].value_counts().to_dict() == {
        "Task Force Model": 1162, "Warrant Service Officer": 499, "Jail Enforcement Model": 182}
    assert last["agency_type"].value_counts().to_dict() == {"County": 1095, "Municipality": 670, "State Agency": 78}
    assert len(last.groupby(["state", "agency"])) == 1557
    with_county = last[last["county"] != ""]
    assert len(with_county) == 1608
    pairs = with_county[["state", "county"]].drop_duplicates()
    assert len(pairs) == 935
    assert (pairs["state"] == "TX").sum() == 211 and (pairs["state"] == "FL").sum() == 70
    signed = last["signed"].dropna()
    assert (signed.min(), signed.max()) == (D(2016, 3, 19), D(2026, 5, 17))
    years = signed.map(lambda d: d.year).value_counts()
    assert (years[2025], years[2026]) == (1113, 599)
    assert (last["state"] == "MN").sum() == 10


def test_states_of_the_last_snapshot_are_forty_once_whitespace_is_collapsed(snaps, all_rows):
    # SOURCE.md's "42 states" counts the raw cells: "LOUISIANA " and "NEW HAMPSHIRE " are
    # written twice over with a trailing space.  Collapsed, 40 (38 states, Guam, the CNMI).
    rows, _ = all_rows
    last = rows[rows["source_file"] == "participatingAgencies05182026am.xlsx"]
    raw = pd.read_excel(snaps / "participatingAgencies05182026am.xlsx")
    assert raw["STATE"].nunique() == 42
    assert last["state"].nunique() == 40 and {"GU", "MP"} <= set(last["state"])


def test_whitespace_quirks_split_no_model_and_no_county(snaps, all_rows):
    rows, _ = all_rows
    raw = pd.read_excel(snaps / "participatingAgencies05182026am.xlsx", dtype=str)
    assert (raw["SUPPORT TYPE"] == "Jail Enforcement Model ").any()  # the quirk is in the file
    assert set(rows["model"]) == set(MODELS)
    raw_schuylkill = raw["COUNTY"].fillna("").str.contains("Schuylkill")
    assert (raw["COUNTY"][raw_schuylkill] != "Schuylkill County").any()  # "\nSchuylkill County"
    last = rows[rows["source_file"] == "participatingAgencies05182026am.xlsx"]
    assert set(last.loc[last["county"].str.contains("Schuylkill"), "county"]) == {"Schuylkill County"}
    assert raw_schuylkill.sum() == (last["county"] == "Schuylkill County").sum()
    for col in ("state", "agency", "agency_type", "county"):
        assert not rows[col].str.contains(r"^\s|\s$|\s\s|\n", regex=True).any(), col


# -- counties ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def counties():
    return Counties()


@pytest.mark.parametrize("state, name, geoid", [
    ("FL", "Miami-Dade County", "12086"),
    ("FL", "Miami Dade County", "12086"),
    ("FL", "Saint Lucie County", "12111"),
    ("LA", "Allen Parish", "22003"),
    ("LA", "LaSalle Parish", "22059"),
    ("VA", "Fairfax County", "51059"),
    ("VA", "City of Fairfax", "51600"),
    ("VA", "Fairfax City", "51600"),
    ("AK", "Juneau City and Borough", "02110"),
    ("AK", "Juneau Borough", "02110"),
    ("AK", "Bethel Census Area", "02050"),
    ("MO", "St. Louis city", "29510"),
    ("MO", "St. Louis County", "29189"),
    ("MN", "Sherburne County", "27141"),
])
def test_county_names_match_census_counties_within_the_state(counties, state, name, geoid):
    assert counties.match(state, name)[0] == geoid


@pytest.mark.parametrize("state, name, why", [
    ("FL", "Arcadia County", "no Census county named"),
    ("LA", "Arcadia County", "no Census county named"),
    ("VA", "Fairfax", "ambiguous"),
    ("MA", "Crow Wing County", "no Census county named"),
    ("GU", "Kattan District", "no Census county polygons for GU"),
])
def test_county_names_that_do_not_match_are_not_guessed(counties, state, name, why):
    geoid, reason = counties.match(state, name)
    assert geoid is None and why in reason


def test_county_key_reads_kind_words():
    assert county_key("St. Louis city") == ("st louis", "city")
    assert county_key("City of Richmond") == ("richmond", "city")
    assert county_key("Prince of Wales-Hyder Census Area") == ("prince of wales hyder", "census area")
    assert county_key("Saint Landry Parish") == ("st landry", "parish")


def test_place_lookup_gives_the_county_of_a_place_within_the_state(counties):
    assert counties.place("AK", "Kodiak")[0] == "02150"
    assert counties.place("FL", "Arcadia")[0] == "12027"  # DeSoto County
    assert counties.place("MN", "Minneapolis")[0] == "27053"
    geoid, why = counties.place("LA", "Morse")  # fewer than 1,000 people: not among the places
    assert geoid is None and "no place named 'Morse' in LA" in why
    assert counties.of_point(-93.264, 44.980) == "27053"


# -- agreements in force -------------------------------------------------------------------


def _rows(*recs):
    cols = ["snapshot_date", "state", "agency", "agency_type", "county", "model", "signed"]
    return pd.DataFrame([dict(zip(cols, r)) for r in recs])


def test_in_force_rule_on_signing_dates_and_gaps():
    s1, s2, s3, s4 = D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)
    tf, jem = "Task Force Model", "Jail Enforcement Model"
    rows = _rows(
        # listed from s1 on, signed long before: in force from its signing (nothing contradicts it)
        (s1, "TX", "A PD", "", "", tf, D(2019, 5, 5)), (s2, "TX", "A PD", "", "", tf, D(2019, 5, 5)),
        (s3, "TX", "A PD", "", "", tf, D(2019, 5, 5)), (s4, "TX", "A PD", "", "", tf, D(2019, 5, 5)),
        # signed between s1 and s2, first listed at s2: from its signing
        (s2, "TX", "B PD", "", "", tf, D(2025, 1, 20)),
        # signed before s2, which did not list it, first listed at s3: from s3 (never against a list)
        (s3, "TX", "C PD", "", "", tf, D(2025, 1, 20)),
        # SIGNED missing or later than the first snapshot listing it: from that snapshot
        (s3, "TX", "D PD", "", "", tf, None), (s3, "TX", "E PD", "", "", tf, D(2025, 3, 15)),
        # listed at s1, absent at s2, listed again at s3 with a new signing date: two periods
        (s1, "TX", "F SO", "", "", jem, D(2020, 1, 1)), (s3, "TX", "F SO", "", "", jem, D(2025, 2, 10)),
        # the same agency written otherwise, and a second model: one agency, two agreements
        (s3, "TX", "G Sheriff’s Office", "", "", tf, D(2025, 2, 2)),
        (s4, "TX", "G Sheriff's Office", "", "", tf, D(2025, 2, 2)),
        (s4, "TX", "G Sheriff's Office", "", "", jem, D(2025, 3, 20)),
    )
    ag = build_agreements(rows).set_index(["agency", "model"])
    assert ag.loc[("A PD", tf), "periods"] == [(D(2019, 5, 5), s4)]
    assert ag.loc[("B PD", tf), "periods"] == [(D(2025, 1, 20), s2)]
    assert ag.loc[("C PD", tf), "periods"] == [(s3, s3)]
    assert ag.loc[("D PD", tf), "periods"] == [(s3, s3)]
    assert ag.loc[("E PD", tf), "periods"] == [(s3, s3)]
    assert ag.loc[("F SO", jem), "periods"] == [(D(2020, 1, 1), s1), (D(2025, 2, 10), s3)]
    assert ag.loc[("F SO", jem), "snapshots"] == "2025-01-01/2025-01-01;2025-03-01/2025-03-01"
    assert ag.loc[("G Sheriff's Office", tf), "periods"] == [(D(2025, 2, 2), s4)]
    assert ag.loc[("G Sheriff's Office", tf), "snapshot_count"] == 2
    assert ag.loc[("G Sheriff's Office", jem), "periods"] == [(D(2025, 3, 20), s4)]
    assert len(ag) == 8


def _in_force_from_two_snapshots(before: pd.DataFrame, after: pd.DataFrame, day: dt.date) -> set:
    """The rule, from the two snapshots around ``day`` only: what both list, and what only the
    later one lists if its SIGNED there falls after the earlier snapshot and on or before ``day``."""
    b_date, b_keys = before["snapshot_date"].iloc[0], _keys(before)
    out = b_keys & _keys(after)
    for s, a, m, signed in zip(after["state"], after["agency"], after["model"], after["signed"]):
        k = (s, _fold(a), m)
        if k not in b_keys and isinstance(signed, dt.date) and b_date < signed <= day:
            out.add(k)
    return out


@pytest.mark.parametrize("before, after, day", [
    ("ParticipatingEntities-20210601131840.xlsx", "ParticipatingEntities-20210701044442.xlsx", D(2021, 6, 20)),
    ("ParticipatingEntities-20250209140921.xlsx", "participatingAgencies-20250301180751.xlsx", D(2025, 2, 20)),
    ("participatingAgencies-20250301180751.xlsx", "participatingAgencies-20250401123225.xlsx", D(2025, 3, 16)),
    ("participatingAgencies12012025am.xlsx", "participatingAgencies01052026pm.xlsx", D(2025, 12, 24)),
    ("participatingAgencies01052026pm.xlsx", "participatingAgencies02022026am.xlsx", D(2026, 1, 20)),
])
def test_in_force_on_a_day_equals_the_two_snapshots_around_it(snaps, all_rows, before, after, day):
    rows, _ = all_rows
    expected = _in_force_from_two_snapshots(read_287g_snapshot(snaps / before), read_287g_snapshot(snaps / after),
                                            day)
    got = in_force_on(build_agreements(rows), day)
    assert _keys(got) == expected
    assert len(expected) > 100


def test_in_force_on_each_snapshot_date_is_exactly_that_snapshot(all_rows):
    rows, _ = all_rows
    agreements = build_agreements(rows)
    for when, snap in rows.groupby("snapshot_date"):
        assert _keys(in_force_on(agreements, when)) == _keys(snap), when


# -- the bundled tables --------------------------------------------------------------------


def _months_of(tables) -> pd.DataFrame:
    from geodata.core.measures import expand_months

    return expand_months(tables["monthly"])


def test_monthly_runs_expand_to_the_agreements_in_force_each_month(built):
    # The test's own month by month count, from each agreement's periods in force (287g-agreements.csv):
    # an agreement counts in a month when one of its periods meets it.  The bundled table's runs,
    # cut into months, must be exactly that.
    tables, _ = built
    ag = tables["agreements"]
    months = pd.period_range("2021-01", "2026-05", freq="M")
    expected: dict[tuple, int] = {}
    for kind, pid, model, spans in zip(ag["place_kind"], ag["place_id"], ag["model"], ag["in_force"]):
        if not kind:
            continue
        periods = [tuple(p.split("/")) for p in spans.split(";")]
        for month in months:
            a, b = month.start_time.strftime("%Y-%m-%d"), month.end_time.strftime("%Y-%m-%d")
            if any(s <= b and e >= a for s, e in periods):
                for cat in ("", model):
                    expected[(kind, pid, a, b, cat)] = expected.get((kind, pid, a, b, cat), 0) + 1
    got = _months_of(tables)
    assert dict(zip(zip(got["place_kind"], got["place_id"], got["period_start"], got["period_end"], got["category"]),
                    got["value"])) == expected
    assert len(got) == len(expected) > 10 * len(tables["monthly"])
    # Runs are as long as they can be: no row follows another of its place and category with the same value.
    m = tables["monthly"].sort_values(["place_kind", "place_id", "category", "period_start"])
    nxt = m.shift(-1)
    same = ((m[["place_kind", "place_id", "category", "value"]] == nxt[["place_kind", "place_id", "category",
                                                                        "value"]]).all(axis=1))
    follows = (pd.to_datetime(m["period_end"]) + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d") == nxt["period_start"]
    assert not (same & follows).any()


def test_monthly_table_has_the_measure_shape(built):
    tables, _ = built
    m = _months_of(tables)
    assert list(m.columns) == MEASURE_COLUMNS
    assert set(m["measure"]) == {"287g"} and set(m["place_kind"]) == {"county", "state"}
    county, state = m[m["place_kind"] == "county"], m[m["place_kind"] == "state"]
    assert county["place_id"].str.fullmatch(r"\d{5}").all() and state["place_id"].str.fullmatch(r"[A-Z]{2}").all()
    assert set(m["category"]) == {"", *MODELS}
    assert m["period_start"].min() == "2021-01-01" and m["period_end"].max() == "2026-05-31"
    assert (m["value"] > 0).all() and set(m["source"]) == {"https://www.ice.gov/identify-and-arrest/287g"}
    # The total of a place and month is the sum of its models.
    total = m[m["category"] == ""].set_index(["place_kind", "place_id", "period_start"])["value"]
    by_model = m[m["category"] != ""].groupby(["place_kind", "place_id", "period_start"])["value"].sum()
    assert total.sort_index().equals(by_model.sort_index())


def test_may_2026_counts_every_placed_agreement_of_its_two_snapshots(snaps, built):
    # In force during May 2026: listed on 1 May or on 18 May (nothing starts after 1 May
    # that the 18 May list does not hold).  Those the build could not place are not counted.
    tables, _ = built
    listed = (_keys(read_287g_snapshot(snaps / "participatingAgencies05012026am.xlsx"))
              | _keys(read_287g_snapshot(snaps / "participatingAgencies05182026am.xlsx")))
    ag = tables["agreements"]
    unplaced = _keys(ag[ag["place_kind"] == ""])
    m = _months_of(tables)
    may = m[(m["period_start"] == "2026-05-01") & (m["category"] == "")]
    assert may["value"].sum() == len(listed - unplaced)


def test_minnesota_january_2026_has_sherburne_jail_enforcement(built):
    tables, _ = built
    ag = tables["agreements"]
    sherburne = ag[(ag["place_id"] == "27141") & (ag["model"] == "Jail Enforcement Model")]
    assert sherburne["signed"].tolist() == ["2025-10-17"]
    assert sherburne["agency"].tolist() == ["Sherburne County Sheriff's Office"]
    m = _months_of(tables)
    jan = m[(m["period_start"] == "2026-01-01") & m["place_id"].str.startswith("27")]
    assert jan[(jan["place_id"] == "27141") & (jan["category"] == "Jail Enforcement Model")]["value"].tolist() == [1]
    assert jan[jan["category"] == ""]["value"].sum() >= 1


def test_arcadia_county_is_reported_not_guessed(all_rows, built):
    # SOURCE.md places ICE's "Arcadia County" in Florida; the files write it for the Morse
    # Police Department, LOUISIANA (Morse is in Acadia Parish).  No county is made of it.
    rows, _ = all_rows
    assert set(rows.loc[rows["county"] == "Arcadia County", "state"]) == {"LA"}
    tables, report = built
    arcadia = [r for r in report.rows if "'Arcadia County'" in r["record"]]
    assert arcadia and all(r["action"] == "unmatched" and "not guessed" in r["reason"] for r in arcadia)
    ag = tables["agreements"]
    morse = ag[ag["agency"] == "Morse Police Department"]
    assert len(morse) and (morse["place_kind"] == "").all()
    assert any(r["record"] == "Morse Police Department (LA)" for r in report.of("unmatched"))


def test_every_agreement_is_placed_or_reported(built):
    tables, report = built
    ag = tables["agreements"]
    reported = {r["record"] for r in report.of("unmatched")}
    for row in ag[ag["place_kind"] == ""].itertuples():
        assert f"{row.agency} ({row.state})" in reported
    assert ag.loc[ag["place_kind"] != "", "place_method"].str.match(
        r"(COUNTY column|agency name|place lookup|state agency)").all()
    states = ag[ag["place_kind"] == "state"]
    assert (states["agency_type"] == "State Agency").all() and (states["place_id"] == states["state"]).all()


def test_bundled_287g_tables_equal_a_rebuild(built, tmp_path):
    from geodata.pipeline.agreements_287g import save_287g

    tables, _ = built
    save_287g(tables, tmp_path)
    for name in (MONTHLY_FILE, AGREEMENTS_FILE, SNAPSHOTS_FILE):
        assert (tmp_path / name).read_text(encoding="utf-8") == (MEASURES_DIR / name).read_text(encoding="utf-8"), (
            f"{name} differs: run `geodata build-bundle` and commit the result")
    loaded = load_287g()
    assert loaded["monthly"]["place_id"].str.len().isin([2, 5]).all()
    assert loaded["snapshots"]["agreements"].sum() == 24102


def test_folder_without_snapshots_or_with_a_stray_workbook_is_one_clear_error(tmp_path):
    with pytest.raises(GeodataError, match="no 287"):
        read_287g_snapshots(tmp_path)
    openpyxl.Workbook().save(tmp_path / "notes.xlsx")
    with pytest.raises(GeodataError, match=r"notes\.xlsx: not a 287\(g\) snapshot name"):
        read_287g_snapshots(tmp_path)

"""Rebuild the bundled default data from its inputs, in one call.

Inputs: ``shared/data`` (ICE's facility lists and detention statistics FY2009-FY2026,
Basu et al.'s deaths table, DDP's facility points and daily population) and the
reviewed CSVs in ``geodata/data/curated/``.  Only sources whose terms allow
redistribution feed the bundle (see ``DATA.md``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ..core.ids import slug
from ..core.paths import DATA_DIR, POPULATION_FILE
from ..core.report import GeodataError, Report
from ..core.schema import CRS, FACILITY_COLUMNS
from ..export.writers import to_geojson
from ..geography.aor import AOR_INPUTS, AOR_NAMES, save_aor_areas
from ..geography.regions import load_regions, multipolygon
from ..pipeline.agreements_287g import AGREEMENTS_FILE, MONTHLY_FILE, SNAPSHOTS_FILE, build_287g
from ..pipeline.curated import read_curated_events
from ..pipeline.facility_history import build_facility_history
from ..pipeline.reference import apply_reference, read_facility_reference
from ..pipeline.validate import validate_facilities, validate_incidents
from ..sources.basu_deaths import read_deaths_basu
from ..sources.ddp_offices import OFFICES_FILE, read_offices
from ..sources.ddp_population import code_states, facility_codes, monthly_population, read_daily_population
from ..sources.ice.facility_list import read_facility_list
from ..sources.ice.stats import ICE_STATS_URL, read_ice_stats
from ..sources.uwchr import read_county_aor, read_headcount
from ..sources.uwchr_headcount import (
    UNMATCHED_FILE,
    join_headcount_codes,
    monthly_headcount,
    save_headcount,
    unmatched_codes,
)
from ..store import Bundle
from .measures import read_measures

__all__ = [
    "build_area_files", "build_bundle", "build_facility_history_layer", "AREA_INPUTS", "BUNDLE_INPUTS",
    "FACILITY_LISTS", "CURATED_DIR", "MEASURE_INPUTS", "build_287g_tables", "build_aor_areas",
]

#: Paths under the shared data folder that the bundle is built from.
BUNDLE_INPUTS = {
    "facilities": "ice-detention-stats/FY26_detentionStats_04092026.xlsx",
    "deaths": "deaths-basu-ucsf/all_250_deaths_detailed.csv",
    # Deportation Data Project (CC0): facility points geocoded by hand, and daily population.
    "locations": "deportation-data-project/facility-locations-oct2025.tsv",
    "population": "deportation-data-project/facilities-daily-population-latest.parquet",
}
CURATED_DIR = DATA_DIR / "curated"
#: Folders under the shared data folder that the measure tables are built from.
MEASURE_INPUTS = {"287g": "ice-287g/snapshots"}  # ICE's 287(g) list, public domain


# -- Facility history: ICE's lists FY2009-FY2026 ----------------------------------------
_ICE = "ice-detention-stats/"
#: ICE's facility lists, oldest first (all public domain), with the name each record gives
#: its source.  The newest is ``BUNDLE_INPUTS["facilities"]``.
FACILITY_LISTS: tuple[tuple[str, str | None], ...] = (
    (_ICE + "09foia5638detentionfacilitylist.xls",
     "ICE facility list of 2009-08-15 (FOIA 09-FOIA-5638)"),
    (_ICE + "2015IceDetentionFacilityListing.xlsx",
     "ICE facility listing of 2015-12-08 (ADP FY2010-FY2016)"),
    (_ICE + "FY19-detentionstats.xlsx", None),
    (_ICE + "FY20-detentionstats.xlsx", None),
    (_ICE + "FY21-detentionstats.xlsx", None),
    (_ICE + "FY22-detentionStats.xlsx", None),
    (_ICE + "FY23_detentionStats.xlsx", None),
    (_ICE + "FY24_detentionStats.xlsx", None),
    (_ICE + "FY25_detentionStats09242025.xlsx", None),
    (_ICE + "FY26_detentionStats02022026.xlsx", None),
    (BUNDLE_INPUTS["facilities"], None),
)
# ICE's files as mirrored, byte for byte, by CarwilB/ice-detention (ice-detention-stats/SOURCE.md).
_MIRROR = "https://github.com/CarwilB/ice-detention/blob/d4dc30aa135ccc29e0904d737fe7dacabe083862/data/ice/"
_LIST_URLS = {
    "09foia5638detentionfacilitylist.xls": _MIRROR + "09foia5638detentionfacilitylist.xls",
    "2015IceDetentionFacilityListing.xlsx": _MIRROR + "2015IceDetentionFacilityListing.xlsx",
}


def build_facility_history_layer(shared_data: str | Path, report: Report):
    """Read every ICE facility list and join them into one facility per place.

    Returns ``(facilities, facility_years)`` (see
    :func:`geodata.pipeline.facility_history.build_facility_history`); what each list skipped and each
    join worth checking go to ``report``.
    """
    shared_data = Path(shared_data)
    lists = []
    for rel, name in FACILITY_LISTS:
        path = shared_data / rel
        if path.name.lower().startswith("fy"):
            gdf = read_ice_stats(path, report)
            # Each record names the workbook it comes from (the mirror's byte copy), not only ICE's page.
            gdf["source_urls"] = f"{ICE_STATS_URL} {_MIRROR}{path.name}"
            lists.append(gdf)
        else:
            lists.append(read_facility_list(path, report, source_name=name, source_url=_LIST_URLS[path.name]))
    return build_facility_history(lists, report)


def _codes_of(facilities: pd.DataFrame) -> dict[str, str]:
    """``facility id -> DETLOC`` where a list gave one (DDP counts by the same code)."""
    return {fid: code for fid, code in zip(facilities["id"], facilities["detloc"]) if isinstance(code, str) and code}


def _ddp_places(locations, facilities):
    """The points DDP placed by hand (``facility-locations-oct2025``) that no facility of the layer has
    (by its code, or by DDP's point having moved it), as facility records of their own: name, code,
    address and state as DDP's table writes them, ``location_precision`` ``address``."""
    import geopandas as gpd

    codes = set(facilities["detloc"].dropna().astype(str))
    moved = facilities["location_method"].fillna("").str.contains("Deportation Data Project", regex=False)
    moved_names = {str(n).upper() for n in facilities.loc[moved, "name"]}
    rows = []
    for r in locations.itertuples():
        if not isinstance(r.state, str) or not r.state or r.code in codes or str(r.name).upper() in moved_names:
            continue
        street, _, rest = str(r.address or "").partition(",")
        zip_code = next((w for w in reversed(rest.split()) if w.isdigit() and len(w) == 5), None)
        rows.append({
            "id": f"fac-{slug(r.state)}-{slug(r.name)}", "name": r.name, "address": street.strip() or None,
            "city": r.city, "state": r.state, "zip": zip_code, "detloc": r.code,
            "location_precision": r.precision, "location_method": f"placed by hand by the Deportation Data "
            f"Project (facility-locations-oct2025, code {r.code})",
            "source_name": r.source_name, "source_urls": r.source_url, "geometry": r.geometry,
        })
    frame = pd.DataFrame(rows, columns=[*FACILITY_COLUMNS, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)


# -- The bundle --------------------------------------------------------------------------
def build_bundle(shared_data: str | Path, curated_dir: str | Path = CURATED_DIR) -> Bundle:
    """Import, join, place and validate every input; return the bundle and its report."""
    shared_data = Path(shared_data)
    for rel in (*BUNDLE_INPUTS.values(), *(rel for rel, _ in FACILITY_LISTS)):
        if not (shared_data / rel).is_file():
            raise GeodataError(f"missing input {shared_data / rel}")
    for rel in MEASURE_INPUTS.values():
        if not (shared_data / rel).is_dir():
            raise GeodataError(f"missing input folder {shared_data / rel}")
    report = Report()
    facilities, facility_years = build_facility_history_layer(shared_data, report)
    facilities = validate_facilities(facilities, report)
    # Where DDP placed a facility by hand, its point beats the ZIP centroid.  Only the
    # facilities it moves are worth a line in the report: "not in DDP's 34" is no news.
    ddp_report = Report()
    locations = read_facility_reference(shared_data / BUNDLE_INPUTS["locations"], ddp_report)
    facilities = apply_reference(facilities, locations, ddp_report).reset_index(drop=True)
    report.rows.extend(r for r in ddp_report.rows if r["action"] not in ("unmatched", "unused"))

    # A death in custody at a facility outside ICE's lists that DDP placed by hand (FMC Devens)
    # is joined to that facility, which then joins the layer; the other points DDP placed stay out.
    extra = _ddp_places(locations, facilities)
    facility_years = facility_years[facility_years["facility_id"].isin(set(facilities["id"]))]
    deaths = read_deaths_basu(shared_data / BUNDLE_INPUTS["deaths"], pd.concat([facilities, extra]), report,
                              facility_years)
    used = extra[extra["id"].isin(set(deaths["facility_id"].dropna()))]
    for row in used.itertuples():
        report.add("facilities", row.id, "added",
                   f"not in ICE's lists: {row.name} ({row.detloc}), placed by hand by the Deportation Data Project, "
                   "joins the layer because a death in custody happened there")
    facilities = validate_facilities(pd.concat([facilities, used], ignore_index=True), report)

    daily = read_daily_population(shared_data / BUNDLE_INPUTS["population"])
    # Only facilities in use while DDP counts (FY2023 on) are worth a name match; the
    # others may still take a DDP code by their DETLOC.
    recent = facilities["fiscal_years"].fillna("").str.contains(r"\b202[3-9]\b")
    codes = facility_codes(daily, facilities[recent | facilities["detloc"].notna()], report,
                           known=_codes_of(facilities), states=code_states(locations))
    population = monthly_population(daily, codes=codes)
    population = population[population["max"] > 0].reset_index(drop=True)  # a missing month: nobody held

    parts = [deaths]
    for path in sorted(Path(curated_dir).glob("*.csv")):
        parts.append(read_curated_events(path, facilities, report))
    incidents = pd.concat(parts, ignore_index=True)
    incidents = validate_incidents(incidents, report)
    measures = build_287g_tables(shared_data, report)
    # The other measures' readers (ATD, USBP) too, for their report rows only: every row left out or
    # noted is then in the one build report (their tables are written by `build_measure_files`).
    read_measures(shared_data, report)
    return Bundle(
        facilities.reset_index(drop=True),
        incidents.sort_values(["date_start", "id"]).reset_index(drop=True),
        report.to_frame(),
        population,
        facility_years.reset_index(drop=True),
        measures=measures,
    )


def build_287g_tables(shared_data: str | Path, report: Report) -> dict[str, pd.DataFrame]:
    """ICE's 287(g) agreements: by place and month, one row per agreement, the snapshots read
    (:func:`geodata.pipeline.agreements_287g.build_287g`), by path under the data folder; what was not
    placed goes to ``report``."""
    tables = build_287g(Path(shared_data) / MEASURE_INPUTS["287g"], report)
    return {f"measures/{MONTHLY_FILE}": tables["monthly"], f"measures/{AGREEMENTS_FILE}": tables["agreements"],
            f"measures/{SNAPSHOTS_FILE}": tables["snapshots"]}


#: Inputs of the files :func:`build_area_files` writes, under the shared data folder.
AREA_INPUTS = {
    "county_aor": "uwchr/county_aor_2024_fips.csv",  # GPL-3.0
    "headcount": "uwchr/inc_headcount_fy12-24ytd.psv.gz",  # GPL-3.0
    "offices": "deportation-data-project/ice-offices.xlsx",  # CC0
}


#: Columns of a facility layer that may hold ICE's facility code (DETLOC), first found wins.
FACILITY_CODE_COLUMNS = ("detloc", "detention_facility_code", "facility_code")


def build_aor_areas(shared_data: str | Path, counties: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """ICE areas of responsibility as polygons: the bundled counties dissolved by UWCHR's table.

    Parameters
    ----------
    shared_data : path
        The shared data folder holding ``uwchr/county_aor_2024_fips.csv``.
    counties : geopandas.GeoDataFrame, optional
        County polygons (as ``load_regions("county")``, the default).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per AOR, sorted by code: ``aor``, ``name`` (the field office's city),
        ``states`` (the postal codes of the states it reaches, space-separated),
        ``counties`` (how many counties it holds), ``placed_by_state`` (counties whose
        2010 code is not in the 2024 table, given their state's one AOR: Connecticut's),
        ``county_fips`` (the list of its counties' codes) and a MultiPolygon in EPSG:4326.
    """
    path = Path(shared_data) / AOR_INPUTS["county_aor"]
    if not path.is_file():
        raise GeodataError(f"missing input {path}")
    counties = load_regions("county") if counties is None else counties
    table = read_county_aor(path, counties["region_id"])
    counties = counties.assign(aor=table["aor"].to_numpy(), how=table["how"].to_numpy())
    rows, geoms = [], []
    for aor, part in counties.groupby("aor", sort=True):
        geom = shapely.coverage_union_all(part.geometry.values)
        if not geom.is_valid:  # rounded neighbours that no longer fit exactly
            geom = shapely.union_all(part.geometry.values)
        rows.append({
            "aor": aor,
            "name": AOR_NAMES.get(aor, aor),
            "states": " ".join(sorted(set(part["state"]))),
            "counties": int(len(part)),
            "placed_by_state": int((part["how"] == "state").sum()),
            "county_fips": sorted(part["region_id"]),
        })
        geoms.append(multipolygon(geom))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def build_area_files(shared_data: str | Path, directory: str | Path = DATA_DIR,
                     population: pd.DataFrame | None = None,
                     facilities: pd.DataFrame | None = None) -> tuple[list[Path], Report]:
    """Write the bundle's files that come under their own licences, each file one source.

    * ``uwchr/ice-aor-areas.json``: ICE areas of responsibility, the Census counties
      dissolved by UWCHR's county table (GPL-3.0);
    * ``uwchr/facility-headcount-monthly.csv``: UWCHR's daily headcount by facility code
      and month, FY2012 to January 2024 (GPL-3.0), each code joined to the facility that
      DDP's table gives it where there is one (``population``: the bundle's facility x
      month table; default: the committed one), or a facility's own code (a column of
      ``facilities`` named in :data:`FACILITY_CODE_COLUMNS`, where the layer has one),
      and ``uwchr/facility-headcount-unmatched.csv``: the codes without a facility, with
      their person-days (the report of what the map cannot place);
    * ``ice-offices.geojson``: DDP's ICE offices (CC0).

    Returns the paths written and a report (headcount codes without a facility,
    offices without coordinates).
    """
    shared_data, directory = Path(shared_data), Path(directory)
    for rel in AREA_INPUTS.values():
        if not (shared_data / rel).is_file():
            raise GeodataError(f"missing input {shared_data / rel}")
    report = Report()
    paths = [save_aor_areas(build_aor_areas(shared_data), directory / "uwchr")]

    if population is None:
        pop_path = DATA_DIR / POPULATION_FILE
        population = pd.read_csv(pop_path, dtype=str) if pop_path.is_file() else pd.DataFrame(
            columns=["detention_facility_code", "facility_id"])
    codes = population[["detention_facility_code", "facility_id"]]
    own = next((c for c in FACILITY_CODE_COLUMNS if facilities is not None and c in facilities.columns), None)
    if own:  # a facility's own code first, then DDP's join
        pairs = facilities[[own, "id"]].rename(columns={own: "detention_facility_code", "id": "facility_id"})
        codes = pd.concat([pairs.dropna(), codes], ignore_index=True)
    monthly = monthly_headcount(read_headcount(shared_data / AREA_INPUTS["headcount"]))
    monthly = join_headcount_codes(monthly, codes, report)
    paths.append(save_headcount(monthly, directory / "uwchr"))
    unmatched = directory / "uwchr" / UNMATCHED_FILE
    unmatched_codes(monthly).to_csv(unmatched, index=False, lineterminator="\n")
    paths.append(unmatched)

    offices = read_offices(shared_data / AREA_INPUTS["offices"], report)
    path = directory / OFFICES_FILE
    path.write_text(to_geojson({"offices": offices}, keep_unplaced=True), encoding="utf-8")
    paths.append(path)
    return paths, report

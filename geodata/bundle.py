"""Rebuild the bundled default data from its inputs, in one call.

Inputs: ``shared/data`` (ICE's FY2026 detention statistics, Basu et al.'s deaths
table) and the reviewed CSVs in ``geodata/data/curated/``.  Only sources whose
terms allow redistribution feed the bundle (see ``DATA.md``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .curated import read_curated_events
from .deaths import read_deaths_basu
from .ice_stats import read_ice_stats
from .population import code_states, facility_codes, monthly_population, read_daily_population
from .reference import apply_reference, read_facility_reference
from .report import GeodataError, Report
from .store import DATA_DIR, Bundle
from .validate import validate_facilities, validate_incidents

__all__ = ["build_bundle", "BUNDLE_INPUTS", "CURATED_DIR"]

#: Paths under the shared data folder that the bundle is built from.
BUNDLE_INPUTS = {
    "facilities": "ice-detention-stats/FY26_detentionStats_04092026.xlsx",
    "deaths": "deaths-basu-ucsf/all_250_deaths_detailed.csv",
    # Deportation Data Project (CC0): facility points geocoded by hand, and daily population.
    "locations": "deportation-data-project/facility-locations-oct2025.tsv",
    "population": "deportation-data-project/facilities-daily-population-latest.parquet",
}
CURATED_DIR = DATA_DIR / "curated"


def build_bundle(shared_data: str | Path, curated_dir: str | Path = CURATED_DIR) -> Bundle:
    """Import, join, place and validate every input; return the bundle and its report."""
    shared_data = Path(shared_data)
    for rel in BUNDLE_INPUTS.values():
        if not (shared_data / rel).is_file():
            raise GeodataError(f"missing input {shared_data / rel}")
    report = Report()
    facilities = read_ice_stats(shared_data / BUNDLE_INPUTS["facilities"], report)
    facilities = validate_facilities(facilities, report)
    # Where DDP placed a facility by hand, its point beats the ZIP centroid.  Only the
    # facilities it moves are worth a line in the report: "not in DDP's 34" is no news.
    ddp_report = Report()
    locations = read_facility_reference(shared_data / BUNDLE_INPUTS["locations"], ddp_report)
    facilities = apply_reference(facilities, locations, ddp_report).reset_index(drop=True)
    report.rows.extend(r for r in ddp_report.rows if r["action"] not in ("unmatched", "unused"))

    daily = read_daily_population(shared_data / BUNDLE_INPUTS["population"])
    codes = facility_codes(daily, facilities, report, states=code_states(locations))
    population = monthly_population(daily, codes=codes)
    population = population[population["max"] > 0].reset_index(drop=True)  # a missing month: nobody held

    parts = [read_deaths_basu(shared_data / BUNDLE_INPUTS["deaths"], facilities, report)]
    for path in sorted(Path(curated_dir).glob("*.csv")):
        parts.append(read_curated_events(path, facilities, report))
    incidents = pd.concat(parts, ignore_index=True)
    incidents = validate_incidents(incidents, report)
    return Bundle(
        facilities.reset_index(drop=True),
        incidents.sort_values(["date_start", "id"]).reset_index(drop=True),
        report.to_frame(),
        population,
    )

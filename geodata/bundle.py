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
from .report import GeodataError, Report
from .store import DATA_DIR, Bundle
from .validate import validate_facilities, validate_incidents

__all__ = ["build_bundle", "BUNDLE_INPUTS", "CURATED_DIR"]

#: Paths under the shared data folder that the bundle is built from.
BUNDLE_INPUTS = {
    "facilities": "ice-detention-stats/FY26_detentionStats_04092026.xlsx",
    "deaths": "deaths-basu-ucsf/all_250_deaths_detailed.csv",
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

    parts = [read_deaths_basu(shared_data / BUNDLE_INPUTS["deaths"], facilities, report)]
    for path in sorted(Path(curated_dir).glob("*.csv")):
        parts.append(read_curated_events(path, facilities, report))
    incidents = pd.concat(parts, ignore_index=True)
    incidents = validate_incidents(incidents, report)
    return Bundle(
        facilities.reset_index(drop=True),
        incidents.sort_values(["date_start", "id"]).reset_index(drop=True),
        report.to_frame(),
    )

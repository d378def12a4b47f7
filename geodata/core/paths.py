"""Where the bundled data lives: the folder ``geodata/data/`` and the names of its files.

Every layer reads these names from here (the store, the reference geography, the sources that
read a bundled table), so none has to import a higher layer to find a file.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA_DIR", "FACILITY_YEARS_FILE", "FILES", "POPULATION_FILE", "REPORT_FILE"]

#: ``geodata/data/``: data, not code, so it stays beside the package's folders.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
FILES = {"facilities": "facilities.geojson", "incidents": "incidents.geojson"}
REPORT_FILE = "build-report.csv"
POPULATION_FILE = "facility-population-monthly.csv"
#: Facility x fiscal year x list: ADP and what each list says (geodata.pipeline.facility_history).
FACILITY_YEARS_FILE = "facility-years.csv"

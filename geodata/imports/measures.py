"""``geodata build-bundle``'s measure tables: each registered measure's reader run on the shared data.

The registry (``geodata.core.measures``) names each reader as ``"module:function"`` of a source
module; this module, above the sources, imports and runs them.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..core.atomic import write_text
from ..core.measures import MEASURES, MEASURES_DIR, MEASURES_REPORT_FILE, save_measure
from ..core.report import Report

__all__ = ["build_measure_files", "measure_reader", "read_measures"]


def measure_reader(name: str):
    """The function a registry entry's ``reader`` names (``"geodata.sources.ice_atd:read_atd_measure"``)."""
    module, _, func = name.partition(":")
    return getattr(importlib.import_module(module), func)


def read_measures(shared_data: str | Path, report: Report, keys=None) -> dict:
    """``{key: table}`` of every bundled measure that has a reader (or of those of ``keys``), read from
    the shared data; what each reader left out or noted goes into ``report``."""
    out = {}
    for m in MEASURES.values():
        if not m.bundled or m.reader is None or (keys is not None and m.key not in keys):
            continue
        reader = m.reader if callable(m.reader) else measure_reader(m.reader)
        out[m.key] = reader(Path(shared_data), report)
    return out


def build_measure_files(shared_data: str | Path, directory: str | Path | None = None, keys=None):
    """Run the reader of every bundled measure that has one (or of those of ``keys``) and write its table.

    Returns ``(paths, report)``; what the readers left out or noted is written beside the
    tables too (:data:`geodata.core.measures.MEASURES_REPORT_FILE`, one row per row not kept as it
    came, with its reason; ``geodata.imports.bundle.build_bundle`` puts the same rows in the build report).
    Measures without a reader (287(g), written by ``geodata.imports.bundle``;
    arrests, fetched) are left as they are.
    """
    report = Report()
    paths = [save_measure(table, key, directory) for key, table in read_measures(shared_data, report, keys).items()]
    if paths:
        path = Path(directory or MEASURES_DIR) / MEASURES_REPORT_FILE
        write_text(path, report.to_frame().to_csv(index=False, lineterminator="\n"))
        paths.append(path)
    return paths, report

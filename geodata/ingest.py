"""One import run: read, map, place, check, deduplicate, store, and account for every row.

Every input row ends in exactly one of

* **stored**: written as its own record (``new``, ``updated`` or ``unchanged``),
* **merged**: folded into another record (named in the report), its sources kept,
* **rejected**: left out, with the reason, and written with its original row to the
  rejects file.

Importing the same file twice changes nothing; importing an updated file updates
the records whose content changed (ids are stable: the source's own id, or a hash
of date, title and place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .dedupe import find_duplicates
from .geocode import Geocoder
from .incidents_import import Mapping, map_incidents
from .report import Report
from .schema import CRS, INCIDENT_COLUMNS, join_urls, split_urls
from .store import read_layer
from .tables import MB, _mb, read_table
from .validate import validate_incidents

__all__ = [
    "ImportResult", "import_incidents", "STORE_COLUMNS", "load_store", "save_store", "read_upload",
    "MAX_UPLOAD_BYTES", "MAX_UPLOAD_ROWS", "MAX_UPLOAD_COLUMNS",
]

#: The store keeps helper fields beside the schema: two for deduplication, and `review` (see README, Homes).
STORE_COLUMNS = (*INCIDENT_COLUMNS, "person", "canonical_id", "review")
_VERIFICATION_RANK = {"official_record": 0, "news_report": 1, "unverified": 2}


@dataclass
class ImportResult:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: int = 0
    merges: list[tuple[str, str]] = field(default_factory=list)  # (input record, record it joined)
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)
    report: Report = field(default_factory=Report)
    warnings: list[str] = field(default_factory=list)  # what reading the file had to guess (tables.read_table)

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.stored} stored ({self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged), {self.merged} merged, {self.rejected} rejected"
        )


def load_store(path: str | Path) -> gpd.GeoDataFrame:
    path = Path(path)
    if not path.is_file():
        return gpd.GeoDataFrame({c: [] for c in STORE_COLUMNS}, geometry=[], crs=CRS)
    return read_layer(path, STORE_COLUMNS)


def save_store(gdf: gpd.GeoDataFrame, path: str | Path) -> None:
    from .export import to_geojson

    Path(path).write_text(to_geojson({"incidents": gdf.sort_values("id", kind="stable")}), encoding="utf-8")


def _value(v):
    return None if v is None or (isinstance(v, float) and v != v) else v


def _content(rec: dict) -> tuple:
    return tuple((c, _value(rec.get(c))) for c in STORE_COLUMNS if c not in ("source_urls",)) + (
        ("xy", rec.get("_xy")),
        ("urls", tuple(sorted(split_urls(rec.get("source_urls"))))),
    )


def import_incidents(
    path: str | Path,
    store_path: str | Path,
    *,
    mapping: Mapping | None = None,
    geocoder: Geocoder | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    rejects_path: str | Path | None = None,
    progress=None,
) -> ImportResult:
    """Import one incident file into the store at ``store_path`` (GeoJSON, created if absent)."""
    path = Path(path)
    result = ImportResult()
    table = read_table(path)
    result.rows = len(table)
    source = path.name
    result.warnings = list(table.attrs.get("warnings", []))
    for warning in result.warnings:
        result.report.add(source, "file", "note", warning)
    mapped, rejects = map_incidents(
        table, mapping, source=source, geocoder=geocoder, facilities=facilities, report=result.report,
        progress=progress,
    )
    before = set(mapped.index)
    valid = validate_incidents(mapped, result.report, source=source, allow_repeated_ids=True)
    failed = mapped.loc[sorted(before - set(valid.index))]
    if len(failed):
        last = {r["record"]: r["reason"] for r in result.report.of("rejected")}
        rows = table.set_index("_row").loc[failed["_row"]].reset_index()
        rows.insert(0, "reason", [last.get(i, "failed validation") for i in failed["id"]])
        rejects = pd.concat([rejects, rows], ignore_index=True)

    store = load_store(store_path)
    n_old = len(store)
    combined = pd.concat([store, valid[list(STORE_COLUMNS) + ["geometry"]]], ignore_index=True)
    combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=CRS)
    old_ids = dict(zip(store["id"], range(n_old)))

    # An input record whose id is already stored is that record (new content or not);
    # only the others are candidates for merging.
    records = combined.to_dict("records")
    for r, g in zip(records, combined.geometry):
        r["_xy"] = (round(g.x, 6), round(g.y, 6))
    keep: dict[str, dict] = {r["id"]: r for r in records[:n_old]}
    new_positions = []
    seen_new: dict[str, int] = {}
    repeats = []
    for pos in range(n_old, len(records)):
        r = records[pos]
        if r["id"] in seen_new:  # the same id twice in one file (an identical row): merged into the first
            repeats.append(r)
            continue
        seen_new[r["id"]] = pos
        if r["id"] in old_ids:
            old = keep[r["id"]]
            r = dict(r, source_urls=join_urls([*split_urls(r["source_urls"]), *split_urls(old["source_urls"])]))
            if _content(r) == _content(old):
                result.unchanged += 1
            else:
                result.updated += 1
            keep[r["id"]] = r
        else:
            new_positions.append(pos)

    # Duplicates among stored records and this file's new records.
    candidates = [records[i] for i in range(n_old)] + [records[p] for p in new_positions]
    cand = gpd.GeoDataFrame(candidates, geometry="geometry", crs=CRS) if candidates else None
    dup = find_duplicates(cand) if cand is not None else {}
    for k, rec in enumerate(candidates):
        if k < n_old:
            continue
        if k in dup:
            target = keep[candidates[dup[k]]["id"]]  # a stored record, or an earlier one of this file
            target["source_urls"] = join_urls([*split_urls(target["source_urls"]), *split_urls(rec["source_urls"])])
            if _VERIFICATION_RANK[rec["verification"]] < _VERIFICATION_RANK[target["verification"]]:
                target["verification"] = rec["verification"]
            result.merged += 1
            result.merges.append((rec["id"], target["id"]))
            result.report.add(source, rec["id"], "merged", f"same event as {target['id']}")
        else:
            keep[rec["id"]] = rec
            result.new += 1
    joined = dict(result.merges)  # the first of the repeated rows may itself have joined another record
    for r in repeats:
        target = keep[joined.get(r["id"], r["id"])]
        target["source_urls"] = join_urls([*split_urls(target["source_urls"]), *split_urls(r["source_urls"])])
        result.merged += 1
        result.merges.append((r["id"], target["id"]))
        result.report.add(source, r["id"], "merged", f"a repeat of an earlier row of this file (into {target['id']})")

    out = gpd.GeoDataFrame(
        [{c: r.get(c) for c in STORE_COLUMNS} for r in keep.values()],
        columns=list(STORE_COLUMNS),
        geometry=[r["geometry"] for r in keep.values()],
        crs=CRS,
    )
    save_store(out, store_path)
    result.rejects = rejects
    result.rejected = len(rejects)
    if rejects_path is not None:  # written every run, so an old file never lingers
        (rejects if len(rejects) else pd.DataFrame(columns=["reason"])).to_csv(rejects_path, index=False)
    return result


#: The largest file a viewer may upload to see beside the bundled layers, counted as
#: Streamlit counts ``server.maxUploadSize`` (MB = 2**20 bytes; .streamlit/config.toml says
#: the same) and again after gzip decompression, so a small bomb stops at the same limit.
MAX_UPLOAD_BYTES = 20 * MB
#: The most rows of one upload: each row is placed one by one (about 1 ms each), and
#: one viewer must not keep the server busy for minutes.  The command line has no such limit.
MAX_UPLOAD_ROWS = 10_000
#: The most columns of one upload (the widest incident table at hand has 74): with the rows,
#: this bounds the cells read to two million, a few seconds.
MAX_UPLOAD_COLUMNS = 200
UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".geojson", ".xlsx", ".gz")


def read_upload(data: bytes, filename: str, *, max_bytes: int = MAX_UPLOAD_BYTES, max_rows: int = MAX_UPLOAD_ROWS):
    """A viewer's own incident file, mapped like an import but kept out of every store.

    Returns ``(incidents, rejects)``.  ``incidents.attrs`` accounts for every row of
    the file: ``rows`` = ``len(incidents)`` + ``merged`` (a repeat of an earlier row) +
    ``rejected`` (= ``len(rejects)``, each with its reason); ``warnings`` says what
    reading had to guess.  Raises :class:`GeodataError`, naming ``filename`` (never the
    temporary copy), with a message for the viewer: too large, too many rows or
    columns, a format it cannot read, no rows it could place.
    """
    import tempfile

    from .report import GeodataError

    if len(data) > max_bytes:
        raise GeodataError(f"{filename}: {len(data):,} bytes; the limit is {_mb(max_bytes)} ({max_bytes:,} bytes)")
    suffixes = [s.lower() for s in Path(filename).suffixes[-2:]]
    if suffixes and suffixes[-1] not in UPLOAD_SUFFIXES:
        raise GeodataError(f"{filename}: use CSV, JSON, GeoJSON or XLSX")
    # The copy's name keeps only the suffixes that tell a format (a name is the viewer's to choose).
    suffix = "".join(s for s in suffixes if s in UPLOAD_SUFFIXES) or ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        table = read_table(path, name=filename, max_bytes=max_bytes, max_rows=max_rows,
                           max_columns=MAX_UPLOAD_COLUMNS)
    report = Report()
    mapped, rejects = map_incidents(table, Mapping(source_key="upload"), source=filename, report=report)
    valid = validate_incidents(mapped, report, source=filename, allow_repeated_ids=True)
    failed = mapped.loc[sorted(set(mapped.index) - set(valid.index))]
    if len(failed):
        last = {r["record"]: r["reason"] for r in report.of("rejected")}
        rows = table.set_index("_row").loc[failed["_row"]].reset_index()
        rows.insert(0, "reason", [last.get(i, "failed validation") for i in failed["id"]])
        rejects = pd.concat([rejects, rows], ignore_index=True)
    repeated = valid["id"].duplicated()
    valid = valid[~repeated]
    if valid.empty:
        reasons = pd.Series([r["reason"] for r in report.of("rejected")]).value_counts()
        top = "; ".join(f"{n} x {why}" for why, n in reasons.head(3).items())
        raise GeodataError(f"no row of {filename} could be shown ({top})")
    valid = valid.copy()
    valid.attrs = {
        "rows": len(table), "merged": int(repeated.sum()), "rejected": len(rejects),
        "warnings": list(table.attrs.get("warnings", [])),
    }
    return valid, rejects

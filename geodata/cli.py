"""Command line: ``geodata`` (or ``python -m geodata``).

Each command parses its arguments and calls one library function; a problem with
the input becomes one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .core.report import GeodataError, Report

# Each command imports the library parts it needs inside its function: `geodata --help` and a small
# command then start without loading GeoPandas, PyArrow and the whole package. The CLI is the top
# layer, so these imports all point down; none of them avoids a cycle.

__all__ = ["main"]

#: Where ``build-bundle`` looks for the shared data when not told: ``../shared/data``
#: beside the repository.
DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _print_report(report: Report) -> None:
    for row in report.rows:
        print(f"  {row['action']}: {row['record']}: {row['reason']}", file=sys.stderr)


def _geocoder(args):
    from .geography.geocode import CensusProvider, DiskCache, GazetteerProvider, Geocoder, NominatimProvider

    providers = [GazetteerProvider()]
    if args.online == "census":
        providers.append(CensusProvider())
    elif args.online == "nominatim":
        if not args.user_agent:
            raise GeodataError("Nominatim needs --user-agent (its usage policy asks who is calling)")
        providers.append(NominatimProvider(args.user_agent))
    cache = DiskCache(args.cache) if args.cache else None
    return Geocoder(providers, cache)


def _rejects_path(store: str, file: str) -> str:
    """Beside the store: ``DIR.rejects.csv`` for a folder, ``NAME.rejects.csv`` for a .geojson file;
    beside the imported file for a database (whose import log keeps the rejects too)."""
    if "://" in str(store):
        return str(Path(file).with_suffix("")) + ".rejects.csv"
    p = Path(store)
    if p.suffix.lower() in (".geojson", ".json") and not p.is_dir():
        return str(p.with_suffix("")) + ".rejects.csv"
    return str(p.parent / (p.name.rstrip("/") + ".rejects.csv"))


def _refuse_store_path(path, what: str, store=None) -> None:
    """Exit 2 (before anything is written) when the output ``path`` is, or is inside, a store, or is
    the ``.geojson`` store (or one of its files) being imported into."""
    from .store.manifest import store_holding

    if not path:
        return
    inside = store_holding(path)
    if inside is not None:
        raise GeodataError(f"{path}: {what} would be written inside the store {inside}; choose a path outside it")
    if store and "://" not in str(store):
        own = Path(store).resolve()
        if Path(path).resolve() in (own, Path(f"{own}.lock"), Path(f"{own}.sources.json")):
            raise GeodataError(f"{path}: {what} would replace the store {store}; choose another path")


def _new_rejects_path(path: str) -> str:
    """``X.rejects.csv``, or when an earlier run left that, ``X.rejects.2.csv``, ``.3``...: each run's
    rejects in a file of its own, none overwritten."""
    p = Path(path)
    if not p.exists():
        return path
    stem = p.name[: -len(p.suffix)] if p.suffix else p.name
    n = 2
    while (p.parent / f"{stem}.{n}{p.suffix}").exists():
        n += 1
    return str(p.parent / f"{stem}.{n}{p.suffix}")


def _cmd_import_incidents(args) -> int:
    from tqdm import tqdm

    from .imports.ingest import import_incidents, is_file_store
    from .pipeline.incidents_import import Mapping
    from .store import load_bundle, open_store

    if not args.store:
        raise GeodataError("import incidents needs --store DIR (a store made by `geodata init --store DIR`)")
    mapping = Mapping.load(args.mapping, args.map)
    if args.source_key is not None:
        mapping.source_key = Mapping.check_key(args.source_key)
    # Never over an earlier run's rejects: the default gets a new number; a file named with --rejects is refused.
    if args.rejects and Path(args.rejects).exists():
        raise GeodataError(f"{args.rejects} exists (an earlier run's rejects file?); name a new file with --rejects")
    rejects = args.rejects or _new_rejects_path(_rejects_path(args.store, args.file))
    _refuse_store_path(rejects, "the rejects file", args.store)
    _refuse_store_path(args.cache, "the geocoding cache", args.store)
    geocoder = _geocoder(args)
    if is_file_store(args.store):
        store, facilities = args.store, load_bundle().facilities
    else:
        store = open_store(args.store)
        facilities = store.facilities()
    # A bar only on a terminal (tqdm's disable=None: off when stderr is not a TTY, so tests and logs stay quiet):
    # rows mapped out of the file's rows, then the stage the run is in.
    with tqdm(desc=f"importing {args.file}", unit=" rows", disable=args.quiet or None, file=sys.stderr) as bar:
        def stage(what, rows):
            if bar.total != rows:
                bar.total = rows
            bar.set_postfix_str(what)

        bar.set_postfix_str("reading")
        result = import_incidents(
            args.file, store, mapping=mapping, geocoder=geocoder,
            facilities=facilities, rejects_path=rejects, progress=bar.update, stage=stage,
        )
    if geocoder.cache is not None:
        geocoder.cache.save()
    print(result.summary(), file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.rejected:
        print(f"rejected rows, with their reasons and original values: {rejects}", file=sys.stderr)
    for name, n in geocoder.failures.items():
        print(f"  the online geocoder {name} failed {n} times; those rows were placed offline", file=sys.stderr)
    if args.verbose:
        _print_report(result.report)
    return 0


def _cmd_init(args) -> int:
    from .store import load_bundle, open_store
    from .store.parquet import MANIFEST

    if "://" in str(args.store):
        return _init_database(args)
    target = Path(args.store)
    if (target / MANIFEST).is_file() and not args.force:
        raise GeodataError(f"{target} is a store already (use --force to replace its data with the bundled data)")
    if target.exists() and not target.is_dir():
        raise GeodataError(f"{target} is a file; a store is a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise GeodataError(f"{target} is a folder with other files in it; choose an empty or new folder")
    bundle = load_bundle(args.data) if args.data else load_bundle()
    store = open_store(target, create=True)
    store.seed(bundle)
    meta = store.metadata()
    print(f"{target}: a store of {len(bundle.facilities)} facilities and {meta['incidents']} incidents "
          f"(schema {meta['schema_version']}); import into it with `geodata import incidents FILE --store {target}`",
          file=sys.stderr)
    return 0


def _init_database(args) -> int:
    """``geodata init --store postgresql://...``: apply the migrations it lacks; seed it when it is empty."""
    from .store import load_bundle
    from .store.postgis import PostgisStore

    store = PostgisStore(args.store, create=True)
    applied = store.last_migrations
    meta = store.metadata()
    facilities = len(store.facilities())
    if (meta["incidents"] or facilities) and not args.force:
        print(f"{store.url}: a store already (schema {meta['schema_version']}; "
              + (f"migrations {', '.join(map(str, applied))} applied" if applied else "no migration to apply")
              + "); use --force to replace its data with the bundled data", file=sys.stderr)
        return 0
    bundle = load_bundle(args.data) if args.data else load_bundle()
    store.seed(bundle)
    meta = store.metadata()
    print(f"{store.url}: a store of {len(bundle.facilities)} facilities and {meta['incidents']} incidents "
          f"(schema {meta['schema_version']}; migrations {', '.join(map(str, applied)) or 'none'} applied); "
          f"import into it with `geodata import incidents FILE --store URL`", file=sys.stderr)
    return 0


def _facilities(args):
    """The facility layer to join to: a GeoJSON given with --facilities, or the bundled one."""
    from .core.schema import FACILITY_COLUMNS
    from .store import load_bundle, read_layer

    if getattr(args, "facilities", None):
        return read_layer(args.facilities, FACILITY_COLUMNS)
    return load_bundle().facilities


def _cmd_import_reference(args) -> int:
    from .export.files import write_export
    from .pipeline.reference import apply_reference, match_reference, read_facility_reference, write_rejects

    if not args.output:
        raise GeodataError("import facility-reference needs -o OUTPUT (the facilities, re-placed)")
    report = Report()
    ref = read_facility_reference(args.file, report)
    facilities = _facilities(args)
    matches = match_reference(facilities, ref, report)
    placed = apply_reference(facilities, ref, report, matches=matches)
    write_export({"facilities": placed}, args.output)
    counts = matches["status"].value_counts().to_dict()
    rejects = args.rejects or str(args.output).rsplit(".", 1)[0] + ".rejects.csv"
    write_rejects(ref, rejects)
    print(
        f"{args.file}: {ref.attrs['rows_read']} rows, {len(ref)} with a usable point "
        f"(rejected rows in {rejects}); facilities: "
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        + f"; wrote {args.output}",
        file=sys.stderr,
    )
    if args.verbose:
        _print_report(report)
    return 0


def _cmd_import_population(args) -> int:
    from .sources.ddp_population import facility_codes, monthly_population, read_daily_population

    if not args.output:
        raise GeodataError("import population needs -o OUTPUT.csv (facility x month)")
    report = Report()
    daily = read_daily_population(args.file)
    codes = facility_codes(daily, _facilities(args), report)
    monthly = monthly_population(daily, codes=codes)
    monthly[monthly["max"] > 0].to_csv(args.output, index=False)
    print(
        f"{args.file}: {daily['detention_facility_code'].nunique()} facility codes, {len(codes)} joined to "
        f"facilities; {len(report.of('unmatched'))} unmatched and {len(report.of('ambiguous'))} ambiguous "
        f"(listed with -v); wrote {args.output}",
        file=sys.stderr,
    )
    if args.verbose:
        _print_report(report)
    return 0


def _cmd_import(args) -> int:
    from .export.files import write_export
    from .sources.ice.stats import read_ice_stats

    _refuse_store_path(args.output, "the output")
    _refuse_store_path(args.rejects, "the rejects file")
    if args.kind == "incidents":
        return _cmd_import_incidents(args)
    if args.kind == "facility-reference":
        return _cmd_import_reference(args)
    if args.kind == "population":
        return _cmd_import_population(args)
    if not args.output:
        raise GeodataError(f"import {args.kind} needs -o OUTPUT (.geojson or .csv)")
    report = Report()
    if args.kind == "facility-list":
        from .sources import read_facility_list

        gdf = read_facility_list(args.file, report)
    else:
        gdf = read_ice_stats(args.file, report)
    frames = {"facilities": gdf}
    written = write_export(frames, args.output)
    unplaced = len(gdf) - written
    print(
        f"{args.file}: {len(gdf)} facilities read, {written} written to {args.output}"
        + (f", {unplaced} without a location (listed below, not written)" if unplaced else ""),
        file=sys.stderr,
    )
    _print_report(report)
    return 0


def _measure_category(categories, keys) -> str:
    """The one category (a 287(g) model, an ATD technology) ``--category`` asks of a measure export ("": all)."""
    if not categories:
        return ""
    if len(categories) > 1 or len(keys) > 1:
        raise GeodataError("a measure export takes one --category (a 287(g) model, an ATD technology) of one --layer")
    return categories[0]


def _export_measures(args, keys) -> int:
    """``geodata export --layer 287g ...``: one feature per place with its value for the range."""
    import pandas as pd

    from .core.measures import load_measure
    from .export.files import check_export_path
    from .view.measures import measure_features, write_measure_export

    others = [x for x in args.layer if x not in keys]
    if others:
        raise GeodataError(f"export writes measures ({', '.join(keys)}) or {', '.join(others)}, not both in one file")
    if args.store or args.hide_empty:
        raise GeodataError("--store and --hide-empty do not apply to a measure export")
    category = _measure_category(args.category, keys)
    check_export_path(args.output)
    _refuse_store_path(args.output, "the export")
    parts = []
    for key in keys:
        table = load_measure(key, Path(args.data) / "measures" if args.data else None)
        if table is None:
            raise GeodataError(f"no data for {key!r} here" + (" (run `geodata fetch ddp-arrests`)"
                                                               if key == "arrests" else ""))
        if category and category not in set(table["category"]):
            known = sorted(set(table["category"]) - {""})
            raise GeodataError(f"{key} has no category {category!r}; its categories: {', '.join(known) or 'none'}")
        parts.append(measure_features(key, args.start.start if args.start else None,
                                      args.end.end if args.end else None, aors=tuple(args.aor or ()), table=table,
                                      category=category))
    gdf = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    n = write_measure_export(gdf, args.output)
    print(f"wrote {n} features to {args.output} ({', '.join(f'{len(p)} {k}' for k, p in zip(keys, parts))})",
          file=sys.stderr)
    return 0


def _cmd_export(args) -> int:
    from .core.measures import MEASURES
    from .export.files import check_export_path, export_metadata, hold_freed_memory, write_export

    keys = [x for x in (args.layer or ()) if x in MEASURES]
    if keys:
        return _export_measures(args, keys)
    from .store import BundleStore, open_store
    from .view import View, export_frames

    start = args.start.start if args.start else None
    end = args.end.end if args.end else None
    try:
        view = View(
            start=start,
            end=end,
            categories=tuple(args.category) if args.category else View().categories,
            layers=tuple(args.layer) if args.layer else View().layers,
            aors=tuple(args.aor or ()),
        )
    except ValueError as exc:
        raise GeodataError(str(exc)) from None
    if args.store and args.data:
        raise GeodataError("export reads --store or --data, not both")
    check_export_path(args.output)  # before any reading: a typo in the folder is told at once
    _refuse_store_path(args.output, "the export", args.store)
    store = open_store(args.store) if args.store else BundleStore(args.data) if args.data else BundleStore()
    if view.aors:
        from .geography.aor import known_aors, unknown_aor_message

        known = known_aors(store.facilities())
        unknown = [a for a in view.aors if a not in known]
        if unknown:
            raise GeodataError(unknown_aor_message(unknown, known))
    hold_freed_memory()  # the command ends after the export: freed memory kept for the next chunk
    frames = export_frames(store, view, hide_empty=args.hide_empty)
    from tqdm import tqdm

    from .export.writers import export_size

    total = export_size(frames)
    # A bar only for large exports on a terminal (tqdm's disable=None: off when stderr is not a TTY).
    with tqdm(total=total, desc=f"writing {args.output}", unit=" features", file=sys.stderr,
              disable=None if total >= 200_000 else True) as bar:
        from .view.spans import layer_spans

        n = write_export(frames, args.output, progress=bar.update,
                         metadata=export_metadata(view, layer_spans(store)))
    # What was written, layer by layer (a record with no place is not a feature), and what was left out.
    written = {layer: export_size({layer: gdf}) for layer, gdf in frames.items()}
    counts = ", ".join(f"{written[layer]} {layer}" for layer in frames)
    unplaced = sum(len(gdf) for gdf in frames.values()) - n
    dates = (f"; dates {view.start or 'first'} to {view.end or 'last'}" if view.start or view.end else "")
    print(f"wrote {n} features to {args.output} ({counts}{dates})"
          + (f"; {unplaced} in view without a place, not written" if unplaced else ""), file=sys.stderr)
    return 0


def _cmd_build_bundle(args) -> int:
    from .imports.bundle import build_bundle
    from .store import save_bundle

    shared = Path(args.shared or os.environ.get("GEODATA_SHARED_DATA") or DEFAULT_SHARED)
    bundle = build_bundle(shared)
    paths = save_bundle(bundle, args.out) if args.out else save_bundle(bundle)
    print(
        f"{len(bundle.facilities)} facilities, {len(bundle.incidents)} incidents; "
        f"{len(bundle.report)} report rows; wrote {', '.join(str(p) for p in paths)}",
        file=sys.stderr,
    )
    _build_area_files(shared, args, bundle)
    _build_measure_files(shared, args)
    if not args.out:  # the documents state the committed bundle's figures (geodata.figures)
        from .core.paths import DATA_DIR
        from .view.figures import fill_documents

        for path in fill_documents(DATA_DIR.parents[1]):
            print(f"wrote the bundle's figures into {path}", file=sys.stderr)
    return 0


def _build_measure_files(shared: Path, args) -> None:
    """The measures' tables (USBP encounters, people on ATD...): facts derived from public-domain sources."""
    from .core.measures import MEASURES_DIR
    from .imports.measures import build_measure_files

    paths, report = build_measure_files(shared, Path(args.out) / "measures" if args.out else MEASURES_DIR)
    print(f"wrote {', '.join(str(p) for p in paths)}; {len(report)} report rows", file=sys.stderr)
    _print_report(report)


def _build_area_files(shared: Path, args, bundle) -> None:
    """AOR polygons, UWCHR headcount, ICE offices: files of their own (own licences)."""
    from .imports.bundle import build_area_files
    from .store import DATA_DIR

    paths, report = build_area_files(shared, Path(args.out) if args.out else DATA_DIR,
                                     population=bundle.population, facilities=bundle.facilities)
    unmatched = report.of("unmatched")
    print(f"wrote {', '.join(str(p) for p in paths)}; {len(unmatched)} headcount facility codes have no "
          "facility in the bundle (kept, without facility_id)", file=sys.stderr)


def _cmd_build_basemap(args) -> int:
    from .geography.boundaries import build_boundaries, save_boundaries
    from .geography.places import build_places, save_places

    shared = Path(args.shared or os.environ.get("GEODATA_SHARED_DATA") or DEFAULT_SHARED)
    path = save_boundaries(build_boundaries(shared))
    print(f"wrote {path} ({path.stat().st_size:,} bytes)", file=sys.stderr)
    places = build_places()
    path = save_places(places)
    print(f"wrote {path} ({len(places):,} places, {path.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


def _cmd_build_regions(args) -> int:
    from .geography.regions import build_regions, save_regions

    shared = Path(args.shared or os.environ.get("GEODATA_SHARED_DATA") or DEFAULT_SHARED)
    path = save_regions(build_regions(shared))
    print(f"wrote {path} ({path.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


def _cmd_fetch(args) -> int:
    from .core.measures import measure_path
    from .sources.ddp_arrests import DDP_ARRESTS_URL, fetch_arrests, summary

    url = args.url or os.environ.get("GEODATA_DDP_ARRESTS_URL") or DDP_ARRESTS_URL
    out = Path(args.output) if args.output else measure_path("arrests")
    cells = fetch_arrests(url, out, facilities=_facilities(args))
    print(f"{summary(cells)}; wrote {out} (counts only, no row of the table)", file=sys.stderr)
    return 0


def _date(text: str):
    """A day, a month or a year, as the importer reads them: ``2026-01`` is all of January 2026
    (:func:`geodata.core.dates.parse_partial_date`); ``--start`` takes its first day, ``--end`` its last."""
    from .core.dates import parse_partial_date

    try:
        return parse_partial_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD, YYYY-MM or YYYY): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    from .core.schema import CATEGORIES
    from .view.selection import LAYERS

    parser = argparse.ArgumentParser(prog="geodata", description="Map data of US immigration enforcement.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="read a source file into the project's schema")
    p.add_argument(
        "kind", choices=["ice-stats", "facility-list", "incidents", "facility-reference", "population"],
        help="ice-stats: an ICE detentionStats .xlsx workbook; facility-list: any ICE facility list (.xls, .xlsx: "
        "the 2009 FOIA list, the 2015 listing, other layouts); incidents: a CSV, JSON, GeoJSON or XLSX incident "
        "table; facility-reference: a facility table with coordinates (Marshall, UWCHR, CarwilB, DDP); "
        "population: DDP's daily facility population (.parquet)",
    )
    p.add_argument("file")
    p.add_argument("-o", "--output", help="output: .geojson or .csv (ice-stats, facility-reference), .csv (population)")
    p.add_argument("--facilities", help="facility-reference, population: a facility layer (.geojson); default: bundled")
    p.add_argument("--store", help="incidents: the store folder (made by `geodata init --store DIR`)")
    p.add_argument("--mapping", help="incidents: a TOML column mapping")
    p.add_argument("--map", action="append", metavar="FIELD=COLUMN", help="incidents: map one field (repeatable)")
    p.add_argument("--rejects", help="incidents: a new file for the rejected rows (default: beside the store, "
                   "STORE.rejects.csv, then STORE.rejects.2.csv... one per run, none overwritten)")
    p.add_argument("--source-key", help="incidents: the prefix of this source's record ids (default: the file's "
                   "name, made unique in the store)")
    p.add_argument("--online", choices=["census", "nominatim"], help="incidents: also ask an online geocoder")
    p.add_argument("--user-agent", help="incidents: who is calling Nominatim")
    p.add_argument("--cache", help="incidents: geocoding cache file (JSON), so nothing is looked up twice")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="list every merged and rejected row")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("init", help="make a store (a folder) holding the bundled data, to import into")
    p.add_argument("--store", required=True, help="the store folder (created; must be new or empty)")
    p.add_argument("--data", help="seed from a bundle folder other than the default")
    p.add_argument("--force", action="store_true", help="replace the data of an existing store")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("export", help="export a filtered view of the bundled data or of a store")
    p.add_argument("--start", type=_date,
                   help="first day (YYYY-MM-DD), inclusive; a month (YYYY-MM) or year (YYYY) starts on its first day")
    p.add_argument("--end", type=_date,
                   help="last day (YYYY-MM-DD), inclusive; a month (YYYY-MM) or year (YYYY) ends on its last day")
    p.add_argument("--category", action="append", metavar="CATEGORY",
                   help=f"incident category (repeatable: {', '.join(CATEGORIES)}); with a measure --layer, one of its "
                   "categories: a 287(g) model (\"Task Force Model\"), an ATD technology (GPS)")
    p.add_argument("--layer", action="append", choices=LAYERS,
                   help="layer (repeatable; default: facilities and incidents); a measure (287g, atd, usbp, "
                   "arrests) is written as one feature per area or sector with its value for the range")
    p.add_argument("--aor", action="append", help="ICE area of responsibility, such as ELP (repeatable)")
    p.add_argument("--hide-empty", action="store_true", help="leave out facilities that held nobody in the range")
    p.add_argument("--data", help="a bundle folder other than the default")
    p.add_argument("--store", help="a store folder (`geodata init`) instead of the bundled data")
    p.add_argument("-o", "--output", required=True, help="output .geojson or .csv")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("fetch", help="download a source and keep only what the map shows of it")
    p.add_argument("kind", choices=["ddp-arrests"],
                   help="ddp-arrests: the Deportation Data Project's ICE arrests table, counted by county and week")
    p.add_argument("--url", help="where to download it from (https://, file:// or a path; default: "
                   "$GEODATA_DDP_ARRESTS_URL or DDP's published file)")
    p.add_argument("--facilities", help="a facility layer (.geojson) to join arrest landmarks to; default: bundled")
    p.add_argument("-o", "--output", help="the weekly counts (.csv, the arrests measure's table); default: "
                   "geodata/data/measures/ddp-arrests-weekly.csv")
    p.set_defaults(func=_cmd_fetch)

    p = sub.add_parser("build-basemap",
                       help="rebuild the bundled outline map (states, counties, land) and its place names (GeoNames)")
    p.add_argument("--shared", help=f"the shared data folder (default: $GEODATA_SHARED_DATA or {DEFAULT_SHARED})")
    p.set_defaults(func=_cmd_build_basemap)

    p = sub.add_parser("build-regions", help="rebuild the bundled state and county polygons (choropleth)")
    p.add_argument("--shared", help=f"the shared data folder (default: $GEODATA_SHARED_DATA or {DEFAULT_SHARED})")
    p.set_defaults(func=_cmd_build_regions)

    p = sub.add_parser("build-bundle", help="rebuild the bundled default data from its inputs")
    p.add_argument("--shared", help=f"the shared data folder (default: $GEODATA_SHARED_DATA or {DEFAULT_SHARED})")
    p.add_argument("--out", help="write here instead of geodata/data/")
    p.set_defaults(func=_cmd_build_bundle)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (GeodataError, OSError) as exc:  # bad input, or an output path that cannot be written
        # One line, whatever the message quotes from the file.
        print(f"geodata: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2

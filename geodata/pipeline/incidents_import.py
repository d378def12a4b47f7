"""Importing incident tables from other people: column mapping, dates, categories, places.

A source's column names are mapped onto the incident schema by a :class:`Mapping`:
common names (``date``, ``incident_type``, ``city``, ``latitude``, ``source_url``,
``sources`` …) are recognised without one; a small TOML file (or ``--map
field=column`` on the command line) says the rest::

    source_key = "mn-ice-witness"          # prefix of the record ids
    day_first = false                      # D/M/Y dates when true
    [columns]                              # schema field = source column(s)
    place = "location"
    [categories]                           # source value = category
    "mass_raid" = "arrest"
    [defaults]                             # for rows that leave a field empty
    state = "MN"
    verification = "unverified"
    source_urls = "https://github.com/.../incidents-summary.json"

Every row becomes a record or a rejection with its reason; nothing is dropped
silently.  See :func:`import_incidents` for the whole run, with deduplication
and the store.
"""

from __future__ import annotations

import hashlib
import operator
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import h3
import pandas as pd
import shapely

from ..core.dates import date_range_problem, parse_loose_date
from ..core.ids import distinct_slug, slug
from ..core.report import GeodataError, Report
from ..core.schema import CATEGORIES, CRS, INCIDENT_COLUMNS, VERIFICATION_STATUSES, state_code
from ..geography.coords import check_coordinates, plain_number, state_boxes
from ..geography.geocode import GeocodeQuery, Geocoder
from ..geography.match import FacilityMatcher
from .privacy import H3_RESOLUTION, generalise_place, generalise_point, has_street_address, without_house_numbers
from .tables import plain_rows, text_lists

__all__ = ["Mapping", "map_incidents", "COMMON_COLUMNS", "CATEGORY_SYNONYMS"]

#: Schema field -> source column names recognised without a mapping, most telling first.
#: Extra fields used while importing: ``person`` (for deduplication), ``lat``/``lon``,
#: ``facility`` (joined to the facility layer), ``canonical_id`` (a source's own
#: same-event key), ``public_place`` (true when a point is not a private home).
COMMON_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "incident_id", "record_id", "uid"),
    "title": ("title", "headline", "name", "event", "summary"),
    "date": ("date", "incident_date", "event_date", "date_of_death", "occurred", "day"),
    "date_precision": ("date_precision",),
    "category": ("category", "incident_type", "event_type", "type", "kind"),
    "description": ("description", "summary", "circumstances", "notes", "outcome", "details"),
    "place": ("place", "location", "address", "site"),
    "street": ("street", "street_address", "address_line"),
    "city": ("city", "town", "municipality"),
    "county": ("county",),
    "state": ("state", "state_code", "province"),
    "zip": ("zip", "zipcode", "zip_code", "postal_code"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "source_urls": ("source_urls", "source_url", "sources", "url", "urls", "link", "links", "source"),
    "source_name": ("source_name", "outlet", "publisher", "source"),
    "verification": ("verification", "verification_status", "trustworthiness"),
    "person": ("person", "victim_name", "name_of_person", "subject"),
    "facility": ("facility", "facility_name", "detention_facility"),
    "canonical_id": ("canonical_incident_id", "canonical_id", "event_id"),
    "public_place": ("public_place",),
}

#: Source wording -> category.  Anything else is ``other`` (and reported).
CATEGORY_SYNONYMS: dict[str, str] = {
    **{c: c for c in CATEGORIES},
    "death": "death_in_custody", "death_in_detention": "death_in_custody", "custody_death": "death_in_custody",
    "shooting_by_agent": "shooting", "shooting_at_agent": "shooting", "shooting_at_ice_facility": "shooting",
    "shot": "shooting", "gunfire": "shooting",
    "raid": "arrest", "mass_raid": "arrest", "workplace_raid": "arrest", "mass_arrest": "arrest",
    "protest_arrest": "arrest", "sensitive_location_arrest": "arrest", "wrongful_detention": "arrest",
    "veteran_detention": "arrest", "detention": "arrest", "apprehension": "arrest", "arrests": "arrest",
    "wrongful_deportation": "arrest",
    "less_lethal": "use_of_force", "physical_force": "use_of_force", "force": "use_of_force",
    "tear_gas": "use_of_force", "assault": "use_of_force",
    "coordinated_protest": "protest", "demonstration": "protest", "march": "protest", "strike": "protest",
    "rally": "protest", "vigil": "protest",
    "troops": "deployment", "surge": "deployment",
}

#: Source wording -> verification status.  A source's own grade ("high", "verified")
#: is its claim, not a check this project made: anything not named here is ``unverified``.
VERIFICATION_SYNONYMS: dict[str, str] = {
    **{v: v for v in VERIFICATION_STATUSES},
    "official": "official_record", "government": "official_record",
}

_URL = re.compile(r"https?://[^\s\"'<>;,|\]\[)]+")
_PARENS = re.compile(r"\s*\([^)]*\)")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
_STREET = re.compile(r"^\s*\d+[A-Za-z]?\s+\S+")  # "1234 Elm St": a house number


@dataclass
class Mapping:
    """How one source's columns map onto the schema (see the module docstring)."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    day_first: bool = False
    source_key: str | None = None

    @staticmethod
    def check_key(key) -> str:
        """``key`` if it can prefix record ids (letters, digits, ``-``, ``_``, ``.``; at most 60), else a
        :class:`GeodataError`."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise GeodataError(f"source key {key!r}: use 1 to 60 letters, digits, '-', '_' or '.' "
                               "(it begins every record id of the source)")
        return key

    @classmethod
    def load(cls, path: str | Path | None = None, overrides: list[str] | None = None) -> "Mapping":
        """Read a TOML mapping file and/or ``field=column`` overrides."""
        data = {}
        if path:
            try:
                data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise GeodataError(f"{path}: not a readable TOML mapping ({exc})") from None
        _check_mapping(path, data)
        columns = {k: [v] if isinstance(v, str) else list(v) for k, v in data.get("columns", {}).items()}
        for item in overrides or []:
            key, sep, value = item.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise GeodataError(f"--map needs field=column, not {item!r}")
            columns[key.strip()] = [value.strip()]
        unknown = [k for k in columns if k not in COMMON_COLUMNS]
        if unknown:
            raise GeodataError(f"unknown field(s) in mapping: {', '.join(unknown)}; known: {', '.join(COMMON_COLUMNS)}")
        bad = {k: v for k, v in data.get("categories", {}).items() if v not in CATEGORIES}
        if bad:
            raise GeodataError(f"mapping sends values to unknown categories: {bad}")
        return cls(
            columns=columns,
            categories={str(k).lower(): v for k, v in data.get("categories", {}).items()},
            defaults={k: str(v) for k, v in data.get("defaults", {}).items()},
            day_first=bool(data.get("day_first", False)),
            source_key=None if data.get("source_key") is None else cls.check_key(data.get("source_key")),
        )

    def resolve(self, available: list[str]) -> dict[str, list[str]]:
        """Field -> the source columns that feed it, for this file's header."""
        lower = {c.lower().strip(): c for c in available}
        out = {}
        for fld, names in COMMON_COLUMNS.items():
            wanted = self.columns.get(fld)
            if wanted:
                # A list names alternatives: files of one source differ, and a file may
                # have none of them.  A single name must be there.
                present = [w if w in available else lower[w.lower()] for w in wanted
                           if w in available or w.lower() in lower]
                if len(wanted) == 1 and not present:
                    raise GeodataError(f"mapping names a column not in the file: {wanted[0]}")
                if present:
                    out[fld] = present
            else:
                found = [lower[n] for n in names if n in lower]
                if found:
                    out[fld] = found
        return out


def _check_mapping(path, data: dict) -> None:
    """One clear message for a mapping whose values have the wrong type (``date = 5`` at the top level,
    ``columns = "x"``, ``day_first = "false"``, which ``bool()`` would read as true)."""
    known = {"columns", "categories", "defaults", "day_first", "source_key"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise GeodataError(f"{path}: unknown key(s) {', '.join(map(repr, unknown))} in the mapping; "
                           f"known: {', '.join(sorted(known))} (columns go in a [columns] table)")
    for table in ("columns", "categories", "defaults"):
        if table in data and not isinstance(data[table], dict):
            raise GeodataError(f"{path}: {table} must be a table ([{table}]), not {data[table]!r}")
    for fld, v in data.get("columns", {}).items():
        if not (isinstance(v, str) or (isinstance(v, list) and v and all(isinstance(x, str) for x in v))):
            raise GeodataError(f"{path}: columns.{fld} must be a column name or a list of names, not {v!r}")
    for k, v in data.get("categories", {}).items():
        if not isinstance(v, str):
            raise GeodataError(f"{path}: categories.{k} must be a category name, not {v!r}")
    for k, v in data.get("defaults", {}).items():
        if isinstance(v, (dict, list)):
            raise GeodataError(f"{path}: defaults.{k} must be a single value, not {v!r}")
    if "day_first" in data and not isinstance(data["day_first"], bool):
        raise GeodataError(f"{path}: day_first must be true or false (no quotes), not {data['day_first']!r}")


def _first(row, cols) -> str | None:
    for c in cols or ():
        v = row.get(c)
        if v not in (None, ""):
            return v
    return None


def _category(raw: str | None, mapping: Mapping) -> tuple[str, str | None]:
    """``(category, note)`` for a source's type, which may list several (``"a; b"``)."""
    if not raw:
        return "other", "no category given"
    for part in [p.strip() for p in raw.split(";") if p.strip()]:
        key = part.lower().replace("-", "_").replace(" ", "_")
        if key in mapping.categories:
            return mapping.categories[key], None
        if key in CATEGORY_SYNONYMS:
            return CATEGORY_SYNONYMS[key], None
    return "other", f"category {raw!r} not known: other"


def _record_id(key: str, src_id: str | None, *parts) -> str:
    """The source's own id, or a hash of what makes the row itself (stable across runs)."""
    if src_id:
        return f"{key}:{slug(src_id, 60)}"
    digest = hashlib.sha1("|".join(str(p or "") for p in parts).encode()).hexdigest()[:10]
    date = parts[0]
    return f"{key}:{date}-{digest}"


class _Cache(dict):
    """``fn(key)`` worked out once per distinct key (dates, categories, states, places, geocoder queries)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self[key] = self.fn(key)
        return value


def _shown(text):
    """``text`` unless it is only characters nobody sees (zero-width spaces, joiners, marks, controls): a
    title like that is no title."""
    if not text or text.isascii():
        return text
    return text if any(unicodedata.category(c)[0] not in "CZM" for c in text) else None


def _no_nul(values: list) -> list:
    """``values`` without NUL characters: no text means one (PostgreSQL's text cannot hold it, and one NUL
    would fail a whole import there), so both stores keep the same text."""
    if "\x00" not in "\x01".join(v for v in values if v):  # one scan in C: most files have none
        return values
    return [v.replace("\x00", "") if isinstance(v, str) else v for v in values]


def _texts(column) -> list:
    return _no_nul(text_lists(column))


def _column(table: pd.DataFrame, names, default=None) -> list:
    """One field for every row: the first non-empty of its source columns, else the mapping's default."""
    names = list(names or ())
    if not names:
        return [default] * len(table)
    values = _texts(table[names[0]])
    for name in names[1:]:
        values = [v if v not in (None, "") else w for v, w in zip(values, _texts(table[name]))]
    if default:
        return [v if v else default for v in values]
    return [v if v not in (None, "") else None for v in values]


def _parse_date(key, day_first):
    text, precision = key
    try:
        when = parse_loose_date(text or "", precision, day_first=day_first)
    except ValueError as exc:
        return None, f"bad or missing date: {exc}"
    why = date_range_problem(when.start, when.end)
    if why:
        return None, f"impossible date: {why}"
    return (when.text, when.precision, when.start.isoformat(), when.end.isoformat()), None


_CHUNK = 100_000  # rows mapped at a time

_ASCII_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _holds_address(src_id: str) -> bool:
    """A source id that holds a street address ("4512-elm-street-minneapolis", "4512 Elm"): not made part
    of a record id, which every export shows."""
    # The record's id is then the hash of its (generalised, published) content, as for a row with no id:
    # a hash of the source id itself could be undone by trying every house number.
    return has_street_address(src_id.replace("-", " ").replace("_", " "))


def _source_id(src_id: str) -> str:
    """The source's id as the record id's tail: whole where it is a short ASCII slug; else
    :func:`~geodata.ids.distinct_slug` (two ids never become one)."""
    return src_id if len(src_id) <= 60 and _ASCII_SLUG.fullmatch(src_id) else distinct_slug(src_id, 60)


def _fast_point(lat, lon, box) -> tuple[float, float] | None:
    """``(lon, lat)`` when the check could only say "ok" (the usual case), else None: let
    :func:`~geodata.geography.coords.check_coordinates` decide and say why."""
    try:
        y, x = plain_number(lat), plain_number(lon)  # plain numbers only: float() would read "4_4.98" as 44.98
    except (TypeError, ValueError):
        return None
    if y is None or x is None:
        return None
    if not (-90 <= y <= 90 and -180 <= x <= 180) or (x == 0 and y == 0):
        return None  # NaN fails the range test too
    if box is not None and not (box[0] <= x <= box[2] and box[1] <= y <= box[3]):
        return None
    return x, y


def map_incidents(
    table: pd.DataFrame,
    mapping: Mapping | None = None,
    *,
    source: str = "incidents",
    geocoder: Geocoder | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    report: Report | None = None,
    progress=None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Map a raw table (from :func:`geodata.pipeline.tables.read_table`) onto the incident schema.

    Returns ``(incidents, rejects)``: incidents carry extra columns ``person``,
    ``canonical_id``, ``review`` and ``_row`` (the input row); ``rejects`` holds each
    rejected input row with its ``reason``.  Each kept record is placed at the finest
    level its fields allow: the source's own coordinates (checked), its facility, then
    the geocoder (offline gazetteer by default).  A street-level point that is not
    known to be a public place is generalised to a ``block`` before it is kept, and so
    is its text (:mod:`geodata.pipeline.privacy`).

    The table is worked column by column: a date, a category, a state, a place or a
    geocoder query is worked out once per distinct value, not once per row, so a
    million rows take seconds.  ``progress(k)`` is called as rows are done.
    """
    mapping = mapping or Mapping()
    report = report if report is not None else Report()
    geocoder = geocoder or Geocoder()
    key = mapping.source_key or slug(source, 40)
    cols = mapping.resolve([c for c in table.columns if c != "_row"])
    matcher = FacilityMatcher(facilities) if facilities is not None and len(facilities) else None
    if "date" not in cols:
        raise GeodataError(f"{source}: no date column found (map one with --map date=COLUMN)")
    dates = _Cache(lambda k: _parse_date(k, mapping.day_first))
    categories = _Cache(lambda raw: _category(raw, mapping))
    states = _Cache(state_code)
    cities = _Cache(lambda c: _PARENS.sub("", c).strip() if c else None)
    verifications = _Cache(lambda v: VERIFICATION_SYNONYMS.get((v or "unverified").lower().strip(), "unverified"))
    public_places = _Cache(lambda v: (v or "").lower() in ("true", "yes", "1"))
    places = _Cache(generalise_place)
    # Every text field and id goes through the same generalisation (geodata.privacy): the source's name
    # and a source id too ("4512 Elm Street neighbour group", "4512-elm-street-minneapolis").
    names = _Cache(without_house_numbers)
    source = names[source]
    joined = _Cache(lambda parts: ", ".join(dict.fromkeys(p for p in parts if p)))
    boxes = state_boxes()
    queries = _Cache(geocoder.geocode)
    facilities_found = _Cache(lambda k: matcher.locate(*k)[1:] if matcher is not None else (None, None))
    cells: dict[str, tuple[float, float]] = {}  # H3 cell -> its centre
    _source_ids = _Cache(lambda s: None if _holds_address(s) else _source_id(s))
    _legacy_tails = _Cache(lambda s: slug(s, 60))  # what an earlier version made of a source id
    legacy: dict[str, str] = {}  # record id -> the id an earlier version gave it, where they differ
    out_columns = [*INCIDENT_COLUMNS, "person", "canonical_id", "review", "_row"]
    as_row = operator.itemgetter(*out_columns)
    # A large table is worked a chunk at a time: what a chunk holds while it is mapped stays
    # small, the caches serve them all, and progress moves as chunks are done.

    def chunk(table: pd.DataFrame):
        n = len(table)
        get = {f: _column(table, cols.get(f), mapping.defaults.get(f)) for f in COMMON_COLUMNS}
        reason: list[str | None] = [None] * n
        events: list[tuple[int, str, str, str]] = []  # (position, action, record, reason), reported in row order

        # -- dates, sources, titles: the checks that reject ------------------------------------
        whens = [None] * n
        for i, k in enumerate(zip(get["date"], get["date_precision"])):
            whens[i], reason[i] = dates[k]
        url_cols = [_texts(table[c]) for c in cols.get("source_urls", [])]
        url_default = mapping.defaults.get("source_urls", "")
        urls = [None] * n
        for i in range(n):
            if reason[i]:
                continue
            text = " ".join(col[i] or "" for col in url_cols) or url_default
            found = _URL.findall(text)
            if not found:
                reason[i] = "no source URL (a fact with no source does not go in)"
            else:
                urls[i] = " ".join(dict.fromkeys(found)) if len(found) > 1 else found[0]
        titles, descriptions = get["title"], get["description"]
        title = [None] * n
        for i in range(n):
            if reason[i]:
                continue
            raw = _shown(titles[i]) or _shown(descriptions[i]) or ""
            t = " ".join(raw.split())
            t = raw if t == raw else t  # keep the table's own string: one copy in memory, not two
            if not t:
                reason[i] = "no title or description"
            else:
                title[i] = t if len(t) <= 200 else t[:197].rstrip() + "..."

        # -- the fields of each record, worked out once per distinct value ----------------------
        g = {f: get[f] for f in ("person", "canonical_id", "source_name", "lat", "lon", "facility", "street",
                                   "county", "zip", "place", "city", "state", "verification", "category",
                                   "public_place", "id")}
        id_col = get["id"]
        rows = table["_row"].tolist()
        records: list[tuple] = []
        xs, ys, positions = [], [], []
        for i in range(n):
            if reason[i]:
                continue
            when_text, when_precision, when_start, when_end = whens[i]
            category, cat_note = categories[get["category"][i]]
            state_raw = g["state"][i]
            st = states[state_raw]
            city_given = city_raw = g["city"][i]
            raw_place = g["place"][i]
            public = public_places[g["public_place"][i]]
            state_shown = state_raw
            if not public:
                city_raw, state_shown = places[city_raw], places[state_raw]
            city = cities[city_raw]
            t = title[i]
            description = descriptions[i]
            if description:
                clean = " ".join(description.split())
                description = description if clean == description else clean or None
            review = None
            place = raw_place
            if not public:
                # The text goes with the point: a house number never leaves the importer.
                place = places[raw_place]
                held = [k for k, v in (("title", t), ("description", description)) if has_street_address(v)]
                held += [k for k, a, b in (("city", city_given, city_raw), ("state", state_raw, state_shown))
                         if a != b]
                if held:
                    review = f"street address in the {' and '.join(held)}: house number left out"
                    t, description = without_house_numbers(t), without_house_numbers(description)
            rec = {
                "category": category,
                "title": t,
                "date": when_text,
                "date_precision": when_precision,
                "date_start": when_start,
                "date_end": when_end,
                "place": joined[(place, city_raw, st or state_shown)],
                "city": city,
                "state": st,
                "description": description,
                "source_name": names[g["source_name"][i]] or source,
                "source_urls": urls[i],
                "verification": verifications[g["verification"][i]],
                "person": g["person"][i],
                "canonical_id": g["canonical_id"][i],
                "review": review,
                "facility_id": None,
            }
            src_id = id_col[i]
            tail = _source_ids[src_id] if src_id else None
            if tail:
                rec["id"] = f"{key}:{tail}"
                if tail != src_id:
                    old = _legacy_tails[src_id]
                    if old != tail:
                        legacy[rec["id"]] = f"{key}:{old}"
            else:
                parts = (when_text, t, rec["place"], rec["person"], rec["source_urls"])
                digest = hashlib.sha1("|".join(str(p or "") for p in parts).encode()).hexdigest()[:10]
                rec["id"] = f"{key}:{when_text}-{digest}"

            # -- place: coordinates, facility, geocoder ---------------------------------------
            point, note = None, None
            lat, lon = g["lat"][i], g["lon"][i]
            if lat and lon:
                point = _fast_point(lat, lon, boxes.get(st) if st else None)
                if point is None:
                    chk = check_coordinates(lat, lon, st)
                    if chk.status == "rejected":
                        reason[i] = f"bad coordinates: {chk.reason}"
                        continue
                    point, note = (chk.lon, chk.lat), chk.reason
                    if note and not public:
                        note = note.split(":")[0]  # the correction, not the point: it may be a home
                rec["location_precision"], rec["location_method"] = "address", "coordinates given by the source"
            facility = g["facility"][i]
            if point is None and facility and matcher is not None:
                fields, geom = facilities_found[(facility, st, city)]
                if fields:
                    point = (geom.x, geom.y)
                    rec.update(fields, city=city or fields["city"])
            if point is None:
                street = g["street"][i] or (raw_place if raw_place and _STREET.match(raw_place) else None)
                hit = queries[GeocodeQuery(street=street, city=city, county=g["county"][i], state=st, zip5=g["zip"][i])]
                if hit is None:
                    reason[i] = f"no place found for {rec['place'] or 'an empty place'!r}"
                    continue
                point = (hit.lon, hit.lat)
                rec["location_precision"] = hit.precision
                # Which provider placed it, and how; an online match is named by its level only,
                # never by the address it matched (a cache from an older version may hold one).
                method = "matched a street address" if hit.precision == "address" else hit.method
                rec["location_method"] = f"{hit.provider}: {method}"
            if rec["location_precision"] == "address" and not public:
                # A point at a street address may be someone's home: never store it as such.
                cell = h3.latlng_to_cell(point[1], point[0], H3_RESOLUTION)
                point = cells.get(cell) or cells.setdefault(cell, generalise_point(*point))
                rec["location_precision"] = "block"
                rec["location_method"] += "; generalised to an H3 cell (about 0.7 km2) to protect a possible home"
            for text in (note, cat_note):
                if text:
                    events.append((i, "note", rec["id"], text))
            if review:
                events.append((i, "review", rec["id"], review))
            rec["_row"] = rows[i]
            records.append(as_row(rec))  # a tuple, not the dict: less memory
            positions.append(i)
            xs.append(round(point[0], 6))
            ys.append(round(point[1], 6))
            if progress is not None and len(records) % 10_000 == 0:
                progress(10_000)
        if progress is not None and len(records) % 10_000:
            progress(len(records) % 10_000)

        # -- the report in row order, the rejects with their original rows ----------------------
        rejected = [i for i in range(n) if reason[i]]
        events.extend((i, "rejected", f"row {rows[i]}", reason[i]) for i in rejected)
        events.sort(key=lambda e: e[0])  # stable: a row's notes keep their order
        for _, action, record, text in events:
            report.add(source, record, action, text)
        if progress is not None and rejected:
            progress(len(rejected))
        originals = plain_rows(table.iloc[rejected]).to_dict("records")
        rejects = pd.DataFrame([{"reason": reason[i], **row} for i, row in zip(rejected, originals)])
        frame = pd.DataFrame(records, columns=out_columns)
        del records
        gdf = gpd.GeoDataFrame(frame, geometry=shapely.points(xs, ys) if xs else [], crs=CRS)
        return gdf, rejects

    parts = [chunk(table.iloc[a:a + _CHUNK]) for a in range(0, len(table), _CHUNK)] or [chunk(table)]
    if len(parts) == 1:
        gdf, rejects = parts[0]
    else:
        gdf = gpd.GeoDataFrame(pd.concat([g for g, _ in parts], ignore_index=True), geometry="geometry", crs=CRS)
        rejects = pd.concat([r for _, r in parts if len(r)], ignore_index=True) if any(len(r) for _, r in parts) \
            else pd.DataFrame()
    gdf.attrs["legacy_ids"] = legacy
    return gdf, rejects

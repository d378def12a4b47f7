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
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from .coords import check_coordinates
from .dates import date_range_problem, parse_loose_date
from .geocode import GeocodeQuery, Geocoder
from .ids import slug
from .match import FacilityMatcher
from .privacy import generalise_place, generalise_point, has_street_address, without_house_numbers
from .report import GeodataError, Report
from .schema import CATEGORIES, CRS, INCIDENT_COLUMNS, VERIFICATION_STATUSES, state_code

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
_STREET = re.compile(r"^\s*\d+[A-Za-z]?\s+\S+")  # "1234 Elm St": a house number


@dataclass
class Mapping:
    """How one source's columns map onto the schema (see the module docstring)."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    day_first: bool = False
    source_key: str | None = None

    @classmethod
    def load(cls, path: str | Path | None = None, overrides: list[str] | None = None) -> "Mapping":
        """Read a TOML mapping file and/or ``field=column`` overrides."""
        data = {}
        if path:
            try:
                data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise GeodataError(f"{path}: not a readable TOML mapping ({exc})") from None
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
            source_key=data.get("source_key"),
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
    """Map a raw table (from :func:`geodata.tables.read_table`) onto the incident schema.

    Returns ``(incidents, rejects)``: incidents carry extra columns ``person``,
    ``canonical_id`` and ``_row`` (the input row); ``rejects`` holds each rejected
    input row with its ``reason``.  Each kept record is placed at the finest level
    its fields allow: the source's own coordinates (checked), its facility, then
    the geocoder (offline gazetteer by default).  A street-level point that is not
    known to be a public place is generalised to a ``block`` before it is kept.
    """
    mapping = mapping or Mapping()
    report = report if report is not None else Report()
    geocoder = geocoder or Geocoder()
    key = mapping.source_key or slug(source, 40)
    cols = mapping.resolve([c for c in table.columns if c != "_row"])
    matcher = FacilityMatcher(facilities) if facilities is not None and len(facilities) else None
    if "date" not in cols:
        raise GeodataError(f"{source}: no date column found (map one with --map date=COLUMN)")

    records, geoms, rejects = [], [], []
    for row in table.to_dict("records"):
        if progress is not None:
            progress(1)
        get = lambda f, row=row: _first(row, cols.get(f)) or mapping.defaults.get(f)  # noqa: E731
        ref = f"row {row['_row']}"

        def reject(reason, row=row, ref=ref):
            report.add(source, ref, "rejected", reason)
            rejects.append({"reason": reason, **{k: v for k, v in row.items()}})

        try:
            when = parse_loose_date(get("date") or "", get("date_precision"), day_first=mapping.day_first)
        except ValueError as exc:
            reject(f"bad or missing date: {exc}")
            continue
        why = date_range_problem(when.start, when.end)
        if why:
            reject(f"impossible date: {why}")
            continue
        urls_text = " ".join(row.get(c) or "" for c in cols.get("source_urls", [])) or mapping.defaults.get(
            "source_urls", ""
        )
        urls = list(dict.fromkeys(_URL.findall(urls_text)))
        if not urls:
            reject("no source URL (a fact with no source does not go in)")
            continue
        category, cat_note = _category(get("category"), mapping)
        title = get("title") or get("description") or ""
        title = " ".join(title.split())
        if not title:
            reject("no title or description")
            continue
        if len(title) > 200:
            title = title[:197].rstrip() + "..."
        state_raw = get("state")
        st = state_code(state_raw)
        city_raw = get("city")
        city = _PARENS.sub("", city_raw).strip() if city_raw else None
        place = raw_place = get("place")
        public = (get("public_place") or "").lower() in ("true", "yes", "1")
        description = " ".join((get("description") or "").split()) or None
        review = None
        if not public:
            # The text goes with the point: a house number never leaves the importer.
            place = generalise_place(place)
            held = [n for n, t in (("title", title), ("description", description)) if has_street_address(t)]
            if held:
                review = f"street address in the {' and '.join(held)}: house number left out"
                title, description = without_house_numbers(title), without_house_numbers(description)
        verification = VERIFICATION_SYNONYMS.get((get("verification") or "unverified").lower().strip(), "unverified")

        rec = {
            "category": category,
            "title": title,
            "date": when.text,
            "date_precision": when.precision,
            "date_start": when.start.isoformat(),
            "date_end": when.end.isoformat(),
            "place": ", ".join(dict.fromkeys(p for p in (place, city_raw, st or state_raw) if p)),
            "city": city,
            "state": st,
            "description": description,
            "source_name": get("source_name") or source,
            "source_urls": " ".join(urls),
            "verification": verification,
            "person": get("person"),
            "canonical_id": get("canonical_id"),
            "review": review,
            "_row": row["_row"],
        }
        rec["id"] = _record_id(
            key, _first(row, cols.get("id")), when.text, title, rec["place"], rec["person"], rec["source_urls"]
        )

        # -- place: coordinates, facility, geocoder ---------------------------------------
        point, note = None, None
        if get("lat") and get("lon"):
            chk = check_coordinates(get("lat"), get("lon"), st)
            if chk.status == "rejected":
                reject(f"bad coordinates: {chk.reason}")
                continue
            point, note = (chk.lon, chk.lat), chk.reason
            if note and not public:
                note = note.split(":")[0]  # the correction, not the point: it may be a home
            rec["location_precision"], rec["location_method"] = "address", "coordinates given by the source"
        facility = get("facility")
        if point is None and facility and matcher is not None:
            match, fields, geom = matcher.locate(facility, st, city)
            if fields:
                point = (geom.x, geom.y)
                rec.update(fields, city=city or fields["city"])
        if point is None:
            street = get("street") or (raw_place if raw_place and _STREET.match(raw_place) else None)
            hit = geocoder.geocode(
                GeocodeQuery(street=street, city=city, county=get("county"), state=st, zip5=get("zip"))
            )
            if hit is None:
                reject(f"no place found for {rec['place'] or 'an empty place'!r}")
                continue
            point = (hit.lon, hit.lat)
            rec["location_precision"] = hit.precision
            # Which provider placed it, and how; an online match is named by its level only,
            # never by the address it matched (a cache from an older version may hold one).
            method = "matched a street address" if hit.precision == "address" else hit.method
            rec["location_method"] = f"{hit.provider}: {method}"
        if rec["location_precision"] == "address" and not public:
            # A point at a street address may be someone's home: never store it as such.
            point = generalise_point(*point)
            rec["location_precision"] = "block"
            rec["location_method"] += "; generalised to an H3 cell (about 0.7 km2) to protect a possible home"
        for n in (note, cat_note):
            if n:
                report.add(source, rec["id"], "note", n)
        if review:
            report.add(source, rec["id"], "review", review)
        records.append(rec)
        geoms.append(Point(round(point[0], 6), round(point[1], 6)))

    extra = ["person", "canonical_id", "review", "_row"]
    gdf = gpd.GeoDataFrame(records, columns=[*INCIDENT_COLUMNS, *extra], geometry=geoms, crs=CRS)
    return gdf, pd.DataFrame(rejects)

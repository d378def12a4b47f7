"""The one schema every importer writes to.

Two layers share the map: detention *facilities* (points with a population) and
enforcement *incidents* (dated events).  Both are GeoDataFrames in EPSG:4326 with
the columns below, in this order.  Coordinates are WGS84 longitude/latitude.

Every record says how it is known:

* ``location_precision`` -- the finest level the coordinates really reach
  (:data:`LOCATION_PRECISIONS`, finest first).  A point placed at a ZIP centroid
  says ``zip``; it is never presented as a street address.
* ``location_method`` -- in words, how the point was reached.
* ``date_precision`` (incidents) -- ``day``, ``month`` or ``year``; ``date`` is an
  ISO-8601 string cut to that precision (``2025``, ``2025-03`` or ``2025-03-04``).
* ``source_urls`` -- the sources, as URLs separated by a single space (URLs hold
  no spaces).  A record without one is rejected.
* ``verification`` (incidents) -- :data:`VERIFICATION_STATUSES`.
"""

from __future__ import annotations

__all__ = [
    "CATEGORIES", "CATEGORY_LABELS", "CRS", "DATE_PRECISIONS", "FACILITY_COLUMNS", "FACILITY_TYPE_LABELS",
    "INCIDENT_COLUMNS", "LOCATION_PRECISIONS", "STATE_CODES", "STATE_NAMES", "VERIFICATION_STATUSES", "join_urls",
    "split_urls", "state_code",
]

CRS = "EPSG:4326"

#: Finest first.  ``block`` is a point generalised on purpose: a place that may be
#: a private home is moved to the centre of its H3 cell (resolution 8, about
#: 0.7 km2) before it is stored.  ``facility`` is not a level: a record placed at a facility
#: inherits the facility's own precision and names it in ``facility_id``.
LOCATION_PRECISIONS: tuple[str, ...] = ("address", "block", "zip", "city", "county", "state")

DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year")

#: Incident categories, in legend order.
CATEGORIES: tuple[str, ...] = (
    "death_in_custody",
    "shooting",
    "arrest",
    "use_of_force",
    "protest",
    "deployment",
    "other",
)

CATEGORY_LABELS: dict[str, str] = {
    "death_in_custody": "Death in custody",
    "shooting": "Shooting (by or at an agent)",
    "arrest": "Arrest or raid",
    "use_of_force": "Use of force",
    "protest": "Protest or strike",
    "deployment": "Deployment of agents or troops",
    "other": "Other",
}

VERIFICATION_STATUSES: tuple[str, ...] = (
    # A government record (an ICE death report, a FOIA release).
    "official_record",
    # Reported by a named news outlet; the project has read the report.
    "news_report",
    # Claimed by a source the project has not checked.
    "unverified",
)

FACILITY_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "address",
    "city",
    "state",
    "zip",
    "aor",
    "facility_type",
    "gender",
    "adp",
    "guaranteed_minimum",
    "last_inspection_type",
    "last_inspection_end_date",
    "last_inspection_standard",
    "last_inspection_rating",
    "data_date",
    "location_precision",
    "location_method",
    "source_name",
    "source_urls",
    *("detloc", "operator", "first_seen", "last_seen", "fiscal_years", "values_from"),
)
"""The last six are the facility history's (``geodata.pipeline.facility_history``): ICE's
facility code, the operator (2015 listing), the first and last fiscal year a list shows
the facility (``FY2009``), every such year (``"2009 2010 2016"``) and which list each
value comes from.  A single list leaves them empty."""

INCIDENT_COLUMNS: tuple[str, ...] = (
    "id",
    "category",
    "title",
    "date",
    "date_precision",
    "date_start",
    "date_end",
    "place",
    "city",
    "state",
    "facility_id",
    "location_precision",
    "location_method",
    "description",
    "source_name",
    "source_urls",
    "verification",
)

#: ``ICE facility type`` codes (``Type Detailed``) in words, from ICE's own
#: detention statistics footnotes.
FACILITY_TYPE_LABELS: dict[str, str] = {
    "BOP": "Federal Bureau of Prisons facility",
    "CDF": "Contract detention facility",
    "DIGSA": "Dedicated intergovernmental service agreement",
    "DOD": "Department of Defense facility",
    "FAMILY": "Family residential center",
    "IGSA": "Intergovernmental service agreement",
    "SPC": "ICE service processing center",
    "STAGING": "Staging facility",
    "STATE": "State facility",
    "USMS CDF": "US Marshals Service contract facility",
    "USMS IGA": "US Marshals Service intergovernmental agreement",
}

#: Two-letter postal codes of the states, DC and the inhabited territories that
#: ICE detains people in.
STATE_CODES: frozenset[str] = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU MP VI AS".split()
)

STATE_NAMES: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL",
    "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN",
    "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY",
    "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR",
    "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA",
    "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
    "PUERTO RICO": "PR", "GUAM": "GU", "NORTHERN MARIANA ISLANDS": "MP",
    "VIRGIN ISLANDS": "VI", "AMERICAN SAMOA": "AS",
}


def state_code(text: str | None) -> str | None:
    """Return the postal code for a state written as a code or a full name, else None."""
    if not text:
        return None
    key = " ".join(str(text).upper().replace(".", " ").split())
    if key in STATE_CODES:
        return key
    return STATE_NAMES.get(key)


def join_urls(urls) -> str:
    """Join source URLs into the ``source_urls`` string, dropping blanks and repeats."""
    seen: dict[str, None] = {}  # an ordered set: a list's "in" made joining n URLs quadratic
    for url in urls:
        url = (url or "").strip()
        if url:
            seen.setdefault(url)
    return " ".join(seen)


def split_urls(source_urls: str | None) -> list[str]:
    """Split a ``source_urls`` string back into its URLs."""
    return [u for u in (source_urls or "").split() if u]

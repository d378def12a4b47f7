"""Property: whatever a table holds, every row is stored, merged or rejected (never lost)."""

from __future__ import annotations

import csv
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.imports.ingest import import_incidents, load_store

DATES = st.one_of(
    st.dates().map(str), st.sampled_from(["2026-01-07", "1/9/2026", "Oct-25", "2025", "", "soon", "2025-02-30",
                                          "13/45/2025", "2026-01-28T08:28:50"]),
)
CITIES = st.sampled_from(
    ["Minneapolis", "Saint Paul", "St. Paul", "El Paso", "", "Atlantis", "Los Angeles (Paramount)"]
)
STATES = st.sampled_from(["MN", "Minnesota", "TX", "CA", "", "XX"])
COORDS = st.one_of(
    st.just(("", "")),
    st.tuples(st.floats(-200, 200).map(str), st.floats(-100, 100).map(str)),
    st.sampled_from([("0", "0"), ("-93.26", "44.97"), ("44.97", "-93.26"), ("abc", "1"), ("nan", "nan")]),
)
URLS = st.sampled_from(["", "https://example.org/a", "https://example.org/b", "ftp://x", "see notes",
                        "https://example.org/a?utm_source=x"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)

ROW = st.fixed_dictionaries({
    "date": DATES, "title": TEXT, "city": CITIES, "state": STATES, "coords": COORDS, "source_url": URLS,
    "type": st.sampled_from(["arrest", "mass_raid", "shooting_by_agent", "", "parade", "protest; arrest"]),
    "person": st.sampled_from(["", "Alex Pretti", "Alex Jeffrey Pretti", "Unnamed protester"]),
})


def _encode(rows, encoding):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a line break in a field stays in it
    w.writerow(["date", "title", "city", "state", "longitude", "latitude", "source_url", "type", "person"])
    for r in rows:
        lon, lat = r["coords"]
        w.writerow([r["date"], r["title"], r["city"], r["state"], lon, lat, r["source_url"], r["type"], r["person"]])
    return out.getvalue().encode(encoding, errors="replace")


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", 60)),  # more locally: PROPERTY_EXAMPLES=500
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(ROW, min_size=1, max_size=25), encoding=st.sampled_from(["utf-8", "latin-1"]),
       repeat=st.integers(0, 3))
def test_every_row_is_stored_merged_or_rejected(tmp_path_factory, rows, encoding, repeat):
    rows = rows + rows[:repeat]  # exact duplicates too
    tmp = tmp_path_factory.mktemp("prop")
    src, store = tmp / "in.csv", tmp / "store.geojson"
    src.write_bytes(_encode(rows, encoding))
    result = import_incidents(src, store, rejects_path=tmp / "rejects.csv")
    assert result.rows == len(rows)
    assert result.stored + result.merged + result.rejected == len(rows)
    assert len(load_store(store)) == result.new
    # A second run changes nothing.
    before = store.read_bytes()
    again = import_incidents(src, store)
    assert store.read_bytes() == before
    assert again.new == 0 and again.stored + again.merged + again.rejected == len(rows)

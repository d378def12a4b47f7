"""Counts by area for a view's frames (geodata.view.areas): what the map's shaded regions and areas show."""

from __future__ import annotations

from geodata.geography.aor import load_aor_areas
from geodata.view import area_frames, region_counts


def test_area_frames_count_incidents_by_aor_and_pass_the_rest_on(tiny_incidents, tiny_facilities):
    areas = load_aor_areas()
    frames = {"incidents": tiny_incidents, "facilities": tiny_facilities, "offices": tiny_facilities.head(1)}
    counted = area_frames(frames, areas=areas, aor_map="incidents")
    assert set(counted) == {"aor_incidents", "offices"}
    by_aor = counted["aor_incidents"].set_index("region_id")["count"]
    # Every tiny incident is in Minneapolis: all six in St. Paul's area, none elsewhere.
    assert by_aor["SPM"] == len(tiny_incidents) == by_aor.sum()
    assert counted["offices"] is frames["offices"]
    assert area_frames(frames, areas=areas, aor_map="areas")["aor_areas"] is areas
    assert area_frames({}, areas=areas, aor_map="incidents") == {}


def test_region_counts_follow_the_level_asked_for(tiny_incidents):
    by_state = region_counts(tiny_incidents, "state")
    assert by_state.attrs["level"] == "state"
    assert by_state.set_index("region_id")["count"]["27"] == len(tiny_incidents)
    by_county = region_counts(tiny_incidents, "county")
    assert by_county.set_index("region_id")["count"]["27053"] == len(tiny_incidents)  # Hennepin
    assert region_counts(tiny_incidents, "none") is None and region_counts(None, "county") is None

"""Words a reader sees in popups and records: no "0.0" for someone held, no doubled full stops."""

from __future__ import annotations

import pandas as pd
from test_layers import facilities_gdf

from geodata.sources.basu_deaths import _description
from layers import facilities_layer


def test_a_population_that_rounds_to_nothing_reads_under_1():
    gdf = facilities_gdf([{"name": "Liberty", "adp": 0.0023}, {"name": "Empty", "adp": 0.0},
                          {"name": "Small", "adp": 0.4}])
    layer = facilities_layer(gdf, adp=pd.Series({"f0": 0.0023, "f1": 0.0, "f2": 0.4}))
    names = layer.field_values("Name")
    fy = dict(zip(names, layer.field_values("Average daily population, fiscal year to date (ICE)")))
    rng = dict(zip(names, layer.field_values("Average daily population in the selected dates")))
    assert fy == {"Liberty": "under 1", "Empty": "0.0", "Small": "0.4"}
    assert rng == {"Liberty": "under 1", "Empty": "0 (nobody held)", "Small": "0.4"}


def test_a_cause_of_death_ending_in_a_full_stop_gets_one():
    text = _description(pd.Series({"Sex": "Male", "Age": "41", "Country": "MEXICO",
                                   "Cause_of_Death": "Cardiac problems.", "Facility_Type": "IGSA"}))
    assert "problems. Facility type: IGSA." in text and ".." not in text

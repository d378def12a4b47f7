"""What a new view costs, piece by piece, in one process: the calls ``app.py`` makes once per view.

    python3 benchmarks/bench_view_pieces.py [--views 40]

On the bundled data, for ``--views`` ranges no two alike (each a new view: the frames of the view, its
figures and metrics, the measures' cards, the charts' tables and specs, the unplaced facilities, the
counts drawn), prints the CPU milliseconds of each piece per view and their total. The server's own work
per rerun (widgets, elements, the websocket) is ``bench_viewers.py``'s; where its CPU goes,
``profile_viewers.py``. Keep the calls here as ``app.py`` makes them.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--views", type=int, default=40)
    args = ap.parse_args(argv)

    from geodata.store import BundleStore
    from geodata.view import View
    from geodata.view.measures import figures_of, first_screen, measure_tables
    from geodata.view.occupancy import coverage
    from geodata.view.population_sources import best_population, place_keys, population_sources
    from geodata.view.resident import ResidentViews
    from geodata.view.timeline import view_figures
    from layers.charts import incidents_per_week, incidents_table, months_table, people_by_month
    from layers.figures import drawn_count, view_metrics
    from layers.i18n import text
    from layers.measures import figure_cards

    store = BundleStore()
    views = ResidentViews(store)
    best = best_population(population_sources(store.population(), store.headcount(), store.facility_years()),
                           place_keys(store.facilities()))
    layers = first_screen(dt.date(2026, 1, 31)).layers  # facilities, incidents, 287(g)
    t, tables = text("en"), measure_tables(tuple(k for k in layers if k == "287g"))
    spent: collections.Counter = collections.Counter()

    def timed(name, function, *args, **kwargs):
        began = time.process_time()
        value = function(*args, **kwargs)
        spent[name] += time.process_time() - began
        return value

    def unplaced(fac):
        return fac.loc[fac.geometry.isna().to_numpy(), ["name", "address", "city", "state", "adp"]]

    for i in range(args.views + 1):  # the first view warms what is read once (the tables' indexes), uncounted
        if i == 1:
            spent.clear()
        view = View(start=dt.date(2024, 1, 1) + dt.timedelta(days=3 * i), end=dt.date(2026, 1, 31), layers=layers)
        frames, span = timed("frames", views.frames, view, False)
        frames = {k: g.copy(deep=False) for k, g in frames.items()}
        fac, inc, window = frames.get("facilities"), frames.get("incidents"), (view.start, view.end)
        figures = timed("figures", lambda f, i: view_figures(f, i, adp=f["adp_in_range"].set_axis(f["id"])), fac, inc)
        timed("metrics", lambda g, f, s: view_metrics(g, f, s, coverage(best), t), figures, fac, span)
        timed("cards", lambda w: figure_cards(figures_of(tables, *w), "en"), window)
        weekly, _ = timed("weekly table", incidents_table, inc, window)
        months = timed("months table", months_table, fac, best, window)
        timed("weekly spec", incidents_per_week, weekly, "en")
        timed("months spec", people_by_month, months, "en")
        timed("unplaced", unplaced, fac)
        timed("drawn", lambda f, i: (drawn_count(f), drawn_count(i)), fac, inc)
    print(f"{args.views} new views on the bundle, CPU ms per view:")
    for name, seconds in spent.items():
        print(f"  {name:<14} {1000 * seconds / args.views:6.2f}")
    print(f"  {'total':<14} {1000 * sum(spent.values()) / args.views:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Measures by area through time: one table shape and a registry of the datasets that fill it.

Every measure (287(g) agreements, people on ATD, Border Patrol encounters, ICE arrests) is a
table of :data:`MEASURE_COLUMNS`:

``measure``
    the registry key (``287g``, ``atd``, ``usbp``, ``arrests``);
``place_kind``
    ``county`` (5-digit FIPS), ``state`` (postal code), ``aor`` (ICE code such as ``SPM``)
    or ``sector`` (a Border Patrol sector key, :func:`geodata.sources.usbp_encounters.sector_key`);
``place_id``
    the place, in that kind's code;
``category``
    a part of the measure (a 287(g) model, an ATD technology); empty for the place's total;
``period_start``, ``period_end``
    the period the value counts (ISO dates, inclusive): a month, a week, or one day for a
    stock counted "as of" a date;
``value``
    the number;
``source``
    the URL of the publication.

A :class:`Measure` says how to read its source (``reader``), where its derived table lives
(``file``, bundled under ``geodata/data/measures/``, or fetched), and how a date range is
summarised (``summary``):

``sum``
    flows (encounters, arrests): the periods that overlap the range, added up; the period
    covered runs from the first counted period's start to the last one's end.
``latest``
    stocks (people on ATD): the latest "as of" date inside the range, and the values of that
    date only (a place without a row that day has no value: nothing is carried forward).
``in_force``
    agreements (287(g)): the agreements **in force on one day** ``d``, the range's end or the
    measure's last day if that comes first: the value of each place is that of its row whose
    period contains ``d`` (no row: no value).  Chosen over "at any time in the range" so that a
    figure is always a count on one day the user can name, and playback month by month shows
    agreements coming and going.  Its rows may be *runs* (:func:`as_runs`): one row for several
    consecutive months of the same value, which the rule reads as it reads one month.

Adding a dataset is one reader (a function of a source module returning this table) plus one
:func:`register` call at the end of this module: see ``docs/measures.md``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .paths import DATA_DIR
from .report import GeodataError

__all__ = [
    "MEASURES",
    "MEASURES_DIR",
    "MEASURE_COLUMNS",
    "as_runs",
    "expand_months",
    "last_day",
    "PLACE_KINDS",
    "MEASURES_REPORT_FILE",
    "SUMMARIES",
    "Measure",
    "load_measure",
    "load_measure_detail",
    "measure_keys",
    "measure_path",
    "register",
    "save_measure",
    "validate_measure_table",
]


def N_(message: str) -> str:
    """Mark a label for the catalogue (``pybabel extract -k N_``); translated where it is shown."""
    return message


MEASURE_COLUMNS: tuple[str, ...] = (
    "measure", "place_kind", "place_id", "category", "period_start", "period_end", "value", "source",
)
PLACE_KINDS: tuple[str, ...] = ("county", "state", "aor", "sector")
SUMMARIES: tuple[str, ...] = ("sum", "latest", "in_force")
MEASURES_DIR = DATA_DIR / "measures"
#: What the measure readers left out or noted, with the reasons (``geodata.imports.measures.build_measure_files``).
MEASURES_REPORT_FILE = "measures-report.csv"


@dataclass(frozen=True)
class Measure:
    """One dataset of the measure kind.

    Attributes
    ----------
    key : str
        Its name in the URL (``layer=287g``), the CLI and the table's ``measure`` column.
    label, unit : str
        Its name and what its number counts (English; marked with ``N_`` for the catalogue).
    place_kinds : tuple of str
        The kinds of place its rows use (:data:`PLACE_KINDS`).
    summary : str
        How a date range is summarised (:data:`SUMMARIES`).
    source_name, source_url, licence : str
        Who publishes it, where, under what terms.
    file : str or None
        Its table under ``geodata/data/measures/`` (bundled) or, for a fetched measure, the
        file name its fetch command writes (see ``bundled``).
    bundled : bool
        Whether ``geodata build-bundle`` writes the file from the shared data (False: it is
        fetched by a command of its own, such as ``geodata fetch ddp-arrests``).
    reader : str or None
        ``"module:function"`` of its reader, ``function(shared_data: Path, report) -> DataFrame`` of
        :data:`MEASURE_COLUMNS` (a source module: named, not imported, as this registry sits below the
        sources; ``geodata.imports.measures.build_measure_files`` runs it); None for a measure another
        module builds (287(g): ``geodata.imports.bundle``) or fetches (arrests).
    detail_file : str or None
        A second table of one row per record behind the counts (287(g) agreements), for popups.
    category_label : str
        What its categories are ("model", "technology").
    notes : tuple of str
        What a reader of the map must know (English; shown in the legend).
    """

    key: str
    label: str
    unit: str
    place_kinds: tuple[str, ...]
    summary: str
    source_name: str
    source_url: str
    licence: str
    file: str | None = None
    bundled: bool = True
    reader: str | None = None
    detail_file: str | None = None
    category_label: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.summary not in SUMMARIES:
            raise ValueError(f"measure {self.key!r}: summary {self.summary!r} is not one of {SUMMARIES}")
        bad = [k for k in self.place_kinds if k not in PLACE_KINDS]
        if bad:
            raise ValueError(f"measure {self.key!r}: unknown place kind {bad[0]!r}")


#: The registered measures, by key, in the order the sidebar lists them.
MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    """Add ``measure`` to :data:`MEASURES` (a key registered twice is an error)."""
    if measure.key in MEASURES:
        raise ValueError(f"measure {measure.key!r} is registered already")
    # The category label names the link's parameter of the category chosen (model=, technology=).
    if measure.category_label and measure.category_label in {m.category_label for m in MEASURES.values()}:
        raise ValueError(f"measure {measure.key!r}: category label {measure.category_label!r} is another's already")
    MEASURES[measure.key] = measure
    return measure


def measure_keys() -> tuple[str, ...]:
    return tuple(MEASURES)


def validate_measure_table(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """``table`` in the shape of :data:`MEASURE_COLUMNS` (text columns as str, ``value`` float), checked.

    Raises :class:`GeodataError` naming the first problem: a missing column, a row of another
    measure, an unknown place kind, a date that is not ISO or a period that ends before it starts.
    """
    missing = [c for c in MEASURE_COLUMNS if c not in table.columns]
    if missing:
        raise GeodataError(f"measure {key}: no column {', '.join(missing)}")
    t = table[list(MEASURE_COLUMNS)].copy()
    for c in MEASURE_COLUMNS:
        if c != "value":
            t[c] = t[c].fillna("").astype(str)
    t["value"] = pd.to_numeric(t["value"], errors="coerce")
    if t["value"].isna().any():
        raise GeodataError(f"measure {key}: a row without a number (row {int(t['value'].isna().to_numpy().argmax())})")
    other = t[t["measure"] != key]
    if len(other):
        raise GeodataError(f"measure {key}: a row of measure {other['measure'].iloc[0]!r}")
    kinds = set(t["place_kind"]) - set(PLACE_KINDS)
    if kinds:
        raise GeodataError(f"measure {key}: unknown place kind {sorted(kinds)[0]!r}")
    iso = r"^\d{4}-\d{2}-\d{2}$"
    for c in ("period_start", "period_end"):
        bad = ~t[c].str.match(iso)
        if bad.any():
            raise GeodataError(f"measure {key}: {c} {t.loc[bad, c].iloc[0]!r} is not YYYY-MM-DD")
    if (t["period_end"] < t["period_start"]).any():
        raise GeodataError(f"measure {key}: a period that ends before it starts")
    return t.reset_index(drop=True)


@functools.lru_cache(maxsize=16)
def _read_cached(path: str, mtime: float, key: str) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = validate_measure_table(table, key)
    table.attrs["last_day"] = table["period_end"].max() if len(table) else None
    return table


def last_day(table: pd.DataFrame) -> str | None:
    """The measure's last day counted (ISO): kept in ``table.attrs["last_day"]`` by :func:`load_measure`
    so that a part of the table (one AOR's rows) still knows it; else its latest ``period_end``."""
    if table is None or not len(table):
        return None
    return table.attrs.get("last_day") or table["period_end"].max()


def _next_day(iso: pd.Series) -> pd.Series:
    return (pd.to_datetime(iso) + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")


def as_runs(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` joined into runs: one row per place, category and stretch of periods
    that follow each other day after day with the same value (and source), from the first one's
    start to the last one's end.  :func:`expand_months` undoes it for a table of calendar months."""
    if not len(table):
        return table.copy()
    keys = ["measure", "place_kind", "place_id", "category"]
    t = table.sort_values([*keys, "period_start"], kind="stable").reset_index(drop=True)
    prev = t.shift(1)
    same = (t[keys] == prev[keys]).all(axis=1) & (t["value"] == prev["value"]) & (t["source"] == prev["source"])
    follows = pd.Series(False, index=t.index)
    follows[1:] = (_next_day(prev["period_end"][1:]) == t["period_start"][1:]).to_numpy()
    run = (~(same & follows)).cumsum()
    out = t.groupby(run, sort=False).agg({**{c: "first" for c in MEASURE_COLUMNS}, "period_end": "last"})
    return out[list(MEASURE_COLUMNS)].reset_index(drop=True)


def expand_months(table: pd.DataFrame) -> pd.DataFrame:
    """Each row of ``table`` cut into the calendar months its period spans (the first and the last
    clipped to the period), each with the row's value: the month by month table runs stand for."""
    if not len(table):
        return table.copy()
    parts = []
    for row in table.itertuples(index=False):
        start, end = pd.Timestamp(row.period_start), pd.Timestamp(row.period_end)
        firsts = pd.date_range(start.to_period("M").start_time, end, freq="MS")
        for first in firsts:
            a = max(first, start)
            b = min(first + pd.offsets.MonthEnd(0), end)
            parts.append((*row, a.strftime("%Y-%m-%d"), b.strftime("%Y-%m-%d")))
    cols = list(table.columns)
    out = pd.DataFrame(parts, columns=[*cols, "_a", "_b"])
    out["period_start"], out["period_end"] = out.pop("_a"), out.pop("_b")
    return out[cols].reset_index(drop=True)


def measure_path(key: str, directory: str | Path | None = None) -> Path:
    """Where the measure's table is: ``directory`` (default :data:`MEASURES_DIR`) / its file."""
    m = MEASURES[key]
    return Path(directory or MEASURES_DIR) / m.file


def load_measure(key: str, directory: str | Path | None = None, path: str | Path | None = None) -> pd.DataFrame | None:
    """The measure's table (a copy), or None when its file is not there (a measure not fetched yet)."""
    if key not in MEASURES:
        raise GeodataError(f"unknown measure {key!r}; known: {', '.join(MEASURES)}")
    m = MEASURES[key]
    if m.file is None:
        return None
    p = Path(path) if path else measure_path(key, directory)
    if not p.is_file():
        return None
    return _read_cached(str(p), p.stat().st_mtime, key).copy()


def load_measure_detail(key: str, directory: str | Path | None = None) -> pd.DataFrame | None:
    """The measure's detail table (287(g): one row per agreement), or None."""
    m = MEASURES[key]
    if not m.detail_file:
        return None
    p = Path(directory or MEASURES_DIR) / m.detail_file
    if not p.is_file():
        return None
    return pd.read_csv(p, dtype=str, keep_default_na=False)


def save_measure(table: pd.DataFrame, key: str, directory: str | Path | None = None, *,
                 path: str | Path | None = None) -> Path:
    """Write the measure's table (sorted, as CSV) where :func:`load_measure` reads it (or to ``path``)."""
    from .atomic import write_text

    t = validate_measure_table(table, key).sort_values(
        ["period_start", "place_kind", "place_id", "category"], kind="stable").reset_index(drop=True)
    t["value"] = [f"{v:g}" if float(v).is_integer() else repr(float(v)) for v in t["value"]]
    p = Path(path) if path else measure_path(key, directory)
    p.parent.mkdir(parents=True, exist_ok=True)
    write_text(p, t.to_csv(index=False, lineterminator="\n"))
    return p


# -- the registry ------------------------------------------------------------------------------

register(Measure(
    key="287g", label=N_("287(g) agreements"), unit=N_("agreements in force"), place_kinds=("county", "state"),
    summary="in_force", source_name="ICE, 287(g) participating agencies (monthly snapshots)",
    source_url="https://www.ice.gov/identify-and-arrest/287g", licence="public domain (U.S. government work)",
    file="287g-monthly.csv", detail_file="287g-agreements.csv", category_label=N_("model"),
    notes=("Agreements in force at the end of the dates shown: from the signing date (else the first snapshot "
           "that lists it) to the last snapshot that lists it. A state agency's agreements (state police, a state's "
           "corrections) are drawn as the outline of its state, coloured by their number; counties are shaded.",),
))
register(Measure(
    key="atd", label=N_("People on ATD"), unit=N_("people on Alternatives to Detention"), place_kinds=("aor",),
    summary="latest", source_name="ICE, detention statistics (ATD sheets)",
    source_url="https://www.ice.gov/detain/detention-management", licence="public domain (U.S. government work)",
    file="atd.csv", reader="geodata.sources.ice_atd:read_atd_measure", category_label=N_("technology"),
    notes=("People on Alternatives to Detention (ankle monitors, the SmartLINK app...) on the latest 'as of' date "
           "inside the dates shown. Harlingen (HLG) has no boundaries here: counted in the figures, not drawn.",),
))
register(Measure(
    key="usbp", label=N_("Border Patrol encounters"), unit=N_("encounters"), place_kinds=("sector",),
    summary="sum", source_name="DHS Office of Homeland Security Statistics, KHSM Encounters (USBP), Monthly Sector",
    source_url="https://ohss.dhs.gov/khsm/cbp-encounters", licence="public domain (U.S. government work)",
    file="usbp-monthly.csv", reader="geodata.sources.usbp_encounters:read_usbp_measure",
    notes=("Each sector drawn at its headquarters city (precision: city): sectors have no published boundaries "
           "here. Months that overlap the dates shown, counted whole; values rounded to tens by DHS; a month "
           "without a row is not reported, not zero.",),
))
register(Measure(
    key="arrests", label=N_("ICE arrests"), unit=N_("ICE arrests"), place_kinds=("county", "state"),
    summary="sum", source_name="Deportation Data Project, ICE arrests (counted by county and week)",
    source_url="https://deportationdata.org", licence="CC0 1.0",
    file="ddp-arrests-weekly.csv", bundled=False, reader=None,
    notes=("From ICE's arrest records as published by the Deportation Data Project (CC0); likely duplicate "
           "records dropped. Weeks with fewer than 10 arrests in a county are not published, so each figure is a "
           "lower bound. Weeks that overlap the dates shown, counted whole.",),
))

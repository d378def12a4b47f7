"""Every figure the documentation states about the bundle, computed from the bundle's own files.

A figure typed into a document goes stale with the next rebuild (DATA.md once said 827
UWCHR codes, 25 % of the person-days, were left without a facility when the data said
625, 5.3 %).  So the documents do not hold figures: they hold markers,
``<!--fig:uwchr_unjoined_codes-->625<!--/fig-->``, whose values :func:`fill_figures`
writes from :func:`bundle_figures`; ``geodata build-bundle`` fills DATA.md and the
documents in ``docs/`` after each rebuild, and a test checks that they hold the
values the committed bundle gives.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

__all__ = ["bundle_figures", "fill_documents", "fill_figures", "FIGURE", "DOCUMENTS"]

#: ``<!--fig:NAME-->VALUE<!--/fig-->``
FIGURE = re.compile(r"<!--fig:([a-z0-9_]+)-->(.*?)<!--/fig-->")
#: The documents whose figures the build writes (relative to the repository).
DOCUMENTS = ("DATA.md", "docs/population.md")

_ZIP_OF_ANOTHER_TOWN = re.compile(r"ZIP \d{5} is .+?'s, not .+?'s")
_PERSON_DAYS = re.compile(r"([\d,]+) person-days")


def _n(value) -> str:
    return f"{int(value):,}"


def _features(path: Path) -> list[dict]:
    return [f["properties"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]


def bundle_figures(directory: str | Path | None = None) -> dict[str, str]:
    """The bundle's figures by name, each formatted as the documents print it (``"7,802"``, ``"5.3"``)."""
    from ..core.paths import DATA_DIR, FACILITY_YEARS_FILE, FILES, POPULATION_FILE, REPORT_FILE
    from ..sources.ddp_offices import OFFICES_FILE
    from ..sources.uwchr_headcount import HEADCOUNT_FILE, UNMATCHED_FILE

    d = Path(directory) if directory is not None else DATA_DIR
    fac = pd.DataFrame(_features(d / FILES["facilities"]))
    inc = pd.DataFrame(_features(d / FILES["incidents"]))
    report = pd.read_csv(d / REPORT_FILE, dtype=str, keep_default_na=False)
    years = pd.read_csv(d / FACILITY_YEARS_FILE, dtype=str)
    pop = pd.read_csv(d / POPULATION_FILE, dtype={"month": str})
    out: dict[str, str] = {}

    added = report[(report["source"] == "facilities") & (report["action"] == "added")]
    method = fac["location_method"].fillna("")
    moved = method.str.contains(_ZIP_OF_ANOTHER_TOWN)
    out.update(
        facilities=_n(len(fac)), facilities_from_lists=_n(len(fac) - len(added)), facility_year_rows=_n(len(years)),
        facilities_at_ddp_points=_n((method.str.contains("in Deportation Data Project") & ~method.str.contains(
            "placed by hand")).sum()),
        zip_moved=_n(moved.sum()),
        zip_moved_to_city=_n((moved & (fac["location_precision"] == "city")).sum()),
        zip_moved_to_zip=_n((moved & (fac["location_precision"] == "zip")).sum()),
    )

    deaths = inc[inc["id"].str.startswith("death-")]  # Basu et al.'s table (the curated events are apart)
    at_facility = deaths["facility_id"].notna() & (deaths["facility_id"].astype(str) != "")
    death_rows = report[report["source"].str.startswith("deaths")]
    out.update(
        deaths=_n(len(deaths)), deaths_at_facility=_n(at_facility.sum()), deaths_elsewhere=_n((~at_facility).sum()),
        deaths_corrected=_n((death_rows["action"] == "corrected").sum()),
        deaths_refused=_n(death_rows["reason"].str.startswith("refused").sum()),
        deaths_at_state=_n((deaths["location_precision"] == "state").sum()),
    )

    out.update(
        ddp_facility_months=_n(len(pop)), ddp_facilities=_n(pop["facility_id"].nunique()),
        ddp_codes_joined=_n(pop["detention_facility_code"].nunique()),
        ddp_first_month=str(pop["month"].min()), ddp_last_month=str(pop["month"].max()),
    )
    ddp = report[(report["source"] == "ddp daily population") & report["action"].isin(["unmatched", "ambiguous"])
                 & ~report["record"].str.startswith("fac-")]
    days = ddp["reason"].str.extract(_PERSON_DAYS)[0].str.replace(",", "").astype("int64")
    out.update(ddp_codes_unjoined=_n(len(ddp)), ddp_unjoined_person_days=_n(days.sum()))

    uwchr = d / "uwchr"
    if (uwchr / HEADCOUNT_FILE).is_file():
        head = pd.read_csv(uwchr / HEADCOUNT_FILE, dtype={"month": str, "facility_id": str})
        left = pd.read_csv(uwchr / UNMATCHED_FILE)
        person_days = (head["adp"] * head["days"]).sum()
        unjoined = (head["adp"] * head["days"])[head["facility_id"].isna()].sum()
        out.update(
            uwchr_facility_months=_n(len(head)), uwchr_codes=_n(head["detention_facility_code"].nunique()),
            uwchr_first_month=str(head["month"].min()), uwchr_last_month=str(head["month"].max()),
            uwchr_unjoined_codes=_n(len(left)), uwchr_unjoined_share=f"{100 * unjoined / person_days:.1f}",
        )
        out.update(uwchr_codes_joined=_n(head["detention_facility_code"].nunique() - len(left)),
                   uwchr_joined_share=f"{100 - 100 * unjoined / person_days:.1f}")
    out.update(_range_figures(d))
    if (d / OFFICES_FILE).is_file():
        offices = json.loads((d / OFFICES_FILE).read_text(encoding="utf-8"))["features"]
        out.update(offices=_n(len(offices)), offices_with_point=_n(sum(1 for f in offices if f.get("geometry"))))
    return out


#: The ranges whose population the documents quote (docs/population.md), by figure prefix.
RANGES = {"y2015": ("2015-01-01", "2015-12-31"), "jun2025": ("2025-06-01", "2025-06-30")}


def _range_figures(directory: Path) -> dict[str, str]:
    """People on an average day over each of :data:`RANGES`, as the app's figures compute them, and how many
    facilities have a figure from each source."""
    from ..store import load_bundle
    from .occupancy import view_frames
    from .selection import View

    bundle = load_bundle(directory)
    out = {}
    for key, (start, end) in RANGES.items():
        frames, _ = view_frames(bundle, View(start=start, end=end))
        fac = frames["facilities"]
        known = fac[fac["adp_in_range"].notna()]
        sources = known["adp_source"].fillna("").str.split().str[0].value_counts()
        # As the app writes it: the sum to 0.1, then to a whole number, half to even (28,354.5 is 28,354).
        people = round(round(float(known["adp_in_range"].sum()), 1))
        out.update({f"{key}_people": _n(people), f"{key}_facilities": _n(len(known))})
        out.update({f"{key}_{src}": _n(sources.get(src, 0)) for src in ("ddp", "uwchr", "ice")})
    return out


def fill_figures(text: str, figures: dict[str, str]) -> str:
    """``text`` with the value of every figure marker set from ``figures`` (an unknown name is a KeyError)."""
    return FIGURE.sub(lambda m: f"<!--fig:{m.group(1)}-->{figures[m.group(1)]}<!--/fig-->", text)


def fill_documents(root: str | Path, directory: str | Path | None = None) -> list[Path]:
    """Write the bundle's figures into :data:`DOCUMENTS` under ``root``; return the files changed."""
    figures = bundle_figures(directory)
    changed = []
    for rel in DOCUMENTS:
        path = Path(root) / rel
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        new = fill_figures(text, figures)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed

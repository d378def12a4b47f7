"""The documents state the committed bundle's figures, never stale ones (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.view.figures import DOCUMENTS, FIGURE, bundle_figures, fill_figures

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def figures():
    return bundle_figures()


@pytest.mark.parametrize("doc", DOCUMENTS)
def test_documents_hold_the_committed_bundles_figures(doc, figures):
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert FIGURE.search(text), f"{doc} states no figure of the bundle"
    stale = {m.group(1): m.group(2) for m in FIGURE.finditer(text) if figures[m.group(1)] != m.group(2)}
    assert not stale, f"{doc}: stale figures {stale} (the bundle says " \
                      f"{ {k: figures[k] for k in stale} }): run `geodata build-bundle`"


def test_data_md_states_its_counts_through_figures():
    text = (ROOT / "DATA.md").read_text(encoding="utf-8")
    named = {m.group(1) for m in FIGURE.finditer(text)}
    assert {"facilities", "deaths", "ddp_facility_months", "ddp_facilities", "uwchr_unjoined_codes",
            "uwchr_unjoined_share", "offices", "zip_moved"} <= named
    # The figures issue 18 found stale are no longer typed in.
    for stale in ("7,801 facility-months", "827 codes", "25% of the person-days"):
        assert stale not in FIGURE.sub("", text)


def test_figures_are_read_from_the_bundles_files(figures, tmp_path):
    import shutil

    from geodata.store import DATA_DIR

    assert figures["deaths"] == "249"  # Basu et al.'s table: 249 deaths (deaths-basu-ucsf/SOURCE.md)
    assert 0 < float(figures["uwchr_unjoined_share"]) < 100
    # Another bundle, other figures: one facility fewer in a copy of the files.
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy, ignore=shutil.ignore_patterns("basemap", "regions", "curated"))
    path = copy / "facilities.geojson"
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [line.rstrip(",") for line in lines[1:-1]]
    path.write_text(lines[0] + "\n" + ",\n".join(body[1:]) + "\n" + lines[-1] + "\n", encoding="utf-8")
    other = bundle_figures(copy)
    assert int(other["facilities"].replace(",", "")) == int(figures["facilities"].replace(",", "")) - 1
    filled = fill_figures("<!--fig:facilities-->1<!--/fig-->", other)
    assert filled == f"<!--fig:facilities-->{other['facilities']}<!--/fig-->"

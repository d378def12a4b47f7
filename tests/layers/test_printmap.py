"""The map as a file for print (layers/printmap.py): an image of the view, its title and dates, its credits."""

import datetime as dt
import io
import math
import re

import numpy as np
import pytest
from PIL import Image

from geodata.geography.boundaries import load_boundaries
from geodata.geography.regions import counts_by_region
from geodata.store import VIEW_COLUMNS, BundleStore
from geodata.view import View, frames
from layers.printmap import CONTIGUOUS_US, extent_of, print_files, print_map, print_title

START, END = dt.date(2025, 1, 1), dt.date(2026, 1, 31)
SIZE = (600, 400)  # small, for speed: the app's default is PRINT_SIZE


@pytest.fixture(scope="module")
def view_frames():
    f, _ = frames(BundleStore(), View(start=START, end=END), columns=VIEW_COLUMNS)
    return f


@pytest.fixture(scope="module")
def outline():
    return load_boundaries()


@pytest.fixture(scope="module")
def svg(view_frames, outline):
    return print_map(view_frames, outline, start=START, end=END, fmt="svg", size=SIZE).decode("utf-8")


def _svg_text(svg: str) -> str:
    """Every text element's words, unescaped (matplotlib writes text as <text> with svg.fonttype none)."""
    import html

    return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S))


def test_png_is_the_map_at_twice_its_size_not_blank(view_frames, outline):
    png = print_map(view_frames, outline, start=START, end=END, areas=counts_by_region(view_frames["incidents"]),
                    size=SIZE, scale=2)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (2 * SIZE[0], 2 * SIZE[1])
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours = np.unique(pixels, axis=0)
    assert len(colours) > 200, f"only {len(colours)} colours: not a drawn map"
    not_white = (pixels < 250).any(axis=1).mean()
    assert not_white > 0.4, f"{not_white:.0%} of the image drawn"
    # The map's own colours are there: the outline map's water and the facilities' blue (ICE-owned).
    assert (np.abs(pixels.astype(int) - [0xD6, 0xE4, 0xEE]).sum(axis=1) < 6).mean() > 0.05
    title, dates = print_title(START, END)
    assert image.text["Title"] == f"{title}, {dates}"


def test_svg_has_the_title_and_the_dates_of_the_view_as_text(svg):
    words = _svg_text(svg)
    assert "US immigration enforcement: detention, deaths, incidents" in words
    assert "Jan 1, 2025 to Jan 31, 2026" in words


def test_dates_in_the_title_follow_the_view(view_frames, outline):
    start, end = dt.date(2025, 6, 1), dt.date(2025, 6, 30)
    f, _ = frames(BundleStore(), View(start=start, end=end), columns=VIEW_COLUMNS)
    words = _svg_text(print_map(f, outline, start=start, end=end, fmt="svg", size=SIZE).decode())
    assert "Jun 1, 2025 to Jun 30, 2025" in words
    assert "Jan 1, 2025" not in words


def test_svg_credits_the_sources_drawn_and_not_what_is_not_drawn(svg, view_frames):
    words = _svg_text(svg)
    assert "US Census Bureau 2010" in words
    assert "Basu et al." in words  # deaths in custody are in the view
    assert "Deportation Data Project" in words
    # Neither place names nor tiles are drawn, so neither is credited.
    assert "GeoNames" not in words and "OpenStreetMap" not in words


def test_no_text_of_any_record_is_drawn(svg, view_frames):
    words = _svg_text(svg)
    fac = view_frames["facilities"]
    for column in ("name", "address"):
        values = [v for v in fac[column].dropna().astype(str) if len(v) > 6]
        assert values
        assert not [v for v in values if v in words], column


def test_legend_counts_each_category_drawn(svg, view_frames):
    words = _svg_text(svg)
    inc = view_frames["incidents"]
    deaths = int((inc["category"] == "death_in_custody").sum())
    assert deaths > 0
    assert f"Death in custody ({deaths})" in words


def test_points_outside_the_frame_are_counted_in_a_note(view_frames, outline):
    extent = extent_of((31.76, -106.45), 8)  # El Paso
    words = _svg_text(print_map(view_frames, outline, start=START, end=END, fmt="svg", extent=extent,
                                size=SIZE).decode())
    fac = view_frames["facilities"]
    fac = fac[fac.geometry.notna()]
    # A generous box round the extent holds every point drawn; far from it, all are outside.
    near = fac.cx[extent[0] - 1:extent[2] + 1, extent[1] - 1:extent[3] + 1]
    m = re.search(r"beyond the view\): ([\d,]+) facilities", words)
    assert m, words
    outside = int(m.group(1).replace(",", ""))
    assert len(fac) - len(near) <= outside < len(fac)


def test_default_frame_is_the_lower_48_and_notes_alaska_and_hawaii(svg, view_frames):
    fac = view_frames["facilities"]
    fac = fac[fac.geometry.notna()]
    west, south, east, north = CONTIGUOUS_US
    far = ((fac.geometry.x < west - 5) | (fac.geometry.y < south - 5)).sum()
    assert far > 0  # Alaska, Hawaii, Puerto Rico hold facilities in this range
    m = re.search(r"beyond the view\): ([\d,]+) facilities", _svg_text(svg))
    assert m and int(m.group(1)) >= far


def test_pdf_carries_the_title(view_frames, outline):
    pdf = print_map(view_frames, outline, start=START, end=END, fmt="pdf", size=SIZE)
    assert pdf.startswith(b"%PDF")
    assert b"US immigration enforcement" in pdf


def test_title_and_dates_in_spanish(view_frames, outline):
    words = _svg_text(print_map(view_frames, outline, start=START, end=END, fmt="svg", size=SIZE,
                                lang="es").decode())
    title, dates = print_title(START, END, "es")
    assert title != "US immigration enforcement: detention, deaths, incidents"
    assert title in words and dates in words
    assert "2025" in dates and "to" not in dates.split()  # the words between the dates translated too


def test_unknown_format_is_refused(view_frames, outline):
    with pytest.raises(ValueError, match="fmt must be one of"):
        print_map(view_frames, outline, start=START, end=END, fmt="gif")


def test_print_files_draw_only_when_asked(view_frames):
    calls = []

    def outline_later():
        calls.append(1)
        return load_boundaries()

    files = print_files(view_frames, outline_later, (START, END), stem="ice-map_x")
    assert [f["file_name"] for f in files] == ["ice-map_x.png", "ice-map_x.pdf"]
    assert [f["mime"] for f in files] == ["image/png", "application/pdf"]
    assert not calls
    png = files[0]["data"]()
    assert calls and Image.open(io.BytesIO(png)).size == (2400, 1600)


def test_print_files_read_the_views_frames_only_when_asked(view_frames, outline):
    asked = []

    def frames_later():
        asked.append(1)
        return view_frames

    files = print_files(frames_later, outline, (START, END), stem="ice-map_x")
    assert not asked  # a session keeps the view's name between clicks, not its rows
    assert files[0]["data"]() == print_files(view_frames, outline, (START, END))[0]["data"]() and asked


def test_frame_of_the_link_view_is_around_its_centre():
    west, south, east, north = extent_of((31.76, -106.45), 8, size=(1000, 680))
    assert west < -106.45 < east and south < 31.76 < north
    # 1000 px at zoom 8 is 1000 * 360 / 2**16 degrees of longitude.
    assert east - west == pytest.approx(1000 * 360 / 2**16)
    # Mercator: a degree of latitude there is 1 / cos(lat) times as many pixels as one of longitude.
    assert (north - south) / (east - west) == pytest.approx(0.68 * math.cos(math.radians(31.76)), rel=0.01)


def test_app_offers_the_map_of_its_view_as_png_and_pdf(monkeypatch):
    """The app's buttons draw the view of the page's link: its dates in the title, its frame."""
    from pathlib import Path

    from streamlit.elements.widgets import button
    from streamlit.testing.v1 import AppTest

    saved: dict[str, bytes] = {}
    original = button.marshall_file

    def marshall(coordinates, data, proto, mimetype, file_name=None, **kwargs):
        if callable(data) and file_name.endswith((".png", ".pdf")):
            saved[file_name.rsplit(".", 1)[-1]] = data()
        return original(coordinates, data, proto, mimetype, file_name, **kwargs)

    monkeypatch.setattr(button, "marshall_file", marshall)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=120)
    for key, value in {"start": "2025-03-01", "end": "2025-09-30", "lat": "31.76", "lon": "-106.45",
                       "zoom": "8"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert set(saved) == {"png", "pdf"}
    image = Image.open(io.BytesIO(saved["png"]))
    assert image.size == (2400, 1600)
    title, dates = print_title(dt.date(2025, 3, 1), dt.date(2025, 9, 30))
    assert image.text["Title"] == f"{title}, {dates}"
    # Framed on El Paso, not the whole country: most facilities are outside it, and said to be.
    assert re.search(r"beyond the view\): [\d,]{3,} facilities", image.text["Description"])
    assert saved["pdf"].startswith(b"%PDF") and dates.encode() in saved["pdf"]


def test_shaded_regions_get_their_legend_and_another_measure_its_own_title(view_frames, outline):
    counts = counts_by_region(view_frames["incidents"], "state")
    words = _svg_text(print_map(view_frames, outline, start=START, end=END, fmt="svg", size=SIZE,
                                areas=counts).decode())
    assert "Incidents by state" in words
    measure = counts.assign(agreements=counts["count"] * 3)
    measure.attrs = {"level": "state", "value": "agreements", "name": "287(g) agreements in force"}
    svg = print_map(view_frames, outline, start=START, end=END, fmt="svg", size=SIZE, areas=measure).decode()
    words = _svg_text(svg)
    assert "287(g) agreements in force" in words and "Incidents by state" not in words
    top = int(measure["agreements"].max())
    assert f"{top:,}" in words or str(top) in words  # the top class reaches the highest value

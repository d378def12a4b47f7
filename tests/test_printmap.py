"""The map of a view as a PNG (2x) and an SVG for print, with title, legend, scale and credits drawn in."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from geodata.aggregate import load_regions
from geodata.store import BundleStore
from geodata.view import View
from layers.i18n import text
from layers.printmap import print_map

TITLE = "US immigration enforcement: detention, deaths, incidents"


@pytest.fixture(scope="module")
def frames():
    return BundleStore().view_frames(View(start="2026-01-01", end="2026-01-31"))[0]


def test_png_is_a_2x_image_of_the_map_with_its_title(frames):
    png = print_map(frames, load_regions("state"), title=TITLE, subtitle="Jan 1, 2026 to Jan 31, 2026",
                    as_of="Data as of ...", t=text("en"))
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (2400, 1680)  # 12 x 8.4 in at 200 dpi
    assert img.info["Title"] == TITLE
    pixels = np.asarray(img.convert("RGB"), dtype=float)
    assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 500  # not blank: a drawn map
    # The map area is land and water colours, with the facilities' colours on it.
    middle = pixels[500:1300, 400:1600].reshape(-1, 3)
    near = lambda rgb: (np.abs(middle - rgb).sum(axis=1) < 30).mean()  # noqa: E731
    assert near((244, 242, 236)) > 0.3 and near((219, 231, 240)) > 0.02 and near((204, 121, 167)) > 0.0005


def test_svg_keeps_title_credits_and_legend_as_text(frames):
    svg = print_map(frames, load_regions("state"), title=TITLE, subtitle="Jan 1, 2026 to Jan 31, 2026",
                    as_of="Data as of: incidents to Jan 31, 2026", t=text("es"), fmt="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for words in (TITLE, "Jan 1, 2026 to Jan 31, 2026", "Data as of: incidents to Jan 31, 2026", "GeoNames (CC BY 4.0)",
                  "500 km", "Muerte bajo custodia"):
        assert words in svg, words

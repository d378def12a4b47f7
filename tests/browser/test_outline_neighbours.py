"""The offline outline map draws Mexico as land (docs/outline-map.md): El Paso is not on a coast."""

import io

import numpy as np
from PIL import Image

from layers.outline import OUTLINE_STYLE


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)])


def test_across_the_border_from_el_paso_is_land_not_sea(open_page, offline_server):
    app = open_page(offline_server)
    app.open("?lat=31.2&lon=-106.45&zoom=7")
    state = app.map_state(lambda s: "land" in (s["outline"] or []) and "neighbours" in s["outline"])
    assert "neighbours" in state["outline"], state.get("outline")
    # The colour of the map at points in Chihuahua (Mexico), and in the Gulf of California for contrast.
    where = app.evaluate_on_map(
        "return arg.map(function (p) { var xy = map.latLngToContainerPoint(p); return [xy.x, xy.y]; });",
        [[30.2, -106.0], [30.6, -107.2], [29.9, -105.2]],
    )
    png = app.map_frame().frame_element().screenshot()
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    h, w, _ = rgb.shape
    land, water = _rgb(OUTLINE_STYLE["land"]), _rgb(OUTLINE_STYLE["water"])
    for x, y in where:
        assert 0 <= x < w and 0 <= y < h
        pixel = rgb[int(y), int(x)]
        assert np.abs(pixel - land).max() <= 3 and np.abs(pixel - water).max() > 10, (x, y, pixel)

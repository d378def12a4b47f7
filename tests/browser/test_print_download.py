"""The map as a still image from the page (layers/printmap.py): the file of the view, its dates in its title."""

import datetime as dt

import numpy as np
from PIL import Image

from layers.printmap import print_title

DOWNLOAD_MS = 120_000


def test_png_download_is_the_map_of_the_view_with_its_dates(open_page, offline_server, tmp_path):
    app = open_page(offline_server)
    app.open("?start=2025-01-01&end=2026-01-15")
    with app.page.expect_download(timeout=DOWNLOAD_MS) as info:
        app.page.get_by_role("button", name="Map as PNG (for print)").click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    image = Image.open(path)
    assert image.size == (2400, 1600)
    title, dates = print_title(dt.date(2025, 1, 1), dt.date(2026, 1, 15))
    assert image.text["Title"] == f"{title}, {dates}"
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 200
    # Drawn on the server from the app's own data: no request left the app.
    assert app.hosts() == {offline_server.host}, sorted(app.hosts())

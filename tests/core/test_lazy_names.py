"""Packages import their public names when first used (geodata.core.lazy): the names work as before, and
a command pays only for the modules it uses."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["geodata", "geodata.core", "geodata.geography", "geodata.sources", "geodata.pipeline", "geodata.export",
            "geodata.store", "geodata.view", "geodata.imports"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_of_a_lazy_package_resolves(name):
    package = importlib.import_module(name)
    for public in package.__all__:
        value = getattr(package, public)
        assert getattr(package, public) is value  # kept in the package once imported
    assert set(package.__all__) <= set(dir(package))
    star: dict = {}
    exec(f"from {name} import *", star)
    assert set(package.__all__) <= set(star)


def test_an_unknown_name_of_a_lazy_package_is_an_attribute_error():
    import geodata.view

    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        geodata.view.no_such_name  # noqa: B018
    assert not hasattr(geodata.view, "no_such_name")
    from geodata.view import spans  # a submodule is still found by `from package import module`

    assert spans.__name__ == "geodata.view.spans"


def _loaded_after(code: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    return set(run.stdout.split())


def test_importing_the_package_loads_no_library():
    loaded = _loaded_after("import geodata, geodata.cli")
    assert not {"pandas", "geopandas", "shapely", "pyarrow"} & loaded
    assert not any(m.startswith(("geodata.view", "geodata.store", "geodata.imports")) for m in loaded)


def test_a_stores_incident_export_loads_neither_the_pipeline_nor_the_imports():
    loaded = _loaded_after("from geodata.view import View, export_frames\nfrom geodata.store import open_store\n"
                           "from geodata.export.files import write_export\nfrom geodata.view.spans import layer_spans")
    assert "geodata.view.compose" in loaded and "geodata.store.parquet" in loaded
    unused = ("geodata.imports", "geodata.pipeline.validate", "geodata.pipeline.dedupe", "geodata.geography.places",
              "geodata.sources.ddp_offices", "geodata.view.shards", "geodata.view.figures")
    assert [m for m in loaded if m.startswith(unused)] == []

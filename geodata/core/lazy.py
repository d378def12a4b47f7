"""Public names of a package imported on first use (PEP 562), so that importing a package costs
only what is used of it.

``geodata export`` of a store's incidents needs pyarrow and a few modules; importing every part of
the package (GeoPandas, Shapely, the sources, the pipeline) took about a second of each command.
A package lists where each public name lives; ``from geodata.view import View`` then imports
``geodata.view.selection`` alone, and ``__all__``, ``dir()`` and ``from ... import *`` are as before.
"""

from __future__ import annotations

import sys
from importlib import import_module

__all__ = ["lazy_names"]


def lazy_names(package: str, names: dict[str, tuple[str, ...]]):
    """``(__getattr__, __dir__)`` for ``package`` (its ``__name__``), whose public names live in the
    modules given: ``{".selection": ("View", "select"), ...}`` (module names relative to the package).

    A name is imported when first asked for and then kept in the package, as an eager import would
    have put it there."""
    where = {name: module for module, listed in names.items() for name in listed}

    def __getattr__(name: str):
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__

"""Serving the page: what the browser fetches, compressed once and cached (:class:`CompressedAssets`).

Pure ASGI, no Streamlit: ``app.py`` hands the middleware to ``st.App``.
"""

from .assets import IMMUTABLE, CompressedAssets, choose_encoding, compress, compressed_dir, folder_digest, is_versioned
from .nodelay import no_delay_on_listeners
from .preload import resource_preloads

__all__ = ["IMMUTABLE", "CompressedAssets", "asset_middleware", "choose_encoding", "compress", "compressed_dir",
           "folder_digest", "is_versioned", "no_delay_on_listeners", "resource_preloads"]


def asset_middleware(preloads: dict[str, list[str]] | None = None, styles: dict[str, str] | None = None,
                     base: str = "") -> list:
    """The middleware list for ``st.App(..., middleware=...)``: :class:`CompressedAssets` in front.

    Connections get ``TCP_NODELAY`` (:mod:`geodata.web.nodelay`).  ``preloads``: by a page's path (such as
    a component's ``index.html``), the scripts and style sheets its code will load later, hinted in its
    ``<head>`` (:func:`resource_preloads`).  ``styles``: by a page's path (``/``: Streamlit's page), a
    ``<style>`` block put into its ``<head>``, so that it applies from the first paint, before any element.
    ``base``: the URL path the app is served under (Streamlit's ``server.baseUrlPath``); paths are given without it.
    """
    from starlette.middleware import Middleware  # Streamlit's server (a dependency of the app, not of geodata)

    heads = {path: resource_preloads(urls) for path, urls in (preloads or {}).items()}
    for path, style in (styles or {}).items():
        if not style.lstrip().startswith("<style>"):
            raise ValueError(f"{path}: a style is a <style> block")
        heads[path] = heads.get(path, b"") + style.encode() + b"\n"
    return [Middleware(CompressedAssets, heads=heads, nodelay=True, base=base)]

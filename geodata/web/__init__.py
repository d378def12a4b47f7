"""Serving the page: what the browser fetches, compressed once and cached (:class:`CompressedAssets`).

Pure ASGI, no Streamlit: ``app.py`` hands the middleware to ``st.App``.
"""

from .assets import IMMUTABLE, CompressedAssets, choose_encoding, compress, compressed_dir, folder_digest, is_versioned
from .nodelay import no_delay_on_listeners
from .preload import resource_preloads

__all__ = ["IMMUTABLE", "CompressedAssets", "asset_middleware", "choose_encoding", "compress", "compressed_dir",
           "folder_digest", "is_versioned", "no_delay_on_listeners", "resource_preloads"]


def asset_middleware(preloads: dict[str, list[str]] | None = None) -> list:
    """The middleware list for ``st.App(..., middleware=...)``: :class:`CompressedAssets` in front.

    Connections get ``TCP_NODELAY`` (:mod:`geodata.web.nodelay`).  ``preloads``: by a page's path (such as
    a component's ``index.html``), the scripts and style sheets its code will load later, hinted in its
    ``<head>`` (:func:`resource_preloads`).
    """
    from starlette.middleware import Middleware  # Streamlit's server (a dependency of the app, not of geodata)

    heads = {path: resource_preloads(urls) for path, urls in (preloads or {}).items()}
    return [Middleware(CompressedAssets, heads=heads, nodelay=True)]

"""Serving the page: what the browser fetches, compressed once and cached (:class:`CompressedAssets`).

Pure ASGI, no Streamlit: ``app.py`` hands the middleware to ``st.App``.
"""

from collections.abc import Iterable

from .assets import IMMUTABLE, CompressedAssets, choose_encoding, compress, compressed_dir, folder_digest, is_versioned
from .nodelay import no_delay_on_listeners
from .preload import module_files, module_preloads, resource_preloads, streamlit_static_dir

__all__ = ["IMMUTABLE", "CompressedAssets", "asset_middleware", "choose_encoding", "compress", "compressed_dir",
           "folder_digest", "is_versioned", "module_files", "module_preloads", "no_delay_on_listeners",
           "resource_preloads", "streamlit_static_dir"]


def asset_middleware(page_modules: Iterable[str] = (), preloads: dict[str, list[str]] | None = None) -> list:
    """The middleware list for ``st.App(..., middleware=...)``: :class:`CompressedAssets` in front.

    Connections get ``TCP_NODELAY`` (:mod:`geodata.web.nodelay`).  ``page_modules``: the modules of
    Streamlit's frontend the app's first screen draws with (:func:`module_preloads`), hinted in its page
    so that the browser fetches them with the page.  ``preloads``: by a page's path (such as a component's
    ``index.html``), the scripts and style sheets its code will load later (:func:`resource_preloads`).
    """
    from starlette.middleware import Middleware  # Streamlit's server (a dependency of the app, not of geodata)

    static = streamlit_static_dir()
    heads = {"/": module_preloads(static, page_modules)} if static and page_modules else {}
    for path, urls in (preloads or {}).items():
        heads[path] = heads.get(path, b"") + resource_preloads(urls)
    return [Middleware(CompressedAssets, heads=heads, nodelay=True)]

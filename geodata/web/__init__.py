"""Serving the page: what the browser fetches, compressed once and cached (:class:`CompressedAssets`).

Pure ASGI, no Streamlit: ``app.py`` hands the middleware to ``st.App``.
"""

from .assets import IMMUTABLE, CompressedAssets, choose_encoding, compress, compressed_dir, folder_digest, is_versioned

__all__ = ["IMMUTABLE", "CompressedAssets", "asset_middleware", "choose_encoding", "compress", "compressed_dir",
           "folder_digest", "is_versioned"]


def asset_middleware() -> list:
    """The middleware list for ``st.App(..., middleware=...)``: :class:`CompressedAssets` in front."""
    from starlette.middleware import Middleware  # Streamlit's server (a dependency of the app, not of geodata)

    return [Middleware(CompressedAssets)]

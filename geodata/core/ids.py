"""Stable, readable identifiers."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["slug"]


def slug(text: str, max_len: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens: ``"Camp East Montana, El Paso"`` -> ``camp-east-montana-el-paso``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:max_len].strip("-") or "x"

"""Stable, readable identifiers."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["slug", "distinct_slug"]


def slug(text: str, max_len: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens: ``"Camp East Montana, El Paso"`` -> ``camp-east-montana-el-paso``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:max_len].strip("-") or "x"


def _full_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def distinct_slug(text: str, max_len: int = 60, *, readable: str | None = None) -> str:
    """:func:`slug` where it keeps what tells ``text`` apart, else a shorter slug and a hash of ``text``.

    ``slug`` drops what is not Latin ("事件一" and "事件二" both become "x") and cuts at ``max_len``
    (two long URLs sharing their first 60 characters become one): an id made that way would merge
    distinct records.  Here such a text keeps its readable part and gains 10 hexadecimal digits of
    its SHA-1, so two different texts give two different ids.  A text ``slug`` renders whole (only
    case and punctuation lost) is unchanged, so the ids of stored records stay as they were.
    ``readable`` is the text to show instead of ``text`` (one with a house number taken out).
    """
    text = str(text)
    shown = text if readable is None else str(readable)
    full = _full_slug(shown)
    letters = [c for c in unicodedata.normalize("NFKD", text).lower() if c.isalnum()]
    if readable is None and len(full) <= max_len and full and all(c.isascii() for c in letters):
        return full
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    head = full[: max_len - 11].strip("-")
    return f"{head}-{digest}" if head else digest

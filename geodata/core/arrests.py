"""Arrest rows in one shape, whoever publishes them (DDP's national table, UWCHR's Seattle table).

Rows about people: they are only ever counted (:func:`geodata.sources.ddp_arrests.aggregate_arrests`),
never shown, stored or exported one by one.  The shape lives here, below the sources, because two
sources read into it and a source never imports another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import state_code

__all__ = ["normalise_arrests"]


def normalise_arrests(df: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Arrest rows in one shape: ``apprehension_date`` (datetime64), ``state`` (postal code or
    None), ``county``, ``aor``, ``apprehension_landmark``, ``apprehension_method`` (stripped
    text or None) and ``duplicate`` (bool: DDP's ``duplicate_drop_row``; missing is False)."""
    out = pd.DataFrame(index=df.index)
    out["apprehension_date"] = pd.to_datetime(df["apprehension_date"], errors="coerce")
    if getattr(out["apprehension_date"].dt, "tz", None) is not None:
        out["apprehension_date"] = out["apprehension_date"].dt.tz_localize(None)
    states = df["apprehension_state"] if "apprehension_state" in df.columns else pd.Series(None, index=df.index)
    codes, uniques = pd.factorize(states.astype(object))
    mapped = np.array([state_code(str(u)) for u in uniques] + [None], dtype=object)
    out["state"] = mapped[codes]
    for col in ("county", "aor", "apprehension_landmark", "apprehension_method"):
        values = df[col] if col in df.columns else pd.Series(None, index=df.index)
        text = values.astype(object).where(values.notna(), None)
        out[col] = [(v.strip() or None) if isinstance(v, str) else None for v in text]
    dup = df["duplicate"] if "duplicate" in df.columns else pd.Series(False, index=df.index)
    out["duplicate"] = dup.map(lambda v: v is True or (isinstance(v, (bool, np.bool_)) and bool(v))
                               or (isinstance(v, str) and v.strip().upper() in ("TRUE", "T", "Y", "1")))
    out.attrs["source"] = source
    return out.reset_index(drop=True)

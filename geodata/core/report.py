"""Accounting for every input row: what was kept, how well it was placed, what was left out and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a table is made: the command line starts without it
    import pandas as pd

__all__ = ["GeodataError", "Report", "read_csv_table"]


class GeodataError(Exception):
    """A problem with the user's input, worded for the user (the CLI prints it without a traceback)."""


def read_csv_table(path, required, what: str, **kwargs) -> pd.DataFrame:
    """Read a CSV as text columns; a missing file or column is a :class:`GeodataError`."""
    from pathlib import Path

    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise GeodataError(f"{path}: no such file")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise GeodataError(f"{path}: not {what} (missing columns {', '.join(missing)})")
    return df


@dataclass
class Report:
    """Rows that were not kept as they came, each with its reason.

    ``action`` is ``rejected`` (left out), ``coarse`` (kept, but placed coarser than
    the source allows in principle), ``unmatched`` (kept, not joined to a facility) or
    ``note`` (kept; something a reader should know).
    """

    rows: list[dict] = field(default_factory=list)

    def add(self, source: str, record: str, action: str, reason: str) -> None:
        self.rows.append({"source": source, "record": record, "action": action, "reason": reason})

    def extend(self, other: "Report") -> None:
        self.rows.extend(other.rows)

    def of(self, action: str) -> list[dict]:
        return [r for r in self.rows if r["action"] == action]

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=["source", "record", "action", "reason"])

    def summary(self) -> str:
        if not self.rows:
            return "nothing to report"
        counts = self.to_frame().groupby(["source", "action"]).size()
        return "; ".join(f"{src} {act}: {n}" for (src, act), n in counts.items())

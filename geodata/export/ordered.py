"""An Arrow table written in a given order, taken a chunk at a time as the file is written."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["OrderedTable"]


class OrderedTable:
    """The rows ``order`` (row numbers) of ``table``, in that order: what :func:`geodata.view.export_frames`
    gives for a store's incidents, sorted without copying them.

    The writers (:mod:`geodata.export.writers`) take each chunk's rows from the table as they encode it, so
    the sorted table is never made whole: a million rows' text is copied a few thousand rows at a time,
    into memory that is used again, not all at once.  ``table``'s columns should be one chunk each (a take
    from many chunks joins them first).  ``lon``/``lat`` are the points (NaN or null: none)."""

    def __init__(self, table: pa.Table, order):
        self.table = table
        self.order = np.asarray(order, dtype=np.int64)

    @property
    def num_rows(self) -> int:
        return len(self.order)

    def __len__(self) -> int:
        return len(self.order)

    def to_table(self) -> pa.Table:
        """The rows in their order as one table (a copy)."""
        return self.table.take(pa.array(self.order))

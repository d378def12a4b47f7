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
    into memory that is used again, not all at once.  ``lon``/``lat`` are the points (NaN or null: none)."""

    def __init__(self, table: pa.Table, order):
        self.table = table
        self.order = np.asarray(order, dtype=np.int64)
        # The table's pieces, every column cut at the same rows (no copy): a chunk's rows are taken from the
        # pieces they lie in, as one batch (Arrow's take from a chunked column joins every piece first).
        self._batches = table.to_batches()
        self._starts = np.cumsum([0, *(len(b) for b in self._batches)])

    @property
    def num_rows(self) -> int:
        return len(self.order)

    def __len__(self) -> int:
        return len(self.order)

    def take_rows(self, rows: np.ndarray) -> pa.RecordBatch:
        """The table's rows ``rows`` (row numbers), in that order, as one record batch.

        Rows next to each other in an export's order (by date) mostly lie in one piece (a store's file of
        one year), so a chunk's rows are usually one take from one piece."""
        if not len(rows):
            return pa.RecordBatch.from_pylist([], schema=self.table.schema)
        which = np.searchsorted(self._starts, rows, side="right") - 1
        if (which == which[0]).all():
            return self._batches[int(which[0])].take(pa.array(rows - self._starts[which[0]]))
        by_piece = np.argsort(which, kind="stable")
        which = which[by_piece]
        cuts = [0, *(np.flatnonzero(np.diff(which)) + 1), len(rows)]
        parts = [self._batches[int(which[a])].take(pa.array(rows[by_piece[a:b]] - self._starts[which[a]]))
                 for a, b in zip(cuts, cuts[1:])]
        back = np.empty_like(by_piece)
        back[by_piece] = np.arange(len(rows))
        return pa.Table.from_batches(parts).combine_chunks().to_batches()[0].take(pa.array(back))

    def to_table(self) -> pa.Table:
        """The rows in their order as one table (a copy)."""
        return self.table.take(pa.array(self.order))

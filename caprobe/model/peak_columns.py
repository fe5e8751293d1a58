"""Per-pixel-column peaks of one ring buffer, kept up to date between redraws.

A redraw of a dense curve reduces every visible sample to a few points per
pixel column (``trace.reduce_columns``). Done from scratch, that is a pass
over every visible sample on every redraw: about 0.4 ms per 100,000
samples, so 8 ms of each frame with 20 full buffers in view, although only
a handful of samples arrive between two redraws.

``PeakColumns`` keeps the reduction. Columns sit on an absolute time grid,
so scrolling does not move a sample to another column, and a redraw only
reduces what changed:

- the last cached column (it may have grown) and every sample after it;
- at the front, the column the ring has partly overwritten;
- the whole visible range only when the column width or the log setting
  changes (a new span, a resize, a zoom), when the view moves back before
  the cached samples, or after the buffer was cleared or overrun.

Memory: seven numbers per cached column; columns left of the view are
dropped, so the cache holds about one plot width of columns.

Pure numpy: no Qt; tested against the from-scratch reduction.
"""
from __future__ import annotations

import math

import numpy as np

from caprobe.model.ring_buffer import RingBuffer
from caprobe.model.trace import (
    EMPTY,
    EMPTY_COLUMNS,
    EXACT_PER_COLUMN,
    Columns,
    Trace,
    column_trace,
    column_width,
    exact_trace,
    log_values,
    reduce_columns,
    visible_slice,
)


class PeakColumns:
    """The drawn trace of one buffer, with its column reduction cached.

    ``columns`` numbers samples absolutely: sample ``i`` of the buffer's
    current contents has number ``buffer.appended - len(buffer) + i``, which
    stays the same as the ring moves on.
    """

    def __init__(self) -> None:
        self.columns: Columns = EMPTY_COLUMNS
        self._key: tuple[float, bool] | None = None
        self._end = 0  # number one past the last sample reduced
        self.rebuilds = 0  # full reductions (tests and benchmarks read it)

    def trace(self, buffer: RingBuffer, start: float, stop: float, width_px: int,
              end: float | None = None, log: bool = False) -> Trace:
        """What to draw of ``buffer`` for ``[start, stop]`` on ``width_px`` columns.

        Same result as ``trace.staircase`` (exact steps when there are few
        samples, peak columns otherwise), without re-reducing old samples.
        """
        t = buffer.times()
        n = len(t)
        if n == 0 or stop <= start:
            return EMPTY
        a, b = visible_slice(t, start, stop)
        extend_to = None
        if end is not None and b == n:
            extend_to = max(float(end), float(t[b - 1]))
        width_px = max(1, int(width_px))
        if b - a <= EXACT_PER_COLUMN * width_px:
            y = buffer.values()[a:b]
            return exact_trace(t[a:b], log_values(y) if log else y, extend_to)
        width = column_width(start, stop, width_px)
        self.update(buffer, start, width, log)
        cols = self.columns
        k_first, k_last = math.floor(start / width), math.floor(stop / width)
        i0 = int(np.searchsorted(cols.k, k_first, side="left"))
        # One column past the right edge, so the line runs to the border.
        i1 = min(len(cols), int(np.searchsorted(cols.k, k_last, side="right")) + 1)
        shown = cols[i0:i1]
        if not len(shown):
            return EMPTY
        base = buffer.appended - n
        first = int(shown.first[0]) - base
        before = None
        if first > 0:  # the value holding when the first shown column starts
            value = buffer.values()[first - 1:first]
            before = (float(t[first - 1]), float(log_values(value)[0] if log else value[0]))
        if i1 < len(cols):
            extend_to = None  # more samples to the right: the line ends at them
            last = int(cols.first[i1]) - base
        else:
            last = n
        return column_trace(shown, before, extend_to, last - first)

    def update(self, buffer: RingBuffer, start: float, width: float, log: bool) -> None:
        """Bring the columns up to date for a view from ``start``, ``width`` s per column.

        Afterwards they hold every buffered sample from the column holding
        ``start`` on.
        """
        key = (float(width), bool(log))
        base = buffer.appended - len(buffer)  # number of the oldest buffered sample
        end = buffer.appended
        k_start = math.floor(start / width)
        cols = self.columns
        if key != self._key or not len(cols) or self._end > end or self._end < base:
            self._rebuild(buffer, key, k_start)
            return
        head = EMPTY_COLUMNS
        if cols.first[0] < base:
            # The ring overwrote the front: drop the columns it emptied and
            # reduce again the one it cut into.
            cut = int(np.searchsorted(cols.first, base, side="right")) - 1
            stop = int(cols.first[cut + 1]) if cut + 1 < len(cols) else self._end
            head = self._reduce(buffer, base, stop)
            cols = cols[cut + 1:]
        elif cols.first[0] > base and buffer.times()[cols.first[0] - 1 - base] >= k_start * width:
            # The view moved back past the cached samples (a pan while paused).
            self._rebuild(buffer, key, k_start)
            return
        tail = EMPTY_COLUMNS
        if end > self._end:
            # New samples: the last column may have grown; reduce it again
            # together with everything after it.
            if len(cols):
                restart = int(cols.first[-1])
                cols = cols[:-1]
            elif len(head):
                restart = int(head.first[-1])
                head = head[:-1]
            else:
                restart = self._end
            tail = self._reduce(buffer, max(restart, base), end)
            self._end = end
        cols = Columns.join(head, cols, tail)
        # Columns left of the view are no longer needed.
        self.columns = cols[int(np.searchsorted(cols.k, k_start, side="left")):]

    def _rebuild(self, buffer: RingBuffer, key: tuple[float, bool], k_start: int) -> None:
        self._key = key
        self.rebuilds += 1
        base = buffer.appended - len(buffer)
        i = int(np.searchsorted(buffer.times(), k_start * key[0], side="left"))
        self.columns = self._reduce(buffer, base + i, buffer.appended)
        self._end = buffer.appended

    def _reduce(self, buffer: RingBuffer, first: int, stop: int) -> Columns:
        """Columns of the samples numbered ``[first, stop)``."""
        base = buffer.appended - len(buffer)
        t = buffer.times()[first - base:stop - base]
        y = buffer.values()[first - base:stop - base]
        width, log = self._key
        return reduce_columns(t, log_values(y) if log else y, width, first)

"""What a strip-chart curve draws: a staircase, clipped and peak-downsampled.

A Channel Access value holds until the next update, so samples are drawn
as steps, never as slopes between points. A NaN value (a disconnect marker,
or a PV whose value is NaN) holds "nothing" until the next sample: the
curve has a gap there, drawn with ``connect="finite"``.

Only the samples that touch the visible time range are used (plus the one
holding at its left edge and the next one past its right edge, so lines
run to the borders). When there are more of them than the plot has pixel
columns, each column is reduced to the points entering value, min, max,
(NaN if the column contains a gap), last value: every spike stays visible,
a gap stays a gap, and the cost of drawing is bounded by the width in
pixels, not by the buffer.

Columns sit on an absolute time grid (column ``k`` covers ``[k·w, (k+1)·w)``
for a column width ``w``): scrolling never moves a sample into another
column, which is what lets ``peak_columns.PeakColumns`` keep the reduction
between redraws instead of redoing it.

Pure numpy: no Qt, no state; tested on its own.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

#: Below this many samples per pixel column the exact staircase is drawn.
EXACT_PER_COLUMN = 2


@dataclasses.dataclass(frozen=True)
class Trace:
    """Arrays to hand to the plot, and the value range they cover."""

    x: np.ndarray
    y: np.ndarray
    lo: float = math.nan  # finite min/max of the visible values (autoscale)
    hi: float = math.nan
    samples: int = 0  # samples that went into the trace
    downsampled: bool = False


EMPTY = Trace(np.empty(0), np.empty(0))


def staircase(t: np.ndarray, y: np.ndarray, start: float, stop: float, width_px: int,
              end: float | None = None, log: bool = False) -> Trace:
    """Build the drawn trace of samples ``(t, y)`` for the range ``[start, stop]``.

    Parameters
    ----------
    t, y : ndarray
        Sample times (sorted, POSIX seconds) and values, oldest first.
    start, stop : float
        Visible time range.
    width_px : int
        Pixel columns available; bounds the size of the result.
    end : float, optional
        Extend the last value to this time (the present, while connected).
    log : bool
        Values for a log axis: log10, with non-positive values as gaps.
    """
    n = len(t)
    if n == 0 or stop <= start:
        return EMPTY
    a, b = visible_slice(t, start, stop)
    if a >= b:
        return EMPTY
    seg_t = t[a:b]
    seg_y = log_values(y[a:b]) if log else y[a:b]
    extend_to = None
    if end is not None and b == n:
        extend_to = max(float(end), float(seg_t[-1]))
    width_px = max(1, int(width_px))
    if b - a <= EXACT_PER_COLUMN * width_px:
        return exact_trace(seg_t, seg_y, extend_to)
    cols = reduce_columns(seg_t, seg_y, column_width(start, stop, width_px))
    return column_trace(cols, None, extend_to, b - a)


def visible_slice(t: np.ndarray, start: float, stop: float) -> tuple[int, int]:
    """Indexes ``[a, b)`` of the samples drawn for ``[start, stop]``: the one
    holding at ``start``, every one inside, and the first one past ``stop``."""
    a = max(0, int(np.searchsorted(t, start, side="right")) - 1)
    b = min(len(t), int(np.searchsorted(t, stop, side="right")) + 1)
    return a, b


def column_width(start: float, stop: float, width_px: int) -> float:
    return (stop - start) / max(1, int(width_px))


def log_values(y: np.ndarray) -> np.ndarray:
    """log10 of the values, non-positive ones as NaN (gaps on a log axis)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.where(y > 0, y, np.nan))


def exact_trace(t: np.ndarray, y: np.ndarray, extend_to: float | None) -> Trace:
    """Every sample as a step (few samples per pixel column)."""
    lo, hi = _finite_range(y)
    x_out = np.repeat(t, 2)[1:]
    y_out = np.repeat(y, 2)
    if extend_to is None:
        y_out = y_out[:-1]
    else:
        x_out = np.append(x_out, extend_to)
    return Trace(x_out, y_out, lo, hi, len(t), False)


class Columns:
    """Peak reduction of samples into pixel columns; one entry per non-empty column.

    ``k``      column number: floor(time / column width)
    ``first``  index of the column's first sample (in the caller's numbering)
    ``t0``     time of that sample (where the column is drawn)
    ``lo/hi``  min and max of the values, NaN ignored (NaN if all are NaN)
    ``last``   the last value
    ``gap``    the column holds a NaN (a disconnect, or a NaN value)

    A plain slotted class rather than a dataclass: it is sliced and joined
    several times per curve per redraw.
    """

    FIELDS = ("k", "first", "t0", "lo", "hi", "last", "gap")
    __slots__ = FIELDS

    def __init__(self, k: np.ndarray, first: np.ndarray, t0: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray, last: np.ndarray, gap: np.ndarray) -> None:
        self.k, self.first, self.t0, self.lo, self.hi, self.last, self.gap = (
            k, first, t0, lo, hi, last, gap)

    def __len__(self) -> int:
        return len(self.k)

    def __getitem__(self, index: slice) -> "Columns":
        return Columns(self.k[index], self.first[index], self.t0[index], self.lo[index],
                       self.hi[index], self.last[index], self.gap[index])

    @staticmethod
    def join(*parts: "Columns") -> "Columns":
        parts = tuple(p for p in parts if len(p))
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return EMPTY_COLUMNS
        return Columns(*(np.concatenate([getattr(p, name) for p in parts])
                         for name in Columns.FIELDS))


EMPTY_COLUMNS = Columns(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0),
                        np.empty(0), np.empty(0), np.empty(0), np.empty(0, bool))


def reduce_columns(t: np.ndarray, y: np.ndarray, width: float, first_index: int = 0) -> Columns:
    """Reduce samples (sorted times) to columns of ``width`` seconds on the absolute grid.

    ``first_index`` numbers the first sample (``Columns.first`` counts from it).
    """
    if not len(t):
        return EMPTY_COLUMNS
    k = np.floor(t / width).astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    ends = np.append(starts[1:], len(t))
    lo = np.fmin.reduceat(y, starts)
    hi = np.fmax.reduceat(y, starts)
    # Columns holding a NaN (gaps are rare: find them, not reduce for them).
    gap = np.zeros(len(starts), dtype=bool)
    nan_at = np.flatnonzero(np.isnan(y))
    if len(nan_at):
        gap[np.searchsorted(starts, nan_at, side="right") - 1] = True
    return Columns(k[starts], starts + first_index, t[starts], lo, hi, y[ends - 1], gap)


def column_trace(cols: Columns, before: tuple[float, float] | None,
                 extend_to: float | None, samples: int) -> Trace:
    """The drawn points of reduced columns.

    ``before`` is the sample (time, value) holding when the first column
    starts, if it is not in the columns; ``extend_to`` extends the last
    value to that time.

    Each column is drawn at its first sample's time as a vertical stroke
    from one extreme to the other, ending on the extreme nearer to the
    column's last value, where the line to the next column starts. Points
    are added only where they change pixels (the paint, not this code,
    dominates a redraw): the entering value after empty columns (a hold
    drawn flat), a NaN in a column with a gap, and the last value before
    an empty column, a gap or the end (so a hold starts at the right
    level). Every spike stays, every gap stays a gap.
    """
    n = len(cols)
    if not n:
        return EMPTY
    lo, hi, last, gap = cols.lo, cols.hi, cols.last, cols.gap
    next_adjacent = np.zeros(n, dtype=bool)
    next_adjacent[:-1] = np.diff(cols.k) == 1
    end_on_hi = hi - last < last - lo
    first_extreme = np.where(end_on_hi, lo, hi)
    second_extreme = np.where(end_on_hi, hi, lo)
    dense = next_adjacent[:-1].all() and not gap.any()
    if dense:
        # The common case, done with fewer array passes: no empty column,
        # no gap; both extremes everywhere (a repeated point costs less
        # than the masks that would remove it), the last value at the end.
        y_out = np.empty(2 * n + 1)
        y_out[0:-1:2] = first_extreme
        y_out[1:-1:2] = second_extreme
        y_out[-1] = last[-1]
        x_out = np.empty(2 * n + 1)
        x_out[0:-1:2] = cols.t0
        x_out[1:-1:2] = cols.t0
        x_out[-1] = cols.t0[-1]
        if before is not None:
            y_out = np.concatenate(([before[1], before[1]], y_out))
            x_out = np.concatenate(([before[0], cols.t0[0]], x_out))
    else:
        entering = np.empty(n)
        entering[0] = before[1] if before is not None else math.nan
        entering[1:] = last[:-1]
        y_cols = np.column_stack((entering, first_extreme, second_extreme,
                                  np.full(n, math.nan), last))
        keep = np.empty((n, 5), dtype=bool)
        keep[0, 0] = before is not None
        keep[1:, 0] = ~next_adjacent[:-1]
        keep[:, 1] = True
        keep[:, 2] = hi != lo
        keep[:, 3] = gap
        keep[:, 4] = gap | (~next_adjacent & (last != second_extreme))
        y_out = y_cols[keep]
        x_out = np.broadcast_to(cols.t0[:, None], y_cols.shape)[keep]
        if before is not None:
            x_out = np.concatenate(([before[0]], x_out))
            y_out = np.concatenate(([before[1]], y_out))
    if extend_to is not None:
        x_out = np.append(x_out, extend_to)
        y_out = np.append(y_out, last[-1])
    lo_all, hi_all = _finite_range(np.concatenate((lo, hi)))
    if before is not None and math.isfinite(before[1]):
        lo_all = before[1] if math.isnan(lo_all) else min(lo_all, before[1])
        hi_all = before[1] if math.isnan(hi_all) else max(hi_all, before[1])
    return Trace(x_out, y_out, lo_all, hi_all, samples, True)


def _finite_range(y: np.ndarray) -> tuple[float, float]:
    finite = y[np.isfinite(y)]
    if not len(finite):
        return math.nan, math.nan
    return float(finite.min()), float(finite.max())

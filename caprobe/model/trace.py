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
    """
    if not len(cols):
        return EMPTY
    last = cols.last
    entering = np.empty_like(last)
    entering[0] = before[1] if before is not None else math.nan
    entering[1:] = last[:-1]
    mark = np.where(cols.gap, np.nan, last)
    y_cols = np.column_stack((entering, cols.lo, cols.hi, mark, last))
    # Fewer points draw faster (the paint, not this code, dominates a
    # redraw): "entering" is needed only after empty columns (else the line
    # from the previous column is a sub-pixel diagonal), the NaN mark only
    # in columns with a gap, and max only when it differs from min.
    keep = np.ones_like(y_cols, dtype=bool)
    keep[0, 0] = before is not None
    keep[1:, 0] = np.diff(cols.k) > 1
    keep[:, 2] = cols.hi != cols.lo
    keep[:, 3] = cols.gap
    keep[:, 1] |= np.isnan(cols.lo)  # all-NaN column: still a gap point
    y_out = y_cols[keep]
    x_out = np.broadcast_to(cols.t0[:, None], y_cols.shape)[keep]
    ranges = [cols.lo, cols.hi]
    if before is not None:
        x_out = np.concatenate(([before[0]], x_out))
        y_out = np.concatenate(([before[1]], y_out))
        ranges.append(np.array([before[1]]))
    if extend_to is not None:
        x_out = np.append(x_out, extend_to)
        y_out = np.append(y_out, last[-1])
    lo, hi = _finite_range(np.concatenate(ranges))
    return Trace(x_out, y_out, lo, hi, samples, True)


def _finite_range(y: np.ndarray) -> tuple[float, float]:
    finite = y[np.isfinite(y)]
    if not len(finite):
        return math.nan, math.nan
    return float(finite.min()), float(finite.max())

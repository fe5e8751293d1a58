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
    a = max(0, int(np.searchsorted(t, start, side="right")) - 1)
    b = min(n, int(np.searchsorted(t, stop, side="right")) + 1)
    if a >= b:
        return EMPTY
    seg_t = t[a:b]
    seg_y = y[a:b]
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            seg_y = np.log10(np.where(seg_y > 0, seg_y, np.nan))
    extend_to = None
    if end is not None and b == n:
        extend_to = max(float(end), float(seg_t[-1]))
    count = len(seg_t)
    width_px = max(1, int(width_px))
    if count <= EXACT_PER_COLUMN * width_px:
        lo, hi = _finite_range(seg_y)
        x_out = np.repeat(seg_t, 2)[1:]
        y_out = np.repeat(seg_y, 2)
        if extend_to is None:
            y_out = y_out[:-1]
        else:
            x_out = np.append(x_out, extend_to)
        return Trace(x_out, y_out, lo, hi, count, False)
    return _peak_columns(seg_t, seg_y, start, stop, width_px, extend_to)


def _peak_columns(t: np.ndarray, y: np.ndarray, start: float, stop: float, width_px: int,
                  extend_to: float | None) -> Trace:
    # Column boundaries by binary search: O(width · log n), not a pass over
    # every sample; then three reductions over the visible samples.
    edges = np.linspace(start, stop, width_px + 1)[1:-1]
    bounds = np.searchsorted(t, edges, side="left")
    starts = np.concatenate(([0], bounds))
    keep = np.empty(len(starts), dtype=bool)  # drop empty columns
    keep[0] = True
    keep[1:] = starts[1:] != starts[:-1]
    starts = starts[keep]
    starts = starts[starts < len(t)]
    col_lo = np.fmin.reduceat(y, starts)
    col_hi = np.fmax.reduceat(y, starts)
    # Columns holding a NaN (gaps are rare: find them, not reduce for them).
    with_gap = np.zeros(len(starts), dtype=bool)
    nan_at = np.flatnonzero(np.isnan(y))
    if len(nan_at):
        with_gap[np.searchsorted(starts, nan_at, side="right") - 1] = True
    last = y[np.append(starts[1:], len(t)) - 1]
    entering = np.empty_like(last)
    entering[0] = y[0]
    entering[1:] = last[:-1]
    lo, hi = _finite_range(np.concatenate((col_lo, col_hi)))
    mark = np.where(with_gap, np.nan, last)
    y_cols = np.column_stack((entering, col_lo, col_hi, mark, last))
    # Fewer points draw faster (the paint, not this code, dominates a
    # redraw): "entering" is needed only after empty columns (else the line
    # from the previous column is a sub-pixel diagonal), the NaN mark only
    # in columns with a gap, and max only when it differs from min.
    column = np.searchsorted(edges, t[starts], side="right")
    keep = np.ones_like(y_cols, dtype=bool)
    keep[1:, 0] = np.diff(column) > 1
    keep[:, 2] = col_hi != col_lo
    keep[:, 3] = with_gap
    keep[:, 1] |= np.isnan(col_lo)  # all-NaN column: still a gap point
    y_out = y_cols[keep]
    x_out = np.broadcast_to(t[starts][:, None], y_cols.shape)[keep]
    if extend_to is not None:
        x_out = np.append(x_out, extend_to)
        y_out = np.append(y_out, last[-1])
    return Trace(x_out, y_out, lo, hi, len(t), True)


def _finite_range(y: np.ndarray) -> tuple[float, float]:
    finite = y[np.isfinite(y)]
    if not len(finite):
        return math.nan, math.nan
    return float(finite.min()), float(finite.max())

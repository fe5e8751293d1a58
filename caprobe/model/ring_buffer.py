"""``RingBuffer``: a strip-chart curve's history, preallocated and bounded.

Each sample is written twice, at ``i`` and ``i + capacity``, so the most
recent ``capacity`` samples are always one contiguous, time-ordered slice:
appending is O(1) per sample (O(batch) per frame, as slices), reading never
copies or rolls, and memory never grows after construction.

Per sample the buffer holds the time (float64, POSIX seconds), the value
(float64), the alarm severity (int8) and the alarm status code (uint8):
18 bytes, stored twice, so **36 bytes per sample of capacity**. The default
capacity of 100,000 samples (2.8 hours at 10 Hz, 28 hours at 1 Hz) costs
3.6 MB per PV.

Time never goes backwards inside a buffer. A sample stamped earlier than
the one before it (an IOC clock stepped back, a record processed with an
old timestamp, client/server clock skew around a disconnect) is kept, with
its value, at the previous sample's time; ``clamped`` counts how often this
happened. Drawing and searching both rely on times being sorted.

Threads: none of its own; the owner (a strip chart, on the GUI thread)
calls every method. The one exception is ``hold_writes``: while writes are
held, the arrays do not change, so another thread may copy the views
``times()`` & co. returned (a CSV export takes its snapshot on its worker,
not on the GUI thread). Writes made meanwhile wait in order and land at
``release_writes``.
"""
from __future__ import annotations

import numpy as np

from caprobe.model.alarm import AlarmStatus, Severity

#: Severity code stored for the marker sample that records a disconnect.
DISCONNECTED = 4
#: Status code stored with that marker.
DISCONNECTED_STATUS = 255

BYTES_PER_SAMPLE = 2 * (8 + 8 + 1 + 1)
DEFAULT_CAPACITY = 100_000

_STATUS_CODES = {s.name: int(s) for s in AlarmStatus}


def status_code(name: str) -> int:
    """Status name as a Reading carries it → the code stored per sample."""
    return _STATUS_CODES.get(name, int(AlarmStatus.UDF))


def severity_name(code: int) -> str:
    return "DISCONNECTED" if code == DISCONNECTED else Severity(int(code)).name


def status_name_of(code: int) -> str:
    if code == DISCONNECTED_STATUS:
        return "DISCONNECTED"
    try:
        return AlarmStatus(int(code)).name
    except ValueError:
        return f"STATUS_{int(code)}"


class RingBuffer:
    """The last ``capacity`` samples of one curve, oldest first.

    Parameters
    ----------
    capacity : int
        Samples kept; when full, each new sample drops the oldest one
        (counted in ``overwritten``).
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self._capacity = int(capacity)
        n = 2 * self._capacity
        self._t = np.zeros(n)
        self._y = np.full(n, np.nan)
        self._sev = np.zeros(n, dtype=np.int8)
        self._stat = np.zeros(n, dtype=np.uint8)
        self._head = 0  # where the next sample goes, in [0, capacity)
        self._size = 0
        self.clamped = 0
        self.overwritten = 0
        self.appended = 0
        self._held: list[tuple] | None = None  # writes waiting for release_writes

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def nbytes(self) -> int:
        return self._t.nbytes + self._y.nbytes + self._sev.nbytes + self._stat.nbytes

    def __len__(self) -> int:
        return self._size

    def last_time(self) -> float | None:
        return float(self._t[self._head + self._capacity - 1]) if self._size else None

    def last_value(self) -> float | None:
        return float(self._y[self._head + self._capacity - 1]) if self._size else None

    def append(self, t: float, y: float, severity: int = 0, status: int = 0) -> None:
        self.extend(np.array([t], dtype=float), np.array([y], dtype=float),
                    np.array([severity], dtype=np.int8), np.array([status], dtype=np.uint8))

    def extend(self, t: np.ndarray, y: np.ndarray, severity: np.ndarray | None = None,
               status: np.ndarray | None = None) -> None:
        """Append samples in arrival order (one frame's batch at a time)."""
        if self._held is not None:
            self._held.append((self.extend, t, y, severity, status))
            return
        count = len(t)
        if count == 0:
            return
        t = np.asarray(t, dtype=float)
        # Keep time monotonic: each sample is at least as late as the one
        # before it (including the last one already stored).
        floor = self.last_time()
        ordered = np.maximum.accumulate(t if floor is None else np.maximum(t, floor))
        self.clamped += int(np.count_nonzero(ordered != t))
        y = np.asarray(y, dtype=float)
        sev = np.zeros(count, np.int8) if severity is None else np.asarray(severity, np.int8)
        stat = np.zeros(count, np.uint8) if status is None else np.asarray(status, np.uint8)
        if count > self._capacity:  # only the newest fit; the rest are overwritten at once
            skip = count - self._capacity
            self.overwritten += skip
            self.appended += skip
            ordered, y, sev, stat = ordered[skip:], y[skip:], sev[skip:], stat[skip:]
            count = self._capacity
        self.overwritten += max(0, self._size + count - self._capacity)
        self.appended += count
        cap, head = self._capacity, self._head
        first = min(count, cap - head)  # up to the end of the first half, then wrap
        for column, values in ((self._t, ordered), (self._y, y), (self._sev, sev),
                               (self._stat, stat)):
            column[head:head + first] = values[:first]
            column[head + cap:head + cap + first] = values[:first]
            if first < count:
                rest = count - first
                column[:rest] = values[first:]
                column[cap:cap + rest] = values[first:]
        self._head = (head + count) % cap
        self._size = min(self._size + count, cap)

    def clear(self) -> None:
        if self._held is not None:
            self._held.append((self.clear,))
            return
        self._head = self._size = 0

    # -- a snapshot taken by another thread ---------------------------------------------------
    @property
    def writes_held(self) -> bool:
        return self._held is not None

    def hold_writes(self) -> None:
        """Keep the arrays as they are: later writes wait until ``release_writes``.

        Readers (and the views already handed out) keep seeing the contents
        of this moment. Holding a held buffer changes nothing; one
        ``release_writes`` ends the hold.
        """
        if self._held is None:
            self._held = []

    def release_writes(self) -> None:
        """Apply the writes made while held, in order; idempotent."""
        held, self._held = self._held, None
        for method, *args in held or ():
            method(*args)

    def _slice(self) -> slice:
        stop = self._head + self._capacity
        return slice(stop - self._size, stop)

    def times(self) -> np.ndarray:
        """Sample times, oldest first: a read-only view, valid until the next append."""
        return _readonly(self._t[self._slice()])

    def values(self) -> np.ndarray:
        return _readonly(self._y[self._slice()])

    def severities(self) -> np.ndarray:
        return _readonly(self._sev[self._slice()])

    def statuses(self) -> np.ndarray:
        return _readonly(self._stat[self._slice()])

    def value_at(self, t: float) -> tuple[float, int] | None:
        """The value holding at time ``t`` (staircase) and its severity code."""
        times = self.times()
        i = int(np.searchsorted(times, t, side="right")) - 1
        if i < 0:
            return None
        return float(self.values()[i]), int(self.severities()[i])


def _readonly(view: np.ndarray) -> np.ndarray:
    view = view.view()
    view.flags.writeable = False
    return view

"""A GUI-thread heartbeat: how long the event loop was ever kept from running.

A 10 ms ``QTimer`` ticks on the GUI thread; each tick records the time
since the previous one. A tick late by more than its interval means the
event loop was busy (or blocked) for that long, which is exactly what an
operator sees as a frozen window. ::

    hb = Heartbeat()
    hb.start()
    ...                      # drive the GUI (qtbot.waitUntil, qtbot.wait, ...)
    hb.stop()
    hb.worst_stall_ms, hb.p99_stall_ms

A *stall* is a gap between ticks minus the 10 ms interval, so a loop that
keeps time exactly has stalls of 0 ms. The first gap is measured from
``start()``: work done between ``start()`` and the first turn of the event
loop counts.

Only what runs on the GUI thread while the loop is kept from turning shows
up; tests should therefore do their own blocking I/O (an independent CA
client checking the IOC, a subprocess) off the GUI thread, or outside the
measured stretch, when they want to measure the application alone.

The ``heartbeat`` fixture yields a started ``Heartbeat`` and, at teardown,
asserts that the worst stall stayed under ``MAX_STALL_MS`` (the figures go
into the assertion message). Use it with::

    from tests.heartbeat import heartbeat  # noqa: F401
"""
from __future__ import annotations

import contextlib
import time

import numpy as np
import pytest
from PyQt5.QtCore import Qt, QTimer

INTERVAL_MS = 10
MAX_STALL_MS = 100.0


class Heartbeat:
    """Ticks every ``interval_ms`` on the GUI thread and records the gaps between ticks."""

    def __init__(self, interval_ms: int = INTERVAL_MS) -> None:
        self.interval_ms = interval_ms
        #: The fixture's limit; a test that knowingly misses the target raises
        #: it, with the reason in ``limit_reason`` (it shows in the failure).
        self.limit_ms = MAX_STALL_MS
        self.limit_reason = ""
        self._timer = QTimer()
        self._timer.setTimerType(Qt.PreciseTimer)  # coarse timers may be 5 % late by design
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)
        self._last: float | None = None
        self._started = 0.0
        self._gaps_ms: list[float] = []
        self._ends_s: list[float] = []  # when each gap ended, seconds after start()

    def start(self) -> None:
        """Start (or restart) measuring; earlier gaps are forgotten."""
        self._gaps_ms = []
        self._ends_s = []
        self._started = self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        """Stop ticking; the figures stay readable."""
        self._timer.stop()
        self._last = None

    @contextlib.contextmanager
    def paused(self):
        """Not measured: the test itself blocks the GUI thread here (starting or
        killing an IOC, a synchronous check with an independent client)."""
        self._timer.stop()
        try:
            yield
        finally:
            self._last = time.perf_counter()
            self._timer.start()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def ticks(self) -> int:
        return len(self._gaps_ms)

    @property
    def worst_stall_ms(self) -> float:
        """The longest gap between two ticks, less the interval (0 if never late)."""
        if not self._gaps_ms:
            return 0.0
        return max(0.0, max(self._gaps_ms) - self.interval_ms)

    @property
    def p99_stall_ms(self) -> float:
        """The 99th percentile of the stalls (gap less interval, at least 0)."""
        if not self._gaps_ms:
            return 0.0
        stalls = np.maximum(np.asarray(self._gaps_ms) - self.interval_ms, 0.0)
        return float(np.percentile(stalls, 99))

    @property
    def worst_stall_at_s(self) -> float:
        """When the worst stall ended, in seconds after ``start()`` (to find its cause)."""
        if not self._gaps_ms:
            return 0.0
        return self._ends_s[int(np.argmax(self._gaps_ms))]

    def summary(self) -> str:
        return (f"worst stall {self.worst_stall_ms:.1f} ms (ending {self.worst_stall_at_s:.2f} s "
                f"after start), p99 {self.p99_stall_ms:.1f} ms over {self.ticks} ticks of "
                f"{self.interval_ms} ms")

    def _on_tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self._gaps_ms.append((now - self._last) * 1000.0)
            self._ends_s.append(now - self._started)
        self._last = now


@pytest.fixture
def heartbeat(qapp):
    """A started ``Heartbeat``; the test fails at teardown if the GUI ever stalled 100 ms."""
    hb = Heartbeat()
    hb.start()
    yield hb
    hb.stop()
    assert hb.worst_stall_ms < hb.limit_ms, (
        f"the GUI thread stalled: {hb.summary()} (limit {hb.limit_ms:.0f} ms"
        f"{'; ' + hb.limit_reason if hb.limit_reason else ''})")

"""Python's cycle collector, run on the GUI thread only.

CPython starts a cyclic garbage collection on whichever thread happens to
allocate when the generation counters pass their thresholds. Our CA
backends run Python on their own threads (caproto's client, the backend
worker, pyepics callbacks), so a collection can start there, find an
unreachable cycle that holds Qt objects (pyqtgraph items are full of
cycles) and delete their C++ side on that thread while the GUI thread is
painting them. CI caught exactly that: a paint call on a deleted
``AxisItem``, then a segmentation fault.

The cure, the one pyqtgraph and PyQt's own advice describe: turn automatic
collection off and collect from a timer on the GUI thread, with the same
generation thresholds Python would have used. Reference counting still
frees everything that is not in a cycle at once, on any thread; only
cycles wait for the next tick.

``ChannelHub`` installs this once per process (opt out with
``ChannelHub(gui_thread_gc=False)`` if the host application manages the
collector itself).
"""
from __future__ import annotations

import gc
import logging
import time

from PyQt5.QtCore import QCoreApplication, QObject, QThread, QTimer

log = logging.getLogger(__name__)

#: Frozen long-lived objects are unfrozen and collected at most this often
#: (the one long pause, ~0.1 s with thousands of widgets, that remains).
THOROUGH_EVERY_S = 600.0

#: How often the GUI thread looks at the generation counters. Short, so
#: that each young-generation collection stays small: the work is the same
#: in total, but 200 ms of allocations under a storm took 6-40 ms at once.
CHECK_INTERVAL_MS = 50

_installed: "_GuiThreadCollector | None" = None


class _GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)  # lives as long as the application
        self.threshold = gc.get_threshold()
        self.collections = 0
        self.full_collections = 0
        self.thorough_collections = 0
        # CPython's own rule for full collections, which a plain threshold
        # check would skip: only when the objects promoted to the oldest
        # generation since the last full one exceed a quarter of it.
        self._long_lived_total = len(gc.get_objects(2))
        self._long_lived_pending = 0
        # A full collection walks every object that survived a while: each
        # widget's wrapper, pyqtgraph's items, the modules (about 90 ms at
        # 2000 labels, on the GUI thread). After each one, the survivors are
        # frozen (gc.freeze), so the next full collection only walks what
        # was promoted since. Frozen objects that later become cyclic garbage
        # (a closed plot's items) wait for the next thorough collection,
        # which unfreezes everything first: at most every THOROUGH_EVERY_S.
        self._last_thorough = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        gc.disable()

    def check(self) -> None:
        """Collect the generations Python would have collected by now."""
        count0, count1, count2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if count0 <= t0:
            return
        if count1 <= t1:
            gc.collect(0)
        elif count2 <= t2 or self._long_lived_pending * 4 <= self._long_lived_total:
            # Survivors of this collection move to the oldest generation;
            # counting what it examines is a cheap upper bound on them.
            self._long_lived_pending += len(gc.get_objects(0)) + len(gc.get_objects(1))
            gc.collect(1)
        else:
            self.full_collection()
        self.collections += 1

    def full_collection(self, thorough: bool = False) -> None:
        """Collect the oldest generation, then freeze what survived (see __init__)."""
        now = time.monotonic()
        if thorough or now - self._last_thorough >= THOROUGH_EVERY_S:
            gc.unfreeze()
            self._last_thorough = now
            self.thorough_collections += 1
        gc.collect(2)
        gc.freeze()
        self.full_collections += 1
        self._long_lived_total = gc.get_freeze_count() + len(gc.get_objects(2))
        self._long_lived_pending = 0

    def uninstall(self) -> None:
        self._timer.stop()
        gc.unfreeze()
        gc.enable()


def install_gui_thread_gc() -> bool:
    """Move cyclic garbage collection onto the GUI thread (idempotent).

    Returns True when the collector is (now) installed; False when there
    is no QCoreApplication yet or this is not its thread, in which case
    nothing changes.
    """
    global _installed
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return False
    if _installed is None or not _is_alive(_installed):  # GUI thread only: no lock needed
        _installed = _GuiThreadCollector(app)
        app.destroyed.connect(_restore_automatic_collection)  # no GUI thread left
        log.debug("cyclic garbage collection now runs on the GUI thread only")
    return True


def _restore_automatic_collection(_obj=None) -> None:
    gc.unfreeze()
    gc.enable()


def gui_thread_gc_installed() -> bool:
    return _installed is not None and _is_alive(_installed) and not gc.isenabled()


def _is_alive(obj: QObject) -> bool:
    from PyQt5 import sip

    return not sip.isdeleted(obj)

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

from PyQt5.QtCore import QCoreApplication, QObject, QThread, QTimer

log = logging.getLogger(__name__)

#: How often the GUI thread looks at the generation counters.
CHECK_INTERVAL_MS = 200

_installed: "_GuiThreadCollector | None" = None


class _GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)  # lives as long as the application
        self.threshold = gc.get_threshold()
        self.collections = 0
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
        generation = 0
        if count1 > t1:
            generation = 2 if count2 > t2 else 1
        gc.collect(generation)
        self.collections += 1

    def uninstall(self) -> None:
        self._timer.stop()
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
        app.destroyed.connect(gc.enable)  # no GUI thread left to collect on
        log.debug("cyclic garbage collection now runs on the GUI thread only")
    return True


def gui_thread_gc_installed() -> bool:
    return _installed is not None and _is_alive(_installed) and not gc.isenabled()


def _is_alive(obj: QObject) -> bool:
    from PyQt5 import sip

    return not sip.isdeleted(obj)

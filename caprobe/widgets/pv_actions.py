"""Where "open in probe" and "add to strip chart" go, process-wide.

Every PV widget offers both in its context menu. In caprobe's own window
the main window connects to ``pv_actions()`` and shows the PV in its
probe or strip chart; in someone else's application, where nobody
listens, the request opens a small standalone probe window or a shared
standalone strip chart, so the menu always does what it says.
"""
from __future__ import annotations

import logging

from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)


class PVActions(QObject):
    """Requests from PV widgets to show a PV elsewhere.

    Signals
    -------
    probe_requested(str)
        Show this PV in a probe.
    strip_requested(str)
        Add this PV to a strip chart.
    """

    probe_requested = pyqtSignal(str)
    strip_requested = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._windows: list[QWidget] = []
        self._strip: QWidget | None = None

    def open_in_probe(self, pvname: str, hub=None) -> None:
        if self.receivers(self.probe_requested) > 0:
            self.probe_requested.emit(pvname)
            return
        from caprobe.widgets.probe import ProbeWidget

        window = ProbeWidget(pvname, hub=hub)
        window.setWindowTitle(f"caprobe: {pvname}")
        self._keep(window)
        window.resize(520, 560)
        window.show()

    def add_to_strip_chart(self, pvname: str, hub=None) -> None:
        if self.receivers(self.strip_requested) > 0:
            self.strip_requested.emit(pvname)
            return
        from caprobe.widgets.strip_chart import StripChart

        if self._strip is None:
            self._strip = StripChart(hub=hub)
            self._strip.setWindowTitle("caprobe strip chart")
            self._keep(self._strip)
            self._strip.destroyed.connect(self._forget_strip)
            self._strip.resize(900, 520)
        self._strip.add_pv(pvname)
        self._strip.show()
        self._strip.raise_()

    def _keep(self, window: QWidget) -> None:
        window.setAttribute(Qt.WA_DeleteOnClose)
        self._windows.append(window)
        window.destroyed.connect(lambda _=None, w=window: self._drop(w))

    def _drop(self, window: QWidget) -> None:
        self._windows = [w for w in self._windows if w is not window]

    def _forget_strip(self, _obj=None) -> None:
        self._strip = None


_actions: PVActions | None = None


def pv_actions() -> PVActions:
    """The process-wide ``PVActions`` (created on first use, owned by the application)."""
    global _actions
    if _actions is None:
        _actions = PVActions(QApplication.instance())
    return _actions

"""``ProbeTabs``: several probes side by side, one tab per PV."""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QTabWidget, QToolButton, QWidget

from caprobe.bridge import ChannelHub, default_hub
from caprobe.widgets.probe import ProbeWidget


class ProbeTabs(QTabWidget):
    """Closable probe tabs titled by PV name; "+" opens an empty probe.

    Signals
    -------
    send_to_strip_requested(str)
        Forwarded from any probe.
    """

    send_to_strip_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None, hub: ChannelHub | None = None) -> None:
        super().__init__(parent)
        self._hub = hub or default_hub()
        self._strip_available = False
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setDocumentMode(True)
        self.tabCloseRequested.connect(self._on_tab_close_requested)
        plus = QToolButton(self)
        plus.setText("+")
        plus.setToolTip("Open another probe")
        plus.clicked.connect(self._on_plus_clicked)
        self.setCornerWidget(plus)

    def open_probe(self, pvname: Optional[str] = None, focus: bool = True) -> ProbeWidget:
        """A probe on ``pvname`` in a new tab, or the existing tab already probing it."""
        for probe in self.probes():
            if pvname and probe.pvname == pvname:
                self.setCurrentWidget(probe)
                return probe
        probe = ProbeWidget(pvname, self, hub=self._hub)
        probe.set_strip_chart_available(self._strip_available)
        probe.pvname_changed.connect(self._on_probe_pvname_changed)
        probe.send_to_strip_requested.connect(self.send_to_strip_requested)
        self.addTab(probe, pvname or "new probe")
        if focus:
            self.setCurrentWidget(probe)
            if not pvname:
                probe.name_edit.setFocus()
        return probe

    def probes(self) -> list[ProbeWidget]:
        return [self.widget(i) for i in range(self.count())]

    def set_strip_chart_available(self, available: bool) -> None:
        self._strip_available = available
        for probe in self.probes():
            probe.set_strip_chart_available(available)

    def _on_tab_close_requested(self, index: int) -> None:
        probe = self.widget(index)
        self.removeTab(index)
        probe.deleteLater()  # its channel goes with it
        if self.count() == 0:
            self.open_probe()

    def _on_plus_clicked(self) -> None:
        self.open_probe()

    def _on_probe_pvname_changed(self, pvname: str) -> None:
        probe = self.sender()
        index = self.indexOf(probe)
        if index >= 0:
            self.setTabText(index, pvname or "new probe")

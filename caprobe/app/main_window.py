"""The main window: probe tabs, plus a live PV list when several PVs are shown."""
from __future__ import annotations

import os
import platform
from typing import Optional, Sequence

import numpy
import pyqtgraph
from PyQt5.QtCore import PYQT_VERSION_STR, QT_VERSION_STR, Qt
from PyQt5.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QWidget

import caprobe
from caprobe.bridge import Channel, ChannelHub, is_read_only
from caprobe.bridge.hub import client_identity
from caprobe.widgets import ProbeTabs, PVTable

EPICS_VARIABLES = ("EPICS_CA_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST", "EPICS_CA_SERVER_PORT",
                   "EPICS_CA_CONN_TMO", "EPICS_CA_MAX_ARRAY_BYTES", "EPICS_CA_NAME_SERVERS")

#: ``caprobe probe A B C …`` opens a probe tab for at most this many PVs;
#: all of them are listed in the PV table.
MAX_PROBE_TABS = 8


def about_text(hub: ChannelHub) -> str:
    env = "\n".join(f"  {k} = {os.environ.get(k, '(not set)')}" for k in EPICS_VARIABLES)
    return (f"caprobe {caprobe.__version__}\n"
            f"CA backend: {hub.describe()}\n"
            f"Identifies to IOCs as: {client_identity()}\n"
            f"Qt {QT_VERSION_STR}, PyQt {PYQT_VERSION_STR}, pyqtgraph {pyqtgraph.__version__}, "
            f"numpy {numpy.__version__}, Python {platform.python_version()}\n"
            f"EPICS environment:\n{env}")


class MainWindow(QMainWindow):
    """Probe tabs in the middle; a "PV list" dock when more than one PV is given.

    Parameters
    ----------
    pvnames : PVs to show (the PV list holds all of them).
    probe_pvnames : PVs that get a probe tab; default the first
        ``MAX_PROBE_TABS`` of ``pvnames``.
    """

    def __init__(self, hub: ChannelHub, pvnames: Sequence[str], title: str = "caprobe",
                 parent: QWidget | None = None,
                 probe_pvnames: Optional[Sequence[str]] = None) -> None:
        super().__init__(parent)
        self._hub = hub
        mode = " — READ-ONLY: writes disabled" if (is_read_only() or hub.read_only) else ""
        self.setWindowTitle(f"{title} [{hub.backend_name}]{mode}")
        pvnames = list(pvnames)
        if probe_pvnames is None:
            probe_pvnames = pvnames[:MAX_PROBE_TABS]

        self.probes = ProbeTabs(self, hub=hub)
        for name in probe_pvnames or [None]:
            self.probes.open_probe(name, focus=False)
        self.probes.setCurrentIndex(0)
        self.setCentralWidget(self.probes)

        self.table: PVTable | None = None
        if len(pvnames) > 1:
            self.table = PVTable(pvnames, hub=hub)
            self.table.cellDoubleClicked.connect(self._on_table_cell_double_clicked)
            self.table.setToolTip("Double-click a PV to open it in a probe tab")
            dock = QDockWidget("PV list", self)
            dock.setObjectName("pv_list_dock")
            dock.setWidget(self.table)
            dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
            self.addDockWidget(Qt.RightDockWidgetArea, dock)
            self.resizeDocks([dock], [540], Qt.Horizontal)

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&About caprobe", self.show_about)
        self.statusBar().showMessage(
            f"CA backend: {hub.describe()}   ·   writes as {client_identity()}{mode}")
        self.resize(1320 if self.table is not None else 760, 780 if self.table is not None else 740)

    def channels(self) -> list[Channel]:
        """Every channel the window shows (probes and PV list)."""
        channels = [p.channel() for p in self.probes.probes() if p.channel() is not None]
        if self.table is not None:
            channels += self.table.channels()
        return channels

    def prepare_for_grab(self) -> None:
        """Draw anything waiting for its next redraw tick (screenshots)."""
        for probe in self.probes.probes():
            probe.array_view.flush()

    def show_about(self) -> None:
        QMessageBox.about(self, "About caprobe", about_text(self._hub))

    def _on_table_cell_double_clicked(self, row: int, _column: int) -> None:
        if self.table is not None:
            self.probes.open_probe(self.table.channels()[row].pvname)

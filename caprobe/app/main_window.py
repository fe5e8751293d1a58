"""The main window: PV overview now; probe and strip chart tabs as they land."""
from __future__ import annotations

import os
import platform

import numpy
import pyqtgraph
from PyQt5.QtCore import PYQT_VERSION_STR, QT_VERSION_STR
from PyQt5.QtWidgets import QMainWindow, QMessageBox, QTabWidget, QWidget

import caprobe
from caprobe.bridge import ChannelHub, is_read_only
from caprobe.bridge.hub import client_identity
from caprobe.widgets import PVTable

EPICS_VARIABLES = ("EPICS_CA_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST", "EPICS_CA_SERVER_PORT",
                   "EPICS_CA_CONN_TMO", "EPICS_CA_MAX_ARRAY_BYTES", "EPICS_CA_NAME_SERVERS")


def about_text(hub: ChannelHub) -> str:
    env = "\n".join(f"  {k} = {os.environ.get(k, '(not set)')}" for k in EPICS_VARIABLES)
    return (f"caprobe {caprobe.__version__}\n"
            f"CA backend: {hub.describe()}\n"
            f"Identifies to IOCs as: {client_identity()}\n"
            f"Qt {QT_VERSION_STR}, PyQt {PYQT_VERSION_STR}, pyqtgraph {pyqtgraph.__version__}, "
            f"numpy {numpy.__version__}, Python {platform.python_version()}\n"
            f"EPICS environment:\n{env}")


class MainWindow(QMainWindow):
    def __init__(self, hub: ChannelHub, pvnames: list[str], title: str = "caprobe",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        mode = " — READ-ONLY" if (is_read_only() or hub.read_only) else ""
        self.setWindowTitle(f"{title} [{hub.backend_name}]{mode}")
        self.tabs = QTabWidget(self)
        self.table = PVTable(pvnames, hub=hub)
        self.tabs.addTab(self.table, "PVs")
        self.setCentralWidget(self.tabs)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&About caprobe", self.show_about)
        self.statusBar().showMessage(
            f"CA backend: {hub.describe()}   ·   as {client_identity()}{mode}")
        self.resize(860, 150 + 31 * max(4, len(pvnames)))

    def channels(self):
        return self.table.channels()

    def show_about(self) -> None:
        QMessageBox.about(self, "About caprobe", about_text(self._hub))

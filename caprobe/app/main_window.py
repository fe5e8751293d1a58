"""The main window: probe tabs and strip chart, plus a live PV list when several PVs are shown."""
from __future__ import annotations

import logging
from typing import Optional, Sequence

from PyQt5 import sip
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QCloseEvent
from PyQt5.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox, QWidget

from caprobe.app.about import EPICS_VARIABLES, about_text, show_about  # noqa: F401 (API)
from caprobe.app.app_menus import add_help_menu, add_view_menu
from caprobe.app.read_only_badge import add_read_only_badge
from caprobe.bridge import Channel, ChannelHub, is_read_only
from caprobe.bridge.hub import client_identity
from caprobe.widgets import ProbeTabs, PVTable, pv_actions
from caprobe.widgets.connection_progress import ConnectionProgress, with_connection_progress
from caprobe.widgets.settings import (
    STRIP_LAST_CONFIG,
    read_bytes,
    window_geometry_key,
    window_state_key,
    write_bytes,
    write_value,
)
from caprobe.widgets.strip_chart import StripChart
from caprobe.widgets.waveform_plot import WaveformPlot

log = logging.getLogger(__name__)

#: ``caprobe probe A B C …`` opens a probe tab for at most this many PVs;
#: all of them are listed in the PV table.
MAX_PROBE_TABS = 8


class MainWindow(QMainWindow):
    """The probe and the strip chart, one of them in the middle, the other docked.

    Parameters
    ----------
    pvnames : PVs for the "PV list" dock (shown when there are several).
    probe_pvnames : PVs that get a probe tab; default the first
        ``MAX_PROBE_TABS`` of ``pvnames`` (none when the strip chart is central).
    strip_pvnames : PVs on the strip chart; the chart is created on first
        use ("Add to strip chart" in a probe) when this is None.
    central : ``"probe"`` or ``"strip"``: which one fills the window.
    remember_strip : keep the strip chart's configuration when the window
        closes, for the next ``caprobe strip`` without PVs.

    Size, place and dock arrangement are saved when the window closes and
    restored when the next one of the same layout opens (a probe window
    and a strip chart window keep their own).
    """

    def __init__(self, hub: ChannelHub, pvnames: Sequence[str] = (), title: str = "caprobe",
                 parent: QWidget | None = None,
                 probe_pvnames: Optional[Sequence[str]] = None,
                 strip_pvnames: Optional[Sequence[str]] = None,
                 central: str = "probe", strip_options: Optional[dict] = None,
                 remember_strip: bool = False) -> None:
        super().__init__(parent)
        self._hub = hub
        self._remember_strip = remember_strip
        self._strip_options = dict(strip_options or {})
        mode = " — READ-ONLY: writes disabled" if (is_read_only() or hub.read_only) else ""
        self.setWindowTitle(f"{title} [{hub.backend_name}]{mode}")
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)
        pvnames = list(pvnames)
        if probe_pvnames is None:
            probe_pvnames = pvnames[:MAX_PROBE_TABS] if central == "probe" else []

        self.probes = ProbeTabs(self, hub=hub)
        for name in probe_pvnames or [None]:
            self.probes.open_probe(name, focus=False)
        self.probes.setCurrentIndex(0)
        self.probes.set_strip_chart_available(True)
        self.probes.send_to_strip_requested.connect(self._on_probes_send_to_strip_requested)
        self.probe_dock: QDockWidget | None = None
        self.strip: StripChart | None = None
        self.strip_dock: QDockWidget | None = None
        self.waveform_docks: dict[str, QDockWidget] = {}

        if central == "strip":
            self.setCentralWidget(self._create_strip(strip_pvnames or []))
            self.probe_dock = self._dock("Probe", "probe_dock", self.probes,
                                         Qt.LeftDockWidgetArea)
            if not probe_pvnames:
                self.probe_dock.hide()  # until a PV is opened from the legend
        else:
            self.setCentralWidget(self.probes)
            if strip_pvnames is not None:
                self._show_strip_dock(strip_pvnames)

        self.table: PVTable | None = None
        self.connection_progress: ConnectionProgress | None = None
        if len(pvnames) > 1:
            self.table = PVTable(pvnames, hub=hub)
            self.table.cellDoubleClicked.connect(self._on_table_cell_double_clicked)
            # "Connecting… N of M" above the list until every PV is connected.
            pv_list = with_connection_progress(self.table, self.table.channels())
            self.connection_progress = pv_list.connection_progress
            dock = self._dock("PV list", "pv_list_dock", pv_list, Qt.RightDockWidgetArea)
            if central == "strip" and self.probe_dock is not None:
                self.tabifyDockWidget(self.probe_dock, dock)
                self.probe_dock.raise_()
            else:
                self.resizeDocks([dock], [540], Qt.Horizontal)

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("Save PVs as &panel…", self._on_save_panel_triggered)
        self.view_menu = add_view_menu(self.menuBar())
        self.view_menu.aboutToShow.connect(self._on_view_menu_about_to_show)
        self._dock_actions: list = []
        add_help_menu(self.menuBar(), hub, self)
        # "Open in probe" / "Add to strip chart" from any PV widget come here.
        pv_actions().probe_requested.connect(self._on_pv_action_probe)
        pv_actions().strip_requested.connect(self._on_pv_action_strip)
        self.statusBar().showMessage(
            f"CA backend: {hub.describe()}   ·   writes as {client_identity()}")
        # Read-only mode stays in sight however narrow the window (and
        # whatever the status bar says for a moment): a permanent badge.
        self.read_only_badge = add_read_only_badge(self, hub)
        if central == "strip":
            self.resize(1500 if self.probe_dock is not None and probe_pvnames else 1200, 860)
            if probe_pvnames:
                self.resizeDocks([self.probe_dock], [560], Qt.Horizontal)
        else:
            self.resize(1320 if self.table is not None else 760,
                        780 if self.table is not None else 740)
        self.layout_name = f"{central}{'_list' if self.table is not None else ''}"
        self._restore_layout(hide_probe=central == "strip" and not probe_pvnames)

    # -- saved between runs ------------------------------------------------------
    def _restore_layout(self, hide_probe: bool) -> None:
        geometry = read_bytes(window_geometry_key(self.layout_name))
        state = read_bytes(window_state_key(self.layout_name))
        # Saved data from another Qt version or a damaged file: Qt says no, defaults stay.
        if geometry is not None and not self.restoreGeometry(geometry):
            log.warning("saved window geometry not usable; default size used")
        if state is not None and not self.restoreState(state):
            log.warning("saved dock layout not usable; default layout used")
        if hide_probe and self.probe_dock is not None:
            self.probe_dock.hide()  # an empty probe until a PV is opened, whatever was saved

    def save_layout(self) -> None:
        """Remember size, place and docks (and the strip chart, if asked) for the next run."""
        write_bytes(window_geometry_key(self.layout_name), self.saveGeometry())
        write_bytes(window_state_key(self.layout_name), self.saveState())
        if self._remember_strip and self.strip is not None and self.strip.pvs():
            write_value(STRIP_LAST_CONFIG, self.strip.config().to_json())

    def _on_view_menu_about_to_show(self) -> None:
        """A show/hide entry per dock: a dock closed in an earlier run comes back from here."""
        for action in self._dock_actions:
            self.view_menu.removeAction(action)
        docks = [d for d in self.findChildren(QDockWidget) if not sip.isdeleted(d)]
        self._dock_actions = [self.view_menu.addSeparator()] if docks else []
        for dock in docks:
            self._dock_actions.append(dock.toggleViewAction())
            self.view_menu.addAction(dock.toggleViewAction())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.save_layout()
        super().closeEvent(event)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea
              ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _create_strip(self, pvnames: Sequence[str]) -> StripChart:
        self.strip = StripChart(self, hub=self._hub, **self._strip_options)
        self.strip.add_pvs(list(pvnames))
        self.strip.probe_requested.connect(self._on_strip_probe_requested)
        self.strip.waveform_requested.connect(self.open_waveform)
        return self.strip

    def _show_strip_dock(self, pvnames: Sequence[str] = ()) -> StripChart:
        if self.strip is None:
            strip = self._create_strip(pvnames)
            self.strip_dock = self._dock("Strip chart", "strip_dock", strip,
                                         Qt.BottomDockWidgetArea)
            self.resizeDocks([self.strip_dock], [380], Qt.Vertical)
        else:
            self.strip.add_pvs(list(pvnames))
        if self.strip_dock is not None:
            self.strip_dock.show()
            self.strip_dock.raise_()
        return self.strip

    def shown_pvnames(self) -> list[str]:
        """Every PV in the window (PV list, probes, strip chart), once each, in that order."""
        names = [c.pvname for c in self.table.channels()] if self.table is not None else []
        names += [p.pvname for p in self.probes.probes() if p.pvname]
        if self.strip is not None:
            names += self.strip.pvs()
        return list(dict.fromkeys(names))

    def save_panel(self, path: str) -> None:
        """Write a starter panel file (TOML) showing every PV in the window."""
        from pathlib import Path

        from caprobe.model.panel import starter_panel

        Path(path).write_text(starter_panel(self.shown_pvnames(), "caprobe PVs"),
                              encoding="utf-8")

    def _on_save_panel_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save PVs as panel", "panel.toml",
                                              "caprobe panel (*.toml)")
        if path:
            try:
                self.save_panel(path)
            except OSError as exc:
                QMessageBox.warning(self, "Save panel", f"Cannot write {path}: {exc}")
                return
            self.statusBar().showMessage(f"Saved {path}: open it with caprobe panel {path}",
                                         8000)

    def _on_pv_action_probe(self, pvname: str) -> None:
        self.probes.open_probe(pvname)
        if self.probe_dock is not None:
            self.probe_dock.show()
            self.probe_dock.raise_()

    def _on_pv_action_strip(self, pvname: str) -> None:
        if self.strip is not None and self.strip_dock is None:
            self.strip.add_pvs([pvname])
        else:
            self._show_strip_dock([pvname])

    def channels(self) -> list[Channel]:
        """Every channel the window shows (probes, strip chart and PV list)."""
        channels = [p.channel for p in self.probes.probes() if p.channel is not None]
        if self.strip is not None:
            channels += self.strip.channels()
        if self.table is not None:
            channels += self.table.channels()
        return channels

    def prepare_for_grab(self) -> None:
        """Draw anything waiting for its next redraw tick (screenshots)."""
        for probe in self.probes.probes():
            probe.array_view.flush()
        if self.strip is not None:
            self.strip.redraw(force=True)

    def show_about(self):
        """Help > About: versions, CA backend and environment, files; copyable."""
        return show_about(self._hub, self)

    def _on_table_cell_double_clicked(self, row: int, _column: int) -> None:
        if self.table is not None:
            self._open_probe(self.table.channels()[row].pvname)

    def _on_strip_probe_requested(self, pvname: str) -> None:
        self._open_probe(pvname)

    def _on_probes_send_to_strip_requested(self, pvname: str) -> None:
        strip = self._show_strip_dock()
        if not strip.add_pv(pvname):
            strip.show_message(f"{pvname} is already on the chart")

    def open_waveform(self, pvname: str) -> WaveformPlot:
        """A dock with the live waveform (and waterfall) of an array PV; one per PV."""
        dock = self.waveform_docks.get(pvname)
        if dock is None:
            plot = WaveformPlot(pvname, hub=self._hub, waterfall=True)
            dock = self._dock(f"Waveform: {pvname}", f"waveform_dock_{pvname}", plot,
                              Qt.RightDockWidgetArea)
            dock.setAttribute(Qt.WA_DeleteOnClose)  # closing it releases the PV
            dock.destroyed.connect(self._on_waveform_dock_destroyed)
            self.waveform_docks[pvname] = dock
        dock.show()
        dock.raise_()
        return dock.widget()

    def _on_waveform_dock_destroyed(self, _obj=None) -> None:
        self.waveform_docks = {name: dock for name, dock in self.waveform_docks.items()
                               if not sip.isdeleted(dock)}

    def _open_probe(self, pvname: str) -> None:
        self.probes.open_probe(pvname)
        if self.probe_dock is not None:
            self.probe_dock.show()
            self.probe_dock.raise_()

"""``StripChart``: many PVs against server time, scrolling on the wall clock.

How it stays cheap and honest:

* Every monitor update goes into the PV's preallocated ring buffer with its
  server time stamp (repeats included), in one batch per frame.
* Drawing is decoupled from data: a timer at ``redraw_hz`` (default 5 Hz)
  scrolls the time axis and rebuilds each curve from the visible samples
  only, peak-downsampled to the pixel width (``model.trace``, kept between
  redraws by ``model.peak_columns``), so the cost
  of a redraw is bounded by the plot's width, not by the buffer or the
  update rate. Redraws are skipped while the chart is hidden, and while
  paused or scrolled less than a pixel with nothing new to show.
* Values are drawn as steps (a CA value holds until the next update); the
  last one extends to now while the PV is connected; a disconnect appends
  a NaN marker so the trace has a gap, never a line across the outage.

Threads: GUI thread only.
"""
from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Iterable

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QEvent, QPoint, Qt, QTimer, pyqtProperty, pyqtSignal
from PyQt5.QtGui import QColor, QKeySequence
from PyQt5.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGraphicsGridLayout,
    QGraphicsWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QShortcut,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from caprobe.model import alarm_text, local_time_text, split_pvnames
from caprobe.model.ring_buffer import DEFAULT_CAPACITY, RingBuffer
from caprobe.model.strip_config import (
    AxisConfig,
    ConfigError,
    CurveConfig,
    StripConfig,
    load_strip_config,
)
from caprobe.model.strip_csv import Series, write_csv
from caprobe.model.timespan import SPAN_PRESETS, check_span, format_span, parse_span
from caprobe.model.trace import EMPTY
from caprobe.widgets.look import look_color, look_notifier, style_plot
from caprobe.widgets.pv_actions import pv_actions
from caprobe.widgets.pv_context import PVNameGestures, PVToolTips, pv_tooltip_text
from caprobe.widgets.pv_options import PVOptionsMixin
from caprobe.widgets.strip_axes import AUTO, FIXED, LIMITS, YAxis
from caprobe.widgets.strip_curve import StripCurve
from caprobe.widgets.strip_export import CsvExport
from caprobe.widgets.strip_legend import ALARM, CURSOR, VALUE, StripLegend
from caprobe.widgets.strip_menus import curve_menu, fill_axes_menu

log = logging.getLogger(__name__)

DEFAULT_REDRAW_HZ = 5.0
DEFAULT_SPAN = 300.0
#: New PVs get an axis of their own (per units) until there are this many.
MAX_AUTO_AXES = 4
#: Line width in pixels. Qt paints 1 px lines about three times faster than
#: wider ones, which matters with twenty curves; wider is one click away.
DEFAULT_WIDTH = 1
#: Curve colours in the order new PVs get them: matplotlib's ten first, then
#: ten more of mid lightness. Each has at least 3:1 contrast on the dark
#: plot background and 2:1 on the light one (the familiar yellow-olive and
#: cyan are the lightest), and none is grey, which means "disconnected"
#: everywhere in caprobe (``tests/test_themes.py`` checks both).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#a0714f", "#e377c2",
           "#17becf", "#bcbd22", "#2f8f8f", "#6b6ecf", "#637939", "#8c6d31", "#c0504d",
           "#b0489c", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#b8860b")


class StripChart(PVOptionsMixin, QWidget):
    """Live strip chart of scalar PVs.

    The shared PV widget options (``PVOptionsMixin``) apply to the legend
    and the cursor readout: ``precision``, ``showUnits``, and
    ``alarmSensitive`` (the value's colour and the alarm badge). PV names
    dropped on the chart are added (``acceptPvDrops``). It writes nothing,
    so ``pvReadOnly`` and ``confirmWrite`` are kept and ignored, and there
    is no border to switch (``alarmBorder``).

    Parameters
    ----------
    pvnames : list of str, or str, optional
        PVs to chart at once (a string is split on spaces, commas and
        semicolons); a QWidget here is taken as the parent, as uic passes it.
    parent : QWidget, optional
    hub : ChannelHub, optional
        Defaults to the process-wide hub.
    capacity : int
        Samples kept per PV (default 100,000; 36 bytes each, 3.6 MB per PV).
    redraw_hz : float
        Scrolling/redraw rate, independent of how fast PVs update.
    span : float
        Visible time span in seconds.

    Signals
    -------
    paused_changed(bool)
    pvs_changed()
        A PV was added or removed.
    probe_requested(str)
        The user asked to open a PV in the probe (double-click in the legend).
    waveform_requested(str)
        An array PV was added (it cannot be a trace), or the user asked for
        its waveform view from the legend.

    Threads: GUI thread only.
    """

    paused_changed = pyqtSignal(bool)
    pvs_changed = pyqtSignal()
    probe_requested = pyqtSignal(str)
    waveform_requested = pyqtSignal(str)
    pv_accepts_drops_by_default = True

    def __init__(self, pvnames: Iterable[str] | str | None = None,
                 parent: QWidget | None = None, hub=None, *,
                 capacity: int = DEFAULT_CAPACITY, redraw_hz: float = DEFAULT_REDRAW_HZ,
                 span: float = DEFAULT_SPAN) -> None:
        # StripChart(pvnames, parent, hub) as every PV widget; StripChart(parent)
        # too, as uic and Qt code build widgets.
        if isinstance(pvnames, QWidget) and parent is None:
            pvnames, parent = None, pvnames
        super().__init__(parent)
        if hub is None:
            from caprobe.bridge.hub import default_hub

            hub = default_hub()
        self._hub = hub
        self._capacity = int(capacity)
        self._span = check_span(span)
        self._curves: dict[str, StripCurve] = {}
        self._auto_axis: set[str] = set()  # PVs placed by units once they connect
        self._paused = False
        self._dirty = True
        self._last_now = 0.0
        self._last_width = 0
        self._message_until = 0.0  # monotonic time until which a message holds the status line
        self._csv_export: CsvExport | None = None
        self.redraw_count = 0
        self._build_plot()
        self._axes: dict[str, YAxis] = {}
        self._add_axis("Y1", "left", view=self._main_view)
        self._build_controls()
        self._relayout_axes()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.set_redraw_rate(redraw_hz)
        self.pv_init_drops()
        self._style_plot()
        look_notifier().changed.connect(self._on_look_changed)
        if pvnames:
            self.add_pvs(pvnames)

    # -- construction ----------------------------------------------------------
    def _build_plot(self) -> None:
        self.plot_view = pg.GraphicsView()  # coloured by _style_plot
        self.plot_view.setAcceptDrops(False)  # drops go to the chart
        self.plot_view.setMinimumHeight(220)
        self._container = QGraphicsWidget()
        self._grid = QGraphicsGridLayout()
        self._grid.setContentsMargins(4, 8, 4, 4)
        self._grid.setHorizontalSpacing(0)
        self._grid.setVerticalSpacing(0)
        self._container.setLayout(self._grid)
        self.plot_view.setCentralItem(self._container)
        self._main_view = pg.ViewBox(enableMenu=False)
        self._main_view.setMouseMode(pg.ViewBox.PanMode)
        self._main_view.setZValue(10)
        self._main_view.sigRangeChangedManually.connect(self._on_main_view_range_changed_manually)
        self._main_view.sigResized.connect(self._on_main_view_resized)
        self._time_axis = pg.DateAxisItem(orientation="bottom")
        self._time_axis.linkToView(self._main_view)
        # Grid lines at the time ticks only, drawn by the axis: a GridItem
        # regenerates hundreds of lines on every scroll (a third of a frame).
        self._time_axis.setGrid(40)
        self._cursor_line = pg.InfiniteLine(angle=90, movable=False)
        self._cursor_line.setVisible(False)
        self._cursor_line.setZValue(20)
        self._main_view.addItem(self._cursor_line, ignoreBounds=True)
        self._paused_text = pg.TextItem("", anchor=(1, 0))
        self._paused_text.setZValue(30)
        self._main_view.addItem(self._paused_text, ignoreBounds=True)
        self.plot_view.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.plot_view.viewport().installEventFilter(self)
        now = time.time()
        self._main_view.setXRange(now - self._span, now, padding=0)

    def _build_controls(self) -> None:
        self.pv_entry = QLineEdit(self)
        self.pv_entry.setPlaceholderText("Add PVs: type or paste names (spaces, commas, "
                                         "semicolons), Enter")
        self.pv_entry.setMinimumWidth(160)  # the hint stays readable in a narrow window
        self.pv_entry.returnPressed.connect(self._on_pv_entry_return_pressed)
        add_button = QPushButton("Add", self)
        add_button.clicked.connect(self._on_pv_entry_return_pressed)
        self.span_combo = QComboBox(self)
        self.span_combo.setEditable(True)
        self.span_combo.setInsertPolicy(QComboBox.NoInsert)
        self.span_combo.setToolTip("Visible time span: pick one or type e.g. 90s, 15m, 2h, 1d")
        for seconds in SPAN_PRESETS:
            self.span_combo.addItem(format_span(seconds), float(seconds))
        self.span_combo.setEditText(format_span(self._span))
        self.span_combo.activated.connect(self._on_span_combo_activated)
        self.span_combo.lineEdit().returnPressed.connect(self._on_span_text_entered)
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Freeze the view; collection continues (Space)")
        self.pause_button.toggled.connect(self._on_pause_button_toggled)
        self.live_button = QPushButton("Back to live", self)
        self.live_button.setToolTip("Resume scrolling and restore every axis' scaling")
        self.live_button.clicked.connect(self.resume)
        self.live_button.setEnabled(False)
        clear_button = QPushButton("Clear", self)
        clear_button.setToolTip("Forget every sample recorded so far (PVs stay)")
        clear_button.clicked.connect(self.clear)
        self.axes_button = QToolButton(self)
        self.axes_button.setText("Axes")
        self.axes_button.setPopupMode(QToolButton.InstantPopup)
        self.axes_menu = QMenu(self)
        self.axes_menu.aboutToShow.connect(self._on_axes_menu_about_to_show)
        self.axes_button.setMenu(self.axes_menu)
        self.file_button = QToolButton(self)
        self.file_button.setText("File")
        self.file_button.setPopupMode(QToolButton.InstantPopup)
        file_menu = QMenu(self)
        file_menu.addAction("Open chart…", self._on_open_action)
        file_menu.addAction("Save chart…", self._on_save_action)
        file_menu.addSeparator()
        file_menu.addAction("Export visible range as CSV…", self._on_export_visible_action)
        file_menu.addAction("Export whole buffer as CSV…", self._on_export_all_action)
        file_menu.addAction("Export plot as PNG…", self._on_export_png_action)
        self.file_button.setMenu(file_menu)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.pv_entry, 1)
        bar.addWidget(add_button)
        bar.addSpacing(8)
        bar.addWidget(QLabel("Span", self))
        bar.addWidget(self.span_combo)
        bar.addWidget(self.pause_button)
        bar.addWidget(self.live_button)
        bar.addWidget(clear_button)
        bar.addWidget(self.axes_button)
        bar.addWidget(self.file_button)

        self.legend = StripLegend(self)
        self.legend.visibility_toggled.connect(self._on_legend_visibility_toggled)
        self.legend.menu_requested.connect(self._on_legend_menu_requested)
        self.legend.activated.connect(self.open_in_probe)
        # Middle-click on a legend row copies its PV name, middle-drag drags it
        # out: the gestures every caprobe PV widget shares (see pv_context).
        PVNameGestures(self, lambda _widget, pos: self.legend.pvname_at(pos)).watch(
            self.legend.viewport())
        PVToolTips(self, lambda _widget, pos: self.legend_tooltip(self.legend.pvname_at(pos))
                   ).watch(self.legend.viewport())
        self.splitter = QSplitter(Qt.Vertical, self)
        self.splitter.addWidget(self.plot_view)
        self.splitter.addWidget(self.legend)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.legend.setMinimumHeight(110)
        self.splitter.setSizes([420, 160])
        self.status_label = QLabel(self)
        self.status_label.setTextInteractionFlags(Qt.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status_label)
        QShortcut(QKeySequence(Qt.Key_Space), self.plot_view, self._toggle_pause)
        QShortcut(QKeySequence.Paste, self.plot_view, self._paste_pvnames)

    # -- public API -------------------------------------------------------------
    def add_pv(self, name: str, *, color: str | None = None, width: int = DEFAULT_WIDTH,
               axis: str | None = None, visible: bool = True) -> bool:
        """Start recording and drawing ``name``; False if it is already on the chart.

        ``axis`` names an axis ("Y1", "Y2", …; created on the left if new).
        Without one, the PV goes on an axis shared with PVs of the same
        units once it connects, or on a new one (up to four).
        """
        name = (name or "").strip()
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"invalid PV name {name!r}")
        if name in self._curves:
            return False
        if axis is not None and axis not in self._axes:
            self._add_axis(axis, "left")
            self._relayout_axes()
        axis_id = axis or "Y1"
        curve = StripCurve(self._hub, name, color or self._next_color(), width, axis_id,
                           self._capacity, self)
        curve.visible = visible
        curve.restyle()
        curve.changed.connect(self._on_curve_changed)
        self._curves[name] = curve
        if axis is None:
            self._auto_axis.add(name)
        self._axes[axis_id].view.addItem(curve.item)
        self.legend.add_row(name, curve.color, visible, axis_id)
        self._dirty = True
        log.info("strip chart: added %s", name)
        self.pvs_changed.emit()
        return True

    def add_pvs(self, names: Iterable[str] | str) -> list[str]:
        """Add several PVs (a list, or text to split); returns those newly added."""
        if isinstance(names, str):
            names = split_pvnames(names)
        added = [n for n in names if self.add_pv(n)]
        return added

    def remove_pv(self, name: str) -> bool:
        curve = self._curves.pop(name, None)
        if curve is None:
            return False
        self._auto_axis.discard(name)
        curve.close()
        curve.deleteLater()
        self.legend.remove_row(name)
        self._drop_unused_axes()
        self._dirty = True
        log.info("strip chart: removed %s", name)
        self.pvs_changed.emit()
        return True

    def pvs(self) -> list[str]:
        return list(self._curves)

    def channels(self) -> list:
        """The channel of each PV on the chart (for readiness checks)."""
        return [curve.channel for curve in self._curves.values()]

    def set_time_span(self, seconds: float) -> None:
        self._span = check_span(seconds)
        text = format_span(self._span)
        if self.span_combo.currentText() != text:
            self.span_combo.setEditText(text)
        if self._paused:  # keep the paused view's right edge, change its width
            _start, stop = self._main_view.viewRange()[0]
            self._main_view.setXRange(stop - self._span, stop, padding=0)
        self._dirty = True
        self.redraw()

    def time_span(self) -> float:
        return self._span

    def _set_pv_list(self, names: list[str]) -> None:
        wanted = [n.strip() for n in names if n.strip()]
        for name in [n for n in self.pvs() if n not in wanted]:
            self.remove_pv(name)
        self.add_pvs(wanted)

    #: Qt properties (Designer, ``setProperty``): the PVs shown and the span in seconds.
    setPvnames, setTimeSpan = _set_pv_list, set_time_span  # for uic
    pvnames = pyqtProperty("QStringList", pvs, _set_pv_list)
    timeSpan = pyqtProperty(float, time_span, set_time_span)

    def set_redraw_rate(self, hz: float) -> None:
        """Scroll/redraw rate in Hz (0.5 … 30)."""
        hz = min(30.0, max(0.5, float(hz)))
        self._redraw_hz = hz
        self._timer.setInterval(int(round(1000.0 / hz)))
        self._timer.start()

    def redraw_rate(self) -> float:
        return self._redraw_hz

    def pause(self) -> None:
        """Freeze the view; samples keep being recorded."""
        if self._paused:
            return
        self._paused = True
        self._sync_pause_controls()
        self.paused_changed.emit(True)

    def resume(self) -> None:
        """Back to live: scroll with the clock, every axis back to its scale mode."""
        was_paused = self._paused
        self._paused = False
        for axis in self._axes.values():
            axis.manual = False
            axis.forget_range()
        self._sync_pause_controls()
        self._dirty = True
        self.redraw()
        if was_paused:
            self.paused_changed.emit(False)

    def is_paused(self) -> bool:
        return self._paused

    def clear(self) -> None:
        """Forget the recorded samples of every PV (they keep recording)."""
        for curve in self._curves.values():
            curve.clear()
        self._dirty = True
        self.redraw()

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Copies of every buffered sample of ``name``: (POSIX server times, values).

        A disconnect appears as a sample with value NaN at the time it was
        noticed.
        """
        buffer = self._curve(name).buffer
        return buffer.times().copy(), buffer.values().copy()

    def drawn_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """What the plot holds for ``name`` after the last redraw (x, y)."""
        x, y = self._curve(name).item.getData()
        return (np.empty(0) if x is None else x), (np.empty(0) if y is None else y)

    def buffer(self, name: str) -> RingBuffer:
        """The PV's history buffer (read it; tools that import recorded data may extend it)."""
        return self._curve(name).buffer

    def dropped_samples(self, name: str) -> int:
        return self._curve(name).dropped

    def visible_range(self) -> tuple[float, float]:
        start, stop = self._main_view.viewRange()[0]
        return float(start), float(stop)

    def set_visible_range(self, start: float, stop: float) -> None:
        """Show ``[start, stop]`` (pauses, as zooming with the mouse does)."""
        self.pause()
        self._main_view.setXRange(start, stop, padding=0)
        self._dirty = True
        self.redraw()

    def axis_ids(self) -> list[str]:
        return list(self._axes)

    def axis_of(self, name: str) -> str:
        return self._curve(name).axis_id

    def axis_range(self, axis_id: str) -> tuple[float, float]:
        lo, hi = self._axes[axis_id].view.viewRange()[1]
        return float(lo), float(hi)

    def set_axis(self, name: str, axis_id: str, side: str = "left") -> None:
        """Put a curve on an axis, creating the axis (on ``side``) if needed."""
        curve = self._curve(name)
        self._auto_axis.discard(name)
        if axis_id not in self._axes:
            self._add_axis(axis_id, side)
            self._relayout_axes()
        self._move_curve(curve, axis_id)

    def set_axis_mode(self, axis_id: str, mode: str,
                      value_range: tuple[float, float] | None = None) -> None:
        """"auto", "limits" (the PVs' display limits) or "fixed" with a range."""
        axis = self._axes[axis_id]
        if mode not in (AUTO, FIXED, LIMITS):
            raise ValueError(f"unknown axis mode {mode!r}")
        if mode == FIXED:
            if value_range is None or not value_range[0] < value_range[1]:
                raise ValueError("a fixed axis needs a range (low, high) with low < high")
            axis.range = (float(value_range[0]), float(value_range[1]))
        axis.mode = mode
        axis.manual = False
        axis.forget_range()
        self._dirty = True
        self.redraw()

    def set_axis_log(self, axis_id: str, log_scale: bool) -> None:
        self._axes[axis_id].set_log(log_scale)
        self._dirty = True
        self.redraw()

    def set_curve_style(self, name: str, *, color: str | None = None, width: int | None = None,
                        visible: bool | None = None) -> None:
        curve = self._curve(name)
        if color is not None:
            curve.color = QColor(color).name()
        if width is not None:
            curve.width = int(width)
        if visible is not None:
            curve.visible = bool(visible)
        curve.restyle()
        self.legend.set_style(name, curve.color, curve.visible, curve.axis_id)
        self._update_axis_labels()
        self._dirty = True

    def curve_style(self, name: str) -> dict:
        curve = self._curve(name)
        return {"color": curve.color, "width": curve.width, "visible": curve.visible,
                "axis": curve.axis_id}

    def clear_pv(self, name: str) -> None:
        self._curve(name).clear()

    def readout_at(self, t: float) -> dict[str, float | None]:
        """Each curve's value holding at time ``t`` (None before its first sample)."""
        out: dict[str, float | None] = {}
        for name, curve in self._curves.items():
            held = curve.buffer.value_at(t)
            out[name] = None if held is None else held[0]
        return out

    def legend_text(self, name: str) -> tuple[str, str]:
        """(value, alarm) as the legend shows them."""
        return self.legend.text(name, VALUE), self.legend.text(name, ALARM)

    # -- files ----------------------------------------------------------------
    def config(self) -> StripConfig:
        axes = tuple(axis.config() for axis in self._axes.values())
        curves = tuple(CurveConfig(name, c.color, c.width, c.visible, c.axis_id)
                       for name, c in self._curves.items())
        return StripConfig(self._span, axes, curves)

    def save_config(self, path: str | Path) -> None:
        Path(path).write_text(self.config().to_json(), encoding="utf-8")
        log.info("strip chart saved to %s", path)

    def load_config(self, path: str | Path) -> None:
        """Replace PVs, colours, axes and span with a saved chart's.

        Raises ``ConfigError`` (naming the file and what is wrong) before
        changing anything if the file cannot be used.
        """
        config = load_strip_config(path)
        self.apply_config(config)
        log.info("strip chart loaded from %s", path)

    def apply_config(self, config: StripConfig) -> None:
        for name in list(self._curves):
            self.remove_pv(name)
        for axis_id in [a for a in self._axes if a != "Y1"]:
            self._remove_axis(axis_id)
        first = True
        for axis_config in config.axes:
            if first:  # the first axis of the file becomes the main one
                main = self._axes.pop("Y1")
                main.id = axis_config.id
                main.item.setLabel(axis_config.id)
                self._axes = {axis_config.id: main, **self._axes}
                first = False
            else:
                self._add_axis(axis_config.id, axis_config.side)
            self._axes[axis_config.id].apply_config(axis_config)
        self._relayout_axes()
        for curve in config.curves:
            self.add_pv(curve.pv, color=curve.color, width=curve.width, axis=curve.axis,
                        visible=curve.visible)
        self.set_time_span(config.span)

    def export_csv(self, path: str | Path, visible_only: bool = False) -> int:
        """Write samples (all, or those in the visible time range); returns rows written.

        Runs on the calling thread, to the end: for a program or a test. The
        File menu uses ``export_csv_in_background``, which keeps the window
        responsive for a whole buffer.
        """
        rows = write_csv(path, self._csv_series(visible_only))
        log.info("strip chart: %d samples exported to %s", rows, path)
        return rows

    def export_csv_in_background(self, path: str | Path, visible_only: bool = False
                                 ) -> CsvExport | None:
        """Export on a worker thread with a progress dialog (Cancel); None if one is running.

        The file holds the buffers as they are at this moment, while the
        chart goes on recording: the worker copies them first, and new
        samples wait (a few tens of milliseconds) until it has. The outcome goes to
        the status line (and a message box for an error); ``finished`` on
        the returned object says which it was.
        """
        if self._csv_export is not None and self._csv_export.running:
            self.show_message(f"Still exporting to {self._csv_export.path}: wait or cancel it")
            return None
        # Views, copied on the export's worker while the buffers hold their writes.
        self._csv_export = CsvExport(self, path, self._csv_series(visible_only),
                                     report=self.show_message,
                                     held=[curve.buffer for curve in self._curves.values()])
        return self._csv_export

    def _csv_series(self, visible_only: bool) -> list[Series]:
        """Views of the buffers, valid until their next write (see ``export_csv_in_background``)."""
        start, stop = self.visible_range() if visible_only else (-math.inf, math.inf)
        series = []
        for name, curve in self._curves.items():
            b = curve.buffer
            t = b.times()
            i, j = np.searchsorted(t, start, "left"), np.searchsorted(t, stop, "right")
            series.append(Series(name, t[i:j], b.values()[i:j], b.severities()[i:j],
                                 b.statuses()[i:j]))
        return series

    def export_png(self, path: str | Path) -> bool:
        self.redraw(force=True)
        return self.splitter.grab().save(str(path))

    # -- drawing --------------------------------------------------------------
    def redraw(self, force: bool = False) -> None:
        """Scroll to now (when live) and rebuild every curve from its buffer."""
        if not force and not self.isVisible():
            self._dirty = True
            return
        now = time.time()
        view = self._main_view
        if not self._paused:
            view.setXRange(now - self._span, now, padding=0)
        start, stop = view.viewRange()[0]
        width = max(50, int(view.width()))
        per_axis: dict[str, list[float]] = {a: [math.inf, -math.inf] for a in self._axes}
        limits: dict[str, list[float]] = {a: [math.inf, -math.inf] for a in self._axes}
        for curve in self._curves.values():
            axis = self._axes[curve.axis_id]
            if not curve.visible or curve.not_plottable:
                curve.item.show_trace(EMPTY)
                continue
            trace = curve.peaks.trace(curve.buffer, start, stop, width,
                                      end=now if curve.connected else None, log=axis.log)
            curve.trace = trace
            curve.item.show_trace(trace)
            rng = per_axis[curve.axis_id]
            if math.isfinite(trace.lo):
                rng[0], rng[1] = min(rng[0], trace.lo), max(rng[1], trace.hi)
            reading = curve.reading
            if reading is not None:
                lo, hi = reading.metadata.display_limits
                if math.isfinite(lo) and math.isfinite(hi) and lo < hi:
                    lim = limits[curve.axis_id]
                    lim[0], lim[1] = min(lim[0], lo), max(lim[1], hi)
        for axis_id, axis in self._axes.items():
            lo, hi = per_axis[axis_id]
            axis.scale((lo, hi) if lo <= hi else (math.nan, math.nan),
                       tuple(limits[axis_id]) if limits[axis_id][0] < limits[axis_id][1]
                       else (math.nan, math.nan))
        paused_text = "PAUSED — collection continues" if self._paused else ""
        if self._paused_text.toPlainText() != paused_text:
            self._paused_text.setText(paused_text)
        if self._paused:
            self._paused_text.setPos(stop, view.viewRange()[1][1])
        self._update_legend()
        # Apply the new ranges now: pyqtgraph otherwise updates the view
        # transforms at the start of the paint, and the curves then ask for
        # a second paint of the whole view (two paints per redraw).
        for axis in self._axes.values():
            axis.view.updateMatrix()
        self._dirty = False
        self._last_now = now
        self._last_width = width
        self.redraw_count += 1

    def _on_timer_timeout(self) -> None:
        if not self.isVisible():
            return
        if not self._dirty:
            if self._paused:
                self._update_legend()  # values stay live while the view is frozen
                return
            moved_px = (time.time() - self._last_now) / self._span * max(1, self._last_width)
            if moved_px < 1.0:
                return
        self.redraw()

    def _update_legend(self) -> None:
        total, dropped = 0, 0
        colors = self._pv_alarm_sensitive
        for name, curve in self._curves.items():
            reading = curve.reading
            total += len(curve.buffer)
            dropped += curve.dropped
            if curve.not_plottable:
                self.legend.set_value(name, curve.not_plottable, None)
                self.legend.set_cell(name, ALARM, "")  # nothing plotted, no alarm badge
            elif not curve.connected:
                text = curve.channel.status_text()
                self.legend.set_value(name, text, None)
                self.legend.set_alarm(name, "disconnected" if curve.reading else "", None)
            elif reading is not None:
                self.legend.set_value(name, self.pv_format(reading), reading.severity,
                                      colors=colors)
                self.legend.set_alarm(name, alarm_text(reading), reading.severity,
                                      colors=colors)
        text = f"{len(self._curves)} PVs · {total:,} samples · redraw {self._redraw_hz:g} Hz"
        if dropped:
            text += f" · {dropped:,} samples dropped (display fell behind)"
        if self._paused:
            text += " · PAUSED (collection continues)"
        if self.status_label.text() != text and not self._message_until > time.monotonic():
            self.status_label.setText(text)

    def value_text(self, name: str) -> str:
        """The live value of ``name`` as the legend shows it ("" without one)."""
        curve = self._curves.get(name)
        reading = curve.reading if curve is not None else None
        return self.pv_format(reading) if reading is not None else ""

    def legend_tooltip(self, name: str) -> str:
        """The tooltip of a legend row: the PV tooltip every caprobe widget shows, plus
        the buffer. Built when the row is hovered, never per redraw."""
        curve = self._curves.get(name)
        if curve is None:
            return ""
        extra = [f"buffer: {len(curve.buffer):,} of {curve.buffer.capacity:,} samples"
                 f" ({curve.buffer.nbytes / 1e6:.1f} MB)"]
        if curve.buffer.clamped:
            extra.append(f"{curve.buffer.clamped} samples stamped earlier than the one "
                         "before (drawn at the previous sample's time)")
        if curve.dropped:
            extra.append(f"{curve.dropped} samples dropped (display fell behind)")
        if curve.not_plottable:
            extra.append(curve.not_plottable)
        extra.append("Tick to show or hide; right-click for colour, width, axis, clear, "
                     "remove; double-click to probe")
        reading = curve.reading
        return pv_tooltip_text(name, curve.channel,
                               (lambda: self.pv_format(reading)) if reading is not None
                               else None, extra=extra)

    # -- the shared options (PVOptionsMixin) -------------------------------------
    def pv_option_changed(self, name: str) -> None:
        if name in ("showUnits", "precision", "alarmSensitive"):
            self._update_legend()

    def pv_names_dropped(self, names: list[str]) -> bool:
        return bool(self.add_pvs(names))

    def show_message(self, text: str, seconds: float = 8.0) -> None:
        """A message in the status line (errors, exports), kept for a few seconds."""
        self.status_label.setText(text)
        self._message_until = time.monotonic() + seconds

    # -- axes -------------------------------------------------------------------
    def _add_axis(self, axis_id: str, side: str, view: pg.ViewBox | None = None,
                  auto_created: bool = False) -> YAxis:
        axis = YAxis(axis_id, side, view, auto_created)
        style_plot(None, [axis.item])
        self._axes[axis_id] = axis
        if view is None:
            axis.view.setZValue(0)  # behind the main view, which takes the mouse
            axis.view.setXLink(self._main_view)
            axis.view.sigRangeChangedManually.connect(self._on_axis_view_range_changed_manually)
            self.plot_view.scene().addItem(axis.view)
            axis.view.setGeometry(self._main_view.sceneBoundingRect())
        return axis

    def _remove_axis(self, axis_id: str) -> None:
        axis = self._axes.pop(axis_id)
        self._grid.removeItem(axis.item)
        self.plot_view.scene().removeItem(axis.item)
        self.plot_view.scene().removeItem(axis.view)
        self._relayout_axes()

    def _drop_unused_axes(self) -> None:
        used = {c.axis_id for c in self._curves.values()}
        for axis_id in [a for a, axis in self._axes.items()
                        if axis.auto_created and a not in used]:
            self._remove_axis(axis_id)

    def _relayout_axes(self) -> None:
        grid = self._grid
        while grid.count():
            grid.removeAt(0)
        lefts = [a for a in self._axes.values() if a.side == "left"]
        rights = [a for a in self._axes.values() if a.side == "right"]
        col = 0
        for axis in reversed(lefts):  # the first left axis sits next to the plot
            grid.addItem(axis.item, 0, col)
            col += 1
        grid.addItem(self._main_view, 0, col)
        grid.addItem(self._time_axis, 1, col)
        plot_col = col
        for axis in rights:
            col += 1
            grid.addItem(axis.item, 0, col)
        grid.setColumnStretchFactor(plot_col, 1)
        self._update_axis_labels()

    def _style_plot(self) -> None:
        """Background, axes, cursor and pause marks in the current light or dark look."""
        style_plot(self.plot_view, [self._time_axis, *(a.item for a in self._axes.values())])
        self._cursor_line.setPen(pg.mkPen(look_color("cursor"), style=Qt.DashLine))
        self._paused_text.setColor(look_color("paused"))
        self._update_axis_labels()

    def _on_look_changed(self, _dark: bool) -> None:
        self._style_plot()
        self._sync_pause_controls()
        self.legend.restyle()
        self._update_legend()
        self.redraw(force=True)

    def _update_axis_labels(self) -> None:
        for axis in self._axes.values():
            curves = [c for c in self._curves.values()
                      if c.axis_id == axis.id and not c.not_plottable]
            units = [c.reading.units for c in curves if c.reading is not None]
            color = curves[0].color if len(curves) == 1 else None
            axis.set_label(units, color)

    def _move_curve(self, curve: StripCurve, axis_id: str) -> None:
        if curve.axis_id == axis_id:
            return
        self._axes[curve.axis_id].view.removeItem(curve.item)
        curve.axis_id = axis_id
        self._axes[axis_id].view.addItem(curve.item)
        self.legend.set_style(curve.pvname, curve.color, curve.visible, axis_id)
        self._drop_unused_axes()
        self._update_axis_labels()
        self._dirty = True

    def _place_by_units(self, curve: StripCurve) -> None:
        """First connection of an auto-placed PV: share an axis with its units, or get one."""
        self._auto_axis.discard(curve.pvname)
        units = curve.reading.units if curve.reading is not None else ""
        for axis_id in self._axes:
            others = [c for c in self._curves.values()
                      if c.axis_id == axis_id and c is not curve and c.reading is not None]
            if others and all(c.reading.units == units for c in others):
                self._move_curve(curve, axis_id)
                return
        on_y1 = [c for c in self._curves.values() if c.axis_id == curve.axis_id
                 and c is not curve and c.pvname not in self._auto_axis]
        if not on_y1:
            self._update_axis_labels()
            return  # alone on its axis already
        if len(self._axes) >= MAX_AUTO_AXES:
            self._update_axis_labels()
            return
        number = len(self._axes) + 1
        while f"Y{number}" in self._axes:
            number += 1
        side = "right" if sum(a.side == "right" for a in self._axes.values()) < \
            sum(a.side == "left" for a in self._axes.values()) else "left"
        self._add_axis(f"Y{number}", side, auto_created=True)
        self._relayout_axes()
        self._move_curve(curve, f"Y{number}")

    # -- slots ------------------------------------------------------------------
    def _on_curve_changed(self) -> None:
        curve = self.sender()
        if isinstance(curve, StripCurve) and curve.pvname in self._auto_axis \
                and curve.reading is not None and curve.connected:
            if curve.not_plottable:
                self._auto_axis.discard(curve.pvname)
                if curve.is_array:
                    self.waveform_requested.emit(curve.pvname)
            else:
                self._place_by_units(curve)
        if self._paused and isinstance(curve, StripCurve):
            last = curve.buffer.last_time()
            if last is not None and last > self.visible_range()[1]:
                return  # beyond the frozen view: nothing visible changed
        self._dirty = True

    def _on_main_view_resized(self) -> None:
        rect = self._main_view.sceneBoundingRect()
        for axis in self._axes.values():
            if axis.view is not self._main_view:
                axis.view.setGeometry(rect)
                axis.view.linkedViewChanged(self._main_view, axis.view.XAxis)
        self._dirty = True

    def _on_main_view_range_changed_manually(self, mask) -> None:
        # Zooming or panning time means "let me look": freeze the view.
        if mask[0]:
            self.pause()
        if len(mask) > 1 and mask[1]:
            self._axes[next(iter(self._axes))].manual = True
        self._dirty = True

    def _on_axis_view_range_changed_manually(self, _mask) -> None:
        view = self.sender()
        for axis in self._axes.values():
            if axis.view is view:
                axis.manual = True
        self._dirty = True

    def _on_scene_mouse_moved(self, pos) -> None:
        view = self._main_view
        if not view.sceneBoundingRect().contains(pos):
            self._hide_cursor()
            return
        t = view.mapSceneToView(pos).x()
        self._cursor_line.setPos(t)
        self._cursor_line.setVisible(True)
        self.legend.set_cursor_header(f"At {local_time_text(t)[11:]}")
        for name, curve in self._curves.items():
            held = curve.buffer.value_at(t)
            if held is None:
                text = ""
            elif math.isnan(held[0]):
                text = "disconnected" if held[1] == 4 else "NaN"
            else:
                text = _format_number(held[0], curve, self.pv_precision_override(),
                                      self._pv_show_units)
            self.legend.set_cell(name, CURSOR, text)

    def _hide_cursor(self) -> None:
        if self._cursor_line.isVisible():
            self._cursor_line.setVisible(False)
            self.legend.set_cursor_header("At cursor")
            for name in self._curves:
                self.legend.set_cell(name, CURSOR, "")

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Leave:
            self._hide_cursor()
        return super().eventFilter(obj, event)

    def _on_pv_entry_return_pressed(self) -> None:
        text = self.pv_entry.text()
        names = split_pvnames(text)
        if not names:
            self.show_message("Type one or more PV names to add.")
            return
        added = self.add_pvs(names)
        skipped = [n for n in names if n not in added]
        self.pv_entry.clear()
        if skipped:
            self.show_message(f"Already on the chart: {', '.join(skipped)}")

    def _paste_pvnames(self) -> None:
        from PyQt5.QtWidgets import QApplication

        self.add_pvs(QApplication.clipboard().text())

    def _on_span_combo_activated(self, index: int) -> None:
        seconds = self.span_combo.itemData(index)
        if seconds is not None:
            self.set_time_span(float(seconds))

    def _on_span_text_entered(self) -> None:
        text = self.span_combo.currentText()
        try:
            seconds = parse_span(text)
        except ValueError as exc:
            self.span_combo.lineEdit().setStyleSheet(
                f"background: {look_color('invalid_bg')};")
            self.show_message(str(exc))
            log.warning("strip chart: %s", exc)
            return
        self.span_combo.lineEdit().setStyleSheet("")
        self.set_time_span(seconds)

    def _on_pause_button_toggled(self, checked: bool) -> None:
        if checked:
            self.pause()
        else:
            self.resume()

    def _toggle_pause(self) -> None:
        self.resume() if self._paused else self.pause()

    def _sync_pause_controls(self) -> None:
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(self._paused)
        self.pause_button.setText("Resume" if self._paused else "Pause")
        self.pause_button.blockSignals(False)
        self.live_button.setEnabled(self._paused)
        self.live_button.setStyleSheet(f"font-weight: bold; color: {look_color('paused')};"
                                       if self._paused else "")
        self._dirty = True

    def _on_legend_visibility_toggled(self, name: str, visible: bool) -> None:
        self.set_curve_style(name, visible=visible)
        self.redraw()

    def open_in_probe(self, name: str) -> None:
        """Show ``name`` in a probe: the host window's if it listens, else a window of its own."""
        if self.receivers(self.probe_requested) > 0:
            self.probe_requested.emit(name)
        else:
            pv_actions().open_in_probe(name, self._hub)

    def _on_legend_menu_requested(self, name: str, pos: QPoint) -> None:
        curve_menu(self, name).exec_(pos)

    def new_axis_id(self) -> str:
        """The next free axis name ("Y2", "Y3", …)."""
        number = len(self._axes) + 1
        while f"Y{number}" in self._axes:
            number += 1
        return f"Y{number}"

    def axis(self, axis_id: str) -> YAxis:
        return self._axes[axis_id]

    def _on_axes_menu_about_to_show(self) -> None:
        fill_axes_menu(self, self.axes_menu)

    def set_axis_side(self, axis_id: str, side: str) -> None:
        """Move an axis (not the first) to the "left" or "right" of the plot."""
        axis = self._axes[axis_id]
        if axis.view is self._main_view:
            self.show_message("The first axis stays on the left.")
            return
        self._remove_axis(axis_id)
        new = self._add_axis(axis_id, side, auto_created=axis.auto_created)
        new.apply_config(AxisConfig(axis_id, side, axis.mode, axis.range, axis.log))
        for curve in self._curves.values():
            if curve.axis_id == axis_id:
                new.view.addItem(curve.item)
        self._relayout_axes()
        self._dirty = True

    # -- file actions --------------------------------------------------------------
    def _on_open_action(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open strip chart", "",
                                              "Strip chart (*.json);;All files (*)")
        if path:
            self.open_config_interactive(path)

    def open_config_interactive(self, path: str) -> bool:
        """Load ``path``, telling the user (dialog and log) what is wrong if it fails."""
        try:
            self.load_config(path)
        except ConfigError as exc:
            log.error("cannot open strip chart: %s", exc)
            self.show_message(f"Not opened: {exc}")
            QMessageBox.warning(self, "Cannot open strip chart",
                                f"{exc}\n\nThe chart was left as it was.")
            return False
        self.show_message(f"Opened {path}")
        return True

    def _on_save_action(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save strip chart", "strip.json",
                                              "Strip chart (*.json)")
        if path:
            self._guarded(f"Saved {path}", self.save_config, path)

    def _on_export_visible_action(self) -> None:
        self._export_csv(True)

    def _on_export_all_action(self) -> None:
        self._export_csv(False)

    def _export_csv(self, visible_only: bool) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export CSV", "strip.csv", "CSV (*.csv)")
        if path:
            self.export_csv_in_background(path, visible_only)

    def _on_export_png_action(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export PNG", "strip.png", "PNG (*.png)")
        if path:
            self._guarded(f"Saved {path}", self.export_png, path)

    def _guarded(self, done: str, func, *args) -> None:
        try:
            func(*args)
        except OSError as exc:
            log.error("strip chart: %s: %s", args[0], exc)
            QMessageBox.warning(self, "Strip chart", f"{args[0]}: {exc.strerror or exc}")
            return
        self.show_message(done)

    # -- lifecycle ---------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._dirty = True

    # -- helpers -----------------------------------------------------------------------
    def _curve(self, name: str) -> StripCurve:
        try:
            return self._curves[name]
        except KeyError:
            raise KeyError(f"{name!r} is not on this strip chart") from None

    def _next_color(self) -> str:
        used = {c.color for c in self._curves.values()}
        for color in PALETTE:
            if color not in used:
                return color
        return PALETTE[len(self._curves) % len(PALETTE)]


def _format_number(value: float, curve: StripCurve, precision: int | None = None,
                   show_units: bool = True) -> str:
    """A value at the cursor, as the legend shows the live one (options included)."""
    reading = curve.reading
    if precision is None:
        precision = reading.precision if reading is not None else None
    units = reading.units if reading is not None and show_units else ""
    text = f"{value:.{precision}f}" if precision is not None and 0 <= precision < 16 \
        else f"{value:.6g}"
    return f"{text} {units}".rstrip()


__all__ = ["DEFAULT_REDRAW_HZ", "DEFAULT_SPAN", "StripChart"]

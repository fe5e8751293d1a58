"""``WaveformPlot``: an array PV live against element index, with an optional waterfall.

The line plot is peak-downsampled to its pixel width and redrawn at most at
``REDRAW_HZ`` while visible, however fast or large the PV is (the pattern of
:class:`~caprobe.widgets.array_view.ArrayView`). The waterfall keeps the last
``history`` arrays in one preallocated ring, so an update costs one row copy
and never an ``np.roll`` or ``np.vstack``.

GUI thread only. The widget owns its channel (a child QObject), so deleting
the widget or switching to another PV releases the subscription.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QPoint, QRectF, Qt, QTimer
from PyQt5.QtGui import QContextMenuEvent, QShowEvent
from PyQt5.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from caprobe.bridge import Channel, ChannelHub, default_hub
from caprobe.model import ConnectionState, FieldType, Metadata, Reading, SampleBatch, alarm_text
from caprobe.widgets.alarm_style import (
    DISCONNECTED_COLOR,
    disconnected_color,
    severity_badge_style,
    severity_style,
)
from caprobe.widgets.look import look_color, look_notifier, plot_item_axes, style_plot
from caprobe.widgets.pv_context import PVNameGestures, PVToolTips, add_pv_actions, pv_tooltip_text
from caprobe.widgets.pv_options import PVOptionsMixin
from caprobe.widgets.single_channel import SingleChannelMixin

REDRAW_HZ = 10
#: How often the "searching… / disconnected for" note is refreshed while not connected.
STATUS_REFRESH_MS = 500
#: Upper bound on waterfall cells (rows x columns, float64: 32 MB). Beyond it,
#: columns are binned to the maximum of each ``k`` neighbours.
MAX_WATERFALL_CELLS = 4_000_000
#: Same curve colour as the probe's array plot (the light look's: see ``widgets.look``).
CURVE_COLOR = "#1f5fbf"
#: Space for y tick labels while the waterfall is shown (pixels).
AXIS_TEXT_WIDTH = 52
SCALAR_NOTE = "scalar PV: use the strip chart for history"


class _WaterfallHistory:
    """The last ``depth`` arrays as rows of one preallocated ring (GUI thread only).

    Rows shorter than the widest allowed are padded with NaN; non-finite
    elements are stored as NaN, so they draw as gaps. A change of the PV's
    element count (``key``) or an array longer than a row starts afresh.
    """

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.clear()

    def clear(self) -> None:
        self.key: int | None = None
        self.width = 0  # elements a row covers (before binning)
        self.bin = 1
        self._rows: np.ndarray | None = None
        self._scratch: np.ndarray | None = None
        self._lo = np.full(self.depth, math.nan)
        self._hi = np.full(self.depth, math.nan)
        self._head = 0
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    @property
    def columns(self) -> int:
        return 0 if self._rows is None else self._rows.shape[1]

    def _allocate(self, key: int, width: int) -> None:
        self.clear()
        width = max(1, width)
        self.key, self.width = key, width
        self.bin = max(1, math.ceil(width * self.depth / MAX_WATERFALL_CELLS))
        columns = math.ceil(width / self.bin)
        self._rows = np.full((self.depth, columns), math.nan)
        if self.bin > 1:
            self._scratch = np.full(columns * self.bin, math.nan)

    def append(self, values: np.ndarray, key: int) -> None:
        if self._rows is None or key != self.key or values.size > self.width:
            self._allocate(key, max(key, values.size))
        assert self._rows is not None
        row = self._rows[self._head]
        n = values.size
        if self.bin == 1:
            target = row
        else:
            assert self._scratch is not None
            target = self._scratch
        target[:n] = values
        target[n:] = math.nan
        head = target[:n]
        head[~np.isfinite(head)] = math.nan
        if self.bin > 1:
            # fmax ignores NaN and, unlike nanmax, never warns on an all-NaN bin.
            row[:] = np.fmax.reduce(target.reshape(-1, self.bin), axis=1)
        self._lo[self._head] = np.fmin.reduce(row)
        self._hi[self._head] = np.fmax.reduce(row)
        self._advance()

    def append_gap(self) -> None:
        if self._rows is None:
            return  # nothing recorded yet: nothing to separate
        self._rows[self._head] = math.nan
        self._lo[self._head] = self._hi[self._head] = math.nan
        self._advance()

    def _advance(self) -> None:
        self._head = (self._head + 1) % self.depth
        self._size = min(self._size + 1, self.depth)

    def image(self) -> np.ndarray:
        """A new array of the recorded rows, oldest first."""
        if self._rows is None:
            return np.empty((0, 0))
        start = (self._head - self._size) % self.depth
        if start + self._size <= self.depth:
            return self._rows[start:start + self._size].copy()
        return np.concatenate((self._rows[start:], self._rows[:self._head]))

    def levels(self) -> tuple[float, float] | None:
        """Finite range of everything recorded, or None when there is none."""
        lo, hi = float(np.fmin.reduce(self._lo)), float(np.fmax.reduce(self._hi))
        if math.isnan(lo) or math.isnan(hi):
            return None
        return lo, hi


class WaveformPlot(SingleChannelMixin, PVOptionsMixin, QWidget):
    """Live plot of an array PV's value against element index.

    Above the plot a row shows the PV name, the element count ("16 of 100
    elements"), the units, a *Waterfall* checkbox and an alarm badge. The
    frame around the plot follows the alarm severity with the border
    patterns of :func:`severity_style`. When the PV disconnects, the last
    data stays on screen but the curve turns grey and dashed and the badge
    says "disconnected". Char waveforms and string PVs get a message
    instead of a plot; a scalar PV is plotted as a single point with a
    note that the strip chart is the tool for its history.

    The waterfall (off by default) is an image below the line plot whose
    rows are the last ``history`` arrays, **newest at the top** (the y axis
    counts updates ago), coloured with the "viridis" map. Its levels are
    the PV's display limits when they are set, else the finite range of
    the recorded data. It records every update while it is switched on,
    not only those drawn, and a disconnect adds a row of NaN (drawn
    transparent), so an IOC restart shows as a gap.

    The shared PV widget options (``PVOptionsMixin``) apply where they
    mean something here: ``alarmBorder`` is the frame, ``alarmSensitive``
    the badge's colours, ``showUnits`` the units in the header and on the
    axis, and a PV name dropped on the plot is plotted instead
    (``acceptPvDrops``). It formats no numbers and writes nothing, so
    ``precision``, ``pvReadOnly`` and ``confirmWrite`` are kept and ignored.

    Parameters
    ----------
    pvname : str, optional
        The PV to plot at once; see :meth:`set_pvname`.
    parent : QWidget, optional
    hub : ChannelHub, optional
        Defaults to :func:`caprobe.default_hub`.
    waterfall : bool
        Start with the waterfall shown.
    history : int
        Rows the waterfall keeps (default 200).

    Notes
    -----
    Threads: GUI thread only, like every method here; the channel's signals
    are emitted by the hub's frame drain, which runs on the GUI thread.
    The line plot is redrawn at most ``REDRAW_HZ`` times a second and only
    while the widget is visible; :meth:`flush` draws a pending update now.
    """

    pv_accepts_drops_by_default = True

    def __init__(self, pvname: str | None = None, parent: QWidget | None = None,
                 hub: ChannelHub | None = None, *, waterfall: bool = False,
                 history: int = 200) -> None:
        if isinstance(pvname, QWidget) and parent is None:  # Widget(parent), as uic builds it
            pvname, parent = None, pvname
        super().__init__(parent)
        if history < 1:
            raise ValueError(f"history must be at least 1, not {history}")
        self._hub = hub or default_hub()
        self._channel: Channel | None = None
        self._history = _WaterfallHistory(int(history))
        self._waterfall = False
        self._samples_connected = False
        self._pending: np.ndarray | None = None
        self._image_dirty = False
        self._last_recorded: Reading | None = None
        self._shown_metadata: Metadata | None = None
        self._fixed_y: tuple[float, float] | None = None
        self._shown_levels: tuple[float, float] | None = None
        self._x = np.empty(0)
        self._curve_style: tuple[bool | None, bool | None] = (None, None)
        self._build()
        self.pv_init_drops()
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setInterval(1000 // REDRAW_HZ)
        self._redraw_timer.timeout.connect(self._on_redraw_timer_timeout)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self._on_status_timer_timeout)
        self._style_curve(True, False)
        self._style_plots()
        look_notifier().changed.connect(self._on_look_changed)
        if waterfall:
            self.set_waterfall(True)
        if pvname:
            self.set_pvname(pvname)
        else:
            self._show_everything()

    # -- layout ----------------------------------------------------------------
    def _build(self) -> None:
        self.name_label = QLabel(self)
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.count_label = QLabel(self)
        self.units_label = QLabel(self)
        self.waterfall_check = QCheckBox("Waterfall", self)
        self.waterfall_check.setToolTip("Show the last arrays as rows of an image, newest on top")
        self.waterfall_check.toggled.connect(self._on_waterfall_check_toggled)
        self.alarm_label = QLabel(self)
        badge_font = self.alarm_label.font()
        badge_font.setBold(True)
        self.alarm_label.setFont(badge_font)
        self.alarm_label.setAlignment(Qt.AlignCenter)
        self.alarm_label.setMinimumWidth(130)
        header = QHBoxLayout()
        header.addWidget(self.name_label)
        header.addSpacing(12)
        header.addWidget(self.count_label)
        header.addSpacing(12)
        header.addWidget(self.units_label)
        header.addStretch(1)
        header.addWidget(self.waterfall_check)
        header.addSpacing(8)
        header.addWidget(self.alarm_label)

        self.note_label = QLabel(self)
        self.note_label.setVisible(False)  # coloured by _style_plots

        # One graphics scene with the line plot above the waterfall: its grid
        # gives both view boxes the same width (the colour bar sits in a
        # column of its own), so element i is at the same x in both.
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setMinimumHeight(140)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "element index")
        for name in ("left", "bottom"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)
        self.curve = self.plot.plot(connect="finite")
        # Set on the plot item, not the curve: PlotItem.addItem resets a
        # curve's own downsampling and clipping to the item's (off), and a
        # 1M-element array was then painted point by point (258 ms a paint,
        # against 2.4 ms decimated to the pixel columns).
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)

        self.image_plot = pg.PlotItem()
        self.image_plot.setMenuEnabled(False)
        self.image_plot.setLabel("left", "updates ago")
        self.image_plot.setLabel("bottom", "element index")
        self.image_plot.setXLink(self.plot)
        image_box = self.image_plot.getViewBox()
        image_box.invertY(True)  # row 0 of the drawn image (the newest) on top
        image_box.enableAutoRange(axis=pg.ViewBox.YAxis, enable=False)
        image_box.setYRange(0, self._history.depth, padding=0)
        self.image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
        self.image_plot.addItem(self.image)
        self.color_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=pg.colormap.get("viridis"),
                                         interactive=False, width=14, pen=DISCONNECTED_COLOR)
        self.color_bar.setImageItem(self.image)
        self.color_bar.axis.enableAutoSIPrefix(False)  # "V", never "V (x0.001)"
        self.image_plot.setVisible(False)
        self.color_bar.setVisible(False)

        self.frame = QFrame(self)
        self.frame.setObjectName("waveformFrame")
        frame_layout = QVBoxLayout(self.frame)
        frame_layout.setContentsMargins(3, 3, 3, 3)
        frame_layout.addWidget(self.graphics)

        self.message_label = QLabel(self)
        self.message_label.setAlignment(Qt.AlignCenter)
        self.message_label.setWordWrap(True)
        message_font = self.message_label.font()
        message_font.setPointSize(message_font.pointSize() + 2)
        self.message_label.setFont(message_font)
        self.message_label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.frame)
        self.stack.addWidget(self.message_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.note_label)
        layout.addWidget(self.stack, 1)

        # The PV gestures every caprobe widget shares (see pv_context): the
        # header labels defer their menu to this widget, the plot (whose own
        # pyqtgraph menu is off) asks for it; middle-click on the name copies it.
        for label in (self.name_label, self.count_label, self.units_label, self.alarm_label):
            label.setContextMenuPolicy(Qt.NoContextMenu)
        self.graphics.setContextMenuPolicy(Qt.CustomContextMenu)
        self.graphics.customContextMenuRequested.connect(self._on_graphics_menu_requested)
        PVNameGestures(self, lambda _widget, _pos: self.pvname).watch(
            self, self.name_label, self.alarm_label)
        # Parts without a tooltip of their own pass the request up to self.
        PVToolTips(self, lambda _widget, _pos: self.tooltip_text()).watch(self)

    # -- public API ------------------------------------------------------------
    def set_pvname(self, pvname: str) -> None:
        """Plot ``pvname``, releasing the previous PV; empty clears the plot."""
        pvname = (pvname or "").strip()
        if self._channel is not None:
            if self._channel.pvname == pvname:
                return
            self._samples_connected = False  # the old channel's connections go with it
            self._release_channel()
        self._clear_data()
        if pvname:
            channel = self._hub.channel(pvname, parent=self)
            channel.reading_changed.connect(self._on_channel_reading_changed)
            channel.connection_changed.connect(self._on_channel_connection_changed)
            self._channel = channel
            self._connect_samples(self._waterfall)
        self._show_everything()


    def is_waterfall(self) -> bool:
        return self._waterfall

    def set_waterfall(self, on: bool) -> None:
        """Show or hide the waterfall.

        History is recorded only while it is shown (a hidden waterfall costs
        no memory); switching it on starts from the current array.
        """
        on = bool(on)
        if self.waterfall_check.isChecked() != on:
            self.waterfall_check.setChecked(on)  # comes back through the toggled slot
            return
        if on == self._waterfall:
            return
        self._waterfall = on
        self._history.clear()
        self._last_recorded = None
        self._shown_levels = None
        self.image.clear()
        self._show_waterfall_rows(on)
        self._connect_samples(on)
        channel = self._channel
        if on and channel is not None and channel.connected and channel.reading is not None:
            self._record(channel.reading)
        self._schedule_redraw()

    def _show_waterfall_rows(self, on: bool) -> None:
        # A QGraphicsGridLayout keeps room for hidden items, so the waterfall
        # row is taken out of the grid, not just hidden.
        layout = self.graphics.ci
        for item, column in ((self.image_plot, 0), (self.color_bar, 1)):
            if on:
                layout.addItem(item, row=1, col=column)
            else:
                layout.removeItem(item)
            item.setVisible(on)
        # Tick labels get a fixed space, so that both plots' axes (and with
        # them the view boxes) start at the same x.
        for axis in (self.plot.getAxis("left"), self.image_plot.getAxis("left")):
            axis.setStyle(autoExpandTextSpace=not on, tickTextWidth=AXIS_TEXT_WIDTH)

    def waterfall_image(self) -> np.ndarray:
        """The waterfall's rows in time order, oldest first (a copy).

        Shape (rows recorded, columns); columns are elements unless the
        array is so large that they were binned (see ``MAX_WATERFALL_CELLS``).
        """
        return self._history.image()

    def plotted(self) -> tuple[np.ndarray, np.ndarray]:
        """What the curve holds (x, y), before any downsampling for display."""
        x, y = self.curve.xData, self.curve.yData
        return (np.empty(0) if x is None else x), (np.empty(0) if y is None else y)

    def flush(self) -> None:
        """Draw a pending update now, visible or not (screenshots, tests)."""
        self._redraw(force=True)

    # -- data ------------------------------------------------------------------
    def _clear_data(self) -> None:
        self._pending = None
        self._last_recorded = None
        self._shown_metadata = None
        self._history.clear()
        self._image_dirty = False
        self._shown_levels = None
        self.curve.setData(np.empty(0), np.empty(0))
        self.image.clear()
        self._set_fixed_y(None)

    def _connect_samples(self, on: bool) -> None:
        # Sample history costs the hub memory per update, so it is asked for
        # only while the waterfall needs every reading.
        channel = self._channel
        if channel is None or on == self._samples_connected:
            return
        if on:
            channel.samples_arrived.connect(self._on_channel_samples_arrived)
        else:
            channel.samples_arrived.disconnect(self._on_channel_samples_arrived)
        self._samples_connected = on

    @staticmethod
    def _values(reading: Reading) -> np.ndarray | None:
        """The reading as a 1-D float array, or None when it is not numbers."""
        meta = reading.metadata
        if meta.is_char_array or meta.field_type == FieldType.STRING:
            return None
        value = reading.value
        if isinstance(value, (str, bytes)):
            return None
        try:
            return np.asarray(value, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            return None

    def _record(self, reading: Reading) -> None:
        """Add a reading to the waterfall unless it is the one recorded last."""
        last = self._last_recorded
        if last is not None and (reading is last or (reading.value is last.value
                                                     and reading.timestamp == last.timestamp)):
            return  # the frame's latest reading after its samples, or new metadata only
        values = self._values(reading)
        if values is None:
            return
        self._last_recorded = reading
        self._history.append(values, max(1, reading.metadata.element_count))
        self._image_dirty = True
        self._schedule_redraw()

    # -- display ---------------------------------------------------------------
    def _show_everything(self) -> None:
        channel = self._channel
        reading = channel.reading if channel is not None else None
        self.name_label.setText(self.pvname or "no PV")
        if reading is not None:
            self._show_reading(reading)
        else:
            self.stack.setCurrentWidget(self.frame)
            self.count_label.setText("")
            self.units_label.setText("")
        self._show_connection()

    def _show_reading(self, reading: Reading) -> None:
        meta = reading.metadata
        if meta is not self._shown_metadata:
            self._show_metadata(meta)
        values = self._values(reading)
        if values is None:
            kind = "a char/string" if meta.is_char_array or meta.field_type in (
                FieldType.STRING, FieldType.CHAR) else "a non-numeric"
            self.message_label.setText(f"{self.pvname} is {kind} PV: nothing to plot")
            self.stack.setCurrentWidget(self.message_label)
            self.count_label.setText("")
            self._pending = None
            return
        self.stack.setCurrentWidget(self.frame)
        count = meta.element_count
        self.count_label.setText(f"{values.size} of {count} element{'' if count == 1 else 's'}")
        self._pending = values
        self._schedule_redraw()

    def _show_metadata(self, meta: Metadata) -> None:
        self._shown_metadata = meta
        units = meta.units if self._pv_show_units else ""
        self.units_label.setText(f"units: {units}" if units else "")
        if units:
            self.plot.setLabel("left", "value", units=units)
        else:
            self.plot.setLabel("left", "value")
        # Units are in the header; a label here collides with wide tick labels.
        lo, hi = meta.display_limits
        limits = (lo, hi) if math.isfinite(lo) and math.isfinite(hi) and lo < hi else None
        self._set_fixed_y(limits)
        self._image_dirty = self._image_dirty or self._history.size > 0
        self._schedule_redraw()

    def _set_fixed_y(self, limits: tuple[float, float] | None) -> None:
        # Only on a change, so an operator's zoom is not undone every update.
        if limits == self._fixed_y:
            return
        self._fixed_y = limits
        box = self.plot.getViewBox()
        if limits is None:
            box.enableAutoRange(axis=pg.ViewBox.YAxis)
        else:
            box.setYRange(limits[0], limits[1], padding=0)

    def _show_connection(self) -> None:
        channel = self._channel
        connected = channel is not None and channel.connected
        reading = channel.reading if channel is not None else None
        severity = reading.severity if (connected and reading is not None) else None
        if channel is None:
            text = "—"
        elif connected:
            text = alarm_text(reading)
        elif channel.state == ConnectionState.DISCONNECTED:
            text = "disconnected"
        else:
            text = "not connected"
        self.alarm_label.setText(text)
        _set_style(self.alarm_label, severity_badge_style(
            severity, connected, colors=self._pv_alarm_sensitive) + "padding: 3px 10px;")
        frame = severity_style(severity, connected, colors=False, border=self._pv_alarm_border)
        _set_style(self.frame, f"QFrame#waveformFrame {{ {frame} }}" if frame else "")
        self._style_curve(connected=connected or channel is None)
        if channel is not None and not connected:
            if not self._status_timer.isActive():
                self._status_timer.start()
        else:
            self._status_timer.stop()
        self._show_note()

    def _show_note(self) -> None:
        channel = self._channel
        note = ""
        if channel is not None and not channel.connected:
            note = f"{channel.pvname}: {channel.status_text()}"
        elif channel is not None and channel.reading is not None \
                and self.stack.currentWidget() is self.frame \
                and channel.reading.metadata.element_count <= 1:
            note = SCALAR_NOTE
        if self.note_label.text() != note:
            self.note_label.setText(note)
        self.note_label.setVisible(bool(note))

    def _style_curve(self, connected: bool | None = None,
                     single: bool | None = None) -> None:
        """Solid blue when connected, grey dashed when not; a marker for a lone point."""
        connected = self._curve_style[0] if connected is None else connected
        single = self._curve_style[1] if single is None else single
        if (connected, single) == self._curve_style:
            return
        self._curve_style = (connected, single)
        color = look_color("curve") if connected else disconnected_color()
        pen = pg.mkPen(color, width=1.5, style=Qt.SolidLine if connected else Qt.DashLine)
        self.curve.setPen(pen)
        if single:  # a line through one point draws nothing
            self.curve.setSymbol("o")
            self.curve.setSymbolSize(10)
            self.curve.setSymbolPen(pen)
            self.curve.setSymbolBrush(color if connected else None)
        else:
            self.curve.setSymbol(None)
        self.plot.getAxis("bottom").setTicks([[(0.0, "0")]] if single else None)

    # -- redraw ----------------------------------------------------------------
    def _schedule_redraw(self) -> None:
        if self.isVisible() and not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _redraw(self, force: bool = False) -> None:
        if not (force or self.isVisible()):
            self._redraw_timer.stop()  # showEvent restarts it
            return
        drew = False
        if self._pending is not None:
            y, self._pending = self._pending, None
            if self._x.size != y.size:
                self._x = np.arange(y.size, dtype=float)
            self._style_curve(single=y.size == 1)
            # Readings are immutable, so the curve may keep a view of y.
            self.curve.setData(self._x, y)
            drew = True
        if self._image_dirty:
            self._image_dirty = False
            if self._waterfall:
                self._draw_waterfall()
                drew = True
        if not drew:
            self._redraw_timer.stop()  # nothing new: stop ticking until the next update

    def _draw_waterfall(self) -> None:
        history = self._history
        rows = history.image()
        if rows.size == 0:
            self.image.clear()
            return
        levels = self._levels()
        if levels != self._shown_levels:
            self._shown_levels = levels
            self.color_bar.setLevels(levels)
        # Newest first: with the y axis inverted, that puts it on top.
        self.image.setImage(rows[::-1], autoLevels=False, levels=levels)
        self.image.setRect(QRectF(-0.5, 0.0, rows.shape[1] * history.bin, rows.shape[0]))

    def _levels(self) -> tuple[float, float]:
        if self._fixed_y is not None:
            return self._fixed_y
        levels = self._history.levels()
        if levels is None:
            return (0.0, 1.0)
        lo, hi = levels
        if lo == hi:
            return (lo - 0.5, hi + 0.5)
        return (lo, hi)

    def context_menu(self) -> QMenu:
        """Copy the PV name, open it in a probe, and the waterfall switch."""
        menu = QMenu(self)
        # An array is not copied as text: a million elements on the clipboard
        # helps nobody (the probe's table exports it).
        add_pv_actions(menu, self.pvname, None, self._hub, strip=False)
        menu.addSeparator()
        waterfall = menu.addAction("Waterfall")
        waterfall.setCheckable(True)
        waterfall.setChecked(self._waterfall)
        waterfall.toggled.connect(self.set_waterfall)
        return menu

    def tooltip_text(self) -> str:
        """What the tooltip says now: the PV's state, alarm, host and access.

        No value line: an array is summed up by the header, not a tooltip.
        """
        return pv_tooltip_text(self.pvname, self._channel, None)

    # -- the shared options (PVOptionsMixin) -------------------------------------
    def pv_option_changed(self, name: str) -> None:
        if name == "showUnits" and self._shown_metadata is not None:
            self._show_metadata(self._shown_metadata)
        elif name in ("alarmSensitive", "alarmBorder"):
            self._show_connection()

    def pv_names_dropped(self, names: list[str]) -> bool:
        self.set_pvname(names[0])
        return True

    # -- Qt overrides ----------------------------------------------------------

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt override)
        self.context_menu().exec_(event.globalPos())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._pending is not None or self._image_dirty:
            self._redraw_timer.start()
        self._show_note()

    # -- slots -----------------------------------------------------------------
    def _on_channel_reading_changed(self, reading: Reading) -> None:
        self._show_reading(reading)
        if self._waterfall:
            # Without sample history (a channel joining a live PV, or a value
            # posted before the history was asked for) this is the only copy.
            self._record(reading)
        self._show_connection()

    def _on_channel_samples_arrived(self, batch: SampleBatch) -> None:
        if not self._waterfall:
            return
        if batch.dropped:
            self._history.append_gap()  # the GUI thread fell behind: show the hole
            self._image_dirty = True
        for reading in batch.readings:
            self._record(reading)

    def _on_channel_connection_changed(self, connected: bool) -> None:
        if not connected and self._waterfall:
            self._history.append_gap()
            self._image_dirty = True
            self._schedule_redraw()
        self._show_connection()

    def _on_status_timer_timeout(self) -> None:
        if self.isVisible():
            self._show_note()

    def _style_plots(self) -> None:
        """Background, axes and notes in the current light or dark look."""
        style_plot(self.graphics, [*plot_item_axes(self.plot), *plot_item_axes(self.image_plot),
                                   self.color_bar.axis])
        self.note_label.setStyleSheet(f"color: {disconnected_color()};")

    def _on_look_changed(self, _dark: bool) -> None:
        self._style_plots()
        style, self._curve_style = self._curve_style, (None, None)
        self._style_curve(*style)  # same state, the new look's colours
        self._show_connection()

    def _on_redraw_timer_timeout(self) -> None:
        self._redraw()

    def _on_graphics_menu_requested(self, pos: QPoint) -> None:
        self.context_menu().exec_(self.graphics.mapToGlobal(pos))

    def _on_waterfall_check_toggled(self, checked: bool) -> None:
        self.set_waterfall(checked)


def _set_style(widget: QWidget, style: str) -> None:
    # setStyleSheet re-polishes the widget even for the same sheet.
    if widget.styleSheet() != style:
        widget.setStyleSheet(style)

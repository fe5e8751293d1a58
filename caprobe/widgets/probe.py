"""``ProbeWidget``: everything about one PV, live, and a safe way to change it.

It shows what ``cainfo`` and Phoebus Probe show together: the value in a
chosen format with units, alarm severity and status (colour *and* border
pattern), connection state with time since the last transition, the
server timestamp, update rate and age, the channel's type, count, host and
live access rights, every limit and the enum strings; arrays get a plot and
a table. Writing goes through :class:`WriteControl`.

GUI thread only. The widget owns its channel (a child QObject), so
deleting the widget or probing another PV releases the subscription.
"""
from __future__ import annotations

import collections
import math
import time
from typing import Optional

from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QContextMenuEvent, QFont
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from caprobe.bridge import Channel, ChannelHub, default_hub
from caprobe.model import (
    ConnectionState,
    FieldType,
    Metadata,
    Reading,
    alarm_text,
    cainfo_text,
    local_time_text,
)
from caprobe.model.cainfo import limits_text
from caprobe.widgets.alarm_style import severity_badge_style, severity_style
from caprobe.widgets.array_view import ArrayView
from caprobe.widgets.look import look_color, look_notifier
from caprobe.widgets.pv_context import (
    PVNameGestures,
    PVToolTips,
    add_pv_actions,
    copy_text,
    pv_tooltip_text,
)
from caprobe.widgets.pv_name_edit import PVNameEdit
from caprobe.widgets.pv_options import PVOptionsMixin
from caprobe.widgets.settings import (
    CONFIRM_WRITES,
    PROBE_FORMAT,
    PROBE_PRECISION,
    read_bool,
    read_choice,
    read_int,
    write_bool,
    write_value,
)
from caprobe.widgets.single_channel import SingleChannelMixin
from caprobe.widgets.write_control import WriteControl

CONFIRM_KEY = CONFIRM_WRITES
REFRESH_MS = 250
RATE_WINDOW_S = 5.0

#: (label, mode) pairs of the format selector; modes as in ``format_value``.
FORMAT_CHOICES = (("Default", "default"), ("Decimal", "decimal"),
                  ("Exponential", "exponential"), ("Hex", "hex"), ("Binary", "binary"),
                  ("String (char array)", "string"), ("Enum index", "enum_index"))

#: Look colour roles (``widgets.look``) of the connection state line.
_STATE_COLORS = {ConnectionState.CONNECTED: "state_connected",
                 ConnectionState.SEARCHING: "state_searching",
                 ConnectionState.DISCONNECTED: "state_disconnected",
                 ConnectionState.CLOSED: "state_closed"}

LIVE_FIELDS = ("Timestamp", "Updates/s", "Age")
CHANNEL_FIELDS = ("Native type", "Element count", "Host", "Access", "Units", "Precision")
LIMIT_FIELDS = ("Display limits", "Control limits", "Warning limits", "Alarm limits",
                "Enum strings")


class ProbeWidget(SingleChannelMixin, PVOptionsMixin, QWidget):
    """Probe one PV.

    The shared PV widget options (``PVOptionsMixin``) apply: ``precision``
    is the precision box, ``confirmWrite`` the "Confirm before writing"
    box (set from code, neither is remembered as the operator's choice),
    ``showUnits``, ``alarmSensitive`` and ``alarmBorder`` shape the value,
    ``pvReadOnly`` blocks the write box with its reason, and a PV name
    dropped anywhere on the probe is probed (``acceptPvDrops``).

    Parameters
    ----------
    pvname : str, optional
        PV to probe at once; more can be entered in the name field.
    hub : ChannelHub, optional
        Defaults to :func:`caprobe.default_hub`.

    Signals
    -------
    pvname_changed(str)
        The probe now shows another PV.
    send_to_strip_requested(str)
        The operator asked to add this PV to a strip chart.
    """

    pvname_changed = pyqtSignal(str)
    send_to_strip_requested = pyqtSignal(str)
    pv_accepts_drops_by_default = True

    def __init__(self, pvname: Optional[str] = None, parent: QWidget | None = None,
                 hub: ChannelHub | None = None) -> None:
        if isinstance(pvname, QWidget) and parent is None:  # Widget(parent), as uic builds it
            pvname, parent = None, pvname
        super().__init__(parent)
        self._hub = hub or default_hub()
        self._channel: Channel | None = None
        self._received_at: Optional[float] = None
        self._shown_metadata: Optional[Metadata] = None
        self._rate_points: collections.deque[tuple[float, int]] = collections.deque()
        self._format_from_code = False  # set_format() and restoring are not the operator
        self._build()
        look_notifier().changed.connect(self._on_look_changed)
        self.pv_init_drops()  # drop a PV name anywhere on the probe
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timeout)
        self._refresh_timer.start()
        if pvname:
            self.set_pvname(pvname)
        else:
            self._show_everything()

    # -- layout ----------------------------------------------------------------
    def _build(self) -> None:
        self.name_edit = PVNameEdit(self)
        self.name_edit.pvname_entered.connect(self.set_pvname)
        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy")
        self.copy_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.copy_button)
        menu.addAction("PV name", self.copy_pvname)
        menu.addAction("Value", self.copy_value)
        menu.addAction("cainfo block", self.copy_info)
        self.copy_button.setMenu(menu)
        self.strip_button = QPushButton("Add to strip chart", self)
        self.strip_button.clicked.connect(self._on_strip_button_clicked)
        self.strip_button.setVisible(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("PV", self))
        top.addWidget(self.name_edit, 1)
        top.addWidget(self.copy_button)
        top.addWidget(self.strip_button)

        self.state_label = QLabel(self)
        state_font = self.state_label.font()
        state_font.setBold(True)
        self.state_label.setFont(state_font)

        self.value_label = QLabel(self)
        value_font = QFont("monospace")
        value_font.setStyleHint(QFont.TypeWriter)
        value_font.setPointSize(20)
        value_font.setBold(True)
        self.value_label.setFont(value_font)
        self.value_label.setAlignment(Qt.AlignCenter)
        self.value_label.setWordWrap(True)
        self.value_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.value_label.setMinimumHeight(56)
        self.value_label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.alarm_label = QLabel(self)
        alarm_font = self.alarm_label.font()
        alarm_font.setBold(True)
        alarm_font.setPointSize(alarm_font.pointSize() + 2)
        self.alarm_label.setFont(alarm_font)
        self.alarm_label.setAlignment(Qt.AlignCenter)
        self.alarm_label.setMinimumWidth(170)
        value_row = QHBoxLayout()
        value_row.addWidget(self.value_label, 1)
        value_row.addWidget(self.alarm_label)

        self.format_combo = QComboBox(self)
        for text, mode in FORMAT_CHOICES:
            self.format_combo.addItem(text, mode)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.precision_spin = QSpinBox(self)
        self.precision_spin.setRange(-1, 17)
        self.precision_spin.setSpecialValueText("from PV")
        self.precision_spin.setValue(-1)
        self.precision_spin.valueChanged.connect(self._on_format_changed)
        # The operator's last format is every new probe's (and the next run's).
        self._format_from_code = True
        self.format_combo.setCurrentIndex(self.format_combo.findData(
            read_choice(PROBE_FORMAT, [mode for _text, mode in FORMAT_CHOICES], "default")))
        self.precision_spin.setValue(read_int(PROBE_PRECISION, -1, -1, 17))
        self._pv_precision = self.precision_spin.value()
        self._format_from_code = False
        format_row = QHBoxLayout()
        format_row.addWidget(self.state_label, 1)
        format_row.addWidget(QLabel("Format", self))
        format_row.addWidget(self.format_combo)
        format_row.addWidget(QLabel("Precision", self))
        format_row.addWidget(self.precision_spin)

        self.fields: dict[str, QLabel] = {}
        live = self._field_group("Live", LIVE_FIELDS)
        channel = self._field_group("Channel", CHANNEL_FIELDS)
        limits = self._field_group("Limits", LIMIT_FIELDS)
        grid = QGridLayout()
        grid.addWidget(live, 0, 0)
        grid.addWidget(limits, 1, 0)
        grid.addWidget(channel, 0, 1, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        self.array_view = ArrayView(self)
        self.array_view.setVisible(False)

        self.write_control = WriteControl(None, self)
        self.confirm_check = QCheckBox("Confirm before writing", self)
        self._pv_confirm = read_bool(CONFIRM_KEY, False)
        self._confirm_from_code = False
        self.confirm_check.setChecked(self._pv_confirm)
        self.confirm_check.toggled.connect(self._on_confirm_toggled)
        self.write_control.confirm_writes = self._pv_confirm
        write_box = QGroupBox("Write", self)
        write_layout = QVBoxLayout(write_box)
        write_layout.addWidget(self.write_control)
        write_layout.addWidget(self.confirm_check)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(value_row)
        layout.addLayout(format_row)
        layout.addLayout(grid)
        layout.addWidget(self.array_view, 1)
        layout.addWidget(write_box)
        layout.addStretch(0)

        # The PV gestures every caprobe widget shares: right-click anywhere
        # outside an entry field for the PV menu (the labels defer theirs to
        # the probe), middle-click on the value to copy the name, middle-drag
        # to drag it out.
        for label in (self.value_label, self.alarm_label, self.state_label):
            label.setContextMenuPolicy(Qt.NoContextMenu)
        PVNameGestures(self, lambda _widget, _pos: self.pvname).watch(
            self, self.value_label, self.alarm_label, self.state_label)
        PVToolTips(self, lambda _widget, _pos: self.tooltip_text()).watch(
            self.value_label, self.alarm_label, self.state_label)

    def _field_group(self, title: str, names: tuple[str, ...]) -> QGroupBox:
        box = QGroupBox(title, self)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        for name in names:
            label = QLabel("—", box)
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            label.setWordWrap(True)
            self.fields[name] = label
            form.addRow(f"{name}:", label)
        return box

    # -- public API ------------------------------------------------------------
    def set_pvname(self, pvname: str) -> None:
        """Probe ``pvname`` (releasing the previous PV); empty clears the probe."""
        pvname = (pvname or "").strip()
        if self._channel is not None:
            if self._channel.pvname == pvname:
                return
            self.write_control.set_channel(None)
            self._release_channel()
        self._received_at = None
        self._rate_points.clear()
        if pvname:
            self._channel = self._hub.channel(pvname, parent=self)
            self._channel.reading_changed.connect(self._on_channel_reading_changed)
            self._channel.connection_changed.connect(self._on_channel_connection_changed)
            self._channel.access_changed.connect(self._on_channel_access_changed)
            self.name_edit.setText(pvname)
            self.name_edit.remember(pvname)
        self.write_control.set_channel(self._channel)
        self._show_everything()
        self.pvname_changed.emit(pvname)


    def set_strip_chart_available(self, available: bool) -> None:
        """Show the "Add to strip chart" button (the host window connects it)."""
        self.strip_button.setVisible(available)

    def format_mode(self) -> str:
        return str(self.format_combo.currentData())

    def set_format(self, mode: str, precision: Optional[int] = None) -> None:
        index = self.format_combo.findData(mode)
        if index < 0:
            raise ValueError(f"unknown format {mode!r}")
        self._format_from_code = True  # a program's choice is not remembered
        try:
            self.format_combo.setCurrentIndex(index)
            self.precision_spin.setValue(-1 if precision is None else precision)
        finally:
            self._format_from_code = False

    def value_text(self) -> str:
        return self.value_label.text()

    def info_text(self) -> str:
        """The ``cainfo``-style block for the current PV."""
        channel = self._channel
        if channel is None:
            return ""
        return cainfo_text(channel.pvname, channel.state, channel.info, channel.metadata,
                           channel.reading)

    def copy_pvname(self) -> None:
        copy_text(self.pvname)

    def copy_value(self) -> None:
        copy_text(self.value_text())

    def copy_info(self) -> None:
        copy_text(self.info_text())

    def tooltip_text(self) -> str:
        """The PV tooltip every caprobe widget shows (over the value, alarm and state)."""
        return pv_tooltip_text(self.pvname, self._channel, self.value_text,
                               block_reason=self.write_control.block_reason())

    def context_menu(self) -> QMenu:
        """The PV menu: the shared entries (the probe is already open) and the cainfo block."""
        menu = QMenu(self)
        add_pv_actions(menu, self.pvname, self.value_text, self._hub, probe=False)
        menu.addAction("Copy cainfo block", self.copy_info).setEnabled(self._channel is not None)
        return menu

    # -- display ---------------------------------------------------------------
    def _show_everything(self) -> None:
        channel = self._channel
        reading = channel.reading if channel is not None else None
        self._show_value(reading)
        self._show_channel()
        self._show_live_fields()
        self.fields["Updates/s"].setText(self._rate_text())
        self._show_state()

    def _show_value(self, reading: Optional[Reading]) -> None:
        channel = self._channel
        connected = channel is not None and channel.connected
        if reading is None:
            self.value_label.setText("—" if channel is None else "no value yet")
            _set_style(self.value_label, self._value_style(None, False))
            self._show_alarm(None, connected)
            self.array_view.setVisible(False)
            return
        meta = reading.metadata
        mode = self.format_mode()
        if mode == "string" and not meta.is_char_array:
            mode = "default"
        if mode == "enum_index" and meta.field_type != FieldType.ENUM:
            mode = "default"
        text = reading.format(mode=mode, precision=self.pv_precision_override(),
                              show_units=self._pv_show_units)
        small = meta.is_char_array or meta.field_type == FieldType.STRING or len(text) > 24
        font = self.value_label.font()
        if font.pointSize() != (13 if small else 20):
            font.setPointSize(13 if small else 20)
            self.value_label.setFont(font)
        self.value_label.setText(text)
        _set_style(self.value_label, self._value_style(reading.severity, connected))
        self._show_alarm(reading, connected)
        if meta.is_array and not meta.is_char_array:
            self.array_view.setVisible(True)
            self.array_view.show_reading(reading, mode if mode != "string" else "default",
                                         self.pv_precision_override())
            self.array_view.set_connected(connected)
        else:
            self.array_view.setVisible(False)

    def _value_style(self, severity, connected: bool) -> str:
        return severity_style(severity, connected, colors=self._pv_alarm_sensitive,
                              border=self._pv_alarm_border) + " padding: 4px;"

    def _show_alarm(self, reading: Optional[Reading], connected: bool) -> None:
        channel = self._channel
        if channel is None:
            text, style = "—", severity_badge_style(None, False)
        elif not connected:
            text = "DISCONNECTED" if channel.state == ConnectionState.DISCONNECTED \
                else "NOT CONNECTED"
            style = severity_badge_style(None, False)
        else:
            text = alarm_text(reading)
            style = severity_badge_style(reading.severity if reading else None, True,
                                         colors=self._pv_alarm_sensitive)
        self.alarm_label.setText(text)
        _set_style(self.alarm_label, style + "padding: 4px 10px;")

    def _show_state(self) -> None:
        channel = self._channel
        if channel is None:
            self.state_label.setText("enter a PV name")
            _set_style(self.state_label, f"color: {look_color('state_closed')};")
            return
        self.state_label.setText(f"● {channel.status_text()}")
        _set_style(self.state_label, f"color: {look_color(_STATE_COLORS[channel.state])};")

    def _show_channel(self) -> None:
        channel = self._channel
        info = channel.info if channel is not None else None
        meta = channel.metadata if channel is not None else None
        fields = self.fields
        self._shown_metadata = meta
        if info is None or meta is None:
            for name in CHANNEL_FIELDS + LIMIT_FIELDS:
                fields[name].setText("—")
            return
        fields["Native type"].setText(info.field_type.dbf_name)
        fields["Element count"].setText(str(info.element_count))
        fields["Host"].setText(info.host or "—")
        access = info.access_text if channel.connected else \
            f"{info.access_text} (when last connected)"
        fields["Access"].setText(access)
        _set_style(fields["Access"], "" if info.write_access
                   else f"color: {look_color('text_bad')};")
        fields["Units"].setText(meta.units or "—")
        fields["Precision"].setText("—" if meta.precision is None else str(meta.precision))
        numeric = meta.field_type.is_numeric and not meta.is_char_array
        for name, limits in (("Display limits", meta.display_limits),
                             ("Control limits", meta.control_limits),
                             ("Warning limits", meta.warning_limits),
                             ("Alarm limits", meta.alarm_limits)):
            fields[name].setText(limits_text(limits) if numeric else "—")
        fields["Enum strings"].setText(
            "  ".join(f"{i}: {label}" for i, label in enumerate(meta.enum_strings)) or "—")

    def _show_live_fields(self) -> None:
        channel = self._channel
        reading = channel.reading if channel is not None else None
        fields = self.fields
        if reading is None or self._received_at is None:
            fields["Timestamp"].setText("—")
            fields["Age"].setText("—")
        else:
            stamp = local_time_text(reading.timestamp)
            if reading.timestamp <= 0:
                stamp = "never processed (timestamp 0)"
            fields["Timestamp"].setText(stamp)
            fields["Age"].setText(f"{_seconds(time.monotonic() - self._received_at)} "
                                  f"since last update")

    def _rate_text(self) -> str:
        """Updates per second over the last few seconds, from the server's count.

        Measured from the first reading on, so the value sent at connect
        does not read as traffic on a PV that never changes.
        """
        channel = self._channel
        points = self._rate_points
        if channel is None or not points:
            return "—"
        now = time.monotonic()
        points.append((now, channel.update_count))
        while len(points) > 2 and now - points[0][0] > RATE_WINDOW_S:
            points.popleft()
        span = now - points[0][0]
        if span < 0.9:
            return "measuring…"
        return f"{(points[-1][1] - points[0][1]) / span:.1f}"

    # -- Qt overrides ------------------------------------------------------------
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        self.context_menu().exec_(event.globalPos())

    # -- the shared options (PVOptionsMixin) -------------------------------------
    def pv_option_changed(self, name: str) -> None:
        if name == "precision":
            self._format_from_code = True  # a program's choice is not remembered
            try:
                self.precision_spin.setValue(self._pv_precision)
            finally:
                self._format_from_code = False
        elif name == "confirmWrite":
            self._confirm_from_code = True
            try:
                self.confirm_check.setChecked(self._pv_confirm)
            finally:
                self._confirm_from_code = False
            self.write_control.confirm_writes = self._pv_confirm
        elif name == "pvReadOnly":
            self.write_control.set_widget_read_only(self._pv_read_only)
        if name in ("showUnits", "precision", "alarmSensitive", "alarmBorder"):
            self._show_value(self._channel.reading if self._channel is not None else None)

    def pv_names_dropped(self, names: list[str]) -> bool:
        self.set_pvname(names[0])
        return True

    # -- slots -----------------------------------------------------------------
    def _on_channel_reading_changed(self, reading: Reading) -> None:
        self._received_at = time.monotonic()
        if not self._rate_points and self._channel is not None:
            self._rate_points.append((self._received_at, self._channel.update_count))
        self._show_value(reading)
        if reading.metadata is not self._shown_metadata:  # new metadata, not every update
            self._show_channel()
        self._show_live_fields()

    def _on_channel_connection_changed(self, connected: bool) -> None:
        self._show_value(self._channel.reading if self._channel is not None else None)
        self._show_channel()
        self._show_state()

    def _on_channel_access_changed(self, read: bool, write: bool) -> None:
        self._show_channel()

    def _on_refresh_timeout(self) -> None:
        if self.isVisible():
            self._show_state()
            self._show_live_fields()
            self.fields["Updates/s"].setText(self._rate_text())

    def _on_format_changed(self, *_args: object) -> None:
        self._pv_precision = self.precision_spin.value()
        if not self._format_from_code:
            write_value(PROBE_FORMAT, self.format_mode())
            write_value(PROBE_PRECISION, self.precision_spin.value())
        if self._channel is not None:
            self._show_value(self._channel.reading)

    def _on_look_changed(self, _dark: bool) -> None:
        self._show_everything()

    def _on_confirm_toggled(self, checked: bool) -> None:
        self._pv_confirm = checked
        self.write_control.confirm_writes = checked
        if not self._confirm_from_code:
            write_bool(CONFIRM_KEY, checked)

    def _on_strip_button_clicked(self) -> None:
        if self.pvname:
            self.send_to_strip_requested.emit(self.pvname)


def _set_style(label: QLabel, style: str) -> None:
    # setStyleSheet re-polishes the widget even for the same sheet; values
    # arrive at frame rate, their look changes only with the alarm state.
    if label.styleSheet() != style:
        label.setStyleSheet(style)


def _seconds(value: float) -> str:
    if math.isnan(value):
        return "—"
    if value < 10:
        return f"{value:.1f} s"
    if value < 120:
        return f"{value:.0f} s"
    return f"{value / 60:.0f} min"

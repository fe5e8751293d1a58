"""``PVTable``: a live table of PVs (name, value, alarm, connection).

A compact, PV-Table-style overview: the main window's PV list. Each row
offers what every caprobe PV widget offers (``pv_context``): the PV menu
(copy name and value, open in probe, add to strip chart), middle-click
to copy the name, middle-drag to drag it out, and the shared tooltip;
the table takes the shared options (``PVOptionsMixin``) ``showUnits``,
``precision`` and ``alarmSensitive`` for every row.
"""
from __future__ import annotations

from PyQt5.QtCore import QPoint, Qt
from PyQt5.QtGui import QColor, QFont
from PyQt5.QtWidgets import QHeaderView, QMenu, QTableWidget, QTableWidgetItem, QWidget

from caprobe.bridge import Channel, ChannelHub, default_hub
from caprobe.model import ConnectionState, Reading, Severity, alarm_text
from caprobe.widgets.alarm_style import badge_colors, disconnected_color
from caprobe.widgets.look import look_color, look_notifier
from caprobe.widgets.pv_context import (
    PVNameGestures,
    PVToolTips,
    add_pv_actions,
    pv_tooltip_text,
)
from caprobe.widgets.pv_options import PVOptionsMixin

_COLUMNS = ("PV", "Value", "Alarm", "Connection")


class _Row:
    """Slots for one row; bound methods so PyQt disconnects them with the table."""

    def __init__(self, table: PVTable, row: int, channel: Channel) -> None:
        self.table, self.row, self.channel = table, row, channel
        channel.reading_changed.connect(self.on_reading)
        channel.connection_changed.connect(self.on_connection)

    def on_reading(self, reading: Reading) -> None:
        self.table.show_reading(self.row, reading)

    def on_connection(self, connected: bool) -> None:
        self.table.show_connection(self.row, self.channel)


class PVTable(PVOptionsMixin, QTableWidget):
    """One row per PV; ``PVTable(pvnames, parent=None, hub=None)``."""

    def __init__(self, pvnames: list[str] | None = None, parent: QWidget | None = None,
                 hub: ChannelHub | None = None) -> None:
        super().__init__(0, len(_COLUMNS), parent)
        self._hub = hub or default_hub()
        self._rows: list[_Row] = []
        self.setHorizontalHeaderLabels(_COLUMNS)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        self.setEditTriggers(QTableWidget.NoEditTriggers)
        self.setAlternatingRowColors(True)
        look_notifier().changed.connect(self._on_look_changed)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu_requested)
        PVNameGestures(self, lambda _widget, pos: self.pvname_at(pos)).watch(self.viewport())
        PVToolTips(self, lambda _widget, pos: self.tooltip_at(pos)).watch(self.viewport())
        for name in pvnames or []:
            self.add_pv(name)

    def add_pv(self, pvname: str) -> Channel:
        row = self.rowCount()
        self.insertRow(row)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.TypeWriter)
        for column, text in enumerate((pvname, "", "", "searching…")):
            item = QTableWidgetItem(text)
            if column == 1:
                item.setFont(mono)
                item.setTextAlignment(int(Qt.AlignRight | Qt.AlignVCenter))
            self.setItem(row, column, item)
        channel = self._hub.channel(pvname, parent=self)
        self._rows.append(_Row(self, row, channel))
        return channel

    def channels(self) -> list[Channel]:
        return [r.channel for r in self._rows]

    def pvname_at(self, pos: QPoint) -> str:
        """The PV of the row at ``pos`` (viewport coordinates), "" below the last row."""
        row = self.rowAt(pos.y())
        return self._rows[row].channel.pvname if 0 <= row < len(self._rows) else ""

    def value_text(self, row: int) -> str:
        reading = self._rows[row].channel.reading
        if reading is None:
            return ""
        return self.pv_format(reading)

    def tooltip_at(self, pos: QPoint) -> str:
        """The shared PV tooltip for the row at ``pos`` (built on hover)."""
        row = self.rowAt(pos.y())
        if not 0 <= row < len(self._rows):
            return ""
        channel = self._rows[row].channel
        return pv_tooltip_text(channel.pvname, channel, lambda: self.value_text(row),
                               extra=["Double-click to open it in a probe tab"])

    def context_menu(self, row: int) -> QMenu:
        """The PV menu every caprobe widget offers, for one row."""
        menu = QMenu(self)
        channel = self._rows[row].channel
        add_pv_actions(menu, channel.pvname, lambda: self.value_text(row), self._hub)
        return menu

    def show_reading(self, row: int, reading: Reading) -> None:
        self.item(row, 1).setText(self.value_text(row))
        alarm = self.item(row, 2)
        calm = reading.severity == Severity.NO_ALARM
        alarm.setText("" if calm else alarm_text(reading))  # a quiet list shows only alarms
        if calm or not self._pv_alarm_sensitive:
            alarm.setForeground(QColor(look_color("text")))
            alarm.setBackground(QColor(0, 0, 0, 0))
        else:
            fg, fill = badge_colors(reading.severity)  # text chosen against the fill
            alarm.setForeground(QColor(fg))
            alarm.setBackground(QColor(fill))

    def show_connection(self, row: int, channel: Channel) -> None:
        item = self.item(row, 3)
        # Redrawn on a theme or option change too: a PV never found is still
        # searching, not "disconnected".
        item.setText("connected" if channel.connected else
                     "searching…" if channel.state == ConnectionState.SEARCHING
                     else "disconnected")
        item.setForeground(QColor(look_color("text_ok") if channel.connected
                                  else disconnected_color()))
        self.item(row, 1).setForeground(QColor(look_color("text") if channel.connected
                                               else disconnected_color()))

    def pv_option_changed(self, name: str) -> None:
        if name in ("showUnits", "precision", "alarmSensitive"):
            self._on_look_changed(False)  # every row again

    def _on_context_menu_requested(self, pos: QPoint) -> None:
        row = self.rowAt(pos.y())
        if 0 <= row < len(self._rows):
            self.context_menu(row).exec_(self.viewport().mapToGlobal(pos))

    def _on_look_changed(self, _dark: bool) -> None:
        for row in self._rows:
            row.on_connection(row.channel.connected)
            if row.channel.reading is not None:
                row.on_reading(row.channel.reading)

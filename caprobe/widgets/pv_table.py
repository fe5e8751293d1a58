"""``PVTable``: a live table of PVs (name, value, alarm, connection).

A compact, PV-Table-style overview used by the first ``caprobe`` windows;
the full probe arrives with its own widget.
"""
from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor, QFont
from PyQt5.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from caprobe.bridge import Channel, ChannelHub, default_hub
from caprobe.model import Reading, Severity
from caprobe.widgets.alarm_style import badge_colors, disconnected_color
from caprobe.widgets.look import look_color, look_notifier

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


class PVTable(QTableWidget):
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

    def show_reading(self, row: int, reading: Reading) -> None:
        self.item(row, 1).setText(reading.format())
        alarm = self.item(row, 2)
        if reading.severity == Severity.NO_ALARM:
            alarm.setText("")
            alarm.setBackground(QColor(0, 0, 0, 0))
        else:
            alarm.setText(f"{reading.severity.name} – {reading.status}")
            fg, fill = badge_colors(reading.severity)  # text chosen against the fill
            alarm.setForeground(QColor(fg))
            alarm.setBackground(QColor(fill))

    def show_connection(self, row: int, channel: Channel) -> None:
        item = self.item(row, 3)
        item.setText("connected" if channel.connected else "disconnected")
        item.setForeground(QColor(look_color("text_ok") if channel.connected
                                  else disconnected_color()))
        self.item(row, 1).setForeground(QColor(look_color("text") if channel.connected
                                               else disconnected_color()))

    def _on_look_changed(self, _dark: bool) -> None:
        for row in self._rows:
            row.on_connection(row.channel.connected)
            if row.channel.reading is not None:
                row.on_reading(row.channel.reading)

"""The strip chart's legend: one row per PV with its live value, alarm and cursor readout.

Tooltips are the chart's (``StripChart.legend_tooltip``), built on hover.

Rows are refreshed at the chart's redraw rate, and a cell is rewritten only
when its text or colour changed, so twenty live PVs cost a handful of
string comparisons per redraw.
"""
from __future__ import annotations

from PyQt5.QtCore import QPoint, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QIcon, QPixmap
from PyQt5.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from caprobe.model import Severity
from caprobe.widgets.alarm_style import badge_colors, text_color
from caprobe.widgets.look import look_color

COLUMNS = ("PV", "Value", "Alarm", "Axis", "At cursor")
PV, VALUE, ALARM, AXIS, CURSOR = range(len(COLUMNS))
COLUMN_WIDTHS = {VALUE: 150, ALARM: 130, AXIS: 48, CURSOR: 150}


class StripLegend(QTableWidget):
    """Table of curves. Signals carry the PV name of the row concerned."""

    visibility_toggled = pyqtSignal(str, bool)
    menu_requested = pyqtSignal(str, QPoint)
    activated = pyqtSignal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        header.setSectionResizeMode(PV, QHeaderView.Stretch)
        # Fixed (user-adjustable) widths: with ResizeToContents every cell
        # update re-measured its whole column, 3 ms of each redraw.
        for column, width in COLUMN_WIDTHS.items():
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            self.setColumnWidth(column, width)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.itemChanged.connect(self._on_item_changed)
        self.cellDoubleClicked.connect(self._on_cell_double_clicked)
        self._rows: dict[str, int] = {}
        self._cache: dict[tuple[str, int], tuple[str, str, str]] = {}
        self._updating = False

    def pvnames(self) -> list[str]:
        return sorted(self._rows, key=self._rows.get)

    def add_row(self, pvname: str, color: str, visible: bool, axis_id: str) -> None:
        self._updating = True
        row = self.rowCount()
        self.insertRow(row)
        self._rows[pvname] = row
        item = QTableWidgetItem(pvname)
        item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
        item.setCheckState(Qt.Checked if visible else Qt.Unchecked)
        self.setItem(row, PV, item)
        for column in (VALUE, ALARM, AXIS, CURSOR):
            cell = QTableWidgetItem("")
            if column in (VALUE, CURSOR):
                cell.setTextAlignment(int(Qt.AlignRight | Qt.AlignVCenter))
            self.setItem(row, column, cell)
        self._updating = False
        self.set_style(pvname, color, visible, axis_id)

    def remove_row(self, pvname: str) -> None:
        row = self._rows.pop(pvname, None)
        if row is None:
            return
        self.removeRow(row)
        self._rows = {name: (r - 1 if r > row else r) for name, r in self._rows.items()}
        self._cache = {k: v for k, v in self._cache.items() if k[0] != pvname}

    def set_style(self, pvname: str, color: str, visible: bool, axis_id: str) -> None:
        row = self._rows[pvname]
        self._updating = True
        item = self.item(row, PV)
        pixmap = QPixmap(14, 14)
        pixmap.fill(QColor(color))
        item.setIcon(QIcon(pixmap))
        item.setCheckState(Qt.Checked if visible else Qt.Unchecked)
        self.item(row, AXIS).setText(axis_id)
        self._updating = False

    def set_cell(self, pvname: str, column: int, text: str, fg: str = "", bg: str = "") -> None:
        """Rewrite a cell only if what it shows changed."""
        row = self._rows.get(pvname)
        if row is None:
            return
        key = (pvname, column)
        shown = (text, fg, bg)
        if self._cache.get(key) == shown:
            return
        self._cache[key] = shown
        item = self.item(row, column)
        self._updating = True
        item.setText(text)
        item.setForeground(QBrush(QColor(fg or look_color("text"))))
        item.setBackground(QBrush(QColor(bg)) if bg else QBrush())
        self._updating = False

    def set_alarm(self, pvname: str, text: str, severity: Severity | None, *,
                  colors: bool = True) -> None:
        """The alarm badge; plain text when ``colors`` is off (``alarmSensitive``)."""
        if colors or severity is None:
            fg, bg = badge_colors(severity)
        else:
            fg, bg = "", ""
        self.set_cell(pvname, ALARM, text, fg, bg)

    def set_value(self, pvname: str, text: str, severity: Severity | None, *,
                  colors: bool = True) -> None:
        """The live value, in its alarm colour unless ``colors`` is off (grey without a
        severity: disconnected, or nothing to plot)."""
        fg = text_color(severity) if colors or severity is None else ""
        self.set_cell(pvname, VALUE, text, fg)

    def restyle(self) -> None:
        """Forget what the cells show, so the next update rewrites them (a new look)."""
        self._cache.clear()

    def text(self, pvname: str, column: int) -> str:
        row = self._rows.get(pvname)
        return "" if row is None else self.item(row, column).text()

    def set_cursor_header(self, text: str) -> None:
        self.horizontalHeaderItem(CURSOR).setText(text)

    # -- events ----------------------------------------------------------------
    def _name_at_row(self, row: int) -> str | None:
        for name, r in self._rows.items():
            if r == row:
                return name
        return None

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating or item.column() != PV:
            return
        name = self._name_at_row(item.row())
        if name is not None:
            self.visibility_toggled.emit(name, item.checkState() == Qt.Checked)

    def pvname_at(self, pos: QPoint) -> str:
        """The PV of the row at ``pos`` (viewport coordinates), "" below the last row."""
        return self._name_at_row(self.rowAt(pos.y())) or ""

    def _on_context_menu_requested(self, pos: QPoint) -> None:
        name = self._name_at_row(self.rowAt(pos.y()))
        if name is not None:
            self.menu_requested.emit(name, self.viewport().mapToGlobal(pos))

    def _on_cell_double_clicked(self, row: int, _column: int) -> None:
        name = self._name_at_row(row)
        if name is not None:
            self.activated.emit(name)

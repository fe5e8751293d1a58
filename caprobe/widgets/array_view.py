"""``ArrayView``: a waveform PV as a compact live plot and a scrollable table.

The table reads values straight from the current numpy array through a
model, so a million-element waveform costs no per-element widgets; the
plot is peak-downsampled to its pixel width and redrawn at most at
``REDRAW_HZ`` while visible, however fast the PV updates.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PyQt5.QtWidgets import QHeaderView, QLabel, QSplitter, QTableView, QVBoxLayout, QWidget

from caprobe.model import Reading
from caprobe.model.format import format_number
from caprobe.widgets.look import look_color, look_notifier, plot_item_axes, style_plot

REDRAW_HZ = 10


class _ArrayModel(QAbstractTableModel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._values: np.ndarray = np.empty(0)
        self._field_type: Any = None
        self._mode, self._precision = "default", None

    def set_values(self, values: np.ndarray, field_type: Any, mode: str,
                   precision: Optional[int]) -> None:
        same_shape = values.size == self._values.size
        self._field_type, self._mode, self._precision = field_type, mode, precision
        if same_shape:
            self._values = values
            if values.size:  # repaints only the visible cells
                self.dataChanged.emit(self.index(0, 0), self.index(values.size - 1, 0))
        else:
            self.beginResetModel()
            self._values = values
            self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else int(self._values.size)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 1

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        if role == Qt.DisplayRole and index.isValid():
            return format_number(self._values[index.row()], self._field_type, self._mode,
                                 self._precision)
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.DisplayRole) -> Any:
        if role != Qt.DisplayRole:
            return None
        return "value" if orientation == Qt.Horizontal else str(section)


class ArrayView(QWidget):
    """Plot and table of one array reading; call :meth:`show_reading`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count_label = QLabel(self)
        self.plot = pg.PlotWidget(self)
        self.plot.setMinimumHeight(200)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setMenuEnabled(False)
        self.curve = self.plot.plot()
        # On the plot item: addItem resets the curve's own settings (see WaveformPlot).
        self.plot.getPlotItem().setDownsampling(auto=True, mode="peak")
        self.plot.getPlotItem().setClipToView(True)
        self.model = _ArrayModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setMinimumWidth(140)
        splitter = QSplitter(Qt.Horizontal, self)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.count_label)
        layout.addWidget(splitter, 1)
        self._pending: Optional[np.ndarray] = None
        self._connected = True
        self._redraw = QTimer(self)
        self._redraw.setInterval(1000 // REDRAW_HZ)
        self._redraw.timeout.connect(self._on_redraw_timeout)
        self._on_look_changed()
        look_notifier().changed.connect(self._on_look_changed)

    def show_reading(self, reading: Reading, mode: str = "default",
                     precision: Optional[int] = None) -> None:
        values = np.atleast_1d(np.asarray(reading.value))
        meta = reading.metadata
        self.count_label.setText(f"{values.size} of {meta.element_count} elements"
                                 + (f"  ·  {meta.units}" if meta.units else ""))
        self.model.set_values(values, meta.field_type, mode,
                              meta.precision if precision is None else precision)
        self._pending = values
        if not self._redraw.isActive():
            self._redraw.start()

    def set_connected(self, connected: bool) -> None:
        if connected == self._connected:
            return
        self._connected = connected
        self._set_curve_pen()

    def _set_curve_pen(self) -> None:
        connected = self._connected
        self.curve.setPen(pg.mkPen(look_color("curve" if connected else "curve_off"), width=1.5,
                                   style=Qt.SolidLine if connected else Qt.DashLine))

    def _on_look_changed(self, _dark: bool = False) -> None:
        style_plot(self.plot, plot_item_axes(self.plot.getPlotItem()))
        self._set_curve_pen()

    def plotted(self) -> tuple[np.ndarray, np.ndarray]:
        """What the plot currently holds (x, y), before any downsampling for display."""
        x, y = self.curve.xData, self.curve.yData
        return (np.empty(0) if x is None else x), (np.empty(0) if y is None else y)

    def flush(self) -> None:
        """Draw a pending update now (screenshots, tests)."""
        self._on_redraw_timeout(force=True)

    def _on_redraw_timeout(self, force: bool = False) -> None:
        if self._pending is None:
            self._redraw.stop()  # nothing new: stop ticking until the next update
            return
        if not (force or self.isVisible()):
            return
        values, self._pending = self._pending, None
        try:
            y = values.astype(float)
        except (TypeError, ValueError):
            return  # e.g. an array of strings: the table is the view
        self.curve.setData(np.arange(y.size, dtype=float), y)

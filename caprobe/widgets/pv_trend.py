"""``PVMiniTrend``: a small live trend of one PV for panels (no controls, no legend).

It keeps the last samples in a ``RingBuffer`` and draws them as the strip
chart does (staircase, peak columns, gaps at disconnects), at 2 Hz; the
full strip chart is one right-click away ("Add to strip chart").
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QSize, QTimer, pyqtProperty
from PyQt5.QtWidgets import QVBoxLayout, QWidget

from caprobe.bridge import Channel
from caprobe.model import Reading, SampleBatch
from caprobe.model.peak_columns import PeakColumns
from caprobe.model.ring_buffer import RingBuffer
from caprobe.widgets.look import look_color, look_notifier
from caprobe.widgets.pv_display import split_pv_args
from caprobe.widgets.pv_widget import PVWidgetMixin

REDRAW_HZ = 2.0


class PVMiniTrend(PVWidgetMixin, QWidget):
    """The PV's value over the last ``span`` seconds, as a small staircase plot."""

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None,
                 span: float = 120.0, capacity: int = 5000) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        self._span = float(span)
        self.buffer = RingBuffer(capacity)
        self._peaks = PeakColumns()
        self.plot = pg.PlotWidget(background=look_color("plot_bg"), enableMenu=False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.getPlotItem().hideAxis("bottom")
        self.plot.getPlotItem().hideAxis("left")  # a sparkline: the value is beside it
        self.plot.getPlotItem().setContentsMargins(0, 2, 2, 2)
        self.plot.setMinimumHeight(40)
        self.plot.setMaximumHeight(60)
        self.curve = self.plot.plot(pen=pg.mkPen(look_color("curve"), width=1),
                                    connect="finite")
        look_notifier().changed.connect(self._on_look_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / REDRAW_HZ))
        self._timer.timeout.connect(self.redraw)
        self._timer.start()
        self._pv_init(pvname, hub)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(220, 70)

    def _on_look_changed(self, _dark: bool) -> None:
        self.plot.setBackground(look_color("plot_bg"))
        self.curve.setPen(pg.mkPen(look_color("curve"), width=1))

    def pv_channel_changed(self, channel: Channel | None) -> None:
        self.buffer.clear()
        self._peaks = PeakColumns()
        if channel is not None:
            channel.samples_arrived.connect(self._on_samples)
            channel.connection_changed.connect(self._on_connection)

    def _on_samples(self, batch: SampleBatch) -> None:
        values = batch.values()
        if values.ndim != 1:  # arrays are not trended
            return
        self.buffer.extend(batch.timestamps(), values)

    def _on_connection(self, connected: bool) -> None:
        if not connected and len(self.buffer):
            self.buffer.append(time.time(), math.nan)  # a gap, not a line

    def pv_show(self, reading: Reading) -> None:
        if not len(self.buffer) and np.ndim(reading.value) == 0:
            try:
                self.buffer.append(reading.timestamp, float(reading.value))
            except (TypeError, ValueError):
                pass

    def redraw(self) -> None:
        if not self.isVisible():
            return
        now = time.time()
        width = max(20, self.plot.width())
        trace = self._peaks.trace(self.buffer, now - self._span, now, width,
                                  end=now if self.pv_connected() else None)
        self.curve.setData(trace.x, trace.y, connect="finite")
        self.plot.setXRange(now - self._span, now, padding=0)

    def drawn_points(self) -> int:
        x, _y = self.curve.getData()
        return 0 if x is None else len(x)

    def _get_span(self) -> float:
        return self._span

    def _set_span(self, seconds: float) -> None:
        self._span = max(1.0, float(seconds))
        self._peaks = PeakColumns()

    setSpan = _set_span  # for uic
    span = pyqtProperty(float, _get_span, _set_span)

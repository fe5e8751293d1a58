"""``StripCurve``: one PV of a strip chart: its channel, history and drawn item.

Threads: GUI thread only. Samples arrive from the hub's frame drain as one
``SampleBatch`` per frame; they go straight into the curve's preallocated
``RingBuffer`` (a few slice assignments per frame, however many samples).
"""
from __future__ import annotations

import logging
import math
import time

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QObject, pyqtSignal

from caprobe.model import FieldType, Reading, SampleBatch, Severity
from caprobe.model.peak_columns import PeakColumns
from caprobe.model.ring_buffer import DISCONNECTED, DISCONNECTED_STATUS, RingBuffer, status_code
from caprobe.model.trace import Trace

log = logging.getLogger(__name__)


class TraceItem(pg.PlotCurveItem):
    """A plot curve that is told its bounds instead of searching its data for them.

    The view asks every curve for its bounds at least twice per redraw;
    pyqtgraph would scan the points each time (a millisecond per frame
    for 20 curves), yet the trace already knows its time span and value
    range.
    """

    def __init__(self) -> None:
        super().__init__(connect="finite", antialias=False)
        self._bounds: tuple[tuple[float, float] | tuple[None, None], ...] = ((None, None),) * 2

    def show_trace(self, trace: Trace) -> None:
        if len(trace.x):
            ys = (trace.lo, trace.hi) if math.isfinite(trace.lo) else (None, None)
            self._bounds = ((float(trace.x[0]), float(trace.x[-1])), ys)
        else:
            self._bounds = ((None, None), (None, None))
        self.setData(trace.x, trace.y, connect="finite")

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802 (pyqtgraph API)
        if frac >= 1.0 and orthoRange is None and ax in (0, 1):
            return self._bounds[ax]
        return super().dataBounds(ax, frac, orthoRange)


class StripCurve(QObject):
    """History and drawing state of one PV on a strip chart.

    Signals
    -------
    changed()
        New samples, a connection change or metadata: the chart should redraw.
    """

    changed = pyqtSignal()

    def __init__(self, hub, pvname: str, color: str, width: int, axis_id: str,
                 capacity: int, parent: QObject) -> None:
        super().__init__(parent)
        self.pvname = pvname
        self.color = color
        self.width = width
        self.axis_id = axis_id
        self.visible = True
        self.buffer = RingBuffer(capacity)
        self.dropped = 0  # samples the hub had to drop (GUI thread fell behind)
        self.peaks = PeakColumns()  # the drawn reduction, kept between redraws
        self.trace: Trace | None = None
        self.not_plottable = ""  # why this PV cannot be drawn (string, array)
        self.is_array = False
        self.item = TraceItem()
        self.item.setZValue(10)
        self.restyle()
        self._awaiting_first = True
        self._reconnected_at: float | None = None
        self.channel = hub.channel(pvname, parent=self)
        self.channel.samples_arrived.connect(self._on_channel_samples_arrived)
        self.channel.reading_changed.connect(self._on_channel_reading_changed)
        self.channel.connection_changed.connect(self._on_channel_connection_changed)

    # -- state for the legend and the readout --------------------------------
    @property
    def reading(self) -> Reading | None:
        return self.channel.reading

    @property
    def connected(self) -> bool:
        return self.channel.connected

    def restyle(self) -> None:
        self.item.setPen(pg.mkPen(self.color, width=self.width))
        self.item.setVisible(self.visible and not self.not_plottable)

    def clear(self) -> None:
        self.buffer.clear()
        self.peaks = PeakColumns()
        self.trace = None
        self._awaiting_first = True
        self.changed.emit()

    def close(self) -> None:
        self.channel.close()
        scene_parent = self.item.getViewBox()
        if scene_parent is not None:
            scene_parent.removeItem(self.item)

    # -- ingest --------------------------------------------------------------
    def _on_channel_samples_arrived(self, batch: SampleBatch) -> None:
        if batch.dropped:
            self.dropped += batch.dropped
        if not batch.readings:
            return
        if not self._plottable(batch.readings[-1]):
            return
        t = batch.timestamps()
        if self._reconnected_at is not None:
            # The first value after a reconnect often carries the server's
            # old time stamp (the record did not process meanwhile). Drawn
            # there, it would erase the gap; it is known to hold from the
            # moment of reconnection.
            last = self.buffer.last_time()
            if last is not None and t[0] < last:
                t[0] = max(self._reconnected_at, last)
            self._reconnected_at = None
        severities = np.fromiter((int(r.severity) for r in batch.readings), dtype=np.int8,
                                 count=len(batch))
        statuses = np.fromiter((status_code(r.status) for r in batch.readings), dtype=np.uint8,
                               count=len(batch))
        self.buffer.extend(t, batch.values(), severities, statuses)
        self._awaiting_first = False
        self.changed.emit()

    def _on_channel_reading_changed(self, reading: Reading) -> None:
        # A chart joining a PV that another widget already shows is greeted
        # with the current reading only (no sample batch): record it, so a
        # quiet PV is drawn from the start.
        if self._awaiting_first and self._plottable(reading):
            self._awaiting_first = False
            self.buffer.append(reading.timestamp, _as_float(reading.value),
                               int(reading.severity), status_code(reading.status))
        self.changed.emit()

    def _on_channel_connection_changed(self, connected: bool) -> None:
        now = time.time()
        if not connected:
            if len(self.buffer):
                # A NaN marker ends the last step here: the disconnect is a gap.
                self.buffer.append(now, math.nan, DISCONNECTED, DISCONNECTED_STATUS)
        else:
            self._reconnected_at = now
            self._awaiting_first = not len(self.buffer)
        self.changed.emit()

    def _plottable(self, reading: Reading) -> bool:
        meta = reading.metadata
        reason = ""
        if meta.field_type == FieldType.STRING:
            reason = "string PV: not plotted"
        elif meta.element_count > 1 or np.ndim(reading.value) > 0:
            reason = f"array of {meta.element_count}: open it in a waveform view"
        self.is_array = reason.startswith("array")
        if reason != self.not_plottable:
            if reason:
                log.warning("strip chart: %s is not plotted (%s)", self.pvname, reason)
            self.not_plottable = reason
            self.restyle()
        return not reason

    # -- values for the legend -------------------------------------------------
    def severity(self) -> Severity | None:
        reading = self.reading
        return None if reading is None or not self.connected else reading.severity


def _as_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


"""The tools under test, behind one small interface: caprobe (either CA
backend) and PyDM (its default pyepics plugin).

Each tool builds the widgets a scenario needs and reports every value that
reaches a widget's slot to a ``Recorder``, which measures how old the value
is at that moment (from the value itself: see ``load_softioc.py``). The
hook sits right after the widget's own slot, so a value is counted once
the widget has taken it:

* caprobe: a slot connected to the widget's ``Channel`` signal after the
  widget's own (Qt calls slots in connection order, in the same emit);
* PyDM: subclasses whose ``value_changed``/``connection_changed`` call the
  widget's own and then report (labels); the curve's ``data_changed``,
  emitted once a value has been stored (plots).
"""
from __future__ import annotations

import functools
import time

from load_probes import Histogram, value_age


class Recorder:
    """Every value delivered to a widget: counts, first arrivals, ages, final values."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.delivered = 0
        self.valued = 0
        self.connected = 0
        self.first_value_at: list[float | None] = [None] * count
        self.connected_at: list[float | None] = [None] * count
        self.measuring = False
        self.latency = Histogram()  # from the value: same method for every tool
        self.server_ts_latency = Histogram()  # from the CA time stamp (caprobe only)
        self.finals = 0
        self.final_seen = bytearray(count)
        self.first_final_at: float | None = None
        self.last_final_at: float | None = None
        self.on_first_final = None  # called once, when the first final value arrives

    def start_window(self) -> None:
        self.latency = Histogram()
        self.server_ts_latency = Histogram()
        self.measuring = True

    def value(self, index: int, value: float, now: float, server_ts: float | None = None) -> None:
        self.delivered += 1
        if value < 0.0:  # the IOC's final value for this PV: -1 - index
            self._final(index, now)
            return
        if self.first_value_at[index] is None:
            self.first_value_at[index] = now
            self.valued += 1
        if self.measuring:
            self.latency.add(value_age(value, index, now))
            if server_ts is not None:
                self.server_ts_latency.add(now - server_ts)

    def connection(self, index: int, connected: bool, now: float) -> None:
        if connected and self.connected_at[index] is None:
            self.connected_at[index] = now
            self.connected += 1

    def _final(self, index: int, now: float) -> None:
        if self.final_seen[index]:
            return
        self.final_seen[index] = 1
        self.finals += 1
        if self.first_final_at is None:
            self.first_final_at = now
            if self.on_first_final is not None:
                self.on_first_final()
        self.last_final_at = now


# =============================================================================
# caprobe
# =============================================================================
class CaprobeTool:
    def __init__(self, backend: str, recorder: Recorder) -> None:
        from caprobe.bridge.hub import ChannelHub

        self.name = f"caprobe-{backend}"
        self.recorder = recorder
        self.hub = ChannelHub(backend)
        self.channels = []
        self.chart = None

    # -- widgets -------------------------------------------------------------
    def build_labels(self, names: list[str]) -> list:
        from caprobe.widgets import PVLabel

        labels = []
        for index, name in enumerate(names):
            label = PVLabel(name, hub=self.hub)
            self._watch(index, label.channel)
            labels.append(label)
        return labels

    def build_strip(self, names: list[str], span: float, capacity: int, redraw_hz: float):
        from caprobe.widgets import StripChart

        self.chart = StripChart(hub=self.hub, capacity=capacity, redraw_hz=redraw_hz, span=span)
        self.chart.add_pvs(names)
        for index, channel in enumerate(self.chart.channels()):
            self.channels.append(channel)
            channel.samples_arrived.connect(functools.partial(self._on_batch, index))
            channel.connection_changed.connect(functools.partial(self._on_connection, index))
        return self.chart

    def build_waveform(self, name: str):
        from caprobe.widgets import WaveformPlot

        plot = WaveformPlot(name, hub=self.hub)
        channel = plot.channel
        self.channels.append(channel)
        channel.reading_changed.connect(self._on_waveform)
        channel.connection_changed.connect(functools.partial(self._on_connection, 0))
        return plot

    def style_window(self, window) -> None:
        """caprobe widgets style themselves; nothing to add."""

    def _watch(self, index: int, channel) -> None:
        self.channels.append(channel)
        channel.reading_changed.connect(functools.partial(self._on_reading, index))
        channel.connection_changed.connect(functools.partial(self._on_connection, index))

    # -- slots (after the widget's own) --------------------------------------
    def _on_reading(self, index: int, reading) -> None:
        self.recorder.value(index, reading.value, time.time(), reading.timestamp)

    def _on_batch(self, index: int, batch) -> None:
        now = time.time()
        for reading in batch.readings:
            self.recorder.value(index, reading.value, now, reading.timestamp)

    def _on_waveform(self, reading) -> None:
        self.recorder.value(0, float(reading.value[0]), time.time(), reading.timestamp)

    def _on_connection(self, index: int, connected: bool) -> None:
        self.recorder.connection(index, connected, time.time())

    # -- figures -------------------------------------------------------------
    def received(self) -> int:
        """Updates the hub received from the CA library (coalesced ones included)."""
        return sum(channel.update_count for channel in self.channels)

    def dropped(self) -> int:
        return sum(channel.dropped_samples for channel in self.channels)

    def redraws(self) -> int | None:
        return self.chart.redraw_count if self.chart is not None else None

    def gauges(self) -> dict:
        """Backlogs, safe to read from the sampler thread."""
        gauges = {"hub_pending_pvs": self.hub.pending_deliveries}
        backlog = getattr(self.hub.backend, "backlog", None)
        if backlog is not None:
            gauges["caproto_callback_backlog"] = backlog
        return gauges

    def info(self) -> dict:
        info = {"backend": self.hub.describe(), "hub_frames": self.hub.frames,
                "samples_dropped": self.dropped()}
        if self.chart is not None:
            info.update({"redraw_hz": self.chart.redraw_rate(), "span_s": self.chart.time_span()})
        return info


# =============================================================================
# PyDM
# =============================================================================
@functools.lru_cache(maxsize=1)
def _timed_pydm_label_class():
    from pydm.widgets.label import PyDMLabel

    class TimedPyDMLabel(PyDMLabel):
        """PyDMLabel that reports each value and connection after handling it."""

        bench_index = -1
        bench_recorder: Recorder | None = None

        def value_changed(self, new_val):
            super().value_changed(new_val)
            if self.bench_recorder is not None:
                self.bench_recorder.value(self.bench_index, float(new_val), time.time())

        def connection_changed(self, connected):
            super().connection_changed(connected)
            if self.bench_recorder is not None:
                self.bench_recorder.connection(self.bench_index, connected, time.time())

    return TimedPyDMLabel


class PydmTool:
    name = "pydm"

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.plot = None
        self._redraw_signals = 0
        self._curves = 0
        self._counting_redraws = False  # the time plot's redraw signal; not the waveform's

    # -- widgets -------------------------------------------------------------
    def build_labels(self, names: list[str]) -> list:
        label_class = _timed_pydm_label_class()
        labels = []
        for index, name in enumerate(names):
            label = label_class(init_channel=f"ca://{name}")
            label.bench_index = index
            label.bench_recorder = self.recorder
            labels.append(label)
        return labels

    def build_strip(self, names: list[str], span: float, capacity: int, redraw_hz: float):
        from pydm.widgets.timeplot import PyDMTimePlot

        self.plot = PyDMTimePlot(plot_by_timestamps=True)
        self.plot.setTimeSpan(span)
        self.plot.setBufferSize(capacity)
        self.plot.setMaxRedrawRate(redraw_hz)
        self.plot.plot_redrawn_signal.connect(self._on_redrawn)
        self._counting_redraws = True
        for index, name in enumerate(names):
            curve = self.plot.addYChannel(y_channel=f"ca://{name}", name=name)
            # OnValueChange mode (the default): data_changed once per value, once stored.
            curve.data_changed.connect(functools.partial(self._on_curve_value, index, curve))
        self._curves = len(names)
        return self.plot

    def build_waveform(self, name: str):
        from pydm.widgets.waveformplot import PyDMWaveformPlot

        self.plot = PyDMWaveformPlot()
        self.plot.addChannel(y_channel=f"ca://{name}", name=name)
        curve = self.plot.curveAtIndex(0)
        curve.data_changed.connect(functools.partial(self._on_waveform, curve))
        self._curves = 1
        return self.plot

    def style_window(self, window) -> None:
        """PyDM's default stylesheet, as its launcher applies it to the main window.

        It carries PyDM's alarm colours and borders; without it the labels
        would paint with the plain style, which no PyDM display does.
        """
        from pydm.utilities.stylesheet import apply_stylesheet

        apply_stylesheet(widget=window)

    # -- slots ---------------------------------------------------------------
    def _on_curve_value(self, index: int, curve) -> None:
        now = time.time()
        self.recorder.connection(index, True, now)
        self.recorder.value(index, float(curve.data_buffer[1, -1]), now)

    def _on_waveform(self, curve) -> None:
        now = time.time()
        self.recorder.connection(0, True, now)
        self.recorder.value(0, float(curve.latest_y[0]), now)

    def _on_redrawn(self, _curve) -> None:
        self._redraw_signals += 1

    # -- figures -------------------------------------------------------------
    def received(self) -> int:
        """PyDM hands every update to the widget (no coalescing): received = delivered."""
        return self.recorder.delivered

    def dropped(self) -> int:
        return 0

    def redraws(self) -> int | None:
        if not self._counting_redraws:
            return None
        return self._redraw_signals // max(1, self._curves)  # the signal comes once per curve

    def gauges(self) -> dict:
        return {}

    def info(self) -> dict:
        from pydm.data_plugins import plugin_for_address

        try:
            plugin = type(plugin_for_address("ca://x")).__name__
        except Exception as exc:  # noqa: BLE001 (recorded, not fatal)
            plugin = f"? ({exc})"
        info = {"data_plugin": plugin}
        if self.plot is not None and hasattr(self.plot, "getTimeSpan"):
            info.update({"redraw_hz": self.plot.maxRedrawRate, "span_s": self.plot.getTimeSpan(),
                         "capacity": self.plot.getBufferSize()})
        return info


def make_tool(name: str, recorder: Recorder):
    if name == "pydm":
        return PydmTool(recorder)
    return CaprobeTool(name.split("-", 1)[1], recorder)

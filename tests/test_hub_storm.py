"""The hub under a storm: real threads posting far faster than any display."""
from __future__ import annotations

import gc
import time

import pytest
from PyQt5.QtCore import QElapsedTimer, QTimer
from PyQt5.QtWidgets import QLabel

from caprobe import ChannelHub
from tests.fake_backend import StormBackend


class Heartbeat:
    """A 10 ms GUI timer that records the longest gap between its ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.clock = QElapsedTimer()
        self.worst_ms = 0
        self.ticks = 0
        self.timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def _on_tick(self) -> None:
        self.worst_ms = max(self.worst_ms, self.clock.restart())
        self.ticks += 1

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture
def storm_hub(qapp):
    backend = StormBackend()
    hub = ChannelHub(backend, history_limit=2000)
    yield hub, backend
    hub.close()


def test_gui_stays_responsive_and_latest_value_wins(qtbot, storm_hub):
    hub, backend = storm_hub
    names = [f"storm:{i}" for i in range(500)]
    labels = []
    for name in names:
        label = QLabel()
        channel = hub.channel(name, parent=label)
        channel.reading_changed.connect(_LabelSetter(label))
        labels.append((label, channel))
    heartbeat = Heartbeat()
    heartbeat.start()
    backend.storm(names, threads=4, seconds=3.0)
    qtbot.waitUntil(lambda: all(not t.is_alive() for t in backend._threads), timeout=15_000)
    backend.join()
    # Latest value wins: within a few frames every channel shows the last
    # value any thread posted for it.
    qtbot.waitUntil(lambda: all(ch.reading is not None and
                                ch.reading.value == backend.last_posted[ch.pvname]
                                for _, ch in labels), timeout=5_000)
    heartbeat.stop()
    assert backend.posted > 50_000, "the storm was not a storm"
    assert heartbeat.ticks > 100
    # A naive one-signal-per-update design stalls for seconds here.
    assert heartbeat.worst_ms < 250, f"GUI stalled {heartbeat.worst_ms} ms"
    assert hub.pending_deliveries() == 0


class _LabelSetter:
    """Bound-method-like slot holder (a plain object with __call__)."""

    def __init__(self, label: QLabel) -> None:
        self.label = label

    def __call__(self, reading) -> None:
        self.label.setText(reading.format())


def test_history_is_bounded_and_overflow_counted(qtbot, storm_hub):
    hub, backend = storm_hub
    channel = hub.channel("storm:plot")
    batches = []
    channel.samples_arrived.connect(batches.append)
    qtbot.waitUntil(lambda: channel.connected, timeout=2_000)
    backend.storm(["storm:plot"], threads=2, seconds=1.0)
    # Hold the GUI thread busy (as a heavy redraw would) while the storm runs,
    # so the inbox must hold far more than its bound.
    end = time.monotonic() + 1.2
    while time.monotonic() < end:
        pass
    backend.join()
    qtbot.waitUntil(lambda: hub.pending_deliveries() == 0 and bool(batches), timeout=5_000)
    total = sum(len(b) for b in batches)
    dropped = sum(b.dropped for b in batches)
    assert max(len(b) for b in batches) <= 2000  # the bound held
    assert dropped > 0 and channel.dropped_samples == dropped  # and loss is counted
    assert total + dropped == backend.posted  # nothing lost silently
    values = [r.value for b in batches for r in b.readings]
    assert values == sorted(values)  # survivors are in order


def test_post_from_gui_thread_is_safe(qtbot, storm_hub):
    hub, backend = storm_hub
    channel = hub.channel("storm:gui")
    qtbot.waitUntil(lambda: channel.connected, timeout=2_000)
    backend.subs["storm:gui"].listener._ca_value(7, time.time(), 2, 3)
    qtbot.waitUntil(lambda: channel.reading is not None and channel.reading.value == 7,
                    timeout=2_000)
    assert channel.reading.severity.name == "MAJOR" and channel.reading.status == "HIHI"


def test_widgets_created_and_deleted_during_storm(qtbot, storm_hub):
    hub, backend = storm_hub
    names = [f"storm:{i}" for i in range(50)]
    keep = hub.channel("storm:0")  # one PV stays subscribed throughout
    backend.storm(names, threads=2, seconds=2.0)
    received = {"n": 0}

    def count(_reading):
        received["n"] += 1

    for round_ in range(10):
        labels = [QLabel() for _ in range(50)]
        for label, name in zip(labels, names):
            hub.channel(name, parent=label).reading_changed.connect(_LabelSetter(label))
        qtbot.wait(20)
        for label in labels:
            label.deleteLater()
        del labels
    backend.join()
    qtbot.waitUntil(lambda: hub.subscription_count() == 1, timeout=5_000)
    assert backend.subscription_count() == 1
    keep.close()
    gc.collect()
    assert hub.subscription_count() == 0 and backend.subscription_count() == 0

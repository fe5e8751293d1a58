"""Cyclic garbage is collected on the GUI thread, never on a CA thread.

A collection that starts on a backend thread can delete Qt objects there
while the GUI thread paints them (CI saw it as a segfault in a paint of a
deleted pyqtgraph AxisItem). The hub moves collection to the GUI thread.
"""
from __future__ import annotations

import gc
import threading

from caprobe import ChannelHub
from caprobe.bridge.gui_gc import gui_thread_gc_installed
from tests.fake_backend import StormBackend


class _Cycle:
    """A reference cycle that records the thread its finalizer ran on."""

    def __init__(self, record: list[str]) -> None:
        self.me = self
        self.record = record

    def __del__(self) -> None:
        self.record.append(threading.current_thread().name)


def test_cycles_are_collected_on_the_gui_thread_only(qtbot):
    hub = ChannelHub(StormBackend())
    try:
        assert gui_thread_gc_installed()
        finalized_on: list[str] = []
        kept: list[list[int]] = []

        def make_garbage_and_allocate() -> None:
            # Garbage made on a worker thread, then far more live
            # allocations than the gen-0 threshold: with automatic
            # collection on, it would certainly run here, on this thread.
            for _ in range(200):
                _Cycle(finalized_on)
            kept.extend([i] for i in range(20 * gc.get_threshold()[0]))

        worker = threading.Thread(target=make_garbage_and_allocate, name="ca-like-worker")
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive()
        assert finalized_on == []  # nothing collected on the worker
        # The GUI thread's timer collects them.
        qtbot.waitUntil(lambda: len(finalized_on) == 200, timeout=10_000)
        assert set(finalized_on) == {threading.main_thread().name}
        kept.clear()
    finally:
        hub.close()


def test_full_collections_freeze_survivors_and_thorough_ones_reclaim_frozen_cycles(qtbot):
    """Full collections walk only what was promoted since the last one (the
    survivors are frozen); a thorough one unfreezes first, so a cycle that
    became garbage while frozen is still reclaimed, on the GUI thread."""
    from caprobe.bridge import gui_gc

    hub = ChannelHub(StormBackend())
    try:
        collector = gui_gc._installed
        assert collector is not None
        finalized_on: list[str] = []
        survivor = _Cycle(finalized_on)  # alive at the full collection: frozen
        collector.full_collection()
        assert gc.get_freeze_count() > 0
        frozen_before = gc.get_freeze_count()
        del survivor  # now cyclic garbage, but frozen: an ordinary collection misses it
        gc.collect(2)
        assert finalized_on == []
        collector.full_collection()
        assert finalized_on == [] and gc.get_freeze_count() >= frozen_before
        thorough = collector.thorough_collections
        collector.full_collection(thorough=True)
        assert finalized_on == [threading.main_thread().name]
        assert collector.thorough_collections == thorough + 1
    finally:
        hub.close()
    # Closing the last hub's application is not part of this test; the
    # collector restores automatic collection (and unfreezes) on uninstall.

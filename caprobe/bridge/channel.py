"""``Channel``: a widget's handle on one PV, with Qt signals.

Threads: GUI thread only. Signals are emitted by the hub's frame drain,
which runs on the GUI thread, so every slot runs there too.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PyQt5.QtCore import QMetaMethod, QObject, pyqtSignal

from caprobe.ca import DEFAULT_PUT_TIMEOUT
from caprobe.model import ChannelInfo, ConnectionState, Metadata, Reading

if TYPE_CHECKING:
    from caprobe.bridge.hub import ChannelHub, _PVEntry

#: After this many seconds of searching, a PV is reported as not found.
NOT_FOUND_AFTER = 3.0


class Channel(QObject):
    """Live view of one PV for one consumer.

    Signals
    -------
    reading_changed(Reading)
        The latest reading, at most once per frame (coalesced).
    samples_arrived(SampleBatch)
        Every reading since the last frame, oldest first; ``dropped`` says
        how many were lost if the GUI thread fell far behind.
    connection_changed(bool)
        Every transition, in order, even several within one frame.
    access_changed(bool, bool)
        Read and write access, when access security changes them.
    put_finished(bool, str)
        The outcome of a ``put`` from this channel, with a message for
        the operator.
    """

    reading_changed = pyqtSignal(object)
    samples_arrived = pyqtSignal(object)
    connection_changed = pyqtSignal(bool)
    access_changed = pyqtSignal(bool, bool)
    put_finished = pyqtSignal(bool, str)

    def __init__(self, hub: ChannelHub, entry: _PVEntry, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._entry: _PVEntry | None = entry
        self._pvname = entry.pvname
        self.setObjectName(f"Channel[{entry.pvname}]")

    # -- state -------------------------------------------------------------
    @property
    def pvname(self) -> str:
        return self._pvname

    @property
    def hub(self) -> ChannelHub:
        return self._hub

    @property
    def connected(self) -> bool:
        return self._entry is not None and self._entry.state == ConnectionState.CONNECTED

    @property
    def state(self) -> ConnectionState:
        return ConnectionState.CLOSED if self._entry is None else self._entry.state

    @property
    def reading(self) -> Reading | None:
        return None if self._entry is None else self._entry.reading

    @property
    def metadata(self) -> Metadata:
        return Metadata() if self._entry is None else self._entry.metadata

    @property
    def info(self) -> ChannelInfo | None:
        """Host, native type, element count and access; None until connected."""
        return None if self._entry is None else self._entry.info

    @property
    def dropped_samples(self) -> int:
        """Samples lost for this PV because the GUI thread fell behind."""
        return 0 if self._entry is None else self._entry.dropped_total

    @property
    def update_count(self) -> int:
        """Monitor updates received for this PV since it was subscribed.

        Counts every update, including those coalesced away within a frame,
        so a rate computed from it is the server's rate, not the frame rate.
        """
        return 0 if self._entry is None else self._entry.update_count

    def seconds_in_state(self) -> float:
        """Time since the last connect/disconnect (or since searching began)."""
        if self._entry is None:
            return 0.0
        return time.monotonic() - self._entry.state_since

    def status_text(self) -> str:
        """Connection state in words, as the probe and tooltips show it."""
        state, seconds = self.state, self.seconds_in_state()
        if state == ConnectionState.SEARCHING:
            if seconds >= NOT_FOUND_AFTER:
                return f"searching… not found after {seconds:.0f} s"
            return "searching…"
        if state == ConnectionState.CONNECTED:
            return f"connected for {_duration(seconds)}"
        if state == ConnectionState.DISCONNECTED:
            # CA cannot tell a dead IOC from a frozen one (both end in an
            # unanswered echo), so the text names both.
            return f"disconnected for {_duration(seconds)} (IOC down or not responding)"
        return "closed"

    # -- actions -----------------------------------------------------------
    def put(self, value: Any, timeout: float = DEFAULT_PUT_TIMEOUT) -> bool:
        """Write ``value`` without blocking.

        Returns False when the write is refused at once (read-only mode, not
        connected, no write access, a value wrong for the type); the reason
        arrives on ``put_finished`` too. True means it was sent, and the
        outcome will follow on ``put_finished``.
        """
        return self._hub._put(self, value, timeout)

    def close(self) -> None:
        """Stop receiving and release the PV now if no other channel uses it."""
        self._hub._detach(self)

    def release(self) -> None:
        """Close now and delete this object soon (a widget switching to another PV)."""
        self.close()
        self.setParent(None)
        self.deleteLater()

    def connectNotify(self, signal: QMetaMethod) -> None:  # noqa: N802 (Qt override)
        # Sample history costs memory and time per update, so it is kept
        # only for PVs that someone actually plots.
        if self._entry is not None and bytes(signal.name()) == b"samples_arrived":
            self._entry.relay.want_history = True
        super().connectNotify(signal)

    def __repr__(self) -> str:
        return f"<Channel {self._pvname!r} {self.state.name.lower()}>"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
    return f"{seconds // 3600:.0f} h {(seconds % 3600) // 60:.0f} min"

"""Where CA threads leave events for the GUI thread to collect.

Threads
-------
``Relay._ca_*`` and ``Inbox.post_*`` run on CA threads and backend
workers: each takes one lock for a few dict/deque operations and returns,
so a burst of monitors costs a burst of appends, not a burst of Qt events.
``Inbox.pop`` runs on the GUI thread (the hub's frame drain). Nothing here
imports Qt.

Per PV, between two drains, the inbox keeps:

* the latest reading (what value widgets show);
* if anyone plots the PV, every reading in order, bounded by
  ``history_limit``; overflow drops the oldest and is counted;
* connection, access, metadata and put events in arrival order, each
  stamped with how many samples preceded it, so that the drain can replay
  "samples, disconnect, reconnect, samples" in the order it happened.
"""
from __future__ import annotations

import collections
import dataclasses
import threading
from typing import Any

from caprobe.model import ChannelInfo, Metadata, Reading, Severity
from caprobe.model.alarm import AlarmStatus

_SEVERITIES = tuple(Severity)
_STATUS_NAMES = tuple(s.name for s in AlarmStatus)


class Pending:
    """One PV's undelivered events. Mutated only under the inbox lock."""

    __slots__ = ("latest", "samples", "posted", "received", "events", "dropped")

    def __init__(self) -> None:
        self.latest: Reading | None = None
        self.samples: collections.deque[Reading] | None = None
        self.posted = 0  # samples appended to this Pending, kept or dropped
        self.received = 0  # every reading, history or not (update-rate meters)
        self.events: list[tuple[int, tuple[Any, ...]]] = []
        self.dropped = 0


class Inbox:
    """Dirty PVs in the order they first became dirty (fair under load)."""

    def __init__(self, history_limit: int) -> None:
        self.history_limit = history_limit
        self._lock = threading.Lock()
        self._dirty: dict[Relay, Pending] = {}

    def post_reading(self, relay: Relay, reading: Reading) -> None:
        with self._lock:
            pending = self._dirty.get(relay)
            if pending is None:
                pending = self._dirty[relay] = Pending()
            pending.latest = reading
            pending.received += 1
            if relay.want_history:
                samples = pending.samples
                if samples is None:
                    samples = pending.samples = collections.deque(maxlen=self.history_limit)
                elif len(samples) == self.history_limit:
                    pending.dropped += 1
                samples.append(reading)
                pending.posted += 1

    def post_event(self, relay: Relay, event: tuple[Any, ...]) -> None:
        with self._lock:
            pending = self._dirty.get(relay)
            if pending is None:
                pending = self._dirty[relay] = Pending()
            pending.events.append((pending.posted, event))

    def pop(self) -> tuple[Relay, Pending] | None:
        """The PV that has waited longest, with everything it accumulated."""
        with self._lock:
            if not self._dirty:
                return None
            relay = next(iter(self._dirty))
            return relay, self._dirty.pop(relay)

    def __len__(self) -> int:
        with self._lock:
            return len(self._dirty)


class Relay:
    """A backend's listener for one subscription; forwards into the inbox.

    ``active`` is cleared on the GUI thread when the subscription is
    released; events still in flight on CA threads are then dropped here,
    and a later subscription to the same PV gets a new Relay, so nothing
    from the old one can leak into it.
    """

    def __init__(self, pvname: str, inbox: Inbox) -> None:
        self.pvname = pvname
        self.active = True
        self.want_history = False
        self.metadata = Metadata()
        self.owner: Any = None  # the hub's GUI-side record for this PV
        self._inbox = inbox

    def _ca_connection(self, connected: bool, info: ChannelInfo | None) -> None:
        if not self.active:
            return
        if info is not None and (info.field_type, info.element_count) != (
                self.metadata.field_type, self.metadata.element_count):
            # Type and size are known from the channel before the control
            # metadata arrives; readings in between must already be right
            # about them (a char waveform is text from its first update).
            self.metadata = dataclasses.replace(self.metadata, field_type=info.field_type,
                                                element_count=info.element_count)
        self._inbox.post_event(self, ("connection", connected, info, self.metadata))

    def _ca_access(self, read: bool, write: bool) -> None:
        if self.active:
            self._inbox.post_event(self, ("access", read, write))

    def _ca_metadata(self, metadata: Metadata) -> None:
        if self.active:
            self.metadata = metadata
            self._inbox.post_event(self, ("metadata", metadata))

    def _ca_value(self, value: Any, timestamp: float, severity: int, status: int) -> None:
        if not self.active:
            return
        sev = _SEVERITIES[severity] if 0 <= severity < 4 else Severity.INVALID
        name = _STATUS_NAMES[status] if 0 <= status < len(_STATUS_NAMES) else f"STATUS_{status}"
        self._inbox.post_reading(self, Reading(value, timestamp, sev, name, self.metadata))

    def _ca_put_done(self, token: int, ok: bool, message: str) -> None:
        # Delivered even after release: the channel that wrote should
        # still hear how its write ended, if it is alive.
        self._inbox.post_event(self, ("put", token, ok, message))


class PutReply:
    """``on_done`` for one put: routes the outcome back through the relay."""

    __slots__ = ("relay", "token")

    def __init__(self, relay: Relay, token: int) -> None:
        self.relay, self.token = relay, token

    def __call__(self, ok: bool, message: str) -> None:
        self.relay._ca_put_done(self.token, ok, message)

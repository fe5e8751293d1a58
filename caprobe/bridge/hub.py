"""``ChannelHub``: owns a CA backend and delivers its events on the GUI thread.

Threads
-------
* CA threads and backend workers call only the ``Relay`` objects the hub
  hands to the backend; relays write into the ``Inbox`` under its lock and
  never touch a QObject (see ``inbox.py``).
* The GUI thread runs everything in this module: creating and deleting
  channels, puts (which the backend sends from its own worker, so they
  never block), and the frame drain, a ``QTimer`` at ``frame_hz`` that
  empties the inbox and emits ``Channel`` signals. Because drain, creation
  and deletion all happen on one thread, a channel cannot be deleted in the
  middle of its own delivery; the drain skips channels Qt has already
  deleted and prunes them.

One CA subscription exists per PV, however many channels show it. It is
released when the last channel goes: ``Channel.close()``, the channel's
parent being deleted, or a parentless channel being garbage collected.
"""
from __future__ import annotations

import atexit
import dataclasses
import itertools
import logging
import os
import time
import weakref
from typing import Any, Iterator

from PyQt5 import sip
from PyQt5.QtCore import QCoreApplication, QObject, QThread, QTimer

from caprobe.bridge.channel import NOT_FOUND_AFTER, Channel
from caprobe.bridge.gui_gc import install_gui_thread_gc
from caprobe.bridge.inbox import Inbox, Pending, PutReply, Relay
from caprobe.ca import DEFAULT_PUT_TIMEOUT, Backend, Subscription, create_backend
from caprobe.ca.base import client_user_name
from caprobe.model import (
    ChannelInfo,
    ConnectionState,
    Metadata,
    PutRejected,
    Reading,
    SampleBatch,
    coerce_put_value,
)

log = logging.getLogger(__name__)

_read_only = False
#: Weak references: a listener lives as long as whoever keeps it (a window's
#: badge, a module), and the list never holds on to what went away.
_read_only_listeners: list[weakref.ref] = []


def set_read_only(read_only: bool) -> None:
    """Refuse every write in this process (``--read-only``)."""
    global _read_only
    _read_only = bool(read_only)
    log.info("process-wide read-only mode %s", "ON" if _read_only else "off")
    for listener in read_only_listeners():
        listener()


def add_read_only_listener(listener) -> None:
    """Call ``listener()`` (GUI thread) whenever ``set_read_only`` changes the mode.

    Widgets use it to grey out write controls at once. Only a weak reference
    is kept: the caller keeps the listener alive for as long as it should run.
    """
    _read_only_listeners.append(weakref.ref(listener))


def read_only_listeners() -> list:
    """The listeners still alive (the dead ones are forgotten here)."""
    alive = [(ref, ref()) for ref in _read_only_listeners]
    _read_only_listeners[:] = [ref for ref, listener in alive if listener is not None]
    return [listener for _ref, listener in alive if listener is not None]


def is_read_only() -> bool:
    return _read_only


def client_identity() -> str:
    """The user@host this process identifies as to IOCs (access security keys on it).

    The user is what the backends really send (``client_user_name``: the
    login account, not ``$USER``), so the name shown is the name the IOC sees.
    """
    import socket

    try:
        user = client_user_name()
    except Exception:
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


class _PVEntry:
    """GUI-side state of one subscribed PV and the channels that show it."""

    def __init__(self, pvname: str, relay: Relay) -> None:
        self.pvname = pvname
        self.relay = relay
        self.subscription: Subscription | None = None
        self.channels: list[weakref.ref[Channel]] = []
        self.newcomers: list[weakref.ref[Channel]] = []
        self.state = ConnectionState.SEARCHING
        self.state_since = time.monotonic()
        self.reading: Reading | None = None
        self.metadata = Metadata()
        self.info: ChannelInfo | None = None
        self.dropped_total = 0
        self.update_count = 0
        self.puts: dict[int, weakref.ref[Channel]] = {}
        self.not_found_logged = False

    def live_channels(self) -> list[Channel]:
        alive = []
        for ref in self.channels:
            channel = ref()
            if channel is not None and not sip.isdeleted(channel):
                alive.append(channel)
        return alive


class ChannelHub(QObject):
    """Gives out ``Channel`` objects and keeps one CA subscription per PV.

    Parameters
    ----------
    backend : str or Backend, optional
        ``"pyepics"``, ``"caproto"`` or ``"auto"``; default from
        ``CAPROBE_BACKEND``, else auto. A ``Backend`` instance is used as is.
    frame_hz : float
        How often events are delivered to the GUI (default 30).
    history_limit : int
        Samples kept per PV between two frames for plots; beyond this the
        oldest are dropped and counted.
    drain_budget_ms : float
        Longest time one frame may spend delivering; what is left waits for
        the next frame (latest values still win), so the GUI never freezes.
    gui_thread_gc : bool
        Run Python's cycle collector on the GUI thread only (default True,
        installed once per process; see ``caprobe.bridge.gui_gc`` for why).
        Pass False only if the host application already does this.

    Threads: GUI thread only, except that the backend calls relays.
    """

    def __init__(self, backend: str | Backend | None = None, parent: QObject | None = None, *,
                 frame_hz: float = 30.0, history_limit: int = 5000,
                 drain_budget_ms: float = 12.0, gui_thread_gc: bool = True) -> None:
        super().__init__(parent)
        if gui_thread_gc:
            # Before any CA thread exists: a collection on a CA thread could
            # delete Qt objects there.
            install_gui_thread_gc()
        self._backend = backend if isinstance(backend, Backend) else create_backend(backend)
        self._inbox = Inbox(history_limit)
        self._entries: dict[str, _PVEntry] = {}
        self._put_tokens = itertools.count(1)
        self._budget = drain_budget_ms / 1000.0
        self._prune_needed = False
        self._closed = False
        self.read_only = False
        self.frames = 0
        self._drain_timer = QTimer(self)
        self._drain_timer.setInterval(max(1, int(round(1000.0 / frame_hz))))
        self._drain_timer.timeout.connect(self._drain)
        log.info("ChannelHub on %s, %.0f Hz frames", self._backend.describe(), frame_hz)

    # -- public API ----------------------------------------------------------
    @property
    def backend(self) -> Backend:
        return self._backend

    @property
    def backend_name(self) -> str:
        return self._backend.name

    def describe(self) -> str:
        return self._backend.describe()

    def channel(self, pvname: str, parent: QObject | None = None) -> Channel:
        """A new ``Channel`` for ``pvname``, sharing the PV's one subscription.

        A channel joining a PV that is already live receives its current
        connection, access and reading on the next frame.
        """
        self._check_thread()
        if self._closed:
            raise RuntimeError("ChannelHub is closed")
        name = (pvname or "").strip()
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"invalid PV name {pvname!r}")
        entry = self._entries.get(name)
        if entry is None:
            entry = self._open(name)
        channel = Channel(self, entry, parent)
        ref = weakref.ref(channel, self._on_channel_collected)
        entry.channels.append(ref)
        if entry.state != ConnectionState.SEARCHING or entry.reading is not None:
            entry.newcomers.append(ref)
        channel.destroyed.connect(self._on_channel_destroyed)
        if not self._drain_timer.isActive():
            self._drain_timer.start()
        return channel

    def subscription_count(self) -> int:
        """Live CA subscriptions (one per PV with at least one channel)."""
        if self._prune_needed:
            self._prune()
        return len(self._entries)

    def pvnames(self) -> list[str]:
        if self._prune_needed:
            self._prune()
        return sorted(self._entries)

    def pending_deliveries(self) -> int:
        """PVs with events waiting for the next frame."""
        return len(self._inbox)

    def close(self) -> None:
        """Release every subscription and stop the backend's threads."""
        if self._closed:
            return
        self._closed = True
        self._drain_timer.stop()
        for entry in list(self._entries.values()):
            self._release(entry)
        self._backend.close()
        log.info("ChannelHub closed")

    # -- channel lifetime ----------------------------------------------------
    def _open(self, name: str) -> _PVEntry:
        relay = Relay(name, self._inbox)
        entry = _PVEntry(name, relay)
        relay.owner = entry
        self._entries[name] = entry
        entry.subscription = self._backend.subscribe(name, relay)
        log.debug("subscribed %s", name)
        return entry

    def _release(self, entry: _PVEntry) -> None:
        entry.relay.active = False
        entry.state = ConnectionState.CLOSED
        if self._entries.get(entry.pvname) is entry:
            del self._entries[entry.pvname]
        if entry.subscription is not None:
            self._backend.unsubscribe(entry.subscription)
        log.debug("released %s", entry.pvname)

    def _detach(self, channel: Channel) -> None:
        entry = channel._entry
        if entry is None:
            return
        channel._entry = None
        entry.channels = [r for r in entry.channels if r() is not None and r() is not channel]
        entry.newcomers = [r for r in entry.newcomers if r() is not channel]
        self._prune_entry(entry)

    def _on_channel_destroyed(self, _obj: Any = None) -> None:
        # Emitted from the C++ destructor: the wrapper may already be
        # half gone, so only note that a prune is due.
        self._schedule_prune()

    def _on_channel_collected(self, _ref: Any) -> None:
        # Weakref callback: may run on whatever thread ran the garbage
        # collector, so it only sets a flag; the drain or the next
        # subscription_count() call does the work on the GUI thread.
        self._prune_needed = True

    def _schedule_prune(self) -> None:
        if not self._prune_needed:
            self._prune_needed = True
            QTimer.singleShot(0, self._prune)

    def _prune(self) -> None:
        if not self._prune_needed:
            return
        self._prune_needed = False
        for entry in list(self._entries.values()):
            self._prune_entry(entry)

    def _prune_entry(self, entry: _PVEntry) -> None:
        entry.channels = [r for r in entry.channels
                          if r() is not None and not sip.isdeleted(r())]
        if not entry.channels and self._entries.get(entry.pvname) is entry:
            self._release(entry)

    # -- writes --------------------------------------------------------------
    def _put(self, channel: Channel, value: Any, timeout: float | None) -> bool:
        self._check_thread()
        entry = channel._entry
        reason = None
        if is_read_only() or self.read_only:
            reason = "read-only mode: nothing written"
        elif entry is None or entry.subscription is None:
            reason = "channel closed: nothing written"
        elif entry.state != ConnectionState.CONNECTED or entry.info is None:
            reason = "not connected: nothing written"
        elif not entry.info.write_access:
            reason = "no write access (access security): nothing written"
        coerced: Any = None
        if reason is None:
            assert entry is not None and entry.info is not None
            try:
                coerced = coerce_put_value(value, entry.info.field_type,
                                           entry.info.element_count, entry.metadata.enum_strings)
            except PutRejected as exc:
                reason = f"{exc}: nothing written"
        if reason is not None:
            log.warning("write to %s refused: %s", channel.pvname, reason)
            channel.put_finished.emit(False, reason)
            return False
        assert entry is not None and entry.subscription is not None
        token = next(self._put_tokens)
        entry.puts[token] = weakref.ref(channel)
        log.info("put %s = %r (as %s)", entry.pvname, value, client_identity())
        self._backend.put(entry.subscription, coerced, PutReply(entry.relay, token),
                          DEFAULT_PUT_TIMEOUT if timeout is None else timeout)
        return True

    # -- frame drain ---------------------------------------------------------
    def _drain(self) -> None:
        """Deliver what CA threads posted since the last frame (GUI thread)."""
        self.frames += 1
        deadline = time.perf_counter() + self._budget
        for entry in list(self._entries.values()):
            if entry.newcomers:
                self._greet(entry)
        inbox = self._inbox
        while True:
            item = inbox.pop()
            if item is None:
                break
            relay, pending = item
            entry = relay.owner
            if entry is not None:
                self._deliver(entry, pending, released=not relay.active)
            if time.perf_counter() > deadline:
                break  # the rest keeps its place in line for the next frame
        if self.frames % 30 == 0:
            self._housekeeping()
        if self._prune_needed:
            self._prune()
        if not self._entries and not len(inbox):
            self._drain_timer.stop()

    def _greet(self, entry: _PVEntry) -> None:
        """Bring channels that joined a live PV up to date."""
        newcomers, entry.newcomers = entry.newcomers, []
        for ref in newcomers:
            channel = ref()
            if channel is None or sip.isdeleted(channel) or channel._entry is not entry:
                continue
            if entry.state == ConnectionState.CONNECTED:
                channel.connection_changed.emit(True)
                if entry.info is not None:
                    channel.access_changed.emit(entry.info.read_access, entry.info.write_access)
            if entry.reading is not None:
                channel.reading_changed.emit(entry.reading)

    def _deliver(self, entry: _PVEntry, pending: Pending, released: bool) -> None:
        if released:  # only put outcomes still matter to a released PV
            for _pos, event in pending.events:
                if event[0] == "put":
                    self._on_put_event(entry, event)
            return
        channels = entry.live_channels()
        entry.update_count += pending.received
        samples = list(pending.samples) if pending.samples else []
        dropped = pending.dropped
        if dropped:
            entry.dropped_total += dropped
            log.warning("%s: %d samples dropped (GUI thread behind)", entry.pvname, dropped)
        done = 0
        if pending.events:
            first_seq = pending.posted - len(samples)
            for pos, event in pending.events:
                cut = max(0, min(len(samples), pos - first_seq))
                if cut > done:
                    self._emit_samples(channels, samples[done:cut], dropped)
                    dropped, done = 0, cut
                self._apply_event(entry, channels, event)
        if done < len(samples):
            self._emit_samples(channels, samples[done:], dropped)
        reading = pending.latest
        if reading is not None and reading.metadata is not entry.metadata:
            reading = reading.with_metadata(entry.metadata)
        if reading is None and entry.reading is not None \
                and entry.reading.metadata is not entry.metadata:
            reading = entry.reading.with_metadata(entry.metadata)  # metadata-only change
        if reading is not None:
            entry.reading = reading
            for channel in channels:
                if not sip.isdeleted(channel):
                    channel.reading_changed.emit(reading)

    @staticmethod
    def _emit_samples(channels: list[Channel], samples: list[Reading], dropped: int) -> None:
        batch = SampleBatch(tuple(samples), dropped)
        for channel in channels:
            if not sip.isdeleted(channel):
                channel.samples_arrived.emit(batch)

    def _apply_event(self, entry: _PVEntry, channels: list[Channel], event: tuple) -> None:
        kind = event[0]
        if kind == "connection":
            connected, info, metadata = event[1], event[2], event[3]
            entry.metadata = metadata
            state = ConnectionState.CONNECTED if connected else ConnectionState.DISCONNECTED
            if state == entry.state:
                # A repeat tells widgets nothing: "connected" twice would
                # read as a reconnection (a NaN gap, a log line, a redraw).
                if info is not None:
                    entry.info = info
                return
            entry.state = state
            entry.state_since = time.monotonic()
            if info is not None:
                entry.info = info
            log.info("%s %s%s", entry.pvname, "connected" if connected else "disconnected",
                     f" ({info.host})" if info is not None else "")
            for channel in channels:
                if not sip.isdeleted(channel):
                    channel.connection_changed.emit(connected)
        elif kind == "access":
            read, write = event[1], event[2]
            info = entry.info or ChannelInfo(backend=self._backend.name)
            if (info.read_access, info.write_access) != (read, write):
                entry.info = dataclasses.replace(info, read_access=read, write_access=write)
                log.info("%s access now %s", entry.pvname, entry.info.access_text)
                for channel in channels:
                    if not sip.isdeleted(channel):
                        channel.access_changed.emit(read, write)
        elif kind == "metadata":
            entry.metadata = event[1]
        elif kind == "put":
            self._on_put_event(entry, event)

    @staticmethod
    def _on_put_event(entry: _PVEntry, event: tuple) -> None:
        _kind, token, ok, message = event
        ref = entry.puts.pop(token, None)
        (log.info if ok else log.warning)("put %s: %s", entry.pvname, message)
        channel = ref() if ref is not None else None
        if channel is not None and not sip.isdeleted(channel):
            channel.put_finished.emit(ok, message)

    def _housekeeping(self) -> None:
        now = time.monotonic()
        for entry in self._entries.values():
            if (entry.state == ConnectionState.SEARCHING and not entry.not_found_logged
                    and now - entry.state_since > max(5.0, NOT_FOUND_AFTER)):
                entry.not_found_logged = True
                log.warning("%s: not found after %.0f s (still searching; check the name "
                            "and EPICS_CA_ADDR_LIST)", entry.pvname, now - entry.state_since)

    def _check_thread(self) -> None:
        if QThread.currentThread() is not self.thread():
            raise RuntimeError("ChannelHub methods must be called from the GUI thread")

    def iter_channels(self) -> Iterator[Channel]:
        for entry in self._entries.values():
            yield from entry.live_channels()


_default_hub: ChannelHub | None = None


def default_hub() -> ChannelHub:
    """The process-wide hub, created on first use (backend from the environment).

    It is closed when the QApplication quits, or at interpreter exit.
    """
    global _default_hub
    if _default_hub is None or _default_hub._closed:
        _default_hub = ChannelHub(os.environ.get("CAPROBE_BACKEND") or None)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_default_hub.close)
        atexit.register(_close_default_hub)
    return _default_hub


def set_default_hub(hub: ChannelHub) -> None:
    """Make ``hub`` the one ``default_hub()`` returns (caprobe's own windows do this,
    so widgets built without a hub, e.g. by ``uic.loadUi``, share its subscriptions)."""
    global _default_hub
    _default_hub = hub


def _close_default_hub() -> None:
    if _default_hub is not None and not sip.isdeleted(_default_hub):
        _default_hub.close()

"""The contract every CA backend fulfils, and the listener it reports to.

Threads
-------
A backend owns its CA library's threads plus one private worker thread.
Every public method here is non-blocking and may be called from the GUI
thread; anything that can wait on the network (creating channels,
subscribing, writing) is handed to the worker. Listener methods, named
``_ca_*``, are called from CA threads and from the worker, never from the
GUI thread, and must not block or touch Qt.
"""
from __future__ import annotations

import abc
import os
import threading
from typing import Any, Callable, Protocol

from caprobe.model import ChannelInfo, Metadata

#: ``on_done(ok, message)`` for a put, called exactly once from any thread.
PutCallback = Callable[[bool, str], None]

#: Default seconds before a write without completion counts as timed out.
DEFAULT_PUT_TIMEOUT = 5.0


def client_user_name() -> str:
    """The user name a CA client sends to IOCs (access security keys on it).

    libca sends the login account (``getpwuid(getuid())``), whatever
    ``$USER`` says, while caproto's default (``getpass.getuser()``) reads
    ``$LOGNAME``/``$USER`` first. Both backends use this one name, so that
    caprobe identifies alike whichever library is loaded, and shows the name
    that is really sent.
    """
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no pwd module (Windows), or an unnamed uid
        import getpass

        return getpass.getuser()


class ChannelListener(Protocol):
    """Receives one PV's events; implemented by the hub's relay."""

    pvname: str

    def _ca_connection(self, connected: bool, info: ChannelInfo | None) -> None: ...

    def _ca_access(self, read: bool, write: bool) -> None: ...

    def _ca_metadata(self, metadata: Metadata) -> None: ...

    def _ca_value(self, value: Any, timestamp: float, severity: int, status: int) -> None: ...


class Subscription:
    """A backend's handle on one PV: a channel plus its monitors.

    ``closed`` is set on the caller's thread the moment the subscription is
    released, so callbacks already in flight on CA threads see it and drop
    their event instead of reaching a listener that has gone.
    """

    def __init__(self, pvname: str, listener: ChannelListener) -> None:
        self.pvname = pvname
        self.listener = listener
        self.closed = False
        self.connected = False
        self.read_access = False
        self.write_access = False
        self.info: ChannelInfo | None = None


class Backend(abc.ABC):
    """A CA client library behind one small, non-blocking interface."""

    #: Short name used by ``--backend`` and ``CAPROBE_BACKEND``.
    name: str = ""

    def __init__(self) -> None:
        self._subs_lock = threading.Lock()
        self._subs: set[Subscription] = set()

    @abc.abstractmethod
    def subscribe(self, pvname: str, listener: ChannelListener) -> Subscription:
        """Start connecting to ``pvname`` and monitoring it; returns at once.

        One subscription per PV name at a time (the hub shares it between
        widgets): pyepics hands out one chid per name, so a second live
        subscription to the same name would share, and then clear, it.
        """

    @abc.abstractmethod
    def unsubscribe(self, subscription: Subscription) -> None:
        """Release the channel and every callback it registered; idempotent."""

    @abc.abstractmethod
    def put(self, subscription: Subscription, value: Any, on_done: PutCallback,
            timeout: float = DEFAULT_PUT_TIMEOUT) -> None:
        """Write ``value`` (already coerced) with completion; returns at once.

        Refuses, through ``on_done``, when the channel is not connected or
        has no write access at the moment of sending: a write is never
        queued to land later.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Release everything and join the backend's own threads."""

    def subscription_count(self) -> int:
        """CA channels this backend still holds open (for leak checks)."""
        with self._subs_lock:
            return len(self._subs)

    def describe(self) -> str:
        """One line for logs and About boxes: library and version."""
        return self.name

    # -- bookkeeping shared by implementations ---------------------------
    def _track(self, subscription: Subscription) -> None:
        with self._subs_lock:
            self._subs.add(subscription)

    def _untrack(self, subscription: Subscription) -> None:
        with self._subs_lock:
            self._subs.discard(subscription)

    def _tracked(self) -> list[Subscription]:
        with self._subs_lock:
            return list(self._subs)

"""Put completion bookkeeping shared by both backends.

A CA put with callback ends in exactly one of: the server's completion,
a CA error, our own timeout, or the channel dropping first. ``PutTracker``
makes sure ``on_done`` fires once, whichever comes first, and that a
timeout or a disconnect is reported as "outcome unknown", never as done:
the write may or may not have been applied.

Threads: ``start`` runs on a backend worker; ``complete`` on CA threads;
the timeout check on the tracker's own daemon thread ("caprobe-put-timer").
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Any

from caprobe.ca.base import PutCallback, Subscription

log = logging.getLogger(__name__)


class _PendingPut:
    __slots__ = ("token", "subscription", "on_done", "deadline", "keepalive", "started")

    def __init__(self, token: int, subscription: Subscription, on_done: PutCallback,
                 deadline: float) -> None:
        self.token = token
        self.subscription = subscription
        self.on_done = on_done
        self.deadline = deadline
        self.keepalive: Any = None  # objects the C library points at until completion
        self.started = time.monotonic()


class PutTracker:
    """Pending puts by token, with one timer thread for their deadlines."""

    def __init__(self, name: str) -> None:
        self._lock = threading.Condition()
        self._pending: dict[int, _PendingPut] = {}
        self._deadlines: list[tuple[float, int]] = []
        self._tokens = itertools.count(1)
        self._closed = False
        self._thread = threading.Thread(target=self._run_timer, daemon=True,
                                        name=f"caprobe-put-timer-{name}")
        self._thread.start()

    def start(self, subscription: Subscription, on_done: PutCallback, timeout: float) -> _PendingPut:
        with self._lock:
            token = next(self._tokens)
            pending = _PendingPut(token, subscription, on_done, time.monotonic() + timeout)
            self._pending[token] = pending
            heapq.heappush(self._deadlines, (pending.deadline, token))
            self._lock.notify()
        return pending

    def complete(self, token: int, ok: bool, message: str) -> None:
        """Report an outcome; later reports for the same token are ignored."""
        with self._lock:
            pending = self._pending.pop(token, None)
        if pending is not None:
            self._report(pending, ok, message)

    def fail_subscription(self, subscription: Subscription, message: str) -> None:
        """End every put pending on a channel (it disconnected or was released)."""
        with self._lock:
            tokens = [t for t, p in self._pending.items() if p.subscription is subscription]
            ended = [self._pending.pop(t) for t in tokens]
        for pending in ended:
            self._report(pending, False, message)

    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            ended = list(self._pending.values())
            self._pending.clear()
            self._lock.notify()
        for pending in ended:
            self._report(pending, False, "client closed before completion: outcome unknown")
        self._thread.join(timeout=2.0)

    def _report(self, pending: _PendingPut, ok: bool, message: str) -> None:
        try:
            pending.on_done(ok, message)
        except Exception:  # a listener bug must not kill a CA thread
            log.exception("put completion handler failed for %s", pending.subscription.pvname)

    def _run_timer(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                now = time.monotonic()
                expired = []
                while self._deadlines and self._deadlines[0][0] <= now:
                    _, token = heapq.heappop(self._deadlines)
                    pending = self._pending.pop(token, None)
                    if pending is not None:
                        expired.append(pending)
                if not expired:
                    wait = self._deadlines[0][0] - now if self._deadlines else None
                    self._lock.wait(timeout=wait)
                    continue
            for pending in expired:
                waited = time.monotonic() - pending.started
                self._report(pending, False,
                             f"no completion after {waited:.1f} s: outcome unknown")

"""``WorkerBackend``: the threading shared by both concrete backends.

Threads
-------
One worker thread per backend ("caprobe-<name>") runs every call that may
wait on the network, in submission order, so a release always follows its
subscribe and no GUI-thread call ever blocks. Subclasses implement the
``_open``/``_close_channel``/``_put`` steps that run on it.
"""
from __future__ import annotations

import abc
import concurrent.futures
import logging
from typing import Any, Callable

from caprobe.ca.base import DEFAULT_PUT_TIMEOUT, Backend, ChannelListener, PutCallback, Subscription
from caprobe.ca.puts import PutTracker

log = logging.getLogger(__name__)


class WorkerBackend(Backend):
    def __init__(self, initializer: Callable[[], Any] | None = None) -> None:
        super().__init__()
        self._worker = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"caprobe-{self.name}", initializer=initializer)
        self._puts = PutTracker(self.name)
        self._closed = False

    # -- steps run on the worker (subclasses) --------------------------------
    @abc.abstractmethod
    def _new_subscription(self, pvname: str, listener: ChannelListener) -> Subscription: ...

    @abc.abstractmethod
    def _open(self, sub: Any) -> None: ...

    @abc.abstractmethod
    def _close_channel(self, sub: Any) -> None: ...

    @abc.abstractmethod
    def _put(self, sub: Any, value: Any, on_done: PutCallback, timeout: float) -> None: ...

    def _flush(self) -> None:
        """Last step on the worker before it stops (send what is buffered)."""

    def _teardown(self) -> None:
        """After the worker has stopped: release the library's own resources."""

    # -- GUI thread ------------------------------------------------------------
    def subscribe(self, pvname: str, listener: ChannelListener) -> Subscription:
        sub = self._new_subscription(pvname, listener)
        self._track(sub)
        self._submit(self._open, sub)
        return sub

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription.closed:
            return
        subscription.closed = True  # in-flight callbacks drop their events from now on
        self._puts.fail_subscription(subscription,
                                     "channel released before completion: outcome unknown")
        self._submit(self._close_channel, subscription)

    def put(self, subscription: Subscription, value: Any, on_done: PutCallback,
            timeout: float = DEFAULT_PUT_TIMEOUT) -> None:
        if not self._submit(self._put, subscription, value, on_done, timeout):
            on_done(False, "client is shutting down: nothing written")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for sub in self._tracked():
            sub.closed = True
            self._submit(self._close_channel, sub)
        self._submit(self._flush)
        self._worker.shutdown(wait=True)
        self._puts.close()
        try:
            self._teardown()
        except Exception:
            log.debug("%s backend teardown", self.name, exc_info=True)

    def pending_puts(self) -> int:
        """Puts sent and waiting for their outcome (a write the worker has not sent yet is not one)."""
        return self._puts.pending_count()

    def _submit(self, fn: Callable[..., Any], *args: Any) -> bool:
        try:
            self._worker.submit(self._guarded, fn, *args)
            return True
        except RuntimeError:  # executor shut down: the backend is closing
            return False

    def _guarded(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("%s backend: %s failed", self.name, getattr(fn, "__name__", fn))

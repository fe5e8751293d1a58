"""A backend with no network: real threads post readings as fast as they can.

Used only to test the hub's threading and bounds; everything about Channel
Access itself is tested against real IOCs.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from caprobe.ca import Backend, PutCallback, Subscription
from caprobe.model import ChannelInfo, FieldType, Metadata


class StormBackend(Backend):
    name = "storm"

    def __init__(self) -> None:
        super().__init__()
        self.subs: dict[str, Subscription] = {}
        self.last_posted: dict[str, int] = {}
        self.posted = 0
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    def subscribe(self, pvname: str, listener: Any) -> Subscription:
        sub = Subscription(pvname, listener)
        self.subs[pvname] = sub
        self._track(sub)
        info = ChannelInfo(host="storm:0", field_type=FieldType.LONG, read_access=True,
                           write_access=True, backend=self.name)
        listener._ca_connection(True, info)
        listener._ca_metadata(Metadata(field_type=FieldType.LONG, units="counts"))
        return sub

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.closed = True
        self._untrack(subscription)

    def put(self, subscription: Subscription, value: Any, on_done: PutCallback,
            timeout: float = 5.0) -> None:
        on_done(True, "done")

    def storm(self, pvnames: list[str], threads: int, seconds: float) -> None:
        """Post from ``threads`` real threads for ``seconds``; returns at once."""
        self._stop.clear()
        groups = [pvnames[i::threads] for i in range(threads)]
        for group in groups:
            thread = threading.Thread(target=self._ca_run, args=(group, seconds), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _ca_run(self, pvnames: list[str], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        counter = 0
        local_last = {}
        while time.monotonic() < deadline and not self._stop.is_set():
            for name in pvnames:
                sub = self.subs.get(name)
                if sub is None or sub.closed:
                    continue
                counter += 1
                sub.listener._ca_value(counter, time.time(), 0, 0)
                local_last[name] = counter
        self.last_posted.update(local_last)
        self.posted += counter

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()

    def close(self) -> None:
        self._stop.set()
        self.join()

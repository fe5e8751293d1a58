"""Each connection change is reported exactly once, by the backends and by the hub.

A "connected" reported twice reads to a widget as a reconnection, and to
the fault tests as a circuit that dropped: a CI run once saw
``[True, True, False, True]`` for one SIGSTOP of the IOC. libca's callback
thread and the backend's worker could both report the first connection.
"""
from __future__ import annotations

import threading
import time

from caprobe.ca import create_backend
from tests.helpers import WAIT


class RecordingListener:
    """A backend listener that keeps the connection reports it is given."""

    def __init__(self, pvname: str) -> None:
        self.pvname = pvname
        self.connections: list[bool] = []
        self.got_value = threading.Event()
        self._lock = threading.Lock()

    def _ca_connection(self, connected, info) -> None:
        with self._lock:
            self.connections.append(connected)

    def _ca_access(self, read, write) -> None:
        pass

    def _ca_metadata(self, metadata) -> None:
        pass

    def _ca_value(self, value, timestamp, severity, status) -> None:
        self.got_value.set()


def wait_for_values(listeners, timeout_s: float = WAIT / 1000) -> None:
    deadline = time.monotonic() + timeout_s
    for listener in listeners:
        assert listener.got_value.wait(max(0.0, deadline - time.monotonic())), \
            f"{listener.pvname}: no value within {timeout_s} s"


def test_each_subscription_reports_its_connection_once(backend_name, ioc):
    backend = create_backend(backend_name)
    try:
        # One subscription per PV, as the hub keeps them.
        names = [ioc.prefix + n for n in ("ai", "ao", "bo", "mbbo", "so", "long", "wf", "cwf",
                                          "ro", "utf8", "counter", "stamped")]
        listeners = [RecordingListener(name) for name in names]
        subs = [backend.subscribe(listener.pvname, listener) for listener in listeners]
        wait_for_values(listeners)
        assert [listener.connections for listener in listeners] == [[True]] * len(listeners)
        for sub in subs:
            backend.unsubscribe(sub)
    finally:
        backend.close()


def test_libca_callback_and_worker_racing_report_one_connection(monkeypatch, ioc):
    """Holds the race open: the worker looks while libca's callback is still running.

    ``PyepicsBackend._open`` reports a connection itself when libca says the
    channel is connected and the subscription has not reported yet (pyepics
    ran the callback from its cache before the chid was known). Without the
    subscription's connection lock, a callback still busy fetching the host
    name let the worker report the same connection a second time.
    """
    from caprobe.ca import pyepics_backend

    pyepics_backend.load_libca()
    ca = pyepics_backend._ca
    real_rights, real_host, real_connected = (ca.replace_access_rights_event, ca.host_name,
                                              ca.isConnected)
    in_callback, worker_looked = threading.Event(), threading.Event()

    def on_worker() -> bool:
        return threading.current_thread().name.startswith("caprobe-pyepics")

    def rights_after_connection(chid, callback=None):
        # The worker waits until libca's callback is inside the report ...
        in_callback.wait(WAIT / 1000)
        return real_rights(chid, callback=callback)

    def watched_is_connected(chid):
        connected = real_connected(chid)
        if on_worker() and in_callback.is_set():
            worker_looked.set()  # ... then checks whether to report it itself ...
        return connected

    def held_host_name(chid):
        if not on_worker():
            in_callback.set()
            worker_looked.wait(WAIT / 1000)  # ... while the callback is still busy here.
        return real_host(chid)

    monkeypatch.setattr(ca, "replace_access_rights_event", rights_after_connection)
    monkeypatch.setattr(ca, "isConnected", watched_is_connected)
    monkeypatch.setattr(ca, "host_name", held_host_name)
    backend = create_backend("pyepics")
    try:
        listener = RecordingListener(ioc.prefix + "ai")
        sub = backend.subscribe(listener.pvname, listener)
        wait_for_values([listener])
        assert in_callback.is_set(), "the race was not staged: libca never called back"
        assert worker_looked.is_set(), "the race was not staged: the worker never looked"
        assert listener.connections == [True]
        backend.unsubscribe(sub)
    finally:
        backend.close()


def test_hub_passes_on_no_repeated_connection_report(qtbot, hub, ioc):
    channel = hub.channel(ioc.prefix + "ai")
    qtbot.waitUntil(lambda: channel.connected and channel.reading is not None, timeout=WAIT)
    seen: list[bool] = []
    channel.connection_changed.connect(seen.append)
    relay = channel._entry.relay
    frames = hub.frames
    # What a backend reporting the same connection twice would post, from a CA thread.
    repeat = threading.Thread(target=relay._ca_connection, args=(True, channel.info))
    repeat.start()
    repeat.join(5)
    qtbot.waitUntil(lambda: hub.frames >= frames + 3, timeout=WAIT)
    assert seen == []
    assert channel.connected


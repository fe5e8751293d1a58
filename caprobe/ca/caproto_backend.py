"""Backend on caproto's threading client (pure Python; the fallback).

Threads
-------
* caproto's own threads: a selector loop reading sockets, a search/beacon
  thread, and per circuit one "user callback" executor with a single
  worker. All ``_ca_*`` methods below run on those executors.
* "caprobe-caproto" is this backend's worker: it creates PVs and
  subscriptions and sends puts, in submission order.
* The GUI thread only submits work.

caproto behaviours we design around (each is easy to trip over):

* Its callback registries hold callbacks weakly (caproto#395). Every
  callable we register is a bound method stored on the subscription
  object, which the hub keeps alive until release.
* A put without notify to a PV we may not write is dropped silently by the
  server. We check write access first and always put with notify, so every
  put has an outcome.
* ``PV.write`` is wrapped in ``ensure_connected``: while disconnected it
  waits for the reconnect and then sends, so a write can land seconds after
  the operator gave up. We call the unwrapped method after checking the
  connection ourselves; if the circuit died in between, the send fails
  and we report "nothing written" instead of queueing.
* Callbacks for one circuit run on one executor with an unbounded queue, so
  a slow callback delays every PV on that IOC and the queue grows without
  bound. Our callbacks only build one small object and hand it to the hub
  (O(1), no locks held across calls), and ``backlog()`` exposes the queue
  depth so a benchmark can prove it stays flat.
"""
from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np

from caprobe.ca.base import ChannelListener, PutCallback, Subscription, client_user_name
from caprobe.ca.worker import WorkerBackend
from caprobe.model import ChannelInfo, FieldType, Metadata
from caprobe.model.reading import decode_text

log = logging.getLogger(__name__)

# Subscription masks (db_access.h); caproto spells them as SubscriptionType.
_DBE_VALUE, _DBE_ALARM, _DBE_PROPERTY = 1, 4, 8
_NATIVE_TO_FIELD = {
    "STRING": FieldType.STRING, "INT": FieldType.SHORT, "FLOAT": FieldType.FLOAT,
    "ENUM": FieldType.ENUM, "CHAR": FieldType.CHAR, "LONG": FieldType.LONG,
    "DOUBLE": FieldType.DOUBLE,
}


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    return decode_text(raw) if isinstance(raw, bytes) else str(raw)


def _limits(md: Any, low: str, high: str) -> tuple[float, float]:
    lo, hi = getattr(md, low, None), getattr(md, high, None)
    if lo is None or hi is None:
        return (math.nan, math.nan)
    return (float(lo), float(hi))


class _CaprotoSubscription(Subscription):
    def __init__(self, backend: CaprotoBackend, pvname: str, listener: ChannelListener) -> None:
        super().__init__(pvname, listener)
        self.backend = backend
        self.pv: Any = None
        self.value_sub: Any = None
        self.ctrl_sub: Any = None
        self.field_type = FieldType.DOUBLE
        self.count = 1
        # Strong references: caproto only keeps weak ones (see module doc).
        self.on_connection = self._ca_on_connection
        self.on_access = self._ca_on_access
        self.on_value = self._ca_on_value
        self.on_ctrl = self._ca_on_ctrl
        self.tokens: list[tuple[Any, int]] = []

    # -- caproto callback executors ----------------------------------------
    def _ca_on_connection(self, pv: Any, state: str) -> None:
        if self.closed:
            return
        if state == "connected":
            chan = pv.channel
            self.field_type = _NATIVE_TO_FIELD.get(chan.native_data_type.name, FieldType.DOUBLE)
            self.count = int(chan.native_data_count)
            rights = int(pv.access_rights or 0)
            self.read_access, self.write_access = bool(rights & 1), bool(rights & 2)
            host, port = pv.circuit_manager.circuit.address
            self.info = ChannelInfo(host=f"{host}:{port}", field_type=self.field_type,
                                    element_count=self.count, read_access=self.read_access,
                                    write_access=self.write_access, backend=self.backend.name)
            self.connected = True
            self.listener._ca_connection(True, self.info)
        elif state == "disconnected":
            self.connected = False
            self.backend._puts.fail_subscription(
                self, "disconnected before completion: outcome unknown")
            self.listener._ca_connection(False, None)

    def _ca_on_access(self, pv: Any, rights: Any) -> None:
        if self.closed:
            return
        rights = int(rights or 0)
        self.read_access, self.write_access = bool(rights & 1), bool(rights & 2)
        if self.connected:
            self.listener._ca_access(self.read_access, self.write_access)

    def _ca_on_value(self, sub: Any, response: Any) -> None:
        if self.closed:
            return
        data = response.data
        md = response.metadata
        if self.field_type == FieldType.STRING:
            items = [_text(x) for x in data]
            value: Any = items[0] if len(items) == 1 else np.array(items, dtype=object)
        elif isinstance(data, np.ndarray) and len(data) == 1 and self.count == 1:
            value = data[0].item()
        else:
            value = np.array(data)  # copy: caproto's buffer may be reused
            value.flags.writeable = False
        self.listener._ca_value(value, float(md.timestamp), int(md.severity), int(md.status))

    def _ca_on_ctrl(self, sub: Any, response: Any) -> None:
        if self.closed:
            return
        md = response.metadata
        precision = getattr(md, "precision", None)
        enum_strings = ()
        if hasattr(md, "enum_strings"):
            enum_strings = tuple(_text(s) for s in md.enum_strings[: md.no_str])
        self.listener._ca_metadata(Metadata(
            field_type=self.field_type,
            element_count=self.count,
            units=_text(getattr(md, "units", b"")),
            precision=None if precision is None else int(precision),
            enum_strings=enum_strings,
            display_limits=_limits(md, "lower_disp_limit", "upper_disp_limit"),
            control_limits=_limits(md, "lower_ctrl_limit", "upper_ctrl_limit"),
            alarm_limits=_limits(md, "lower_alarm_limit", "upper_alarm_limit"),
            warning_limits=_limits(md, "lower_warning_limit", "upper_warning_limit"),
        ))

    def _ca_on_write(self, token: int, response: Any) -> None:
        status = getattr(response, "status", None)  # a CAStatusCode
        if status is None or getattr(status, "success", 0):
            self.backend._puts.complete(token, True, "done: completion confirmed by the server")
        else:
            self.backend._puts.complete(token, False, f"put failed: {status.description}")


class _WriteCallback:
    """Put-completion callable; kept alive by the put tracker entry."""

    __slots__ = ("sub", "token")

    def __init__(self, sub: _CaprotoSubscription, token: int) -> None:
        self.sub, self.token = sub, token

    def __call__(self, response: Any) -> None:
        self.sub._ca_on_write(self.token, response)


class _LateEventsFilter(logging.Filter):
    """Drops caproto's warning for a monitor event that reached a channel we had cleared.

    Releasing a PV sends "cancel subscription" then "clear channel"; events
    the server queued before it read them still arrive, and caproto's state
    machine rejects each one with a warning and a formatted traceback. That
    is the expected race, not a fault, and under a storm it comes by the
    thousand: formatting them kept caproto's receive thread busy for
    seconds after the hub closed (and filled the log). Only rejections for
    channels already closed or closing on our side are dropped; any other
    protocol complaint still reaches the log.
    """

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not (isinstance(record.msg, str) and record.msg.startswith("Invalid command")
                and " for Channel " in record.msg):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        channel = args[1] if len(args) > 1 else None
        try:
            from caproto import CLIENT, CLOSED, MUST_CLOSE

            closing = channel.states[CLIENT] in (CLOSED, MUST_CLOSE)
        except Exception:  # not the record we know: let it through
            return True
        if closing:
            self.dropped += 1
        return not closing


#: Installed once on caproto's circuit logger (see the class).
LATE_EVENTS_FILTER = _LateEventsFilter()


def _install_late_events_filter() -> None:
    circuit_logger = logging.getLogger("caproto.circ")
    if LATE_EVENTS_FILTER not in circuit_logger.filters:
        circuit_logger.addFilter(LATE_EVENTS_FILTER)


#: How long closing waits for each of caproto's context threads.
TEARDOWN_JOIN_S = 2.0


class CaprotoBackend(WorkerBackend):
    """caproto's threading client."""

    name = "caproto"

    def __init__(self) -> None:
        from caproto.threading.client import Context, SharedBroadcaster

        from caprobe.ca import caproto_receive

        class _Context(Context):
            def get_circuit_manager(self, address, priority):
                manager = super().get_circuit_manager(address, priority)
                caproto_receive.install(manager.circuit)  # see caproto_receive
                return manager

        _install_late_events_filter()
        self._broadcaster = SharedBroadcaster()
        # The account name, as libca sends it (caproto would take $USER).
        self._context = _Context(self._broadcaster, timeout=2.0, client_name=client_user_name())
        super().__init__()

    def _new_subscription(self, pvname: str, listener: ChannelListener) -> Subscription:
        return _CaprotoSubscription(self, pvname, listener)

    def _teardown(self) -> None:
        # Context.disconnect(wait=True) joins caproto's subscription-activation
        # thread, which can be parked for ever in ensure_connected (timeout
        # None) re-creating a just-released PV on a circuit that disconnect
        # has already closed. Join its (daemon) threads with a bound instead,
        # so closing a hub can never hang.
        context = self._context
        deadline = time.monotonic() + TEARDOWN_JOIN_S  # one bound for every join below
        # Stop the thread that reads the circuits' sockets first. Left running,
        # it submits callbacks to the executors shut down below ("cannot
        # schedule new futures after shutdown") or reads a socket disconnect()
        # has just closed ("Bad file descriptor"); caproto logs both as errors.
        context.selector.stop()
        reader = getattr(context.selector, "thread", None)
        if reader is not None:
            reader.join(timeout=max(0.0, deadline - time.monotonic()))
        # Each circuit's callback executor may hold thousands of queued
        # monitor events after a storm; disconnect() waits for them all
        # (seconds, for events every subscriber now drops). Cancel them first.
        for circuit in list(context.circuit_managers.values()):
            circuit.user_callback_executor.shutdown(wait=False, cancel_futures=True)
        # The broadcaster's search-retry thread sleeps up to several seconds
        # between retries and only then sees it was closed; wake it now
        # (disconnect() joins it: 2.6 s of every quit otherwise).
        search_now = getattr(self._broadcaster, "_search_now", None)
        if search_now is not None:
            self._broadcaster._close_event.set()
            search_now.set()
        context.disconnect(wait=False)
        self._broadcaster.disconnect()
        broadcaster = self._broadcaster
        # Every thread the context and its broadcaster started (the
        # broadcaster's unresponsive-server check wakes every 0.5 s to see
        # that it was closed), looked up by name so a caproto that lacks one
        # still closes.
        threads = [getattr(owner, name, None) for owner, name in (
            (context, "_process_search_results_thread"),
            (context, "_activate_subscriptions_thread"),
            (context.selector, "thread"),
            (broadcaster, "_command_thread"),
            (broadcaster, "_retry_unanswered_searches_thread"),
            (broadcaster, "_check_for_unresponsive_servers_thread"),
            (broadcaster.selector, "thread"),
        )]
        for thread in filter(None, threads):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.debug("caproto thread %s still busy after close; left to exit with "
                          "the process (daemon)", thread.name)

    def describe(self) -> str:
        import caproto

        return f"caproto {caproto.__version__} (threading client)"

    def backlog(self) -> int:
        """Callbacks waiting in caproto's executors (should stay near 0)."""
        total = 0
        for cm in list(self._context.circuit_managers.values()):
            queue = getattr(cm.user_callback_executor, "_work_queue", None)
            total += queue.qsize() if queue is not None else 0
        return total

    # -- worker thread ----------------------------------------------------
    def _open(self, sub: _CaprotoSubscription) -> None:
        if sub.closed:
            self._untrack(sub)
            return
        (pv,) = self._context.get_pvs(sub.pvname, connection_state_callback=sub.on_connection,
                                      access_rights_callback=sub.on_access, timeout=None)
        sub.pv = pv
        # Subscribing before the channel connects is fine: caproto
        # activates both monitors on connect and again after reconnects.
        sub.value_sub = pv.subscribe(data_type="time", data_count=0,
                                     mask=_DBE_VALUE | _DBE_ALARM)
        sub.ctrl_sub = pv.subscribe(data_type="control", data_count=1, mask=_DBE_PROPERTY)
        sub.tokens = [(sub.value_sub, sub.value_sub.add_callback(sub.on_value)),
                      (sub.ctrl_sub, sub.ctrl_sub.add_callback(sub.on_ctrl))]

    def _close_channel(self, sub: _CaprotoSubscription) -> None:
        try:
            for caproto_sub, token in sub.tokens:
                try:
                    caproto_sub.remove_callback(token)
                except Exception:
                    # After a reconnect caproto may refuse to unsubscribe a
                    # subscription made on the previous channel ("for a
                    # different Channel"); the channel is cleared below anyway.
                    log.debug("unsubscribe of %s refused by caproto", sub.pvname,
                              exc_info=True)
            sub.tokens = []
            pv = sub.pv
            if pv is not None:
                pv.connection_state_callback.remove_callback(sub.on_connection)
                pv.access_rights_callback.remove_callback(sub.on_access)
                try:
                    pv.go_idle()  # clears the server-side channel when connected
                except Exception:
                    log.debug("go_idle failed for %s", sub.pvname, exc_info=True)
                sub.pv = None
        finally:
            self._untrack(sub)

    def _put(self, sub: _CaprotoSubscription, value: Any, on_done: PutCallback,
             timeout: float) -> None:
        pv = sub.pv
        if sub.closed or pv is None:
            on_done(False, "channel released: nothing written")
            return
        if not (sub.connected and pv.connected):
            on_done(False, "not connected: nothing written")
            return
        if not sub.write_access:
            on_done(False, "no write access (access security): nothing written")
            return
        if isinstance(value, bytes):
            data: Any = np.frombuffer(value, dtype=np.uint8)
        elif isinstance(value, np.ndarray):
            data = value
        elif isinstance(value, (list, tuple)):
            data = [v.encode("utf-8") if isinstance(v, str) else v for v in value]
        elif isinstance(value, str):
            data = [value.encode("utf-8")]
        else:
            data = [value]
        pending = self._puts.start(sub, on_done, timeout)
        callback = _WriteCallback(sub, pending.token)
        pending.keepalive = callback
        raw_write = type(pv).write.__wrapped__  # bypass ensure_connected (module doc)
        try:
            # caproto drops responses that arrive after its own deadline;
            # give it more time than ours so the tracker decides.
            raw_write(pv, data, wait=False, callback=callback, notify=True,
                      timeout=timeout + 5.0)
        except Exception as exc:
            self._puts.complete(pending.token, False, f"not sent ({exc}): nothing written")

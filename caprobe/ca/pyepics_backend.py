"""Backend on libca, the reference C client, through pyepics' ``epics.ca``.

Threads
-------
* libca's auxiliary threads (preemptive callback mode) run every monitor,
  connection, access-rights and put-completion callback: the ``_ca_*``
  methods below. pyepics says a callback "cannot reliably make any other CA
  calls", so they only read local channel state and report to the listener.
* "caprobe-pyepics" is this backend's single worker. It attaches to the one
  CA context created at start-up (libca's preemptive context is shared by
  every thread that attaches to it) and makes every call that talks to the
  network: create/clear channels and subscriptions, puts. Being one thread,
  it also keeps those calls in order: a release always follows its subscribe.
* The GUI thread only submits work to the worker and never waits on it.

We use the low-level ``epics.ca`` module rather than ``epics.PV``: a PV
object adds a callback chain and a get per connection we do not need, and
its put completion ignores the CA status. Putting through libca directly
lets us report a failed put as failed.
"""
from __future__ import annotations

import ctypes
import logging
import math
import threading
from typing import Any

import numpy as np

from caprobe.ca.base import ChannelListener, PutCallback, Subscription
from caprobe.ca.worker import WorkerBackend
from caprobe.model import ChannelInfo, FieldType, Metadata
from caprobe.model.reading import decode_text

log = logging.getLogger(__name__)

_epics: Any = None  # the imported modules, set by load_libca()
_ca: Any = None
_dbr: Any = None


def load_libca() -> None:
    """Import pyepics and load libca; raises ImportError/OSError when it cannot.

    Called by ``auto`` selection to decide between the backends.
    """
    global _epics, _ca, _dbr
    if _ca is not None:
        return
    import epics  # noqa: F401  (pyepics)
    from epics import ca, dbr, utils

    # pyepics decodes every CA string with IOENCODING (UTF-8 by default) and
    # raises inside its monitor callback on bytes that are not UTF-8, which
    # loses the update. Latin-1 cannot fail and keeps every byte; _text()
    # recovers the bytes and decodes them properly.
    utils.IOENCODING = "latin-1"

    ca.PREEMPTIVE_CALLBACK = True
    ca.initialize_libca()
    _epics, _ca, _dbr = epics, ca, dbr
    _build_time_layouts()


def _text(raw: Any) -> str:
    """Units, labels and strings as text.

    pyepics decodes bytes itself with ``IOENCODING``; ``load_libca`` sets that
    to Latin-1, which never fails and round-trips every byte, so the raw
    bytes can be recovered here and decoded the same way as caproto's.
    """
    if raw is None:
        return ""
    if isinstance(raw, str):
        try:
            raw = raw.encode("latin-1")
        except UnicodeEncodeError:
            return raw
    return decode_text(bytes(raw))


def _limits(md: dict, low: str, high: str) -> tuple[float, float]:
    lo, hi = md.get(low), md.get(high)
    if lo is None or hi is None:
        return (math.nan, math.nan)
    return (float(lo), float(hi))


class _PyepicsSubscription(Subscription):
    """One chid plus its two monitors (DBR_TIME values, DBR_CTRL properties)."""

    def __init__(self, backend: PyepicsBackend, pvname: str, listener: ChannelListener) -> None:
        super().__init__(pvname, listener)
        self.backend = backend
        self.chid: Any = None
        self.field_type = FieldType.DOUBLE
        self.count = 1
        # The tuples create_subscription returns must outlive the monitor:
        # libca holds raw pointers into them.
        self.monitors: list[Any] = []
        self.monitors_requested = False
        # Bound methods are created once and kept, so that the identical
        # object can later be removed from pyepics' callback lists.
        self.on_connection = self._ca_on_connection
        self.on_access = self._ca_on_access
        # libca's callback thread and the worker (see PyepicsBackend._open)
        # can both report the first connection; the lock makes the check
        # and the report one step, so it is reported once.
        self._connection_lock = threading.Lock()
        self.on_value_event = self._ca_on_value_event
        self.on_ctrl = self._ca_on_ctrl

    # -- libca threads ----------------------------------------------------
    def _ca_on_connection(self, pvname: str = "", chid: Any = None, conn: bool = False,
                          **_: Any) -> None:
        if self.closed:
            return
        with self._connection_lock:
            if bool(conn) == self.connected:
                return  # already reported, by the other thread or by libca itself
            if conn:
                self._report_connected(self.chid if chid is None else chid)
            else:
                self.connected = False
                self.backend._puts.fail_subscription(
                    self, "disconnected before completion: outcome unknown")
                self.listener._ca_connection(False, None)

    def _report_connected(self, chid: Any) -> None:
        # The callback can run inside create_channel, before self.chid is
        # set on the worker, so the caller passes the chid libca gave it.
        ca = _ca
        try:
            self.field_type = FieldType(ca.field_type(chid))
            self.count = int(ca.element_count(chid))
            self.read_access = bool(ca.read_access(chid))
            self.write_access = bool(ca.write_access(chid))
            host = ca.host_name(chid)
        except Exception:  # channel cleared under us: nothing to report
            log.debug("connection details unavailable for %s", self.pvname, exc_info=True)
            return
        self.info = ChannelInfo(host=host, field_type=self.field_type,
                                element_count=self.count, read_access=self.read_access,
                                write_access=self.write_access, backend=self.backend.name)
        self.connected = True
        self.listener._ca_connection(True, self.info)
        if not self.monitors_requested:
            self.monitors_requested = True
            self.backend._submit(self.backend._open_monitors, self)

    def _ca_on_access(self, read: bool, write: bool) -> None:
        if self.closed:
            return
        self.read_access, self.write_access = bool(read), bool(write)
        self.listener._ca_access(self.read_access, self.write_access)

    def _ca_on_value_event(self, args: Any) -> None:
        """One DBR_TIME monitor event, decoded straight from libca's buffer.

        This runs for every update of every PV (tens of thousands a second),
        so it does not go through pyepics' monitor handler: that one looks the
        channel up, builds ctypes views and a dict of keyword arguments and
        asks libca for the element count, about 25 us an update, which held
        the process at ~32,000 updates/s on one core. Reading the header and
        the value in place costs a few microseconds.
        """
        if self.closed or args.status != _ECA_NORMAL:
            return  # a lost read access arrives as a bad status; connection callbacks report it
        try:
            raw = args.raw_dbr
            header = _TimeHeader.from_address(raw)
            layout = _TIME_LAYOUTS[args.type]
            value = layout.decode(raw, args.count, self.count)
            timestamp = _EPICS_EPOCH + header.secs + header.nsec * 1e-9
            self.listener._ca_value(value, timestamp, header.severity, header.status)
        except Exception:  # never let an exception unwind into libca's thread
            log.exception("cannot decode an update of %s (DBR type %s)", self.pvname, args.type)

    def _ca_on_ctrl(self, **md: Any) -> None:
        if self.closed:
            return
        precision = md.get("precision")
        self.listener._ca_metadata(Metadata(
            field_type=self.field_type,
            element_count=self.count,
            units=_text(md.get("units", "")),
            precision=None if precision is None else int(precision),
            enum_strings=tuple(_text(s) for s in md.get("enum_strs", ()) or ()),
            display_limits=_limits(md, "lower_disp_limit", "upper_disp_limit"),
            control_limits=_limits(md, "lower_ctrl_limit", "upper_ctrl_limit"),
            alarm_limits=_limits(md, "lower_alarm_limit", "upper_alarm_limit"),
            warning_limits=_limits(md, "lower_warning_limit", "upper_warning_limit"),
        ))


class PyepicsBackend(WorkerBackend):
    """libca via pyepics; the default whenever libca loads."""

    name = "pyepics"

    def __init__(self) -> None:
        load_libca()
        # The worker attaches to the one preemptive CA context libca made.
        super().__init__(initializer=_ca.use_initial_context)
        # One ctypes callback for every put completion; it must stay alive
        # for as long as libca may call it.
        self._put_event_cb = _dbr.make_callback(self._ca_on_put_event, _dbr.event_handler_args)

    def _new_subscription(self, pvname: str, listener: ChannelListener) -> Subscription:
        return _PyepicsSubscription(self, pvname, listener)

    def _flush(self) -> None:
        _ca.flush_io()

    def describe(self) -> str:
        return f"pyepics {_epics.__version__} (libca {_ca.version()})"

    # -- worker thread ----------------------------------------------------
    def _open(self, sub: _PyepicsSubscription) -> None:
        if sub.closed:
            self._untrack(sub)
            return
        ca = _ca
        sub.chid = ca.create_channel(sub.pvname, connect=False, auto_cb=True,
                                     callback=sub.on_connection)
        ca.replace_access_rights_event(sub.chid, callback=sub.on_access)
        # If the name was already in pyepics' cache and connected, the
        # callback ran before sub.chid was set; report the connection now.
        if ca.isConnected(sub.chid) and not sub.connected:
            sub._ca_on_connection(conn=True)
        ca.flush_io()

    def _open_monitors(self, sub: _PyepicsSubscription) -> None:
        if sub.closed or sub.monitors:
            return
        ca, dbr = _ca, _dbr
        # count=0 asks for the server's current length, so a waveform with
        # NORD < NELM arrives at its real size.
        # Properties first: the server answers in order, so the first value
        # already finds units and limits in place.
        sub.monitors.append(ca.create_subscription(
            sub.chid, use_ctrl=True, mask=dbr.DBE_PROPERTY, callback=sub.on_ctrl, count=1))
        sub.monitors.append(_subscribe_values(sub, dbr.DBE_VALUE | dbr.DBE_ALARM))
        ca.flush_io()

    def _close_channel(self, sub: _PyepicsSubscription) -> None:
        ca = _ca
        try:
            for _cb, _uarg, event_id in sub.monitors:
                ca.clear_subscription(event_id)
            sub.monitors.clear()
            if sub.chid is not None:
                # pyepics keeps connection and access callbacks in a cache
                # entry that can outlive the channel (pyepics#208): remove
                # ours explicitly so none fires after release.
                entry = ca.get_cache(sub.pvname)
                if entry is not None:
                    with entry.lock:
                        if sub.on_connection in entry.callbacks:
                            entry.callbacks.remove(sub.on_connection)
                        if sub.on_access in entry.access_event_callback:
                            entry.access_event_callback.remove(sub.on_access)
                ca.clear_channel(sub.chid)
                sub.chid = None
            ca.flush_io()
        finally:
            self._untrack(sub)

    def _put(self, sub: _PyepicsSubscription, value: Any, on_done: PutCallback,
             timeout: float) -> None:
        ca, dbr = _ca, _dbr
        if sub.closed or sub.chid is None:
            on_done(False, "channel released: nothing written")
            return
        if not ca.isConnected(sub.chid):
            on_done(False, "not connected: nothing written")
            return
        if not ca.write_access(sub.chid):
            on_done(False, "no write access (access security): nothing written")
            return
        ftype = ca.field_type(sub.chid)
        try:
            count, data = _pack(ftype, value)
        except (TypeError, ValueError, OverflowError) as exc:
            on_done(False, f"cannot encode value for {FieldType(ftype).dbf_name}: {exc}")
            return
        pending = self._puts.start(sub, on_done, timeout)
        token = ctypes.py_object(pending.token)
        pending.keepalive = (data, token)
        status = _ca.libca.ca_array_put_callback(ftype, count, sub.chid, data,
                                                 self._put_event_cb, token)
        if status != dbr.ECA_NORMAL:
            self._puts.complete(pending.token, False, f"put refused by CA: {ca.message(status)}")
            return
        ca.flush_io()

    # -- libca thread -----------------------------------------------------
    def _ca_on_put_event(self, args: Any) -> None:
        token = args.usr
        if args.status == _dbr.ECA_NORMAL:
            self._puts.complete(token, True, "done: completion confirmed by the server")
        elif args.status == ECA_DISCONN:
            # The circuit dropped with the put in flight: it may or may not
            # have been applied, exactly as the caproto backend reports it.
            self._puts.complete(token, False, "disconnected before completion: outcome unknown")
        else:
            self._puts.complete(token, False, f"put failed: {_ca.message(args.status)}")


def _subscribe_values(sub: _PyepicsSubscription, mask: int) -> tuple[Any, Any, Any]:
    """A DBR_TIME monitor whose events go to ``sub._ca_on_value_event`` (see there).

    Returns the same (callback, user argument, event id) triple as pyepics'
    ``create_subscription``, so closing treats both monitors alike; libca
    holds raw pointers into it, so it lives in ``sub.monitors``.
    """
    ftype = _ca.promote_fieldtype(_ca.field_type(sub.chid), use_time=True)
    callback = _value_event_callback()
    user_arg = ctypes.py_object(sub)
    event_id = ctypes.c_void_p()
    # count 0: the server's current length, so a waveform with NORD < NELM
    # arrives at its real size.
    status = _ca.libca.ca_create_subscription(ftype, 0, sub.chid, mask, callback, user_arg,
                                              ctypes.byref(event_id))
    if status != _ECA_NORMAL:
        raise RuntimeError(f"cannot subscribe to {sub.pvname}: {_ca.message(status)}")
    return (callback, user_arg, event_id)


_VALUE_EVENT_CALLBACK: Any = None


def _value_event_callback() -> Any:
    """The one ctypes callback for every value monitor (made once; libca keeps its address)."""
    global _VALUE_EVENT_CALLBACK
    if _VALUE_EVENT_CALLBACK is None:
        _VALUE_EVENT_CALLBACK = _dbr.make_callback(_on_value_event, _dbr.event_handler_args)
    return _VALUE_EVENT_CALLBACK


def _on_value_event(args: Any) -> None:
    if not _THREAD_STATE.kept:
        _keep_thread_state()
    args.usr._ca_on_value_event(args)


class _ThreadStateFlag(threading.local):
    kept = False  # per thread; lives in the thread state, so a fresh state reads False


#: Whether the calling libca thread (one receive thread per circuit) keeps its state.
_THREAD_STATE = _ThreadStateFlag()


def _keep_thread_state() -> None:
    """Let the calling libca thread keep its Python thread state between callbacks.

    libca's threads are not Python threads, so for every callback ctypes
    creates a Python thread state, takes the GIL, and afterwards destroys
    the state again. That churn was 10 of the 14 us each update cost
    (40,000 updates/s took 56 % of a core; with the state kept, 13 %).
    Taking one extra GIL-state reference here (we hold the GIL, so it only
    counts) keeps the state alive for the thread's life. The price: when a
    circuit closes, its receive thread ends with that state unreleased,
    some kilobytes per IOC reconnection, for the process's life.
    """
    _THREAD_STATE.kept = True
    ensure = ctypes.pythonapi.PyGILState_Ensure
    ensure.restype = ctypes.c_int
    ensure()


_ECA_NORMAL = 1
#: POSIX time of the EPICS epoch, 1990-01-01 00:00 UTC.
_EPICS_EPOCH = 631152000.0


class _TimeHeader(ctypes.Structure):
    """The start of every DBR_TIME_* structure (db_access.h)."""

    _fields_ = [("status", ctypes.c_short), ("severity", ctypes.c_short),
                ("secs", ctypes.c_uint), ("nsec", ctypes.c_uint)]


class _TimeLayout:
    """Where a DBR_TIME_<type> keeps its value, and how to turn it into Python."""

    __slots__ = ("offset", "ctype", "dtype", "is_string")

    def __init__(self, offset: int, ctype: Any, dtype: Any, is_string: bool) -> None:
        self.offset, self.ctype, self.dtype, self.is_string = offset, ctype, dtype, is_string

    def decode(self, raw: int, count: int, element_count: int) -> Any:
        start = raw + self.offset
        if self.is_string:
            size = _MAX_STRING_SIZE
            items = [_text(ctypes.string_at(start + size * i, size).split(b"\0", 1)[0])
                     for i in range(count)]
            return items[0] if count == 1 and element_count == 1 else np.array(items,
                                                                                dtype=object)
        if count == 1 and element_count == 1:
            return self.ctype.from_address(start).value
        nbytes = count * self.dtype.itemsize
        # A copy: libca reuses the buffer as soon as this callback returns.
        value = np.frombuffer(ctypes.string_at(start, nbytes), dtype=self.dtype)
        value.flags.writeable = False  # string_at made a fresh bytes object; freeze it
        return value


_MAX_STRING_SIZE = 40
_TIME_LAYOUTS: dict[int, _TimeLayout] = {}


def _build_time_layouts() -> None:
    dbr = _dbr
    for native, time_type in ((dbr.STRING, dbr.TIME_STRING), (dbr.SHORT, dbr.TIME_SHORT),
                              (dbr.FLOAT, dbr.TIME_FLOAT), (dbr.ENUM, dbr.TIME_ENUM),
                              (dbr.CHAR, dbr.TIME_CHAR), (dbr.LONG, dbr.TIME_LONG),
                              (dbr.DOUBLE, dbr.TIME_DOUBLE)):
        offset = dbr.Map[time_type].value.offset
        dtype = np.dtype(dbr.NP_Map[native]) if native in dbr.NP_Map else None
        _TIME_LAYOUTS[time_type] = _TimeLayout(offset, dbr.Map[native], dtype,
                                               native == dbr.STRING)


#: libca's status for "Virtual circuit disconnect" (caerr.h: warning 24,
#: i.e. 24 << 3); pyepics names only a few status codes.
ECA_DISCONN = 192


def _pack(ftype: int, value: Any) -> tuple[int, Any]:
    """Lay out an already-coerced value as the C array libca sends."""
    ctype = _dbr.Map[ftype]
    if ftype == _dbr.STRING:
        items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
        data = (len(items) * ctype)()
        for i, item in enumerate(items):
            data[i].value = str(item).encode("utf-8")
        return len(items), data
    if isinstance(value, bytes):  # char waveform text, NUL included
        items = list(value)
    elif isinstance(value, np.ndarray):
        items = value.tolist()
    else:
        items = [value]
    return len(items), (len(items) * ctype)(*items)

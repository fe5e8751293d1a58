"""Load IOC for the load benchmark: pythonSoftIOC serving N scalar PVs at R Hz.

Run as::

    python benchmarks/load_softioc.py --port 5999 --count 4000 --rate 10 \\
        --control ctl.txt --status status.json --max-seconds 900

Why not the caproto IOC of the strip-chart benchmark: one asyncio process
cannot write tens of thousands of updates per second, and on a 2-core host
the IOC's CPU is taken from the client being measured. Here every update
is made by the EPICS database in C (pythonSoftIOC embeds the real IOC and
its CA server, RSRV); Python only posts one database event per group and
tick, a few hundred calls per second whatever N is.

PVs (default prefix ``bench:``):

* ``pv0000`` … : calc records. Each one, when processed, reads the clock
  (an ``ai`` with "Soft Timestamp" device support, processed through the
  link) and takes the value ``(t mod 1000) + 1000 * i``, where ``t`` is
  the POSIX time of that very processing and ``i`` the PV's index. So every
  update is a new value (PyDM drops an update equal to the previous one),
  and a client can tell from the value alone when the server made it, even
  one that never asks for the time stamp (PyDM subscribes to DBR_CTRL,
  which has none). The record's own time stamp is the same instant.
* After a ``stop`` command every PV gets one last value, ``-1 - i`` (known
  in advance to any client), and then no more updates until ``run``.
* ``wave`` (with ``--wave-elements``): a double waveform, element 0 carries
  the same time code, at ``--wave-rate`` Hz.
* ``ready``: a constant the benchmark reads to know the server is up.

The PVs are split into ``--groups`` groups posted one after another, evenly
spread over the period (as an IOC's records scan at different phases),
rather than all at the same instant.

Control and status go through two small files, never through CA, so that
measuring does not add channel traffic: the client appends ``<seq> run`` or
``<seq> stop`` to the control file; the IOC rewrites the status file (JSON)
ten times a second with the updates it posted and, per stop, when the last
final value was made.

Loopback only: the CA server binds 127.0.0.1, sends beacons only to
127.0.0.1 (to a UDP socket this process holds itself), PV Access is off,
and the process exits on its own after ``--max-seconds``.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import tempfile
import threading
import time

from bench_common import serve_on_loopback  # this folder is first on sys.path

EPICS_EPOCH_POSIX = 631152000  # 1990-01-01 UTC in POSIX seconds
CODE_MODULUS = 1000.0  # time codes are the POSIX time modulo this


def pv_name(prefix: str, index: int) -> str:
    return f"{prefix}pv{index:04d}"


def event_name(group: int) -> str:
    return f"loadtick{group}"


def database(prefix: str, count: int, groups: int) -> str:
    """The records, as EPICS database text."""
    records = [
        f'record(ai, "{prefix}clock") {{ field(DTYP, "Soft Timestamp") }}',
        f'record(ao, "{prefix}run") {{ field(VAL, "1") }}',
        f'record(longin, "{prefix}ready") {{ field(VAL, "1") }}',
    ]
    for group in range(groups):
        # Processed last in its group's pass (higher PHAS): when the pass ended.
        records.append(
            f'record(ai, "{prefix}done{group}") {{ field(SCAN, "Event") '
            f'field(EVNT, "{event_name(group)}") field(PHAS, "1") '
            f'field(DTYP, "Soft Timestamp") }}')
    for i in range(count):
        records.append(
            f'record(calc, "{pv_name(prefix, i)}") {{ field(SCAN, "Event") '
            f'field(EVNT, "{event_name(i % groups)}") '
            f'field(INPA, "{prefix}clock PP") field(INPB, "{prefix}run NPP") '
            f'field(INPC, "{i}") '
            # EPICS-epoch seconds modulo 1000 equal POSIX seconds modulo 1000
            # (the epochs are 631152000 s apart).
            f'field(CALC, "B?A-1000*FLOOR(A/1000)+1000*C:-1-C") '
            f'field(PREC, "4") field(EGU, "mm") field(LOPR, "0") field(HOPR, "{1000 * count}") }}')
    return "\n".join(records) + "\n"


class Database:
    """Reads, writes and event posts on the running IOC's database (ctypes)."""

    def __init__(self) -> None:
        from softioc import imports

        self._imports = imports
        dbf = imports.get_DBF_values()
        self._double = dbf["DBF_DOUBLE"]
        core = imports.dbCore
        core.eventNameToHandle.restype = ctypes.c_void_p
        core.eventNameToHandle.argtypes = (ctypes.c_char_p,)
        core.postEvent.argtypes = (ctypes.c_void_p,)
        core.postEvent.restype = None
        self._core = core

    def event(self, name: str) -> int:
        return self._core.eventNameToHandle(name.encode())

    def post(self, handle: int) -> None:
        self._core.postEvent(handle)

    def get_double(self, name: str) -> float:
        buf = (ctypes.c_double * 1)()
        self._imports.db_get_field(name, self._double, ctypes.addressof(buf), 1)
        return buf[0]

    def put_double(self, name: str, value: float) -> None:
        buf = (ctypes.c_double * 1)(value)
        self._imports.db_put_field_process(name, self._double, ctypes.addressof(buf), 1, False)


class ControlFile:
    """``<seq> <command>`` lines appended by the client; each seq acted on once."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.last_seq = 0
        self._mtime = None

    def new_commands(self) -> list[tuple[int, str]]:
        if not self.path:
            return []
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return []
        if mtime == self._mtime:
            return []
        self._mtime = mtime
        commands = []
        with open(self.path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[0].isdigit() and int(parts[0]) > self.last_seq:
                    commands.append((int(parts[0]), parts[1]))
        if commands:
            self.last_seq = commands[-1][0]
        return commands


class Ticker:
    """Posts one group's event per step: ``rate`` Hz per PV, groups spread over the period."""

    def __init__(self, db: Database, prefix: str, count: int, groups: int, rate: float) -> None:
        self.db = db
        self.prefix = prefix
        self.groups = groups
        self.rate = rate
        self.handles = [db.event(event_name(g)) for g in range(groups)]
        self.sizes = [len(range(g, count, groups)) for g in range(groups)]
        self.running = True
        self.updates_posted = 0  # while running; the final values are not counted
        self.steps = 0
        self.late_restarts = 0
        self.stops: dict[int, dict] = {}

    def step(self, index: int) -> None:
        if not self.running:
            return
        group = index % self.groups
        self.db.post(self.handles[group])
        self.updates_posted += self.sizes[group]
        self.steps += 1

    def stop(self, seq: int) -> None:
        """Every PV takes its final value now: one last pass of every group."""
        requested = time.time()
        self.running = False
        self.db.put_double(self.prefix + "run", 0.0)
        for handle in self.handles:
            self.db.post(handle)
        self.stops[seq] = {"requested_at": requested,
                           "final_posted_at": self._wait_passes_after(requested)}

    def resume(self) -> None:
        self.db.put_double(self.prefix + "run", 1.0)
        self.running = True

    def _wait_passes_after(self, posix: float, timeout: float = 5.0) -> float | None:
        """When the last group's pass ended (its ``done`` record), once all have run."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [self.db.get_double(f"{self.prefix}done{g}") + EPICS_EPOCH_POSIX
                    for g in range(self.groups)]
            if min(done) >= posix:
                return max(done)
            time.sleep(0.002)
        return None


class WaveWriter(threading.Thread):
    """Writes the waveform at its own rate; element 0 is the time code."""

    def __init__(self, record, elements: int, rate: float) -> None:
        super().__init__(name="wave-writer", daemon=True)
        import numpy as np

        self.np = np
        self.record = record
        self.period = 1.0 / rate
        self.base = np.sin(np.linspace(0.0, 40 * np.pi, elements))
        self.updates = 0
        self.paused = False

    def run(self) -> None:
        started = time.monotonic()
        tick = 0
        while True:
            if not self.paused:
                # A new array each time: the record may still hold the last one.
                values = self.base * (1.0 + 0.1 * ((tick % 20) - 10) / 10.0)
                now = time.time()
                values[0] = now % CODE_MODULUS
                self.record.set(values)
                self.updates += 1
            tick += 1
            delay = started + tick * self.period - time.monotonic()
            time.sleep(max(0.0, delay))


def write_status(path: str | None, status: dict) -> None:
    if not path:
        return
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(status, f)
    os.replace(tmp, path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="CA server port (TCP and UDP)")
    parser.add_argument("--prefix", default="bench:")
    parser.add_argument("--count", type=int, default=100, help="number of scalar PVs")
    parser.add_argument("--rate", type=float, default=10.0, help="updates per second per PV")
    parser.add_argument("--groups", type=int, default=10,
                        help="PV groups, posted one after another over the period")
    parser.add_argument("--wave-elements", type=int, default=0,
                        help="elements of the waveform PV (0: no waveform)")
    parser.add_argument("--wave-rate", type=float, default=2.0)
    parser.add_argument("--control", help="control file (lines '<seq> run|stop')")
    parser.add_argument("--status", help="status file (JSON), rewritten 10 times a second")
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="exit after this long whatever happens")
    args = parser.parse_args(argv)
    args.groups = max(1, min(args.groups, args.count or 1))
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    beacon_sink = serve_on_loopback(args.port)  # noqa: F841 (held open for the process' life)
    threading.Timer(args.max_seconds, lambda: os._exit(0)).start()

    from softioc import asyncio_dispatcher, builder, softioc

    with tempfile.NamedTemporaryFile("w", suffix=".db", delete=False) as db_file:
        db_file.write(database(args.prefix, args.count, args.groups))
    softioc.dbLoadDatabase(db_file.name)
    os.unlink(db_file.name)
    wave_record = None
    if args.wave_elements > 0:
        builder.SetDeviceName(args.prefix.rstrip(":"))
        wave_record = builder.WaveformIn("wave", length=args.wave_elements, datatype=float)
    builder.LoadDatabase()
    softioc.iocInit(asyncio_dispatcher.AsyncioDispatcher(), enable_pva=False)

    db = Database()
    ticker = Ticker(db, args.prefix, args.count, args.groups, args.rate)
    wave = None
    if wave_record is not None:
        wave = WaveWriter(wave_record, args.wave_elements, args.wave_rate)
        wave.start()
    control = ControlFile(args.control)
    print(f"load IOC: {args.count} PVs {pv_name(args.prefix, 0)}… at {args.rate:g} Hz in "
          f"{args.groups} groups, waveform {args.wave_elements} elements, on "
          f"127.0.0.1:{args.port}, pid {os.getpid()}", file=sys.stderr, flush=True)

    period = 1.0 / (args.rate * args.groups)
    started = time.monotonic()
    step = 0
    while True:
        for seq, command in control.new_commands():
            if command == "stop":
                ticker.stop(seq)
                if wave is not None:
                    wave.paused = True
            elif command == "run":
                ticker.resume()
                if wave is not None:
                    wave.paused = False
        ticker.step(step)
        step += 1
        if step % max(1, args.groups) == 0:
            write_status(args.status, {
                "pid": os.getpid(), "t": time.time(), "running": ticker.running,
                "count": args.count, "rate_hz": args.rate, "groups": args.groups,
                "updates_posted": ticker.updates_posted, "steps": ticker.steps,
                "wave_updates": wave.updates if wave is not None else 0,
                "late_restarts": ticker.late_restarts,
                "stops": {str(k): v for k, v in ticker.stops.items()}})
        # Fixed-rate schedule (no drift): sleep to the next step.
        delay = started + step * period - time.monotonic()
        if delay < -1.0:  # fell far behind (host overloaded): do not burst
            started, step = time.monotonic(), 0
            ticker.late_restarts += 1
            delay = 0.0
        time.sleep(max(0.0, delay))


if __name__ == "__main__":
    main()

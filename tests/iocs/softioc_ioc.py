"""A real EPICS base 7 IOC (pythonSoftIOC) for the contract tests.

Records: ai with alarm limits and severities, ao with drive limits, mbbo,
bo, stringout, longout, a double waveform, a char waveform used as a long
string, a read-only record (access security group READONLY), a UTF-8 unit
and a counter processed at --rate Hz. Run as
``python -m tests.iocs.softioc_ioc --prefix P: [--max-seconds N]``; it exits
by itself after ``--max-seconds`` and on SIGTERM.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
import tempfile
import threading

ACCESS_RULES = """\
ASG(DEFAULT) {
    RULE(1, READ)
    RULE(1, WRITE, TRAPWRITE)
}
ASG(READONLY) {
    RULE(1, READ)
}
"""

CHAR_TEXT = "The quick brown fox jumps over the lazy dog; µ-metal shield OK."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()

    from softioc import asyncio_dispatcher, builder, imports, softioc

    from tests.iocs.beacon_sink import open_beacon_sink

    sink = open_beacon_sink()  # noqa: F841

    acf = tempfile.NamedTemporaryFile("w", suffix=".acf", delete=False)
    acf.write(ACCESS_RULES)
    acf.close()
    # Loads the rules and logs every CA put that reaches a record (TRAPWRITE)
    # on stdout, which the harness keeps in the IOC's log file: the record of
    # what really arrived, for tests that must prove nothing did.
    imports.install_pv_logging(acf.name)

    dispatcher = asyncio_dispatcher.AsyncioDispatcher()
    builder.SetDeviceName(args.prefix.rstrip(":"))
    ai = builder.aIn("ai", initial_value=0.0, EGU="mm", PREC=3, LOPR=-10, HOPR=10,
                HIHI=8, HIGH=5, LOW=-5, LOLO=-8,
                HHSV="MAJOR", HSV="MINOR", LSV="MINOR", LLSV="MAJOR")
    # The ai is an input: CA puts to it would be overwritten on processing,
    # so tests move it through ai_drive, as real hardware would.
    builder.aOut("ai_drive", initial_value=0.0, on_update=lambda v: ai.set(v))
    builder.aOut("ao", initial_value=1.5, EGU="V", PREC=2, DRVL=0, DRVH=10,
                 LOPR=0, HOPR=10, always_update=True)
    builder.mbbOut("mbbo", "Off", "Standby", "On", "Fault", initial_value=0)
    builder.boolOut("bo", ZNAM="Open", ONAM="Closed", initial_value=0)
    builder.stringOut("so", initial_value="hello")
    builder.longOut("long", initial_value=42, EGU="counts", DRVL=0, DRVH=1000)
    builder.WaveformOut("wf", [float(i) for i in range(16)], length=100, EGU="V", PREC=1)
    builder.longStringOut("cwf", initial_value=CHAR_TEXT, length=256)
    builder.aOut("ro", initial_value=3.25, EGU="A", PREC=2, ASG="READONLY")
    builder.aOut("utf8", initial_value=1.0, EGU="µA", PREC=1)
    counter = builder.longIn("counter", initial_value=0)
    # Access security changed while clients are connected: writing 1 to
    # acc_lock moves acc into the READONLY group (dbpf is local, so it is
    # not itself subject to access security), 0 moves it back.
    builder.aOut("acc", initial_value=2.0, EGU="V", PREC=1)
    acc_name = args.prefix + "acc.ASG"
    builder.longOut("acc_lock", initial_value=0, on_update=lambda v: softioc.dbpf(
        acc_name, "READONLY" if v else "DEFAULT"))
    # Put outcomes: refuse has puts disabled (DISP=1: the IOC answers every
    # write with ECA_PUTFAIL), slow completes its put callback only after
    # 3 s (blocking on_update).
    builder.aOut("refuse", initial_value=0.0, DISP=1)

    async def slow_update(value):
        import asyncio

        await asyncio.sleep(3.0)

    builder.aOut("slow", initial_value=0.0, on_update=slow_update, blocking=True,
                 always_update=True)  # else writing the same value completes at once
    # Known server time stamps for the strip chart's tests: writing
    # [value, POSIX time] to stamp_drive posts stamped with that time
    # (TSE=-2: the time comes from the device; MDEL=-1: repeats are posted).
    stamped = builder.aIn("stamped", initial_value=0.0, MDEL=-1, TSE=-2)
    builder.WaveformOut("stamp_drive", [0.0, 0.0], length=2, always_update=True,
                        on_update=lambda v: stamped.set(float(v[0]), timestamp=float(v[1])))
    builder.LoadDatabase()
    # The IOC's own CA client (for links) must not search beyond loopback;
    # no PV Access server: nothing in the tests speaks it.
    softioc.iocInit(dispatcher, enable_pva=False)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    async def count():
        import asyncio

        libc = ctypes.CDLL(None)
        while True:
            counter.set(counter.get() + 1)
            libc.fflush(None)  # the put log is C stdio, block-buffered into a file
            await asyncio.sleep(1.0 / args.rate)

    dispatcher(count)
    if not stop.wait(args.max_seconds):
        print("softioc_ioc: --max-seconds reached, exiting", file=sys.stderr, flush=True)
    os.unlink(acf.name)
    os._exit(0)


if __name__ == "__main__":
    main()

"""The embedded demo IOC behind ``caprobe demo`` (caproto server, loopback only).

Run as ``python -m caprobe.app.demo_ioc --port N [--max-seconds S]``. The
application starts it on a free port, points its own client at exactly that
port, and stops it by PID when the window closes; ``--max-seconds`` bounds
its life even if the application dies first.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
import sys
import time
from typing import Sequence

import numpy as np
from caproto import AlarmSeverity, AlarmStatus, ChannelType
from caproto.server import PVGroup, pvproperty, run

PREFIX = "demo:"
LONG_TEXT = ("Beamline status: front end open, shutter A open, mono at 12.398 keV. "
             "Operator note: µ-focus alignment done 09:40, next injection in 4 min.")


def _alarm(value: float, lolo: float, low: float, high: float, hihi: float):
    if value >= hihi or value <= lolo:
        return (AlarmStatus.HIHI if value >= hihi else AlarmStatus.LOLO), AlarmSeverity.MAJOR_ALARM
    if value >= high or value <= low:
        return (AlarmStatus.HIGH if value >= high else AlarmStatus.LOW), AlarmSeverity.MINOR_ALARM
    return AlarmStatus.NO_ALARM, AlarmSeverity.NO_ALARM


class DemoIOC(PVGroup):
    sine = pvproperty(value=0.0, units="mm", precision=3, read_only=True,
                      lower_disp_limit=-1.0, upper_disp_limit=1.0, doc="1 Hz-ish sine")
    random_walk = pvproperty(value=0.0, units="counts", precision=2, read_only=True)
    noise = pvproperty(value=0.0, units="mV", precision=1, read_only=True, doc="100 Hz noise")
    ramp = pvproperty(value=0.0, units="degC", precision=1, read_only=True, alarm_group="ramp",
                      lower_disp_limit=0.0, upper_disp_limit=100.0,
                      lower_warning_limit=0.0, upper_warning_limit=60.0,
                      lower_alarm_limit=0.0, upper_alarm_limit=80.0)
    setpoint = pvproperty(value=5.0, units="A", precision=3,
                          lower_ctrl_limit=0.0, upper_ctrl_limit=10.0,
                          lower_disp_limit=0.0, upper_disp_limit=10.0)
    readback = pvproperty(value=5.0, units="A", precision=3, read_only=True,
                          lower_disp_limit=0.0, upper_disp_limit=10.0)
    mode = pvproperty(value="Auto", enum_strings=["Off", "Manual", "Auto", "Tune"],
                      dtype=ChannelType.ENUM)
    message = pvproperty(value="Welcome to caprobe", dtype=ChannelType.STRING)
    long_text = pvproperty(value=LONG_TEXT.encode("utf-8"), dtype=ChannelType.CHAR,
                           max_length=512)
    spectrum = pvproperty(value=[0.0] * 1024, max_length=1024, units="counts", precision=1,
                          read_only=True)
    interlock = pvproperty(value=1, units="", read_only=True, doc="read-only status word")

    def __init__(self, *args, ramp_start: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self._ramp_next = ramp_start % 100.0

    @sine.scan(period=0.1)
    async def sine(self, instance, async_lib):
        await instance.write(math.sin(2 * math.pi * time.time() / 6.0))

    @random_walk.scan(period=0.2)
    async def random_walk(self, instance, async_lib):
        await instance.write(instance.value + random.gauss(0.0, 0.5))

    @noise.scan(period=0.01)
    async def noise(self, instance, async_lib):
        await instance.write(random.gauss(0.0, 10.0))

    @ramp.scan(period=0.5)
    async def ramp(self, instance, async_lib):
        value, self._ramp_next = self._ramp_next, (self._ramp_next + 1.0) % 100.0
        status, severity = _alarm(value, -1.0, -1.0, 60.0, 80.0)
        # One write carries value and alarm: one monitor update per step.
        await instance.write(value, status=status, severity=severity)

    @readback.scan(period=0.1)
    async def readback(self, instance, async_lib):
        target = self.setpoint.value
        value = instance.value + 0.15 * (target - instance.value)  # first-order lag
        if abs(value - instance.value) > 1e-6:
            await instance.write(value)

    @spectrum.scan(period=0.5)
    async def spectrum(self, instance, async_lib):
        x = np.linspace(0, 1, 1024)
        centre = 0.5 + 0.1 * math.sin(time.time() / 4.0)
        peak = 1000.0 * np.exp(-((x - centre) ** 2) / 0.002)
        await instance.write((peak + np.random.poisson(20, 1024)).tolist())


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until stopped; ``argv`` defaults to the command line (``caprobe`` passes its own)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, default=24 * 3600.0)
    parser.add_argument("--ramp-start", type=float, default=0.0,
                        help="where demo:ramp starts (0…100; MINOR from 60, MAJOR from 80)")
    args = parser.parse_args(argv)
    # Beacons go to a UDP socket this process holds, so no repeater is
    # needed and nothing is refused (caproto logs every refused beacon).
    beacon_sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    beacon_sink.bind(("127.0.0.1", 0))
    os.environ.update({
        "EPICS_CAS_BEACON_PORT": str(beacon_sink.getsockname()[1]),
        "EPICS_CAS_INTF_ADDR_LIST": "127.0.0.1",
        "EPICS_CAS_AUTO_BEACON_ADDR_LIST": "NO",
        "EPICS_CAS_BEACON_ADDR_LIST": "127.0.0.1",
        "EPICS_CA_SERVER_PORT": str(args.port),
    })
    ioc = DemoIOC(prefix=PREFIX, ramp_start=args.ramp_start)

    async def stop_after(async_lib):
        await asyncio.sleep(args.max_seconds)
        print("demo IOC: --max-seconds reached, exiting", file=sys.stderr, flush=True)
        os._exit(0)

    run(ioc.pvdb, interfaces=["127.0.0.1"], log_pv_names=False, startup_hook=stop_after)


if __name__ == "__main__":
    main()

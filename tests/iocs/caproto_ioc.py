"""A caproto-server IOC covering every record shape the contract tests need.

Run as ``python -m tests.iocs.caproto_ioc --prefix P: [--max-seconds N]``
with EPICS_CA_SERVER_PORT and the loopback EPICS_CAS_* variables set by the
harness. It exits by itself after ``--max-seconds`` so that no test run can
leave it behind.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys

from caproto import AlarmSeverity, AlarmStatus, ChannelType
from caproto.server import PVGroup, pvproperty, run

from tests.iocs.beacon_sink import open_beacon_sink

CHAR_TEXT = "The quick brown fox jumps over the lazy dog; µ-metal shield OK."


class ContractIOC(PVGroup):
    ai = pvproperty(value=0.0, units="mm", precision=3,
                    lower_disp_limit=-10.0, upper_disp_limit=10.0,
                    lower_ctrl_limit=-10.0, upper_ctrl_limit=10.0,
                    lower_alarm_limit=-8.0, upper_alarm_limit=8.0,
                    lower_warning_limit=-5.0, upper_warning_limit=5.0,
                    alarm_group="ai",  # caproto shares one alarm per group by default
                    doc="analog input with alarm limits")
    ai_drive = pvproperty(value=0.0, doc="sets ai, as a device would")
    ao = pvproperty(value=1.5, units="V", precision=2,
                    lower_disp_limit=0.0, upper_disp_limit=10.0,
                    lower_ctrl_limit=0.0, upper_ctrl_limit=10.0)
    mbbo = pvproperty(value="Off", enum_strings=["Off", "Standby", "On", "Fault"],
                      dtype=ChannelType.ENUM)
    bo = pvproperty(value="Open", enum_strings=["Open", "Closed"], dtype=ChannelType.ENUM)
    so = pvproperty(value="hello", dtype=ChannelType.STRING)
    long = pvproperty(value=42, units="counts", lower_ctrl_limit=0, upper_ctrl_limit=1000)
    wf = pvproperty(value=[float(i) for i in range(16)], max_length=100, units="V", precision=1)
    cwf = pvproperty(value=CHAR_TEXT.encode("utf-8"), dtype=ChannelType.CHAR, max_length=256)
    ro = pvproperty(value=3.25, read_only=True, units="A", precision=2)
    utf8 = pvproperty(value=1.0, units="µA", precision=1)
    counter = pvproperty(value=0, doc="increments at --rate Hz")
    refuse = pvproperty(value=0.0, doc="every write fails (device refuses)")
    slow = pvproperty(value=0.0, doc="a write completes after 3 s")
    stamped = pvproperty(value=0.0, read_only=True, doc="value and server time set by stamp_drive")
    stamp_drive = pvproperty(value=[0.0, 0.0], max_length=2,
                             doc="write [value, POSIX time]: stamped posts it with that time")

    def __init__(self, *args, rate: float = 10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self._rate = rate

    @ai_drive.putter
    async def ai_drive(self, instance, value):
        # caproto applies alarm limits only to client writes; a value set by
        # the IOC itself gets its alarm computed here, as a record would.
        status, severity = AlarmStatus.NO_ALARM, AlarmSeverity.NO_ALARM
        if abs(value) >= 8.0:
            status = AlarmStatus.HIHI if value > 0 else AlarmStatus.LOLO
            severity = AlarmSeverity.MAJOR_ALARM
        elif abs(value) >= 5.0:
            status = AlarmStatus.HIGH if value > 0 else AlarmStatus.LOW
            severity = AlarmSeverity.MINOR_ALARM
        await self.ai.write(value)
        await self.ai.alarm.write(status=status, severity=severity)
        return value

    @stamp_drive.putter
    async def stamp_drive(self, instance, value):
        # Known server time stamps (even backwards, even repeated values)
        # for the strip chart's tests.
        await self.stamped.write(float(value[0]), timestamp=float(value[1]))
        return value

    @refuse.putter
    async def refuse(self, instance, value):
        raise ValueError("device refuses")

    @slow.putter
    async def slow(self, instance, value):
        await asyncio.sleep(3.0)
        return value

    @counter.startup
    async def counter(self, instance, async_lib):
        period = 1.0 / self._rate
        while True:
            await instance.write(instance.value + 1)
            await async_lib.library.sleep(period)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    ioc = ContractIOC(prefix=args.prefix, rate=args.rate)

    sink = open_beacon_sink()  # noqa: F841  (kept open for the process lifetime)

    async def stop_after(async_lib):
        await asyncio.sleep(args.max_seconds)
        print("caproto_ioc: --max-seconds reached, exiting", file=sys.stderr, flush=True)
        os._exit(0)

    ioc.startup = stop_after  # runs beside the server; ends the process when due
    run(ioc.pvdb, interfaces=["127.0.0.1"], log_pv_names=False, startup_hook=ioc.startup)


if __name__ == "__main__":
    main()

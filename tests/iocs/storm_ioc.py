"""A caproto-server IOC that floods: ``--count`` PVs each updated ``--rate`` times a second.

Run as ``python -m tests.iocs.storm_ioc --prefix P: --count 1000 --rate 10``.
PVs: ``P:s0000`` … (floats; every update a new value, the update number
plus a fraction so that no client can drop it as unchanged), ``P:ai`` (a
constant the harness reads to know the server is up), ``P:sent`` (how
many updates were published so far, refreshed once a second) and
``P:slow`` (a write completes after ``--slow-put`` seconds).

One asyncio task writes every PV once per period; when the server cannot
keep up, periods run late rather than pile up, and ``P:sent`` tells the
test what was really offered. Exits by itself after ``--max-seconds``.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

from caproto.server import PVGroup, pvproperty, run

from tests.iocs.beacon_sink import open_beacon_sink


def storm_group(prefix: str, count: int, rate: float, slow_put: float) -> PVGroup:
    async def slow_putter(group, instance, value):
        await asyncio.sleep(slow_put)
        return value

    # pvproperties register when the class is created, so the namespace is
    # built first.
    namespace = {
        "ai": pvproperty(value=1.0),
        "sent": pvproperty(value=0, read_only=True),
        "slow": pvproperty(value=0.0, doc="a write completes after --slow-put seconds"
                           ).putter(slow_putter),
    }
    for index in range(count):
        name = f"s{index:04d}"
        namespace[name] = pvproperty(value=0.0, name=name, precision=3)
    return type("StormIOC", (PVGroup,), namespace)(prefix=prefix)


async def flood(group: PVGroup, count: int, rate: float) -> None:
    props = [getattr(group, f"s{i:04d}") for i in range(count)]
    period = 1.0 / rate
    sent = 0
    tick = 0
    next_time = time.monotonic()
    last_report = next_time
    while True:
        tick += 1
        stamp = time.time()
        for index, prop in enumerate(props):
            await prop.write(tick + index / 10_000.0, timestamp=stamp)
        sent += count
        now = time.monotonic()
        if now - last_report >= 1.0:
            await group.sent.write(sent)
            last_report = now
        next_time = max(next_time + period, now)  # late periods are skipped, not queued
        await asyncio.sleep(max(0.0, next_time - now))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--slow-put", type=float, default=3.0)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    group = storm_group(args.prefix, args.count, args.rate, args.slow_put)
    sink = open_beacon_sink()  # noqa: F841  (kept open for the process lifetime)

    async def startup(async_lib):
        asyncio.get_running_loop().create_task(flood(group, args.count, args.rate))
        await asyncio.sleep(args.max_seconds)
        print("storm_ioc: --max-seconds reached, exiting", file=sys.stderr, flush=True)
        os._exit(0)

    run(group.pvdb, interfaces=["127.0.0.1"], log_pv_names=False, startup_hook=startup)


if __name__ == "__main__":
    main()

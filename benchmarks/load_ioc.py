"""Load IOC for the strip-chart benchmark: N float PVs, each updated at R Hz.

Run as::

    python benchmarks/load_ioc.py --port 5999 --count 20 --rate 10 --max-seconds 900

PVs are ``<prefix>pv00`` … (default prefix ``bench:``), plus ``<prefix>ready``
(a constant the benchmark reads to know the server is up). Every PV is a
random walk with a slow sine on top, so every update carries a new value
(PyDM's pyepics plugin drops an update whose value equals the previous one;
with a random walk that never happens in practice). One asyncio loop writes
all N PVs every 1/R s, each write stamped with the wall clock, so every PV
gets exactly R updates per second.

Loopback only: the server binds 127.0.0.1, sends beacons only to 127.0.0.1
(to a UDP socket this process holds itself, so nothing is refused and no
caRepeater is needed), and exits on its own after ``--max-seconds`` even if
whoever started it dies first.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys
import time

from bench_common import serve_on_loopback  # this folder is first on sys.path


def build_group(prefix: str, count: int):
    from caproto.server import PVGroup, pvproperty

    attrs = {
        f"pv{i:02d}": pvproperty(name=f"pv{i:02d}", value=0.0, units="mm", precision=4,
                                 read_only=True, lower_disp_limit=-10.0, upper_disp_limit=10.0)
        for i in range(count)
    }
    attrs["ready"] = pvproperty(name="ready", value=1, read_only=True)
    group_class = type("LoadIOC", (PVGroup,), attrs)
    return group_class(prefix=prefix)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="CA server port (TCP and UDP)")
    parser.add_argument("--prefix", default="bench:")
    parser.add_argument("--count", type=int, default=20, help="number of float PVs")
    parser.add_argument("--rate", type=float, default=10.0, help="updates per second per PV")
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="exit after this long whatever happens")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    beacon_sink = serve_on_loopback(args.port)  # noqa: F841 (held open for the process' life)

    from caproto.server import run

    ioc = build_group(args.prefix, args.count)
    pvs = [getattr(ioc, f"pv{i:02d}") for i in range(args.count)]
    rng = random.Random(args.seed)
    period = 1.0 / args.rate

    async def updater(async_lib):
        values = [0.0] * len(pvs)
        started = time.monotonic()
        tick = 0
        while True:
            now = time.time()
            for i, pv in enumerate(pvs):
                values[i] += rng.gauss(0.0, 0.05)
                value = values[i] + math.sin(2 * math.pi * now / (30.0 + i))
                await pv.write(value, timestamp=now)
            tick += 1
            # Fixed-rate schedule (no drift): sleep to the next tick.
            delay = started + tick * period - time.monotonic()
            if delay < -1.0:  # fell far behind (host overloaded): do not burst
                started, tick = time.monotonic(), 0
                delay = 0.0
            await asyncio.sleep(max(0.0, delay))

    async def startup(async_lib):
        loop = asyncio.get_running_loop()

        def stop():
            print("load IOC: --max-seconds reached, exiting", file=sys.stderr, flush=True)
            os._exit(0)

        loop.call_later(args.max_seconds, stop)
        loop.create_task(updater(async_lib))

    print(f"load IOC: {args.count} PVs {args.prefix}pv00… at {args.rate:g} Hz on "
          f"127.0.0.1:{args.port}, pid {os.getpid()}", file=sys.stderr, flush=True)
    run(ioc.pvdb, interfaces=["127.0.0.1"], log_pv_names=False, startup_hook=startup)


if __name__ == "__main__":
    main()

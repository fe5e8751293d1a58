"""Swallow a test IOC's CA beacons on loopback.

A CA server sends beacons to ``EPICS_CA_REPEATER_PORT`` on the beacon
address list. With no repeater running, every send is refused and caproto
logs a traceback each time. The harness gives each IOC its own repeater
port; binding a UDP socket there inside the IOC process itself absorbs the
beacons without starting another process.
"""
from __future__ import annotations

import os
import socket


def open_beacon_sink() -> socket.socket | None:
    port = int(os.environ.get("EPICS_CAS_BEACON_PORT")
               or os.environ.get("EPICS_CA_REPEATER_PORT") or 0)
    if not port:
        return None
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sink.bind(("127.0.0.1", port))
    except OSError:
        sink.close()
        return None
    return sink

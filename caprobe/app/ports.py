"""Free loopback ports for IOCs this program starts (the demo, tests, benchmarks).

An IOC's port must not be one the kernel may hand to a client socket: a
port chosen with ``bind(0)`` comes from the ephemeral range, and while
that IOC is not running (before a start, during a restart) a CA client's
own UDP socket can be given the same number. Searches sent to the IOC's
port then reach that client, which reads the search request as a reply
(caproto accepts it with an address made of the channel id), and the PV
connects nowhere. Ports below the ephemeral range are never handed out
that way, so IOC ports are picked there.
"""
from __future__ import annotations

import random
import socket
from pathlib import Path

#: Channel Access on loopback only, for IOCs this program starts and their
#: clients: searches go to 127.0.0.1, servers listen and send beacons there.
LOOPBACK_CA_ENV = {
    "EPICS_CA_AUTO_ADDR_LIST": "NO",
    "EPICS_CA_ADDR_LIST": "127.0.0.1",
    "EPICS_CAS_INTF_ADDR_LIST": "127.0.0.1",
    "EPICS_CAS_AUTO_BEACON_ADDR_LIST": "NO",
    "EPICS_CAS_BEACON_ADDR_LIST": "127.0.0.1",
}

#: Ports are drawn from here, below Linux's ephemeral range (32768-60999 by
#: default; read from the system where it tells us).
LOW_PORT = 20000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral_start() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both TCP and UDP on ``host``, outside the ephemeral range."""
    high = _ephemeral_start() - 1
    low = LOW_PORT if high - LOW_PORT > 1000 else 1024
    for _ in range(200):
        port = random.randint(low, high)
        if _bindable(host, port):
            return port
    raise RuntimeError(f"no free port for an IOC on {host} in {low}-{high}")


def _bindable(host: str, port: int) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, \
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            tcp.bind((host, port))
            udp.bind((host, port))
    except OSError:
        return False
    return True

"""Helpers shared by test modules: an independent CA client to check the IOC."""
from __future__ import annotations

from caproto.sync.client import read as ca_read
from caproto.sync.client import write as ca_write

WAIT = 10_000  # ms: generous for a loaded 2-core CI machine


def ioc_value(pvname: str):
    """Read with an independent client (caproto sync), not the one under test."""
    data = ca_read(pvname, timeout=2, repeater=False).data
    return data[0] if len(data) == 1 else data


def ioc_write(pvname: str, value) -> None:
    """Write with the independent client, waiting for completion."""
    ca_write(pvname, value if isinstance(value, (list, bytes)) else [value], notify=True,
             timeout=2, repeater=False)

"""The ``cainfo``-style text block a probe copies to the clipboard.

It reads like the output of EPICS base's ``cainfo`` (state, host, access,
native type, element count) extended with what a support request needs
next: the value with its server time and alarm, units and every limit.
"""
from __future__ import annotations

import datetime
import math
from typing import Optional

from caprobe.model.alarm import Severity
from caprobe.model.reading import ChannelInfo, ConnectionState, Limits, Metadata, Reading


def local_time_text(timestamp: float) -> str:
    """A server timestamp as local wall time with milliseconds."""
    moment = datetime.datetime.fromtimestamp(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def limits_text(limits: Limits) -> str:
    low, high = limits
    if math.isnan(low) and math.isnan(high):
        return "—"
    if low == 0 and high == 0:
        return "not set (0 … 0)"
    return f"{low:g} … {high:g}"


def alarm_text(reading: Optional[Reading]) -> str:
    """``MAJOR – HIHI``, ``NO_ALARM``, or ``—`` when there is no reading."""
    if reading is None:
        return "—"
    if reading.severity == Severity.NO_ALARM:
        return "NO_ALARM"
    return f"{reading.severity.name} – {reading.status}"


def cainfo_text(pvname: str, state: ConnectionState, info: Optional[ChannelInfo],
                metadata: Metadata, reading: Optional[Reading]) -> str:
    """A plain-text block describing one PV, aligned like ``cainfo``."""
    rows = [("State", state.name.lower())]
    if info is not None:
        access = {(True, True): "read, write", (True, False): "read, no write",
                  (False, True): "no read, write", (False, False): "no read, no write"}
        rows += [("Host", info.host or "—"),
                 ("Access", access[(info.read_access, info.write_access)]),
                 ("Native data type", info.field_type.dbf_name),
                 ("Element count", str(info.element_count)),
                 ("CA client", info.backend or "—")]
    if reading is not None:
        rows += [("Value", reading.format()),
                 ("Timestamp", local_time_text(reading.timestamp)),
                 ("Alarm", alarm_text(reading))]
    if metadata.units:
        rows.append(("Units", metadata.units))
    if metadata.precision is not None:
        rows.append(("Precision", str(metadata.precision)))
    if metadata.enum_strings:
        rows.append(("Enum strings", ", ".join(
            f"{i}={label}" for i, label in enumerate(metadata.enum_strings))))
    if metadata.field_type.is_numeric:
        rows += [("Display limits", limits_text(metadata.display_limits)),
                 ("Control limits", limits_text(metadata.control_limits)),
                 ("Warning limits", limits_text(metadata.warning_limits)),
                 ("Alarm limits", limits_text(metadata.alarm_limits))]
    width = max(len(label) for label, _ in rows) + 2
    return "\n".join([pvname] + [f"    {label + ':':<{width}}{value}" for label, value in rows])

"""EPICS alarm severities and status codes (``alarm.h`` / menuAlarmStat)."""
from __future__ import annotations

import enum


class Severity(enum.IntEnum):
    """Alarm severity, ordered so that ``max()`` gives the worst."""

    NO_ALARM = 0
    MINOR = 1
    MAJOR = 2
    INVALID = 3

    @classmethod
    def from_code(cls, code: int) -> Severity:
        """Map a wire value to a severity; out-of-range codes count as INVALID."""
        try:
            return cls(int(code))
        except ValueError:
            return cls.INVALID


class AlarmStatus(enum.IntEnum):
    """Alarm status codes as sent by CA servers (EPICS base 3.14 onwards)."""

    NO_ALARM = 0
    READ = 1
    WRITE = 2
    HIHI = 3
    HIGH = 4
    LOLO = 5
    LOW = 6
    STATE = 7
    COS = 8
    COMM = 9
    TIMEOUT = 10
    HWLIMIT = 11
    CALC = 12
    SCAN = 13
    LINK = 14
    SOFT = 15
    BAD_SUB = 16
    UDF = 17
    DISABLE = 18
    SIMM = 19
    READ_ACCESS = 20
    WRITE_ACCESS = 21


def status_name(code: int) -> str:
    """Name of a status code as EPICS tools print it (``HIHI``, ``LINK``...)."""
    try:
        return AlarmStatus(int(code)).name
    except ValueError:
        return f"STATUS_{int(code)}"

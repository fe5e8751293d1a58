"""Immutable records handed from CA threads to the GUI thread."""
from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any, Optional, Tuple

import numpy as np

from caprobe.model.alarm import Severity

Limits = Tuple[float, float]
NO_LIMITS: Limits = (math.nan, math.nan)


class FieldType(enum.IntEnum):
    """Native CA field type (DBF_*); the integer is the wire code."""

    STRING = 0
    SHORT = 1
    FLOAT = 2
    ENUM = 3
    CHAR = 4
    LONG = 5
    DOUBLE = 6

    @property
    def dbf_name(self) -> str:
        return f"DBF_{self.name}"

    @property
    def is_numeric(self) -> bool:
        return self not in (FieldType.STRING, FieldType.ENUM)

    @property
    def is_integer(self) -> bool:
        return self in (FieldType.SHORT, FieldType.LONG, FieldType.CHAR, FieldType.ENUM)


class ConnectionState(enum.IntEnum):
    """Where a channel stands; ``SEARCHING`` means never connected yet."""

    SEARCHING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    CLOSED = 3


@dataclasses.dataclass(frozen=True)
class Metadata:
    """Control metadata (DBR_CTRL_*) plus what the channel itself reports.

    Shared by every ``Reading`` until the server announces a property
    change, so a monitor update costs one small object, not twelve fields.
    """

    field_type: FieldType = FieldType.DOUBLE
    element_count: int = 1
    units: str = ""
    precision: Optional[int] = None
    enum_strings: Tuple[str, ...] = ()
    display_limits: Limits = NO_LIMITS
    control_limits: Limits = NO_LIMITS
    alarm_limits: Limits = NO_LIMITS
    warning_limits: Limits = NO_LIMITS

    @property
    def is_char_array(self) -> bool:
        """A DBF_CHAR waveform, which EPICS users read as a long string."""
        return self.field_type == FieldType.CHAR and self.element_count > 1

    @property
    def is_array(self) -> bool:
        return self.element_count > 1


@dataclasses.dataclass(frozen=True)
class ChannelInfo:
    """What ``cainfo`` tells about a connected channel."""

    host: str = ""
    field_type: FieldType = FieldType.DOUBLE
    element_count: int = 1
    read_access: bool = False
    write_access: bool = False
    backend: str = ""

    @property
    def access_text(self) -> str:
        return {
            (True, True): "read/write",
            (True, False): "read only",
            (False, True): "write only",
            (False, False): "no access",
        }[(self.read_access, self.write_access)]


@dataclasses.dataclass(frozen=True)
class Reading:
    """One monitor update: value, server time, alarm and metadata.

    ``timestamp`` is POSIX seconds from the server's time stamp (backends
    convert from the EPICS 1990 epoch). Array values are read-only numpy
    arrays so that no receiver can alter what another receiver sees.
    """

    value: Any
    timestamp: float
    severity: Severity = Severity.NO_ALARM
    status: str = "NO_ALARM"
    metadata: Metadata = Metadata()

    # Convenience views on the metadata, under the names EPICS users know.
    @property
    def units(self) -> str:
        return self.metadata.units

    @property
    def precision(self) -> Optional[int]:
        return self.metadata.precision

    @property
    def enum_strings(self) -> Tuple[str, ...]:
        return self.metadata.enum_strings

    @property
    def display_limits(self) -> Limits:
        return self.metadata.display_limits

    @property
    def control_limits(self) -> Limits:
        return self.metadata.control_limits

    @property
    def alarm_limits(self) -> Limits:
        return self.metadata.alarm_limits

    @property
    def warning_limits(self) -> Limits:
        return self.metadata.warning_limits

    @property
    def field_type(self) -> FieldType:
        return self.metadata.field_type

    @property
    def text(self) -> str:
        """A char waveform as text: up to the first NUL, bad bytes escaped."""
        return char_array_text(self.value)

    def format(self, **options: Any) -> str:
        """The value as EPICS users expect it; see :func:`format_value`."""
        from caprobe.model.format import format_value

        return format_value(self, **options)

    def with_metadata(self, metadata: Metadata) -> Reading:
        return dataclasses.replace(self, metadata=metadata)


def decode_text(raw: bytes) -> str:
    """Decode a CA string field (units, enum labels, DBR_STRING values).

    CA carries bytes with no declared encoding. EPICS base IOCs usually hold
    UTF-8, while caproto's server encodes as Latin-1 by default; trying
    UTF-8 first and falling back to Latin-1 shows ``µA`` the same from both.
    """
    raw = raw.split(b"\0", 1)[0]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def char_array_text(value: Any) -> str:
    """Decode a DBF_CHAR array as UTF-8 text, stopping at the first NUL.

    Invalid bytes are shown as ``\\xNN`` escapes rather than dropped, so an
    operator can tell a corrupted string from an empty one.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    else:
        raw = np.asarray(value).astype(np.uint8, copy=False).tobytes()
    nul = raw.find(b"\0")
    if nul >= 0:
        raw = raw[:nul]
    return raw.decode("utf-8", errors="backslashreplace")


def frozen_array(value: Any) -> np.ndarray:
    """A numpy array that receivers cannot write into."""
    array = np.array(value, copy=True)
    array.flags.writeable = False
    return array


@dataclasses.dataclass(frozen=True)
class SampleBatch:
    """Every reading of one PV since the previous frame, oldest first.

    ``dropped`` counts readings lost before this batch because the
    per-channel history between frames overflowed (the GUI thread fell
    behind); it is never silently zero when something was lost.
    """

    readings: Tuple[Reading, ...]
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.readings)

    def timestamps(self) -> np.ndarray:
        return np.fromiter((r.timestamp for r in self.readings), dtype=float,
                           count=len(self.readings))

    def values(self) -> np.ndarray:
        """Scalar values as floats (NaN where a value is not a number)."""
        out = np.empty(len(self.readings))
        for i, reading in enumerate(self.readings):
            try:
                out[i] = float(reading.value)
            except (TypeError, ValueError):
                out[i] = math.nan
        return out

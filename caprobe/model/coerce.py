"""Check and convert a value before it is written to a PV.

Everything a write can get wrong for the type is caught here, before a
single byte goes on the wire: the operator gets a reason, and the PV is
left alone. Both backends and the hub use this one function so that the
rules are the same whichever CA client is loaded.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from caprobe.model.reading import FieldType

#: A DBR_STRING holds 40 bytes including the terminating NUL.
MAX_STRING_BYTES = 39

_INT_RANGES = {
    FieldType.CHAR: (0, 255),
    FieldType.SHORT: (-(2**15), 2**15 - 1),
    FieldType.LONG: (-(2**31), 2**31 - 1),
    FieldType.ENUM: (0, 65535),
}
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_DTYPES = {
    FieldType.CHAR: np.uint8,
    FieldType.SHORT: np.int16,
    FieldType.LONG: np.int32,
    FieldType.FLOAT: np.float32,
    FieldType.DOUBLE: np.float64,
    FieldType.ENUM: np.uint16,
}


class PutRejected(ValueError):
    """A value that cannot be written; ``str()`` is the operator's reason."""


def coerce_put_value(value: Any, field_type: FieldType, element_count: int = 1,
                     enum_strings: Sequence[str] = ()) -> Any:
    """Return ``value`` converted for a PV of this type, or raise PutRejected.

    Scalars come back as ``float``, ``int`` or ``str``; char waveforms
    written as text come back as NUL-terminated ``bytes``; numeric arrays
    as numpy arrays of the native dtype.
    """
    field_type = FieldType(field_type)
    if field_type == FieldType.CHAR and element_count > 1 and isinstance(value, (str, bytes)):
        return _char_array(value, element_count)
    if element_count > 1 and _is_sequence(value):
        return _array(value, field_type, element_count, enum_strings)
    if _is_sequence(value):
        items = list(value)
        if len(items) != 1:
            raise PutRejected(f"expected one value, got {len(items)}")
        value = items[0]
    if field_type == FieldType.STRING:
        return _string(value)
    if field_type == FieldType.ENUM:
        return _enum(value, enum_strings)
    if field_type in (FieldType.DOUBLE, FieldType.FLOAT):
        return _float(value, field_type)
    return _integer(value, field_type)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray)) and not np.isscalar(value)


def _string(value: Any) -> str:
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise PutRejected("text is not valid UTF-8") from None
    text = str(value)
    size = len(text.encode("utf-8"))
    if size > MAX_STRING_BYTES:
        raise PutRejected(
            f"text is {size} bytes; a DBR_STRING holds at most {MAX_STRING_BYTES} "
            f"(40 with the terminating NUL)")
    return text


def _char_array(value: Any, element_count: int) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if len(raw) >= element_count:
        raise PutRejected(
            f"text is {len(raw)} bytes; this char waveform holds {element_count - 1} "
            f"plus the terminating NUL")
    return raw + b"\0"


def _parse_number(value: Any) -> float | int:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise PutRejected("empty input: type a number")
        try:
            return int(text, 0)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            raise PutRejected(f"{value!r} is not a number") from None
    raise PutRejected(f"cannot write a {type(value).__name__} to a numeric PV")


def _float(value: Any, field_type: FieldType) -> float:
    number = float(_parse_number(value))
    if math.isnan(number):
        raise PutRejected("NaN is not accepted as a setpoint")
    if math.isinf(number):
        raise PutRejected(f"{value!r} is out of range for a {field_type.dbf_name}")
    if field_type == FieldType.FLOAT and abs(number) > _FLOAT32_MAX:
        raise PutRejected(f"{value!r} is out of range for a DBF_FLOAT")
    return number


def _integer(value: Any, field_type: FieldType) -> int:
    number = _parse_number(value)
    if isinstance(number, float):
        if not math.isfinite(number) or number != int(number):
            raise PutRejected(f"{value!r} is not a whole number ({field_type.dbf_name})")
        number = int(number)
    low, high = _INT_RANGES[field_type]
    if not low <= number <= high:
        raise PutRejected(f"{number} is outside {low}…{high} ({field_type.dbf_name})")
    return number


def _enum(value: Any, enum_strings: Sequence[str]) -> int:
    choices = list(enum_strings)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str) and value in choices:
        return choices.index(value)
    try:
        index = _integer(value, FieldType.ENUM)
    except PutRejected:
        listed = ", ".join(repr(c) for c in choices) or "none defined"
        raise PutRejected(f"{value!r} is not one of the states ({listed})") from None
    if choices and index >= len(choices):
        raise PutRejected(f"state index {index} is out of range 0…{len(choices) - 1}")
    return index


def _array(value: Any, field_type: FieldType, element_count: int,
           enum_strings: Sequence[str]) -> Any:
    items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
    if len(items) > element_count:
        raise PutRejected(f"{len(items)} elements; this PV holds at most {element_count}")
    if field_type == FieldType.STRING:
        return [_string(v) for v in items]
    converted = [coerce_put_value(v, field_type, 1, enum_strings) for v in items]
    return np.asarray(converted, dtype=_DTYPES[field_type])

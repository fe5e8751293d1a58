"""What an operator typed, checked against the PV before anything is sent.

Write controls call :func:`parse_entry` on every keystroke (to show why an
entry is not acceptable yet) and once more on Enter. The same rules as the
hub's last check apply (:func:`coerce_put_value`), plus the PV's control
limits: an IOC would clamp an out-of-range setpoint silently (DRVL/DRVH),
which is exactly the kind of write the operator did not ask for.
"""
from __future__ import annotations

import math
import re
from typing import Any

from caprobe.model.coerce import PutRejected, coerce_put_value
from caprobe.model.reading import FieldType, Metadata

_ARRAY_SEPARATORS = re.compile(r"[\s,;]+")


def control_limits_set(metadata: Metadata) -> bool:
    """True when the PV declares usable control limits (not NaN, not 0…0)."""
    low, high = metadata.control_limits
    return not (math.isnan(low) or math.isnan(high)) and low < high


def parse_entry(text: str, metadata: Metadata) -> Any:
    """Turn typed text into the value to write, or raise ``PutRejected``.

    Returns text for string and char-array PVs, an enum index for enums,
    a number for numeric scalars and a list of numbers for numeric arrays.
    """
    field_type, count = metadata.field_type, metadata.element_count
    if metadata.is_char_array or field_type == FieldType.STRING:
        coerce_put_value(text, field_type, count, metadata.enum_strings)
        return text
    if field_type == FieldType.ENUM:
        return coerce_put_value(text.strip(), field_type, 1, metadata.enum_strings)
    if count > 1:
        items = [item for item in _ARRAY_SEPARATORS.split(text.strip().strip("[]")) if item]
        if not items:
            raise PutRejected("empty input: type numbers separated by spaces or commas")
        values = coerce_put_value(items, field_type, count)
        for value in values:
            _check_limits(float(value), metadata)
        return [v.item() for v in values]
    value = coerce_put_value(text, field_type, 1)
    _check_limits(float(value), metadata)
    return value


def _check_limits(value: float, metadata: Metadata) -> None:
    if not control_limits_set(metadata):
        return
    low, high = metadata.control_limits
    units = f" {metadata.units}" if metadata.units else ""
    if value < low:
        raise PutRejected(f"{value:g} is below the control limit {low:g}{units}")
    if value > high:
        raise PutRejected(f"{value:g} is above the control limit {high:g}{units}")

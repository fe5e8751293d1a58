"""Turn a reading into the text an EPICS user expects to see."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from caprobe.model.reading import FieldType, char_array_text

if TYPE_CHECKING:
    from caprobe.model.reading import Reading

#: Format modes understood by :func:`format_value`.
FORMATS = ("default", "decimal", "exponential", "hex", "binary", "string", "enum_index")

_FLOATING = frozenset({FieldType.FLOAT, FieldType.DOUBLE})

#: Arrays longer than this are abbreviated in one-line text.
ARRAY_PREVIEW = 8


def format_number(value: Any, field_type: FieldType, mode: str = "default",
                  precision: Optional[int] = None) -> str:
    """Format one scalar number.

    NaN and infinities print as ``NaN``, ``+Inf`` and ``-Inf`` in every
    mode, because a hex or binary rendering of them means nothing.
    """
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
    if mode in ("hex", "binary"):
        integer = int(value)
        sign = "-" if integer < 0 else ""
        digits = format(abs(integer), "X" if mode == "hex" else "b")
        return f"{sign}{'0x' if mode == 'hex' else '0b'}{digits}"
    if mode == "exponential":
        return f"{float(value):.{3 if precision is None else max(0, precision)}e}"
    if field_type.is_integer and mode != "decimal":
        return str(int(value))
    if precision is None:
        if mode == "decimal":
            precision = 3
        else:
            return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)
    precision = max(0, min(int(precision), 17))
    if field_type.is_integer:
        return f"{float(value):.{precision}f}"
    return f"{float(value):.{precision}f}"


def format_value(reading: Reading, *, mode: str = "default", precision: Optional[int] = None,
                 show_units: bool = True) -> str:
    """Text for a reading's value.

    Parameters
    ----------
    mode : one of :data:`FORMATS`
        ``default`` uses the PV's precision, enum labels and, for char
        waveforms, text. ``enum_index`` shows the enum index instead of its
        label; ``string`` forces a char array to text.
    precision : int, optional
        Overrides the PV's ``PREC`` for ``decimal``/``exponential``/default.
    show_units : bool
        Append the engineering units, if any.
    """
    meta = reading.metadata
    value = reading.value
    if (type(value) is float and mode == "default" and meta.field_type in _FLOATING
            and math.isfinite(value)):
        # The common case, every update of every double PV on screen: the
        # same text as the general path below, without its type dispatch.
        prec = meta.precision if precision is None else precision
        text = repr(value) if prec is None else f"{value:.{max(0, min(int(prec), 17))}f}"
        return f"{text} {meta.units}" if show_units and meta.units else text
    if mode not in FORMATS:
        raise ValueError(f"unknown format {mode!r}; choose one of {', '.join(FORMATS)}")
    prec = meta.precision if precision is None else precision
    units = f" {meta.units}" if show_units and meta.units else ""

    if meta.field_type == FieldType.STRING:
        if isinstance(value, np.ndarray) and value.size > 1:
            return " ".join(str(v) for v in value[:ARRAY_PREVIEW])
        return str(value if not isinstance(value, np.ndarray) else value.flat[0])
    if meta.field_type == FieldType.ENUM and mode in ("default", "enum_index"):
        index = int(np.asarray(value).flat[0]) if np.size(value) else 0
        if mode == "default" and 0 <= index < len(meta.enum_strings):
            return meta.enum_strings[index]
        return str(index)
    if meta.is_char_array and mode in ("default", "string"):
        return char_array_text(value)
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if value.size == 1:
            return format_number(value[0], meta.field_type, mode, prec) + units
        head = ", ".join(format_number(v, meta.field_type, mode, prec)
                         for v in value[:ARRAY_PREVIEW])
        more = ", …" if value.size > ARRAY_PREVIEW else ""
        return f"[{head}{more}] ({value.size} elements){units}"
    return format_number(value, meta.field_type, mode, prec) + units

"""Time spans as people type them ("90s", "15m", "2h", "1h30m", "1d") and read them."""
from __future__ import annotations

import math
import re

MIN_SPAN = 1.0
MAX_SPAN = 31 * 86400.0

#: The strip chart's span presets, in seconds (30 s … 1 day).
SPAN_PRESETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 6 * 3600, 12 * 3600, 86400)

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*")


def parse_span(text: str) -> float:
    """Seconds from "90s", "15 min", "2h", "1h30m", "1d" or a bare number of seconds.

    Raises ValueError with a message an operator can act on.
    """
    source = (text or "").strip().lower()
    if not source:
        raise ValueError("empty time span: type e.g. 90s, 15m, 2h or 1d")
    total, pos = 0.0, 0
    while pos < len(source):
        match = _PART.match(source, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"cannot read {text!r} as a time span: use e.g. 90s, 15m, 2h, 1d")
        number, unit = float(match.group(1)), match.group(2) or "s"
        if unit not in _UNITS:
            raise ValueError(f"unknown unit {unit!r} in {text!r}: use s, m, h or d")
        total += number * _UNITS[unit]
        pos = match.end()
    return check_span(total)


def check_span(seconds: float) -> float:
    if not math.isfinite(seconds) or not MIN_SPAN <= seconds <= MAX_SPAN:
        raise ValueError(f"time span must be between {format_span(MIN_SPAN)} and "
                         f"{format_span(MAX_SPAN)}, not {seconds:g} s")
    return float(seconds)


def format_span(seconds: float) -> str:
    """ "30 s", "1 min 30 s", "15 min", "2 h", "1 h 30 min", "1 day"."""
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:g} s"
    parts = []
    for name, size in (("day", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count = int(seconds // size)
        if count:
            if name == "day":
                parts.append(f"{count} day" + ("s" if count > 1 else ""))
            else:
                parts.append(f"{count} {name}")
            seconds -= count * size
    return " ".join(parts[:2])

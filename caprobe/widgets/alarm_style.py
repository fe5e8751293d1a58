"""EPICS alarm colours, plus a border style per severity for colour-blind users."""
from __future__ import annotations

from caprobe.model import Severity

#: Conventional EPICS display colours (MEDM/Phoebus): green, yellow, red, white/magenta.
SEVERITY_COLORS = {
    Severity.NO_ALARM: "#00a000",
    Severity.MINOR: "#e0c000",
    Severity.MAJOR: "#e00000",
    Severity.INVALID: "#c000c0",
}
DISCONNECTED_COLOR = "#808080"

#: Border pattern per state: shape as well as colour tells them apart.
_BORDERS = {
    Severity.NO_ALARM: "1px solid transparent",
    Severity.MINOR: "2px dashed",
    Severity.MAJOR: "3px solid",
    Severity.INVALID: "2px dotted",
}


def severity_style(severity: Severity | None, connected: bool = True) -> str:
    """A stylesheet fragment for a value shown with this alarm state."""
    if not connected or severity is None:
        return f"color: {DISCONNECTED_COLOR}; border: 2px dotted {DISCONNECTED_COLOR};"
    color = SEVERITY_COLORS[severity]
    border = _BORDERS[severity]
    text = "#000000" if severity == Severity.NO_ALARM else color
    border_color = "" if severity == Severity.NO_ALARM else f" {color}"
    return f"color: {text}; border: {border}{border_color};"

"""EPICS alarm colours, plus a border style per severity for colour-blind users.

Two looks share one table: ``severity_style`` for a value (coloured text
and a border whose pattern differs per severity) and ``severity_badge_style``
for an alarm label (filled with the alarm colour, text chosen for contrast).
The border pattern is what lets a colour-blind operator tell MINOR
(dashed), MAJOR (thick solid), INVALID (dotted, double width) and
disconnected (grey, dotted) apart.
"""
from __future__ import annotations

from caprobe.model import Severity

#: Conventional EPICS display colours (MEDM/Phoebus): green, yellow, red, magenta.
SEVERITY_COLORS = {
    Severity.NO_ALARM: "#00a000",
    Severity.MINOR: "#e0c000",
    Severity.MAJOR: "#e00000",
    Severity.INVALID: "#c000c0",
}
DISCONNECTED_COLOR = "#808080"

#: Text drawn in the alarm colour must stay legible on a light background;
#: pure EPICS yellow does not, so MINOR text uses a darker amber.
_TEXT_COLORS = {
    Severity.NO_ALARM: "#000000",
    Severity.MINOR: "#8a6d00",
    Severity.MAJOR: "#d00000",
    Severity.INVALID: "#a000a0",
}
_BADGE_TEXT = {
    Severity.NO_ALARM: "#ffffff",
    Severity.MINOR: "#000000",
    Severity.MAJOR: "#ffffff",
    Severity.INVALID: "#ffffff",
}

#: Border pattern per state: shape as well as colour tells them apart.
BORDERS = {
    Severity.NO_ALARM: "2px solid transparent",
    Severity.MINOR: "2px dashed",
    Severity.MAJOR: "3px solid",
    Severity.INVALID: "3px dotted",
}
DISCONNECTED_BORDER = "2px dotted"


def severity_style(severity: Severity | None, connected: bool = True) -> str:
    """A stylesheet fragment for a value shown with this alarm state."""
    if not connected or severity is None:
        return f"color: {DISCONNECTED_COLOR}; border: {DISCONNECTED_BORDER} {DISCONNECTED_COLOR};"
    border = BORDERS[severity]
    border_color = "" if severity == Severity.NO_ALARM else f" {SEVERITY_COLORS[severity]}"
    return f"color: {text_color(severity)}; border: {border}{border_color};"


def text_color(severity: Severity | None, connected: bool = True) -> str:
    """Colour for a value's text in this alarm state (legible on a light background)."""
    if not connected or severity is None:
        return DISCONNECTED_COLOR
    return _TEXT_COLORS[severity]


def badge_colors(severity: Severity | None, connected: bool = True) -> tuple[str, str]:
    """(text, fill) of an alarm badge; fill is "" when all is well (outlined, not filled)."""
    if not connected or severity is None:
        return "#ffffff", DISCONNECTED_COLOR
    if severity == Severity.NO_ALARM:  # calm when all is well, so alarms stand out
        return SEVERITY_COLORS[severity], ""
    return _BADGE_TEXT[severity], SEVERITY_COLORS[severity]


def severity_badge_style(severity: Severity | None, connected: bool = True) -> str:
    """A stylesheet fragment for an alarm label: filled, with the same borders."""
    fg, fill = badge_colors(severity, connected)
    if not connected or severity is None:
        return (f"color: {fg}; background-color: {fill}; "
                f"border: {DISCONNECTED_BORDER} #404040;")
    if not fill:
        return f"color: {fg}; background-color: transparent; border: 2px solid {fg};"
    border = BORDERS[severity].replace("transparent", "")
    return f"color: {fg}; background-color: {fill}; border: {border} #000000;"

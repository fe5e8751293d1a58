"""EPICS alarm colours, plus a border style per severity for colour-blind users.

Two presentations share one table: ``severity_style`` for a value (coloured text
and a border whose pattern differs per severity) and ``severity_badge_style``
for an alarm label (filled with the alarm colour, text chosen for contrast).
The border pattern is what lets a colour-blind operator tell MINOR
(dashed), MAJOR (thick solid), INVALID (dotted, double width) and
disconnected (grey, dotted) apart.

The fills keep the standard EPICS colours in both looks (light and dark,
see ``widgets.look``); text and borders drawn *on the window background*
use lighter shades on a dark background, where dark red, magenta and
black text would be hard or impossible to read. Badge text is chosen
against the fill, so it is the same in both looks.
"""
from __future__ import annotations

from caprobe.model import Severity
from caprobe.widgets.look import dark_look

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
#: The same on a dark background: at least 4.5:1 against the dark palette's
#: window colour, so a MAJOR value is as readable as any other text.
_DARK_TEXT_COLORS = {
    Severity.NO_ALARM: "#e6e6e6",
    Severity.MINOR: "#ffd21f",
    Severity.MAJOR: "#ff6b6b",
    Severity.INVALID: "#ff70ff",
}
#: Borders on a dark background: the standard red and magenta are too dark
#: there to see (below 3:1), so brighter shades of the same hues.
_DARK_BORDER_COLORS = {
    Severity.MINOR: "#e0c000",
    Severity.MAJOR: "#ff3b3b",
    Severity.INVALID: "#e040e0",
}
DARK_DISCONNECTED_COLOR = "#9a9a9a"
#: An outlined NO_ALARM badge is green text on the window background.
_DARK_NO_ALARM_BADGE = "#3ccf3c"
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


def disconnected_color() -> str:
    """Grey of a disconnected value's text and border in the current look."""
    return DARK_DISCONNECTED_COLOR if dark_look() else DISCONNECTED_COLOR


def border_color(severity: Severity) -> str:
    """Colour of the border drawn around a value in this alarm state."""
    if dark_look() and severity in _DARK_BORDER_COLORS:
        return _DARK_BORDER_COLORS[severity]
    return SEVERITY_COLORS[severity]


def value_rules(severity: Severity | None, connected: bool = True, *,
                colors: bool = True, border: bool = True) -> list[str]:
    """Stylesheet rules for a value shown with this alarm state.

    The one rule for every widget that shows a value: ``colors`` and
    ``border`` are its ``alarmSensitive`` and ``alarmBorder`` switches. The
    disconnected look (grey, dotted) is always on: a stale value must never
    pass for a live one.
    """
    if not connected or severity is None:
        grey = disconnected_color()
        return [f"color: {grey}", f"border: {DISCONNECTED_BORDER} {grey}"]
    rules = []
    if colors:
        rules.append(f"color: {text_color(severity)}")
    if border:
        pattern = BORDERS[severity]
        colour = "" if severity == Severity.NO_ALARM else f" {border_color(severity)}"
        rules.append(f"border: {pattern}{colour}")
    return rules


def severity_style(severity: Severity | None, connected: bool = True, *,
                   colors: bool = True, border: bool = True) -> str:
    """A stylesheet fragment for a value shown with this alarm state (see ``value_rules``)."""
    return " ".join(f"{rule};" for rule in value_rules(severity, connected, colors=colors,
                                                           border=border))


def text_color(severity: Severity | None, connected: bool = True) -> str:
    """Colour for a value's text in this alarm state, legible on the current look."""
    if not connected or severity is None:
        return disconnected_color()
    return (_DARK_TEXT_COLORS if dark_look() else _TEXT_COLORS)[severity]


def badge_colors(severity: Severity | None, connected: bool = True) -> tuple[str, str]:
    """(text, fill) of an alarm badge; fill is "" when all is well (outlined, not filled)."""
    if not connected or severity is None:
        return "#ffffff", DISCONNECTED_COLOR
    if severity == Severity.NO_ALARM:  # calm when all is well, so alarms stand out
        return (_DARK_NO_ALARM_BADGE if dark_look() else SEVERITY_COLORS[severity]), ""
    return _BADGE_TEXT[severity], SEVERITY_COLORS[severity]


def severity_badge_style(severity: Severity | None, connected: bool = True, *,
                         colors: bool = True) -> str:
    """A stylesheet fragment for an alarm label: filled, with the same borders.

    With ``colors`` off (a widget's ``alarmSensitive`` switched off) a
    connected PV's badge is plain text in a thin frame: the words still say
    the severity, nothing flashes. Disconnected stays grey either way.
    """
    if not colors and connected and severity is not None:
        return (f"color: {text_color(Severity.NO_ALARM)}; background-color: transparent; "
                f"border: 1px solid {disconnected_color()};")
    fg, fill = badge_colors(severity, connected)
    if not connected or severity is None:
        return (f"color: {fg}; background-color: {fill}; "
                f"border: {DISCONNECTED_BORDER} #404040;")
    if not fill:
        return f"color: {fg}; background-color: transparent; border: 2px solid {fg};"
    border = BORDERS[severity].replace("transparent", "")
    return f"color: {fg}; background-color: {fill}; border: {border} #000000;"

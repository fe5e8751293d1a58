"""Colours that depend on whether the widgets sit on a light or a dark background.

The widgets draw some things themselves (status text, editing highlights,
plot backgrounds and axes, lamp outlines) where the palette alone cannot
choose the colour. This module is the one table of those colours, one
column per look, and a process-wide notice when the look changes, so live
widgets restyle at once instead of at their next update (a setpoint may
not change for hours).

caprobe's application chooses the look with its theme (``caprobe.app.
themes``). Another application embedding the widgets gets the look that
matches its palette when the first widget asks; it may call
:func:`set_dark_look` after changing its palette later.

GUI thread only.
"""
from __future__ import annotations

from typing import Iterable

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtGui import QPalette
from PyQt5.QtWidgets import QApplication

#: Role -> (light, dark). The light column is the look caprobe always had.
_COLORS: dict[str, tuple[str, str]] = {
    # text
    "text": ("#000000", "#e6e6e6"),
    "text_ok": ("#006000", "#6ad46a"),
    "text_bad": ("#c00000", "#ff6b6b"),
    "text_warn": ("#8a6d00", "#e8c547"),
    "text_info": ("#505050", "#a8a8a8"),
    # probe connection state
    "state_connected": ("#007000", "#5cd65c"),
    "state_searching": ("#a06000", "#f0a040"),
    "state_disconnected": ("#c00000", "#ff6b6b"),
    "state_closed": ("#808080", "#9a9a9a"),
    # entry highlights: the text on them is the palette's (dark on light, light on dark)
    "editing_bg": ("#fff4c2", "#4d4213"),
    "editing_border": ("#d9a400", "#d9a400"),
    "invalid_bg": ("#ffe0e0", "#4d1f1f"),
    "invalid_border": ("#d00000", "#ff5050"),
    "blocked_bg": ("#e8e8e8", "#3a3b3e"),
    # plots
    "plot_bg": ("#ffffff", "#1b1c1f"),
    "plot_fg": ("#606060", "#a0a0a0"),  # axes, ticks, tick labels, grid
    "plot_text": ("#202020", "#dcdcdc"),  # axis titles
    "curve": ("#1f5fbf", "#5c9dff"),
    "curve_off": ("#a0a0a0", "#777777"),
    "cursor": ("#606060", "#a0a0a0"),
    "paused": ("#b05000", "#ff9f43"),
    # lamps (LED, byte indicator)
    "lamp_outline": ("#303030", "#8c8c8c"),
    "lamp_unknown": ("#d0d0d0", "#4a4a4a"),
}


class _LookNotifier(QObject):
    changed = pyqtSignal(bool)  # dark


_dark: bool | None = None
_notifier: _LookNotifier | None = None


def palette_is_dark(palette: QPalette | None = None) -> bool:
    """Whether a palette (default: the application's) draws windows dark."""
    if palette is None:
        app = QApplication.instance()
        if app is None:
            return False
        palette = app.palette()
    return palette.color(QPalette.Window).lightness() < 128


def dark_look() -> bool:
    """The current look: True on a dark background."""
    global _dark
    if _dark is None:
        if QApplication.instance() is None:
            return False  # no palette yet: ask again once there is one
        _dark = palette_is_dark()
    return _dark


def set_dark_look(dark: bool | None) -> None:
    """Choose the look (None: follow the application's palette) and restyle live widgets."""
    global _dark
    new = palette_is_dark() if dark is None else bool(dark)
    if new == _dark:
        return
    _dark = new
    look_notifier().changed.emit(new)


def look_notifier() -> _LookNotifier:
    """Emits ``changed(dark)`` after the look changed; widgets connect a bound method."""
    global _notifier
    if _notifier is None:
        _notifier = _LookNotifier(QApplication.instance())
    return _notifier


def look_color(role: str) -> str:
    """The colour of ``role`` (a key of the table above) in the current look."""
    light, dark = _COLORS[role]
    return dark if dark_look() else light


def style_plot(background_owner, axes: Iterable) -> None:
    """Give a pyqtgraph view and its axes the current look's colours.

    ``background_owner`` is anything with ``setBackground`` (a GraphicsView,
    PlotWidget or GraphicsLayoutWidget), or None. Axis titles get the text
    colour; callers that colour a title themselves set it again afterwards.
    """
    if background_owner is not None:
        background_owner.setBackground(look_color("plot_bg"))
    fg, text = look_color("plot_fg"), look_color("plot_text")
    for axis in axes:
        axis.setPen(fg)
        axis.setTextPen(fg)
        # setTextPen coloured the title like the ticks; titles read better brighter.
        axis.labelStyle["color"] = text
        axis.label.setHtml(axis.labelString())


def plot_item_axes(plot_item) -> list:
    """The axis items of a pyqtgraph PlotItem (shown or not)."""
    return [plot_item.getAxis(name) for name in ("left", "bottom", "right", "top")]

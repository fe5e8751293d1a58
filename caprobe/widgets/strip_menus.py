"""The strip chart's menus: per curve (legend right-click) and per axis (the "Axes" button).

They only call the chart's public methods, so everything a menu can do a
program can do too (and tests do it that way).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QAction, QActionGroup, QColorDialog, QInputDialog, QMenu

from caprobe.widgets.pv_context import add_pv_actions
from caprobe.widgets.strip_axes import AUTO, FIXED, LIMITS, MODE_NAMES

if TYPE_CHECKING:
    from caprobe.widgets.strip_chart import StripChart

WIDTHS = (1, 2, 3, 4)


def curve_menu(chart: StripChart, name: str) -> QMenu:
    """One PV's menu: the PV entries every caprobe widget offers (copy its name and
    value, open it in a probe), its waveform view, then colour, width, axis,
    visibility, clear and remove."""
    style = chart.curve_style(name)
    menu = QMenu(chart)
    # The chart routes "Open in probe" itself (its host window may listen).
    add_pv_actions(menu, name, lambda: chart.value_text(name), probe=False, strip=False)
    menu.addSeparator()
    menu.addAction("Open in probe", lambda: chart.open_in_probe(name))
    menu.addAction("Open waveform view", lambda: chart.waveform_requested.emit(name))
    menu.addSeparator()
    menu.addAction("Colour…", lambda: choose_color(chart, name))
    width_menu = menu.addMenu("Width")
    for width in WIDTHS:
        action = width_menu.addAction(f"{width} px",
                                      lambda w=width: chart.set_curve_style(name, width=w))
        action.setCheckable(True)
        action.setChecked(style["width"] == width)
    axis_menu = menu.addMenu("Axis")
    for axis_id in chart.axis_ids():
        action = axis_menu.addAction(f"{axis_id} ({chart.axis(axis_id).side})",
                                     lambda a=axis_id: chart.set_axis(name, a))
        action.setCheckable(True)
        action.setChecked(style["axis"] == axis_id)
    axis_menu.addSeparator()
    for side in ("left", "right"):
        axis_menu.addAction(f"New axis on the {side}",
                            lambda s=side: chart.set_axis(name, chart.new_axis_id(), s))
    visible = menu.addAction("Visible", lambda: chart.set_curve_style(
        name, visible=not style["visible"]))
    visible.setCheckable(True)
    visible.setChecked(style["visible"])
    menu.addSeparator()
    menu.addAction("Clear its samples", lambda: chart.clear_pv(name))
    menu.addAction("Remove from chart", lambda: chart.remove_pv(name))
    return menu


def choose_color(chart: StripChart, name: str) -> None:
    color = QColorDialog.getColor(QColor(chart.curve_style(name)["color"]), chart,
                                  f"Colour of {name}")
    if color.isValid():
        chart.set_curve_style(name, color=color.name())


def fill_axes_menu(chart: StripChart, menu: QMenu) -> None:
    """One submenu per axis: scale mode, log scale, side."""
    menu.clear()
    for axis_id in chart.axis_ids():
        axis = chart.axis(axis_id)
        names = [n for n in chart.pvs() if chart.axis_of(n) == axis_id]
        sub = menu.addMenu(f"{axis_id} ({axis.side}): {', '.join(names) or 'no PVs'}")
        group = QActionGroup(sub)
        for mode in (AUTO, LIMITS, FIXED):
            action = QAction(MODE_NAMES[mode], sub, checkable=True)
            action.setChecked(axis.mode == mode and not axis.manual)
            action.triggered.connect(lambda _checked=False, a=axis_id, m=mode:
                                     choose_axis_mode(chart, a, m))
            group.addAction(action)
            sub.addAction(action)
        sub.addSeparator()
        log_action = sub.addAction("Log scale", lambda a=axis_id: chart.set_axis_log(
            a, not chart.axis(a).log))
        log_action.setCheckable(True)
        log_action.setChecked(axis.log)
        other = "right" if axis.side == "left" else "left"
        sub.addAction(f"Move to the {other}",
                      lambda a=axis_id, s=other: chart.set_axis_side(a, s))


def choose_axis_mode(chart: StripChart, axis_id: str, mode: str) -> None:
    if mode != FIXED:
        chart.set_axis_mode(axis_id, mode)
        return
    lo, hi = chart.axis_range(axis_id)
    text, ok = QInputDialog.getText(chart, f"Fixed range of {axis_id}", "Low, high:",
                                    text=f"{lo:.6g}, {hi:.6g}")
    if not ok:
        return
    try:
        parts = [float(p) for p in text.replace(";", ",").split(",")]
        if len(parts) != 2:
            raise ValueError
        chart.set_axis_mode(axis_id, FIXED, (parts[0], parts[1]))
    except ValueError:
        chart.show_message(f"Cannot use {text!r} as a range: type two numbers, low first, "
                           "e.g. 0, 100")

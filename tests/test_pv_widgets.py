"""The embeddable PV widgets against real IOCs, on both backends.

Each widget shows and (where writable) writes; the shared behaviour
(alarm and disconnected looks, blocked writes with their reason, the
wheel, menu, middle-click, pvname changes, deletion) is checked once per
mechanism, since it lives in one place (``PVWidgetMixin``).
"""
from __future__ import annotations

import logging

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent, QWheelEvent
from PyQt5.QtWidgets import QApplication, QWidget

from caprobe.bridge import set_read_only
from caprobe.widgets import (
    ProbeWidget,
    PVByteIndicator,
    PVCheckBox,
    PVEnumButtons,
    PVEnumComboBox,
    PVLabel,
    PVLed,
    PVLineEdit,
    PVPushButton,
    PVSlider,
    PVSpinBox,
    pv_actions,
)
from caprobe.widgets.alarm_style import SEVERITY_COLORS
from caprobe.widgets.pv_widget import BLOCKED_BACKGROUND, EDITING_BACKGROUND
from tests.helpers import WAIT, ioc_value, ioc_write


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.show()
    return widget


def wait_value(qtbot, widget) -> None:
    qtbot.waitUntil(lambda: widget.reading is not None and widget.pv_connected(), timeout=WAIT)


def wait_written(qtbot, pvname: str, expected) -> None:
    """Wait until an independent client reads ``expected`` (enums read as labels)."""
    if isinstance(expected, bytes):
        qtbot.waitUntil(lambda: ioc_value(pvname) == expected, timeout=WAIT)
    else:
        qtbot.waitUntil(lambda: ioc_value(pvname) == pytest.approx(expected), timeout=WAIT)


# -- display widgets -------------------------------------------------------------------

def test_label_value_units_alarm_look_and_tooltip(qtbot, hub, ioc):
    ioc_write(ioc.prefix + "ai_drive", 0.0)
    label = shown(qtbot, PVLabel(ioc.prefix + "ai", hub=hub))
    qtbot.waitUntil(lambda: label.text() == "0.000 mm", timeout=WAIT)
    assert label.property("alarmSeverity") == "NO_ALARM"
    ioc_write(ioc.prefix + "ai_drive", 9.0)
    qtbot.waitUntil(lambda: label.text() == "9.000 mm", timeout=WAIT)
    qtbot.waitUntil(lambda: label.property("alarmSeverity") == "MAJOR", timeout=WAIT)
    css = label.styleSheet()
    assert "#d00000" in css and f"3px solid {SEVERITY_COLORS[label.reading.severity]}" in css
    tip = label.pv_tooltip()
    for part in (ioc.prefix + "ai", "9.000 mm", "MAJOR", "host: ", "access: "):
        assert part in tip
    # What hovering shows: built on entering, kept current while the pointer stays.
    assert "9.000 mm" not in label.toolTip()
    QApplication.sendEvent(label, QEvent(QEvent.Enter))
    assert label.toolTip() == label.pv_tooltip()
    ioc_write(ioc.prefix + "ai_drive", 8.0)
    qtbot.waitUntil(lambda: "8.000 mm" in label.toolTip(), timeout=WAIT)
    QApplication.sendEvent(label, QEvent(QEvent.Leave))
    ioc_write(ioc.prefix + "ai_drive", 9.0)
    qtbot.waitUntil(lambda: label.text() == "9.000 mm", timeout=WAIT)
    assert "8.000 mm" in label.toolTip()  # not rebuilt per update once the pointer left
    # Switchable: no colour, no border; properties still tell stylesheets the state.
    label.setProperty("alarmSensitive", False)
    label.setProperty("alarmBorder", False)
    assert label.styleSheet() == "" and label.property("alarmSeverity") == "MAJOR"
    label.setProperty("showUnits", False)
    label.setProperty("precision", 1)
    assert label.text() == "9.0"
    ioc_write(ioc.prefix + "ai_drive", 0.0)


def test_led_and_byte_indicator_follow_bits(qtbot, hub, ioc):
    ioc_write(ioc.prefix + "bo", 0)
    ioc_write(ioc.prefix + "long", 42)
    led = shown(qtbot, PVLed(ioc.prefix + "bo", hub=hub))
    bit_led = shown(qtbot, PVLed(ioc.prefix + "long", hub=hub, bit=1))
    byte = shown(qtbot, PVByteIndicator(ioc.prefix + "long", hub=hub))
    qtbot.waitUntil(lambda: led.is_on() is False, timeout=WAIT)
    qtbot.waitUntil(lambda: byte.bits() == [False, True, False, True, False, True, False, False],
                    timeout=WAIT)
    assert bit_led.is_on() is True  # 42 = 0b101010
    ioc_write(ioc.prefix + "bo", 1)
    qtbot.waitUntil(lambda: led.is_on() is True, timeout=WAIT)
    bit_led.setProperty("bit", 0)
    assert bit_led.is_on() is False
    led.grab().save("/tmp/caprobe_led.png")  # paints without error
    byte.grab()
    ioc_write(ioc.prefix + "bo", 0)


# -- write widgets ----------------------------------------------------------------------

def test_line_edit_writes_on_enter_and_refuses_bad_entries(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    edit = shown(qtbot, PVLineEdit(pv, hub=hub))
    qtbot.waitUntil(lambda: edit.text() == "1.50 V", timeout=WAIT)
    qtbot.waitUntil(lambda: edit.channel.metadata.control_limits == (0.0, 10.0), timeout=WAIT)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "2.25")
    assert edit.pv_editing() and EDITING_BACKGROUND in edit.styleSheet()
    qtbot.keyClick(edit, Qt.Key_Return)
    wait_written(qtbot, pv, 2.25)
    qtbot.waitUntil(lambda: edit.text() == "2.25 V", timeout=WAIT)
    assert not edit.pv_editing()
    # Out of the control limits, or not a number: refused before sending.
    for text in ("99", "abc"):
        assert not edit.write_text(text)
        assert "last write: refused" in edit.pv_tooltip()
    assert ioc_value(pv) == pytest.approx(2.25)
    # Escape reverts the entry to the live value.
    edit.selectAll()
    qtbot.keyClicks(edit, "3")
    qtbot.keyClick(edit, Qt.Key_Escape)
    assert edit.text() == "2.25 V" and not edit.pv_editing()


def test_spin_box_steps_only_edit_enter_writes_wheel_never(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    spin = shown(qtbot, PVSpinBox(pv, hub=hub))
    wait_value(qtbot, spin)
    qtbot.waitUntil(lambda: (spin.minimum(), spin.maximum()) == (0.0, 10.0), timeout=WAIT)
    qtbot.waitUntil(lambda: spin.value() == pytest.approx(1.5), timeout=WAIT)
    assert spin.decimals() == 2 and spin.suffix() == " V"
    wheel(spin, steps=5)
    assert spin.value() == pytest.approx(1.5) and not spin.pv_editing()
    spin.setFocus()
    spin.stepBy(50)  # 50 × 0.01
    assert spin.pv_editing() and spin.value() == pytest.approx(2.0)
    assert ioc_value(pv) == pytest.approx(1.5)  # stepping never writes
    qtbot.keyClick(spin, Qt.Key_Return)
    wait_written(qtbot, pv, 2.0)


def test_slider_spans_the_limits_and_writes_on_release(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    slider = shown(qtbot, PVSlider(pv, hub=hub))
    qtbot.waitUntil(lambda: slider.value_range() == (0.0, 10.0), timeout=WAIT)
    qtbot.waitUntil(lambda: slider.value() == 150, timeout=WAIT)
    wheel(slider, steps=3)
    assert slider.value() == 150
    slider.setSliderDown(True)
    slider.setSliderPosition(700)  # dragging: nothing written
    assert ioc_value(pv) == pytest.approx(1.5)
    slider.setSliderDown(False)  # release: emits sliderReleased
    wait_written(qtbot, pv, 7.0)
    slider.triggerAction(PVSlider.SliderSingleStepAdd)  # a key press: one step, written
    wait_written(qtbot, pv, 7.1)


def test_enum_combo_and_buttons_write_the_chosen_state(qtbot, hub, ioc):
    pv = ioc.prefix + "mbbo"
    ioc_write(pv, 0)
    combo = shown(qtbot, PVEnumComboBox(pv, hub=hub))
    buttons = shown(qtbot, PVEnumButtons(pv, hub=hub))
    qtbot.waitUntil(lambda: combo.count() == 4 and combo.currentText() == "Off", timeout=WAIT)
    qtbot.waitUntil(lambda: [b.text() for b in buttons.buttons()] ==
                    ["Off", "Standby", "On", "Fault"], timeout=WAIT)
    wheel(combo, steps=-2)
    assert combo.currentIndex() == 0 and ioc_value(pv) == b"Off"
    combo.activated.emit(2)  # what choosing "On" in the list emits
    wait_written(qtbot, pv, b"On")
    qtbot.waitUntil(lambda: buttons.group.checkedId() == 2, timeout=WAIT)
    qtbot.mouseClick(buttons.group.button(1), Qt.LeftButton)
    wait_written(qtbot, pv, b"Standby")
    qtbot.waitUntil(lambda: combo.currentText() == "Standby", timeout=WAIT)
    ioc_write(pv, 0)


def test_check_box_and_push_button(qtbot, hub, ioc):
    ioc_write(ioc.prefix + "bo", 0)
    ioc_write(ioc.prefix + "ao", 1.5)
    check = shown(qtbot, PVCheckBox(ioc.prefix + "bo", hub=hub, text="Valve"))
    button = shown(qtbot, PVPushButton(ioc.prefix + "ao", 7.5, hub=hub))
    qtbot.waitUntil(lambda: check.reading is not None and not check.isChecked(), timeout=WAIT)
    wait_value(qtbot, button)
    qtbot.mouseClick(check, Qt.LeftButton)
    wait_written(qtbot, ioc.prefix + "bo", b"Closed")
    qtbot.waitUntil(check.isChecked, timeout=WAIT)
    assert button.text() == "7.5"
    qtbot.mouseClick(button, Qt.LeftButton)
    wait_written(qtbot, ioc.prefix + "ao", 7.5)
    button.setProperty("pressValue", "55")  # beyond DRVH/control limit 10
    assert not button.press() and "refused" in button.pv_tooltip()
    ioc_write(ioc.prefix + "bo", 0)
    ioc_write(ioc.prefix + "ao", 1.5)


# -- blocked writes ----------------------------------------------------------------------

def test_read_only_modes_and_no_access_block_writes_with_the_reason(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    edit = shown(qtbot, PVLineEdit(pv, hub=hub))
    combo = shown(qtbot, PVEnumComboBox(ioc.prefix + "mbbo", hub=hub))
    qtbot.waitUntil(lambda: edit.text() == "1.50 V", timeout=WAIT)
    wait_value(qtbot, combo)
    assert edit.pv_block_reason() == ""
    try:
        set_read_only(True)
        for widget in (edit, combo):
            assert widget.pv_block_reason().startswith("read-only mode")
            assert BLOCKED_BACKGROUND in widget.styleSheet()
            assert "cannot write: read-only mode" in widget.pv_tooltip()
        edit.setFocus()
        edit.selectAll()
        qtbot.keyClicks(edit, "5")  # input is swallowed
        qtbot.keyClick(edit, Qt.Key_Return)
        assert edit.text() == "1.50 V" and not edit.write_text("5")
    finally:
        set_read_only(False)
    assert edit.pv_block_reason() == "" and BLOCKED_BACKGROUND not in edit.styleSheet()
    edit.setProperty("pvReadOnly", True)
    assert edit.pv_block_reason() == "read-only widget" and not edit.write_text("5")
    edit.setProperty("pvReadOnly", False)
    no_access = shown(qtbot, PVLineEdit(ioc.prefix + "ro", hub=hub))
    qtbot.waitUntil(lambda: no_access.pv_block_reason() ==
                    "no write access (access security)", timeout=WAIT)
    assert not no_access.write_text("1.0")
    assert ioc_value(pv) == pytest.approx(1.5)
    assert ioc_value(ioc.prefix + "ro") == pytest.approx(3.25)


def test_disconnected_look_and_blocked_writes(qtbot, hub, restartable_ioc):
    ioc = restartable_ioc
    label = shown(qtbot, PVLabel(ioc.prefix + "ao", hub=hub))
    edit = shown(qtbot, PVLineEdit(ioc.prefix + "ao", hub=hub))
    wait_value(qtbot, label)
    wait_value(qtbot, edit)
    ioc.kill()
    qtbot.waitUntil(lambda: label.property("alarmSeverity") == "DISCONNECTED", timeout=WAIT)
    assert "dotted" in label.styleSheet() and "#808080" in label.styleSheet()
    qtbot.waitUntil(lambda: edit.pv_block_reason() == "not connected", timeout=WAIT)
    assert "disconnected" in label.pv_tooltip()
    ioc.restart("counter")
    qtbot.waitUntil(lambda: label.property("alarmSeverity") != "DISCONNECTED", timeout=3 * WAIT)
    qtbot.waitUntil(lambda: edit.pv_block_reason() == "", timeout=WAIT)


# -- menu, clipboard, drag, properties, lifetime -----------------------------------------

def test_context_menu_middle_click_and_actions(qtbot, hub, ioc, monkeypatch):
    import importlib

    # (the package exports the function pv_actions under the module's name)
    actions_module = importlib.import_module("caprobe.widgets.pv_actions")
    # A fresh router: main windows of earlier tests may still be listening.
    monkeypatch.setattr(actions_module, "_actions", None)
    pv = ioc.prefix + "ai"
    label = shown(qtbot, PVLabel(pv, hub=hub))
    wait_value(qtbot, label)
    menu = label.pv_context_menu()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["Copy PV name", "Copy value", "Open in probe", "Add to strip chart"]
    menu.actions()[1].trigger()
    assert QApplication.clipboard().text() == label.text()
    QApplication.clipboard().setText("")
    middle_click(label)
    assert QApplication.clipboard().text() == pv
    # With a listener (caprobe's window) the request goes there ...
    asked = []
    pv_actions().probe_requested.connect(asked.append)
    try:
        [a for a in menu.actions() if a.text() == "Open in probe"][0].trigger()
    finally:
        pv_actions().probe_requested.disconnect(asked.append)
    assert asked == [pv]
    # ... without one, a standalone probe window opens.
    before = top_level_probes()
    pv_actions().open_in_probe(pv, hub)
    new = [w for w in top_level_probes() if w not in before]
    assert len(new) == 1 and new[0].pvname == pv
    new[0].close()


def test_probe_waveform_plot_and_strip_chart_share_the_pv_gestures(qtbot, hub, ioc, monkeypatch):
    """The composite widgets offer the same PV menu entries and middle-click as the small ones."""
    import importlib

    from PyQt5.QtGui import QContextMenuEvent

    from caprobe.widgets import StripChart, WaveformPlot

    monkeypatch.setattr(importlib.import_module("caprobe.widgets.pv_actions"), "_actions", None)
    ai, wf = ioc.prefix + "ai", ioc.prefix + "wf"
    probe = shown(qtbot, ProbeWidget(ai, hub=hub))
    qtbot.waitUntil(lambda: probe.value_text().endswith(" mm"), timeout=WAIT)
    texts = [a.text() for a in probe.context_menu().actions() if a.text()]
    assert texts == ["Copy PV name", "Copy value", "Add to strip chart", "Copy cainfo block"]
    QApplication.clipboard().setText("")
    middle_click(probe.value_label)
    assert QApplication.clipboard().text() == ai
    # The value label's own text menu gives way to the probe's PV menu.
    assert probe.value_label.contextMenuPolicy() == Qt.NoContextMenu

    plot = shown(qtbot, WaveformPlot(wf, hub=hub))
    qtbot.waitUntil(lambda: plot.plotted()[1].size > 0, timeout=WAIT)
    menu = plot.context_menu()
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Copy PV name", "Open in probe", "Waterfall"]
    [a for a in menu.actions() if a.text() == "Waterfall"][0].trigger()
    assert plot.is_waterfall()
    QApplication.clipboard().setText("")
    middle_click(plot.name_label)
    assert QApplication.clipboard().text() == wf
    tooltip = plot.tooltip_text()
    assert tooltip.startswith(wf) and "\nhost: " in tooltip and "\naccess: " in tooltip
    # A right-click on the plot itself asks for the same menu (pyqtgraph's is off).
    shown_menus = []
    monkeypatch.setattr(type(plot), "context_menu",
                        lambda self: shown_menus.append(self) or QMenuStub())
    viewport = plot.graphics.viewport()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(20, 20)))
    assert shown_menus == [plot]

    # The strip chart's legend: middle-click copies that row's PV; "Open in
    # probe" opens a probe of its own when no window listens.
    chart = shown(qtbot, StripChart(hub=hub))
    chart.add_pv(ai)
    chart.add_pv(ioc.prefix + "ao")
    legend = chart.legend
    second_row = legend.visualItemRect(legend.item(1, 0)).center()
    QApplication.clipboard().setText("")
    middle_click(legend.viewport(), second_row)
    assert QApplication.clipboard().text() == ioc.prefix + "ao"
    before = top_level_probes()
    chart.open_in_probe(ai)
    new = [w for w in top_level_probes() if w not in before]
    assert len(new) == 1 and new[0].pvname == ai
    new[0].close()


def top_level_probes() -> list:
    # Compared as objects, not by id(): the temporary wrappers of other
    # top-level widgets die at once and their ids are reused.
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, ProbeWidget)]


class QMenuStub:
    def exec_(self, _pos):
        return None


def test_pvname_property_resubscribes_and_deletion_releases(qtbot, hub, ioc):
    label = shown(qtbot, PVLabel(ioc.prefix + "ai", hub=hub))
    wait_value(qtbot, label)
    assert hub.pvnames() == [ioc.prefix + "ai"]
    label.setProperty("pvname", ioc.prefix + "ao")
    assert label.pvname == ioc.prefix + "ao"
    qtbot.waitUntil(lambda: label.text().endswith(" V"), timeout=WAIT)
    assert hub.pvnames() == [ioc.prefix + "ao"]
    label.deleteLater()
    qtbot.waitUntil(lambda: hub.subscription_count() == 0, timeout=WAIT)


WIDGET_KINDS = [
    (PVLabel, "counter"), (PVLineEdit, "ao"), (PVSpinBox, "ao"), (PVSlider, "ao"),
    (PVEnumComboBox, "mbbo"), (PVEnumButtons, "mbbo"), (PVLed, "bo"),
    (PVByteIndicator, "counter"), (PVCheckBox, "bo"), (PVLabel, "ai"),
]


def test_500_widgets_created_and_deleted_while_updating_leave_nothing(qtbot, hub, ioc, caplog):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    widgets = []
    for i in range(500):
        cls, record = WIDGET_KINDS[i % len(WIDGET_KINDS)]
        widgets.append(cls(ioc.prefix + record, parent, hub=hub))
    assert hub.subscription_count() == 5  # counter, ao, mbbo, bo, ai: one each
    qtbot.waitUntil(lambda: all(w.reading is not None for w in widgets), timeout=3 * WAIT)
    counter = widgets[0]
    seen = counter.reading.value
    qtbot.waitUntil(lambda: counter.reading.value != seen, timeout=WAIT)  # still updating
    # Delete half by deleteLater, half with their parent, while updates flow.
    for widget in widgets[::2]:
        widget.deleteLater()
    qtbot.wait(50)
    parent.deleteLater()
    qtbot.waitUntil(lambda: hub.subscription_count() == 0, timeout=WAIT)
    qtbot.wait(300)  # a few more frames: nothing may reach a deleted widget
    # (pytest-qt fails the test on any exception raised in a slot or event handler)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- helpers -----------------------------------------------------------------------------

def wheel(widget, steps: int) -> None:
    event = QWheelEvent(QPointF(5, 5), QPointF(widget.mapToGlobal(QPoint(5, 5))), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase,
                        False)
    QApplication.sendEvent(widget, event)


def middle_click(widget, at: QPoint | None = None) -> None:
    pos = QPointF(at) if at is not None else QPointF(3, 3)
    for kind in (QEvent.MouseButtonPress, QEvent.MouseButtonRelease):
        buttons = Qt.MiddleButton if kind == QEvent.MouseButtonPress else Qt.NoButton
        QApplication.sendEvent(widget, QMouseEvent(kind, pos, Qt.MiddleButton, buttons,
                                                   Qt.NoModifier))


def test_wheel_event_helper_reaches_the_widget(qtbot):
    """The wheel helper is real: a plain spin box does step on it."""
    from PyQt5.QtWidgets import QSpinBox

    spin = QSpinBox()
    qtbot.addWidget(spin)
    spin.show()
    wheel(spin, 2)
    assert spin.value() == 2
    assert np.isfinite(spin.value())

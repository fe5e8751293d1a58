"""The options and behaviour every caprobe PV widget shares, composite ones included.

``PVOptionsMixin`` gives the ten small PV widgets and ``ProbeWidget``,
``WaveformPlot`` and ``StripChart`` the same Qt properties; these tests
check that each composite widget honours them against the real IOCs, on
both backends, that they all show the same PV tooltip, take dropped PV
names where they should, and release every channel when deleted.
"""
from __future__ import annotations

import logging

import pytest
from PyQt5.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PyQt5.QtGui import QDragEnterEvent, QDropEvent, QHelpEvent
from PyQt5.QtWidgets import QApplication, QToolTip, QWidget

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
    StripChart,
    WaveformPlot,
)
from caprobe.widgets.alarm_style import SEVERITY_COLORS, text_color
from caprobe.widgets.look import look_color
from caprobe.widgets.settings import CONFIRM_WRITES, PROBE_PRECISION, read_bool, read_int
from caprobe.widgets.strip_legend import ALARM, VALUE
from tests.helpers import WAIT, ioc_value, ioc_write

SMALL_WIDGETS = (PVLabel, PVLineEdit, PVSpinBox, PVSlider, PVEnumComboBox, PVEnumButtons,
                 PVLed, PVByteIndicator, PVCheckBox)
COMPOSITE_WIDGETS = (ProbeWidget, WaveformPlot, StripChart)
SHARED_OPTIONS = {"showUnits": True, "precision": -1, "alarmSensitive": True,
                  "alarmBorder": True, "pvReadOnly": False, "confirmWrite": False}
MAJOR_RED = "#d00000"  # MAJOR text on the light look


@pytest.fixture
def major_ai(ioc):
    """The IOC's ai driven into MAJOR alarm (9.0 mm, HIHI), and back to 0 afterwards."""
    ioc_write(ioc.prefix + "ai_drive", 9.0)
    yield ioc.prefix + "ai"
    ioc_write(ioc.prefix + "ai_drive", 0.0)


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.show()
    return widget


def make(cls, hub):
    if cls is StripChart:
        return cls(hub=hub)
    if cls is PVPushButton:
        return cls("", 1, hub=hub)
    return cls("", hub=hub)


@pytest.mark.parametrize("cls", SMALL_WIDGETS + (PVPushButton,) + COMPOSITE_WIDGETS,
                         ids=lambda cls: cls.__name__)
def test_every_widget_has_the_shared_qt_properties(qtbot, hub, cls):
    """One set of names for Designer, stylesheets and setProperty, on all thirteen."""
    widget = make(cls, hub)
    qtbot.addWidget(widget)
    meta = widget.metaObject()
    names = {meta.property(i).name() for i in range(meta.propertyCount())}
    assert ("pvnames" if cls is StripChart else "pvname") in names
    for name, default in SHARED_OPTIONS.items():
        assert name in names and widget.property(name) == default, name
        setter = "set" + name[0].upper() + name[1:]
        assert callable(getattr(widget, setter)), setter  # what uic calls
    # Viewers take a dropped PV; a value widget on an operator's panel does not.
    assert widget.property("acceptPvDrops") is (cls in COMPOSITE_WIDGETS)
    widget.setProperty("precision", 99)
    assert widget.property("precision") == 17  # clamped to what formatting allows
    widget.setProperty("precision", -5)
    assert widget.property("precision") == -1


# -- the probe -----------------------------------------------------------------------

def test_probe_honours_the_shared_options(qtbot, hub, ioc, major_ai):
    probe = shown(qtbot, ProbeWidget(major_ai, hub=hub))
    qtbot.waitUntil(lambda: probe.value_text() == "9.000 mm", timeout=WAIT)
    qtbot.waitUntil(lambda: probe.alarm_label.text().startswith("MAJOR"), timeout=WAIT)
    style = probe.value_label.styleSheet()
    assert f"color: {MAJOR_RED}" in style and "3px solid" in style

    probe.setProperty("precision", 1)
    assert probe.value_text() == "9.0 mm" and probe.precision_spin.value() == 1
    probe.setProperty("showUnits", False)
    assert probe.value_text() == "9.0"
    # The operator's spin box is the same option, both ways.
    probe.precision_spin.setValue(2)
    assert probe.property("precision") == 2 and probe.value_text() == "9.00"
    probe.precision_spin.setValue(-1)
    assert read_int(PROBE_PRECISION, -1, -1, 17) == -1  # the operator's choice is kept
    probe.setProperty("precision", 4)
    assert read_int(PROBE_PRECISION, -1, -1, 17) == -1  # a program's is not
    probe.setProperty("precision", -1)

    probe.setProperty("alarmSensitive", False)
    style = probe.value_label.styleSheet()
    assert MAJOR_RED not in style and "3px solid" in style  # border stays
    assert SEVERITY_COLORS[probe.channel.reading.severity] not in \
        probe.alarm_label.styleSheet()  # the badge is plain text
    probe.setProperty("alarmBorder", False)
    assert "3px solid" not in probe.value_label.styleSheet()
    assert probe.alarm_label.text().startswith("MAJOR")  # the words still say it

    # Per-widget read-only: the write box says why and sends nothing.
    probe.set_pvname(ioc.prefix + "ao")
    qtbot.waitUntil(lambda: probe.write_control.block_reason() == "", timeout=WAIT)
    probe.setProperty("pvReadOnly", True)
    assert probe.write_control.block_reason() == "read-only widget"
    assert not probe.write_control.editors.isEnabled()
    assert "cannot write: read-only widget" in probe.tooltip_text()
    before = ioc_value(ioc.prefix + "ao")
    assert not probe.write_control.write_text("7.5")
    assert ioc_value(ioc.prefix + "ao") == pytest.approx(before)
    probe.setProperty("pvReadOnly", False)
    assert probe.write_control.block_reason() == ""

    # confirmWrite is the "Confirm before writing" box; set from code, not remembered.
    operator_choice = read_bool(CONFIRM_WRITES, False)
    probe.setProperty("confirmWrite", not operator_choice)
    assert probe.confirm_check.isChecked() is (not operator_choice)
    assert probe.write_control.confirm_writes is (not operator_choice)
    assert read_bool(CONFIRM_WRITES, False) is operator_choice
    probe.confirm_check.setChecked(operator_choice)  # the operator's click
    assert probe.property("confirmWrite") is operator_choice


def test_probe_tooltip_is_the_shared_one_and_built_on_hover(qtbot, hub, ioc):
    ai = ioc.prefix + "ai"
    ioc_write(ioc.prefix + "ai_drive", 0.0)
    probe = ProbeWidget(ai, hub=hub)
    qtbot.addWidget(probe)
    probe.show()
    qtbot.waitUntil(lambda: probe.value_text() == "0.000 mm", timeout=WAIT)
    qtbot.waitUntil(lambda: probe.channel.info is not None, timeout=WAIT)
    tip = probe.tooltip_text()
    for part in (ai, "value: 0.000 mm", "alarm: NO_ALARM", "host: ", "access: "):
        assert part in tip, part
    assert "cannot write" not in tip
    # Hovering the value shows exactly that text, built then (not per update).
    show_tooltip(probe.value_label)
    qtbot.waitUntil(lambda: QToolTip.text() == probe.tooltip_text(), timeout=WAIT)
    QToolTip.hideText()


def show_tooltip(widget: QWidget, pos: QPoint = QPoint(5, 5)) -> None:
    """What Qt sends when the pointer rests on ``widget``."""
    QApplication.sendEvent(widget, QHelpEvent(QEvent.ToolTip, pos, widget.mapToGlobal(pos)))


# -- the waveform plot ---------------------------------------------------------------

def test_waveform_plot_honours_the_shared_options(qtbot, hub, major_ai):
    """A scalar ai is plotted as one point, which gives the plot an alarm to show."""
    ai = major_ai
    plot = shown(qtbot, WaveformPlot(ai, hub=hub))
    qtbot.waitUntil(lambda: plot.alarm_label.text().startswith("MAJOR"), timeout=WAIT)
    assert plot.units_label.text() == "units: mm"
    assert "3px solid" in plot.frame.styleSheet()
    badge = plot.alarm_label.styleSheet()
    assert SEVERITY_COLORS[plot.channel.reading.severity] in badge
    plot.setProperty("alarmBorder", False)
    assert "3px solid" not in plot.frame.styleSheet()
    plot.setProperty("alarmSensitive", False)
    assert SEVERITY_COLORS[plot.channel.reading.severity] not in plot.alarm_label.styleSheet()
    assert plot.alarm_label.text().startswith("MAJOR")
    plot.setProperty("showUnits", False)
    assert plot.units_label.text() == ""
    assert "mm" not in plot.plot.getAxis("left").labelString()
    plot.setProperty("showUnits", True)
    assert plot.units_label.text() == "units: mm"
    # The shared tooltip, over any part without its own.
    tip = plot.tooltip_text()
    assert tip.startswith(ai) and "alarm: MAJOR" in tip and "host: " in tip
    show_tooltip(plot.name_label)
    qtbot.waitUntil(lambda: QToolTip.text() == plot.tooltip_text(), timeout=WAIT)
    QToolTip.hideText()


# -- the strip chart -----------------------------------------------------------------

def test_strip_chart_honours_the_shared_options(qtbot, hub, major_ai):
    ai = major_ai
    chart = StripChart(hub=hub)
    chart.resize(900, 500)
    shown(qtbot, chart)
    legend = chart.legend
    chart.add_pv(ai)
    qtbot.waitUntil(lambda: legend.text(ai, VALUE) == "9.000 mm", timeout=WAIT)
    qtbot.waitUntil(lambda: legend.text(ai, ALARM).startswith("MAJOR"), timeout=WAIT)
    row = legend.pvnames().index(ai)
    assert legend.item(row, VALUE).foreground().color().name() == MAJOR_RED
    assert legend.item(row, ALARM).background().style() != Qt.NoBrush
    chart.setProperty("precision", 1)
    assert legend.text(ai, VALUE) == "9.0 mm"
    chart.setProperty("showUnits", False)
    assert legend.text(ai, VALUE) == "9.0"
    chart.setProperty("alarmSensitive", False)
    assert legend.item(row, VALUE).foreground().color().name() == look_color("text")
    assert legend.item(row, ALARM).background().style() == Qt.NoBrush
    assert legend.text(ai, ALARM).startswith("MAJOR")
    chart.setProperty("alarmSensitive", True)
    assert legend.item(row, VALUE).foreground().color().name() == \
        text_color(chart.channels()[0].reading.severity)
    # The cursor readout follows the same options.
    assert chart.property("precision") == 1

    # The legend row's tooltip: the shared PV lines plus the buffer.
    qtbot.waitUntil(lambda: chart.channels()[0].info is not None, timeout=WAIT)
    tip = chart.legend_tooltip(ai)
    for part in (ai, "value: 9.0", "alarm: MAJOR", "host: ", "access: ", "buffer: "):
        assert part in tip, part
    at = legend.visualItemRect(legend.item(row, VALUE)).center()
    show_tooltip(legend.viewport(), at)
    qtbot.waitUntil(lambda: QToolTip.text() == chart.legend_tooltip(ai), timeout=WAIT)
    QToolTip.hideText()
    assert chart.legend_tooltip("not:on:the:chart") == ""


# -- dropping PV names ---------------------------------------------------------------

def drop(widget: QWidget, text: str) -> bool:
    """Drag ``text`` over ``widget`` and drop it; True if the widget took it.

    The handlers are called directly: Qt routes real drops only during a
    drag session, which an offscreen test cannot start.
    """
    mime = QMimeData()
    mime.setText(text)
    enter = QDragEnterEvent(QPoint(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    enter.ignore()
    widget.dragEnterEvent(enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    event.ignore()
    widget.dropEvent(event)
    return event.isAccepted()


def test_dropped_pv_names_go_to_viewers_and_only_to_willing_value_widgets(qtbot, hub, ioc):
    p = ioc.prefix
    probe, plot, chart = ProbeWidget(hub=hub), WaveformPlot(hub=hub), StripChart(hub=hub)
    label = PVLabel(p + "ai", hub=hub)
    edit = PVLineEdit(p + "ao", hub=hub)
    for widget in (probe, plot, chart, label, edit):
        qtbot.addWidget(widget)
    names = f"{p}wf, {p}ai"
    assert drop(probe, names) and probe.pvname == p + "wf"
    assert drop(plot, names) and plot.pvname == p + "wf"
    assert drop(chart, names) and chart.pvs() == [p + "wf", p + "ai"]
    assert not drop(chart, p + "ai")  # already there: nothing taken
    assert not drop(probe, "  ;, ")  # no PV name in the text
    # A value widget keeps its PV unless the application asks for drops ...
    assert not drop(label, p + "long") and label.pvname == p + "ai"
    label.setProperty("acceptPvDrops", True)
    assert drop(label, p + "long") and label.pvname == p + "long"
    qtbot.waitUntil(lambda: label.text().endswith(" counts"), timeout=WAIT)
    # ... and a text field keeps Qt's own text drop: typed text, never written.
    drop(edit, p + "long")
    assert edit.pvname == p + "ao"
    # Turned off, a viewer refuses drops too.
    probe.setProperty("acceptPvDrops", False)
    assert not drop(probe, p + "ai") and probe.pvname == p + "wf"


# -- lifetime --------------------------------------------------------------------------

def test_composite_widgets_created_and_deleted_while_updating_leave_nothing(
        qtbot, hub, ioc, caplog):
    p = ioc.prefix
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    widgets = []
    for i in range(30):
        widgets.append(ProbeWidget(p + "counter", parent, hub=hub))
        widgets.append(WaveformPlot(p + ("wf" if i % 2 else "counter"), parent, hub=hub))
        widgets.append(StripChart([p + "counter", p + "ai"], parent, hub=hub))
    assert hub.subscription_count() == 3  # counter, wf, ai: one each however many show them
    probe = widgets[0]
    qtbot.waitUntil(lambda: probe.channel.reading is not None, timeout=3 * WAIT)
    seen = probe.channel.reading.value
    qtbot.waitUntil(lambda: probe.channel.reading.value != seen, timeout=WAIT)  # updating
    for widget in widgets[::2]:
        widget.deleteLater()
    qtbot.wait(50)
    parent.deleteLater()
    qtbot.waitUntil(lambda: hub.subscription_count() == 0, timeout=WAIT)
    qtbot.wait(300)  # a few more frames: nothing may reach a deleted widget
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_strip_chart_takes_pvnames_first_like_every_pv_widget(qtbot, hub, ioc):
    p = ioc.prefix
    parent = QWidget()
    qtbot.addWidget(parent)
    assert StripChart(f"{p}ai, {p}ao", parent, hub=hub).pvs() == [p + "ai", p + "ao"]
    built_by_uic = StripChart(parent, hub=hub)  # Widget(parent), as uic builds it
    assert built_by_uic.parent() is parent and built_by_uic.pvs() == []


def test_strip_legend_menu_starts_with_the_shared_pv_entries(qtbot, hub, ioc, monkeypatch):
    from caprobe.widgets.strip_menus import curve_menu

    ai = ioc.prefix + "ai"
    ioc_write(ioc.prefix + "ai_drive", 0.0)
    chart = StripChart([ai], hub=hub)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitUntil(lambda: chart.value_text(ai) == "0.000 mm", timeout=WAIT)
    menu = curve_menu(chart, ai)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:4] == ["Copy PV name", "Copy value", "Open in probe", "Open waveform view"]
    QApplication.clipboard().setText("")
    menu.actions()[1].trigger()
    assert QApplication.clipboard().text() == "0.000 mm"
    asked = []
    chart.probe_requested.connect(asked.append)
    [a for a in menu.actions() if a.text() == "Open in probe"][0].trigger()
    assert asked == [ai]


# -- the PV list ------------------------------------------------------------------------

def test_pv_table_rows_offer_the_shared_menu_tooltip_gestures_and_options(
        qtbot, hub, ioc, major_ai, monkeypatch):
    import importlib

    from tests.test_pv_widgets import middle_click

    monkeypatch.setattr(importlib.import_module("caprobe.widgets.pv_actions"), "_actions", None)
    from caprobe.widgets import PVTable, pv_actions

    ao = ioc.prefix + "ao"
    ioc_write(ao, 1.5)
    missing = "nowhere:caprobe:pv:" + ao.replace(":", "")
    table = shown(qtbot, PVTable([major_ai, ao, missing], hub=hub))
    qtbot.waitUntil(lambda: table.item(0, 1).text() == "9.000 mm"
                    and table.item(1, 1).text() == "1.50 V", timeout=WAIT)
    qtbot.waitUntil(lambda: table.item(0, 2).text().startswith("MAJOR"), timeout=WAIT)
    assert table.item(0, 2).background().color().name() == SEVERITY_COLORS[
        table.channels()[0].reading.severity]
    menu = table.context_menu(1)
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Copy PV name", "Copy value", "Open in probe", "Add to strip chart"]
    menu.actions()[1].trigger()
    assert QApplication.clipboard().text() == "1.50 V"
    asked = []
    pv_actions().strip_requested.connect(asked.append)
    [a for a in menu.actions() if a.text() == "Add to strip chart"][0].trigger()
    assert asked == [ao]
    second_row = table.visualItemRect(table.item(1, 0)).center()
    QApplication.clipboard().setText("")
    middle_click(table.viewport(), second_row)
    assert QApplication.clipboard().text() == ao
    qtbot.waitUntil(lambda: table.channels()[1].info is not None, timeout=WAIT)
    tip = table.tooltip_at(second_row)
    for part in (ao, "value: 1.50 V", "alarm: NO_ALARM", "host: ", "access: "):
        assert part in tip, part
    show_tooltip(table.viewport(), second_row)
    qtbot.waitUntil(lambda: QToolTip.text() == table.tooltip_at(second_row), timeout=WAIT)
    QToolTip.hideText()
    # The shared options, for every row.
    table.setProperty("precision", 1)
    table.setProperty("showUnits", False)
    assert table.item(0, 1).text() == "9.0" and table.item(1, 1).text() == "1.5"
    table.setProperty("alarmSensitive", False)
    assert table.item(0, 2).text().startswith("MAJOR")  # the words stay, the colour goes
    assert table.item(0, 2).background().color().alpha() == 0
    assert table.item(2, 3).text() == "searching…"  # redrawn, and still not "disconnected"

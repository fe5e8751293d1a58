"""Qt Designer support: the plugin classes, and a .ui form with our widgets going live.

Designer itself is not installed on CI machines (it comes with Qt or
pyqt5-tools); what it would call is tested here: each plugin creates its
widget, names the module uic must import, and gives valid DOM XML; a form
saved with our custom widgets loads with ``uic.loadUi`` and shows live
values.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PyQt5 import uic
from PyQt5.QtWidgets import QWidget

from caprobe import widgets
from tests.helpers import WAIT, ioc_write

FORM = """<?xml version="1.0" encoding="UTF-8"?>
<ui version="4.0">
 <class>Form</class>
 <widget class="QWidget" name="Form">
  <property name="geometry"><rect><x>0</x><y>0</y><width>320</width><height>120</height></rect></property>
  <layout class="QVBoxLayout" name="layout">
   <item><widget class="PVLabel" name="temperature">
     <property name="pvname"><string>{prefix}ai</string></property>
     <property name="showUnits"><bool>true</bool></property>
   </widget></item>
   <item><widget class="PVLineEdit" name="setpoint">
     <property name="pvname"><string>{prefix}ao</string></property>
     <property name="confirmWrite"><bool>true</bool></property>
   </widget></item>
   <item><widget class="PVEnumComboBox" name="mode">
     <property name="pvname"><string>{prefix}mbbo</string></property>
     <property name="acceptPvDrops"><bool>true</bool></property>
   </widget></item>
   <item><widget class="ProbeWidget" name="probe">
     <property name="pvname"><string>{prefix}ao</string></property>
     <property name="precision"><number>1</number></property>
     <property name="pvReadOnly"><bool>true</bool></property>
   </widget></item>
  </layout>
 </widget>
 <customwidgets>
  <customwidget><class>PVLabel</class><extends>QLabel</extends><header>caprobe.widgets</header></customwidget>
  <customwidget><class>PVLineEdit</class><extends>QLineEdit</extends><header>caprobe.widgets</header></customwidget>
  <customwidget><class>PVEnumComboBox</class><extends>QComboBox</extends><header>caprobe.widgets</header></customwidget>
  <customwidget><class>ProbeWidget</class><extends>QWidget</extends><header>caprobe.widgets</header></customwidget>
 </customwidgets>
</ui>
"""


def test_plugins_create_each_widget_for_designer(qtbot):
    from caprobe.designer import caprobe_widgets_plugin as plugins

    assert len(plugins.PLUGINS) == len(plugins.WIDGETS) == 13
    parent = QWidget()
    qtbot.addWidget(parent)
    for plugin_class in plugins.PLUGINS:
        plugin = plugin_class()
        plugin.initialize(None)
        assert plugin.isInitialized() and plugin.group() == "caprobe"
        widget = plugin.createWidget(parent)
        assert type(widget).__name__ == plugin.name()
        assert plugin.includeFile() == "caprobe.widgets"
        assert getattr(widgets, plugin.name()) is type(widget)
        assert ET.fromstring(plugin.domXml()).get("class") == plugin.name()
        pv_property = "pvnames" if plugin.name() == "StripChart" else "pvname"
        assert widget.metaObject().indexOfProperty(pv_property) >= 0
        assert not widget.property(pv_property)
        # uic sets a form's properties through Qt-style setters.
        setter = "set" + pv_property[0].upper() + pv_property[1:]
        assert callable(getattr(widget, setter))
        assert plugin.toolTip()


def test_plugin_dir_is_what_designer_needs(tmp_path):
    from pathlib import Path

    from caprobe.designer import plugin_dir

    assert (Path(plugin_dir()) / "caprobe_widgets_plugin.py").is_file()


@pytest.fixture
def default_hub_on(monkeypatch, backend_name):
    """uic builds widgets with no hub argument: they use the default hub."""
    import caprobe.bridge.hub as hub_module

    monkeypatch.setenv("CAPROBE_BACKEND", backend_name)
    monkeypatch.setattr(hub_module, "_default_hub", None)
    yield
    hub = hub_module._default_hub
    if hub is not None:
        hub.close()


def test_ui_form_with_our_widgets_loads_and_goes_live(qtbot, tmp_path, ioc, default_hub_on):
    ioc_write(ioc.prefix + "ai_drive", 1.25)
    path = tmp_path / "form.ui"
    path.write_text(FORM.format(prefix=ioc.prefix))
    form = uic.loadUi(str(path))
    qtbot.addWidget(form)
    form.show()
    assert isinstance(form.temperature, widgets.PVLabel)
    assert form.setpoint.confirmWrite is True
    qtbot.waitUntil(lambda: form.temperature.text() == "1.250 mm", timeout=WAIT)
    qtbot.waitUntil(lambda: form.mode.count() == 4, timeout=WAIT)
    qtbot.waitUntil(lambda: form.setpoint.text().endswith(" V"), timeout=WAIT)
    # The shared options, set in the form, on a small widget and on the probe.
    assert form.mode.property("acceptPvDrops") is True
    qtbot.waitUntil(lambda: form.probe.value_text().endswith(" V"), timeout=WAIT)
    assert len(form.probe.value_text().split()[0].split(".")[1]) == 1  # precision 1
    qtbot.waitUntil(lambda: form.probe.channel.connected, timeout=WAIT)
    assert form.probe.write_control.block_reason() == "read-only widget"
    ioc_write(ioc.prefix + "ai_drive", 0.0)

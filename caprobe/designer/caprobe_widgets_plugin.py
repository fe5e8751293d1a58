"""Designer plugins for caprobe's PV widgets (loaded by Designer, see ``caprobe.designer``).

One small plugin class per widget, made from the table below: Designer
shows each under "caprobe" with the widget's docstring as its tooltip, and
writes ``<customwidget>`` entries that point ``uic`` at
``caprobe.widgets``.
"""
from __future__ import annotations

from PyQt5.QtDesigner import QPyDesignerCustomWidgetPlugin
from PyQt5.QtGui import QIcon

from caprobe import widgets

GROUP = "caprobe"
MODULE = "caprobe.widgets"

#: Widget class name -> default geometry in Designer (w, h).
WIDGETS = {
    "PVLabel": (120, 24),
    "PVLineEdit": (120, 26),
    "PVSpinBox": (120, 26),
    "PVSlider": (160, 26),
    "PVEnumComboBox": (140, 26),
    "PVEnumButtons": (200, 34),
    "PVLed": (24, 24),
    "PVByteIndicator": (190, 40),
    "PVCheckBox": (120, 24),
    "PVPushButton": (100, 28),
    "ProbeWidget": (420, 480),
    "StripChart": (600, 360),
    "WaveformPlot": (480, 320),
}


def _make_plugin(class_name: str, size: tuple[int, int]) -> type:
    widget_class = getattr(widgets, class_name)

    class Plugin(QPyDesignerCustomWidgetPlugin):
        def __init__(self, parent=None) -> None:
            super().__init__(parent)
            self._initialized = False

        def initialize(self, core) -> None:
            self._initialized = True

        def isInitialized(self) -> bool:  # noqa: N802 (Qt API)
            return self._initialized

        def createWidget(self, parent):  # noqa: N802 (Qt API)
            widget = widget_class(parent)  # no PV yet: set the pvname property
            widget.resize(*size)
            return widget

        def name(self) -> str:
            return class_name

        def group(self) -> str:
            return GROUP

        def icon(self) -> QIcon:
            return QIcon()

        def toolTip(self) -> str:  # noqa: N802 (Qt API)
            return (widget_class.__doc__ or class_name).strip().splitlines()[0]

        def whatsThis(self) -> str:  # noqa: N802 (Qt API)
            return (widget_class.__doc__ or class_name).strip()

        def isContainer(self) -> bool:  # noqa: N802 (Qt API)
            return False

        def includeFile(self) -> str:  # noqa: N802 (Qt API)
            return MODULE

        def domXml(self) -> str:  # noqa: N802 (Qt API)
            name = class_name[0].lower() + class_name[1:]
            return (f'<widget class="{class_name}" name="{name}">'
                    f'<property name="geometry"><rect><x>0</x><y>0</y>'
                    f'<width>{size[0]}</width><height>{size[1]}</height></rect></property>'
                    f'</widget>')

    Plugin.__name__ = f"{class_name}Plugin"
    Plugin.__qualname__ = Plugin.__name__
    return Plugin


for _name, _size in WIDGETS.items():
    globals()[f"{_name}Plugin"] = _make_plugin(_name, _size)

PLUGINS = [globals()[f"{name}Plugin"] for name in WIDGETS]

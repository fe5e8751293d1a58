"""``PVAutoWidget`` and ``make_pv_widget``: the right widget for a PV, by name or by its type.

Panels name a widget per PV ("led", "slider"...) or leave it to the PV:
``PVAutoWidget`` shows a label (with the disconnected look) until the PV
connects, then puts the widget its type and access call for in its place
(``model.panel.auto_widget``). The label's channel is closed only after
the new widget holds its own, so the CA subscription is never dropped.
"""
from __future__ import annotations

import logging
from typing import Any

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QWidget

from caprobe.model import FieldType, Reading
from caprobe.model.panel import auto_widget
from caprobe.widgets.pv_controls import PVCheckBox, PVLineEdit, PVPushButton, PVSlider, PVSpinBox
from caprobe.widgets.pv_display import PVByteIndicator, PVLabel, PVLed
from caprobe.widgets.pv_enum import PVEnumButtons, PVEnumComboBox
from caprobe.widgets.pv_trend import PVMiniTrend

log = logging.getLogger(__name__)

_SIMPLE = {"label": PVLabel, "entry": PVLineEdit, "spinbox": PVSpinBox, "slider": PVSlider,
           "combo": PVEnumComboBox, "buttons": PVEnumButtons, "led": PVLed,
           "checkbox": PVCheckBox}


def make_pv_widget(kind: str, pvname: str, parent: QWidget | None = None, hub=None,
                   options: dict[str, Any] | None = None) -> QWidget:
    """A widget of ``kind`` (a panel's widget name) for ``pvname``, options applied.

    Options (all optional): precision, units, confirm, read_only, bit, bits,
    value (for "button"), span (for "trend").
    """
    options = options or {}
    if kind == "auto":
        return PVAutoWidget(pvname, parent, hub, options)
    if kind == "byte":
        widget = PVByteIndicator(pvname, parent, hub, num_bits=options.get("bits", 8))
    elif kind == "button":
        value = options.get("value")
        widget = PVPushButton(pvname, value, parent, hub, text=f"Write {value}")
    elif kind == "trend":
        return _Trend(pvname, parent, hub, options)
    elif kind == "waveform":
        from caprobe.widgets.waveform_plot import WaveformPlot

        widget = WaveformPlot(pvname, parent, hub)
        widget.setMinimumHeight(options.get("height", 220))
        return widget
    elif kind in _SIMPLE:
        widget = _SIMPLE[kind](pvname, parent, hub)
    else:
        raise ValueError(f"unknown widget {kind!r}")
    _apply(widget, options)
    return widget


def _apply(widget: QWidget, options: dict[str, Any]) -> None:
    for key, prop in (("precision", "precision"), ("units", "showUnits"),
                      ("confirm", "confirmWrite"), ("read_only", "pvReadOnly"), ("bit", "bit")):
        if key in options and widget.metaObject().indexOfProperty(prop) >= 0:
            widget.setProperty(prop, options[key])


class _Trend(QWidget):
    """Value with units beside a small trend (a panel's "trend" cell)."""

    def __init__(self, pvname: str, parent: QWidget | None, hub, options: dict) -> None:
        super().__init__(parent)
        self.label = PVLabel(pvname, self, hub)
        _apply(self.label, options)
        self.trend = PVMiniTrend(pvname, self, hub, span=options.get("span", 120.0))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.trend, 1)


class PVAutoWidget(QWidget):
    """A label until the PV connects, then the widget its type and access call for.

    Signals
    -------
    chosen(str)
        The widget kind picked ("entry", "buttons", "waveform"...).
    """

    chosen = pyqtSignal(str)

    def __init__(self, pvname: str, parent: QWidget | None = None, hub=None,
                 options: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._options = dict(options or {})
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.kind = ""
        self.widget: QWidget = PVLabel(pvname, self, hub)
        _apply(self.widget, self._options)
        self._layout.addWidget(self.widget)
        channel = self.widget.channel
        if channel is not None:
            channel.reading_changed.connect(self._on_first_reading)
            channel.access_changed.connect(self._on_access)

    @property
    def pvname(self) -> str:
        return self.widget.pvname

    def channels(self) -> list:
        return [w.channel for w in self.findChildren(QWidget) if hasattr(w, "pv_connected")
                and w.channel is not None]

    def _on_access(self, _read: bool, _write: bool) -> None:
        reading = self.widget.reading if isinstance(self.widget, PVLabel) else None
        if reading is not None and not self.kind:
            self._on_first_reading(reading)

    def _on_first_reading(self, reading: Reading) -> None:
        if self.kind:
            return
        channel = self.widget.channel
        info = channel.info if channel is not None else None
        if info is None:
            return  # access not known yet: wait for it
        meta = reading.metadata
        if info.field_type == FieldType.ENUM and not meta.enum_strings:
            # Control metadata (the state labels) may come after the first
            # value; decide when they are here. An enum without labels stays
            # a label, which shows its value.
            return
        # Type and size from the channel (known at connection), not from
        # metadata that may still be the default.
        char_array = info.field_type == FieldType.CHAR and info.element_count > 1
        kind = auto_widget(info.field_type, info.element_count, len(meta.enum_strings),
                           info.write_access, char_array)
        self.kind = kind
        channel.reading_changed.disconnect(self._on_first_reading)
        channel.access_changed.disconnect(self._on_access)
        log.debug("%s: auto widget %s", self.pvname, kind)
        if kind != "label":
            old = self.widget
            self.widget = make_pv_widget(kind, old.pvname, self, self._hub, self._options)
            self._layout.addWidget(self.widget)
            self._layout.removeWidget(old)
            old.hide()
            old.deleteLater()  # after the new widget's channel exists: no resubscription
        self.chosen.emit(kind)

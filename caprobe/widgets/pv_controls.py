"""PV write widgets: ``PVLineEdit``, ``PVSpinBox``, ``PVSlider``, ``PVCheckBox``, ``PVPushButton``.

The rules are the probe's: an entry being edited is highlighted and the
live value waits; Enter writes; Escape (or leaving the field) reverts;
the entry is checked against the type and control limits before anything
is sent; the wheel never writes. Blocking, confirmation, outcome and
logging come from ``PVWidgetMixin``.
"""
from __future__ import annotations

import math

from PyQt5.QtCore import Qt, pyqtProperty
from PyQt5.QtGui import QKeyEvent
from PyQt5.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QDoubleSpinBox,
    QLineEdit,
    QPushButton,
    QSlider,
    QWidget,
)

from caprobe.model import FieldType, Metadata, Reading
from caprobe.model.entry import control_limits_set
from caprobe.widgets.pv_display import NO_VALUE, first_number, split_pv_args
from caprobe.widgets.pv_widget import PVWidgetMixin

_INTEGER_TYPES = (FieldType.CHAR, FieldType.SHORT, FieldType.LONG, FieldType.ENUM)


def _number_text(widget: PVWidgetMixin, number: float) -> str:
    """A number as the entry text for the PV's type (integers without decimals)."""
    channel = widget.channel
    if channel is not None and channel.metadata.field_type in _INTEGER_TYPES:
        return str(int(round(number)))
    return repr(float(number))


def _strip_units(text: str, units: str) -> str:
    text = text.strip()
    if units and text.endswith(units):
        text = text[: -len(units)].rstrip()
    return text


class PVLineEdit(PVWidgetMixin, QLineEdit):
    """Shows the value; type a new one and press Enter to write it."""

    pv_writable = True

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        self.textEdited.connect(self._on_text_edited)
        self.returnPressed.connect(self._on_return_pressed)
        self._pv_init(pvname, hub)

    def pv_show(self, reading: Reading) -> None:
        if not self.pv_editing():
            self.setText(self.pv_text(reading))
            self.setCursorPosition(0)

    def pv_clear(self) -> None:
        self.pv_set_editing(False)
        self.setText("")
        self.setPlaceholderText(NO_VALUE)

    def write_text(self, text: str) -> bool:
        """Check ``text`` and write it, as Enter does. True if it was sent."""
        units = self.channel.metadata.units if self.channel is not None and self.showUnits else ""
        return self.pv_write_entry(_strip_units(text, units))

    def _on_text_edited(self, _text: str) -> None:
        self.pv_set_editing(True)

    def _on_return_pressed(self) -> None:
        self.write_text(self.text())


class PVSpinBox(PVWidgetMixin, QDoubleSpinBox):
    """A number with step arrows; the control limits are its range. Enter writes.

    Arrows and keys only change the entry (highlighted as editing); nothing
    is written until Enter, so stepping through values never drives the PV.
    """

    pv_writable = True

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.setRange(-1e300, 1e300)
        self.lineEdit().textEdited.connect(lambda _t: self.pv_set_editing(True))
        self._pv_init(pvname, hub)

    def pv_metadata_changed(self, metadata: Metadata) -> None:
        integer = metadata.field_type in _INTEGER_TYPES
        precision = self.precision if self.precision >= 0 else (metadata.precision or 0)
        self.blockSignals(True)
        self.setDecimals(0 if integer else max(0, min(15, precision)))
        lo, hi = metadata.control_limits
        if control_limits_set(metadata):
            self.setRange(lo, hi)
        else:
            self.setRange(-1e300, 1e300)
        self.setSuffix(f" {metadata.units}" if self.showUnits and metadata.units else "")
        self.setSingleStep(1.0 if integer or precision <= 0 else 10.0 ** -min(precision, 6))
        self.blockSignals(False)

    def pv_show(self, reading: Reading) -> None:
        if self.pv_editing():
            return
        value = first_number(reading.value)
        if math.isfinite(value):
            self.blockSignals(True)
            self.setValue(value)
            self.blockSignals(False)

    def pv_clear(self) -> None:
        self.pv_set_editing(False)
        self.blockSignals(True)
        self.setValue(0.0)
        self.blockSignals(False)

    def write_value(self, value: float | None = None) -> bool:
        """Write the entry (or ``value``), as Enter does. True if it was sent."""
        return self.pv_write_entry(_number_text(self, self.value() if value is None else value))

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt API)
        super().stepBy(steps)
        self.pv_set_editing(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.interpretText()
            self.write_value()
            return
        super().keyPressEvent(event)  # Escape reverts (PVWidgetMixin)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabled:  # noqa: N802 (Qt API)
        if self.pv_block_reason():
            return QAbstractSpinBox.StepNone
        return super().stepEnabled()


class PVSlider(PVWidgetMixin, QSlider):
    """A slider over the PV's control limits (display limits if none are set).

    Writes when the handle is released, or on each keyboard or page step;
    never while dragging, never from the wheel.
    """

    pv_writable = True
    STEPS = 1000

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None,
                 orientation: Qt.Orientation = Qt.Horizontal) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(orientation, parent)
        self._range: tuple[float, float] | None = None
        self._updating = False
        self.setRange(0, self.STEPS)
        self.setPageStep(self.STEPS // 10)
        self.setSingleStep(self.STEPS // 100)
        self.sliderReleased.connect(self._on_released)
        self.valueChanged.connect(self._on_value_changed)
        self._pv_init(pvname, hub)

    def value_range(self) -> tuple[float, float] | None:
        """The PV values at the two ends (None: no limits to scale to)."""
        return self._range

    def pv_block_reason(self) -> str:
        reason = super().pv_block_reason()
        if not reason and self.pv_connected() and self._range is None:
            return "the PV has no control or display limits to scale the slider"
        return reason

    def pv_metadata_changed(self, metadata: Metadata) -> None:
        self._range = None
        for lo, hi in (metadata.control_limits, metadata.display_limits):
            if math.isfinite(lo) and math.isfinite(hi) and lo < hi:
                self._range = (float(lo), float(hi))
                break

    def position_of(self, value: float) -> int:
        lo, hi = self._range or (0.0, 1.0)
        fraction = (min(max(value, lo), hi) - lo) / (hi - lo)
        return int(round(fraction * self.STEPS))

    def value_at(self, position: int) -> float:
        lo, hi = self._range or (0.0, 1.0)
        return lo + (hi - lo) * position / self.STEPS

    def pv_show(self, reading: Reading) -> None:
        if self.isSliderDown():
            return
        value = first_number(reading.value)
        if math.isfinite(value) and self._range is not None:
            self._updating = True
            self.setValue(self.position_of(value))
            self._updating = False

    def write_position(self, position: int | None = None) -> bool:
        """Write the value at ``position`` (default: the handle's). True if it was sent."""
        number = self.value_at(self.value() if position is None else position)
        return self.pv_write_entry(_number_text(self, number))

    def _on_released(self) -> None:
        self.write_position()

    def _on_value_changed(self, position: int) -> None:
        if self._updating or self.isSliderDown():
            return
        self.write_position(position)  # a keyboard or page step: the operator asked


class PVCheckBox(PVWidgetMixin, QCheckBox):
    """Checked while the value is non-zero; a click writes 1 or 0.

    The box shows the PV, not the click: it changes when the IOC's value
    does, so a refused write leaves it as it was.
    """

    pv_writable = True

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None,
                 text: str = "") -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(text, parent)
        self.clicked.connect(self._on_clicked)
        self._pv_init(pvname, hub)

    def pv_show(self, reading: Reading) -> None:
        number = first_number(reading.value)
        self.blockSignals(True)
        self.setChecked(math.isfinite(number) and number != 0)
        self.blockSignals(False)

    def pv_clear(self) -> None:
        self.blockSignals(True)
        self.setChecked(False)
        self.blockSignals(False)

    def _on_clicked(self, checked: bool) -> None:
        reading = self.reading
        if reading is not None:
            self.pv_show(reading)  # back to the PV's state until it changes
        else:
            self.pv_clear()
        self.pv_write(1 if checked else 0, "1" if checked else "0")


class PVPushButton(PVWidgetMixin, QPushButton):
    """Writes a preset value (``pressValue``) when clicked.

    The value is checked against the PV's type and limits at click time;
    for an enum PV it may be a state's label or index.
    """

    pv_writable = True

    def __init__(self, pvname: str = "", value=None, parent: QWidget | None = None, hub=None,
                 text: str | None = None) -> None:
        if isinstance(value, QWidget) and parent is None:
            value, parent = None, value
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        self._press_value = "" if value is None else str(value)
        self.setText(text if text is not None else (self._press_value or "Write"))
        self.clicked.connect(self.press)
        self._pv_init(pvname, hub)

    def press(self) -> bool:
        """Write the preset value, as a click does. True if it was sent."""
        if not self._press_value:
            self.pv_refuse("the button has no value to write")
            return False
        return self.pv_write_entry(self._press_value)

    def _get_press_value(self) -> str:
        return self._press_value

    def _set_press_value(self, value: str) -> None:
        self._press_value = str(value)

    setPressValue = _set_press_value  # for uic
    pressValue = pyqtProperty(str, _get_press_value, _set_press_value)

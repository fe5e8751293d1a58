"""Enum PV write widgets: ``PVEnumComboBox`` and ``PVEnumButtons``.

Both show the PV's state labels (ZNAM/ONAM, ZRST…) and write a state's
index when the operator picks it. The selection shown is always the
PV's: a pick is written, and the widget changes when the IOC's value does.
"""
from __future__ import annotations

import math

from PyQt5.QtCore import pyqtProperty
from PyQt5.QtWidgets import QBoxLayout, QButtonGroup, QComboBox, QPushButton, QWidget

from caprobe.model import Metadata, Reading
from caprobe.widgets.pv_display import first_number, split_pv_args
from caprobe.widgets.pv_widget import PVWidgetMixin


def _enum_index(reading: Reading) -> int:
    number = first_number(reading.value)
    return int(number) if math.isfinite(number) else -1


def _not_enum_reason(widget: PVWidgetMixin) -> str:
    reading = widget.reading
    if widget.pv_connected() and reading is not None and not reading.metadata.enum_strings:
        return "not an enum PV (no state labels)"
    return ""


class PVEnumComboBox(PVWidgetMixin, QComboBox):
    """The state labels in a drop-down; choosing one writes it."""

    pv_writable = True

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        self.activated.connect(self._on_activated)
        self._pv_init(pvname, hub)

    def pv_block_reason(self) -> str:
        return super().pv_block_reason() or _not_enum_reason(self)

    def pv_metadata_changed(self, metadata: Metadata) -> None:
        labels = list(metadata.enum_strings)
        if [self.itemText(i) for i in range(self.count())] != labels:
            self.blockSignals(True)
            self.clear()
            self.addItems(labels)
            self.blockSignals(False)

    def pv_show(self, reading: Reading) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(_enum_index(reading))
        self.blockSignals(False)

    def pv_clear(self) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(-1)
        self.blockSignals(False)

    def write_index(self, index: int) -> bool:
        label = self.itemText(index) if 0 <= index < self.count() else str(index)
        return self.pv_write(index, label)

    def _on_activated(self, index: int) -> None:
        reading = self.reading
        if reading is not None:
            self.pv_show(reading)  # show the PV's state until it changes
        self.write_index(index)


class PVEnumButtons(PVWidgetMixin, QWidget):
    """One button per state, the current one pressed; clicking another writes it."""

    pv_writable = True

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None,
                 horizontal: bool = True) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        self._horizontal = bool(horizontal)
        self._layout = QBoxLayout(QBoxLayout.LeftToRight if horizontal else QBoxLayout.TopToBottom,
                                  self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self._layout.setSpacing(4)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.idClicked.connect(self._on_clicked)
        self._pv_init(pvname, hub)

    def buttons(self) -> list[QPushButton]:
        return list(self.group.buttons())

    def pv_block_reason(self) -> str:
        return super().pv_block_reason() or _not_enum_reason(self)

    def pv_metadata_changed(self, metadata: Metadata) -> None:
        labels = list(metadata.enum_strings)
        if [b.text() for b in self.group.buttons()] == labels:
            return
        for button in self.group.buttons():
            self.group.removeButton(button)
            button.deleteLater()
        for index, label in enumerate(labels):
            button = QPushButton(label, self)
            button.setCheckable(True)
            self.pv_block_children(button)
            self.group.addButton(button, index)
            self._layout.addWidget(button)

    def pv_show(self, reading: Reading) -> None:
        index = _enum_index(reading)
        for button in self.group.buttons():
            button.setChecked(self.group.id(button) == index)

    def pv_clear(self) -> None:
        self.group.setExclusive(False)
        for button in self.group.buttons():
            button.setChecked(False)
        self.group.setExclusive(True)

    def write_index(self, index: int) -> bool:
        button = self.group.button(index)
        return self.pv_write(index, button.text() if button is not None else str(index))

    def _on_clicked(self, index: int) -> None:
        reading = self.reading
        if reading is not None:
            self.pv_show(reading)
        else:
            self.pv_clear()
        self.write_index(index)

    def _get_horizontal(self) -> bool:
        return self._horizontal

    def _set_horizontal(self, horizontal: bool) -> None:
        self._horizontal = bool(horizontal)
        self._layout.setDirection(QBoxLayout.LeftToRight if horizontal
                                  else QBoxLayout.TopToBottom)

    setHorizontal = _set_horizontal  # for uic
    horizontal = pyqtProperty(bool, _get_horizontal, _set_horizontal)

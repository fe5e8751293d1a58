"""Read-only PV widgets: ``PVLabel``, ``PVLed``, ``PVByteIndicator``.

Everything PV-related (channel, alarm look, tooltip, menu, drag) comes
from ``PVWidgetMixin``; these classes only draw the value.
"""
from __future__ import annotations

import math

import numpy as np
from PyQt5.QtCore import QRectF, QSize, Qt, pyqtProperty
from PyQt5.QtGui import QColor, QPainter, QPalette, QPen
from PyQt5.QtWidgets import QLabel, QSizePolicy, QWidget

from caprobe.model import Reading
from caprobe.widgets.alarm_style import disconnected_color
from caprobe.widgets.look import look_color
from caprobe.widgets.pv_widget import PVWidgetMixin

#: Shown before the first value arrives (and while a PV is unknown).
NO_VALUE = "—"


def split_pv_args(pvname, parent):
    """Accept ``Widget(parent)`` too: that is how ``uic.loadUi`` and Designer build widgets."""
    if isinstance(pvname, QWidget) and parent is None:
        return "", pvname
    return pvname or "", parent


class PVLabel(PVWidgetMixin, QLabel):
    """The PV's value as text, with units and the alarm look."""

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        # Not text-selectable: a selectable label lays its text out through a
        # text document and repaints twice per change (measured: 29 ms against
        # 11 ms per frame at 1000 labels). The value is copied from the context
        # menu; middle-click copies the PV name.
        self.setAttribute(Qt.WA_StyledBackground, True)
        self._pv_init(pvname, hub)

    def pv_show(self, reading: Reading) -> None:
        self.setText(self.pv_text(reading))

    def pv_clear(self) -> None:
        self.setText(NO_VALUE)


def first_number(value) -> float:
    """A value (scalar or the first element of an array) as a float; NaN if it is not a number."""
    try:
        return float(np.asarray(value).flat[0]) if np.size(value) else math.nan
    except (TypeError, ValueError):
        return math.nan


def bit_is_set(value, bit: int) -> bool | None:
    """Whether ``bit`` of an integer-like value is set (bit -1: the value is non-zero)."""
    number = first_number(value)
    if not math.isfinite(number):
        return None
    if bit < 0:
        return number != 0
    return bool((int(number) >> bit) & 1)


class PVLed(PVWidgetMixin, QWidget):
    """A lamp: on when the value is non-zero, or when a chosen ``bit`` is set.

    For a bo/bi record the tooltip and the accessible name carry the
    state's label (ZNAM/ONAM).
    """

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None,
                 bit: int = -1) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        self._bit = int(bit)
        self._on_color = QColor("#00c000")
        self._off_color = QColor("#0a3a0a")
        self._state: bool | None = None
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self._pv_init(pvname, hub)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(24, 24)

    def is_on(self) -> bool | None:
        """On, off, or None (no value, disconnected or not a number)."""
        return self._state if self.pv_connected() else None

    def pv_show(self, reading: Reading) -> None:
        self._state = bit_is_set(reading.value, self._bit)
        text = self.pv_text(reading)
        self.setAccessibleName(f"{self.pvname}: {text}")
        self.update()

    def pv_clear(self) -> None:
        self._state = None
        self.update()

    def pv_state_changed(self) -> None:
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        side = min(self.width(), self.height()) - 6
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        state = self.is_on()
        if state is None:
            painter.setBrush(QColor(look_color("lamp_unknown")))
            painter.setPen(QPen(QColor(disconnected_color()), 1.5, Qt.DotLine))
        else:
            painter.setBrush(self._on_color if state else self._off_color)
            painter.setPen(QPen(QColor(look_color("lamp_outline")), 1))
        painter.drawEllipse(rect)

    # Qt properties
    def _get_bit(self) -> int:
        return self._bit

    def _set_bit(self, bit: int) -> None:
        self._bit = int(bit)
        reading = self.reading
        if reading is not None:
            self.pv_show(reading)

    def _get_on_color(self) -> QColor:
        return self._on_color

    def _set_on_color(self, color: QColor) -> None:
        self._on_color = QColor(color)
        self.update()

    def _get_off_color(self) -> QColor:
        return self._off_color

    def _set_off_color(self, color: QColor) -> None:
        self._off_color = QColor(color)
        self.update()

    setBit, setOnColor, setOffColor = _set_bit, _set_on_color, _set_off_color  # for uic
    bit = pyqtProperty(int, _get_bit, _set_bit)
    onColor = pyqtProperty(QColor, _get_on_color, _set_on_color)
    offColor = pyqtProperty(QColor, _get_off_color, _set_off_color)


class PVByteIndicator(PVWidgetMixin, QWidget):
    """Bits of an integer PV as a row (or column) of lamps, labelled with their numbers."""

    def __init__(self, pvname: str = "", parent: QWidget | None = None, hub=None,
                 num_bits: int = 8, start_bit: int = 0) -> None:
        pvname, parent = split_pv_args(pvname, parent)
        super().__init__(parent)
        self._num_bits = max(1, int(num_bits))
        self._start_bit = max(0, int(start_bit))
        self._horizontal = True
        self._labels: list[str] = []
        self._bits: list[bool] | None = None
        self._on_color = QColor("#00c000")
        self._off_color = QColor("#0a3a0a")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self._pv_init(pvname, hub)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        cell = 22
        if self._horizontal:
            return QSize(self._num_bits * cell + 6, 40)
        return QSize(90, self._num_bits * cell + 6)

    def bits(self) -> list[bool] | None:
        """Each shown bit, lowest first (None: no value or disconnected)."""
        return list(self._bits) if self._bits is not None and self.pv_connected() else None

    def pv_show(self, reading: Reading) -> None:
        states = [bit_is_set(reading.value, self._start_bit + i) for i in range(self._num_bits)]
        self._bits = None if any(s is None for s in states) else [bool(s) for s in states]
        self.update()

    def pv_clear(self) -> None:
        self._bits = None
        self.update()

    def pv_state_changed(self) -> None:
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        bits = self.bits()
        count = self._num_bits
        if self._horizontal:
            cell = (self.width() - 6) / count
            lamp = min(cell - 4, self.height() * 0.45)
        else:
            cell = (self.height() - 6) / count
            lamp = min(cell - 4, 16)
        for i in range(count):
            if self._horizontal:
                index = count - 1 - i  # highest bit on the left, as numbers are written
                x0 = 3 + i * cell + (cell - lamp) / 2
                lamp_rect = QRectF(x0, 4, lamp, lamp)
                text_rect = QRectF(3 + i * cell, 6 + lamp, cell, self.height() - lamp - 6)
            else:
                index = i
                y0 = 3 + i * cell + (cell - lamp) / 2
                lamp_rect = QRectF(4, y0, lamp, lamp)
                text_rect = QRectF(lamp + 8, 3 + i * cell, self.width() - lamp - 8, cell)
            if bits is None:
                painter.setBrush(QColor(look_color("lamp_unknown")))
                painter.setPen(QPen(QColor(disconnected_color()), 1, Qt.DotLine))
            else:
                painter.setBrush(self._on_color if bits[index] else self._off_color)
                painter.setPen(QPen(QColor(look_color("lamp_outline")), 1))
            painter.drawEllipse(lamp_rect)
            label = (self._labels[index] if index < len(self._labels)
                     else str(self._start_bit + index))
            painter.setPen(self.palette().color(QPalette.WindowText))
            align = Qt.AlignHCenter | Qt.AlignTop if self._horizontal else Qt.AlignVCenter
            painter.drawText(text_rect, int(align), label)

    # Qt properties
    def _get_num_bits(self) -> int:
        return self._num_bits

    def _set_num_bits(self, count: int) -> None:
        self._num_bits = max(1, min(32, int(count)))
        self._redisplay()

    def _get_start_bit(self) -> int:
        return self._start_bit

    def _set_start_bit(self, bit: int) -> None:
        self._start_bit = max(0, min(31, int(bit)))
        self._redisplay()

    def _get_horizontal(self) -> bool:
        return self._horizontal

    def _set_horizontal(self, horizontal: bool) -> None:
        self._horizontal = bool(horizontal)
        self.updateGeometry()
        self.update()

    def _get_labels(self) -> list[str]:
        return list(self._labels)

    def _set_labels(self, labels: list[str]) -> None:
        self._labels = [str(label) for label in labels]
        self.update()

    def _redisplay(self) -> None:
        reading = self.reading
        if reading is not None:
            self.pv_show(reading)
        self.updateGeometry()
        self.update()

    setNumBits, setStartBit = _set_num_bits, _set_start_bit  # for uic
    setHorizontal, setLabels = _set_horizontal, _set_labels
    numBits = pyqtProperty(int, _get_num_bits, _set_num_bits)
    startBit = pyqtProperty(int, _get_start_bit, _set_start_bit)
    horizontal = pyqtProperty(bool, _get_horizontal, _set_horizontal)
    labels = pyqtProperty("QStringList", _get_labels, _set_labels)

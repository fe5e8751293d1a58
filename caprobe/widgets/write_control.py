"""``WriteControl``: a setpoint editor suited to the PV's type.

Numbers, strings and char waveforms get a line edit, enums a combo box.
The rules an operator relies on:

* typing shows an "editing" highlight and the live value stops
  overwriting the entry; Enter writes; Escape or leaving the field
  reverts to the live value;
* the entry is checked against the type and the control limits while
  typing, and again on Enter, so a bad value is refused with a reason
  before anything is sent;
* the mouse wheel never writes (nor changes the combo box);
* when writing is impossible (read-only mode, disconnected, no write
  access) the control is disabled and says why, in place;
* every write ends in a visible outcome: written, refused, failed, or
  "outcome unknown" after a timeout;
* optionally, a confirmation names the PV, old → new value with units and
  the identity the IOC will log, with "No" as the default.
"""
from __future__ import annotations

import datetime
from typing import Any

import numpy as np
from PyQt5 import sip
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtGui import QFocusEvent, QFont, QKeyEvent, QWheelEvent
from PyQt5.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from caprobe.bridge import Channel, is_read_only
from caprobe.bridge.hub import client_identity
from caprobe.model import FieldType, Metadata, PutRejected, Reading, parse_entry
from caprobe.model.coerce import MAX_STRING_BYTES
from caprobe.model.entry import control_limits_set
from caprobe.model.format import format_number
from caprobe.widgets.look import look_color, look_notifier

#: Arrays longer than this are not mirrored into the entry on every update.
MIRRORED_ARRAY_LIMIT = 64

#: The entry while typed but not written, and while its text cannot be
#: written, in the light look (``entry_style`` gives the current look's).
EDITING_STYLE = "background-color: #fff4c2; border: 2px solid #d9a400;"
INVALID_STYLE = "background-color: #ffe0e0; border: 2px solid #d00000;"
#: Status line colours: roles of ``widgets.look``.
_OK_COLOR, _BAD_COLOR, _INFO_COLOR, _WARN_COLOR = "text_ok", "text_bad", "text_info", "text_warn"


def entry_style(invalid: bool = False) -> str:
    """The editing (or invalid) highlight of an entry in the current look."""
    kind = "invalid" if invalid else "editing"
    return (f"background-color: {look_color(kind + '_bg')}; "
            f"border: 2px solid {look_color(kind + '_border')};")
#: What the status line currently says, so that a state change clears only
#: its own message: a write's outcome stays until the next one.
_OUTCOME, _EDITING, _BLOCKED = "outcome", "editing", "blocked"


def write_block_reason(channel: Channel | None, widget_read_only: bool = False) -> str:
    """Why nothing can be written to ``channel`` now ("" when writing is possible).

    The one rule every write control follows (probe, PV widgets).
    """
    if channel is None:
        return "no PV"
    if is_read_only() or channel.hub.read_only:
        return "read-only mode (whole application)"
    if widget_read_only:
        return "read-only widget"
    if not channel.connected:
        return "not connected"
    info = channel.info
    if info is not None and not info.write_access:
        return "no write access (access security)"
    return ""


class _SetpointEdit(QLineEdit):
    escape_pressed = pyqtSignal()
    focus_lost = pyqtSignal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key_Escape:
            self.escape_pressed.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        if event.reason() != Qt.PopupFocusReason:  # a context menu is not leaving
            self.focus_lost.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        event.ignore()


class _EnumCombo(QComboBox):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        event.ignore()  # scrolling the page must never change a setpoint


def confirm_write(parent: QWidget, pvname: str, old: str, new: str) -> bool:
    """Ask before writing; "No" is the default button."""
    box = QMessageBox(QMessageBox.Question, "Confirm write",
                      f"Write to {pvname}?\n\n    {old}   →   {new}\n\n"
                      f"The IOC will log this write as {client_identity()}.",
                      QMessageBox.Yes | QMessageBox.No, parent)
    box.setDefaultButton(QMessageBox.No)
    box.setObjectName("confirm_write")
    return box.exec_() == QMessageBox.Yes


class WriteControl(QWidget):
    """Writes to one channel; :meth:`set_channel` to follow another PV.

    Attributes
    ----------
    confirm_writes : bool
        Ask before every write (see :func:`confirm_write`).
    put_timeout : float or None
        Seconds to wait for the put's completion before reporting
        "outcome unknown"; None for the hub's default (5 s).
    """

    def __init__(self, channel: Channel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.confirm_writes = False
        self.put_timeout: float | None = None
        self._widget_read_only = False
        self._channel: Channel | None = None
        self._editing = False
        self._confirming = False
        self._status_kind = _OUTCOME
        self._status_color = _INFO_COLOR
        self._entry_invalid = False
        self._unresolved = ""  # the last write's failure, shown until a write succeeds
        self._metadata = Metadata()

        self.line_edit = _SetpointEdit(self)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.TypeWriter)
        self.line_edit.setFont(mono)
        self.combo = _EnumCombo(self)
        self.editors = QStackedWidget(self)
        self.editors.addWidget(self.line_edit)
        self.editors.addWidget(self.combo)
        self.editors.setSizePolicy(self.line_edit.sizePolicy())
        self.write_button = QPushButton("Write", self)
        self.write_button.setFocusPolicy(Qt.NoFocus)  # clicking it must not revert the entry
        self.note_label = QLabel(self)
        self.note_label.setStyleSheet(f"color: {look_color(_INFO_COLOR)};")
        self.status_label = QLabel(self)
        self.status_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.status_label.setWordWrap(True)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editors, 1)
        row.addWidget(self.write_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(row)
        layout.addWidget(self.note_label)
        layout.addWidget(self.status_label)

        self.line_edit.textEdited.connect(self._on_line_edit_text_edited)
        self.line_edit.returnPressed.connect(self._on_line_edit_return_pressed)
        self.line_edit.escape_pressed.connect(self.revert)
        self.line_edit.focus_lost.connect(self._on_line_edit_focus_lost)
        self.combo.activated.connect(self._on_combo_activated)
        self.write_button.clicked.connect(self._on_write_button_clicked)
        self.set_channel(channel)
        look_notifier().changed.connect(self._on_look_changed)

    # -- public --------------------------------------------------------------
    @property
    def channel(self) -> Channel | None:
        return self._channel

    @property
    def editing(self) -> bool:
        return self._editing

    def set_channel(self, channel: Channel | None) -> None:
        if self._channel is not None and not sip.isdeleted(self._channel):
            for signal, slot in self._channel_slots(self._channel):
                signal.disconnect(slot)
        self._channel = channel
        self._editing = False
        self._unresolved = ""
        self._clear_status(self._status_kind)
        if channel is not None:
            for signal, slot in self._channel_slots(channel):
                signal.connect(slot)
            self._metadata = channel.metadata
        else:
            self._metadata = Metadata()
        self._configure_editor()
        self.refresh_enabled()
        if channel is not None and channel.reading is not None:
            self._on_channel_reading_changed(channel.reading)

    def set_widget_read_only(self, read_only: bool) -> None:
        """Block writes from this control alone (the probe's ``pvReadOnly``)."""
        self._widget_read_only = bool(read_only)
        self.refresh_enabled()

    def block_reason(self) -> str:
        """Why writing is impossible right now, or ``""`` when it is possible."""
        return write_block_reason(self._channel, self._widget_read_only)

    def refresh_enabled(self) -> None:
        reason = self.block_reason()
        self.editors.setEnabled(not reason)
        self.write_button.setEnabled(not reason and self._uses_line_edit())
        tip = f"Cannot write: {reason}" if reason else "Enter writes; Escape reverts"
        self.editors.setToolTip(tip)
        if reason and self._channel is not None:
            self._editing = False
            # A write that failed or whose outcome is unknown stays in view:
            # the block (often the same disconnect) must not hide it.
            unresolved = f" — last write: {self._unresolved}" if self._unresolved else ""
            self._show_status(f"✗ cannot write: {reason}{unresolved}", _BAD_COLOR, _BLOCKED)
            self._restyle()
        else:
            self._clear_status(_BLOCKED)

    def write_text(self, text: str) -> bool:
        """Check ``text`` and write it, as Enter does. True if sent."""
        channel = self._channel
        if channel is None:
            return False
        reason = self.block_reason()
        if reason:
            self._show_status(f"✗ refused: {reason}: nothing written", _BAD_COLOR)
            return False
        try:
            value = parse_entry(text, channel.metadata)
        except PutRejected as exc:
            self._show_status(f"✗ refused: {exc}: nothing written", _BAD_COLOR)
            return False
        return self._send(value, self._describe_new(value))

    def write_enum_index(self, index: int) -> bool:
        """Write enum state ``index``, as choosing it in the combo box does."""
        labels = self._metadata.enum_strings
        label = labels[index] if 0 <= index < len(labels) else str(index)
        return self._send(index, label)

    def revert(self) -> None:
        """Drop the edit and show the live value again."""
        self._editing = False
        self._restyle()
        self._clear_status(_EDITING)
        channel = self._channel
        if channel is not None and channel.reading is not None:
            self._show_live(channel.reading)
        else:
            self.line_edit.clear()

    # -- internals -----------------------------------------------------------
    def _channel_slots(self, channel: Channel) -> list[tuple[Any, Any]]:
        return [(channel.reading_changed, self._on_channel_reading_changed),
                (channel.connection_changed, self._on_channel_connection_changed),
                (channel.access_changed, self._on_channel_access_changed),
                (channel.put_finished, self._on_channel_put_finished)]

    def _uses_line_edit(self) -> bool:
        return self._metadata.field_type != FieldType.ENUM

    def _configure_editor(self) -> None:
        meta = self._metadata
        if meta.field_type == FieldType.ENUM:
            self.editors.setCurrentWidget(self.combo)
            if [self.combo.itemText(i) for i in range(self.combo.count())] != list(
                    meta.enum_strings):
                self.combo.clear()
                self.combo.addItems(list(meta.enum_strings))
            note = "choose a state: selecting it writes it"
        else:
            self.editors.setCurrentWidget(self.line_edit)
            note = self._entry_note(meta)
        # Until the channel has connected once, its type is not known: the
        # default metadata would read "DBF_DOUBLE" for any PV.
        known = self._channel is not None and self._channel.info is not None
        self.note_label.setText(note if known else "")
        self.write_button.setVisible(self._uses_line_edit())

    @staticmethod
    def _entry_note(meta: Metadata) -> str:
        if meta.field_type == FieldType.STRING:
            return (f"DBR_STRING: at most 40 characters including the terminating NUL "
                    f"({MAX_STRING_BYTES} usable)")
        if meta.is_char_array:
            return f"char waveform: text up to {meta.element_count - 1} bytes (UTF-8)"
        parts = [meta.field_type.dbf_name]
        if meta.element_count > 1:
            parts.append(f"up to {meta.element_count} values, separated by spaces or commas")
        if control_limits_set(meta):
            low, high = meta.control_limits
            units = f" {meta.units}" if meta.units else ""
            parts.append(f"control limits {low:g} … {high:g}{units}")
        return ", ".join(parts)

    def _show_live(self, reading: Reading) -> None:
        meta = reading.metadata
        if meta.field_type == FieldType.ENUM:
            if not self.combo.view().isVisible():
                index = int(reading.value) if reading.value is not None else -1
                self.combo.setCurrentIndex(index if 0 <= index < self.combo.count() else -1)
            return
        if meta.is_array and not meta.is_char_array and meta.element_count > \
                MIRRORED_ARRAY_LIMIT:
            self.line_edit.setPlaceholderText("values separated by spaces or commas")
            return
        if meta.is_array and not meta.is_char_array:
            text = ", ".join(format_number(v, meta.field_type, "default", meta.precision)
                             for v in np.atleast_1d(reading.value))
        else:
            text = reading.format(show_units=False)
        if self.line_edit.text() != text:
            self.line_edit.setText(text)
            self.line_edit.setCursorPosition(0)

    def _describe_new(self, value: Any) -> str:
        meta = self._metadata
        units = f" {meta.units}" if meta.units else ""
        if meta.field_type == FieldType.ENUM:
            labels = meta.enum_strings
            return labels[value] if isinstance(value, int) and value < len(labels) else str(value)
        if isinstance(value, str):
            return repr(value)
        if isinstance(value, list):
            return f"[{', '.join(str(v) for v in value[:8])}{', …' if len(value) > 8 else ''}]"
        return f"{value}{units}"

    def _send(self, value: Any, new_text: str) -> bool:
        channel = self._channel
        if channel is None:
            return False
        if self.confirm_writes:
            old = channel.reading.format() if channel.reading is not None else "(no value)"
            self._confirming = True
            try:
                accepted = confirm_write(self, channel.pvname, old, new_text)
            finally:
                self._confirming = False
            if not accepted:
                self._show_status("cancelled: nothing written", _INFO_COLOR)
                self.revert()
                return False
        self._editing = False
        self._restyle()
        self._show_status(f"writing {new_text}…", _INFO_COLOR)
        sent = channel.put(value, self.put_timeout)  # a refusal arrives on put_finished at once
        if sent and channel.reading is not None:
            self._show_live(channel.reading)
        return sent

    def _show_status(self, text: str, color: str, kind: str = _OUTCOME) -> None:
        """``color`` is a look role (``_OK_COLOR``...), so a new look can recolour it."""
        self._status_kind = kind
        self._status_color = color
        self.status_label.setStyleSheet(f"color: {look_color(color)};")
        self.status_label.setText(text)

    def _on_look_changed(self, _dark: bool) -> None:
        self.note_label.setStyleSheet(f"color: {look_color(_INFO_COLOR)};")
        self.status_label.setStyleSheet(f"color: {look_color(self._status_color)};")
        self._restyle(self._entry_invalid)

    def _clear_status(self, kind: str) -> None:
        """Clear the status line if it still shows a message of this kind."""
        if self._status_kind == kind:
            self._status_kind = _OUTCOME
            self.status_label.clear()

    def _restyle(self, invalid: bool = False) -> None:
        self._entry_invalid = invalid
        if not self._editing:
            self.line_edit.setStyleSheet("")
        else:
            self.line_edit.setStyleSheet(entry_style(invalid))

    # -- slots ---------------------------------------------------------------
    def _on_channel_reading_changed(self, reading: Reading) -> None:
        if reading.metadata is not self._metadata and reading.metadata != self._metadata:
            self._metadata = reading.metadata
            self._configure_editor()
        if not self._editing:
            self._show_live(reading)

    def _on_channel_connection_changed(self, connected: bool) -> None:
        if self._channel is not None:
            self._metadata = self._channel.metadata
            self._configure_editor()
        self.refresh_enabled()

    def _on_channel_access_changed(self, read: bool, write: bool) -> None:
        self.refresh_enabled()

    def _on_channel_put_finished(self, ok: bool, message: str) -> None:
        now = datetime.datetime.now().strftime("%H:%M:%S")
        if ok:
            self._unresolved = ""
            self._show_status(f"✓ written, put completed at {now}", _OK_COLOR)
        else:
            self._unresolved = f"{message} ({now})"
            self._show_status(f"✗ {message}", _BAD_COLOR)

    def _on_line_edit_text_edited(self, text: str) -> None:
        self._editing = True
        try:
            parse_entry(text, self._metadata)
        except PutRejected as exc:
            self._restyle(invalid=True)
            self._show_status(f"✗ not accepted: {exc}", _BAD_COLOR, _EDITING)
            return
        self._restyle()
        extra = ""
        if self._metadata.field_type == FieldType.STRING:
            extra = f" ({len(text.encode('utf-8'))}/{MAX_STRING_BYTES} bytes)"
        self._show_status(f"editing — Enter writes, Escape reverts{extra}", _WARN_COLOR,
                          _EDITING)

    def _on_line_edit_return_pressed(self) -> None:
        if not self.write_text(self.line_edit.text()):
            if self._editing:
                self._restyle(invalid=True)

    def _on_write_button_clicked(self) -> None:
        self._on_line_edit_return_pressed()

    def _on_line_edit_focus_lost(self) -> None:
        if self._editing and not self._confirming:
            self.revert()

    def _on_combo_activated(self, index: int) -> None:
        self.write_enum_index(index)


"""What every caprobe PV widget shares, in one place: ``PVWidgetMixin``.

A concrete widget is ``class PVLabel(PVWidgetMixin, QLabel)``: the Qt
class gives it its native look and API, the mixin gives it, identically
for every widget:

* the channel: one per widget, from the given hub or the default one;
  changing ``pvname`` releases the old PV at once and subscribes the new;
  the channel is a child of the widget, so deleting the widget releases
  it at once and no callback can reach a deleted object;
* the alarm look: text colour per severity (``alarmSensitive``), a border
  whose pattern differs per severity (``alarmBorder``, so colour-blind
  operators can tell MINOR/MAJOR/INVALID apart), and a distinct
  disconnected look (grey, dotted border) that is always on. Dynamic
  properties ``alarmSeverity`` and ``connected`` are set too, for
  application stylesheets;
* the tooltip: PV name, value, severity and status, host, access, and for
  write widgets why writing is blocked;
* writes: refused, with the reason in the tooltip and a greyed look, in
  read-only mode (``caprobe.set_read_only`` for the process, ``pvReadOnly``
  per widget), while disconnected, or without write access; input is
  swallowed then, but the context menu and tooltip still work. The mouse
  wheel never writes. ``confirmWrite`` asks first, "No" by default. Every
  write's outcome is logged; a failure marks the widget until the next
  write;
* the context menu (copy PV name, copy value, open in probe, add to strip
  chart), middle-click to copy the PV name, middle-drag to drag it out as
  text;
* Qt properties for Designer and stylesheets: ``pvname`` here, and the
  options every caprobe PV widget shares, composite ones included
  (``showUnits``, ``precision``, ``alarmSensitive``, ``alarmBorder``,
  ``pvReadOnly``, ``confirmWrite``, ``acceptPvDrops``), from
  ``PVOptionsMixin`` in ``pv_options``. The alarm look itself is
  ``alarm_style.value_rules``, the tooltip ``pv_context.pv_tooltip_text``
  and the write rule ``write_control.write_block_reason``: the probe, the
  waveform plot and the strip chart use the same three.

Subclasses implement ``pv_show(reading)`` (new value) and may override
``pv_metadata_changed(metadata)`` and ``pv_state_changed()``; write widgets
set ``pv_writable = True`` and call ``pv_write(value, shown)``.

Threads: GUI thread only (the hub delivers on it).
"""
from __future__ import annotations

import logging
import weakref
from typing import Any

from PyQt5 import sip
from PyQt5.QtCore import QEvent, QObject, Qt, pyqtProperty
from PyQt5.QtGui import QCursor, QKeySequence
from PyQt5.QtWidgets import QMenu, QWidget

from caprobe.bridge import Channel, ChannelHub, default_hub
from caprobe.bridge.hub import add_read_only_listener
from caprobe.model import (
    Metadata,
    PutRejected,
    Reading,
    Severity,
    parse_entry,
)
from caprobe.widgets.alarm_style import value_rules
from caprobe.widgets.look import look_color, look_notifier
from caprobe.widgets.pv_context import PVNameGestures, add_pv_actions, pv_tooltip_text
from caprobe.widgets.pv_options import PVOptionsMixin
from caprobe.widgets.write_control import confirm_write, write_block_reason

log = logging.getLogger(__name__)

#: Input that could change a value; swallowed while writing is blocked.
_INPUT_EVENTS = {QEvent.MouseButtonPress, QEvent.MouseButtonRelease, QEvent.MouseButtonDblClick,
                 QEvent.MouseMove, QEvent.KeyPress, QEvent.KeyRelease}
#: Keys that never change a value (focus moves, copying).
_HARMLESS_KEYS = {Qt.Key_Tab, Qt.Key_Backtab}
#: Greyed while writing is blocked; amber while typed but not written yet
#: (as the probe's setpoint); a red border after a failed write. These are
#: the light look's colours; ``widgets.look`` has the dark ones.
BLOCKED_BACKGROUND = "#e8e8e8"
EDITING_BACKGROUND = "#fff4c2"
FAILED_BORDER = "2px solid #d00000"

_live_widgets: "weakref.WeakSet[PVWidgetMixin]" = weakref.WeakSet()
_watching_look = False


def _refresh_all_write_states(*_args) -> None:
    for widget in list(_live_widgets):
        if not sip.isdeleted(widget):
            widget.pv_refresh()


add_read_only_listener(_refresh_all_write_states)


def _watch_look() -> None:
    """Restyle every PV widget when the light/dark look changes (once per process).

    A widget is restyled when its value or state changes; without this, a
    PV that never changes would keep the other look's colours.
    """
    global _watching_look
    if not _watching_look:
        _watching_look = True
        look_notifier().changed.connect(_refresh_all_write_states)


class _InputBlocker(QObject):
    """Swallows value-changing input to a write widget (and its children) while blocked."""

    def __init__(self, owner: "PVWidgetMixin") -> None:
        super().__init__(owner)
        self._owner = owner

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind not in _INPUT_EVENTS or not self._owner.pv_block_reason():
            return False
        if kind in (QEvent.KeyPress, QEvent.KeyRelease):
            return event.key() not in _HARMLESS_KEYS and not event.matches(QKeySequence.Copy)
        # Right and middle buttons stay: context menu, copy, drag the name.
        return event.button() == Qt.LeftButton or bool(event.buttons() & Qt.LeftButton)


class PVWidgetMixin(PVOptionsMixin):
    """Shared behaviour of caprobe's PV widgets; put it first in the bases."""

    #: Write widgets set this: they get the blocked look, the input blocker
    #: and the write-related tooltip lines.
    pv_writable = False

    # -- set-up ----------------------------------------------------------------
    def _pv_init(self, pvname: str, hub: ChannelHub | None) -> None:
        self._pv_hub = hub
        self._pv_name = ""
        self._pv_channel: Channel | None = None
        self._pv_last_css: str | None = None
        # The severity the current look was made for: a reading with the
        # same severity (nearly all of them) leaves the look alone.
        self._pv_styled_severity: Severity | None = None
        self._pv_hovered = False
        self._pv_write_failed = ""
        self._pv_editing = False
        self._pv_metadata: Metadata | None = None
        self.setProperty("caprobeLook", True)
        if self.pv_writable:
            self._pv_blocker = _InputBlocker(self)
            self.installEventFilter(self._pv_blocker)
        # Not installed as a filter: the mouse handlers below call it. The
        # lookup takes the widget it is given (capturing self would make a
        # cycle that keeps the wrapper alive after Qt deletes the widget).
        self._pv_gestures = PVNameGestures(self, lambda widget, _pos: widget._pv_name)
        _live_widgets.add(self)
        _watch_look()
        self.set_pvname(pvname)

    def pv_block_children(self, widget: QWidget) -> None:
        """Composite write widgets: block input to this child too while writing is blocked."""
        widget.installEventFilter(self._pv_blocker)

    # -- the channel -----------------------------------------------------------
    @property
    def hub(self) -> ChannelHub:
        if self._pv_hub is None:
            self._pv_hub = default_hub()
        return self._pv_hub

    @property
    def channel(self) -> Channel | None:
        return self._pv_channel

    @property
    def reading(self) -> Reading | None:
        channel = self._pv_channel
        return channel.reading if channel is not None else None

    def set_pvname(self, pvname: str) -> None:
        """Show another PV: the old one is released now, the new one subscribed."""
        name = (pvname or "").strip()
        if name == self._pv_name and (self._pv_channel is not None or not name):
            return
        old = self._pv_channel
        self._pv_channel = None
        if old is not None and not sip.isdeleted(old):
            old.release()
        self._pv_name = name
        self._pv_write_failed = ""
        self._pv_metadata = None
        if name:
            try:
                channel = self.hub.channel(name, parent=self)
            except ValueError as exc:
                log.warning("%s: %s", type(self).__name__, exc)
                channel = None
            if channel is not None:
                channel.reading_changed.connect(self._pv_on_reading)
                channel.connection_changed.connect(self._pv_on_state)
                channel.access_changed.connect(self._pv_on_access)
                channel.put_finished.connect(self._pv_on_put_finished)
                self._pv_channel = channel
        self.pv_channel_changed(self._pv_channel)
        self.pv_metadata_changed(Metadata())
        self.pv_clear()
        self.pv_refresh()

    def _pv_on_reading(self, reading: Reading) -> None:
        if reading.metadata is not self._pv_metadata:
            self._pv_metadata = reading.metadata
            self.pv_metadata_changed(reading.metadata)
        self.pv_show(reading)
        if reading.severity is not self._pv_styled_severity:
            self._pv_restyle()
        if self._pv_hovered:
            self.setToolTip(self.pv_tooltip())

    def _pv_on_state(self, _connected: bool) -> None:
        self.pv_refresh()

    def _pv_on_access(self, _read: bool, _write: bool) -> None:
        self.pv_refresh()

    def _pv_on_put_finished(self, ok: bool, message: str) -> None:
        if ok:
            self._pv_write_failed = ""
            log.info("%s: write done (%s)", self._pv_name, message or "ok")
        else:
            self._pv_write_failed = message or "failed"
            log.warning("%s: write failed: %s", self._pv_name, self._pv_write_failed)
        self._pv_restyle()

    # -- hooks for subclasses --------------------------------------------------
    def pv_channel_changed(self, channel: Channel | None) -> None:
        """A new channel (or none): connect any extra signals here (subclasses)."""

    def pv_show(self, reading: Reading) -> None:
        """Display a new reading (subclasses)."""

    def pv_clear(self) -> None:
        """No value yet (a new PV): show the empty state (subclasses)."""

    def pv_metadata_changed(self, metadata: Metadata) -> None:
        """Units, limits, enum strings or precision changed (subclasses)."""

    def pv_state_changed(self) -> None:
        """Connection, access or read-only state changed (subclasses)."""

    # -- state -----------------------------------------------------------------
    def pv_connected(self) -> bool:
        channel = self._pv_channel
        return channel is not None and channel.connected

    def pv_block_reason(self) -> str:
        """Why this widget cannot write now ("" if it can, or if it never writes)."""
        if not self.pv_writable:
            return ""
        return write_block_reason(self._pv_channel, self._pv_read_only)

    def pv_refresh(self) -> None:
        """Re-evaluate look and write state (connection, access, read-only changes)."""
        if sip.isdeleted(self):
            return
        if self._pv_editing and self.pv_block_reason():
            self.pv_revert()  # an edit that can no longer be written is dropped
        self.pv_state_changed()
        self._pv_restyle()
        if self.pv_writable:
            if self.pv_block_reason():
                self.setCursor(QCursor(Qt.ForbiddenCursor))
            else:
                self.unsetCursor()

    def pv_text(self, reading: Reading | None = None) -> str:
        """The value as this widget formats it (precision and units settings)."""
        reading = reading or self.reading
        if reading is None:
            return ""
        try:
            return self.pv_format(reading)
        except Exception:  # a display must never die on one odd value
            log.exception("%s: cannot format %r", self._pv_name, reading.value)
            return str(reading.value)

    # -- writing -----------------------------------------------------------------
    def pv_revert(self) -> None:
        """Drop an unwritten edit and show the live value again."""
        self.pv_set_editing(False)
        reading = self.reading
        if reading is not None:
            self.pv_show(reading)
        else:
            self.pv_clear()

    def pv_write_entry(self, text: str) -> bool:
        """Check typed ``text`` against the PV's type and limits, then write it.

        A bad entry is refused before anything is sent (the reason goes to
        the tooltip and the log). True if the value was sent.
        """
        channel = self._pv_channel
        if channel is None:
            self.pv_refuse("no PV")
            return False
        try:
            value = parse_entry(text, channel.metadata)
        except PutRejected as exc:
            self.pv_refuse(str(exc))
            return False
        if self.pv_write(value, text):
            self.pv_set_editing(False)
            return True
        return False

    def pv_refuse(self, reason: str) -> None:
        """Show and log that an entry was refused before anything was sent."""
        log.warning("%s: nothing written: %s", self._pv_name or "(no PV)", reason)
        self._pv_write_failed = f"refused: {reason}"
        self._pv_restyle()

    def pv_write(self, value: Any, shown: str | None = None) -> bool:
        """Write ``value`` (checked, confirmed if asked). True if it was sent."""
        reason = self.pv_block_reason()
        channel = self._pv_channel
        if reason or channel is None:
            log.warning("%s: write of %r refused: %s", self._pv_name or "(no PV)", value,
                        reason or "no PV")
            self._pv_write_failed = f"refused: {reason or 'no PV'}"
            self._pv_restyle()
            return False
        if self._pv_confirm:
            old = self.pv_text() or "(no value)"
            if not confirm_write(self, self._pv_name, old, shown if shown is not None
                                 else str(value)):
                log.info("%s: write of %r cancelled by the operator", self._pv_name, value)
                return False
        log.info("%s: writing %r", self._pv_name, value)
        sent = channel.put(value)
        if not sent:
            self._pv_write_failed = "refused by the client (see log)"
            self._pv_restyle()
        return sent

    # -- look ------------------------------------------------------------------
    def _pv_severity_name(self) -> str:
        if not self.pv_connected():
            return "DISCONNECTED"
        reading = self.reading
        return reading.severity.name if reading is not None else "NO_ALARM"

    def pv_css(self) -> str:
        """The stylesheet rules this widget applies to itself now."""
        connected = self.pv_connected()
        reading = self.reading
        rules = []
        if not connected:
            rules = value_rules(None, False)
        elif reading is not None:
            # A calm value gets no border at all (not a transparent one): a
            # small widget keeps its native frame until there is an alarm.
            rules = value_rules(reading.severity, True, colors=self._pv_alarm_sensitive,
                                border=self._pv_alarm_border
                                and reading.severity != Severity.NO_ALARM)
        if self._pv_write_failed and connected:
            rules = [r for r in rules if not r.startswith("border")]
            rules.append(f"border: 2px solid {look_color('invalid_border')}")
        if self.pv_writable and self.pv_block_reason():
            rules.append(f"background-color: {look_color('blocked_bg')}")
        elif self._pv_editing:
            rules.append(f"background-color: {look_color('editing_bg')}")
        return "; ".join(rules)

    def pv_editing(self) -> bool:
        """The operator has changed the entry but not written it (live updates wait)."""
        return self._pv_editing

    def pv_set_editing(self, editing: bool) -> None:
        if editing != self._pv_editing:
            self._pv_editing = editing
            self._pv_restyle()

    def _pv_restyle(self) -> None:
        reading = self.reading
        self._pv_styled_severity = reading.severity if reading is not None else None
        severity = self._pv_severity_name()
        if self.property("alarmSeverity") != severity:
            self.setProperty("alarmSeverity", severity)
            self.setProperty("connected", severity != "DISCONNECTED")
        css = self.pv_css()
        if css != self._pv_last_css:
            self._pv_last_css = css
            # Scoped to this widget by a property only it has: children
            # (the buttons of an enum widget) keep their own look.
            self.setStyleSheet(f'*[caprobeLook="true"] {{ {css} }}' if css else "")

    # -- tooltip -----------------------------------------------------------------
    def pv_tooltip(self) -> str:
        """What the tooltip says now (built when shown, never per update)."""
        extra = []
        if self.pv_writable:
            if self._pv_write_failed:
                extra.append(f"last write: {self._pv_write_failed}")
            if self._pv_confirm:
                extra.append("writes ask for confirmation")
        return pv_tooltip_text(self._pv_name, self._pv_channel, self.pv_text,
                               block_reason=self.pv_block_reason(), extra=extra)

    # -- Qt event overrides (the mixin comes first in the bases) ----------------
    # The tooltip is built when the pointer enters and kept fresh only while
    # it stays. Overriding event() instead would run Python for every event
    # each widget gets, paints included: a hot path with a thousand labels.
    def enterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._pv_hovered = True
        self.setToolTip(self.pv_tooltip())
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._pv_hovered = False
        super().leaveEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt API)
        # The wheel never writes, nor changes an entry that Enter would
        # write: ignored, so it scrolls whatever contains the widget.
        event.ignore()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key_Escape and self._pv_editing:
            self.pv_revert()  # Escape drops an unwritten edit
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().focusOutEvent(event)
        if self._pv_editing and event.reason() != Qt.PopupFocusReason:
            self.pv_revert()  # leaving the field never writes

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.pv_context_menu().exec_(event.globalPos())

    def pv_context_menu(self) -> QMenu:
        menu = QMenu(self)
        add_pv_actions(menu, self._pv_name, self.pv_text, self.hub)
        return menu

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self._pv_gestures.press(self, event):
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self._pv_gestures.move(self, event):
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self._pv_gestures.release(self, event):
            super().mouseReleaseEvent(event)

    # -- options (PVOptionsMixin) -------------------------------------------------
    def pv_option_changed(self, name: str) -> None:
        if name in ("showUnits", "precision"):
            self._pv_redisplay()
        elif name in ("alarmSensitive", "alarmBorder"):
            self._pv_restyle()
        elif name == "pvReadOnly":
            self.pv_refresh()

    def pv_names_dropped(self, names: list[str]) -> bool:
        self.set_pvname(names[0])
        return True

    def _pv_redisplay(self) -> None:
        reading = self.reading
        if reading is not None and not self._pv_editing:
            self.pv_show(reading)

    # -- Qt property ------------------------------------------------------------
    def _get_pvname(self) -> str:
        return self._pv_name

    # The Qt-style setter too: ``uic`` applies a form's properties by
    # calling ``setPvname(...)``; the other properties are PVOptionsMixin's.
    setPvname = set_pvname
    pvname = pyqtProperty(str, _get_pvname, set_pvname)

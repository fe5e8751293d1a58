"""The PV gestures every caprobe widget offers, whatever it is built on.

One place for what an operator can do with the PV a widget shows, so that
the label in a panel, the probe, the waveform plot and a strip chart's
legend behave alike:

* ``add_pv_actions(menu, ...)``: "Copy PV name", "Copy value", "Open in
  probe", "Add to strip chart" (the last two go through ``pv_actions()``,
  so they reach caprobe's main window when there is one);
* ``PVNameGestures``: an event filter giving any widget middle-click to
  copy the PV name (to the clipboard and the X11 selection, as EPICS
  users expect from MEDM and caQtDM) and middle-drag to drag it out as
  text;
* ``pv_tooltip_text(...)``: what every PV tooltip says (PV name, value,
  alarm, connection, host, access, why writing is blocked), and
  ``PVToolTips``, an event filter that builds it only when a composite
  widget's part is hovered (never per update).

Threads: GUI thread only.
"""
from __future__ import annotations

from typing import Callable

from PyQt5.QtCore import QEvent, QMimeData, QObject, QPoint, Qt
from PyQt5.QtGui import QClipboard, QDrag, QMouseEvent
from PyQt5.QtWidgets import QApplication, QMenu, QToolTip, QWidget

from caprobe.bridge import Channel
from caprobe.model import alarm_text
from caprobe.widgets.pv_actions import pv_actions


def copy_text(text: str) -> None:
    """Put ``text`` on the clipboard and, where there is one, the X11 selection."""
    clipboard = QApplication.clipboard()
    clipboard.setText(text)
    if clipboard.supportsSelection():
        clipboard.setText(text, QClipboard.Selection)


def add_pv_actions(menu: QMenu, pvname: str, value_text: Callable[[], str] | None,
                   hub=None, *, probe: bool = True, strip: bool = True) -> None:
    """Add the shared PV entries to ``menu``.

    ``value_text`` gives the value as shown (None: no "Copy value", e.g. for
    a megabyte array); ``probe``/``strip`` leave out the entry that would
    open the widget the menu belongs to.
    """
    copy_name = menu.addAction("Copy PV name", lambda: copy_text(pvname))
    copy_name.setEnabled(bool(pvname))
    if value_text is not None:
        text = value_text()
        copy_value = menu.addAction("Copy value", lambda: copy_text(text))
        copy_value.setEnabled(bool(pvname) and bool(text))
    if probe or strip:
        menu.addSeparator()
    if probe:
        action = menu.addAction("Open in probe",
                                lambda: pv_actions().open_in_probe(pvname, hub))
        action.setEnabled(bool(pvname))
    if strip:
        action = menu.addAction("Add to strip chart",
                                lambda: pv_actions().add_to_strip_chart(pvname, hub))
        action.setEnabled(bool(pvname))


def start_name_drag(source: QWidget, pvname: str) -> None:
    """Drag ``pvname`` out as text (drop it on a probe, a strip chart, a terminal)."""
    if not pvname:
        return
    mime = QMimeData()
    mime.setText(pvname)
    drag = QDrag(source)
    drag.setMimeData(mime)
    drag.exec_(Qt.CopyAction)


class PVNameGestures(QObject):
    """Middle-click copies the PV name, middle-drag drags it out.

    Installed as an event filter on a widget (and, for composite widgets,
    on the children that show the PV); ``pvname_at(widget, pos)`` says
    which PV is under the mouse ("" for none), so a legend can answer per
    row.
    """

    def __init__(self, parent: QObject, pvname_at: Callable[[QWidget, QPoint], str]) -> None:
        super().__init__(parent)
        self._pvname_at = pvname_at
        self._press: tuple[QWidget, QPoint, str] | None = None

    def watch(self, *widgets: QWidget) -> None:
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind == QEvent.MouseButtonPress:
            return self.press(obj, event)
        if kind == QEvent.MouseMove:
            return self.move(obj, event)
        if kind == QEvent.MouseButtonRelease:
            return self.release(obj, event)
        return False

    # Called by the filter, or straight from a widget's own mouse handlers
    # (the PV widgets: a filter would run Python for every event they get,
    # paints included, where an override runs only for the mouse).
    def press(self, widget: QObject, event: QMouseEvent) -> bool:
        """True if the event was a middle press on a PV, and is taken."""
        if event.button() != Qt.MiddleButton:
            return False
        name = self._pvname_at(widget, event.pos())
        if not name:
            return False
        self._press = (widget, event.pos(), name)
        return True

    def move(self, widget: QObject, event: QMouseEvent) -> bool:
        if self._press is None or self._press[0] is not widget:
            return False
        if event.buttons() & Qt.MiddleButton:
            _widget, start, name = self._press
            if (event.pos() - start).manhattanLength() >= QApplication.startDragDistance():
                self._press = None
                start_name_drag(widget, name)
            return True
        return False

    def release(self, widget: QObject, event: QMouseEvent) -> bool:
        if self._press is None or self._press[0] is not widget:
            return False
        if event.button() != Qt.MiddleButton:
            return False
        copy_text(self._press[2])  # released without dragging: a click
        self._press = None
        return True


def channel_tooltip_lines(channel: Channel | None, value_text: Callable[[], str] | None
                          ) -> list[str]:
    """Value, alarm, connection state, host and access of ``channel``."""
    if channel is None:
        return ["no PV set"]
    lines = []
    reading = channel.reading
    if reading is not None:
        if value_text is not None:
            lines.append(f"value: {value_text()}")
        lines.append(f"alarm: {alarm_text(reading)}")
    lines.append(channel.status_text())
    info = channel.info
    if info is not None and channel.connected:
        lines.append(f"host: {info.host}")
        lines.append(f"access: {info.access_text}")
    return lines


def pv_tooltip_text(pvname: str, channel: Channel | None,
                    value_text: Callable[[], str] | None, *, block_reason: str = "",
                    extra: tuple[str, ...] | list[str] = ()) -> str:
    """The tooltip of a widget showing ``pvname``: the same lines on every widget.

    ``block_reason`` is given by write widgets (why nothing can be written
    now); ``extra`` adds the widget's own lines (a strip chart's buffer).
    """
    lines = [pvname or "(no PV)"]
    lines += channel_tooltip_lines(channel, value_text)
    if block_reason:
        lines.append(f"cannot write: {block_reason}")
    lines += list(extra)
    return "\n".join(lines)


class PVToolTips(QObject):
    """Shows a PV tooltip over the watched parts of a composite widget.

    ``text_at(widget, pos)`` builds the text when the pointer rests there
    ("" for none, and the part's own tooltip, if any, shows instead), so a
    tooltip costs nothing while values stream in.
    """

    def __init__(self, parent: QObject, text_at: Callable[[QWidget, QPoint], str]) -> None:
        super().__init__(parent)
        self._text_at = text_at

    def watch(self, *widgets: QWidget) -> None:
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() != QEvent.ToolTip:
            return False
        text = self._text_at(obj, event.pos())
        if not text:
            return False
        QToolTip.showText(event.globalPos(), text, obj)
        return True

"""``PVOptionsMixin``: the Qt properties every caprobe PV widget has, and PV drops.

One definition for every widget that shows PVs, the small ones
(``PVLabel`` … ``PVPushButton``, through ``PVWidgetMixin``) and the
composite ones (``ProbeWidget``, ``WaveformPlot``, ``StripChart``), so
Designer, stylesheets and ``setProperty`` see the same names everywhere:

=================  ========  =====================================================
property           default   meaning
=================  ========  =====================================================
``showUnits``      True      engineering units after values
``precision``      -1        digits after the point; -1: the PV's PREC
``alarmSensitive`` True      alarm colours on values and badges
``alarmBorder``    True      a border whose pattern tells the severity
``pvReadOnly``     False     this widget never writes (the process-wide switch
                             is ``caprobe.set_read_only``)
``confirmWrite``   False     writes ask first, "No" by default
``acceptPvDrops``  varies    a PV name dropped here is shown (see below)
=================  ========  =====================================================

A widget reacts to a change in ``pv_option_changed(name)``; an option that
means nothing for a widget (``confirmWrite`` on a plot) is kept and
ignored, so one form can set it on a whole group of widgets.

Drops: a widget whose ``acceptPvDrops`` is on takes PV names dropped on it
as text and hands them to ``pv_names_dropped(names)``: the probe and the
waveform plot show the first, the strip chart adds them all. Those three
accept drops by default. A value widget does not: on an operator's panel a
stray drop would change which PV the panel shows; an application that
wants a drop target turns the property on. With it off, a widget keeps its
Qt class's own drop handling (text dropped into a ``PVLineEdit`` is typed
text, written only on Enter).

Threads: GUI thread only.
"""
from __future__ import annotations

from PyQt5.QtCore import pyqtProperty

from caprobe.model import Reading, format_value, split_pvnames


def dropped_pvnames(mime) -> list[str]:
    """The PV names in dropped text (split on spaces, commas, semicolons)."""
    if mime is None or not mime.hasText():
        return []
    return split_pvnames(mime.text())


def _checked_precision(value) -> int:
    """-1 (the PV's own) or 0 … 17 digits: what ``format_value`` can honour."""
    precision = int(value)
    return min(precision, 17) if precision >= 0 else -1


def _option_accessors(name: str, attribute: str, convert):
    """The getter and the setter of one option, stored in ``attribute``."""
    def getter(self):
        return getattr(self, attribute)

    def setter(self, value) -> None:
        self._set_option(name, attribute, convert(value))

    return getter, setter


class PVOptionsMixin:
    """The shared options as Qt properties; put it before the Qt class in the bases."""

    #: Whether this class takes dropped PV names unless told otherwise.
    pv_accepts_drops_by_default = False

    _pv_show_units = True
    _pv_precision = -1
    _pv_alarm_sensitive = True
    _pv_alarm_border = True
    _pv_read_only = False
    _pv_confirm = False
    _pv_accept_drops: bool | None = None  # None: the class default

    # -- hooks -------------------------------------------------------------------
    def pv_option_changed(self, name: str) -> None:
        """The option ``name`` (a property name above) changed (subclasses)."""

    def pv_names_dropped(self, names: list[str]) -> bool:
        """PV names were dropped here; True if taken (subclasses)."""
        return False

    # -- values, for the widget itself --------------------------------------------
    def pv_precision_override(self) -> int | None:
        """The ``precision`` property as ``format_value`` takes it (None: the PV's)."""
        return None if self._pv_precision < 0 else self._pv_precision

    def pv_format(self, reading: Reading) -> str:
        """A value as this widget shows it: ``precision`` and ``showUnits`` applied."""
        return format_value(reading, precision=self.pv_precision_override(),
                            show_units=self._pv_show_units)

    def pv_accepts_drops(self) -> bool:
        if self._pv_accept_drops is None:
            return self.pv_accepts_drops_by_default
        return self._pv_accept_drops

    def pv_init_drops(self) -> None:
        """Apply the class default for drops (call once the widget exists)."""
        if self.pv_accepts_drops_by_default:
            self.setAcceptDrops(True)

    # -- drag and drop (Qt overrides; the mixin comes first in the bases) ----------
    def _pv_judge_drag(self, event) -> bool:
        """Accept a drag carrying PV names, refuse any other; False: not ours to judge."""
        if not self.pv_accepts_drops():
            return False
        if dropped_pvnames(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()
        return True

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self._pv_judge_drag(event):
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self._pv_judge_drag(event):
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.pv_accepts_drops():
            names = dropped_pvnames(event.mimeData())
            if names and self.pv_names_dropped(names):
                event.acceptProposedAction()
            else:
                event.ignore()
            return
        super().dropEvent(event)

    # -- Qt properties ---------------------------------------------------------------
    def _set_option(self, name: str, attribute: str, value) -> None:
        if getattr(self, attribute) != value:
            setattr(self, attribute, value)
            self.pv_option_changed(name)

    def _set_accept_drops(self, accept: bool) -> None:
        accept = bool(accept)
        if accept == self.pv_accepts_drops() and self._pv_accept_drops is not None:
            return
        self._pv_accept_drops = accept
        if accept:
            self.setAcceptDrops(True)  # Qt delivers drag events only then
        self.pv_option_changed("acceptPvDrops")

    # Each option is a Qt property with a Qt-style setter too: ``uic``
    # applies a form's properties by calling ``setShowUnits(...)`` and so on.
    _get_show_units, setShowUnits = _option_accessors("showUnits", "_pv_show_units", bool)
    _get_precision, setPrecision = _option_accessors("precision", "_pv_precision",
                                                     _checked_precision)
    _get_alarm_sensitive, setAlarmSensitive = _option_accessors(
        "alarmSensitive", "_pv_alarm_sensitive", bool)
    _get_alarm_border, setAlarmBorder = _option_accessors("alarmBorder", "_pv_alarm_border",
                                                          bool)
    _get_read_only, setPvReadOnly = _option_accessors("pvReadOnly", "_pv_read_only", bool)
    _get_confirm, setConfirmWrite = _option_accessors("confirmWrite", "_pv_confirm", bool)
    setAcceptPvDrops = _set_accept_drops

    showUnits = pyqtProperty(bool, _get_show_units, setShowUnits)
    precision = pyqtProperty(int, _get_precision, setPrecision)
    alarmSensitive = pyqtProperty(bool, _get_alarm_sensitive, setAlarmSensitive)
    alarmBorder = pyqtProperty(bool, _get_alarm_border, setAlarmBorder)
    pvReadOnly = pyqtProperty(bool, _get_read_only, setPvReadOnly)
    confirmWrite = pyqtProperty(bool, _get_confirm, setConfirmWrite)
    acceptPvDrops = pyqtProperty(bool, pv_accepts_drops, _set_accept_drops)

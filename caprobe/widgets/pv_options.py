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

from caprobe.model import split_pvnames

#: The options and their defaults; ``acceptPvDrops`` is per class.
OPTION_DEFAULTS = {"showUnits": True, "precision": -1, "alarmSensitive": True,
                   "alarmBorder": True, "pvReadOnly": False, "confirmWrite": False}


def dropped_pvnames(mime) -> list[str]:
    """The PV names in dropped text (split on spaces, commas, semicolons)."""
    if mime is None or not mime.hasText():
        return []
    return split_pvnames(mime.text())


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

    def pv_accepts_drops(self) -> bool:
        if self._pv_accept_drops is None:
            return self.pv_accepts_drops_by_default
        return self._pv_accept_drops

    def pv_init_drops(self) -> None:
        """Apply the class default for drops (call once the widget exists)."""
        if self.pv_accepts_drops_by_default:
            self.setAcceptDrops(True)

    # -- drag and drop (Qt overrides; the mixin comes first in the bases) ----------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.pv_accepts_drops():
            if dropped_pvnames(event.mimeData()):
                event.acceptProposedAction()
            else:
                event.ignore()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.pv_accepts_drops():
            if dropped_pvnames(event.mimeData()):
                event.acceptProposedAction()
            else:
                event.ignore()
            return
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

    def _get_show_units(self) -> bool:
        return self._pv_show_units

    def _set_show_units(self, show: bool) -> None:
        self._set_option("showUnits", "_pv_show_units", bool(show))

    def _get_precision(self) -> int:
        return self._pv_precision

    def _set_precision(self, precision: int) -> None:
        precision = int(precision)
        self._set_option("precision", "_pv_precision", min(precision, 17) if precision >= 0
                         else -1)

    def _get_alarm_sensitive(self) -> bool:
        return self._pv_alarm_sensitive

    def _set_alarm_sensitive(self, on: bool) -> None:
        self._set_option("alarmSensitive", "_pv_alarm_sensitive", bool(on))

    def _get_alarm_border(self) -> bool:
        return self._pv_alarm_border

    def _set_alarm_border(self, on: bool) -> None:
        self._set_option("alarmBorder", "_pv_alarm_border", bool(on))

    def _get_read_only(self) -> bool:
        return self._pv_read_only

    def _set_read_only(self, read_only: bool) -> None:
        self._set_option("pvReadOnly", "_pv_read_only", bool(read_only))

    def _get_confirm(self) -> bool:
        return self._pv_confirm

    def _set_confirm(self, confirm: bool) -> None:
        self._set_option("confirmWrite", "_pv_confirm", bool(confirm))

    def _get_accept_drops(self) -> bool:
        return self.pv_accepts_drops()

    def _set_accept_drops(self, accept: bool) -> None:
        accept = bool(accept)
        if accept == self.pv_accepts_drops() and self._pv_accept_drops is not None:
            return
        self._pv_accept_drops = accept
        if accept:
            self.setAcceptDrops(True)  # Qt delivers drag events only then
        self.pv_option_changed("acceptPvDrops")

    # Qt-style setters too: ``uic`` applies a form's properties by calling
    # ``setShowUnits(...)`` and so on.
    setShowUnits = _set_show_units
    setPrecision = _set_precision
    setAlarmSensitive = _set_alarm_sensitive
    setAlarmBorder = _set_alarm_border
    setPvReadOnly = _set_read_only
    setConfirmWrite = _set_confirm
    setAcceptPvDrops = _set_accept_drops

    showUnits = pyqtProperty(bool, _get_show_units, _set_show_units)
    precision = pyqtProperty(int, _get_precision, _set_precision)
    alarmSensitive = pyqtProperty(bool, _get_alarm_sensitive, _set_alarm_sensitive)
    alarmBorder = pyqtProperty(bool, _get_alarm_border, _set_alarm_border)
    pvReadOnly = pyqtProperty(bool, _get_read_only, _set_read_only)
    confirmWrite = pyqtProperty(bool, _get_confirm, _set_confirm)
    acceptPvDrops = pyqtProperty(bool, _get_accept_drops, _set_accept_drops)

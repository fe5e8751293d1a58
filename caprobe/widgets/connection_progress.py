"""``ConnectionProgress``: "Connecting… N of M PVs connected", for windows that open many PVs.

A slim line with a bar, placed above a PV list or a panel. It is fed by
the channels' ``connection_changed`` signals (the hub delivers them on the
GUI thread; nothing here talks to CA), counts each PV name once, and
disappears when every PV is connected. PVs still unconnected after the
search time (``NOT_FOUND_AFTER``, as the probe's "not found after 3 s")
are named instead: "498 of 500 PVs connected — 2 not found: A:x, A:y",
every name in the tooltip.

It appears only if connecting takes longer than ``SHOW_AFTER_MS``: on a
healthy network a handful of PVs connect faster than the eye follows, and
a bar flashing in and out would only shift the layout.

Threads: GUI thread only.
"""
from __future__ import annotations

import time
from typing import Iterable

from PyQt5.QtCore import QTimer, pyqtSignal
from PyQt5.QtWidgets import QVBoxLayout, QWidget

from caprobe.bridge import Channel, ChannelHub
from caprobe.bridge.channel import NOT_FOUND_AFTER
from caprobe.model import ConnectionState
from caprobe.model.connection_tally import ConnectionTally
from caprobe.widgets.progress_line import ProgressLine

#: Connecting faster than this shows nothing at all.
SHOW_AFTER_MS = 300
#: Text and bar are redrawn at most this often: 500 PVs connecting in one
#: frame are one update, not 500.
REFRESH_MS = 100
#: While some PV is still within its search time, this tick notices when it
#: becomes "not found" (the tally reads the clock; no CA call is made).
TIMEOUT_TICK_MS = 500
#: Names listed in the tooltip; beyond that they are counted.
TOOLTIP_NAMES = 40


class ConnectionProgress(ProgressLine):
    """Connection progress of a set of channels (or PV names), one line.

    Parameters
    ----------
    channels : the channels to count (one per PV name; duplicates are ignored).
    parent : QWidget, optional
    expected : PVs that will be added later (a panel still being built), so
        the total is right from the start.
    not_found_after : seconds of searching before a PV is reported as not found.

    Signals
    -------
    progress_changed(int, int)
        Connected and total, whenever either changes (coalesced to ``REFRESH_MS``).
    completed()
        Every PV is connected (the line has hidden itself).
    """

    progress_changed = pyqtSignal(int, int)
    completed = pyqtSignal()

    def __init__(self, channels: Iterable[Channel] = (), parent: QWidget | None = None, *,
                 expected: int = 0, not_found_after: float = NOT_FOUND_AFTER) -> None:
        super().__init__(parent)
        self.setObjectName("connectionProgress")
        self._tally = ConnectionTally(not_found_after)
        self._tally.expected = expected
        self._owned: list[Channel] = []  # made by add_pvs; released once all connect
        self._finished = False
        self._shown_figures = (-1, -1)
        self._allowed_to_show = False
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self._refresh)
        self._tick = QTimer(self, interval=TIMEOUT_TICK_MS)
        self._tick.timeout.connect(self._refresh)
        # A child timer, not QTimer.singleShot: it dies with the widget.
        self._show_delay = QTimer(self, singleShot=True, interval=SHOW_AFTER_MS)
        self._show_delay.timeout.connect(self._on_show_delay_elapsed)
        self._show_delay.start()
        self.setVisible(False)
        self.add_channels(channels)

    # -- what to count -----------------------------------------------------------------
    def add_channels(self, channels: Iterable[Channel]) -> None:
        """Count these channels' PVs too (a PV already counted is skipped).

        Once every PV has connected the line's job is done: it stays hidden
        and counts nothing more (later disconnects show in the rows and
        widgets themselves).
        """
        if self._finished:
            return
        now = time.monotonic()
        for channel in channels:
            state = channel.state
            if not self._tally.add(channel.pvname, connected=channel.connected,
                                   searching_since=now - channel.seconds_in_state()
                                   if state == ConnectionState.SEARCHING else now,
                                   was_connected=state == ConnectionState.DISCONNECTED):
                continue
            channel.connection_changed.connect(self._on_connection_changed)
        self._schedule_refresh()

    def add_pvs(self, pvnames: Iterable[str], hub: ChannelHub) -> None:
        """Count PVs by name, through channels of our own on ``hub``.

        For windows whose widgets change channels as they go (a panel's
        automatic widgets swap theirs once the PV's type is known). The
        hub shares the PV's one subscription, so this costs no CA traffic;
        the channels are released when everything is connected.
        """
        if self._finished:
            return
        fresh = [name for name in dict.fromkeys(pvnames) if name not in self._tally]
        channels = [hub.channel(name, parent=self) for name in fresh]
        self._owned += channels
        self.add_channels(channels)

    def set_expected(self, count: int) -> None:
        """The total to show while PVs are still being added."""
        self._tally.expected = count
        self._schedule_refresh()

    # -- figures -----------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return self._tally.total

    @property
    def connected_count(self) -> int:
        return self._tally.connected_count

    @property
    def complete(self) -> bool:
        return self._tally.complete

    def not_found(self) -> list[str]:
        return self._tally.not_found(time.monotonic())

    # -- updates ------------------------------------------------------------------------------
    def _on_connection_changed(self, connected: bool) -> None:
        if self._finished:
            return  # opening is over; the rows and widgets show later disconnects
        channel = self.sender()
        if isinstance(channel, Channel) and self._tally.set_connected(channel.pvname, connected):
            self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _on_show_delay_elapsed(self) -> None:
        self._allowed_to_show = True
        self._refresh()

    def _refresh(self) -> None:
        if self._finished:
            return
        tally, now = self._tally, time.monotonic()
        figures = (tally.connected_count, tally.total)
        if figures != self._shown_figures:
            self._shown_figures = figures
            self.progress_changed.emit(*figures)
        if tally.complete:
            self._finished = True
            self._tick.stop()
            self.setVisible(False)
            self._release_owned()
            self.completed.emit()
            return
        missing, lost = tally.not_found(now), tally.disconnected()
        self.set_progress(tally.text(now), tally.connected_count, tally.total,
                          warning=bool(missing or lost))
        self.setToolTip(_tooltip(missing, lost))
        # The clock alone turns "searching" into "not found": tick until
        # no PV is left within its search time.
        if tally.waiting_for_timeout(now):
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()
        if self._allowed_to_show and tally.total:
            self.setVisible(True)

    def _release_owned(self) -> None:
        owned, self._owned = self._owned, []
        for channel in owned:
            channel.release()


def _tooltip(missing: list[str], lost: list[str]) -> str:
    lines = []
    for title, names in (("Not found (check the names and EPICS_CA_ADDR_LIST):", missing),
                         ("Disconnected (IOC down or not responding):", lost)):
        if names:
            lines += [title, *names[:TOOLTIP_NAMES]]
            if len(names) > TOOLTIP_NAMES:
                lines.append(f"… and {len(names) - TOOLTIP_NAMES} more")
    return "\n".join(lines)


def with_connection_progress(widget: QWidget, channels: Iterable[Channel]) -> QWidget:
    """``widget`` below a ``ConnectionProgress`` for ``channels``, as one widget (a PV list).

    The progress line is reachable as ``container.connection_progress``.
    """
    container = QWidget()
    layout = QVBoxLayout(container)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    progress = ConnectionProgress(channels, container)
    layout.addWidget(progress)
    layout.addWidget(widget, 1)
    container.connection_progress = progress
    return container

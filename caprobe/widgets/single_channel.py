"""``SingleChannelMixin``: the PV accessors of a composite widget showing one PV.

``ProbeWidget`` and ``WaveformPlot`` keep their channel in ``self._channel``
and their hub in ``self._hub``, and implement ``set_pvname``; this gives
them the same ``hub`` and ``channel`` properties as the small PV widgets,
the ``pvname`` Qt property (with the
``setPvname`` setter ``uic`` calls), and one way to let a channel go.
"""
from __future__ import annotations

from PyQt5.QtCore import pyqtProperty

from caprobe.bridge import Channel, ChannelHub


class SingleChannelMixin:
    _hub: ChannelHub
    _channel: Channel | None

    @property
    def hub(self) -> ChannelHub:
        return self._hub

    @property
    def channel(self) -> Channel | None:
        """The channel shown (None without a PV): a property, as on every PV widget."""
        return self._channel

    def _release_channel(self) -> None:
        """Release the current PV now (the widget is about to show another)."""
        old, self._channel = self._channel, None
        if old is not None:
            old.release()

    def _get_pvname(self) -> str:
        return "" if self._channel is None else self._channel.pvname

    def _set_pvname(self, pvname: str) -> None:
        self.set_pvname(pvname)

    setPvname = _set_pvname  # for uic
    #: The PV shown (a Qt property: Designer, stylesheets, ``setProperty``).
    pvname = pyqtProperty(str, _get_pvname, _set_pvname)

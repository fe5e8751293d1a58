"""The strip chart's Y axes: each a ViewBox with an axis, left or right of the plot.

The first axis ("Y1") owns the main ViewBox, which takes the mouse: pan and
zoom of time (and of Y1) happen there. Every other axis has a ViewBox of
its own, stacked behind the main one with the same geometry and the same
time range; wheel and drag on its axis scale just that axis, which is how
pyqtgraph's AxisItem forwards mouse events to a linked view.
"""
from __future__ import annotations

import math
from typing import Iterable

import pyqtgraph as pg

from caprobe.model.strip_config import AxisConfig
from caprobe.widgets.look import look_color

#: How an axis chooses its range.
AUTO, FIXED, LIMITS = "auto", "fixed", "limits"
MODE_NAMES = {AUTO: "Autoscale to visible data", LIMITS: "Scale to display limits",
              FIXED: "Fixed range…"}


class YAxis:
    """One value axis: its view, its axis item and how it scales.

    ``manual`` is set when the user zooms or pans this axis with the
    mouse: the axis then keeps that range until "back to live" or until a
    scale mode is chosen again.
    """

    def __init__(self, axis_id: str, side: str = "left", view: pg.ViewBox | None = None,
                 auto_created: bool = False) -> None:
        self.id = axis_id
        self.side = side
        self.mode = AUTO
        self.range: tuple[float, float] | None = None
        self.log = False
        self.manual = False
        self.auto_created = auto_created
        self.view = view if view is not None else pg.ViewBox(enableMenu=False)
        self.view.setMenuEnabled(False)
        self.view.disableAutoRange()
        self.item = pg.AxisItem("left" if side == "left" else "right")
        self.item.linkToView(self.view)
        self.item.setLabel(axis_id)
        self._last_range: tuple[float, float] | None = None

    def config(self) -> AxisConfig:
        rng = self.range if self.mode == FIXED else None
        return AxisConfig(self.id, self.side, self.mode, rng, self.log)

    def apply_config(self, config: AxisConfig) -> None:
        self.side, self.mode, self.range = config.side, config.mode, config.range
        self.set_log(config.log)
        self.manual = False

    def set_log(self, log: bool) -> None:
        self.log = bool(log)
        self.item.setLogMode(self.log)  # ticks as powers of ten; the trace is log10 already
        self._last_range = None

    def set_label(self, units: Iterable[str], color: str | None) -> None:
        text = ", ".join(u for u in dict.fromkeys(units) if u)
        self.item.setLabel(f"{self.id} [{text}]" if text else self.id,
                           color=color or look_color("plot_text"))

    def scale(self, data_range: tuple[float, float], display_limits: tuple[float, float]) -> None:
        """Set the range for this redraw from the visible data or the mode."""
        if self.manual:
            return
        lo, hi = math.nan, math.nan
        if self.mode == FIXED and self.range is not None:
            lo, hi = self.range
            if self.log:
                lo, hi = _log10(lo), _log10(hi)
        elif self.mode == LIMITS and _usable(display_limits, self.log):
            lo, hi = display_limits
            if self.log:
                lo, hi = _log10(lo), _log10(hi)
        else:
            lo, hi = data_range  # already log10 on a log axis (the trace is)
            if math.isfinite(lo) and math.isfinite(hi):
                if hi - lo < 1e-12 * max(1.0, abs(hi)):
                    pad = abs(hi) * 0.1 or 1.0
                    lo, hi = lo - pad, hi + pad
                pad = (hi - lo) * 0.05
                lo, hi = lo - pad, hi + pad
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            return
        if self._last_range != (lo, hi):
            self._last_range = (lo, hi)
            self.view.setYRange(lo, hi, padding=0)

    def forget_range(self) -> None:
        self._last_range = None


def _usable(limits: tuple[float, float], log: bool) -> bool:
    lo, hi = limits
    return math.isfinite(lo) and math.isfinite(hi) and lo < hi and (not log or lo > 0)


def _log10(v: float) -> float:
    return math.log10(v) if v > 0 else math.nan


"""WaveformPlot against both IOCs (caproto server, EPICS base) on both CA backends.

The IOCs are driven with an independent client (caproto's sync client);
what the widget shows is read back through ``plotted()`` after ``flush()``
and ``waterfall_image()``. The session IOCs are shared with other test
modules, so every test first writes the array it expects.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from PyQt5.QtCore import QPointF, Qt

from caprobe.model import Metadata, Reading, Severity
from caprobe.widgets.alarm_style import DISCONNECTED_COLOR, SEVERITY_COLORS
from caprobe.widgets.waveform_plot import SCALAR_NOTE, WaveformPlot, _WaterfallHistory
from tests.helpers import WAIT, ioc_write

INITIAL = [float(i) for i in range(16)]  # what both IOCs start wf with


def open_plot(qtbot, hub, pvname: str, **kwargs) -> WaveformPlot:
    """A visible plot that has connected and received its first reading."""
    plot = WaveformPlot(pvname, hub=hub, **kwargs)
    qtbot.addWidget(plot)
    plot.resize(820, 520 if kwargs.get("waterfall") else 420)
    plot.show()
    qtbot.waitUntil(lambda: plot.channel.connected and plot.channel.reading is not None,
                    timeout=WAIT)
    return plot


def wait_plotted(qtbot, plot: WaveformPlot, expected) -> None:
    expected = np.asarray(expected, dtype=float)

    def shown() -> bool:
        plot.flush()
        y = plot.plotted()[1]
        return y.shape == expected.shape and np.array_equal(y, expected, equal_nan=True)

    qtbot.waitUntil(shown, timeout=WAIT)


def padded(values, width: int = 100) -> np.ndarray:
    row = np.full(width, np.nan)
    row[:len(values)] = values
    return row


def test_plot_shows_the_array_and_follows_the_ioc(qtbot, hub, ioc):
    pv = ioc.prefix + "wf"
    ioc_write(pv, INITIAL)
    plot = open_plot(qtbot, hub, pv)
    wait_plotted(qtbot, plot, INITIAL)
    qtbot.waitUntil(lambda: plot.units_label.text() == "units: V", timeout=WAIT)
    assert plot.name_label.text() == pv
    assert plot.count_label.text() == "16 of 100 elements"
    assert plot.alarm_label.text() == "NO_ALARM"
    axis = plot.plot.getAxis("left")
    assert (axis.labelText, axis.labelUnits) == ("value", "V")
    np.testing.assert_array_equal(plot.plotted()[0], np.arange(16))
    assert not plot.note_label.isVisible() and not plot.is_waterfall()

    values = [math.sin(i / 3.0) * 4.0 for i in range(24)]
    ioc_write(pv, values)
    wait_plotted(qtbot, plot, values)
    assert plot.count_label.text() == "24 of 100 elements"
    assert plot.grab().save("/tmp/waveform_plot.png")


def test_waterfall_records_every_update_in_order(qtbot, hub, ioc):
    pv = ioc.prefix + "wf"
    ioc_write(pv, INITIAL)
    plot = open_plot(qtbot, hub, pv, waterfall=True, history=20)
    assert plot.is_waterfall() and plot.waterfall_check.isChecked()
    qtbot.waitUntil(lambda: plot.waterfall_image().shape[0] == 1, timeout=WAIT)
    arrays = [[k * 10.0 + i for i in range(16)] for k in range(1, 6)]
    for values in arrays:  # back to back: several may land in one frame
        ioc_write(pv, values)
    longer = [60.0 - 3.0 * i for i in range(20)]
    ioc_write(pv, longer)
    qtbot.waitUntil(lambda: plot.waterfall_image().shape[0] == 7, timeout=WAIT)
    image = plot.waterfall_image()
    assert image.shape == (7, 100)
    expected = np.array([padded(INITIAL)] + [padded(a) for a in arrays] + [padded(longer)])
    np.testing.assert_array_equal(image, expected)  # NaN padding compares equal here
    wait_plotted(qtbot, plot, longer)
    assert plot.image.image is not None and plot.image.image.shape == (7, 100)
    assert plot.grab().save("/tmp/waveform_waterfall.png")

    def aligned() -> bool:  # element i sits at the same x in the line plot and the image
        top, bottom = plot.plot.getViewBox(), plot.image_plot.getViewBox()
        return all(abs(top.mapViewToScene(QPointF(x, 0)).x()
                       - bottom.mapViewToScene(QPointF(x, 0)).x()) < 1.0 for x in (0.0, 15.0))

    qtbot.waitUntil(aligned, timeout=WAIT)

    plot.waterfall_check.setChecked(False)  # the toolbar checkbox drives the same switch
    assert not plot.is_waterfall() and not plot.image_plot.isVisible()
    assert plot.waterfall_image().size == 0


def test_nan_elements_are_gaps_and_autoscale_ignores_them(qtbot, hub, ioc):
    pv = ioc.prefix + "wf"
    values = [float(i) for i in range(16)]
    values[3], values[7], values[12] = math.nan, math.inf, -math.inf
    ioc_write(pv, values)
    plot = open_plot(qtbot, hub, pv)
    wait_plotted(qtbot, plot, values)
    assert plot.curve.opts["connect"] == "finite"

    def y_range_fits() -> bool:
        lo, hi = plot.plot.getViewBox().viewRange()[1]
        return math.isfinite(lo) and math.isfinite(hi) and lo <= 0.0 and 15.0 <= hi < 20.0

    qtbot.waitUntil(y_range_fits, timeout=WAIT)
    assert all(math.isfinite(v) for v in plot.plot.getViewBox().viewRange()[0])


def test_scalar_alarm_badge_and_frame(qtbot, hub, ioc):
    ioc_write(ioc.prefix + "ai_drive", 0.0)
    plot = open_plot(qtbot, hub, ioc.prefix + "ai")
    qtbot.waitUntil(lambda: plot.note_label.text() == SCALAR_NOTE, timeout=WAIT)
    assert plot.count_label.text() == "1 of 1 element"
    try:
        ioc_write(ioc.prefix + "ai_drive", 9.0)
        qtbot.waitUntil(lambda: plot.alarm_label.text() == "MAJOR – HIHI", timeout=WAIT)
        wait_plotted(qtbot, plot, [9.0])
        assert SEVERITY_COLORS[Severity.MAJOR] in plot.alarm_label.styleSheet()
        frame = plot.frame.styleSheet()
        assert "3px solid" in frame and SEVERITY_COLORS[Severity.MAJOR] in frame
        # display limits -10 … 10 are the fixed y range
        assert plot.plot.getViewBox().viewRange()[1] == pytest.approx([-10.0, 10.0])
        assert plot.grab().save("/tmp/waveform_alarm.png")
    finally:
        ioc_write(ioc.prefix + "ai_drive", 0.0)
    qtbot.waitUntil(lambda: plot.alarm_label.text() == "NO_ALARM", timeout=WAIT)
    assert "2px solid transparent" in plot.frame.styleSheet()


def test_ioc_restart_leaves_a_gap_and_resumes(qtbot, hub, restartable_ioc):
    ioc = restartable_ioc
    pv = ioc.prefix + "wf"
    plot = open_plot(qtbot, hub, pv, waterfall=True, history=50)
    wait_plotted(qtbot, plot, INITIAL)
    qtbot.waitUntil(lambda: plot.waterfall_image().shape[0] >= 1, timeout=WAIT)
    assert plot.curve.opts["pen"].style() == Qt.SolidLine

    ioc.kill()
    qtbot.waitUntil(lambda: plot.alarm_label.text() == "disconnected", timeout=WAIT)
    pen = plot.curve.opts["pen"]
    assert pen.style() == Qt.DashLine and pen.color().name() == DISCONNECTED_COLOR
    assert "2px dotted" in plot.frame.styleSheet()
    assert plot.note_label.text().startswith(f"{pv}: disconnected for")
    image = plot.waterfall_image()
    assert np.isnan(image[-1]).all() and np.isfinite(image[-2, :16]).all()
    wait_plotted(qtbot, plot, INITIAL)  # the last data stays on screen
    assert plot.grab().save("/tmp/waveform_disconnected.png")
    rows_before = image.shape[0]

    ioc.restart()
    qtbot.waitUntil(lambda: plot.channel.connected
                    and plot.waterfall_image().shape[0] > rows_before, timeout=20_000)
    image = plot.waterfall_image()
    assert np.isnan(image[rows_before - 1]).all()  # the gap stays in the history
    np.testing.assert_array_equal(image[rows_before], padded(INITIAL))  # sent at reconnect
    after = [2.0 * i for i in range(16)]
    ioc_write(pv, after)
    qtbot.waitUntil(lambda: np.array_equal(plot.waterfall_image()[-1], padded(after),
                                           equal_nan=True), timeout=WAIT)
    wait_plotted(qtbot, plot, after)
    assert plot.alarm_label.text() == "NO_ALARM"
    assert plot.curve.opts["pen"].style() == Qt.SolidLine
    assert not plot.note_label.isVisible()


def test_char_and_string_pvs_show_a_message(qtbot, hub, ioc):
    pv = ioc.prefix + "cwf"
    plot = open_plot(qtbot, hub, pv, waterfall=True)
    qtbot.waitUntil(lambda: plot.stack.currentWidget() is plot.message_label, timeout=WAIT)
    assert plot.message_label.text() == f"{pv} is a char/string PV: nothing to plot"
    plot.flush()
    assert plot.plotted()[1].size == 0 and plot.waterfall_image().size == 0
    plot.set_pvname(ioc.prefix + "so")
    qtbot.waitUntil(lambda: plot.channel.reading is not None, timeout=WAIT)
    assert plot.message_label.text() == f"{ioc.prefix}so is a char/string PV: nothing to plot"
    assert plot.stack.currentWidget() is plot.message_label


def test_deleting_the_widget_releases_the_pv(qtbot, hub, ioc):
    pv = ioc.prefix + "wf"
    plot = WaveformPlot(pv, hub=hub, waterfall=True)  # not qtbot's: deleted here
    plot.show()
    qtbot.waitUntil(lambda: plot.channel.reading is not None, timeout=WAIT)
    assert hub.subscription_count() == 1
    plot.deleteLater()
    qtbot.waitUntil(lambda: hub.subscription_count() == 0, timeout=WAIT)
    # Updates in flight must not reach the deleted widget (pytest-qt fails the
    # test if a slot raised meanwhile).
    ioc_write(pv, INITIAL[::-1])
    ioc_write(pv, INITIAL)
    qtbot.waitUntil(lambda: hub.backend.subscription_count() == 0, timeout=WAIT)


def test_set_pvname_switches_cleanly(qtbot, hub, ioc):
    wf, ai = ioc.prefix + "wf", ioc.prefix + "ai"
    ioc_write(wf, INITIAL)
    plot = open_plot(qtbot, hub, wf, waterfall=True)
    wait_plotted(qtbot, plot, INITIAL)
    first = plot.channel
    plot.set_pvname(ai)
    assert hub.subscription_count() == 1 and hub.pvnames() == [ai]
    assert plot.pvname == ai and plot.channel is not first
    qtbot.waitUntil(lambda: plot.note_label.text() == SCALAR_NOTE, timeout=WAIT)
    plot.flush()
    assert plot.plotted()[1].size == 1
    assert plot.waterfall_image().shape[1] == 1  # history restarted for the new PV
    plot.set_pvname(wf)
    assert hub.subscription_count() == 1 and hub.pvnames() == [wf]
    wait_plotted(qtbot, plot, INITIAL)
    assert plot.count_label.text() == "16 of 100 elements"
    assert plot.waterfall_image().shape[1] == 100
    missing = ioc.prefix + "does_not_exist"
    plot.set_pvname(missing)
    assert hub.subscription_count() == 1
    assert plot.note_label.text() == f"{missing}: searching…"
    assert plot.alarm_label.text() == "not connected"
    assert plot.plotted()[1].size == 0  # a new PV starts empty, not with the old data
    plot.set_pvname("")
    assert hub.subscription_count() == 0 and plot.channel is None


def test_waterfall_ring_wraps_and_resets():
    # The ring itself, without an IOC: wrap-around order, length change, reset.
    ring = _WaterfallHistory(3)
    for k in range(5):
        ring.append(np.full(4, float(k)), key=4)
    np.testing.assert_array_equal(ring.image()[:, 0], [2.0, 3.0, 4.0])
    ring.append(np.array([7.0, math.inf]), key=4)
    np.testing.assert_array_equal(ring.image()[-1], [7.0, np.nan, np.nan, np.nan])
    assert ring.levels() == (3.0, 7.0)
    ring.append(np.arange(6.0), key=6)  # element count changed: history restarts
    assert ring.image().shape == (1, 6)
    ring.append_gap()
    assert np.isnan(ring.image()[-1]).all() and ring.levels() == (0.0, 5.0)


def test_huge_arrays_are_binned_not_stored_whole():
    ring = _WaterfallHistory(200)
    ring.append(np.arange(1_000_000, dtype=float), key=1_000_000)
    assert ring.columns * 200 <= 4_000_000 and ring.bin > 1
    assert ring.image()[0, -1] == 999_999.0  # the peak of the last bin survives
    reading = Reading(np.arange(4.0), 0.0, metadata=Metadata(element_count=4))
    assert WaveformPlot._values(reading).tolist() == [0.0, 1.0, 2.0, 3.0]

"""The strip chart against real IOCs, on both backends.

The IOCs' ``counter`` increments by one at 10 Hz, so "every sample
arrived" means consecutive values differ by exactly one. ``stamp_drive``
makes ``stamped`` post a chosen value with a chosen server time stamp,
which is how repeats and backwards time stamps are produced on demand.
"""
from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from PyQt5.QtCore import QMimeData, QPointF, Qt
from PyQt5.QtGui import QDropEvent

from caprobe.model.strip_config import ConfigError
from caprobe.model.strip_csv import read_csv
from caprobe.widgets.strip_chart import StripChart
from tests.helpers import WAIT, ioc_write


def open_chart(qtbot, hub, *pvnames, span: float = 60.0) -> StripChart:
    chart = StripChart(hub=hub, span=span)
    qtbot.addWidget(chart)
    chart.resize(900, 600)
    chart.show()
    for name in pvnames:
        chart.add_pv(name)
    for name in pvnames:
        qtbot.waitUntil(lambda n=name: len(chart.curve_data(n)[0]) > 0, timeout=WAIT)
    return chart


def samples(chart: StripChart, name: str) -> tuple[np.ndarray, np.ndarray]:
    return chart.curve_data(name)


# -- recording -------------------------------------------------------------------

def test_every_sample_lands_with_server_timestamps(qtbot, hub, ioc):
    pv = ioc.prefix + "counter"
    chart = open_chart(qtbot, hub, pv)
    qtbot.waitUntil(lambda: len(samples(chart, pv)[0]) >= 25, timeout=WAIT)
    t, y = samples(chart, pv)
    assert np.all(np.diff(y) == 1), f"lost or repeated counter values: {y}"
    assert np.all(np.diff(t) > 0)
    period = float(np.median(np.diff(t)))
    assert 0.05 < period < 0.2, period  # 10 Hz on the server's clock
    assert abs(t[-1] - time.time()) < 5  # same host: server time is close to ours
    assert chart.dropped_samples(pv) == 0


def stamp(prefix: str, value: float, when: float) -> None:
    ioc_write(prefix + "stamp_drive", [float(value), float(when)])


def test_repeats_and_backwards_timestamps(qtbot, hub, ioc):
    pv = ioc.prefix + "stamped"
    chart = open_chart(qtbot, hub, pv)
    t0 = samples(chart, pv)[0][-1] + 1000.0  # far from the client's clock: only server
    writes = [(1.0, t0), (1.0, t0 + 1), (1.0, t0 + 2), (2.0, t0 + 1.5), (3.0, t0 + 3)]
    for value, when in writes:
        stamp(ioc.prefix, value, when)
    qtbot.waitUntil(lambda: len(samples(chart, pv)[0]) == 6, timeout=WAIT)
    t, y = samples(chart, pv)
    assert list(y[-5:]) == [1.0, 1.0, 1.0, 2.0, 3.0]  # repeats are recorded
    # The backwards sample keeps its value at the previous sample's time.
    assert np.allclose(t[-5:] - t0, [0, 1, 2, 2, 3], atol=1e-6)
    assert chart.buffer(pv).clamped == 1
    chart.redraw(force=True)
    x, _ = chart.drawn_data(pv)
    assert np.all(np.diff(x) >= 0)


def test_quiet_pv_extends_to_now(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    started = time.time()
    chart = open_chart(qtbot, hub, pv)
    t, y = samples(chart, pv)
    assert len(t) == 1

    def drawn_to_now():
        x, v = chart.drawn_data(pv)
        return len(x) >= 2 and x[-1] >= started + 1.0 and v[-1] == y[-1]

    qtbot.waitUntil(drawn_to_now, timeout=WAIT)
    assert len(samples(chart, pv)[0]) == 1  # extended by drawing, not by fake samples


def test_ioc_restart_leaves_a_gap(qtbot, hub, restartable_ioc):
    ioc = restartable_ioc
    pv = ioc.prefix + "counter"
    chart = open_chart(qtbot, hub, pv)
    qtbot.waitUntil(lambda: len(samples(chart, pv)[0]) >= 5, timeout=WAIT)
    ioc.kill()
    qtbot.waitUntil(lambda: np.isnan(samples(chart, pv)[1][-1]), timeout=WAIT)
    qtbot.waitUntil(lambda: chart.legend_text(pv)[1] == "disconnected", timeout=WAIT)
    ioc.restart("counter")
    qtbot.waitUntil(lambda: not np.isnan(samples(chart, pv)[1][-1]), timeout=3 * WAIT)
    t, y = samples(chart, pv)
    gap = int(np.flatnonzero(np.isnan(y))[-1])
    t_gap, t_back = t[gap], t[gap + 1]
    assert t_back > t_gap
    chart.redraw(force=True)
    x, v = chart.drawn_data(pv)
    finite = np.isfinite(v)
    # Nothing is drawn inside the outage, and the drawn line breaks at its start.
    assert not np.any(finite & (x > t_gap) & (x < t_back))
    assert np.any(np.isnan(v) & (x == t_gap))


def test_pause_freezes_view_and_keeps_collecting(qtbot, hub, ioc):
    pv = ioc.prefix + "counter"
    chart = open_chart(qtbot, hub, pv, span=30)
    chart.pause()
    assert chart.is_paused() and chart.live_button.isEnabled()
    frozen = chart.visible_range()
    count = len(samples(chart, pv)[0])
    qtbot.waitUntil(lambda: len(samples(chart, pv)[0]) >= count + 10, timeout=WAIT)
    qtbot.waitUntil(lambda: chart.redraw_count > 0, timeout=WAIT)
    assert chart.visible_range() == frozen
    # Zoom while paused: x and y.
    chart.set_visible_range(frozen[0] + 10, frozen[1] - 10)
    assert chart.visible_range() == pytest.approx((frozen[0] + 10, frozen[1] - 10))
    chart.live_button.click()
    assert not chart.is_paused()
    start, stop = chart.visible_range()
    assert stop == pytest.approx(time.time(), abs=2) and stop - start == pytest.approx(30)


def test_mouse_zoom_pauses(qtbot, hub, ioc):
    chart = open_chart(qtbot, hub, ioc.prefix + "counter")
    view = chart._main_view
    view.scaleBy((0.5, 1.0))
    view.sigRangeChangedManually.emit([True, False])  # what a wheel zoom emits
    assert chart.is_paused()


# -- files -------------------------------------------------------------------------

def test_csv_round_trips_the_values(qtbot, hub, ioc, tmp_path):
    counter, ai = ioc.prefix + "counter", ioc.prefix + "ai"
    chart = open_chart(qtbot, hub, counter, ai)
    ioc_write(ioc.prefix + "ai_drive", 9.0)  # MAJOR alarm in the exported severity
    qtbot.waitUntil(lambda: samples(chart, ai)[1][-1] == 9.0, timeout=WAIT)
    qtbot.waitUntil(lambda: len(samples(chart, counter)[0]) >= 10, timeout=WAIT)
    chart.pause()
    path = tmp_path / "all.csv"
    rows = chart.export_csv(path)
    back = read_csv(path)
    expected_rows = 0
    for name in (counter, ai):
        t, y = samples(chart, name)
        got_t, got_y, sev = back[name]
        assert len(got_t) >= len(t) - 0  # exported before the comparison read
        n = len(got_t)
        assert np.allclose(got_t, t[:n], atol=1e-6, rtol=0)
        assert np.array_equal(got_y, y[:n])
        expected_rows += n
    assert rows == expected_rows
    assert back[ai][2][-1] == "MAJOR"
    ioc_write(ioc.prefix + "ai_drive", 0.0)
    # Visible range only.
    t, _ = samples(chart, counter)
    chart.set_visible_range(t[2], t[5])
    chart.export_csv(tmp_path / "visible.csv", visible_only=True)
    visible = read_csv(tmp_path / "visible.csv")[counter][0]
    assert np.allclose(visible, t[2:6], atol=1e-6, rtol=0)


def test_config_round_trip(qtbot, hub, ioc, tmp_path):
    a, b = ioc.prefix + "ai", ioc.prefix + "ao"
    chart = open_chart(qtbot, hub, a, b)
    chart.set_axis(a, "Y1")  # explicit, so automatic placement by units cannot move it
    chart.set_curve_style(a, color="#aa0000", width=3)
    chart.set_axis(b, "Y7", side="right")
    chart.set_axis_mode("Y7", "fixed", (0.5, 20.0))
    chart.set_axis_log("Y7", True)
    chart.set_curve_style(b, visible=False)
    chart.set_time_span(900)
    path = tmp_path / "chart.json"
    chart.save_config(path)
    other = StripChart(hub=hub)
    qtbot.addWidget(other)
    other.add_pv(ioc.prefix + "long")  # replaced by the loaded chart
    other.load_config(path)
    assert other.pvs() == [a, b]
    assert other.time_span() == 900
    assert other.curve_style(a) == {"color": "#aa0000", "width": 3, "visible": True,
                                    "axis": "Y1"}
    assert other.curve_style(b) == {"color": chart.curve_style(b)["color"], "width": 1,
                                    "visible": False, "axis": "Y7"}
    assert other.config() == chart.config()
    assert json.loads(path.read_text())["format"] == "caprobe-strip-chart"


BAD_CONFIGS = {
    "syntax": ('{"format": "caprobe-strip-chart",\n "version": 1\n "curves": []}',
               "line 3 column 2: not valid JSON"),
    "not a chart": ('{"format": "phoebus", "version": 1, "curves": []}', "'format' must be"),
    "unknown key": ('{"format": "caprobe-strip-chart", "version": 1, '
                    '"curves": [{"pv": "A", "colour": "#ff0000"}]}',
                    "curves[0]: unknown key 'colour'"),
    "bad width": ('{"format": "caprobe-strip-chart", "version": 1, '
                  '"curves": [{"pv": "A", "width": "thick"}]}',
                  "curves[0].width: expected a whole number from 1 to 10, got 'thick'"),
    "missing axis": ('{"format": "caprobe-strip-chart", "version": 1, '
                     '"curves": [{"pv": "A", "axis": "Y9"}]}',
                     "curves[0].axis: 'Y9' is not one of the axes (Y1)"),
    "bad span": ('{"format": "caprobe-strip-chart", "version": 1, "span": "soon", '
                 '"curves": []}', "'span': cannot read 'soon' as a time span"),
    "fixed without range": ('{"format": "caprobe-strip-chart", "version": 1, '
                            '"axes": [{"id": "Y1", "mode": "fixed"}], "curves": []}',
                            "axes[0].range: a \"fixed\" axis needs a range"),
    "pv with spaces": ('{"format": "caprobe-strip-chart", "version": 1, '
                       '"curves": [{"pv": "A B"}]}', "curves[0].pv: expected a PV name"),
}


@pytest.mark.parametrize("backend_name", ["pyepics"])  # no CA involved: one backend is enough
@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_malformed_config_is_rejected_and_changes_nothing(qtbot, hub, tmp_path, monkeypatch,
                                                          case):
    text, message = BAD_CONFIGS[case]
    path = tmp_path / "bad.json"
    path.write_text(text)
    chart = StripChart(hub=hub, span=120)
    qtbot.addWidget(chart)
    chart.add_pv("caprobe:test:nothing")
    before = chart.config()
    with pytest.raises(ConfigError) as error:
        chart.load_config(path)
    assert str(path) in str(error.value) and message in str(error.value), str(error.value)
    assert chart.config() == before
    # Through the GUI: a dialog names the problem, the status line keeps it.
    shown = []
    monkeypatch.setattr("caprobe.widgets.strip_chart.QMessageBox.warning",
                        lambda *args: shown.append(args[2]))
    assert not chart.open_config_interactive(str(path))
    assert message in shown[0] and "left as it was" in shown[0]
    assert message in chart.status_label.text()
    assert chart.config() == before


@pytest.mark.parametrize("backend_name", ["pyepics"])
def test_missing_config_file(qtbot, hub, tmp_path):
    chart = StripChart(hub=hub)
    qtbot.addWidget(chart)
    with pytest.raises(ConfigError, match="cannot read"):
        chart.load_config(tmp_path / "nope.json")


# -- adding PVs, the legend, the cursor ----------------------------------------------

def test_add_by_typing_pasting_and_dropping(qtbot, hub, ioc):
    p = ioc.prefix
    chart = open_chart(qtbot, hub)
    chart.pv_entry.setText(f"{p}ai, {p}ao; {p}long")
    chart.pv_entry.returnPressed.emit()
    assert chart.pvs() == [p + "ai", p + "ao", p + "long"]
    mime = QMimeData()
    mime.setText(f"'{p}counter'\n{p}ai")
    drop = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    chart.dropEvent(drop)  # a drop without a drag session (see test_probe)
    assert chart.pvs() == [p + "ai", p + "ao", p + "long", p + "counter"]
    chart.pv_entry.setText(f"{p}ai")
    chart.pv_entry.returnPressed.emit()
    assert "Already on the chart" in chart.status_label.text()
    assert hub.subscription_count() == 4


def test_legend_shows_value_units_and_alarm(qtbot, hub, ioc):
    pv = ioc.prefix + "ai"
    chart = open_chart(qtbot, hub, pv)
    ioc_write(ioc.prefix + "ai_drive", 9.0)
    qtbot.waitUntil(lambda: chart.legend_text(pv) == ("9.000 mm", "MAJOR – HIHI"), timeout=WAIT)
    ioc_write(ioc.prefix + "ai_drive", 0.0)
    qtbot.waitUntil(lambda: chart.legend_text(pv) == ("0.000 mm", "NO_ALARM"), timeout=WAIT)


def test_string_and_array_pvs_are_explained_not_plotted(qtbot, hub, ioc):
    so, wf = ioc.prefix + "so", ioc.prefix + "wf"
    chart = open_chart(qtbot, hub)
    chart.add_pvs([so, wf])
    qtbot.waitUntil(lambda: chart.legend_text(so)[0] == "string PV: not plotted", timeout=WAIT)
    qtbot.waitUntil(lambda: chart.legend_text(wf)[0].startswith("array of 100"), timeout=WAIT)
    assert len(chart.curve_data(so)[0]) == 0


def test_cursor_reads_every_curve(qtbot, hub, ioc):
    a, b = ioc.prefix + "ao", ioc.prefix + "long"
    chart = open_chart(qtbot, hub, a, b)
    chart.redraw(force=True)
    now = time.time()
    readout = chart.readout_at(now)
    assert readout[a] == samples(chart, a)[1][-1] and readout[b] == samples(chart, b)[1][-1]
    start, stop = chart.visible_range()
    y_lo, y_hi = chart._main_view.viewRange()[1]
    pos = chart._main_view.mapViewToScene(QPointF(stop - 1.0, (y_lo + y_hi) / 2))
    chart._on_scene_mouse_moved(pos)
    from caprobe.widgets.strip_legend import CURSOR

    assert chart.legend.text(a, CURSOR).endswith("V")
    assert chart.legend.text(b, CURSOR).endswith("counts")
    assert chart.legend.horizontalHeaderItem(CURSOR).text().startswith("At ")


def test_joins_a_pv_another_widget_shows(qtbot, hub, ioc):
    """One subscription; a quiet PV already live elsewhere still gets its first sample."""
    from caprobe.widgets import ProbeWidget

    pv = ioc.prefix + "ao"
    probe = ProbeWidget(pv, hub=hub)
    qtbot.addWidget(probe)
    qtbot.waitUntil(lambda: probe.channel.reading is not None, timeout=WAIT)
    chart = open_chart(qtbot, hub, pv)
    assert len(samples(chart, pv)[0]) == 1
    assert hub.subscription_count() == 1


def test_axes_units_and_scaling(qtbot, hub, ioc):
    ai, ao = ioc.prefix + "ai", ioc.prefix + "ao"
    chart = open_chart(qtbot, hub, ai, ao)
    # Different units: the second PV gets an axis of its own once connected.
    qtbot.waitUntil(lambda: chart.axis_of(ao) != chart.axis_of(ai), timeout=WAIT)
    axis = chart.axis_of(ao)
    chart.set_axis_mode(axis, "fixed", (-3.0, 7.0))
    assert chart.axis_range(axis) == pytest.approx((-3.0, 7.0))
    chart.set_axis_mode(chart.axis_of(ai), "limits")  # ai's display limits: -10 … 10
    qtbot.waitUntil(lambda: chart.axis_range(chart.axis_of(ai)) == pytest.approx((-10, 10)),
                    timeout=WAIT)
    chart.set_axis_mode(axis, "auto")
    value = samples(chart, ao)[1][-1]
    lo, hi = chart.axis_range(axis)
    assert lo < value < hi and hi - lo < 2.0


def test_removing_and_deleting_release_subscriptions(qtbot, hub, ioc):
    chart = open_chart(qtbot, hub, ioc.prefix + "ai", ioc.prefix + "counter")
    assert hub.subscription_count() == 2
    chart.remove_pv(ioc.prefix + "ai")
    qtbot.waitUntil(lambda: hub.subscription_count() == 1, timeout=WAIT)
    chart.deleteLater()
    qtbot.waitUntil(lambda: hub.subscription_count() == 0, timeout=WAIT)


def test_nan_and_inf_samples_are_gaps_and_do_not_scale(qtbot, hub, ioc):
    pv = ioc.prefix + "stamped"
    chart = open_chart(qtbot, hub, pv)
    t0 = samples(chart, pv)[0][-1] + 1.0
    chart.set_time_span(3600)
    for i, value in enumerate((1.0, math.nan, 2.0, math.inf, 3.0)):
        stamp(ioc.prefix, value, t0 + i)
    qtbot.waitUntil(lambda: len(samples(chart, pv)[0]) == 6, timeout=WAIT)
    chart.set_visible_range(t0 - 1, t0 + 10)
    x, v = chart.drawn_data(pv)
    assert np.isnan(v).any()
    lo, hi = chart.axis_range(chart.axis_of(pv))
    assert math.isfinite(lo) and math.isfinite(hi) and hi < 10


@pytest.mark.parametrize("backend_name", ["pyepics"])  # drawing policy, not CA
def test_redraws_are_skipped_when_hidden_paused_or_unmoved(qtbot, hub):
    chart = StripChart(hub=hub, span=86400)
    qtbot.addWidget(chart)
    chart.resize(800, 500)
    chart.show()
    chart.redraw()
    drawn = chart.redraw_count
    chart._on_timer_timeout()  # a day across 800 px: a pixel is 2 min; nothing moved
    assert chart.redraw_count == drawn
    chart.set_time_span(30)  # a pixel is ~40 ms: the next tick scrolls
    drawn = chart.redraw_count
    qtbot.waitUntil(lambda: chart.redraw_count > drawn, timeout=WAIT)
    chart.pause()
    chart.redraw()
    drawn = chart.redraw_count
    chart._on_timer_timeout()  # paused, nothing new in view
    assert chart.redraw_count == drawn
    chart.resume()
    chart.hide()
    drawn = chart.redraw_count
    chart._on_timer_timeout()
    assert chart.redraw_count == drawn
    chart.set_redraw_rate(2)
    assert chart.redraw_rate() == 2 and chart._timer.interval() == 500

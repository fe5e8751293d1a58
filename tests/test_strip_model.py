"""The strip chart's pure parts: ring buffer, staircase trace, spans, config, CSV."""
from __future__ import annotations

import math

import numpy as np
import pytest

from caprobe.model.peak_columns import PeakColumns
from caprobe.model.ring_buffer import BYTES_PER_SAMPLE, DISCONNECTED, RingBuffer
from caprobe.model.strip_config import ConfigError, parse_strip_config
from caprobe.model.strip_csv import Series, read_csv, write_csv
from caprobe.model.timespan import format_span, parse_span
from caprobe.model.trace import staircase

# -- ring buffer ------------------------------------------------------------------


def test_ring_buffer_keeps_the_newest_in_order():
    ring = RingBuffer(4)
    for i in range(10):
        ring.append(float(i), float(i) * 10)
    assert list(ring.times()) == [6, 7, 8, 9]
    assert list(ring.values()) == [60, 70, 80, 90]
    assert ring.overwritten == 6 and len(ring) == 4


def test_ring_buffer_batches_wrap_and_overflow():
    ring = RingBuffer(5)
    ring.extend(np.arange(3.0), np.arange(3.0))
    ring.extend(np.arange(3.0, 7.0), np.arange(3.0, 7.0))  # wraps
    assert list(ring.values()) == [2, 3, 4, 5, 6]
    ring.extend(np.arange(7.0, 20.0), np.arange(7.0, 20.0))  # bigger than capacity
    assert list(ring.values()) == [15, 16, 17, 18, 19]
    assert ring.overwritten == 15 and ring.appended == 20


def test_ring_buffer_views_are_contiguous_and_read_only():
    ring = RingBuffer(3)
    ring.extend(np.arange(5.0), np.arange(5.0))
    view = ring.values()
    assert view.flags.c_contiguous and not view.flags.writeable
    assert ring.nbytes == 3 * BYTES_PER_SAMPLE


def test_ring_buffer_clamps_backwards_time():
    ring = RingBuffer(10)
    ring.extend(np.array([1.0, 2.0, 1.5, 3.0]), np.array([1.0, 2.0, 3.0, 4.0]))
    ring.append(0.5, 5.0)
    assert list(ring.times()) == [1.0, 2.0, 2.0, 3.0, 3.0]
    assert list(ring.values()) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert ring.clamped == 2


def test_ring_buffer_value_at():
    ring = RingBuffer(10)
    ring.extend(np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, math.nan]),
                np.array([0, 2, DISCONNECTED]))
    assert ring.value_at(0.5) is None
    assert ring.value_at(2.5) == (20.0, 2)
    value, sev = ring.value_at(5.0)
    assert math.isnan(value) and sev == DISCONNECTED


def test_ring_buffer_held_writes_wait_and_land_in_order():
    ring = RingBuffer(4)
    ring.extend(np.arange(4.0), np.arange(4.0) * 10)
    view = ring.values()
    ring.hold_writes()
    ring.hold_writes()  # one hold
    ring.append(4.0, 40.0)
    ring.extend(np.array([5.0, 6.0]), np.array([50.0, 60.0]))
    ring.clear()
    ring.append(7.0, 70.0)
    # Nothing moved: the view handed out before is the snapshot another thread copies.
    assert ring.writes_held and len(ring) == 4 and ring.appended == 4
    assert list(view) == [0, 10, 20, 30] and list(ring.values()) == [0, 10, 20, 30]
    ring.release_writes()
    assert not ring.writes_held
    assert list(ring.times()) == [7.0] and list(ring.values()) == [70.0]  # the clear, then 7
    assert ring.appended == 8
    ring.release_writes()  # idempotent
    ring.append(8.0, 80.0)
    assert list(ring.values()) == [70.0, 80.0]


# -- staircase ----------------------------------------------------------------------

def test_exact_staircase_holds_values_and_extends_to_now():
    t = np.array([0.0, 1.0, 2.0])
    y = np.array([5.0, 6.0, 7.0])
    trace = staircase(t, y, -1.0, 10.0, 500, end=10.0)
    assert list(trace.x) == [0, 1, 1, 2, 2, 10]
    assert list(trace.y) == [5, 5, 6, 6, 7, 7]
    assert (trace.lo, trace.hi) == (5.0, 7.0)
    trace = staircase(t, y, -1.0, 10.0, 500)  # no extension (disconnected)
    assert list(trace.x) == [0, 1, 1, 2, 2]


def test_gap_is_not_bridged():
    t = np.array([0.0, 1.0, 5.0])
    y = np.array([1.0, math.nan, 2.0])
    trace = staircase(t, y, 0.0, 6.0, 500, end=6.0)
    segments = [(x0, x1) for x0, x1, y0, y1 in zip(trace.x, trace.x[1:], trace.y, trace.y[1:])
                if np.isfinite(y0) and np.isfinite(y1)]
    assert all(not (x0 < 3.0 < x1) for x0, x1 in segments)


def test_downsampling_keeps_spikes_gaps_and_bounds_size():
    n = 200_000
    t = np.arange(n, dtype=float)
    y = np.zeros(n)
    y[123_457] = 50.0  # one-sample spike
    y[150_000] = math.nan  # a disconnect ...
    t_gap_end = 150_000  # ... until the next sample
    trace = staircase(t, y, 0.0, float(n), 800, end=float(n))
    assert trace.downsampled and len(trace.x) <= 5 * 801 + 1
    assert np.nanmax(trace.y) == 50.0
    assert np.isnan(trace.y).any()
    assert trace.hi == 50.0 and trace.lo == 0.0
    assert np.all(np.diff(trace.x) >= 0)
    assert t_gap_end in trace.x


def test_clipping_uses_only_visible_samples():
    t = np.arange(1000.0)
    y = np.arange(1000.0)
    trace = staircase(t, y, 100.5, 200.5, 1000)
    assert trace.x[0] == 100 and trace.x[-1] == 201  # the held value and the next step
    assert trace.samples == 102


def test_log_scale_drops_non_positive():
    trace = staircase(np.array([0.0, 1.0, 2.0]), np.array([10.0, 0.0, 100.0]), 0, 3, 100,
                      log=True)
    assert trace.y[0] == 1.0 and np.isnan(trace.y[2]) and trace.hi == 2.0


# -- spans --------------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [("90s", 90), ("15m", 900), ("2h", 7200),
                                           ("1d", 86400), ("1h30m", 5400), ("45", 45),
                                           ("2.5 min", 150), ("1 day", 86400)])
def test_parse_span(text, seconds):
    assert parse_span(text) == seconds


@pytest.mark.parametrize("text, message", [("", "empty"), ("abc", "cannot read"),
                                           ("5 parsecs", "unknown unit"),
                                           ("0s", "between"), ("100d", "between")])
def test_parse_span_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_span(text)


def test_format_span():
    assert [format_span(s) for s in (30, 90, 900, 7200, 5400, 86400)] == [
        "30 s", "1 min 30 s", "15 min", "2 h", "1 h 30 min", "1 day"]


# -- config and CSV --------------------------------------------------------------------

def test_config_defaults_and_round_trip():
    config = parse_strip_config('{"format": "caprobe-strip-chart", "version": 1, '
                                '"span": "15m", "curves": [{"pv": "A"}]}')
    assert config.span == 900 and config.axes[0].id == "Y1"
    assert config.curves[0].axis == "Y1" and config.curves[0].width == 1
    assert parse_strip_config(config.to_json()) == config


def test_config_rejects_duplicates():
    with pytest.raises(ConfigError, match="appears twice"):
        parse_strip_config('{"format": "caprobe-strip-chart", "version": 1, '
                           '"curves": [{"pv": "A"}, {"pv": "A"}]}', "x.json")


def test_csv_round_trip_is_exact(tmp_path):
    t = np.array([1.7e9 + 0.123456, 1.7e9 + 1.5, 1.7e9 + 2.0])
    y = np.array([0.1 + 0.2, math.nan, -1e-300])
    write_csv(tmp_path / "x.csv", [Series("A", t, y, np.array([0, DISCONNECTED, 2]),
                                          np.array([0, 255, 3]))])
    got_t, got_y, sev = read_csv(tmp_path / "x.csv")["A"]
    assert np.allclose(got_t, t, atol=1e-6, rtol=0)
    assert got_y[0] == y[0] and math.isnan(got_y[1]) and got_y[2] == y[2]
    assert sev == ["NO_ALARM", "DISCONNECTED", "MAJOR"]
    header = (tmp_path / "x.csv").read_text().splitlines()[0]
    assert header == "timestamp,time,pv,value,severity,status"


# -- the kept column reduction ---------------------------------------------------

def _fresh_trace(buffer: RingBuffer, start, stop, width_px, end=None, log=False):
    return PeakColumns().trace(buffer, start, stop, width_px, end=end, log=log)


def _assert_same_trace(kept, fresh):
    np.testing.assert_array_equal(kept.x, fresh.x)
    np.testing.assert_array_equal(kept.y, fresh.y)
    assert (kept.lo, kept.hi, kept.samples) == pytest.approx((fresh.lo, fresh.hi, fresh.samples),
                                                             nan_ok=True)


@pytest.mark.parametrize("seed", range(6))
def test_kept_columns_match_a_fresh_reduction_through_scroll_overrun_gaps_and_zoom(seed):
    """Whatever happens between redraws, the kept reduction draws what a new one would."""
    rng = np.random.default_rng(seed)
    buffer = RingBuffer(5_000)
    peaks = PeakColumns()
    now, span, width = 1000.0, 60.0, 300
    log = False
    for step in range(250):
        count = int(rng.integers(0, 400))
        t = now + np.sort(rng.uniform(0, 0.5, count))
        y = rng.normal(5.0, 2.0, count)
        if count and rng.random() < 0.05:
            y[rng.integers(count)] = math.nan  # a disconnect marker
        if count and rng.random() < 0.05:
            y[rng.integers(count)] = 1e6  # a one-sample spike
        buffer.extend(t, y)
        now += 0.5
        event = rng.random()
        if event < 0.03:
            span = float(rng.choice([30.0, 60.0, 600.0]))  # a new span: new grid
        elif event < 0.05:
            log = not log
        elif event < 0.06:
            buffer.clear()
        start, stop = now - span, now
        if rng.random() < 0.1:  # paused and panned back, or zoomed
            start -= float(rng.uniform(0, 400))
            stop = start + span * float(rng.uniform(0.2, 1.0))
        kept = peaks.trace(buffer, start, stop, width, end=now, log=log)
        fresh = _fresh_trace(buffer, start, stop, width, end=now, log=log)
        _assert_same_trace(kept, fresh)
    assert peaks.rebuilds < 250 * 0.5  # most redraws reused the kept columns


def test_kept_columns_reduce_only_new_samples_when_live():
    buffer = RingBuffer(100_000)
    t = np.arange(100_000) * 0.1
    buffer.extend(t, np.sin(t))
    peaks = PeakColumns()
    start = t[-1] - 10_500  # the whole buffer in view: every new sample overwrites one
    peaks.trace(buffer, start, t[-1], 1000, end=t[-1])
    assert peaks.rebuilds == 1
    for i in range(1, 50):
        now = t[-1] + i * 0.1
        buffer.append(now, math.sin(now))
        kept = peaks.trace(buffer, start + i * 0.1, now, 1000, end=now)
        fresh = _fresh_trace(buffer, start + i * 0.1, now, 1000, end=now)
        _assert_same_trace(kept, fresh)
    assert peaks.rebuilds == 1
    assert kept.downsampled and len(kept.x) <= 5 * 1002 + 2


def test_kept_columns_keep_spikes_and_gaps_like_the_staircase():
    n = 200_000
    t = np.arange(n, dtype=float)
    y = np.zeros(n)
    y[123_457] = 50.0
    y[150_000] = math.nan
    buffer = RingBuffer(n)
    buffer.extend(t, y)
    trace = PeakColumns().trace(buffer, 0.0, float(n), 800, end=float(n))
    assert trace.downsampled and np.nanmax(trace.y) == 50.0 and np.isnan(trace.y).any()
    assert (trace.lo, trace.hi) == (0.0, 50.0)
    assert np.all(np.diff(trace.x) >= 0)
    # Nothing drawn inside the gap: no finite segment spans the NaN sample's time.
    finite = np.isfinite(trace.y[:-1]) & np.isfinite(trace.y[1:])
    assert not np.any(finite & (trace.x[:-1] < 150_000) & (trace.x[1:] > 150_000))

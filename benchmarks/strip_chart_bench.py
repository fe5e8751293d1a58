#!/usr/bin/env python3
"""Strip-chart benchmark: caprobe's ``StripChart`` against PyDM's ``PyDMTimePlot``.

One command runs everything (see benchmarks/README.md)::

    python3 benchmarks/strip_chart_bench.py            # full run, about 6.5 minutes
    python3 benchmarks/strip_chart_bench.py --quick    # smoke run, about 2.5 minutes

Whatever Python starts it, the script creates (once) and then re-executes
itself in its own venv ``benchmarks/.venv-pydm`` (pydm, pyepics, caproto,
PyQt5, pyqtgraph, numpy, psutil). caprobe is imported from this checkout
(the repository root is put first on ``sys.path``), so the benchmark always
measures the working tree, never an installed copy.

What it measures, in one run, against one load IOC (``load_ioc.py``: N
float PVs at R Hz, caproto server on a free loopback port):

1. Redraw cost: N curves x P buffered points each, prefilled with the same
   history in both tools; each frame is the tool's redraw followed by a
   forced paint of the plot (``QWidget.grab()`` of the plot view, which runs
   the full Qt paint). Wall and CPU milliseconds per frame, for a span
   covering the whole buffer and for a 5-minute span.
2. CPU while scrolling: every tool in its own process, N PVs at R Hz live,
   full buffers; process CPU (user+sys, all threads) over the measurement
   window, updates received per second, redraws and paints per second,
   peak RSS. caprobe on both CA backends; PyDM (default pyepics plugin) at
   its default redraw rate and at caprobe's.

Every worker is a subprocess of this script (``--worker ...``); every
process it starts (IOC and workers) is stopped by PID, and every wait is
bounded in time.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from bench_common import (
    HERE,
    LOGS,
    QUIET_TOTAL_S,
    RESULTS,
    ROOT,
    LoopbackIoc,
    add_quiet_options,
    ensure_venv_and_reexec,
    percentile,
    run_worker_process,
    wait_quiet,
)
from bench_common import environment_info as common_environment_info

VENV_PACKAGES = ["pydm", "pyepics", "caproto", "PyQt5", "pyqtgraph", "numpy", "psutil"]
VENV_IMPORTS = "import pydm, epics, caproto, PyQt5, pyqtgraph, numpy, psutil"

PREFIX = "bench:"
HISTORY_DT = 0.1  # seconds between prefilled history samples (10 Hz, like the live PVs)
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39",
           "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")



# =============================================================================
# Small helpers shared by the orchestrator and the workers
# =============================================================================
def pvnames(count: int) -> list[str]:
    return [f"{PREFIX}pv{i:02d}" for i in range(count)]


def history(index: int, points: int, t_end: float):
    """The prefilled history of PV ``index``: the same in every process (seeded)."""
    import numpy as np

    rng = np.random.default_rng(1000 + index)
    t = t_end - HISTORY_DT * np.arange(points - 1, -1, -1, dtype=float)
    walk = np.cumsum(rng.normal(0.0, 0.05, points))
    # The walk ends at 0, where the load IOC's live values start: no jump at "now".
    y = walk - walk[-1] + np.sin(2 * np.pi * t / (30.0 + index))
    return t, y



# =============================================================================
# Workers (run in their own subprocess, one tool each)
# =============================================================================
class Tool:
    """What the workers need from a strip chart, for either tool."""

    name = ""
    line_width = 0
    widget = None  # the top-level widget shown
    view = None  # the plot's QGraphicsView (what is grabbed and whose paints are counted)

    def add_pvs(self, names: list[str]) -> None: ...
    def prefill(self, points: int) -> None: ...
    def set_span(self, seconds: float) -> None: ...
    def redraw(self) -> None: ...
    def updates(self) -> int: ...
    def live_pvs(self) -> int: ...
    def redraws(self) -> int: ...
    def drawn_points(self) -> int: ...
    def info(self) -> dict: ...
    def close(self) -> None: ...


class CaprobeTool(Tool):
    def __init__(self, backend: str, capacity: int, redraw_hz: float, span: float,
                 line_width: int | None = None) -> None:
        from caprobe import ChannelHub
        from caprobe.widgets.strip_chart import StripChart

        self.name = f"caprobe-{backend}"
        self.hub = ChannelHub(backend)
        self.chart = StripChart(hub=self.hub, capacity=capacity, redraw_hz=redraw_hz, span=span)
        self.widget = self.chart
        self.view = self.chart.plot_view
        self.redraw_hz = redraw_hz
        self.line_width = line_width
        self.names: list[str] = []
        self.prefilled: dict[str, int] = {}

    def add_pvs(self, names: list[str]) -> None:
        for name in names:
            self.chart.add_pv(name)
            if self.line_width is not None:  # diagnostic runs only; default is caprobe's
                self.chart.set_curve_style(name, width=self.line_width)
        self.names = list(names)

    def prefill(self, points: int) -> None:
        # Called right after add_pvs(), before the event loop runs: no live
        # sample can have arrived yet (the hub delivers on the GUI thread),
        # so the history ends before every live sample.
        t_end = time.time()
        for i, name in enumerate(self.names):
            t, y = history(i, points, t_end)
            buf = self.chart.buffer(name)
            buf.extend(t, y)
            self.prefilled[name] = buf.appended

    def set_span(self, seconds: float) -> None:
        self.chart.set_time_span(seconds)

    def redraw(self) -> None:
        self.chart.redraw(force=True)

    def updates(self) -> int:
        return sum(self.chart.buffer(n).appended - self.prefilled.get(n, 0) for n in self.names)

    def live_pvs(self) -> int:
        return sum(self.chart.buffer(n).appended > self.prefilled.get(n, 0) for n in self.names)

    def redraws(self) -> int:
        return self.chart.redraw_count

    def drawn_points(self) -> int:
        return sum(len(self.chart.drawn_data(n)[0]) for n in self.names)

    def info(self) -> dict:
        dropped = sum(self.chart.dropped_samples(n) for n in self.names)
        return {"redraw_hz": self.chart.redraw_rate(), "span_s": self.chart.time_span(),
                "capacity": self.chart.buffer(self.names[0]).capacity if self.names else None,
                "line_width": (self.chart.curve_style(self.names[0])["width"]
                               if self.names else None),
                "samples_dropped_by_hub": dropped, "backend": self.hub.describe()}

    def close(self) -> None:
        self.chart.hide()
        self.hub.close()


class PydmTool(Tool):
    def __init__(self, redraw_hz: float | None, capacity: int, span: float) -> None:
        from pydm.widgets.timeplot import PyDMTimePlot

        self.name = "pydm"
        self.plot = PyDMTimePlot(plot_by_timestamps=True)
        self.default_redraw_hz = self.plot.getMaxRedrawRate() if hasattr(
            self.plot, "getMaxRedrawRate") else self.plot.maxRedrawRate
        self.default_update_interval_s = self.plot.getUpdateInterval()
        self.default_time_span_s = self.plot.getTimeSpan()
        self.default_buffer_size = self.plot.getBufferSize()
        if redraw_hz is not None:
            self.plot.setMaxRedrawRate(redraw_hz)
        self.plot.setBufferSize(capacity)
        self.plot.setTimeSpan(span)
        self.widget = self.plot
        self.view = self.plot
        self.capacity = capacity
        self.curves = []
        self._value_count = [0]
        self._redraw_signals = [0]
        self.plot.plot_redrawn_signal.connect(self._on_redrawn)

    def _on_redrawn(self, _curve) -> None:
        self._redraw_signals[0] += 1

    def add_pvs(self, names: list[str]) -> None:
        from PyQt5.QtGui import QColor

        counts = self._value_count
        for i, name in enumerate(names):
            curve = self.plot.addYChannel(y_channel=f"ca://{name}", name=name,
                                          color=QColor(PALETTE[i % len(PALETTE)]))
            curve._bench_updates = 0

            def bump(curve=curve):
                curve._bench_updates += 1
                counts[0] += 1

            # OnValueChange mode: data_changed is emitted once per value
            # received (receiveNewValue), so it counts updates.
            curve.data_changed.connect(bump)
            self.curves.append(curve)

    def prefill(self, points: int) -> None:
        # PyDM wipes each curve's buffer 10 ms after its address is set
        # (TimePlotCurveItem.address: QTimer.singleShot(10, initialize_buffer)),
        # so this runs after that has happened; live points already received
        # are kept at the end of the buffer, after the history.
        import numpy as np

        now = time.time()
        for i, curve in enumerate(self.curves):
            k = min(curve.points_accumulated, points)
            live = curve.data_buffer[:, curve.data_buffer.shape[1] - k:].copy() if k else None
            n_hist = points - k
            t_end = (live[0, 0] - HISTORY_DT) if k else now
            t, y = history(i, points, t_end)
            buf = np.zeros((2, curve.getBufferSize()), order="f", dtype=float)
            size = buf.shape[1]
            buf[0, size - points:size - k] = t[points - n_hist:]
            buf[1, size - points:size - k] = y[points - n_hist:]
            if k:
                buf[:, size - k:] = live
            curve.data_buffer = buf
            curve.points_accumulated = points
            finite = buf[1, size - points:]
            curve._min_y_value, curve._max_y_value = float(finite.min()), float(finite.max())
        self.plot.set_needs_redraw()

    def set_span(self, seconds: float) -> None:
        self.plot.setTimeSpan(seconds)

    def redraw(self) -> None:
        self.plot.set_needs_redraw()
        self.plot.redrawPlot()

    def updates(self) -> int:
        return self._value_count[0]

    def live_pvs(self) -> int:
        return sum(c._bench_updates > 0 for c in self.curves)

    def redraws(self) -> int:
        return self._redraw_signals[0] // max(1, len(self.curves))

    def drawn_points(self) -> int:
        total = 0
        for curve in self.curves:
            x, _y = curve.getData()
            total += 0 if x is None else len(x)
        return total

    def info(self) -> dict:
        from pydm.data_plugins import plugin_for_address

        try:
            plugin = type(plugin_for_address("ca://x")).__name__
        except Exception as exc:  # pragma: no cover
            plugin = f"? ({exc})"
        pen = self.curves[0].opts["pen"] if self.curves else None
        return {"redraw_hz": self.plot.maxRedrawRate, "span_s": self.plot.getTimeSpan(),
                "capacity": self.plot.getBufferSize(),
                "update_mode": "AtFixedRate" if self.plot.getUpdatesAsynchronously()
                else "OnValueChange",
                "update_interval_s": self.plot.getUpdateInterval(),
                "line_width": pen.widthF() if pen is not None else None,
                "data_plugin": plugin,
                "defaults": {"maxRedrawRate_hz": self.default_redraw_hz,
                             "updateInterval_s": self.default_update_interval_s,
                             "timeSpan_s": self.default_time_span_s,
                             "bufferSize": self.default_buffer_size}}

    def close(self) -> None:
        self.plot.redraw_timer.stop()
        self.plot.hide()


def _make_tool(args) -> Tool:
    if args.tool == "pydm":
        return PydmTool(args.redraw_hz, args.points, args.span)
    return CaprobeTool(args.tool.split("-", 1)[1], args.points, args.redraw_hz or 5.0, args.span,
                       args.line_width)


class PaintCounter:
    """Counts paint events reaching the plot's viewport (real Qt painting)."""

    def __init__(self, view) -> None:
        from PyQt5.QtCore import QEvent, QObject

        class _Filter(QObject):
            count = 0

            def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
                if event.type() == QEvent.Paint:
                    _Filter.count += 1
                return False

        self._filter = _Filter()
        self._cls = _Filter
        view.viewport().installEventFilter(self._filter)

    @property
    def count(self) -> int:
        return self._cls.count


def _run_loop(app, seconds: float) -> None:
    from PyQt5.QtCore import QTimer

    QTimer.singleShot(max(0, int(seconds * 1000)), app.quit)
    app.exec_()


def _show_at_size(app, tool: Tool, width: int, height: int) -> tuple[int, int]:
    """Show the tool and size it so that its plot view is width x height pixels."""
    widget, view = tool.widget, tool.view
    widget.resize(width, height)
    widget.show()
    for _ in range(8):
        _run_loop(app, 0.05)
        dw, dh = width - view.width(), height - view.height()
        if dw == 0 and dh == 0:
            break
        widget.resize(widget.width() + dw, widget.height() + dh)
    _run_loop(app, 0.05)
    return view.width(), view.height()


def _wait_live(app, tool: Tool, count: int, timeout: float) -> float:
    start = time.monotonic()
    while tool.live_pvs() < count and time.monotonic() - start < timeout:
        _run_loop(app, 0.1)
    if tool.live_pvs() < count:
        raise TimeoutError(f"{tool.name}: only {tool.live_pvs()} of {count} PVs delivered "
                           f"data within {timeout:.0f} s")
    return time.monotonic() - start


def worker(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import resource

    import numpy as np
    import psutil
    from PyQt5.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    result: dict = {"tool": args.tool, "worker": args.worker, "pid": os.getpid()}
    tool = _make_tool(args)
    names = pvnames(args.pvs)
    tool.add_pvs(names)
    if tool.name.startswith("caprobe"):
        tool.prefill(args.points)  # before any event is processed (see prefill)
    size = _show_at_size(app, tool, args.width, args.height)
    if tool.name == "pydm":
        _run_loop(app, 0.1)  # let PyDM's 10 ms initialize_buffer timers fire first
        tool.prefill(args.points)
    result["plot_view_px"] = list(size)
    result["connect_s"] = round(_wait_live(app, tool, len(names), args.connect_timeout), 2)
    paints = PaintCounter(tool.view)

    if args.worker == "redraw":
        result["frames"] = {}
        spans = {"whole_buffer": args.points * HISTORY_DT * 1.02 + 60.0, "5_min": 300.0}
        for label, span in spans.items():
            tool.set_span(span)
            _run_loop(app, 0.2)
            wall, cpu, redraw_ms, paint_ms = [], [], [], []
            image = None
            for frame in range(args.frames + 3):
                _run_loop(app, 0.05)  # live data keeps flowing between frames
                c0, t0 = time.thread_time(), time.perf_counter()
                tool.redraw()
                t1 = time.perf_counter()
                image = tool.view.grab()  # the full Qt paint of the plot view
                t2, c2 = time.perf_counter(), time.thread_time()
                if frame >= 3:  # the first frames warm caches up
                    wall.append((t2 - t0) * 1e3)
                    cpu.append((c2 - c0) * 1e3)
                    redraw_ms.append((t1 - t0) * 1e3)
                    paint_ms.append((t2 - t1) * 1e3)
            png = RESULTS / f"frame_{args.tool}_{label}.png"
            if image is not None:
                image.save(str(png))
            result["frames"][label] = {
                "span_s": span,
                "frames": len(wall),
                "buffered_points": args.points * len(names),
                "drawn_points": tool.drawn_points(),
                "wall_ms": {"median": float(np.median(wall)), "p95": percentile(wall, 95),
                            "min": float(np.min(wall)), "max": float(np.max(wall))},
                "cpu_ms": {"median": float(np.median(cpu)), "p95": percentile(cpu, 95)},
                "redraw_only_ms_median": float(np.median(redraw_ms)),
                "paint_only_ms_median": float(np.median(paint_ms)),
                "image": png.name,
            }
    else:  # cpu
        proc = psutil.Process()
        ioc = psutil.Process(args.ioc_pid) if args.ioc_pid else None
        tool.set_span(args.span)
        _run_loop(app, args.warmup)
        rss_samples: list[int] = []
        from PyQt5.QtCore import QTimer

        rss_timer = QTimer()
        rss_timer.timeout.connect(lambda: rss_samples.append(proc.memory_info().rss))
        rss_timer.start(1000)

        def snapshot():
            ru = resource.getrusage(resource.RUSAGE_SELF)
            sys_times = psutil.cpu_times()
            return {"wall": time.perf_counter(), "cpu": ru.ru_utime + ru.ru_stime,
                    "user": ru.ru_utime, "sys": ru.ru_stime,
                    "sys_busy": sum(sys_times) - sys_times.idle - getattr(sys_times, "iowait", 0),
                    "sys_total": sum(sys_times),
                    "ioc_cpu": sum(ioc.cpu_times()[:2]) if ioc else 0.0,
                    "updates": tool.updates(), "redraws": tool.redraws(),
                    "paints": paints.count, "threads": proc.num_threads()}

        s0 = snapshot()
        _run_loop(app, args.duration)
        s1 = snapshot()
        rss_timer.stop()
        wall = s1["wall"] - s0["wall"]
        ncpu = psutil.cpu_count() or 1
        sys_busy_pct = 100.0 * ncpu * (s1["sys_busy"] - s0["sys_busy"]) / max(
            1e-9, s1["sys_total"] - s0["sys_total"])
        cpu_pct = 100.0 * (s1["cpu"] - s0["cpu"]) / wall
        ioc_pct = 100.0 * (s1["ioc_cpu"] - s0["ioc_cpu"]) / wall
        result["cpu"] = {
            "measured_s": wall,
            "warmup_s": args.warmup,
            "cpu_pct_of_one_core": cpu_pct,
            "user_pct": 100.0 * (s1["user"] - s0["user"]) / wall,
            "sys_pct": 100.0 * (s1["sys"] - s0["sys"]) / wall,
            "updates_per_s": (s1["updates"] - s0["updates"]) / wall,
            "expected_updates_per_s": args.pvs * args.rate,
            "redraws_per_s": (s1["redraws"] - s0["redraws"]) / wall,
            "paints_per_s": (s1["paints"] - s0["paints"]) / wall,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "rss_in_window_max_mb": max(rss_samples) / 2**20 if rss_samples else None,
            "rss_end_mb": proc.memory_info().rss / 2**20,
            "threads": s1["threads"],
            "ioc_cpu_pct_of_one_core": ioc_pct,
            "host_busy_pct_of_one_core": sys_busy_pct,
            "other_load_pct_of_one_core": max(0.0, sys_busy_pct - cpu_pct - ioc_pct),
            "drawn_points_at_end": tool.drawn_points(),
        }
    result["settings"] = tool.info()
    closing = time.monotonic()
    tool.close()
    result["close_s"] = round(time.monotonic() - closing, 2)
    Path(args.result_file).write_text(json.dumps(result, indent=2))
    # Leave without running CA/Qt teardown in atexit handlers that could hang.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# =============================================================================
# Orchestrator
# =============================================================================
def start_ioc(pvs: int, rate: float, max_seconds: float) -> LoopbackIoc:
    """The caproto load IOC (``load_ioc.py``) on a free loopback port."""
    return LoopbackIoc(HERE / "load_ioc.py",
                       ["--prefix", PREFIX, "--count", str(pvs), "--rate", str(rate),
                        "--max-seconds", str(max_seconds)],
                       LOGS / "load_ioc.log", PREFIX + "ready")


def run_worker(name: str, extra: list[str], ioc: LoopbackIoc, args, timeout: float) -> dict:
    host_before = wait_quiet(ioc.proc.pid, args.quiet_wait, args.quiet_threshold)
    result_file = LOGS / f"{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker-of", str(os.getpid()),
           "--result-file", str(result_file), "--ioc-pid", str(ioc.proc.pid),
           "--pvs", str(args.pvs), "--rate", str(args.rate), "--points", str(args.points),
           "--width", str(args.width), "--height", str(args.height),
           "--frames", str(args.frames), "--duration", str(args.duration),
           "--warmup", str(args.warmup), *extra]
    result = run_worker_process(name, cmd, ioc.env, timeout, result_file)
    if "error" not in result:
        result["host_before"] = host_before
    return result


def caprobe_default_line_width():
    """The line width StripChart.add_pv gives a curve by default (None if unknown)."""
    sys.path.insert(0, str(ROOT))
    try:
        import inspect

        from caprobe.widgets.strip_chart import StripChart

        return inspect.signature(StripChart.add_pv).parameters["width"].default
    except Exception:
        return None
    finally:
        sys.path.remove(str(ROOT))


CAPROBE_SOURCES = ("caprobe/widgets/strip_chart.py", "caprobe/widgets/strip_curve.py",
                   "caprobe/widgets/strip_legend.py", "caprobe/widgets/strip_axes.py",
                   "caprobe/model/trace.py", "caprobe/model/ring_buffer.py",
                   "caprobe/bridge/hub.py", "caprobe/bridge/inbox.py")


def environment_info() -> dict:
    info = common_environment_info(
        ("pydm", "pyqtgraph", "PyQt5", "PyQt5-Qt5", "numpy", "pyepics", "caproto", "psutil"),
        CAPROBE_SOURCES)
    info["caprobe_default_line_width"] = caprobe_default_line_width()
    return info


def orchestrate(args) -> int:
    RESULTS.mkdir(exist_ok=True)
    LOGS.mkdir(exist_ok=True)
    started = time.monotonic()
    redraw_span = 300.0
    cpu_runs = [
        ("cpu_caprobe-pyepics", ["--tool", "caprobe-pyepics", "--redraw-hz", "5"]),
        ("cpu_caprobe-caproto", ["--tool", "caprobe-caproto", "--redraw-hz", "5"]),
        ("cpu_pydm-default", ["--tool", "pydm"]),
        ("cpu_pydm-5hz", ["--tool", "pydm", "--redraw-hz", "5"]),
        # The other equal-rate point: caprobe at PyDM's default redraw rate.
        ("cpu_caprobe-pyepics-1hz", ["--tool", "caprobe-pyepics", "--redraw-hz", "1"]),
    ]
    redraw_runs = [
        ("redraw_caprobe-pyepics", ["--tool", "caprobe-pyepics", "--redraw-hz", "5"]),
        ("redraw_pydm", ["--tool", "pydm", "--redraw-hz", "5"]),
    ]
    default_width = caprobe_default_line_width()
    if not args.no_diagnostics and default_width != 1:
        # What caprobe would cost with 1 px (cosmetic) lines: Qt's raster engine
        # strokes wider lines as polygons, several times slower.
        redraw_runs.append(("redraw_caprobe-pyepics-1px", ["--tool", "caprobe-pyepics",
                                                           "--redraw-hz", "5",
                                                           "--line-width", "1"]))
        cpu_runs.append(("cpu_caprobe-pyepics-1px", ["--tool", "caprobe-pyepics",
                                                     "--redraw-hz", "5", "--line-width", "1"]))
    cpu_timeout = args.warmup + args.duration + args.connect_timeout + 120
    redraw_timeout = args.connect_timeout + 60 + args.frames * 2 * 3.0
    budget = ((len(cpu_runs) + len(redraw_runs)) * 5 + QUIET_TOTAL_S
              + len(cpu_runs) * cpu_timeout + len(redraw_runs) * redraw_timeout + 120)
    env_info = environment_info()
    print(f"strip-chart benchmark: {args.pvs} PVs x {args.rate:g} Hz, {args.points:,} points "
          f"per curve, plot view {args.width}x{args.height}, "
          f"{args.duration:g} s CPU windows after {args.warmup:g} s warm-up", flush=True)
    print(f"  load average at start: {env_info['load_average_at_start']}", flush=True)
    ioc = start_ioc(args.pvs, args.rate, budget)
    results: dict = {"environment": env_info, "config": {
        "pvs": args.pvs, "rate_hz": args.rate, "points_per_curve": args.points,
        "buffered_points": args.pvs * args.points, "plot_view_px": [args.width, args.height],
        "frames": args.frames, "duration_s": args.duration, "warmup_s": args.warmup,
        "quick": args.quick, "history_dt_s": HISTORY_DT, "cpu_span_s": redraw_span,
        "ioc_port": ioc.port}, "redraw": {}, "cpu": {}}
    try:
        ioc.wait_ready()
        print(f"  load IOC pid {ioc.proc.pid} on 127.0.0.1:{ioc.port}", flush=True)
        print("redraw (wall and CPU ms per redraw + paint):", flush=True)
        for name, extra in redraw_runs:
            results["redraw"][name.split("_", 1)[1]] = run_worker(
                name, ["--worker", "redraw", "--span", str(redraw_span), *extra], ioc, args,
                redraw_timeout)
        print("CPU while scrolling (one process per tool):", flush=True)
        for name, extra in cpu_runs:
            results["cpu"][name.split("_", 1)[1]] = run_worker(
                name, ["--worker", "cpu", "--span", str(redraw_span), *extra], ioc, args,
                cpu_timeout)
    finally:
        ioc.stop()
    results["environment"]["load_average_at_end"] = os.getloadavg()
    results["environment"]["total_run_s"] = round(time.monotonic() - started, 1)
    results["targets"] = evaluate_targets(results)
    (RESULTS / "strip_chart.json").write_text(json.dumps(results, indent=2) + "\n")
    md = render_markdown(results)
    (RESULTS / "strip_chart.md").write_text(md)
    print()
    print(md)
    print(f"written: {RESULTS / 'strip_chart.json'}, {RESULTS / 'strip_chart.md'} "
          f"(total {results['environment']['total_run_s']:.0f} s)")
    return 0


def evaluate_targets(results: dict) -> dict:
    targets: dict = {}
    redraw = results["redraw"].get("caprobe-pyepics", {}).get("frames", {})
    whole = redraw.get("whole_buffer")
    five = redraw.get("5_min")
    if whole:
        targets["caprobe_redraw_under_10ms_whole_buffer"] = {
            "median_ms": whole["wall_ms"]["median"], "p95_ms": whole["wall_ms"]["p95"],
            "met_median": whole["wall_ms"]["median"] < 10.0,
            "met_p95": whole["wall_ms"]["p95"] < 10.0}
    if five:
        targets["caprobe_redraw_under_10ms_5min"] = {
            "median_ms": five["wall_ms"]["median"], "p95_ms": five["wall_ms"]["p95"],
            "met_median": five["wall_ms"]["median"] < 10.0,
            "met_p95": five["wall_ms"]["p95"] < 10.0}
    diag = results["redraw"].get("caprobe-pyepics-1px", {}).get("frames", {})
    for label, fr in diag.items():
        targets[f"diagnostic_caprobe_1px_redraw_under_10ms_{label}"] = {
            "median_ms": fr["wall_ms"]["median"], "p95_ms": fr["wall_ms"]["p95"],
            "met_median": fr["wall_ms"]["median"] < 10.0, "met_p95": fr["wall_ms"]["p95"] < 10.0}
    cpu = results["cpu"]
    ref = cpu.get("pydm-5hz", {}).get("cpu", {}).get("cpu_pct_of_one_core")
    mine = cpu.get("caprobe-pyepics-1px", {}).get("cpu", {}).get("cpu_pct_of_one_core")
    if ref and mine is not None:
        targets["diagnostic_caprobe-pyepics-1px_cpu_at_most_half_of_pydm-5hz"] = {
            "caprobe_pct": mine, "pydm_pct": ref, "ratio": mine / ref, "met": mine <= 0.5 * ref}
    pairs = [("caprobe-pyepics", "pydm-5hz", "both 5 Hz"),
             ("caprobe-caproto", "pydm-5hz", "both 5 Hz"),
             ("caprobe-pyepics-1hz", "pydm-default", "both 1 Hz"),
             ("caprobe-pyepics", "pydm-default", "each at its default: 5 Hz vs 1 Hz"),
             ("caprobe-caproto", "pydm-default", "each at its default: 5 Hz vs 1 Hz")]
    for mine_run, pydm_run, rates in pairs:
        ref = cpu.get(pydm_run, {}).get("cpu", {}).get("cpu_pct_of_one_core")
        mine = cpu.get(mine_run, {}).get("cpu", {}).get("cpu_pct_of_one_core")
        if ref and mine is not None:
            targets[f"{mine_run}_cpu_at_most_half_of_{pydm_run}"] = {
                "caprobe_pct": mine, "pydm_pct": ref, "ratio": mine / ref,
                "met": mine <= 0.5 * ref, "rates": rates}
    return targets


def _label(run: str) -> str:
    if run.endswith("-1px"):
        return f"{run[:-4]} *(diagnostic: 1 px lines)*"
    if run.endswith("-1hz"):
        return f"{run[:-4]} at 1 Hz"
    return run


def render_markdown(results: dict) -> str:
    cfg, env = results["config"], results["environment"]
    lines = [
        "# Strip chart benchmark: caprobe `StripChart` vs PyDM `PyDMTimePlot`",
        "",
        f"{cfg['pvs']} PVs × {cfg['rate_hz']:g} Hz from one caproto load IOC on loopback; "
        f"{cfg['points_per_curve']:,} points per curve ({cfg['buffered_points']:,} buffered); "
        f"plot view {cfg['plot_view_px'][0]}×{cfg['plot_view_px'][1]} px, Qt offscreen; "
        f"{env['cores']} cores ({env['cpu']}); "
        f"pydm {env['packages']['pydm']}, pyqtgraph {env['packages']['pyqtgraph']} "
        f"(one venv: both tools use the same pyqtgraph/PyQt5/numpy), "
        f"PyQt5 {env['packages']['PyQt5']}, numpy {env['packages']['numpy']}, "
        f"pyepics {env['packages']['pyepics']}, caproto {env['packages']['caproto']}."
        + (" **--quick run (short windows; indicative only).**" if cfg["quick"] else ""),
        "",
        f"## Redraw + paint per frame ({cfg['frames']} frames each; redraw, then "
        "`grab()` of the plot view)",
        "",
        "| Tool | Span | Points drawn (all curves) | Wall median ms | Wall p95 ms "
        "| CPU median ms | Redraw-only median ms | Paint-only median ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for tool, res in results["redraw"].items():
        tool = _label(tool)
        if "error" in res:
            lines.append(f"| {tool} | — | — | error: {res['error']} | | | | |")
            continue
        for label, fr in res["frames"].items():
            span = f"whole buffer ({fr['span_s']:.0f} s)" if label == "whole_buffer" else "5 min"
            lines.append(
                f"| {tool} | {span} | {fr['drawn_points']:,} of {fr['buffered_points']:,} | "
                f"{fr['wall_ms']['median']:.1f} | {fr['wall_ms']['p95']:.1f} | "
                f"{fr['cpu_ms']['median']:.1f} | {fr['redraw_only_ms_median']:.1f} | "
                f"{fr['paint_only_ms_median']:.1f} |")
    lines += [
        "",
        f"## CPU while scrolling ({cfg['duration_s']:g} s window after {cfg['warmup_s']:g} s "
        f"warm-up, full {cfg['points_per_curve']:,}-point buffers, "
        f"{cfg['cpu_span_s']:g} s span; one process per tool)",
        "",
        "| Run | Redraw rate | CPU % of one core | user / sys % | Updates/s received "
        "(expected) | Redraws/s | Paints/s | Peak RSS MB | IOC CPU % | Other host load % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run, res in results["cpu"].items():
        if "error" in res:
            lines.append(f"| {run} | error: {res['error']} | | | | | | | | |")
            continue
        c, s = res["cpu"], res["settings"]
        hz = s["redraw_hz"]
        rate = f"{hz:g} Hz"
        if run.startswith("pydm"):
            rate += " (PyDM default)" if run == "pydm-default" else " (= caprobe default)"
        else:
            rate += " (caprobe default)" if hz == 5 else " (= PyDM default)"
        lines.append(
            f"| {_label(run)} | {rate} | **{c['cpu_pct_of_one_core']:.1f}** | "
            f"{c['user_pct']:.1f} / {c['sys_pct']:.1f} | "
            f"{c['updates_per_s']:.1f} ({c['expected_updates_per_s']:g}) | "
            f"{c['redraws_per_s']:.2f} | {c['paints_per_s']:.2f} | {c['peak_rss_mb']:.0f} | "
            f"{c['ioc_cpu_pct_of_one_core']:.1f} | {c['other_load_pct_of_one_core']:.1f} |")
    lines += ["", "## Targets", "",
              "Targets: caprobe redraw + paint under 10 ms with 2M buffered points; caprobe "
              "CPU at most half of PyDM's. Rows marked *diagnostic* are not part of the "
              "targets.", ""]
    for name, t in results.get("targets", {}).items():
        if "met" in t:
            verdict = "MET" if t["met"] else "NOT MET"
            rates = f" ({t['rates']})" if t.get("rates") else ""
            lines.append(f"- {name}{rates}: {t['caprobe_pct']:.1f} % vs {t['pydm_pct']:.1f} % "
                         f"(ratio {t['ratio']:.2f}) — **{verdict}**")
        else:
            verdict = "MET" if t["met_median"] and t["met_p95"] else (
                "median met, p95 not" if t["met_median"] else "NOT MET")
            lines.append(f"- {name}: median {t['median_ms']:.1f} ms, p95 {t['p95_ms']:.1f} ms "
                         f"— **{verdict}**")
    pydm = results["cpu"].get("pydm-default", {}).get("settings", {})
    if pydm:
        d = pydm.get("defaults", {})
        lines += [
            "",
            "## Settings used",
            "",
            f"- PyDM: `PyDMTimePlot(plot_by_timestamps=True)`, update mode "
            f"{pydm.get('update_mode')} (default), data plugin {pydm.get('data_plugin')}, "
            f"`setBufferSize({pydm.get('capacity')})`, `setTimeSpan({cfg['cpu_span_s']:g})`; "
            f"its defaults are maxRedrawRate {d.get('maxRedrawRate_hz')} Hz, updateInterval "
            f"{d.get('updateInterval_s')} s (used only in AtFixedRate mode), timeSpan "
            f"{d.get('timeSpan_s')} s, bufferSize {d.get('bufferSize')}. Equal-rate runs: "
            "PyDM with `setMaxRedrawRate(5)` (= caprobe's default), and caprobe with "
            "`redraw_hz=1` (= PyDM's default). Line width "
            f"{pydm.get('line_width')} px (PyDM default).",
        ]
    cap = results["cpu"].get("caprobe-pyepics", {}).get("settings", {})
    if cap:
        lines.append(
            f"- caprobe: `StripChart(hub=ChannelHub(backend), capacity={cap.get('capacity')}, "
            f"redraw_hz={cap.get('redraw_hz'):g}, span={cfg['cpu_span_s']:g})`, line width "
            f"{cap.get('line_width')} px (caprobe default).")
    lines += [
        f"- Host load average at start {tuple(round(x, 2) for x in env['load_average_at_start'])}"
        f", at end {tuple(round(x, 2) for x in env.get('load_average_at_end', ()))}; "
        f"total run {env.get('total_run_s', 0):.0f} s.",
        "",
    ]
    return "\n".join(lines)


# =============================================================================
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="short run: 15 s CPU windows after 5 s warm-up, 20 frames")
    p.add_argument("--duration", type=float, default=None,
                   help="CPU measurement window per run, seconds (default 60; quick 15)")
    p.add_argument("--warmup", type=float, default=None,
                   help="warm-up before each CPU window, seconds (default 10; quick 5)")
    p.add_argument("--frames", type=int, default=None,
                   help="timed redraws per span (default 50; quick 20)")
    p.add_argument("--pvs", type=int, default=20)
    p.add_argument("--rate", type=float, default=10.0, help="updates/s per PV")
    p.add_argument("--points", type=int, default=100_000, help="buffer size per curve")
    p.add_argument("--width", type=int, default=1200, help="plot view width, px")
    p.add_argument("--height", type=int, default=700, help="plot view height, px")
    p.add_argument("--connect-timeout", type=float, default=30.0)
    p.add_argument("--no-diagnostics", action="store_true",
                   help="skip the diagnostic caprobe runs with 1 px lines")
    add_quiet_options(p)
    # worker-only options
    p.add_argument("--worker", choices=("redraw", "cpu"), help=argparse.SUPPRESS)
    p.add_argument("--worker-of", type=int, help=argparse.SUPPRESS)
    p.add_argument("--tool", choices=("caprobe-pyepics", "caprobe-caproto", "pydm"),
                   help=argparse.SUPPRESS)
    p.add_argument("--redraw-hz", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--span", type=float, default=300.0, help=argparse.SUPPRESS)
    p.add_argument("--result-file", help=argparse.SUPPRESS)
    p.add_argument("--line-width", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--ioc-pid", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.duration is None:
        args.duration = 15.0 if args.quick else 60.0
    if args.warmup is None:
        args.warmup = 5.0 if args.quick else 10.0
    if args.frames is None:
        args.frames = 20 if args.quick else 50
    return args


def main() -> int:
    args = parse_args()
    if args.worker:
        worker(args)
        return 0
    ensure_venv_and_reexec(Path(__file__), VENV_PACKAGES, VENV_IMPORTS)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally: stop the IOC
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())

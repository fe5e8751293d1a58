"""One measured run of the load benchmark: one tool, one scenario, one process.

Started by ``load_bench.py`` (never by hand) with the benchmark venv's
Python, next to a fresh load IOC (``load_softioc.py``)::

    load_worker.py --scenario labels --tool caprobe-pyepics --pvs 4000 ...

Scenarios: ``labels`` (N labels; also the storm and the soak, which only
differ in N and window), ``strip``, ``waveform``, ``connect``. Each writes one
JSON result file and leaves with ``os._exit`` (no CA/Qt teardown that could
hang); a watchdog writes the figures measured so far if the GUI thread
never gets back to finish the run.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # caprobe from this checkout, never an installed copy

LABEL_SIZE = (110, 18)  # px, for both tools: the same area to paint per label
PLOT_SIZE = (1200, 700)


def pv_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}pv{i:04d}" for i in range(count)]


class Run:
    """What every step of a run needs: the app, the tool, the instruments."""

    def __init__(self, args) -> None:
        from load_probes import IocLink, PaintedWindow, Sampler, Watchdog
        from load_tools import Recorder, make_tool
        from PyQt5.QtWidgets import QApplication

        self.args = args
        self.started = time.time()
        self.app = QApplication.instance() or QApplication([sys.argv[0]])
        count = 1 if args.scenario == "waveform" else args.pvs
        self.recorder = Recorder(count)
        self.tool = make_tool(args.tool, self.recorder)
        self.ioc = IocLink(args.control, args.status, args.ioc_pid)
        self.window = PaintedWindow()
        self.result: dict = {"tool": args.tool, "scenario": args.scenario, "pvs": count,
                             "rate_hz": args.rate, "pid": os.getpid()}
        self.heartbeat = None
        self.watchdog = Watchdog(time.monotonic() + args.deadline, args.result_file,
                                 self.snapshot)
        self.watchdog.start()
        self.sampler = Sampler(self.tool.gauges(), rss_limit_mb=args.rss_limit_mb,
                               on_limit=self.memory_exceeded)
        self.sampler.start()

    def stage(self, name: str) -> None:
        self.watchdog.stage = name
        print(f"[{time.time() - self.started:7.2f} s] {name}", flush=True)

    def loop(self, seconds: float) -> None:
        from load_probes import run_loop

        run_loop(self.app, seconds)

    def memory_exceeded(self, rss_mb: float) -> None:
        self.watchdog.abort(f"stopped at {rss_mb:,.0f} MB RSS (limit {self.args.rss_limit_mb:,.0f} "
                            f"MB), in stage: {self.watchdog.stage}")

    def snapshot(self) -> dict:
        """The result so far, with live counters (the watchdog calls this)."""
        out = dict(self.result)
        rec = self.recorder
        out["live"] = {"delivered": rec.delivered, "valued": rec.valued,
                       "connected": rec.connected, "finals": rec.finals,
                       "latency_so_far": rec.latency.summary_ms(),
                       "memory": self.sampler.memory(self.started, time.time())}
        if self.heartbeat is not None:
            out["live"]["heartbeat_so_far"] = self.heartbeat.summary(
                time.time() - self.result.get("window_started_at", time.time()))
        return out

    def finish(self) -> None:
        self.result["settings"] = self.tool.info()
        Path(self.args.result_file).write_text(json.dumps(self.result, indent=2, default=str))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


# =============================================================================
# Steps
# =============================================================================
def show_labels(run: Run, labels: list) -> None:
    from PyQt5.QtWidgets import QGridLayout

    # Columns for a roughly 16:9 window of fixed-size labels.
    columns = max(1, round(math.sqrt(len(labels) * 16 * LABEL_SIZE[1] / (9 * LABEL_SIZE[0]))))
    grid = QGridLayout(run.window)
    grid.setSpacing(2)
    grid.setContentsMargins(4, 4, 4, 4)
    for i, label in enumerate(labels):
        label.setFixedSize(*LABEL_SIZE)
        grid.addWidget(label, i // columns, i % columns)
    run.tool.style_window(run.window)
    run.window.show()
    run.result["window_px"] = [run.window.width(), run.window.height()]


def show_plot(run: Run, widget) -> None:
    from PyQt5.QtWidgets import QVBoxLayout

    layout = QVBoxLayout(run.window)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    run.window.resize(*PLOT_SIZE)
    run.tool.style_window(run.window)
    run.window.show()
    run.result["window_px"] = [run.window.width(), run.window.height()]


def wait_for_values(run: Run, started: float, built: float) -> dict:
    """Run until every PV's widget had a value (bounded); connection figures."""
    rec = run.recorder
    deadline = time.monotonic() + run.args.connect_timeout
    while rec.valued < rec.count and time.monotonic() < deadline:
        run.loop(0.05)

    def latest(times: list) -> float | None:
        got = [t for t in times if t is not None]
        return round(max(got) - started, 3) if len(got) == rec.count else None

    def median(times: list) -> float | None:
        got = sorted(t - started for t in times if t is not None)
        return round(got[len(got) // 2], 3) if got else None

    return {"build_s": round(built - started, 3),
            "all_connected_s": latest(rec.connected_at),
            "all_valued_s": latest(rec.first_value_at),
            "median_connected_s": median(rec.connected_at),
            "connected": rec.connected, "valued": rec.valued, "of": rec.count}


def measure(run: Run, seconds: float) -> dict:
    """The measurement window: heartbeat, latency, rates, CPU, memory."""
    from load_probes import CpuSnapshot, Heartbeat

    rec, tool, window = run.recorder, run.tool, run.window
    run.heartbeat = Heartbeat(10)
    rec.start_window()
    status0 = run.ioc.status()
    cpu0 = CpuSnapshot(run.ioc.process)
    received0, delivered0 = tool.received(), rec.delivered
    frames0, redraws0 = window.frames, tool.redraws()
    t0 = run.result["window_started_at"] = time.time()
    run.heartbeat.start()
    run.loop(seconds)
    run.heartbeat.stop()
    t1 = time.time()
    cpu1 = CpuSnapshot(run.ioc.process)
    status1 = run.ioc.status()
    rec.measuring = False
    wall = t1 - t0
    ioc_wall = max(1e-9, status1.get("t", 0) - status0.get("t", 0))
    offered_key = "wave_updates" if run.args.scenario == "waveform" else "updates_posted"
    offered = (status1.get(offered_key, 0) - status0.get(offered_key, 0)) / ioc_wall
    received = (tool.received() - received0) / wall
    delivered = (rec.delivered - delivered0) / wall
    figures = {
        "window_s": round(wall, 2),
        "heartbeat": run.heartbeat.summary(wall),
        "latency": rec.latency.summary_ms(),
        "updates": {"offered_per_s": round(offered, 1), "received_per_s": round(received, 1),
                    "delivered_to_widgets_per_s": round(delivered, 1),
                    "received_over_offered": round(received / offered, 4) if offered else None,
                    "dropped_samples": tool.dropped()},
        "cpu": CpuSnapshot.compare(cpu0, cpu1),
        "memory": run.sampler.memory(t0, t1),
        "window_repaints_per_s": round((window.frames - frames0) / wall, 2),
    }
    if rec.server_ts_latency.count:
        figures["latency_from_server_timestamp"] = rec.server_ts_latency.summary_ms()
    redraws1 = tool.redraws()
    if redraws1 is not None:
        figures["redraws_per_s"] = round((redraws1 - redraws0) / wall, 2)
    for gauge in tool.gauges():
        figures.setdefault("backlog_max", {})[gauge] = run.sampler.gauge_max(gauge, t0, t1)
    return figures


def final_values_on_screen(run: Run, labels: list) -> dict:
    """Stop the storm; how long until every label shows its PV's final value, painted.

    The IOC gives every PV one last value, ``-1 - index``. Done is the end
    of the first window repaint after every label's slot has had its final
    value; "frames" counts the repaints from the first final value's
    arrival to that one (1: everything landed in one frame).
    """
    rec, window = run.recorder, run.window
    state: dict = {}

    def note_first_final() -> None:
        state["frames_at_first_final"] = window.frames

    def after_frame() -> None:
        if rec.finals == rec.count and "shown_at" not in state:
            state["shown_at"] = window.last_frame_end
            state["frames"] = window.frames - state.get("frames_at_first_final", window.frames)
            run.app.quit()

    rec.on_first_final = note_first_final
    window.after_frame.append(after_frame)
    seq = run.ioc.send("stop")
    run.loop(run.args.final_timeout)
    window.after_frame.remove(after_frame)
    stop = run.ioc.wait_stop(seq)
    posted = stop.get("final_posted_at")
    shown = sum(_shows(label, -1.0 - i) for i, label in enumerate(labels))

    def since_posted(t: float | None) -> float | None:
        return round(1e3 * (t - posted), 1) if t is not None and posted else None

    return {"labels": rec.count, "final_values_delivered": rec.finals,
            "labels_showing_final_value": shown,
            "all_on_screen_ms_after_ioc": since_posted(state.get("shown_at")),
            "first_delivered_ms_after_ioc": since_posted(rec.first_final_at),
            "last_delivered_ms_after_ioc": since_posted(rec.last_final_at),
            "repaints_until_all_shown": state.get("frames"),
            "ioc_stop": stop}


def _shows(label, expected: float) -> bool:
    try:
        return abs(float(label.text().split()[0]) - expected) < 1e-6
    except (ValueError, IndexError):
        return False


# =============================================================================
# Scenarios
# =============================================================================
def scenario_labels(run: Run) -> None:
    args = run.args
    labels = open_labels(run, "waiting for values")
    run.stage("warm-up")
    run.loop(args.warmup)
    run.stage("measuring")
    run.result["window"] = measure(run, args.duration)
    run.stage("stopping the storm")
    run.result["final"] = final_values_on_screen(run, labels)


def scenario_connect(run: Run) -> None:
    open_labels(run, "waiting for connections")


def open_labels(run: Run, waiting: str) -> list:
    """Build and show one label per PV, then wait for every first value (timed)."""
    names = pv_names(run.args.prefix, run.args.pvs)
    run.stage("building labels")
    started = time.time()
    labels = run.tool.build_labels(names)
    built = time.time()
    show_labels(run, labels)
    run.stage(waiting)
    run.result["connect"] = wait_for_values(run, started, built)
    return labels


def scenario_strip(run: Run) -> None:
    args = run.args
    names = pv_names(args.prefix, args.pvs)
    run.stage("building the strip chart")
    started = time.time()
    chart = run.tool.build_strip(names, args.span, args.capacity, args.redraw_hz)
    built = time.time()
    measure_plot(run, chart, started, built)


def measure_plot(run: Run, plot, started: float, built: float) -> None:
    """The common run of the plot scenarios once their widget is built: show, wait, measure."""
    args = run.args
    show_plot(run, plot)
    run.stage("waiting for values")
    run.result["connect"] = wait_for_values(run, started, built)
    run.stage("warm-up")
    run.loop(args.warmup)
    run.stage("measuring")
    run.result["window"] = measure(run, args.duration)


def scenario_waveform(run: Run) -> None:
    args = run.args
    run.stage("building the waveform plot")
    started = time.time()
    plot = run.tool.build_waveform(f"{args.prefix}wave")
    built = time.time()
    measure_plot(run, plot, started, built)


SCENARIOS = {"labels": scenario_labels, "connect": scenario_connect,
             "strip": scenario_strip, "waveform": scenario_waveform}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", choices=sorted(SCENARIOS), required=True)
    p.add_argument("--tool", choices=("caprobe-pyepics", "caprobe-caproto", "pydm"),
                   required=True)
    p.add_argument("--prefix", default="bench:")
    p.add_argument("--pvs", type=int, default=100)
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--connect-timeout", type=float, default=60.0)
    p.add_argument("--final-timeout", type=float, default=15.0)
    p.add_argument("--span", type=float, default=300.0)
    p.add_argument("--capacity", type=int, default=100_000)
    p.add_argument("--redraw-hz", type=float, default=5.0)
    p.add_argument("--control", required=True)
    p.add_argument("--status", required=True)
    p.add_argument("--ioc-pid", type=int, default=0)
    p.add_argument("--result-file", required=True)
    p.add_argument("--rss-limit-mb", type=float, default=2500.0,
                   help="end the run (with the figures so far) beyond this resident memory")
    p.add_argument("--deadline", type=float, required=True,
                   help="seconds after start at which the watchdog ends the run")
    return p.parse_args(argv)


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args = parse_args()
    run = Run(args)
    SCENARIOS[args.scenario](run)
    run.stage("done")
    run.finish()


if __name__ == "__main__":
    main()

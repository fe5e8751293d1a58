#!/usr/bin/env python3
"""Load benchmark: caprobe (pyepics and caproto backends) against PyDM under CA load.

One command runs everything (see benchmarks/README.md)::

    python3 benchmarks/load_bench.py            # full run, about 25 minutes
    python3 benchmarks/load_bench.py --quick    # smoke run of every scenario, about 7 minutes
    python3 benchmarks/load_bench.py --soak     # 4000 PVs x 10 Hz for 10 minutes (memory)
    python3 benchmarks/load_bench.py --only labels,connect --tools caprobe-pyepics,pydm

Like ``strip_chart_bench.py``, it re-executes itself in ``benchmarks/.venv-pydm``
(adding pythonSoftIOC to that venv) and imports caprobe from this checkout.

Scenarios, each for caprobe on ``ChannelHub("pyepics")``, caprobe on
``ChannelHub("caproto")`` and PyDM with its default ``ca://`` plugin:

* ``labels``: N scalar PVs at 10 Hz in labels, N = 100, 1000, 2000, 4000;
* ``strip``: 20 strip-chart curves at 10 Hz (latency and responsiveness);
* ``waveform``: one 1,000,000-element double waveform at 2 Hz;
* ``storm``: 1000 PVs x 10 Hz = 10,000 updates/s in labels for 60 s (memory);
* ``cold_start``: process start to the first paint of a window showing a live value;
* ``connect``: 1000 labels, from creating them to all connected;
* ``soak`` (only with ``--soak``): the 4000-label run for 600 s.

Every run is its own worker process (``load_worker.py``, ``cold_start_worker.py``)
next to its own fresh load IOC (``load_softioc.py``) on a free loopback port;
both are stopped by PID and every wait is bounded in time. Results:
``benchmarks/results/load.json`` and ``load.md`` (``load_quick.*`` for --quick).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_common import (
    HERE,
    LOGS,
    RESULTS,
    VENV,
    LoopbackIoc,
    add_quiet_options,
    ensure_venv_and_reexec,
    environment_info,
    run_worker_process,
    wait_quiet,
)

VENV_PACKAGES = ["pydm", "pyepics", "caproto", "PyQt5", "pyqtgraph", "numpy", "psutil",
                 "softioc"]
VENV_IMPORTS = "import pydm, epics, caproto, PyQt5, pyqtgraph, numpy, psutil, softioc"
TOOLS = ("caprobe-pyepics", "caprobe-caproto", "pydm")
SCENARIOS = ("labels", "strip", "waveform", "storm", "cold_start", "connect")
PREFIX = "bench:"
RATE_HZ = 10.0
# Large enough for the 1,000,000-element waveform (8 MB) in libca and RSRV.
MAX_ARRAY_BYTES = "20000000"
CAPROBE_SOURCES = ("caprobe/bridge/hub.py", "caprobe/bridge/inbox.py",
                   "caprobe/bridge/channel.py", "caprobe/ca/pyepics_backend.py",
                   "caprobe/ca/caproto_backend.py", "caprobe/ca/worker.py",
                   "caprobe/widgets/pv_display.py", "caprobe/widgets/pv_widget.py",
                   "caprobe/widgets/strip_chart.py", "caprobe/widgets/strip_curve.py",
                   "caprobe/widgets/waveform_plot.py", "caprobe/widgets/probe.py",
                   "caprobe/app/main_window.py")


# =============================================================================
# What to run
# =============================================================================
@dataclass
class Settings:
    label_counts: list[int]
    warmup_s: float
    window_s: float
    storm_pvs: int
    storm_warmup_s: float
    storm_window_s: float
    strip_pvs: int = 20
    strip_capacity: int = 100_000
    strip_span_s: float = 300.0
    strip_redraw_hz: float = 5.0  # caprobe's default; PyDM is set to the same
    wave_elements: int = 1_000_000
    wave_rate_hz: float = 2.0
    connect_pvs: int = 1000
    connect_repeats: int = 3
    cold_start_repeats: int = 5
    soak_pvs: int = 4000
    soak_window_s: float = 600.0
    connect_timeout_s: float = 45.0
    final_timeout_s: float = 15.0
    quick: bool = False

    @classmethod
    def from_args(cls, args) -> Settings:
        if args.quick:
            s = cls(label_counts=[100, 1000], warmup_s=3.0, window_s=8.0, storm_pvs=1000,
                    storm_warmup_s=3.0, storm_window_s=20.0, connect_repeats=1,
                    cold_start_repeats=2, quick=True)
        else:
            s = cls(label_counts=[100, 1000, 2000, 4000], warmup_s=5.0, window_s=30.0,
                    storm_pvs=1000, storm_warmup_s=10.0, storm_window_s=60.0)
        if args.label_counts:
            s.label_counts = [int(n) for n in args.label_counts.split(",")]
        if args.window:
            s.window_s = args.window
        if args.soak_seconds:
            s.soak_window_s = args.soak_seconds
        s.connect_timeout_s = args.connect_timeout
        return s


@dataclass
class RunSpec:
    """One worker process and the IOC it runs against."""

    scenario: str
    group: str  # e.g. "4000" (labels), "1000" (storm); one table per group
    tool: str
    ioc_args: list[str]
    worker_args: list[str] = field(default_factory=list)
    timeout_s: float = 120.0

    @property
    def name(self) -> str:
        return f"load_{self.scenario}_{self.group}_{self.tool}"


def window_runs(settings: Settings, scenario: str, tools) -> list[RunSpec]:
    """The specs of the scenarios that measure a window (labels, storm, strip, waveform, soak)."""
    s = settings
    common = ["--rate", str(RATE_HZ), "--connect-timeout", str(s.connect_timeout_s),
              "--final-timeout", str(s.final_timeout_s)]

    def spec(group, tool, ioc_args, worker_args, warmup, window):
        timeout = s.connect_timeout_s + warmup + window + s.final_timeout_s + 60
        return RunSpec(scenario, group, tool, ioc_args,
                       [*common, "--warmup", str(warmup), "--duration", str(window),
                        *worker_args], timeout)

    def labels(n, warmup, window):
        return [spec(str(n), tool, ["--count", str(n)],
                     ["--scenario", "labels", "--pvs", str(n)], warmup, window)
                for tool in tools]

    if scenario == "labels":
        return [r for n in s.label_counts for r in labels(n, s.warmup_s, s.window_s)]
    if scenario == "storm":
        return labels(s.storm_pvs, s.storm_warmup_s, s.storm_window_s)
    if scenario == "soak":
        return labels(s.soak_pvs, s.storm_warmup_s, s.soak_window_s)
    if scenario == "strip":
        return [spec(str(s.strip_pvs), tool, ["--count", str(s.strip_pvs)],
                     ["--scenario", "strip", "--pvs", str(s.strip_pvs),
                      "--span", str(s.strip_span_s), "--capacity", str(s.strip_capacity),
                      "--redraw-hz", str(s.strip_redraw_hz)], s.warmup_s, s.window_s)
                for tool in tools]
    if scenario == "waveform":
        return [spec(f"{s.wave_elements}", tool,
                     ["--count", "0", "--wave-elements", str(s.wave_elements),
                      "--wave-rate", str(s.wave_rate_hz)],
                     ["--scenario", "waveform"], s.warmup_s, s.window_s)
                for tool in tools]
    raise ValueError(scenario)


def connect_runs(settings: Settings, tools) -> list[RunSpec]:
    n = settings.connect_pvs
    return [RunSpec("connect", f"{n}-{repeat}", tool, ["--count", str(n)],
                    ["--scenario", "connect", "--pvs", str(n), "--rate", str(RATE_HZ),
                     "--connect-timeout", str(settings.connect_timeout_s)],
                    settings.connect_timeout_s + 60)
            for repeat in range(settings.connect_repeats) for tool in tools]


# =============================================================================
# Running
# =============================================================================
def start_ioc(spec: RunSpec, max_seconds: float) -> tuple[LoopbackIoc, Path, Path]:
    control = LOGS / f"{spec.name}.control"
    status = LOGS / f"{spec.name}.status.json"
    control.unlink(missing_ok=True)
    status.unlink(missing_ok=True)
    ioc = LoopbackIoc(HERE / "load_softioc.py",
                      ["--prefix", PREFIX, "--rate", str(RATE_HZ), *spec.ioc_args,
                       "--control", str(control), "--status", str(status),
                       "--max-seconds", str(max_seconds)],
                      LOGS / f"{spec.name}.ioc.log", PREFIX + "ready",
                      extra_env={"EPICS_CA_MAX_ARRAY_BYTES": MAX_ARRAY_BYTES})
    return ioc, control, status


def run_window_spec(spec: RunSpec, args) -> dict:
    """A fresh IOC, a quiet host if possible, then the worker; everything stopped after."""
    ioc, control, status = start_ioc(spec, spec.timeout_s + 60)
    try:
        ioc.wait_ready()
        host_before = wait_quiet(ioc.proc.pid, args.quiet_wait, args.quiet_threshold)
        result_file = LOGS / f"{spec.name}.json"
        cmd = [sys.executable, str(HERE / "load_worker.py"), "--tool", spec.tool,
               "--prefix", PREFIX, *spec.worker_args,
               "--control", str(control), "--status", str(status),
               "--ioc-pid", str(ioc.proc.pid), "--result-file", str(result_file),
               "--deadline", str(spec.timeout_s - 20)]
        result = run_worker_process(spec.name, cmd, ioc.env, spec.timeout_s, result_file)
        result["host_before"] = host_before
        result["ioc_port"] = ioc.port
        return result
    except Exception as exc:  # noqa: BLE001 (one broken run must not stop the others)
        print(f"  {spec.name}: {exc}", flush=True)
        return {"error": str(exc)}
    finally:
        ioc.stop()


def cold_start_env(ioc_env: dict) -> dict:
    """Byte code cached as an installed program has it, outside the checkout.

    The host may set PYTHONDONTWRITEBYTECODE (then every start compiles
    caprobe from source); a private pycache prefix lets the untimed first
    start fill a cache without writing into the source tree.
    """
    env = dict(ioc_env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(VENV / "pycache-cold-start")
    return env


def run_cold_starts(settings: Settings, tools, args) -> dict:
    """Per tool: one untimed start (caches), then ``cold_start_repeats`` timed ones."""
    spec = RunSpec("cold_start", "1", "all", ["--count", "1"])
    ioc, _control, _status = start_ioc(spec, 600)
    out: dict = {}
    try:
        ioc.wait_ready()
        env = cold_start_env(ioc.env)
        for tool in tools:
            wait_quiet(ioc.proc.pid, args.quiet_wait, args.quiet_threshold)
            runs = []
            for repeat in range(settings.cold_start_repeats + 1):
                name = f"load_cold_start_{tool}_{repeat}"
                result_file = LOGS / f"{name}.json"
                cmd = [sys.executable, str(HERE / "cold_start_worker.py"), tool,
                       f"{PREFIX}pv0000", str(result_file), repr(time.time())]
                result = run_worker_process(name, cmd, env, 60, result_file)
                if repeat > 0:  # the first start only fills caches
                    runs.append(result)
            out[tool] = summarize_cold_starts(runs)
    finally:
        ioc.stop()
    return out


def summarize_cold_starts(runs: list[dict]) -> dict:
    good = [r for r in runs if "painted_value_from_spawn_s" in r]
    summary: dict = {"runs": runs, "measured": len(good), "of": len(runs)}
    if good:
        for key in ("painted_value_from_spawn_s", "painted_value_from_first_line_s",
                    "imported_s", "shown_s", "value_arrived_s"):
            values = [r[key] for r in good if key in r]
            if values:
                summary[f"median_{key}"] = round(statistics.median(values), 3)
                summary[f"max_{key}"] = round(max(values), 3)
    return summary


def summarize_connects(results: list[dict]) -> dict:
    connects = [r.get("connect", {}) for r in results if "error" not in r]
    summary: dict = {"runs": results}
    for key in ("all_connected_s", "all_valued_s", "build_s", "median_connected_s"):
        values = [c[key] for c in connects if c.get(key) is not None]
        if values:
            summary[f"median_{key}"] = round(statistics.median(values), 3)
            summary[f"max_{key}"] = round(max(values), 3)
    summary["complete_runs"] = sum(c.get("connected") == c.get("of") for c in connects)
    return summary


def run_scenario(scenario: str, settings: Settings, tools, args) -> dict:
    print(f"{scenario}:", flush=True)
    if scenario == "cold_start":
        return run_cold_starts(settings, tools, args)
    if scenario == "connect":
        by_tool: dict = {tool: [] for tool in tools}
        for spec in connect_runs(settings, tools):
            by_tool[spec.tool].append(run_window_spec(spec, args))
        return {tool: summarize_connects(runs) for tool, runs in by_tool.items()}
    out: dict = {}
    for spec in window_runs(settings, scenario, tools):
        out.setdefault(spec.group, {})[spec.tool] = run_window_spec(spec, args)
    return out


# =============================================================================
# Targets
# =============================================================================
def _window(results: dict, scenario: str, group: str, tool: str) -> dict | None:
    run = results.get("scenarios", {}).get(scenario, {}).get(group, {}).get(tool)
    if not run or "window" not in run:
        return None
    return run


def _ratio(mine, ref) -> str:
    if mine is None or not ref:
        return ""
    return f"; PyDM {ref:g} (×{mine / ref:.2f})"


def label_targets(results: dict, tool: str, pvs: int) -> list[dict]:
    """The four label targets of one backend at its required number of PVs."""
    where = f"{tool}, {pvs} labels × 10 Hz"
    run = results.get("scenarios", {}).get("labels", {}).get(str(pvs), {}).get(tool)
    if run is None or "window" not in run:
        return [{"target": f"{where}: the four label targets",
                 "figure": _status(run) or "not measured", "met": False}]
    w, final = run["window"], run.get("final", {})
    pydm = _window(results, "labels", str(pvs), "pydm")
    pw = pydm["window"] if pydm else {}
    hb, lat = w["heartbeat"], w["latency"]
    kept_up = w["updates"].get("received_over_offered")
    note = f" (received/offered {kept_up:.3f})" if kept_up is not None else ""
    repaints = final.get("repaints_until_all_shown")
    shown_ms = final.get("all_on_screen_ms_after_ioc")
    return [
        {"target": f"{where}: heartbeat p99 stall < 30 ms",
         "figure": f"{hb['p99_stall_ms']} ms"
                   + _ratio(hb["p99_stall_ms"], pw.get("heartbeat", {}).get("p99_stall_ms")),
         "met": hb["p99_stall_ms"] is not None and hb["p99_stall_ms"] < 30},
        {"target": f"{where}: heartbeat worst stall < 100 ms",
         "figure": f"{hb['worst_stall_ms']} ms"
                   + _ratio(hb["worst_stall_ms"], pw.get("heartbeat", {}).get("worst_stall_ms")),
         "met": hb["worst_stall_ms"] is not None and hb["worst_stall_ms"] < 100},
        {"target": f"{where}: latency p99 < 100 ms (and ≥ 99 % of the updates received)",
         "figure": f"{lat['p99_ms']} ms" + note
                   + _ratio(lat["p99_ms"], pw.get("latency", {}).get("p99_ms")),
         "met": lat["p99_ms"] is not None and lat["p99_ms"] < 100
                and (kept_up or 0) > 0.99},
        {"target": f"{where}: every latest value on screen within one frame after the storm",
         "figure": (f"{final.get('labels_showing_final_value')} of {final.get('labels')} shown "
                    f"within the {Settings.final_timeout_s:g} s limit" if shown_ms is None else
                    f"all shown {shown_ms} ms after the IOC's last update, in {repaints} "
                    "repaint(s)"),
         "met": repaints == 1 and final.get("labels_showing_final_value") == final.get("labels")},
    ]


def memory_target(results: dict) -> dict:
    soak = _window(results, "soak", str(Settings.soak_pvs), "caprobe-pyepics")
    if soak is not None:
        mem = soak["window"]["memory"]
        minutes = soak["window"]["window_s"] / 60
        return {"target": "memory growth < 50 MB over a 10-minute run (soak, 4000 PVs, pyepics)",
                "figure": f"{mem.get('growth_mb')} MB over {minutes:.1f} min "
                          f"({mem.get('growth_mb_per_min')} MB/min)",
                "met": mem.get("growth_mb") is not None and mem["growth_mb"] < 50}
    # The target's own configuration first (4000 labels), then the longer storm window.
    for scenario, group in (("labels", "4000"), ("storm", "1000")):
        run = _window(results, scenario, group, "caprobe-pyepics")
        if run is not None and run["window"]["memory"].get("growth_mb_per_min") is not None:
            rate = run["window"]["memory"]["growth_mb_per_min"]
            return {"target": "memory growth < 50 MB over a 10-minute run "
                              "(projected: no --soak result)",
                    "figure": f"{rate} MB/min in the {run['window']['window_s']:.0f} s {scenario} "
                              f"window ({group} PVs) → {10 * rate:.1f} MB per 10 min",
                    "met": 10 * rate < 50, "projected": True}
    return {"target": "memory growth < 50 MB over a 10-minute run", "figure": "not measured",
            "met": False}


def median_targets(results: dict, scenario: str, key: str, target: str, limit: float,
                   detail) -> list[dict]:
    """One target per caprobe backend judged on the median of ``key`` over the repeats."""
    figures = results.get("scenarios", {}).get(scenario, {})
    pydm = figures.get("pydm", {}).get(f"median_{key}")
    out = []
    for tool in ("caprobe-pyepics", "caprobe-caproto"):
        c = figures.get(tool, {})
        median = c.get(f"median_{key}")
        out.append({"target": f"{tool}: {target} < {limit:g} s",
                    "figure": "not measured" if median is None else
                    f"median {median} s, max {c.get(f'max_{key}')} s "
                    + detail(c) + _ratio(median, pydm),
                    "met": median is not None and median < limit})
    return out


def cold_start_targets(results: dict) -> list[dict]:
    return median_targets(results, "cold_start", "painted_value_from_spawn_s",
                          "cold start to a painted probe window", 1.5,
                          lambda c: f"from process start ({c.get('measured')} of {c.get('of')} runs)")


def connect_targets(results: dict) -> list[dict]:
    return median_targets(results, "connect", "all_connected_s", "1,000 PVs connected", 2.0,
                          lambda c: f"(all valued: median {c.get('median_all_valued_s')} s)")


def evaluate_targets(results: dict) -> list[dict]:
    return [*label_targets(results, "caprobe-pyepics", 4000),
            *label_targets(results, "caprobe-caproto", 2000),
            memory_target(results), *cold_start_targets(results), *connect_targets(results)]


# =============================================================================
# Markdown
# =============================================================================
def _get(run: dict, *path):
    value = run
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


# (row label, path into a worker result, lower is better?)
WINDOW_ROWS = [
    ("Heartbeat stall p99 ms", ("window", "heartbeat", "p99_stall_ms"), True),
    ("Heartbeat stall worst ms", ("window", "heartbeat", "worst_stall_ms"), True),
    ("Latency p50 ms (IOC → widget slot)", ("window", "latency", "p50_ms"), True),
    ("Latency p99 ms", ("window", "latency", "p99_ms"), True),
    ("Latency max ms", ("window", "latency", "max_ms"), True),
    ("Latency p99 ms from the CA time stamp (caprobe)",
     ("window", "latency_from_server_timestamp", "p99_ms"), None),
    ("Updates offered/s (IOC)", ("window", "updates", "offered_per_s"), None),
    ("Updates received/s (client)", ("window", "updates", "received_per_s"), None),
    ("Received / offered", ("window", "updates", "received_over_offered"), None),
    ("Widget deliveries/s", ("window", "updates", "delivered_to_widgets_per_s"), None),
    ("CPU % of one core (process)", ("window", "cpu", "process_pct"), True),
    ("… of which GUI thread %", ("window", "cpu", "gui_thread_pct"), True),
    ("Peak RSS MB", ("window", "memory", "peak_rss_mb"), True),
    ("RSS growth in window MB", ("window", "memory", "growth_mb"), True),
    ("RSS growth MB/min (fit)", ("window", "memory", "growth_mb_per_min"), True),
    ("Window repaints/s", ("window", "window_repaints_per_s"), None),
    ("Redraws/s", ("window", "redraws_per_s"), None),
    ("Dropped samples", ("window", "updates", "dropped_samples"), None),
    ("All final values on screen, ms after IOC", ("final", "all_on_screen_ms_after_ioc"), True),
    ("… repaints until all shown", ("final", "repaints_until_all_shown"), True),
    ("All widgets had a value, s after creation", ("connect", "all_valued_s"), True),
    ("Widgets with a value when the window began", ("connect", "valued"), None),
    ("IOC CPU %", ("window", "cpu", "ioc_pct"), None),
    ("Other host load, % of a core", ("window", "cpu", "host_other_pct"), None),
]


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if abs(value) < 1:
            return f"{value:.3f}"
        return f"{value:.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _status(run: dict | None) -> str | None:
    if run is None:
        return "not run"
    if "error" in run:
        return f"error: {run['error']}"
    if "incomplete" in run:
        return (f"**did not finish**: {run['incomplete']} (figures marked by this note are "
                "those measured until then)")
    return None


def _displayed(run: dict | None) -> dict | None:
    """A run as the table shows it: an unfinished one with the figures it had so far."""
    if run is None or "window" in run or "live" not in run:
        return run
    live = run["live"]
    heartbeat = live.get("heartbeat_so_far") or {}
    window = {"heartbeat": heartbeat, "latency": live.get("latency_so_far") or {},
              "memory": live.get("memory") or {}}
    return {**run, "window": window}


def window_table(runs: dict[str, dict], tools) -> list[str]:
    """Metrics as rows, tools side by side, and each caprobe backend's ratio to PyDM."""
    runs = {tool: _displayed(run) for tool, run in runs.items()}
    tools = [t for t in tools if t in runs]  # the soak runs one tool only
    caprobes = [t for t in tools if t != "pydm"]
    with_pydm = "pydm" in tools
    head = ["Figure", *tools] + ([f"{t} / PyDM" for t in caprobes] if with_pydm else [])
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    notes = []
    for tool in tools:
        status = _status(runs.get(tool))
        if status:
            notes.append(f"- {tool}: {status}")
    for label, path, lower_better in WINDOW_ROWS:
        values = {t: _get(runs.get(t) or {}, *path) for t in tools}
        if all(v is None for v in values.values()):
            continue
        row = [label, *(_fmt(values[t]) for t in tools)]
        if with_pydm:
            ref = values["pydm"]
            for t in caprobes:
                mine = values[t]
                ok = lower_better is not None and isinstance(mine, (int, float)) \
                    and isinstance(ref, (int, float)) and ref
                row.append(f"×{mine / ref:.2f}" if ok else "")
        lines.append("| " + " | ".join(row) + " |")
    return lines + ([""] + notes if notes else [])


def cold_start_table(cold: dict, tools) -> list[str]:
    lines = [("| Tool | Painted value from process start, median s | max s | "
              "from first line, median s | imports done s | window shown s | value arrived s |"),
             "|---|---:|---:|---:|---:|---:|---:|"]
    for tool in tools:
        c = cold.get(tool)
        if not c:
            continue
        lines.append(f"| {tool} | {_fmt(c.get('median_painted_value_from_spawn_s'))} | "
                     f"{_fmt(c.get('max_painted_value_from_spawn_s'))} | "
                     f"{_fmt(c.get('median_painted_value_from_first_line_s'))} | "
                     f"{_fmt(c.get('median_imported_s'))} | {_fmt(c.get('median_shown_s'))} | "
                     f"{_fmt(c.get('median_value_arrived_s'))} |")
    return lines


def connect_table(conn: dict, tools) -> list[str]:
    lines = [("| Tool | All connected, median s | max s | All had a value, median s | "
              "Creating the labels, median s | Complete runs |"),
             "|---|---:|---:|---:|---:|---:|"]
    for tool in tools:
        c = conn.get(tool)
        if not c:
            continue
        lines.append(f"| {tool} | {_fmt(c.get('median_all_connected_s'))} | "
                     f"{_fmt(c.get('max_all_connected_s'))} | "
                     f"{_fmt(c.get('median_all_valued_s'))} | {_fmt(c.get('median_build_s'))} | "
                     f"{c.get('complete_runs')} of {len(c.get('runs', []))} |")
    return lines


SCENARIO_TITLES = {
    "labels": "Labels: N scalar PVs × 10 Hz",
    "storm": "Storm: 10,000 updates/s in labels",
    "soak": "Soak: 4000 labels × 10 Hz, long run",
    "strip": "Strip chart: 20 curves × 10 Hz (caprobe `StripChart`, PyDM `PyDMTimePlot`, "
             "both 5 Hz redraw, 300 s span, 100,000-point buffers)",
    "waveform": "Waveform: 1,000,000 doubles at 2 Hz (caprobe `WaveformPlot`, "
                "PyDM `PyDMWaveformPlot`)",
}


def _other_commits(results: dict, head: str | None) -> str:
    """Scenarios a partial run kept from an earlier commit, named with it."""
    older = {}
    for scenario, commit in results.get("scenario_commits", {}).items():
        if commit != head:
            older.setdefault((commit or "?")[:10], []).append(scenario)
    if not older:
        return ""
    return " (" + "; ".join(f"{', '.join(names)} measured on {commit}"
                            for commit, names in older.items()) + ")"


def render_markdown(results: dict) -> str:
    env, cfg = results["environment"], results["settings"]
    tools = [t for t in TOOLS if t in results.get("tools", TOOLS)]
    lines = ["# Load benchmark: caprobe (pyepics, caproto) vs PyDM", "",
             f"{env['cores']} cores ({env['cpu']}), Qt offscreen; pydm "
             f"{env['packages'].get('pydm')}, pyepics {env['packages'].get('pyepics')}, caproto "
             f"{env['packages'].get('caproto')}, PyQt5 {env['packages'].get('PyQt5')}, pyqtgraph "
             f"{env['packages'].get('pyqtgraph')}, load IOC pythonSoftIOC "
             f"{env['packages'].get('softioc')} (records processed in C, values posted in "
             f"10 groups spread over each 100 ms). caprobe HEAD "
             f"{(env.get('caprobe_head_commit') or '?')[:10]} plus working tree"
             + _other_commits(results, env.get("caprobe_head_commit")) + "."
             + (" **--quick run: short windows, indicative only.**" if cfg.get("quick") else ""),
             "", ("Latency: from the moment the IOC made a value (encoded in the value) to the "
                  "widget's slot. Heartbeat: a 10 ms timer on the GUI thread; stall = interval "
                  "− 10 ms. CPU: the whole client process (all threads), % of one core."), ""]
    lines += ["## Targets", "", "| Target | Figure | Verdict |", "|---|---|---|"]
    for t in results.get("targets", []):
        verdict = "**met**" if t["met"] else "**missed**"
        lines.append(f"| {t['target']} | {t['figure']} | {verdict} |")
    scenarios = results.get("scenarios", {})
    for scenario in ("labels", "storm", "soak", "strip", "waveform"):
        for group, runs in scenarios.get(scenario, {}).items():
            title = SCENARIO_TITLES[scenario]
            if scenario == "labels":
                title = title.replace("N scalar", f"{int(group):,} scalar")
            lines += ["", f"## {title}", ""] + window_table(runs, tools)
    if "cold_start" in scenarios:
        title = "## Cold start: process start → first paint of a window showing a live value"
        lines += ["", title, "", *cold_start_table(scenarios["cold_start"], tools)]
    if "connect" in scenarios:
        title = f"## Connecting {Settings.connect_pvs:,} PVs (labels): creation → all connected"
        lines += ["", title, "", *connect_table(scenarios["connect"], tools)]
    load = tuple(round(x, 2) for x in env["load_average_at_start"])
    footer = (f"Run {results.get('finished_utc', '?')}; host load average at start {load}. "
              f"Settings: `{json.dumps(cfg)}`")
    lines += ["", footer, ""]
    return "\n".join(lines)


# =============================================================================
# Orchestrator
# =============================================================================
def output_paths(quick: bool) -> tuple[Path, Path]:
    stem = "load_quick" if quick else "load"
    return RESULTS / f"{stem}.json", RESULTS / f"{stem}.md"


def previous_results(path: Path) -> dict:
    """An earlier run's results, to merge a partial (--only / --soak) run into."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def render_only(args) -> int:
    """Targets and markdown again from the JSON of an earlier run (no measurement)."""
    json_path, md_path = output_paths(args.quick)
    results = previous_results(json_path)
    if not results:
        print(f"no results in {json_path}", file=sys.stderr)
        return 1
    results["targets"] = evaluate_targets(results)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    md_path.write_text(render_markdown(results))
    print(f"written: {md_path}")
    return 0


def orchestrate(args) -> int:
    RESULTS.mkdir(exist_ok=True)
    LOGS.mkdir(exist_ok=True)
    settings = Settings.from_args(args)
    tools = [t for t in TOOLS if t in args.tools.split(",")]
    scenarios = ["soak"] if args.soak else [s for s in SCENARIOS if s in args.only.split(",")]
    if args.soak and args.tools == ",".join(TOOLS):
        tools = ["caprobe-pyepics"]  # the soak target is about caprobe on pyepics
    json_path, md_path = output_paths(settings.quick)
    partial = args.soak or set(scenarios) != set(SCENARIOS)
    results = previous_results(json_path) if partial else {}
    # A partial run replaces the environment: keep which commit measured the rest.
    commits = results.setdefault("scenario_commits", {})
    earlier = results.get("environment", {}).get("caprobe_head_commit")
    for kept in results.get("scenarios", {}):
        commits.setdefault(kept, earlier)
    results["environment"] = environment_info(
        ("pydm", "pyqtgraph", "PyQt5", "PyQt5-Qt5", "numpy", "pyepics", "caproto", "psutil",
         "softioc", "epicscorelibs"), CAPROBE_SOURCES)
    results["settings"] = {**results.get("settings", {}), **vars(settings)}
    results["tools"] = sorted(set(results.get("tools", [])) | set(tools), key=TOOLS.index)
    started = time.monotonic()
    print(f"load benchmark: {', '.join(scenarios)} for {', '.join(tools)}; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for scenario in scenarios:
        outcome = run_scenario(scenario, settings, tools, args)
        merged = results.setdefault("scenarios", {}).setdefault(scenario, {})
        if scenario in ("cold_start", "connect"):
            merged.update(outcome)
        else:
            for group, runs in outcome.items():
                merged.setdefault(group, {}).update(runs)
        commits[scenario] = results["environment"].get("caprobe_head_commit")
        save(results, json_path, md_path)  # after every scenario: a crash keeps the rest
    results["environment"]["total_run_s"] = round(time.monotonic() - started, 1)
    save(results, json_path, md_path)
    print()
    print(md_path.read_text())
    print(f"written: {json_path}, {md_path} "
          f"(total {results['environment']['total_run_s']:.0f} s)")
    return 0


def save(results: dict, json_path: Path, md_path: Path) -> None:
    results["environment"]["load_average_at_end"] = os.getloadavg()
    results["finished_utc"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    results["targets"] = evaluate_targets(results)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    md_path.write_text(render_markdown(results))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke run of every scenario: 100 and 1000 labels, 8 s windows, "
                        "20 s storm, fewer repeats (results in load_quick.*)")
    p.add_argument("--soak", action="store_true",
                   help="run only the soak: 4000 labels x 10 Hz on caprobe-pyepics for "
                        "--soak-seconds (default 600), merged into load.json")
    p.add_argument("--render", action="store_true",
                   help="measure nothing: recompute the targets and rewrite the markdown from "
                        "the JSON of the last run (load.json, or load_quick.json with --quick)")
    p.add_argument("--only", default=",".join(SCENARIOS),
                   help=f"comma-separated scenarios (default all: {','.join(SCENARIOS)}); "
                        "results are merged into the existing file")
    p.add_argument("--tools", default=",".join(TOOLS),
                   help=f"comma-separated tools (default {','.join(TOOLS)})")
    p.add_argument("--label-counts", help="comma-separated N for the labels scenario "
                                          "(default 100,1000,2000,4000; quick 100,1000)")
    p.add_argument("--window", type=float, help="measurement window per run, s "
                                                "(default 30; quick 8; not the storm's)")
    p.add_argument("--soak-seconds", type=float, help="soak window, s (default 600)")
    p.add_argument("--connect-timeout", type=float, default=45.0,
                   help="how long a worker waits for every PV's first value, s")
    add_quiet_options(p)
    args = p.parse_args(argv)
    unknown = set(args.only.split(",")) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    unknown = set(args.tools.split(",")) - set(TOOLS)
    if unknown:
        p.error(f"unknown tool(s): {', '.join(sorted(unknown))}")
    return args


def main() -> int:
    args = parse_args()
    ensure_venv_and_reexec(Path(__file__), VENV_PACKAGES, VENV_IMPORTS)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally: stop the IOC
    return render_only(args) if args.render else orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())

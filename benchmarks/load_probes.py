"""Measuring instruments for the load benchmark's workers (tool-agnostic).

Everything here observes a running Qt application from the outside: a
heartbeat timer for event-loop stalls, latency histograms, CPU per thread,
a memory sampler, a top-level window that times its own repaints, the
file link to the load IOC, and a watchdog that writes whatever was
measured if the GUI thread never comes back.

The workers import this inside the benchmark venv (Qt, psutil, numpy).
"""
from __future__ import annotations

import json
import math
import os
import resource
import threading
import time
from pathlib import Path
from typing import Callable

import psutil
from PyQt5.QtCore import QEvent, Qt, QTimer
from PyQt5.QtWidgets import QWidget

CODE_MODULUS = 1000.0  # load_softioc.py: a value is (POSIX time mod 1000) + 1000 * index


def value_age(value: float, index: int, now: float) -> float:
    """Seconds since the IOC made ``value`` (decoded from the value itself)."""
    made = value - CODE_MODULUS * index
    return ((now % CODE_MODULUS) - made) % CODE_MODULUS


def run_loop(app, seconds: float) -> None:
    """Run the Qt event loop for ``seconds``."""
    QTimer.singleShot(max(0, int(seconds * 1000)), app.quit)
    app.exec_()


# =============================================================================
# Histograms: constant memory, whatever the number of samples
# =============================================================================
class Histogram:
    """Durations in seconds: 0.1 ms bins up to 2 s, 10 ms bins up to 120 s.

    Constant memory (a sample list would grow by tens of MB in a long run
    and show up as the very memory growth being measured). Percentiles are
    the upper edge of their bin: at most 0.1 ms (10 ms beyond 2 s) high.
    """

    FINE_STEP, FINE_BINS = 1e-4, 20_000
    COARSE_STEP, COARSE_BINS = 1e-2, 11_800

    def __init__(self) -> None:
        self.counts = [0] * (self.FINE_BINS + self.COARSE_BINS + 1)
        self.count = 0
        self.total = 0.0
        self.max = 0.0

    def add(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        if seconds > self.max:  # noqa: PLR1730 (hot path: cheaper than a call to max())
            self.max = seconds
        if seconds < self.FINE_BINS * self.FINE_STEP:
            index = int(seconds * 1e4) if seconds > 0.0 else 0
        else:
            index = self.FINE_BINS + int((seconds - 2.0) * 100)
            index = min(index, len(self.counts) - 1)
        self.counts[index] += 1

    def _bin_top(self, index: int) -> float:
        if index < self.FINE_BINS:
            return (index + 1) * self.FINE_STEP
        return 2.0 + (index - self.FINE_BINS + 1) * self.COARSE_STEP

    def percentile(self, q: float) -> float | None:
        if not self.count:
            return None
        rank = math.ceil(q / 100.0 * self.count)
        seen = 0
        for index, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                return min(self._bin_top(index), self.max)
        return self.max

    def summary_ms(self) -> dict:
        def ms(x):
            return None if x is None else round(1e3 * x, 2)

        return {"count": self.count,
                "mean_ms": ms(self.total / self.count) if self.count else None,
                "p50_ms": ms(self.percentile(50)), "p90_ms": ms(self.percentile(90)),
                "p99_ms": ms(self.percentile(99)), "max_ms": ms(self.max if self.count else None)}


class Heartbeat:
    """A 10 ms timer on the GUI thread: its late ticks are the event loop's stalls.

    A stall is the interval between two ticks minus the period; Qt fires a
    late timer once, so a 200 ms freeze shows as one 190 ms stall.
    """

    def __init__(self, period_ms: int = 10) -> None:
        self.period = period_ms / 1000.0
        self.stalls = Histogram()
        self.ticks = 0
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(period_ms)
        self._timer.timeout.connect(self._on_timeout)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _on_timeout(self) -> None:
        now = time.perf_counter()
        self.stalls.add(max(0.0, now - self._last - self.period))
        self._last = now
        self.ticks += 1

    def summary(self, seconds: float) -> dict:
        s = self.stalls.summary_ms()
        return {"ticks": self.ticks, "expected_ticks": int(seconds / self.period),
                "p50_stall_ms": s["p50_ms"], "p99_stall_ms": s["p99_ms"],
                "worst_stall_ms": s["max_ms"]}


# =============================================================================
# CPU and memory
# =============================================================================
def thread_names() -> dict[int, str]:
    """Native thread id → name as the OS knows it (libca names its threads)."""
    names = {}
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            names[int(task.name)] = (task / "comm").read_text().strip()
        except OSError:
            pass
    return names


class CpuSnapshot:
    """Process CPU (all threads), per-thread CPU, the IOC's CPU and the host's, at one instant."""

    def __init__(self, ioc_process: psutil.Process | None) -> None:
        me = psutil.Process()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.wall = time.perf_counter()
        self.user, self.sys = usage.ru_utime, usage.ru_stime
        self.threads = {t.id: t.user_time + t.system_time for t in me.threads()}
        self.ioc = sum(ioc_process.cpu_times()[:2]) if ioc_process is not None else 0.0
        self.host = psutil.cpu_times()

    @staticmethod
    def compare(before: CpuSnapshot, after: CpuSnapshot) -> dict:
        wall = max(1e-9, after.wall - before.wall)
        gui = threading.main_thread().native_id
        names = thread_names()
        per_thread = {}
        for tid, cpu in after.threads.items():
            pct = 100.0 * (cpu - before.threads.get(tid, 0.0)) / wall
            if pct >= 1.0:
                label = "GUI" if tid == gui else names.get(tid, "?")
                per_thread[f"{label} ({tid})"] = round(pct, 1)
        process = 100.0 * (after.user + after.sys - before.user - before.sys) / wall
        gui_pct = 100.0 * (after.threads.get(gui, 0.0) - before.threads.get(gui, 0.0)) / wall
        ioc = 100.0 * (after.ioc - before.ioc) / wall
        host = _busy_cores(before.host, after.host) * 100.0
        return {"process_pct": round(process, 1),
                "user_pct": round(100.0 * (after.user - before.user) / wall, 1),
                "sys_pct": round(100.0 * (after.sys - before.sys) / wall, 1),
                "gui_thread_pct": round(gui_pct, 1),
                "other_threads_pct": round(process - gui_pct, 1),
                "threads": len(after.threads),
                "busy_threads_pct": dict(sorted(per_thread.items(), key=lambda kv: -kv[1])),
                "ioc_pct": round(ioc, 1),
                "host_other_pct": round(max(0.0, host - process - ioc), 1)}


def _busy_cores(t0, t1) -> float:
    def busy(t) -> float:
        return sum(t) - t.idle - getattr(t, "iowait", 0.0)

    return (psutil.cpu_count() or 1) * (busy(t1) - busy(t0)) / max(1e-9, sum(t1) - sum(t0))


class Sampler(threading.Thread):
    """RSS (and any extra gauges) once a second, from its own thread.

    Its own thread, so that memory keeps being sampled while the GUI thread
    is stuck; the gauges must therefore be safe to read from any thread.
    """

    def __init__(self, gauges: dict[str, Callable[[], float]] | None = None,
                 period: float = 1.0, rss_limit_mb: float = 0.0,
                 on_limit: Callable[[float], None] | None = None) -> None:
        super().__init__(name="bench-sampler", daemon=True)
        self.gauges = dict(gauges or {})
        self.period = period
        self.samples: list[tuple[float, float, dict]] = []  # (time.time(), rss MB, gauges)
        self.rss_limit_mb = rss_limit_mb
        self.on_limit = on_limit
        self._process = psutil.Process()

    def run(self) -> None:
        while True:
            values = {}
            for name, gauge in self.gauges.items():
                try:
                    values[name] = gauge()
                except Exception:  # noqa: BLE001 (a gauge must never kill the sampler)
                    values[name] = None
            rss = self._process.memory_info().rss / 2**20
            self.samples.append((time.time(), rss, values))
            # A client that falls behind can grow by gigabytes in seconds; the
            # host is shared, so the run ends before it can threaten others.
            if self.rss_limit_mb and rss > self.rss_limit_mb and self.on_limit is not None:
                self.on_limit(rss)
            time.sleep(self.period)

    def memory(self, start: float, end: float) -> dict:
        """RSS over [start, end] (time.time()): growth and its rate by least squares."""
        inside = [(t, rss) for t, rss, _ in self.samples if start <= t <= end]
        out = {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
        if len(inside) < 2:
            return out
        import numpy as np

        t = np.array([s[0] for s in inside]) - inside[0][0]
        rss = np.array([s[1] for s in inside])
        slope = float(np.polyfit(t, rss, 1)[0]) if t[-1] > 0 else 0.0
        out.update({"rss_start_mb": round(rss[0], 1), "rss_end_mb": round(rss[-1], 1),
                    "rss_max_mb": round(float(rss.max()), 1),
                    "growth_mb": round(rss[-1] - rss[0], 1),
                    "growth_mb_per_min": round(60.0 * slope, 2),
                    "samples": len(inside)})
        return out

    def gauge_max(self, name: str, start: float, end: float) -> float | None:
        values = [g.get(name) for t, _, g in self.samples
                  if start <= t <= end and g.get(name) is not None]
        return max(values) if values else None


# =============================================================================
# A window that knows when it has been painted
# =============================================================================
class PaintedWindow(QWidget):
    """Top-level window that times each of its repaints.

    Qt repaints a window's dirty widgets in one go, when the window handles
    an UpdateRequest event; when ``event()`` returns from it, everything
    that changed before has been painted into the window's backing store.
    ``after_frame`` callbacks run at that moment.
    """

    def __init__(self) -> None:
        super().__init__()
        self.frames = 0
        self.last_frame_end = 0.0  # time.time()
        self.after_frame: list[Callable[[], None]] = []

    def event(self, event) -> bool:  # Qt override
        if event.type() != QEvent.UpdateRequest:
            return super().event(event)
        handled = super().event(event)
        self.frames += 1
        self.last_frame_end = time.time()
        for callback in list(self.after_frame):
            callback()
        return handled


# =============================================================================
# The load IOC, through its control and status files
# =============================================================================
class IocLink:
    def __init__(self, control: str, status: str, pid: int) -> None:
        self.control = control
        self.status_path = status
        self.process = psutil.Process(pid) if pid else None
        self._seq = 0

    def send(self, command: str) -> int:
        self._seq += 1
        with open(self.control, "a") as f:
            f.write(f"{self._seq} {command}\n")
        return self._seq

    def status(self) -> dict:
        for _ in range(50):  # the IOC replaces the file atomically; it may not exist yet
            try:
                return json.loads(Path(self.status_path).read_text())
            except (OSError, ValueError):
                time.sleep(0.02)
        return {}

    def wait_stop(self, seq: int, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stop = self.status().get("stops", {}).get(str(seq))
            if stop and stop.get("final_posted_at"):
                return stop
            time.sleep(0.05)
        return {}


# =============================================================================
# Watchdog: the worker always leaves a result
# =============================================================================
class Watchdog(threading.Thread):
    """At ``deadline`` (monotonic), write what ``snapshot()`` returns and exit.

    When a tool cannot keep up, its GUI thread may never return to the code
    that ends the run (queued events pile up faster than they are handled);
    the run then ends here, with the figures measured so far and the stage
    it was stuck in.
    """

    def __init__(self, deadline: float, result_file: str,
                 snapshot: Callable[[], dict]) -> None:
        super().__init__(name="bench-watchdog", daemon=True)
        self.deadline = deadline
        self.result_file = result_file
        self.snapshot = snapshot
        self.stage = "start"
        self._lock = threading.Lock()

    def run(self) -> None:
        time.sleep(max(0.0, self.deadline - time.monotonic()))
        self.abort(f"GUI thread did not finish by the deadline (stage: {self.stage})")

    def abort(self, reason: str) -> None:
        """End the run now, from any thread, with the figures measured so far."""
        with self._lock:  # the deadline and the memory limit may both fire
            try:
                result = self.snapshot()
            except Exception as exc:  # noqa: BLE001 (report, never hang)
                result = {"snapshot_error": repr(exc)}
            result["incomplete"] = reason
            Path(self.result_file).write_text(json.dumps(result, indent=2, default=str))
            os._exit(0)

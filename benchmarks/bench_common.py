"""What the benchmark scripts share: their venv, the loopback CA environment,
the IOC and worker subprocesses, and the record of the machine they ran on.

Standard library only at import time: the bootstrap interpreter (whatever
Python started a benchmark) imports this before the benchmark venv exists.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv-pydm"
VENV_PYTHON = VENV / "bin" / "python"
RESULTS = HERE / "results"
LOGS = RESULTS / "logs"

# The test harness's loopback settings and port finder (standard library only).
sys.path.insert(0, str(ROOT))
from tests.iocs.harness import LOOPBACK_ENV, free_port


# =============================================================================
# Bootstrap: run inside benchmarks/.venv-pydm
# =============================================================================
def in_bench_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def ensure_venv_and_reexec(script: Path, packages: Sequence[str], imports: str) -> None:
    """Create/complete the benchmark venv if needed, then exec ``script`` in it.

    ``imports`` is a line of Python that succeeds once every package is
    installed; when it fails, ``packages`` are (re)installed with pip.
    """
    if in_bench_venv():
        return
    if not VENV_PYTHON.exists():
        print(f"creating {VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=300)
    probe = subprocess.run([str(VENV_PYTHON), "-c", imports], check=False,
                           capture_output=True, timeout=120)
    if probe.returncode != 0:
        print(f"installing {' '.join(packages)} into {VENV} …", flush=True)
        subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", "--upgrade", "pip"],
                       check=True, timeout=600)
        subprocess.run([str(VENV_PYTHON), "-m", "pip", "install", *packages],
                       check=True, timeout=1800)
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(script).resolve()), *sys.argv[1:]])


# =============================================================================
# Small helpers
# =============================================================================
def ca_env(server_port: int, repeater_port: int) -> dict[str, str]:
    """Environment for every CA process of a run (IOC and clients): loopback only."""
    env = dict(os.environ)
    env.update(LOOPBACK_ENV)
    env.update({
        "EPICS_CA_SERVER_PORT": str(server_port),
        "EPICS_CA_ADDR_LIST": f"127.0.0.1:{server_port}",
        "EPICS_CA_REPEATER_PORT": str(repeater_port),
        "EPICS_CA_CONN_TMO": "30",
        "QT_QPA_PLATFORM": "offscreen",
        "QT_API": "pyqt5",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("PYDM_EPICS_LIB", None)  # PyDM picks its default plugin (pyepics)
    env.pop("CAPROBE_BACKEND", None)
    return env


def serve_on_loopback(port: int) -> socket.socket:
    """Set this IOC process's CA server environment to loopback only (no PV Access beyond it).

    Returns the UDP socket that swallows the server's beacons (keep it open
    for the process's life): no caRepeater is needed and nothing is refused.
    """
    beacon_sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    beacon_sink.bind(("127.0.0.1", 0))
    os.environ.update({
        "EPICS_CA_AUTO_ADDR_LIST": "NO",
        "EPICS_CA_ADDR_LIST": "127.0.0.1",
        "EPICS_CAS_INTF_ADDR_LIST": "127.0.0.1",
        "EPICS_CAS_AUTO_BEACON_ADDR_LIST": "NO",
        "EPICS_CAS_BEACON_ADDR_LIST": "127.0.0.1",
        "EPICS_CAS_BEACON_PORT": str(beacon_sink.getsockname()[1]),
        "EPICS_CA_SERVER_PORT": str(port),
        "EPICS_CAS_SERVER_PORT": str(port),
        "EPICS_PVA_AUTO_ADDR_LIST": "NO",
        "EPICS_PVA_ADDR_LIST": "127.0.0.1",
        "EPICS_PVAS_INTF_ADDR_LIST": "127.0.0.1",
    })
    return beacon_sink


def add_quiet_options(parser) -> None:
    """``--quiet-wait`` / ``--quiet-threshold``: wait for a quiet host before each run."""
    parser.add_argument("--quiet-wait", type=float, default=30.0,
                        help="before each run, wait up to this many seconds for the host to be "
                             "quiet (other processes' CPU below --quiet-threshold), at most "
                             "120 s over the whole run; 0 disables")
    parser.add_argument("--quiet-threshold", type=float, default=25.0,
                        help="CPU of other processes, %% of one core, counted as quiet "
                             "(default 25)")


def percentile(values, q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def stop_process(proc: subprocess.Popen, name: str) -> None:
    """terminate → wait 5 s → kill → wait 5 s; by PID only."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        print(f"  {name} (pid {proc.pid}) ignored SIGTERM; killing", flush=True)
        proc.kill()
        proc.wait(timeout=5)


# =============================================================================
# The load IOC: a subprocess on a free loopback port
# =============================================================================
class LoopbackIoc:
    """``python SCRIPT --port P ARGS…`` with the loopback CA environment.

    The script must serve ``ready_pv`` once it is up, and exit by itself
    after the ``--max-seconds`` it is given (in ``args``).
    """

    def __init__(self, script: Path, args: Sequence[str], log_path: Path, ready_pv: str,
                 extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.repeater_port = free_port()
        self.env = ca_env(self.port, self.repeater_port)
        self.env["EPICS_CAS_SERVER_PORT"] = str(self.port)
        self.env.update(extra_env or {})
        self.ready_pv = ready_pv
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(script), "--port", str(self.port), *args],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_ready(self, timeout: float = 30.0) -> None:
        from caproto.sync.client import read

        saved = dict(os.environ)
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("EPICS_")})
        try:
            deadline = time.monotonic() + timeout
            last = None
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"load IOC exited ({self.proc.returncode}); "
                                       f"see {self.log_path}")
                try:
                    read(self.ready_pv, timeout=1.0, repeater=False)
                    return
                except Exception as exc:  # noqa: BLE001 (not up yet: any failure)
                    last = exc
            raise TimeoutError(f"load IOC not ready in {timeout:.0f} s ({last})")
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def stop(self) -> None:
        stop_process(self.proc, "load IOC")


# =============================================================================
# Waiting for a quiet host (the machine may be shared with test runs)
# =============================================================================
QUIET_TOTAL_S = 120.0
_quiet_waited = [0.0]


def busy_fraction(t0, t1) -> float:
    """Fraction of all CPUs busy between two ``psutil.cpu_times()`` snapshots."""
    def busy(t) -> float:
        return sum(t) - t.idle - getattr(t, "iowait", 0.0)

    return (busy(t1) - busy(t0)) / max(1e-9, sum(t1) - sum(t0))


def wait_quiet(ioc_pid: int, quiet_wait: float, threshold: float) -> dict:
    """Wait (bounded) until other processes use less than ``threshold`` % of a core.

    Other processes = everything on the host but the load IOC. At most
    ``quiet_wait`` s per call and ``QUIET_TOTAL_S`` over the whole run; the
    load found is returned, to be recorded with the run.
    """
    import psutil

    limit = min(quiet_wait, QUIET_TOTAL_S - _quiet_waited[0])
    if limit <= 0:
        return {"waited_s": 0.0}
    ioc_proc = psutil.Process(ioc_pid)
    ncpu = psutil.cpu_count() or 1
    start = time.monotonic()
    announced = False
    while True:
        t0, i0, w0 = psutil.cpu_times(), sum(ioc_proc.cpu_times()[:2]), time.monotonic()
        time.sleep(1.0)
        t1, i1, w1 = psutil.cpu_times(), sum(ioc_proc.cpu_times()[:2]), time.monotonic()
        other = 100.0 * ncpu * busy_fraction(t0, t1) - 100.0 * (i1 - i0) / (w1 - w0)
        waited = time.monotonic() - start
        if other < threshold or waited >= limit:
            break
        if not announced:
            print(f"  (host busy: other processes at {other:.0f} % of a core; waiting up to "
                  f"{limit:.0f} s for quiet)", flush=True)
            announced = True
    _quiet_waited[0] += waited
    return {"waited_s": round(waited, 1), "other_load_pct_before": round(other, 1),
            "quiet": other < threshold}


# =============================================================================
# Worker subprocesses
# =============================================================================
def run_worker_process(name: str, cmd: Sequence[str], env: dict[str, str], timeout: float,
                       result_file: Path) -> dict:
    """Run one worker to completion (bounded), and return the JSON it wrote.

    On a timeout or a failure the worker is stopped by PID and an ``error``
    entry is returned instead (with the tail of its log), so that one
    broken run never stops the others.
    """
    log_path = LOGS / f"{name}.log"
    result_file.unlink(missing_ok=True)
    print(f"  {name} …", end="", flush=True)
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(list(cmd), env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f" timed out after {timeout:.0f} s", flush=True)
            stop_process(proc, name)
            return {"error": f"timed out after {timeout:.0f} s; see {log_path}"}
        finally:
            stop_process(proc, name)
    if proc.returncode != 0 or not result_file.exists():
        tail = log_path.read_text(errors="replace").splitlines()[-15:]
        print(f" FAILED (exit {proc.returncode}); see {log_path}", flush=True)
        return {"error": f"exit {proc.returncode}", "log_tail": tail}
    print(f" done in {time.monotonic() - started:.0f} s", flush=True)
    return json.loads(result_file.read_text())


# =============================================================================
# What was measured, on what
# =============================================================================
def caprobe_sources(relative_paths: Sequence[str]) -> dict:
    """Hash and mtime of caprobe sources: the checkout is being edited concurrently."""
    out = {}
    for rel in relative_paths:
        path = ROOT / rel
        try:
            data = path.read_bytes()
        except OSError:
            continue
        mtime = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc)
        out[rel] = {"sha256": hashlib.sha256(data).hexdigest()[:16],
                    "modified_utc": mtime.isoformat(timespec="seconds")}
    return out


def git_head() -> str | None:
    """The checkout's HEAD commit, read from .git (no git command runs)."""
    try:
        ref = (ROOT / ".git" / "HEAD").read_text().strip()
        if ref.startswith("ref: "):
            return (ROOT / ".git" / ref[5:]).read_text().strip()
        return ref
    except OSError:
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def package_versions(packages: Sequence[str]) -> dict[str, str]:
    import importlib.metadata as md

    def version(pkg: str) -> str:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "not installed"

    return {p: version(p) for p in packages}


def environment_info(packages: Sequence[str], sources: Sequence[str]) -> dict:
    import psutil

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": psutil.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "packages": package_versions(packages),
        "caprobe": "imported from the checkout at " + str(ROOT),
        "caprobe_head_commit": git_head(),
        "caprobe_sources": caprobe_sources(sources),
        "qt_platform": "offscreen",
    }

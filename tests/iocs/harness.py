"""Start test IOCs in subprocesses on loopback, and stop them by PID.

Every IOC gets its own free TCP/UDP port; the client side lists all of
them in EPICS_CA_ADDR_LIST (``loopback_client_env``), which must be set
before the first CA context is created, because libca and caproto read
the environment only once.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from caprobe.app.ports import (
    LOOPBACK_CA_ENV,
    free_port,  # noqa: F401 (tests and benchmarks take it from here)
)

ROOT = Path(__file__).resolve().parents[2]

LOOPBACK_ENV = {
    **LOOPBACK_CA_ENV,
    # The IOC's own CA client and PV Access must stay on loopback too.
    "EPICS_PVA_AUTO_ADDR_LIST": "NO",
    "EPICS_PVA_ADDR_LIST": "127.0.0.1",
    "EPICS_PVAS_INTF_ADDR_LIST": "127.0.0.1",
}


def loopback_client_env(ports: list[int]) -> dict[str, str]:
    """Client environment that searches exactly these IOC ports on loopback."""
    env = dict(LOOPBACK_ENV)
    env["EPICS_CA_ADDR_LIST"] = " ".join(f"127.0.0.1:{p}" for p in ports)
    env["EPICS_CA_CONN_TMO"] = env.get("EPICS_CA_CONN_TMO", "30")
    return env


class IocProcess:
    """One IOC subprocess (``python -m MODULE --prefix P``) on a fixed port.

    The port stays the same across ``restart()``, so clients find the IOC
    again exactly as they would a real one coming back.
    """

    def __init__(self, module: str, prefix: str, port: int, *, max_seconds: float = 900.0,
                 extra_args: tuple[str, ...] = ()) -> None:
        self.module = module
        self.prefix = prefix
        self.port = port
        self.repeater_port = free_port()
        self.max_seconds = max_seconds
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None
        self.log_path = ROOT / ".pytest_cache" / f"ioc-{prefix.strip(':')}.log"

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def start(self, ready_pv: str = "ai", timeout: float = 20.0) -> None:
        env = dict(os.environ)
        env.update(LOOPBACK_ENV)
        env["EPICS_CA_SERVER_PORT"] = str(self.port)
        env["EPICS_CAS_SERVER_PORT"] = str(self.port)
        env["EPICS_CA_ADDR_LIST"] = f"127.0.0.1:{self.port}"
        env["EPICS_CA_REPEATER_PORT"] = str(self.repeater_port)
        env["EPICS_CAS_BEACON_PORT"] = str(self.repeater_port)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, "--prefix", self.prefix,
             "--max-seconds", str(self.max_seconds), *self.extra_args],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        self.wait_ready(self.prefix + ready_pv, timeout)

    def wait_ready(self, pvname: str, timeout: float) -> None:
        from caproto.sync.client import read

        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"IOC {self.module} exited with {self.proc.returncode}; "
                                   f"see {self.log_path}")
            try:
                read(pvname, timeout=0.5, repeater=False)
                return
            except Exception as exc:  # not up yet
                last_error = exc
        self.stop()
        raise TimeoutError(f"IOC {self.module} did not serve {pvname} within {timeout} s "
                           f"({last_error}); see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s; always by PID."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGCONT)  # in case a test froze it
            except ProcessLookupError:
                pass
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def kill(self) -> None:
        """Die abruptly, as a crashed IOC does."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)

    def restart(self, ready_pv: str = "ai") -> None:
        self.stop()
        self.start(ready_pv)

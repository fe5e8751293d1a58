"""Regenerate the README/docs screenshots from the demo (no display needed).

Usage: python docs/make_screenshots.py

``caprobe demo --screenshot`` makes the main picture. For probe pictures
of single PVs, the demo IOC is started here on a free loopback port (as
``caprobe demo`` does) and ``caprobe probe PV --screenshot`` is pointed at
it; the IOC is stopped by its PID afterwards.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"

DEMO_SHOTS = {"demo.png": ["demo"]}
PROBE_SHOTS = {
    "probe.png": ["probe", "demo:ramp"],  # started at 80: MAJOR – HIHI in the picture
    "probe_waveform.png": ["probe", "demo:spectrum"],
    "probe_enum.png": ["probe", "demo:mode"],
}


def run_cli(args: list[str], env: dict[str, str]) -> int:
    cmd = [sys.executable, "-m", "caprobe.app.cli", *args]
    return subprocess.run(cmd, env=env, timeout=120).returncode


def main() -> int:
    from caprobe.app.demo_ioc import free_port

    IMAGES.mkdir(exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    failed = 0
    for name, args in DEMO_SHOTS.items():
        failed += run_cli([*args, "--screenshot", str(IMAGES / name)], env) != 0

    port = free_port()
    ioc_env = dict(env, EPICS_CAS_INTF_ADDR_LIST="127.0.0.1")
    ioc = subprocess.Popen([sys.executable, "-m", "caprobe.app.demo_ioc", "--port", str(port),
                            "--max-seconds", "300", "--ramp-start", "80"], env=ioc_env, stdin=subprocess.DEVNULL)
    client_env = dict(env, EPICS_CA_AUTO_ADDR_LIST="NO", EPICS_CA_ADDR_LIST=f"127.0.0.1:{port}")
    try:
        for name, args in PROBE_SHOTS.items():
            failed += run_cli([*args, "--screenshot", str(IMAGES / name)], client_env) != 0
    finally:
        ioc.send_signal(signal.SIGTERM)
        try:
            ioc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            ioc.kill()
            ioc.wait(timeout=5)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Regenerate the README/docs screenshots from the demo (no display needed).

Usage: python docs/make_screenshots.py

``caprobe demo --screenshot`` makes the main picture. For probe pictures
of single PVs, the demo IOC is started the way ``caprobe demo`` starts it
(free loopback port) and ``caprobe probe PV --screenshot`` is pointed at
it; the IOC is stopped by its PID afterwards.
"""
from __future__ import annotations

import os
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
    from caprobe.app.cli import start_demo_ioc, stop_process

    IMAGES.mkdir(exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    failed = 0
    for name, args in DEMO_SHOTS.items():
        failed += run_cli([*args, "--screenshot", str(IMAGES / name)], env) != 0

    ioc = start_demo_ioc("--ramp-start", "80")  # also points os.environ at it
    client_env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        for name, args in PROBE_SHOTS.items():
            failed += run_cli([*args, "--screenshot", str(IMAGES / name)], client_env) != 0
    finally:
        stop_process(ioc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

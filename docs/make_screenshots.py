"""Regenerate the README/docs screenshots from the demo (no display needed).

Usage: python docs/make_screenshots.py
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"

SHOTS = {
    "demo.png": ["demo"],
}


def main() -> int:
    IMAGES.mkdir(exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    failed = 0
    for name, args in SHOTS.items():
        cmd = [sys.executable, "-m", "caprobe.app.cli", *args, "--screenshot", str(IMAGES / name)]
        result = subprocess.run(cmd, env=env, timeout=120)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

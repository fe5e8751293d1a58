"""The command line: clear errors, and the demo's --screenshot end to end."""
from __future__ import annotations

import os
import subprocess
import sys

from PyQt5.QtGui import QImage

from tests.iocs.harness import ROOT


def caprobe(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "caprobe.app.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_version_and_help():
    assert caprobe("--version").stdout.strip().startswith("caprobe ")
    assert "demo" in caprobe("--help").stdout


def test_bad_backend_is_one_clear_line():
    result = caprobe("--backend", "nope", "probe", "x")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "choose from" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_backend_from_environment_is_clear():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CAPROBE_BACKEND="libca9")
    result = subprocess.run([sys.executable, "-m", "caprobe.app.cli", "probe", "x",
                             "--screenshot", "/dev/null", "--timeout", "1"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "unknown CA backend 'libca9'" in result.stderr and "Traceback" not in result.stderr


def test_demo_screenshot(tmp_path):
    out = tmp_path / "demo.png"
    result = caprobe("demo", "--screenshot", str(out), "--timeout", "30", "--read-only")
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(out))
    assert image.width() > 600 and image.height() > 300


def test_an_example_panel_runs_on_its_own_demo_ioc(tmp_path):
    """--demo starts the demo IOC for the panel; the demo says where other clients find it."""
    out = tmp_path / "panel.png"
    result = caprobe("panel", "--example", "demo_overview", "--demo", "--screenshot", str(out),
                     "--timeout", "30", "--settle", "0.5")
    assert result.returncode == 0, (result.stdout[-1000:], result.stderr[-2000:])
    assert QImage(str(out)).width() > 300
    assert "caprobe: demo IOC serving demo:* on 127.0.0.1:" in result.stdout
    assert "EPICS_CA_ADDR_LIST=127.0.0.1:" in result.stdout


def test_probe_screenshot_of_unknown_pv_fails_clearly(tmp_path):
    result = caprobe("probe", "nobody:home", "--screenshot", str(tmp_path / "x.png"),
                     "--timeout", "2")
    assert result.returncode == 1
    assert "no value within 2 s for: nobody:home" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_probe_screenshot_of_real_pvs(tmp_path, caproto_ioc):
    out = tmp_path / "probe.png"
    names = f"{caproto_ioc.prefix}ai,{caproto_ioc.prefix}mbbo"  # pasted lists are split
    result = caprobe("probe", names, "--screenshot", str(out), "--timeout", "30")
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(out))
    assert image.width() > 600 and image.height() > 400


def test_options_before_or_after_the_command():
    from caprobe.app.cli import build_parser

    parser = build_parser()
    before = parser.parse_args(["--backend", "caproto", "--read-only", "probe", "a:b"])
    after = parser.parse_args(["probe", "a:b", "--backend", "caproto", "--read-only"])
    neither = parser.parse_args(["probe", "a:b"])
    for args in (before, after):
        assert args.backend == "caproto" and args.read_only and args.pvs == ["a:b"]
    assert neither.backend is None and not neither.read_only and neither.timeout == 15.0


def test_strip_screenshot_of_real_pvs(tmp_path, softioc_ioc):
    out = tmp_path / "strip.png"
    p = softioc_ioc.prefix
    result = caprobe("strip", f"{p}counter {p}ai", "--span", "30s", "--settle", "1",
                     "--screenshot", str(out), "--timeout", "30")
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(out))
    assert image.width() > 800 and image.height() > 500


def test_strip_refuses_bad_input_clearly(tmp_path):
    bad = tmp_path / "chart.json"
    bad.write_text('{"format": "caprobe-strip-chart", "version": 1, "curves": [{"pv": 3}]}')
    result = caprobe("strip", "--config", str(bad))
    assert result.returncode == 1
    assert f"{bad}: curves[0].pv: expected a PV name, got 3" in result.stderr
    assert "Traceback" not in result.stderr
    result = caprobe("strip", "a:b", "--span", "soon")
    assert result.returncode == 2 and "--span: cannot read 'soon'" in result.stderr
    result = caprobe("strip")
    assert result.returncode == 2 and "give PV names or --config" in result.stderr

"""Preferences kept between runs: what is saved, that a new process gets it back,
--reset-settings, and that a damaged or unreadable file never stops caprobe.

Every test has its own settings folder (``fresh_settings`` in conftest, via
``$CAPROBE_CONFIG_DIR``), and so do the caprobe processes it starts.
"""
from __future__ import annotations

import configparser
import logging
import os
import subprocess
import sys
import textwrap
from argparse import Namespace
from pathlib import Path

import pytest
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QDockWidget, QMainWindow

from caprobe.app import cli
from caprobe.app.main_window import MainWindow
from caprobe.widgets import ProbeWidget
from caprobe.widgets import settings as S
from caprobe.widgets.pv_name_edit import pv_history
from tests.iocs.harness import ROOT


@pytest.fixture
def idle_hub(qapp):
    """A hub for windows whose PVs need not exist (caproto: no libca start-up)."""
    from caprobe import ChannelHub

    hub = ChannelHub("caproto")
    yield hub
    hub.close()


def run_caprobe(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "caprobe.app.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def ini_keys(path: str | Path) -> set[str]:
    """Keys in the INI file as written on disk (not through Qt's in-process cache)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keep the case
    parser.read(path, encoding="utf-8")
    # QSettings writes "window/strip/geometry" as key strip\geometry in [window].
    return {f"{section}/{key}".replace("\\", "/") for section in parser.sections()
            for key in parser[section]}


def test_settings_live_in_the_test_folder(fresh_settings):
    assert Path(S.settings_path()) == fresh_settings / "caprobe.ini"
    S.write_value(S.THEME, "dark")
    assert S.read_choice(S.THEME, ("light", "dark", "system"), "system") == "dark"
    assert "view/theme" in ini_keys(fresh_settings / "caprobe.ini")


# A separate process plays the operator's first run: it sizes the window,
# hides the PV list, picks a theme and a number format, probes a PV and puts
# PVs on a `caprobe strip` chart, then closes the window (which saves).
FIRST_RUN = textwrap.dedent("""
    from PyQt5.QtWidgets import QApplication, QDockWidget
    app = QApplication([])
    from caprobe import ChannelHub
    from caprobe.app.app_menus import choose_theme
    from caprobe.app.main_window import MainWindow

    hub = ChannelHub("caproto")
    choose_theme("dark")
    probe_window = MainWindow(hub, ["t:first", "t:second"])
    probe_window.show()
    probe_window.resize(1111, 822)
    probe_window.findChild(QDockWidget, "pv_list_dock").hide()
    probe = probe_window.probes.probes()[0]
    probe.format_combo.setCurrentIndex(probe.format_combo.findData("hex"))
    probe.precision_spin.setValue(4)
    probe.set_pvname("t:probed")
    probe_window.close()
    strip_window = MainWindow(hub, [], strip_pvnames=["t:one", "t:two"], central="strip",
                              remember_strip=True)
    strip_window.strip.set_curve_style("t:two", color="#123456", width=3)
    strip_window.strip.set_time_span(900)
    strip_window.show()
    strip_window.close()
    hub.close()
""")


def test_preferences_survive_a_restart(qtbot, idle_hub, fresh_settings, monkeypatch):
    first = subprocess.run([sys.executable, "-c", FIRST_RUN], cwd=ROOT,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                           capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr[-2000:]
    keys = ini_keys(fresh_settings / "caprobe.ini")
    assert {"view/theme", "probe/format", "probe/precision", "probe/pv_history",
            "strip/last_config", "window/probe_list/geometry", "window/probe_list/state",
            "window/strip/geometry"} <= keys

    # This process is the next run.
    assert pv_history()[:3] == ["t:probed", "t:second", "t:first"]
    window = MainWindow(idle_hub, ["t:first", "t:second"])
    qtbot.addWidget(window)
    window.show()
    assert (window.width(), window.height()) == (1111, 822)
    pv_list = window.findChild(QDockWidget, "pv_list_dock")
    assert pv_list.isHidden()
    window.view_menu.aboutToShow.emit()  # View > PV list brings it back
    next(a for a in window.view_menu.actions() if a.text() == "PV list").trigger()
    assert pv_list.isVisible()
    probe = window.probes.probes()[0]
    assert probe.format_mode() == "hex" and probe.precision_spin.value() == 4
    assert "t:probed" in probe.name_edit.history()  # offered as completion
    assert S.read_choice(S.THEME, ("light", "dark", "system"), "system") == "dark"

    # `caprobe strip` with no PVs and no --config reopens the last chart.
    opened = {}
    monkeypatch.setattr(cli, "run_window", lambda *a, **kw: opened.update(kw) or 0)
    args = Namespace(span="5m", config=None, buffer=None, redraw_hz=None)
    assert cli.run_strip(args, []) == 0
    config = opened["strip_config"]
    assert [c.pv for c in config.curves] == ["t:one", "t:two"]
    assert (config.curves[1].color, config.curves[1].width) == ("#123456", 3)
    assert config.span == 900 and opened["remember_strip"]
    # PVs on the command line win: nothing is reopened then.
    opened.clear()
    assert cli.run_strip(args, ["t:three"]) == 0
    assert opened["strip_config"] is None


def test_a_program_choosing_a_format_does_not_change_the_operators(qtbot, idle_hub):
    probe = ProbeWidget(hub=idle_hub)
    qtbot.addWidget(probe)
    probe.set_format("binary", 2)
    again = ProbeWidget(hub=idle_hub)
    qtbot.addWidget(again)
    assert again.format_mode() == "default" and again.precision_spin.value() == -1
    probe.format_combo.setCurrentIndex(probe.format_combo.findData("exponential"))  # operator
    third = ProbeWidget(hub=idle_hub)
    qtbot.addWidget(third)
    assert third.format_mode() == "exponential"


def test_the_strip_layout_keeps_an_empty_probe_hidden(qtbot, idle_hub):
    window = MainWindow(idle_hub, [], probe_pvnames=["t:p"], strip_pvnames=["t:a"],
                        central="strip")
    qtbot.addWidget(window)
    window.show()
    assert window.probe_dock.isVisible()
    window.close()  # saved with the probe dock shown
    again = MainWindow(idle_hub, [], strip_pvnames=["t:a"], central="strip")
    qtbot.addWidget(again)
    again.show()
    assert again.probe_dock.isHidden()  # no probe PV this time: no empty probe


def test_reset_settings_clears_everything_and_says_which_file(fresh_settings):
    path = fresh_settings / "caprobe.ini"
    for key in (S.THEME, S.PROBE_FORMAT, S.STRIP_LAST_CONFIG, S.window_geometry_key("strip")):
        S.write_value(key, "x")
    S.write_list(S.PV_HISTORY, ["a:b", "c:d"])
    assert len(ini_keys(path)) == 5
    result = run_caprobe("--reset-settings")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"caprobe: settings cleared ({path})\n"
    assert ini_keys(path) == set()
    # With a command it goes on with defaults (here: nothing to reopen, so the usual error).
    S.write_value(S.STRIP_LAST_CONFIG, '{"format": "caprobe-strip-chart", "version": 1, '
                                       '"curves": [{"pv": "t:x"}]}')
    result = run_caprobe("strip", "--reset-settings")
    assert result.stdout.startswith("caprobe: settings cleared")
    assert result.returncode == 2 and "give PV names or --config" in result.stderr


CORRUPT = """\
\x00\xff garbage [[[ line
[view]
theme=purple
[probe]
format=sexagesimal
precision=many
confirm_writes=perhaps
pv_history=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x1bwhat
[window]
probe_list\\geometry=not a geometry
probe_list\\state=@ByteArray(\\x1\\x2\\x3)
[strip]
last_config={"format": "caprobe-strip-chart", "version": 1, "curves": [{"pv": 3}]
"""


def test_a_damaged_settings_file_never_stops_caprobe(qtbot, idle_hub, fresh_settings, caplog):
    (fresh_settings / "caprobe.ini").write_bytes(CORRUPT.encode("latin-1"))
    caplog.set_level(logging.WARNING)
    window = MainWindow(idle_hub, ["t:a", "t:b"])
    qtbot.addWidget(window)
    window.show()
    probe = window.probes.probes()[0]
    assert probe.format_mode() == "default" and probe.precision_spin.value() == -1
    assert not probe.confirm_check.isChecked()
    assert S.read_choice(S.THEME, ("light", "dark", "system"), "system") == "system"
    assert cli._last_strip_config() is None
    assert "purple" in caplog.text and "sexagesimal" in caplog.text
    # The command line too: a clear message, no traceback.
    result = run_caprobe("strip")
    assert result.returncode == 2 and "give PV names or --config" in result.stderr
    assert "Traceback" not in result.stderr
    # And --reset-settings repairs it.
    assert run_caprobe("--reset-settings").returncode == 0
    assert ini_keys(fresh_settings / "caprobe.ini") == set()


def test_a_bad_last_strip_chart_is_not_reopened(caplog):
    S.write_value(S.STRIP_LAST_CONFIG, '{"format": "caprobe-strip-chart", "version": 1, '
                                       '"curves": [{"pv": 3}]}')
    caplog.set_level(logging.WARNING)
    assert cli._last_strip_config() is None
    assert "cannot reopen the last strip chart" in caplog.text
    assert "curves[0].pv: expected a PV name, got 3" in caplog.text


def test_an_unreadable_settings_file_gives_defaults(qtbot, idle_hub, fresh_settings, caplog):
    (fresh_settings / "caprobe.ini").mkdir()  # neither readable nor writable as a file
    caplog.set_level(logging.WARNING)
    window = MainWindow(idle_hub, ["t:a", "t:b"])
    qtbot.addWidget(window)
    window.show()
    window.probes.probes()[0].set_pvname("t:c")  # writes the history: fails quietly
    window.close()
    assert pv_history() == []
    assert "caprobe.ini cannot be written" in caplog.text
    result = run_caprobe("--reset-settings")
    assert result.returncode == 1 and "cannot write" in result.stderr


def test_a_screenshot_run_neither_reads_nor_writes_settings(tmp_path, fresh_settings,
                                                            caproto_ioc):
    path = fresh_settings / "caprobe.ini"
    S.write_value(S.PROBE_FORMAT, "hex")
    S.write_value(S.THEME, "dark")
    S.write_list(S.PV_HISTORY, ["t:earlier"])
    window_key = S.window_geometry_key("probe")
    # A geometry saved by a real window of another size.
    other = QMainWindow()
    other.resize(500, 420)
    S.write_bytes(window_key, other.saveGeometry())
    before = path.read_bytes()
    out = tmp_path / "probe.png"
    result = run_caprobe("probe", caproto_ioc.prefix + "ai", "--screenshot", str(out),
                         "--timeout", "30")
    assert result.returncode == 0, result.stderr[-2000:]
    assert path.read_bytes() == before  # the probed PV is not in the history either
    image = QImage(str(out))
    assert (image.width(), image.height()) == (760, 740)  # the default size, not 500x420
    assert image.pixelColor(image.width() - 5, image.height() - 5).lightness() > 128  # not dark

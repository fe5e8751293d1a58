"""Help > About (what a support question needs, copyable) and the rotating log file."""
from __future__ import annotations

import logging
import os
import platform
import subprocess
import sys

import numpy
import pyqtgraph
import pytest
from PyQt5.QtCore import PYQT_VERSION_STR, QT_VERSION_STR
from PyQt5.QtWidgets import QApplication, QPlainTextEdit

import caprobe
from caprobe.app import about, logfile
from caprobe.app.main_window import MainWindow
from caprobe.bridge.hub import client_identity
from caprobe.widgets import settings as S
from tests.helpers import WAIT, ioc_value, ioc_write
from tests.iocs.harness import ROOT


@pytest.fixture(params=["caproto"])
def backend_name(request):  # About and the log do not depend on the backend
    return request.param


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    """Logging set up into a private folder; the test process's logging put back after."""
    folder = tmp_path / "data"
    monkeypatch.setenv(logfile.DATA_DIR_ENV, str(folder))
    root, ours = logging.getLogger(), logging.getLogger("caprobe")
    levels = root.level, ours.level
    yield folder
    logfile.shutdown_logging()
    root.setLevel(levels[0])
    ours.setLevel(levels[1])


def test_about_names_versions_backend_environment_and_files(hub, log_dir, monkeypatch):
    monkeypatch.setenv("EPICS_CA_ADDR_LIST", "127.0.0.1:5999 10.0.0.255")
    monkeypatch.setenv("EPICS_CA_NAME_SERVERS", "")
    monkeypatch.delenv("EPICS_CA_BEACON_PERIOD", raising=False)
    monkeypatch.delenv("EPICS_CA_REPEATER_PORT", raising=False)
    path = logfile.setup_logging("WARNING")
    text = about.about_text(hub)
    for expected in (f"caprobe {caprobe.__version__}", f"Python      {platform.python_version()}",
                     f"Qt          {QT_VERSION_STR}", f"PyQt5       {PYQT_VERSION_STR}",
                     f"pyqtgraph   {pyqtgraph.__version__}", f"numpy       {numpy.__version__}",
                     f"CA backend:            {hub.describe()}",
                     f"Identifies to IOCs as: {client_identity()}",
                     f"Settings file: {S.settings_path()}", f"Log file:      {path}"):
        assert expected in text, expected
    lines = {line.split("=")[0].strip(): " ".join(line.split("=", 1)[1].split())
             for line in text.splitlines() if line.startswith("  EPICS_")}
    assert set(lines) == set(about.EPICS_VARIABLES)
    assert {"EPICS_CA_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST", "EPICS_CA_SERVER_PORT",
            "EPICS_CA_MAX_ARRAY_BYTES", "EPICS_CA_CONN_TMO",
            "EPICS_CA_NAME_SERVERS"} <= set(lines)
    assert lines["EPICS_CA_ADDR_LIST"] == "127.0.0.1:5999 10.0.0.255"
    assert lines["EPICS_CA_NAME_SERVERS"] == "(empty)"  # set, but to nothing
    assert lines["EPICS_CA_BEACON_PERIOD"] == "15.0 [not set: default]"
    assert lines["EPICS_CA_REPEATER_PORT"] == "5065 [not set: default]"


def test_about_dialog_text_is_selectable_and_copied(qtbot, hub):
    window = MainWindow(hub, [])
    qtbot.addWidget(window)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    help_menu.actions()[0].trigger()  # Help > About caprobe
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, about.AboutDialog) and w.isVisible())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "About caprobe"
    editor = dialog.findChild(QPlainTextEdit)
    assert editor.isReadOnly() and editor.toPlainText() == about.about_text(hub)
    QApplication.clipboard().clear()
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == dialog.text()
    assert "EPICS_CA_ADDR_LIST" in QApplication.clipboard().text()


def test_log_file_gets_info_while_the_console_shows_warnings(log_dir, capfd):
    path = logfile.setup_logging("WARNING")
    assert path == log_dir / "caprobe.log" and path.exists()
    logging.getLogger("caprobe.test").info("an info line for the file")
    logging.getLogger("caprobe.test").warning("a warning for both")
    logging.getLogger("some.library").info("a library's chatter")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "an info line for the file" in text and "a warning for both" in text
    assert "a library's chatter" not in text
    err = capfd.readouterr().err
    assert "a warning for both" in err and "an info line" not in err
    # A lower console level lowers the file's too.
    logfile.setup_logging("DEBUG")
    logging.getLogger("caprobe.test").debug("a debug line")
    logging.getLogger().handlers[-1].flush()
    assert "a debug line" in path.read_text(encoding="utf-8")
    assert sum(getattr(h, "_caprobe_handler", False)
               for h in logging.getLogger().handlers) == 2  # replaced, not added


def test_log_file_rotates(log_dir):
    path = logfile.setup_logging("WARNING", max_bytes=2000, backups=2)
    log = logging.getLogger("caprobe.test")
    for i in range(200):
        log.info("line %d of a log that outgrows its file", i)
    names = sorted(p.name for p in log_dir.iterdir())
    assert names == ["caprobe.log", "caprobe.log.1", "caprobe.log.2"]
    assert all(p.stat().st_size <= 2000 for p in log_dir.iterdir())
    assert "line 199 " in path.read_text(encoding="utf-8")
    assert logfile.MAX_BYTES == 1_000_000 and logfile.BACKUPS == 5  # the defaults


def test_an_unwritable_log_folder_is_survived(tmp_path, monkeypatch, hub):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv(logfile.DATA_DIR_ENV, str(blocker))
    try:
        assert logfile.setup_logging("WARNING") is None
        assert "Log file:      (none: not writable)" in about.about_text(hub)
    finally:
        logfile.shutdown_logging()


def test_writes_and_their_outcome_reach_the_log_file(qtbot, hub, caproto_ioc, log_dir):
    path = logfile.setup_logging("WARNING")
    pv = caproto_ioc.prefix + "ao"
    channel = hub.channel(pv)
    qtbot.waitUntil(lambda: channel.connected and channel.reading is not None, timeout=WAIT)
    original = channel.reading.value
    try:
        with qtbot.waitSignal(channel.put_finished, timeout=WAIT) as finished:
            assert channel.put(2.25)
        assert finished.args[0] is True
    finally:
        # The IOC is shared by the session: later tests expect its initial value.
        ioc_write(pv, original)
        qtbot.waitUntil(lambda: ioc_value(pv) == original, timeout=WAIT)
    channel.release()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert f"put {pv} = 2.25 (as {client_identity()})" in text
    assert f"put {pv}: " in text.split(f"put {pv} = 2.25", 1)[1]  # the outcome, after it


def test_the_command_line_writes_the_log_file(tmp_path, monkeypatch):
    monkeypatch.setenv(logfile.DATA_DIR_ENV, str(tmp_path))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "caprobe.app.cli", "probe", "nobody:home",
                             "--screenshot", str(tmp_path / "x.png"), "--timeout", "1"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    text = (tmp_path / "caprobe.log").read_text(encoding="utf-8")
    assert "INFO caprobe.app.themes: theme: system" in text
    assert "theme: system" not in result.stderr  # the console stays at WARNING

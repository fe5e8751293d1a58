"""Regenerate the README and user-guide screenshots from the demo (no display needed).

Usage::

    python docs/make_screenshots.py               # every picture, a few minutes
    python docs/make_screenshots.py cli guide     # only these groups

Groups (pictures land in docs/images/):

``cli``
    caprobe's own ``--screenshot``: ``caprobe demo`` in the light and dark
    themes, probes of single demo PVs (an alarm, a waveform, an enum, read-only
    mode) and the example panels. The demo IOC is started the way
    ``caprobe demo`` starts it (free loopback port), ``caprobe ... --screenshot``
    is pointed at it, and the IOC is stopped by its PID afterwards.
``strip``
    The strip chart story (a ramp crossing its alarm limits, the IOC stopped
    and restarted, then a paused and zoomed look at the gap) and the waveform
    view, made with the widgets in this process.
``widgets``
    ``examples/embed.py`` run as written, and a gallery of every PV widget.
``guide``
    What ``--screenshot`` cannot wait for, because it saves only once every
    PV has a value: a probe window with a mistyped PV name that is never
    found, a write refused by the control limits, and Help > About.

Every group starts its own demo IOC and every CA client involved searches
127.0.0.1 only (``LOOPBACK_ENV``): nothing goes out to the network. The
groups that work in-process run in a Python process of their own, because
libca reads the EPICS environment (the IOC's port) once per process. They
do not read or write the settings file, so the pictures do not depend on
who ran caprobe before (as with ``--screenshot``).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from caprobe.app.ports import LOOPBACK_CA_ENV

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IMAGES = HERE / "images"

#: Channel Access stays on loopback: the clients search 127.0.0.1 only and the
#: demo IOC listens and sends beacons there only (the IOC sets the EPICS_CAS_*
#: variables itself too; start_demo_ioc narrows EPICS_CA_ADDR_LIST to its port).
LOOPBACK_ENV = LOOPBACK_CA_ENV

DEMO_SHOTS = {
    "demo.png": ["demo", "--settle", "30"],  # some history on the chart
    "demo_dark.png": ["--theme", "dark", "demo", "--settle", "15"],
}
PROBE_SHOTS = {
    "probe.png": ["probe", "demo:ramp"],  # started at 80: MAJOR – HIHI in the picture
    "probe_waveform.png": ["probe", "demo:spectrum"],
    "probe_enum.png": ["probe", "demo:mode"],
    "probe_read_only.png": ["--read-only", "probe", "demo:setpoint"],
}
PANELS = ROOT / "resources" / "panels"
PANEL_SHOTS = {  # the demo's ramp starts at 60: MAJOR (80+) by the time these are taken
    "panel.png": ["panel", str(PANELS / "demo_overview.toml"), "--settle", "10"],
    "panel_ui.png": ["panel", str(PANELS / "demo_setpoints.ui")],
}
THEME_SHOTS = {  # one IOC each, its ramp started at 70: MAJOR (80+) when saved
    "theme_light.png": ["--theme", "light", "panel", str(PANELS / "demo_overview.toml"),
                        "--settle", "10"],
    "theme_dark.png": ["--theme", "dark", "panel", str(PANELS / "demo_overview.toml"),
                       "--settle", "10"],
}
#: A mistyped name for the "not found" picture (demo:setpoint exists).
MISTYPED_PV = "demo:setpiont"


def run_cli(args: list[str], env: dict[str, str]) -> int:
    cmd = [sys.executable, "-m", "caprobe.app.cli", *args]
    return subprocess.run(cmd, check=False, env=env, timeout=120).returncode


def cli_shots() -> int:
    """The pictures caprobe makes itself with --screenshot (see the *_SHOTS tables)."""
    from caprobe.app.cli import start_demo_ioc, stop_process

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    failed = 0
    for name, args in DEMO_SHOTS.items():  # caprobe demo starts its own IOC
        failed += run_cli([*args, "--screenshot", str(IMAGES / name)], env) != 0

    ioc = start_demo_ioc("--ramp-start", "80")  # also points os.environ at it
    client_env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        for name, args in PROBE_SHOTS.items():
            failed += run_cli([*args, "--screenshot", str(IMAGES / name)], client_env) != 0
    finally:
        stop_process(ioc)
    ioc = start_demo_ioc("--ramp-start", "60")
    client_env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        for name, args in PANEL_SHOTS.items():
            failed += run_cli([*args, "--screenshot", str(IMAGES / name)], client_env) != 0
    finally:
        stop_process(ioc)
    for name, args in THEME_SHOTS.items():
        ioc = start_demo_ioc("--ramp-start", "70")
        client_env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        try:
            failed += run_cli([*args, "--screenshot", str(IMAGES / name)], client_env) != 0
        finally:
            stop_process(ioc)
    return failed


def _qt_app():
    """The offscreen QApplication and a ``run_for(seconds)`` that keeps it going.

    Preferences are neither read nor written (``set_persistent(False)``), as
    in a ``--screenshot`` run.
    """
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PyQt5.QtWidgets import QApplication

    from caprobe.widgets.settings import set_persistent

    set_persistent(False)
    app = QApplication.instance() or QApplication([])

    def run_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    return app, run_for


def save(widget, name: str) -> None:
    widget.grab().save(str(IMAGES / name))
    print(f"saved {IMAGES / name}")


def strip_shots() -> int:
    """strip_live/gap/paused.png and waveform.png, from one run of the demo IOC."""
    from PyQt5.QtCore import QPointF

    from caprobe.app.cli import start_demo_ioc, stop_process
    from caprobe.bridge import ChannelHub

    app, run_for = _qt_app()
    ioc = start_demo_ioc("--ramp-start", "40")  # 2 steps/s: MAJOR (80+) after 20 s
    hub = ChannelHub()
    try:
        from caprobe.app.main_window import MainWindow

        window = MainWindow(hub, [], "caprobe strip", central="strip",
                            strip_pvnames=["demo:sine", "demo:ramp", "demo:random_walk",
                                           "demo:readback"], strip_options={"span": 60})
        window.resize(1200, 760)
        window.show()
        strip = window.strip

        def save_window(name: str) -> None:
            strip.redraw(force=True)
            app.processEvents()
            save(window, name)

        from caprobe.widgets import WaveformPlot

        waveform = WaveformPlot("demo:spectrum", hub=hub, waterfall=True)
        waveform.resize(820, 620)
        waveform.show()
        run_for(24)
        save_window("strip_live.png")
        waveform.flush()
        save(waveform, "waveform.png")
        waveform.close()
        stop_process(ioc)
        down_at = time.time()
        run_for(5)
        ioc = start_demo_ioc("--ramp-start", "70", port=ioc.port)
        run_for(12)
        save_window("strip_gap.png")
        strip.set_visible_range(down_at - 12, down_at + 10)
        view = strip._main_view
        y_lo, y_hi = view.viewRange()[1]
        strip._on_scene_mouse_moved(view.mapViewToScene(QPointF(down_at - 4, (y_lo + y_hi) / 2)))
        save_window("strip_paused.png")
        window.close()
        return 0
    finally:
        hub.close()
        stop_process(ioc)


def widget_shots() -> int:
    """embed.png (examples/embed.py as written) and widgets.png (every PV widget)."""
    from PyQt5 import sip
    from PyQt5.QtWidgets import QFormLayout, QWidget

    from caprobe.app.cli import start_demo_ioc, stop_process

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    ioc = start_demo_ioc("--ramp-start", "62")  # MAJOR (80+) after about 9 s
    try:
        example = ROOT / "examples" / "embed.py"
        code = example.read_text().replace("sys.exit(app.exec_())", "")
        namespace = {"__name__": "embed_example"}
        argv, sys.argv = sys.argv, [str(example)]
        try:
            # The example makes its own QApplication, so it runs before anything
            # else makes one (a second application object would be destroyed with
            # this function's locals while widgets still exist: a crash).
            exec(compile(code, str(example), "exec"), namespace)  # the example, as written
        finally:
            sys.argv = argv
        _app, run_for = _qt_app()  # the example's application
        from caprobe import widgets as w

        gallery = QWidget(windowTitle="caprobe PV widgets")
        form = QFormLayout(gallery)
        rows = [
            ("PVLabel (ramp, in alarm)", w.PVLabel("demo:ramp")),
            ("PVLabel (sine)", w.PVLabel("demo:sine")),
            ("PVLineEdit", w.PVLineEdit("demo:setpoint")),
            ("PVSpinBox", w.PVSpinBox("demo:setpoint")),
            ("PVSlider", w.PVSlider("demo:setpoint")),
            ("PVEnumComboBox", w.PVEnumComboBox("demo:mode")),
            ("PVEnumButtons", w.PVEnumButtons("demo:mode")),
            ("PVCheckBox / PVLed", w.PVCheckBox("demo:mode", text="mode non-zero")),
            ("PVLed", w.PVLed("demo:interlock")),
            ("PVByteIndicator", w.PVByteIndicator("demo:interlock")),
            ("PVPushButton", w.PVPushButton("demo:setpoint", 5.0, text="Setpoint → 5 A")),
            ("PVLabel (unknown PV)", w.PVLabel("demo:no_such_pv")),
        ]
        for label, widget in rows:
            form.addRow(label, widget)
        rows[3][1].setProperty("pvReadOnly", True)  # shows the blocked look
        gallery.resize(560, 520)
        gallery.show()
        run_for(11)
        save(namespace["window"], "embed.png")
        save(gallery, "widgets.png")
        # Widgets go before the application does (they are not its children).
        for widget in (namespace.pop("window"), gallery):
            sip.delete(widget)
        return 0
    finally:
        # The widgets above use the default hub, which an application closes when
        # its event loop quits; this script runs no event loop, so it is closed here.
        from caprobe import default_hub

        default_hub().close()
        stop_process(ioc)


def guide_shots() -> int:
    """probe_not_found.png, probe_write_refused.png and about.png (see the module docstring)."""
    from PyQt5.QtCore import Qt
    from PyQt5.QtTest import QTest

    from caprobe.app.cli import start_demo_ioc, stop_process
    from caprobe.bridge import ChannelHub

    _app, run_for = _qt_app()
    ioc = start_demo_ioc("--ramp-start", "20")
    # As every caprobe run does: Help > About then names the real log file.
    from caprobe.app.logfile import setup_logging

    setup_logging("WARNING")
    hub = ChannelHub()
    try:
        from caprobe.app.about import AboutDialog
        from caprobe.app.main_window import MainWindow
        from caprobe.widgets import ProbeWidget

        # As "caprobe probe demo:setpoint demo:readback demo:setpiont" shows it.
        window = MainWindow(hub, ["demo:setpoint", "demo:readback", MISTYPED_PV], "caprobe")
        window.show()
        window.probes.setCurrentIndex(2)
        probe = ProbeWidget("demo:setpoint", hub=hub)
        probe.resize(760, 640)
        probe.show()
        run_for(8)  # the typo is "not found" after 3 s

        edit = probe.write_control.line_edit
        edit.setFocus()
        edit.selectAll()
        QTest.keyClicks(edit, "12")  # the control limits are 0 … 10 A
        QTest.keyClick(edit, Qt.Key_Return)
        run_for(1)
        save(probe, "probe_write_refused.png")

        window.prepare_for_grab()
        save(window, "probe_not_found.png")

        about = AboutDialog(hub)
        about.show()
        run_for(0.5)
        save(about, "about.png")
        for widget in (about, probe, window):
            widget.close()
        return 0
    finally:
        hub.close()
        stop_process(ioc)


#: Group name -> function; "cli" runs in this process, the others need one each.
GROUPS = {"cli": cli_shots, "strip": strip_shots, "widgets": widget_shots,
          "guide": guide_shots}


def main(argv: list[str]) -> int:
    names = argv or list(GROUPS)
    unknown = [name for name in names if name not in GROUPS]
    if unknown:
        print(f"unknown group(s): {', '.join(unknown)}; choose from {', '.join(GROUPS)}",
              file=sys.stderr)
        return 2
    os.environ.update(LOOPBACK_ENV)
    IMAGES.mkdir(exist_ok=True)
    if len(names) == 1:
        failed = GROUPS[names[0]]()
        return 1 if failed else 0
    failed = 0
    for name in names:
        if name == "cli":
            failed += cli_shots()
        else:  # a fresh process: a new CA context for this group's IOC
            failed += subprocess.run([sys.executable, __file__, name], check=False,
                                     timeout=600).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

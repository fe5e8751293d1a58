"""Regenerate the README/docs screenshots from the demo (no display needed).

Usage: python docs/make_screenshots.py

``caprobe demo --screenshot`` makes the main picture. For probe pictures
of single PVs, the demo IOC is started the way ``caprobe demo`` starts it
(free loopback port) and ``caprobe probe PV --screenshot`` is pointed at
it; the IOC is stopped by its PID afterwards.

The strip chart pictures need a story (a ramp crossing its alarm limits,
the IOC stopped and restarted, then a paused and zoomed look at the gap),
so they are made in this process with the widgets themselves, as are the
embedding example (examples/embed.py, run as written) and the widget
gallery.

``python docs/make_screenshots.py widgets`` (or ``strip``) makes just those.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"

DEMO_SHOTS = {"demo.png": ["demo", "--settle", "30"]}  # some history on the chart
PROBE_SHOTS = {
    "probe.png": ["probe", "demo:ramp"],  # started at 80: MAJOR – HIHI in the picture
    "probe_waveform.png": ["probe", "demo:spectrum"],
    "probe_enum.png": ["probe", "demo:mode"],
}
PANELS = Path(__file__).resolve().parents[1] / "examples" / "panels"
PANEL_SHOTS = {  # the demo's ramp starts at 60: MAJOR (80+) by the time these are taken
    "panel.png": ["panel", str(PANELS / "demo_overview.toml"), "--settle", "10"],
    "panel_ui.png": ["panel", str(PANELS / "demo_setpoints.ui")],
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
    ioc = start_demo_ioc("--ramp-start", "60")
    client_env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        for name, args in PANEL_SHOTS.items():
            failed += run_cli([*args, "--screenshot", str(IMAGES / name)], client_env) != 0
    finally:
        stop_process(ioc)
    failed += strip_shots()
    failed += widget_shots()
    return 1 if failed else 0


def strip_shots() -> int:
    """strip_live/gap/paused.png and waveform.png, from one run of the demo IOC."""
    import time

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PyQt5.QtCore import QPointF
    from PyQt5.QtWidgets import QApplication

    from caprobe.app.cli import start_demo_ioc, stop_process
    from caprobe.bridge import ChannelHub

    ioc = start_demo_ioc("--ramp-start", "40")  # 2 steps/s: MAJOR (80+) after 20 s
    app = QApplication.instance() or QApplication([])
    hub = ChannelHub()
    try:
        from caprobe.app.main_window import MainWindow

        window = MainWindow(hub, [], "caprobe strip", central="strip",
                            strip_pvnames=["demo:sine", "demo:ramp", "demo:random_walk",
                                           "demo:readback"], strip_options={"span": 60})
        window.resize(1200, 760)
        window.show()
        strip = window.strip

        def run_for(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                app.processEvents()
                time.sleep(0.01)

        def save(name: str) -> None:
            strip.redraw(force=True)
            app.processEvents()
            window.grab().save(str(IMAGES / name))
            print(f"saved {IMAGES / name}")

        from caprobe.widgets import WaveformPlot

        waveform = WaveformPlot("demo:spectrum", hub=hub, waterfall=True)
        waveform.resize(820, 620)
        waveform.show()
        run_for(24)
        save("strip_live.png")
        waveform.flush()
        waveform.grab().save(str(IMAGES / "waveform.png"))
        print(f"saved {IMAGES / 'waveform.png'}")
        waveform.close()
        stop_process(ioc)
        down_at = time.time()
        run_for(5)
        ioc = start_demo_ioc("--ramp-start", "70", port=ioc.port)
        run_for(12)
        save("strip_gap.png")
        strip.set_visible_range(down_at - 12, down_at + 10)
        view = strip._main_view
        y_lo, y_hi = view.viewRange()[1]
        strip._on_scene_mouse_moved(view.mapViewToScene(QPointF(down_at - 4, (y_lo + y_hi) / 2)))
        save("strip_paused.png")
        window.close()
        return 0
    finally:
        hub.close()
        stop_process(ioc)


def widget_shots() -> int:
    """embed.png (examples/embed.py as written) and widgets.png (every PV widget)."""
    import time

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PyQt5.QtWidgets import QApplication, QFormLayout, QWidget

    from caprobe.app.cli import start_demo_ioc, stop_process

    ioc = start_demo_ioc("--ramp-start", "62")  # MAJOR (80+) after about 9 s
    app = QApplication.instance() or QApplication([])

    def run_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    try:
        example = Path(__file__).resolve().parents[1] / "examples" / "embed.py"
        code = example.read_text().replace("sys.exit(app.exec_())", "")
        namespace = {"__name__": "embed_example"}
        argv, sys.argv = sys.argv, [str(example)]
        try:
            exec(compile(code, str(example), "exec"), namespace)  # the example, as written
        finally:
            sys.argv = argv
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
        for name, widget in (("embed.png", namespace["window"]), ("widgets.png", gallery)):
            widget.grab().save(str(IMAGES / name))
            print(f"saved {IMAGES / name}")
        namespace["window"].close()
        gallery.close()
        return 0
    finally:
        stop_process(ioc)


if __name__ == "__main__":
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    sys.exit({"widgets": widget_shots, "strip": strip_shots}.get(only, main)())

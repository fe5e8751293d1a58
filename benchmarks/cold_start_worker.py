"""Cold start of one tool, from the first line of the process to a painted live value.

Started by ``load_bench.py`` (never by hand), once per measurement::

    cold_start_worker.py TOOL PVNAME RESULT_FILE SPAWNED_AT

TOOL is ``caprobe-pyepics``, ``caprobe-caproto`` or ``pydm``; SPAWNED_AT is
the orchestrator's ``time.time()`` just before it started this process.

* caprobe: what ``caprobe --backend B probe PV`` builds (``caprobe.app.cli``
  ``run_window``): a QApplication, a ``ChannelHub``, the ``MainWindow`` with
  one probe tab, shown. The value is on screen at the first paint of the
  probe's value label after the probe's channel delivered a reading.
* PyDM: a plain QApplication and a window holding one ``PyDMLabel`` (no
  PyDMApplication or display file: the least PyDM can do). The value is
  on screen at the first paint of the label after its ``value_changed``.

"Painted" is the end of the repaint that painted the widget: a zero-delay
timer queued from the widget's paint event fires once that repaint is over.
Only the standard library is imported before the clock starts.
"""
import time

T_FIRST_LINE = time.time()  # before any other import: the clock starts here

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 30.0


class Milestones(dict):
    def mark(self, name: str) -> None:
        self.setdefault(name, time.time())


def open_caprobe(backend: str, pvname: str, marks: Milestones):
    """The probe window of ``caprobe probe PV``; returns (app, window, value widget)."""
    sys.path.insert(0, str(ROOT))
    from PyQt5.QtWidgets import QApplication

    from caprobe.app.main_window import MainWindow
    from caprobe.bridge import ChannelHub
    from caprobe.bridge.hub import set_default_hub

    marks.mark("imported")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("caprobe")
    hub = ChannelHub(backend)
    set_default_hub(hub)
    window = MainWindow(hub, [pvname], "caprobe")
    probe = window.probes.probes()[0]
    probe.channel.reading_changed.connect(lambda _reading: marks.mark("value_arrived"))
    return app, window, probe.value_label


def open_pydm(pvname: str, marks: Milestones):
    """One PyDMLabel in a window; returns (app, window, value widget)."""
    from pydm.widgets.label import PyDMLabel
    from PyQt5.QtWidgets import QApplication, QVBoxLayout, QWidget

    marks.mark("imported")
    app = QApplication.instance() or QApplication(sys.argv[:1])

    class Label(PyDMLabel):
        def value_changed(self, new_val):
            super().value_changed(new_val)
            marks.mark("value_arrived")

    window = QWidget()
    layout = QVBoxLayout(window)
    label = Label(init_channel=f"ca://{pvname}")
    layout.addWidget(label)
    window.resize(400, 80)
    return app, window, label


def watch_first_value_paint(app, widget, marks: Milestones) -> None:
    """Mark the first paint of ``widget`` after the value arrived, then quit."""
    from PyQt5.QtCore import QEvent, QObject, QTimer

    class PaintWatcher(QObject):
        def eventFilter(self, obj, event):  # Qt override
            if event.type() == QEvent.Paint:
                marks.mark("first_paint")
                if "value_arrived" in marks and "value_paint_started" not in marks:
                    marks.mark("value_paint_started")
                    QTimer.singleShot(0, self.painted)  # runs once this repaint is over
            return False

        def painted(self):
            marks.mark("value_painted")
            app.quit()

    # A child of the widget: Qt keeps it (and its Python side) alive.
    widget.installEventFilter(PaintWatcher(widget))


def main() -> None:
    tool, pvname, result_file, spawned_at = sys.argv[1:5]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # A first start, as a new user sees it: caprobe's settings and log go to an
    # empty folder of this run, never to the user's own (saved window layouts
    # would change what is measured from run to run).
    scratch = tempfile.mkdtemp(prefix="caprobe-cold-start-")
    os.environ["CAPROBE_CONFIG_DIR"] = os.path.join(scratch, "config")
    os.environ["CAPROBE_DATA_DIR"] = os.path.join(scratch, "data")
    marks = Milestones()
    if tool == "pydm":
        app, window, value_widget = open_pydm(pvname, marks)
    else:
        app, window, value_widget = open_caprobe(tool.split("-", 1)[1], pvname, marks)
    watch_first_value_paint(app, value_widget, marks)
    window.show()
    marks.mark("shown")
    from PyQt5.QtCore import QTimer

    QTimer.singleShot(int(TIMEOUT_S * 1000), app.quit)
    app.exec_()
    result = {"tool": tool, "first_line_after_spawn_s": T_FIRST_LINE - float(spawned_at)}
    for name, t in marks.items():
        result[f"{name}_s"] = t - T_FIRST_LINE
    if "value_painted" in marks:
        result["painted_value_from_spawn_s"] = marks["value_painted"] - float(spawned_at)
        result["painted_value_from_first_line_s"] = marks["value_painted"] - T_FIRST_LINE
    else:
        result["error"] = f"no painted value within {TIMEOUT_S:.0f} s"
    Path(result_file).write_text(json.dumps(result, indent=2))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

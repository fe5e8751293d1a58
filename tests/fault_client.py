"""A caprobe client in a process of its own, for fault tests that need one.

Some faults can only be staged in a separate process: a short
``EPICS_CA_CONN_TMO`` (libca and caproto read it once, when the CA context
is created) or quitting the application (the test process must outlive
it). The test starts this module with ``python -m tests.fault_client``,
stages the fault (SIGSTOP of the IOC, a storm) and reads back what the
client saw: one JSON object per line on stdout, each with ``t`` (POSIX
seconds, so the test can line events up with what it did).

Scenarios:

``watch``
    One ``PVLabel`` on ``--pv``; reports every connection change and the
    label's text when it does, then a summary (heartbeat, updates) after
    ``--seconds``.
``quit``
    caprobe's main window on ``--pvs`` (a storm), and a write to
    ``--slow-pv`` whose completion takes seconds; after ``--quit-after``
    it closes the window the way an operator does and reports when the
    event loop returned, which threads are left after ``hub.close()``,
    and whether the put ever completed.

Every run is bounded by ``--seconds``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def emit(event: str, **fields) -> None:
    print(json.dumps({"t": time.time(), "event": event, **fields}), flush=True)


def run_watch(args, app, hub) -> None:
    from PyQt5.QtCore import QTimer

    from caprobe.widgets import PVLabel
    from tests.heartbeat import Heartbeat

    label = PVLabel(args.pv, hub=hub)
    label.show()
    channel = label.channel
    updates = {"n": 0}
    channel.connection_changed.connect(
        lambda up: emit("connection", connected=up, state=channel.state.name,
                        text=label.text(), tooltip=label.pv_tooltip()))
    channel.reading_changed.connect(lambda _r: updates.__setitem__("n", updates["n"] + 1))
    heartbeat = Heartbeat()
    heartbeat.start()
    emit("ready")

    def finish() -> None:
        heartbeat.stop()
        emit("summary", worst_stall_ms=heartbeat.worst_stall_ms,
             p99_stall_ms=heartbeat.p99_stall_ms, updates=updates["n"],
             connected=channel.connected, state=channel.state.name)
        app.quit()

    QTimer.singleShot(int(args.seconds * 1000), finish)
    app.exec_()


def run_quit(args, app, hub) -> None:
    from PyQt5.QtCore import QTimer

    from caprobe.app.main_window import MainWindow

    window = MainWindow(hub, args.pvs, "fault client", strip_pvnames=args.pvs)
    window.show()
    put = {"outcome": None}
    slow = hub.channel(args.slow_pv)
    slow.put_finished.connect(lambda ok, msg: put.__setitem__("outcome", (ok, msg)))

    def start_put() -> None:
        if not slow.connected:
            QTimer.singleShot(50, start_put)
            return
        emit("put_started", accepted=slow.put(7.0))

    def close() -> None:
        emit("closing", threads=len(threading.enumerate()))
        window.close()  # the window's close button: the last window goes, the loop ends

    start_put()
    QTimer.singleShot(int(args.quit_after * 1000), close)
    QTimer.singleShot(int(args.seconds * 1000), app.quit)  # bound, should never be needed
    app.exec_()
    emit("loop_returned")
    hub.close()
    alive = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    emit("closed", threads=alive, put_outcome=put["outcome"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=("watch", "quit"))
    parser.add_argument("--backend", required=True)
    parser.add_argument("--pv")
    parser.add_argument("--pvs", nargs="*", default=[])
    parser.add_argument("--slow-pv")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--quit-after", type=float, default=3.0)
    args = parser.parse_args()

    from PyQt5.QtWidgets import QApplication

    from caprobe.bridge import ChannelHub

    app = QApplication(sys.argv[:1])
    hub = ChannelHub(args.backend)
    emit("started", backend=hub.backend_name, conn_tmo=os.environ.get("EPICS_CA_CONN_TMO"))
    if args.scenario == "watch":
        run_watch(args, app, hub)
        hub.close()
    else:
        run_quit(args, app, hub)
    emit("exit")
    return 0


if __name__ == "__main__":
    sys.exit(main())

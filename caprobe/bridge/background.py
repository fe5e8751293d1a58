"""``BackgroundJob``: run one long function on a worker thread, hear about it on the GUI thread.

For work that would freeze the window if the GUI thread did it (writing a
160 MB CSV export). The function runs on a Python thread of its own and
gets a ``report(done, total)`` callable: calling it publishes progress and
returns False once ``cancel()`` was asked, so the function stops at its
next step (and cleans up after itself). Progress, the result or the
exception come back as Qt signals, which Qt queues to the thread the job
lives on, so every slot runs on the GUI thread.

The function must not touch Qt objects or data the GUI thread changes
meanwhile: give it a copy. It should call ``report`` after every
millisecond or so of work: besides cancelling, ``report`` is where the
worker lets the GUI thread have the GIL (see ``_report``).

Lifetime: the job is a child of the application, never of a window, and
deletes itself (``deleteLater``, on the GUI thread) once finished. A
window closed mid-job only cancels it: deleting the QObject while the
worker emits its signals would pull it from under that thread, and
dropping the last Python reference on the worker would destroy it there.
When the application quits, running jobs are cancelled and given
``QUIT_WAIT_S`` to stop, so none is cut off inside Qt at interpreter exit.

Threads: create, start, cancel on the GUI thread; the function and
``report`` on the worker.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any, Callable

from PyQt5.QtCore import QCoreApplication, QObject, pyqtSignal

log = logging.getLogger(__name__)

#: Progress signals at most this often: the GUI needs a few a second, not
#: one per chunk of work.
PROGRESS_INTERVAL_S = 0.05
#: How long quitting waits for a cancelled job to stop.
QUIT_WAIT_S = 2.0
#: The worker sleeps this long at every ``report``, GIL released. The GUI
#: thread takes the GIL every time the event loop calls into Python (each
#: slot, each Python paint or event handler) and every time numpy gives it
#: back; with a worker that never sleeps, each of those waited for the
#: interpreter's switch interval (5 ms): a strip chart's redraw took 50-200
#: ms instead of 10 while an export formatted rows. A report about every
#: millisecond with this pause keeps the window's stalls near what they are
#: without an export, for an export about 20 % slower.
YIELD_S = 0.0005
#: The worker's scheduling priority ("nice", higher is lower). On a busy
#: two-core machine the GUI thread, the CA threads and the worker compete
#: for the CPUs; a job that takes seconds anyway should lose. Linux applies
#: it to the one thread; elsewhere it is skipped.
WORKER_NICE = 10


class BackgroundJob(QObject):
    """One call of ``function(*args, report)`` on a worker thread.

    Signals (all delivered on the job's thread, normally the GUI thread)
    -------
    progress(object, object)
        ``done`` and ``total`` as the function reported them (Python ints:
        a row count may exceed a C int), at most every ``PROGRESS_INTERVAL_S``.
    succeeded(object)
        The function's return value.
    failed(object)
        The exception it raised (not after a cancel: see ``cancelled``).
    cancelled()
        ``cancel()`` was called and the function stopped early.
    finished()
        After any of the three above; the job is over.
    """

    progress = pyqtSignal(object, object)
    succeeded = pyqtSignal(object)
    failed = pyqtSignal(object)
    cancelled = pyqtSignal()
    finished = pyqtSignal()

    def __init__(self, function: Callable[..., Any], *args: Any, name: str = "caprobe-job"
                 ) -> None:
        app = QCoreApplication.instance()
        super().__init__(app)
        if app is not None:
            app.aboutToQuit.connect(self._on_about_to_quit)
        self._function = function
        self._args = args
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._last_report = 0.0
        # Daemon: a job must never keep the process alive after the window
        # closed; whatever it writes goes through a temporary file anyway.
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.worker_ident: int | None = None
        # Queued (emitted on the worker): the job is deleted on its own thread.
        self.finished.connect(self.deleteLater)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Ask the function to stop at its next ``report``; ``cancelled`` follows."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the function returned (True) or ``timeout`` passed (False)."""
        return self._done.wait(timeout)

    def _on_about_to_quit(self) -> None:
        if self.running:
            self.cancel()
            self.wait(QUIT_WAIT_S)

    # -- worker thread ------------------------------------------------------------------
    def _report(self, done: int, total: int) -> bool:
        # Leave the GIL to the GUI thread for a moment (see YIELD_S).
        time.sleep(YIELD_S)
        now = time.monotonic()
        if now - self._last_report >= PROGRESS_INTERVAL_S or done >= total:
            self._last_report = now
            self._emit("progress", done, total)
        return not self._cancel.is_set()

    def _run(self) -> None:
        self.worker_ident = threading.get_ident()
        _lower_priority()
        try:
            result = self._function(*self._args, self._report)
        except BaseException as exc:  # noqa: BLE001 (every outcome goes to the GUI)
            if self._cancel.is_set():
                self._emit("cancelled")
            else:
                log.debug("background job %s failed", self._thread.name, exc_info=True)
                self._emit("failed", exc)
        else:
            self._emit("succeeded", result)
        finally:
            self._done.set()
            self._emit("finished")

    def _emit(self, name: str, *args: Any) -> None:
        # Emitted from the worker: Qt queues it to the job's thread. If the
        # job's QObject is already gone (the application quit), nobody listens.
        try:
            getattr(self, name).emit(*args)
        except RuntimeError:
            pass


def _lower_priority() -> None:
    """Give the calling thread the ``WORKER_NICE`` priority (Linux: per thread)."""
    if not sys.platform.startswith("linux"):
        return  # elsewhere PRIO_PROCESS would lower the whole process
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(current, WORKER_NICE))
    except (AttributeError, OSError) as exc:  # not permitted, or no such call
        log.debug("background job keeps its priority: %s", exc)

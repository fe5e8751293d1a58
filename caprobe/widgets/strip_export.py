"""A strip chart's CSV export without freezing the window: worker thread, progress, Cancel.

A whole buffer is millions of rows (20 PVs x 100,000 samples: 2 million
rows, 160 MB, several seconds of formatting). ``CsvExport`` runs
``model.strip_csv`` on a ``BackgroundJob`` worker: first it copies the
samples (the ring buffers keep changing while the file is written), then
``write_csv`` formats the copy. The copy is tens of megabytes for a full
chart, 15-110 ms of memcpy and fresh-page faults that used to stall the
window; the GUI thread now only holds the buffers' writes
(``RingBuffer.hold_writes``) until the worker says the copy is taken, so
the file still holds the buffers as they were when the export started.
A progress dialog with Cancel shows once the export has taken longer than
``DIALOG_AFTER_MS``. The chart keeps scrolling meanwhile.

The file appears only when complete: a cancel or an error (an unwritable
folder, a full disk) leaves nothing under the chosen name. Errors are
logged and shown in a message box naming the file and the reason.

Threads: GUI thread, except the job's worker, which sees only the held
buffers (until ``snapshot_taken``) and its copy.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterable

from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtWidgets import QMessageBox, QProgressDialog, QWidget

from caprobe.bridge.background import BackgroundJob
from caprobe.model.ring_buffer import RingBuffer
from caprobe.model.strip_csv import Progress, Series, copy_series, write_csv

log = logging.getLogger(__name__)

#: A quicker export shows no dialog at all (the status line reports it).
DIALOG_AFTER_MS = 400
#: The dialog's bar counts in thousandths: row counts can exceed a C int.
_STEPS = 1000


class CsvExport(QObject):
    """One CSV export in flight, started at construction.

    Parameters
    ----------
    owner : the widget the dialog and messages belong to (the strip chart);
        closing it cancels the export.
    path : the file to write.
    series : the samples: views of ``held`` buffers (copied on the worker),
        or arrays nothing else changes.
    report : ``report(text)`` for the outcome in a status line (optional).
    held : the ring buffers ``series`` views; their writes are held from
        here until the worker has copied them.

    Signals
    -------
    snapshot_taken()
        The worker has its copy; the held buffers take writes again.
    finished(str)
        ``"done"``, ``"cancelled"`` or ``"failed"``; ``rows`` and ``error``
        hold the details.
    """

    snapshot_taken = pyqtSignal()
    finished = pyqtSignal(str)

    def __init__(self, owner: QWidget, path: str | Path, series: list[Series],
                 report=None, held: Iterable[RingBuffer] = ()) -> None:
        super().__init__(owner)
        self._held = list(held)
        for buffer in self._held:
            buffer.hold_writes()
        # Emitted on the worker, delivered (queued) on the GUI thread.
        self.snapshot_taken.connect(self._release_buffers)
        self.path = str(path)
        self.total = sum(len(s) for s in series)
        self.rows = 0
        self.error = ""
        self.outcome = ""
        self.error_box: QMessageBox | None = None
        self._owner = owner
        self._report = report or (lambda _text: None)
        name = Path(self.path).name
        self.dialog = QProgressDialog(
            f"Exporting {self.total:,} samples of {_pvs(len(series))} to {name}…",
            "Cancel", 0, _STEPS, owner)
        self.dialog.setWindowTitle("Export CSV")
        # Not modal: the chart stays usable (a modal QProgressDialog would
        # also run a nested event loop inside every setValue).
        self.dialog.setWindowModality(Qt.NonModal)
        self.dialog.setMinimumDuration(DIALOG_AFTER_MS)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel)
        self.job = BackgroundJob(_snapshot_then_write, self.path, series,
                                 self._announce_snapshot, name="caprobe-csv-export")
        self.job.progress.connect(self._on_job_progress)
        self.job.succeeded.connect(self._on_job_succeeded)
        self.job.failed.connect(self._on_job_failed)
        self.job.cancelled.connect(self._on_job_cancelled)
        # The job outlives the chart if need be; closing the chart only stops it.
        owner.destroyed.connect(self.job.cancel)
        log.info("exporting %d samples of %d PVs to %s", self.total, len(series), self.path)
        self.dialog.setValue(0)  # starts the dialog's minimum-duration clock
        self.job.start()

    @property
    def running(self) -> bool:
        return not self.outcome

    def cancel(self) -> None:
        """Stop at the next chunk; the file is not written."""
        if self.running:
            self.dialog.setLabelText("Cancelling…")
            self.job.cancel()

    # -- outcomes (GUI thread, queued from the worker) ---------------------------------------
    def _on_job_progress(self, done: int, total: int) -> None:
        if self.running and total:
            self.dialog.setValue(min(_STEPS, done * _STEPS // total))

    def _on_job_succeeded(self, rows: int) -> None:
        self.rows = rows
        log.info("strip chart: %d samples exported to %s", rows, self.path)
        self._finish("done", f"Exported {rows:,} samples to {self.path}")

    def _on_job_cancelled(self) -> None:
        log.info("strip chart: export to %s cancelled; nothing written", self.path)
        self._finish("cancelled", f"Export cancelled: nothing written to {self.path}")

    def _on_job_failed(self, exc: BaseException) -> None:
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            log.error("strip chart: cannot export to %s: %s", self.path, reason)
        else:  # a bug, not the disk: keep the traceback in the log
            reason = f"{type(exc).__name__}: {exc}"
            log.error("strip chart: export to %s failed", self.path, exc_info=exc)
        self.error = f"Cannot export to {self.path}: {reason}. Nothing was written."
        self._finish("failed", self.error)
        box = QMessageBox(QMessageBox.Warning, "Export CSV", self.error, QMessageBox.Ok,
                          self._owner)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()  # not exec_(): no nested event loop, and tests can read it
        self.error_box = box

    def _announce_snapshot(self) -> None:  # worker thread
        try:
            self.snapshot_taken.emit()
        except RuntimeError:  # the chart, and this object with it, is gone
            pass

    def _release_buffers(self) -> None:
        held, self._held = self._held, []
        for buffer in held:
            buffer.release_writes()

    def _finish(self, outcome: str, message: str) -> None:
        self._release_buffers()  # already done, unless the job never got to copy
        self.outcome = outcome
        self.dialog.reset()
        self.dialog.hide()
        self.dialog.deleteLater()
        self._report(message)
        self.finished.emit(outcome)


def _snapshot_then_write(path: str, series: list[Series], on_copied: Callable[[], None],
                         progress: Progress) -> int:
    """The job (worker thread): copy the held views, let the buffers go, write the copy."""
    try:
        copies = copy_series(series, progress)
    finally:
        on_copied()
    return write_csv(path, copies, progress)


def _pvs(count: int) -> str:
    return f"{count} PV" if count == 1 else f"{count} PVs"

"""Strip-chart samples as CSV: one row per sample, every PV in one file.

Columns: ``timestamp`` (POSIX seconds from the server's time stamp, to the
microsecond), ``time`` (the same in local time, ISO 8601 with milliseconds,
for people and spreadsheets), ``pv``, ``value`` (written so that reading
it back gives the identical float; empty for a disconnect), ``severity``
and ``status`` (EPICS names, or ``DISCONNECTED`` for the gap marker).
Rows are grouped by PV, in time order within each PV.

A whole strip-chart buffer is millions of rows (20 PVs x 100,000 samples
is 160 MB), so ``write_csv`` reports progress and can be cancelled between
chunks, and writes through a temporary file so that no partial export is
ever left behind. It has no Qt: the strip chart runs it on a worker thread.
"""
from __future__ import annotations

import csv
import datetime
import functools
import math
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from caprobe.model.atomic_file import atomic_text_file
from caprobe.model.ring_buffer import DISCONNECTED, severity_name, status_name_of

HEADER = ("timestamp", "time", "pv", "value", "severity", "status")


#: Rows formatted and written per step (about a millisecond of work):
#: progress is reported and a cancel noticed between steps, and a worker
#: thread's ``progress`` is where it lets the GUI thread run (the GIL).
CHUNK_ROWS = 500


class ExportCancelled(Exception):
    """The export was cancelled; nothing was written under the file's name."""


#: ``progress(rows_done, rows_total)``; returning False cancels the export.
Progress = Callable[[int, int], bool]


class Series:
    """One PV's samples to export (arrays of equal length, time order)."""

    def __init__(self, pv: str, t: np.ndarray, y: np.ndarray, severity: np.ndarray,
                 status: np.ndarray) -> None:
        self.pv, self.t, self.y, self.severity, self.status = pv, t, y, severity, status

    def __len__(self) -> int:
        return len(self.t)


def copy_series(series: Iterable[Series], progress: Progress | None = None) -> list[Series]:
    """Copies of the arrays (views of ring buffers that will change again).

    Column by column, with ``progress(0, total)`` between columns: a whole
    buffer is tens of megabytes, and on a worker thread that is where it
    lets the GUI thread run, and notices a cancel (``ExportCancelled``).
    """
    series = list(series)
    total = sum(len(s) for s in series)
    copies = []
    for s in series:
        columns = []
        for column in (s.t, s.y, s.severity, s.status):
            columns.append(np.array(column))  # numpy copies with the GIL released
            if progress is not None and not progress(0, total):
                raise ExportCancelled()
        copies.append(Series(s.pv, *columns))
    return copies


def write_csv(path: str | Path, series: Iterable[Series], progress: Progress | None = None
              ) -> int:
    """Write every sample; returns the number of rows written (header excluded).

    The file appears under ``path`` only once complete (``atomic_text_file``):
    an error or a cancellation (``progress`` returning False, which raises
    ``ExportCancelled``) leaves no partial file. Safe to run on a worker
    thread as long as nobody modifies the arrays meanwhile (callers export a
    copy).
    """
    series = list(series)
    total = sum(len(s) for s in series)
    if progress is not None and not progress(0, total):
        raise ExportCancelled()
    done = 0
    times = _LocalTimes()
    with atomic_text_file(path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for s in series:
            for start in range(0, len(s), CHUNK_ROWS):
                stop = start + CHUNK_ROWS
                writer.writerows(_rows(s, start, stop, times))
                done += min(stop, len(s)) - start
                if progress is not None and not progress(done, total):
                    raise ExportCancelled()
    return done


def _rows(s: Series, start: int, stop: int, times: _LocalTimes) -> Iterator[tuple]:
    pv, local = s.pv, times.iso
    for t, y, sev, stat in zip(s.t[start:stop].tolist(), s.y[start:stop].tolist(),
                               s.severity[start:stop].tolist(), s.status[start:stop].tolist()):
        yield (f"{t:.6f}", local(t), pv,
               "" if sev == DISCONNECTED and math.isnan(y) else repr(y),
               _severity_name(sev), _status_name(stat))


def read_csv(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray, list[str]]]:
    """Read a file written by :func:`write_csv`: ``{pv: (t, y, severities)}``."""
    out: dict[str, tuple[list[float], list[float], list[str]]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            t, y, sev = out.setdefault(row["pv"], ([], [], []))
            t.append(float(row["timestamp"]))
            y.append(float(row["value"]) if row["value"] else math.nan)
            sev.append(row["severity"])
    return {pv: (np.array(t), np.array(y), sev) for pv, (t, y, sev) in out.items()}


@functools.lru_cache(maxsize=None)
def _severity_name(code: int) -> str:
    return severity_name(code)


@functools.lru_cache(maxsize=None)
def _status_name(code: int) -> str:
    return status_name_of(code)


class _LocalTimes:
    """Local ISO 8601 times with milliseconds, as ``datetime.fromtimestamp(t).isoformat``.

    The local date and time of day are computed once per whole second and
    reused for the samples within it (a 10 Hz PV has ten): this was half
    the cost of an export. The microseconds are rounded exactly as
    ``datetime.fromtimestamp`` rounds them (half to even, carrying into
    the next second), so the text is identical.
    """

    def __init__(self) -> None:
        self._second: int | None = None
        self._text = ""

    def iso(self, t: float) -> str:
        try:
            fraction, whole = math.modf(t)
            micro = round(fraction * 1e6)
            if micro >= 1_000_000:
                whole, micro = whole + 1, micro - 1_000_000
            elif micro < 0:
                whole, micro = whole - 1, micro + 1_000_000
            second = int(whole)
            if second != self._second:
                self._text = datetime.datetime.fromtimestamp(second).isoformat(
                    timespec="seconds")
                self._second = second
        except (OverflowError, OSError, ValueError):
            return ""
        return f"{self._text}.{micro // 1000:03d}"

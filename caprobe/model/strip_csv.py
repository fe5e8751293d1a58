"""Strip-chart samples as CSV: one row per sample, every PV in one file.

Columns: ``timestamp`` (POSIX seconds from the server's time stamp, to the
microsecond), ``time`` (the same in local time, ISO 8601 with milliseconds,
for people and spreadsheets), ``pv``, ``value`` (written so that reading
it back gives the identical float; empty for a disconnect), ``severity``
and ``status`` (EPICS names, or ``DISCONNECTED`` for the gap marker).
Rows are grouped by PV, in time order within each PV.
"""
from __future__ import annotations

import csv
import datetime
import math
from pathlib import Path
from typing import Iterable

import numpy as np

from caprobe.model.ring_buffer import severity_name, status_name_of

HEADER = ("timestamp", "time", "pv", "value", "severity", "status")


class Series:
    """One PV's samples to export (arrays of equal length, time order)."""

    def __init__(self, pv: str, t: np.ndarray, y: np.ndarray, severity: np.ndarray,
                 status: np.ndarray) -> None:
        self.pv, self.t, self.y, self.severity, self.status = pv, t, y, severity, status


def write_csv(path: str | Path, series: Iterable[Series]) -> int:
    """Write every sample; returns the number of rows written (header excluded)."""
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for s in series:
            for t, y, sev, stat in zip(s.t.tolist(), s.y.tolist(), s.severity.tolist(),
                                       s.status.tolist()):
                writer.writerow((f"{t:.6f}", _local_iso(t), s.pv,
                                 "" if math.isnan(y) and sev == 4 else repr(y),
                                 severity_name(sev), status_name_of(stat)))
                rows += 1
    return rows


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


def _local_iso(t: float) -> str:
    try:
        return datetime.datetime.fromtimestamp(t).isoformat(timespec="milliseconds")
    except (OverflowError, OSError, ValueError):
        return ""

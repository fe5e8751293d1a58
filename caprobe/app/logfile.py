"""Where caprobe's log goes: the console at ``--log-level``, and a rotating file.

The file keeps what happened after the window has closed: every write
(put) and its outcome is logged at INFO by the hub, so the file records at
INFO even when the console shows warnings only (or lower, when the console
does). It lives in the user's data folder (``$XDG_DATA_HOME/caprobe/
caprobe.log`` on Linux, normally ``~/.local/share/caprobe``), or in
``$CAPROBE_DATA_DIR``; it rotates at ``MAX_BYTES`` and keeps ``BACKUPS`` old
files, so it never grows without bound.

A log file that cannot be opened (read-only home, full disk) is reported
on the console once and the program runs without it.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from PyQt5.QtCore import QStandardPaths

DATA_DIR_ENV = "CAPROBE_DATA_DIR"
LOG_FILE_NAME = "caprobe.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_log_file: Path | None = None


def data_dir() -> Path:
    """The user's data folder for caprobe (not created here)."""
    folder = os.environ.get(DATA_DIR_ENV)
    if folder:
        return Path(folder)
    # GenericDataLocation follows $XDG_DATA_HOME on Linux and the usual
    # places elsewhere (AppData\\Local on Windows, Application Support on
    # macOS); it needs no QApplication, unlike AppDataLocation.
    base = QStandardPaths.writableLocation(QStandardPaths.GenericDataLocation)
    return Path(base or Path.home() / ".local" / "share") / "caprobe"


def log_file() -> Path | None:
    """The file this process logs to, or None (not set up, or not writable)."""
    return _log_file


def setup_logging(console_level: str | int = "WARNING", max_bytes: int = MAX_BYTES,
                  backups: int = BACKUPS) -> Path | None:
    """Log to the console at ``console_level`` and to the rotating file; returns the file.

    Calling it again replaces the handlers it installed before (tests, or
    a program that runs ``main`` twice), never anyone else's.
    """
    global _log_file
    console_level = logging.getLevelName(console_level) if isinstance(console_level, str) \
        else console_level
    file_level = min(logging.INFO, console_level)
    shutdown_logging()
    root = logging.getLogger()
    formatter = logging.Formatter(FORMAT)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(console_level)
    console.setFormatter(formatter)
    _mark(console)
    root.addHandler(console)
    path = data_dir() / LOG_FILE_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes,
                                                       backupCount=backups, encoding="utf-8")
    except OSError as exc:
        _log_file = None
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, exc)
    else:
        handler.setLevel(file_level)
        handler.setFormatter(formatter)
        _mark(handler)
        root.addHandler(handler)
        _log_file = path
    # Other libraries speak at the console's level; caprobe's own INFO
    # (writes and their outcomes) is created for the file as well.
    root.setLevel(console_level)
    logging.getLogger("caprobe").setLevel(file_level)
    return _log_file


def shutdown_logging() -> None:
    """Remove and close the handlers ``setup_logging`` installed."""
    global _log_file
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_caprobe_handler", False):
            root.removeHandler(handler)
            handler.close()
    _log_file = None


def _mark(handler: logging.Handler) -> None:
    handler._caprobe_handler = True  # type: ignore[attr-defined]

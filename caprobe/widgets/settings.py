"""The one place caprobe keeps preferences between runs, and the name of every key.

An INI file under the user's config folder (``$XDG_CONFIG_HOME/caprobe/
caprobe.ini`` on Linux), so an operator can read, copy or delete it;
``$CAPROBE_CONFIG_DIR`` moves it (the test suite points it at a temporary
folder, so tests never touch the developer's own preferences).

Reading never raises: a value of the wrong type, a damaged or unreadable
file gives the default and a warning in the log, because a preference is
never worth a window that does not open. ``set_persistent(False)`` turns
every read into the default and every write into nothing (``--screenshot``
runs, whose pictures must not depend on who ran them before).

GUI thread only, like every QSettings user here.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Callable, TypeVar

from PyQt5.QtCore import QByteArray, QSettings

log = logging.getLogger(__name__)

ORGANIZATION = "caprobe"
APPLICATION = "caprobe"
#: Environment variable naming the folder that holds ``caprobe.ini``.
CONFIG_DIR_ENV = "CAPROBE_CONFIG_DIR"
FILE_NAME = f"{APPLICATION}.ini"

# -- every key -----------------------------------------------------------------
#: PV names probed, most recent first (the name entry's completion).
PV_HISTORY = "probe/pv_history"
#: "Confirm before writing" in the probe.
CONFIRM_WRITES = "probe/confirm_writes"
#: The probe's number format (a mode of ``model.format``) and precision (-1: from the PV).
PROBE_FORMAT = "probe/format"
PROBE_PRECISION = "probe/precision"
#: "light", "dark" or "system".
THEME = "view/theme"
#: The strip chart of the last ``caprobe strip`` run, as its JSON config file text.
STRIP_LAST_CONFIG = "strip/last_config"


def window_geometry_key(layout: str) -> str:
    """Main window size and place; one per layout (probe, strip, with a PV list...)."""
    return f"window/{layout}/geometry"


def window_state_key(layout: str) -> str:
    """Dock arrangement (QMainWindow.saveState) of one layout."""
    return f"window/{layout}/state"


# -- the file ------------------------------------------------------------------
_persistent = True
_warned: set[str] = set()

T = TypeVar("T")


def set_persistent(persistent: bool) -> None:
    """False: reads give defaults, writes are dropped (for reproducible screenshots)."""
    global _persistent
    _persistent = bool(persistent)


def is_persistent() -> bool:
    return _persistent


def app_settings() -> QSettings:
    folder = os.environ.get(CONFIG_DIR_ENV)
    if folder:
        return QSettings(os.path.join(folder, FILE_NAME), QSettings.IniFormat)
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)


def settings_path() -> str:
    """The settings file (whether or not it exists yet)."""
    return app_settings().fileName()


def clear_settings() -> str:
    """Forget every preference; returns the file that held them (OSError if it cannot)."""
    settings = app_settings()
    settings.clear()
    settings.sync()
    if settings.status() == QSettings.AccessError:
        raise OSError(f"cannot write {settings.fileName()}")
    return settings.fileName()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)


def _check(settings: QSettings, action: str) -> bool:
    """Warn (once) about the file itself; ``action`` is "read" or "write"."""
    status = settings.status()
    if status == QSettings.NoError:
        return True
    path = settings.fileName()
    if status == QSettings.AccessError:
        _warn_once(f"settings file {path} cannot be {'read' if action == 'read' else 'written'}"
                   f": preferences are {'not restored' if action == 'read' else 'not saved'}")
    else:  # FormatError: Qt skips what it cannot parse and rewrites the rest on the next save
        _warn_once(f"settings file {path} is damaged: what cannot be read is ignored "
                   "(caprobe --reset-settings starts it afresh)")
    return False


def read_value(key: str, default: T, convert: Callable[[Any], T]) -> T:
    """The value under ``key`` made usable by ``convert``, else ``default``.

    ``convert`` raises (ValueError, TypeError...) for a value it cannot
    use; that value is reported once and the default is used.
    """
    if not _persistent:
        return default
    try:
        settings = app_settings()
        raw = settings.value(key)
        _check(settings, "read")
        if raw is None:
            return default
        return convert(raw)
    except Exception as exc:  # any bad value: the default, never a failed start
        _warn_once(f"settings: ignoring {key} in {settings_path()}: {exc}; using the default")
        return default


def write_value(key: str, value: Any) -> None:
    if not _persistent:
        return
    try:
        settings = app_settings()
        settings.setValue(key, value)
        settings.sync()
        _check(settings, "write")
    except Exception as exc:  # a full disk must not break the window either
        _warn_once(f"settings: could not save {key}: {exc}")


def remove_value(key: str) -> None:
    if _persistent:
        settings = app_settings()
        settings.remove(key)
        settings.sync()


# -- typed helpers ---------------------------------------------------------------
def _to_list(value: Any) -> list[str]:
    # QSettings gives a one-element list back as a plain string.
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    raise TypeError(f"expected a list of names, got {type(value).__name__}")


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _to_bytes(value: Any) -> QByteArray:
    if isinstance(value, QByteArray):
        return value
    raise TypeError(f"expected saved window data, got {type(value).__name__}")


def read_list(key: str) -> list[str]:
    """A list of strings; tolerant of the single-string and missing cases."""
    return read_value(key, [], _to_list)


def write_list(key: str, values: list[str]) -> None:
    write_value(key, list(values))


def read_bool(key: str, default: bool = False) -> bool:
    return read_value(key, default, _to_bool)


def write_bool(key: str, value: bool) -> None:
    write_value(key, bool(value))


def read_choice(key: str, choices: tuple[str, ...] | list[str], default: str) -> str:
    """One of ``choices`` (a value not among them gives the default, with a warning)."""
    def convert(value: Any) -> str:
        if str(value) not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return str(value)

    return read_value(key, default, convert)


def read_int(key: str, default: int, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``."""
    def convert(value: Any) -> int:
        number = int(str(value).strip())
        if not low <= number <= high:
            raise ValueError(f"{number} is not from {low} to {high}")
        return number

    return read_value(key, default, convert)


def read_text(key: str, default: str = "") -> str:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__}")
        return value

    return read_value(key, default, convert)


def read_bytes(key: str) -> QByteArray | None:
    """Saved binary data (window geometry, dock state), or None."""
    return read_value(key, None, _to_bytes)


def write_bytes(key: str, data: QByteArray) -> None:
    write_value(key, QByteArray(data))

"""The one place widgets keep preferences between runs.

An INI file under the user's config folder (``$XDG_CONFIG_HOME/caprobe/
caprobe.ini`` on Linux), so an operator can read, copy or delete it.
GUI thread only, like every QSettings user here.
"""
from __future__ import annotations

from typing import Any

from PyQt5.QtCore import QSettings

ORGANIZATION = "caprobe"
APPLICATION = "caprobe"


def app_settings() -> QSettings:
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)


def read_list(key: str) -> list[str]:
    """A list of strings; tolerant of the single-string and missing cases."""
    value: Any = app_settings().value(key, [])
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def write_list(key: str, values: list[str]) -> None:
    settings = app_settings()
    settings.setValue(key, list(values))
    settings.sync()


def read_bool(key: str, default: bool = False) -> bool:
    value: Any = app_settings().value(key, default)
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def write_bool(key: str, value: bool) -> None:
    settings = app_settings()
    settings.setValue(key, bool(value))
    settings.sync()

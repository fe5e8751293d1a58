"""caprobe: EPICS Channel Access probe, strip chart and live Qt widgets.

The public core is small::

    from caprobe import default_hub
    channel = default_hub().channel("XF:31ID:temp", parent=my_widget)
    channel.reading_changed.connect(my_widget.on_reading)

Importing ``caprobe`` alone does not import Qt; the hub names below are
loaded on first access.
"""
from __future__ import annotations

from typing import Any

from caprobe.model import ConnectionState, Reading, SampleBatch, Severity

__version__ = "0.1.0"

_LAZY = {
    "ChannelHub": "caprobe.bridge.hub",
    "Channel": "caprobe.bridge.channel",
    "default_hub": "caprobe.bridge.hub",
    "set_read_only": "caprobe.bridge.hub",
    "is_read_only": "caprobe.bridge.hub",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'caprobe' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "Channel",
    "ChannelHub",
    "ConnectionState",
    "Reading",
    "SampleBatch",
    "Severity",
    "__version__",
    "default_hub",
    "is_read_only",
    "set_read_only",
]

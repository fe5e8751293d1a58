"""Plain data that crosses every layer: readings, alarms, metadata.

Nothing here imports Qt or a CA library, so backends (CA threads), the hub
(GUI thread) and tests share these types freely. Every object is immutable
once built, which is what makes handing it between threads safe.
"""
from caprobe.model.alarm import AlarmStatus, Severity, status_name
from caprobe.model.cainfo import alarm_text, cainfo_text, local_time_text
from caprobe.model.coerce import PutRejected, coerce_put_value
from caprobe.model.entry import parse_entry
from caprobe.model.format import format_value
from caprobe.model.pvnames import first_pvname, split_pvnames
from caprobe.model.reading import (
    ChannelInfo,
    ConnectionState,
    FieldType,
    Metadata,
    Reading,
    SampleBatch,
)

__all__ = [
    "AlarmStatus",
    "ChannelInfo",
    "ConnectionState",
    "FieldType",
    "Metadata",
    "PutRejected",
    "Reading",
    "SampleBatch",
    "Severity",
    "coerce_put_value",
    "format_value",
    "status_name",
    "alarm_text",
    "cainfo_text",
    "first_pvname",
    "local_time_text",
    "parse_entry",
    "split_pvnames",
]

"""Live widgets. They talk to a ``ChannelHub`` only, never to a backend."""
from caprobe.widgets.alarm_style import SEVERITY_COLORS, severity_style
from caprobe.widgets.pv_table import PVTable

__all__ = ["PVTable", "SEVERITY_COLORS", "severity_style"]

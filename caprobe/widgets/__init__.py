"""Live widgets. They talk to a ``ChannelHub`` only, never to a backend."""
from caprobe.widgets.alarm_style import SEVERITY_COLORS, severity_badge_style, severity_style
from caprobe.widgets.array_view import ArrayView
from caprobe.widgets.probe import ProbeWidget
from caprobe.widgets.probe_tabs import ProbeTabs
from caprobe.widgets.pv_name_edit import PVNameEdit
from caprobe.widgets.pv_table import PVTable
from caprobe.widgets.strip_chart import StripChart
from caprobe.widgets.waveform_plot import WaveformPlot
from caprobe.widgets.write_control import WriteControl

__all__ = ["ArrayView", "PVNameEdit", "PVTable", "ProbeTabs", "ProbeWidget", "SEVERITY_COLORS",
           "StripChart", "WaveformPlot", "WriteControl", "severity_badge_style", "severity_style"]

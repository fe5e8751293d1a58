"""Live widgets. They talk to a ``ChannelHub`` only, never to a backend.

Every PV widget takes ``(pvname, parent=None, hub=None)`` (the default hub
when none is given) and shares its behaviour through ``PVWidgetMixin``.
"""
from caprobe.widgets.alarm_style import SEVERITY_COLORS, severity_badge_style, severity_style
from caprobe.widgets.array_view import ArrayView
from caprobe.widgets.connection_progress import ConnectionProgress, with_connection_progress
from caprobe.widgets.probe import ProbeWidget
from caprobe.widgets.probe_tabs import ProbeTabs
from caprobe.widgets.pv_actions import PVActions, pv_actions
from caprobe.widgets.pv_controls import PVCheckBox, PVLineEdit, PVPushButton, PVSlider, PVSpinBox
from caprobe.widgets.pv_display import PVByteIndicator, PVLabel, PVLed
from caprobe.widgets.pv_enum import PVEnumButtons, PVEnumComboBox
from caprobe.widgets.pv_name_edit import PVNameEdit
from caprobe.widgets.pv_table import PVTable
from caprobe.widgets.pv_widget import PVWidgetMixin
from caprobe.widgets.strip_chart import StripChart
from caprobe.widgets.waveform_plot import WaveformPlot
from caprobe.widgets.write_control import WriteControl

__all__ = ["ArrayView", "ConnectionProgress", "PVActions", "PVByteIndicator", "PVCheckBox", "PVEnumButtons",
           "PVEnumComboBox", "PVLabel", "PVLed", "PVLineEdit", "PVNameEdit", "PVPushButton",
           "PVSlider", "PVSpinBox", "PVTable", "PVWidgetMixin", "ProbeTabs", "ProbeWidget",
           "SEVERITY_COLORS", "StripChart", "WaveformPlot", "WriteControl", "pv_actions",
           "severity_badge_style", "severity_style", "with_connection_progress"]

"""A plain PyQt5 window with a live label, a setpoint and a strip chart.

Run it against the demo IOC:  caprobe demo  (in another terminal), then
    python examples/embed.py demo:
"""
import sys

from PyQt5.QtWidgets import QApplication, QFormLayout, QWidget

from caprobe.widgets import PVLabel, PVLineEdit, StripChart

prefix = sys.argv[1] if len(sys.argv) > 1 else "demo:"
app = QApplication(sys.argv)
window = QWidget(windowTitle="My beamline panel")
form = QFormLayout(window)
form.addRow("Readback", PVLabel(prefix + "readback"))
form.addRow("Setpoint", PVLineEdit(prefix + "setpoint"))
form.addRow(StripChart([prefix + "readback", prefix + "setpoint", prefix + "ramp"], span=60))
window.resize(700, 480)
window.show()
sys.exit(app.exec_())

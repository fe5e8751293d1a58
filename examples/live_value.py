"""A live EPICS value in a plain PyQt5 app, as the README shows it.

Run ``caprobe demo`` elsewhere, or point EPICS_CA_ADDR_LIST at your IOCs
and change the PV name.
"""
import sys

from PyQt5.QtWidgets import QApplication, QLabel

from caprobe import default_hub

app = QApplication(sys.argv)
label = QLabel("waiting for demo:sine…")
channel = default_hub().channel("demo:sine", parent=label)  # released with the label
channel.reading_changed.connect(lambda reading: label.setText(reading.format()))
label.show()
app.exec_()

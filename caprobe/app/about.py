"""Help > About: what a support question needs, as text anyone can copy.

Versions of everything that draws or talks CA, the CA backend in use, the
EPICS environment this process runs with (defaults marked as such: an
unset ``EPICS_CA_ADDR_LIST`` explains many "PV not found" questions), the
identity IOCs see for writes, and where the settings and the log are.
"""
from __future__ import annotations

import os
import platform

import numpy
import pyqtgraph
from PyQt5.QtCore import PYQT_VERSION_STR, QT_VERSION_STR, Qt
from PyQt5.QtGui import QFont, QGuiApplication
from PyQt5.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import caprobe
from caprobe.app.logfile import log_file
from caprobe.app.themes import current_theme
from caprobe.bridge import ChannelHub, is_read_only
from caprobe.bridge.hub import client_identity
from caprobe.widgets.settings import is_persistent, settings_path

#: Channel Access client variables and the value libca uses when one is unset
#: (EPICS base Channel Access reference manual). pyepics sets
#: EPICS_CA_MAX_ARRAY_BYTES itself (16 MB) when it is unset, so with that
#: backend it shows as set.
EPICS_DEFAULTS = (
    ("EPICS_CA_ADDR_LIST", ""),
    ("EPICS_CA_AUTO_ADDR_LIST", "YES"),
    ("EPICS_CA_NAME_SERVERS", ""),
    ("EPICS_CA_SERVER_PORT", "5064"),
    ("EPICS_CA_REPEATER_PORT", "5065"),
    ("EPICS_CA_AUTO_ARRAY_BYTES", "YES"),  # YES: libca sizes buffers as needed (base 3.16.1+)
    ("EPICS_CA_MAX_ARRAY_BYTES", "16384"),
    ("EPICS_CA_CONN_TMO", "30.0"),
    ("EPICS_CA_BEACON_PERIOD", "15.0"),
    ("EPICS_CA_MAX_SEARCH_PERIOD", "300"),
)
#: The variables shown; kept for callers that list them.
EPICS_VARIABLES = tuple(name for name, _default in EPICS_DEFAULTS)


def epics_environment_lines() -> list[str]:
    """One line per CA variable: its value, or the default and that it is unset."""
    width = max(len(name) for name in EPICS_VARIABLES)
    rows = []
    for name, default in EPICS_DEFAULTS:
        value = os.environ.get(name)
        shown = (default if value is None else value).strip() or "(empty)"
        rows.append((name, shown, "[not set: default]" if value is None else ""))
    value_width = max(len(shown) for _name, shown, _note in rows)
    return [f"  {name:<{width}} = {shown:<{value_width}}  {note}".rstrip()
            for name, shown, note in rows]


def about_text(hub: ChannelHub) -> str:
    """Plain text for Help > About and for pasting into a support request."""
    settings = settings_path() + ("" if is_persistent() else "   [not used in this run]")
    log_path = log_file()
    read_only = is_read_only() or hub.read_only
    qt_platform = QGuiApplication.platformName() if QGuiApplication.instance() else "-"
    return "\n".join([
        f"caprobe {caprobe.__version__}",
        "",
        f"Python      {platform.python_version()} ({platform.python_implementation()})",
        f"Qt          {QT_VERSION_STR} (platform: {qt_platform})",
        f"PyQt5       {PYQT_VERSION_STR}",
        f"pyqtgraph   {pyqtgraph.__version__}",
        f"numpy       {numpy.__version__}",
        f"OS          {platform.platform()}",
        "",
        f"CA backend:            {hub.describe()}",
        f"Identifies to IOCs as: {client_identity()}",
        f"Writes:                {'disabled (read-only mode)' if read_only else 'enabled'}",
        f"Theme:                 {current_theme()}",
        "",
        "EPICS environment:",
        *epics_environment_lines(),
        "",
        f"Settings file: {settings}",
        f"Log file:      {log_path if log_path is not None else '(none: not writable)'}",
    ])


class AboutDialog(QDialog):
    """The About text, selectable, with a "Copy to clipboard" button."""

    def __init__(self, hub: ChannelHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About caprobe")
        title = QLabel(f"<b>caprobe {caprobe.__version__}</b>: EPICS Channel Access probe, "
                       "strip chart and live widgets", self)
        hint = QLabel("Include this text in support questions.", self)
        self.text_edit = QPlainTextEdit(about_text(hub), self)
        self.text_edit.setReadOnly(True)
        self.text_edit.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.text_edit.setTextInteractionFlags(Qt.TextSelectableByMouse
                                               | Qt.TextSelectableByKeyboard)
        mono = QFont("monospace")  # columns line up, as in the pasted copy
        mono.setStyleHint(QFont.TypeWriter)
        self.text_edit.setFont(mono)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        self.copy_button = QPushButton("Copy to clipboard", self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.text_edit, 1)
        layout.addWidget(buttons)
        metrics = self.text_edit.fontMetrics()
        lines = self.text_edit.toPlainText().splitlines()
        width = max(metrics.horizontalAdvance(line) for line in lines)
        self.resize(min(1100, width + 80),
                    min(800, metrics.lineSpacing() * (len(lines) + 2) + 130))

    def text(self) -> str:
        return self.text_edit.toPlainText()

    def copy_to_clipboard(self) -> None:
        QApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied")


def show_about(hub: ChannelHub, parent: QWidget | None = None) -> AboutDialog:
    """Open the About dialog (non-modal: the windows stay live); returns it."""
    dialog = AboutDialog(hub, parent)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.show()
    return dialog

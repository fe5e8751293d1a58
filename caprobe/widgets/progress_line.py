"""``ProgressLine``: a slim line with text and a bar, above the content it reports on.

The look shared by the "connecting… N of M" line and a panel's "building…"
line: the palette's alternate base colour (so it follows light and dark
themes), a warning icon when something needs the operator's attention.
The text wraps rather than widening its window: in a narrow dock, the
names of the PVs not found are the part that matters, and cutting the
line short would drop them.

Threads: GUI thread only.
"""
from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QPalette
from PyQt5.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QStyle, QWidget

#: Width of the bar: enough to read a fraction at a glance, never the main thing.
BAR_WIDTH = 160


class ProgressLine(QFrame):
    """Text, a bar and an optional warning icon in one line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.AlternateBase)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)  # wraps: height for width
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(8)
        size = self.style().pixelMetric(QStyle.PM_SmallIconSize)
        self.icon = QLabel(self)
        self.icon.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxWarning).pixmap(size))
        self.icon.setVisible(False)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.PlainText)
        self.label.setWordWrap(True)
        # Ignored: the label takes the width the bar leaves, never asks for more.
        self.label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.bar = QProgressBar(self)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(BAR_WIDTH)
        self.bar.setMinimumWidth(BAR_WIDTH // 3)
        self.bar.setMaximumHeight(max(10, self.fontMetrics().height() // 2 + 4))
        layout.addWidget(self.icon, 0, Qt.AlignTop)
        layout.addWidget(self.label, 3)
        layout.addWidget(self.bar, 1, Qt.AlignVCenter)

    def set_progress(self, text: str, value: int, maximum: int, warning: bool = False) -> None:
        self.label.setText(text)
        self.icon.setVisible(warning)
        self.bar.setMaximum(max(1, maximum))
        self.bar.setValue(min(value, max(1, maximum)))

    def text(self) -> str:
        return self.label.text()

"""A "READ-ONLY" badge at the right of a window's status bar while writes are off.

Read-only mode (``--read-only``, ``caprobe.set_read_only``, or a hub made
read-only) must be visible at a glance however narrow the window is. In
the status bar's message it was the last words, the first cut off, and a
passing message ("Saved …") hid it; a permanent widget is neither.
It follows ``set_read_only`` while the window lives, and the theme.
"""
from __future__ import annotations

import weakref

from PyQt5 import sip
from PyQt5.QtWidgets import QLabel, QMainWindow

from caprobe.bridge import ChannelHub, is_read_only
from caprobe.bridge.hub import add_read_only_listener
from caprobe.widgets.look import look_color, look_notifier

TEXT = "READ-ONLY: writes disabled"


class ReadOnlyBadge(QLabel):
    """The label; its colour follows the light/dark look."""

    def __init__(self, parent: QMainWindow) -> None:
        super().__init__(TEXT, parent)
        self.setObjectName("readOnlyBadge")
        self.setToolTip("Nothing can be written from this window: caprobe runs read-only "
                        "(--read-only), or the application switched writes off")
        self._on_look_changed()
        look_notifier().changed.connect(self._on_look_changed)  # bound: goes with the badge

    def _on_look_changed(self, _dark: bool = False) -> None:
        self.setStyleSheet(f"QLabel#readOnlyBadge {{ color: #ffffff; "
                           f"background-color: {look_color('invalid_border')}; "
                           "font-weight: bold; padding: 1px 8px; border-radius: 3px; }")


def add_read_only_badge(window: QMainWindow, hub: ChannelHub) -> QLabel:
    """Put the badge in ``window``'s status bar; shown only while writes are off."""
    badge = ReadOnlyBadge(window)
    window.statusBar().addPermanentWidget(badge)
    badge_ref = weakref.ref(badge)
    hub_ref = weakref.ref(hub)

    def follow() -> None:
        label, channel_hub = badge_ref(), hub_ref()
        if label is None or sip.isdeleted(label):
            return
        label.setVisible(is_read_only() or bool(channel_hub and channel_hub.read_only))

    # The hub keeps listeners weakly: the badge keeps its own, so it goes
    # with the badge (a Qt ``destroyed`` slot here crashed at teardown).
    badge.follow_read_only = follow
    add_read_only_listener(follow)
    follow()
    return badge

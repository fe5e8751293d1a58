"""Qt Designer support: caprobe's PV widgets in Designer's widget box.

Designer loads Python plugins from the folders listed in
``PYQTDESIGNERPATH``; this package is that folder::

    PYQTDESIGNERPATH="$(python -m caprobe.designer)" designer

(``designer`` comes with Qt or the ``pyqt5-tools`` package; the Python
that runs it must be able to import caprobe). Forms saved by Designer load
with ``uic.loadUi`` or ``caprobe panel FORM.ui`` and go live.
"""
from __future__ import annotations

from pathlib import Path


def plugin_dir() -> str:
    """The folder to put in ``PYQTDESIGNERPATH``."""
    return str(Path(__file__).resolve().parent)

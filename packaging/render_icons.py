"""Render the application icon's PNG renditions from its SVG (run after editing the SVG).

Usage: python packaging/render_icons.py

Writes resources/icons/hicolor/<N>x<N>/apps/<app id>.png for every size in
``caprobe.assets.ICON_SIZES``; the PNGs are committed, so that neither the
wheel build nor a desktop needs an SVG renderer. Qt renders offscreen: no
display is needed.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's caprobe.assets, installed or not

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt5.QtCore import Qt  # noqa: E402
from PyQt5.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PyQt5.QtSvg import QSvgRenderer  # noqa: E402

from caprobe.assets import ICON_SIZES, icon_parts  # noqa: E402

RESOURCES = ROOT / "resources"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format_ARGB32)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    # Antialiasing and smooth transforms: without them the 16 and 32 px
    # renditions get jagged diagonals (the probe is at 45 degrees).
    painter.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 (QPainter needs an application)
    svg = RESOURCES.joinpath(*icon_parts())
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"render_icons: cannot read {svg}", file=sys.stderr)
        return 1
    for size in ICON_SIZES:
        out = RESOURCES.joinpath(*icon_parts(size))
        out.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(out), "PNG"):
            print(f"render_icons: cannot write {out}", file=sys.stderr)
            return 1
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

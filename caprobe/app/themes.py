"""Light, dark or the desktop's own look for the whole application.

A theme is three things that must agree:

* a QPalette on Qt's Fusion style, so that everything the stylesheet does
  not mention (dialogs, menus, scroll bars, check boxes) has the theme's
  colours too: Fusion draws from the palette on every platform, where
  native styles ignore parts of it;
* a stylesheet (``resources/themes/<name>.qss``) for what a palette
  cannot say (dock titles, table headers, tooltips, group boxes);
* the widgets' own light/dark colours (``caprobe.widgets.look``): status
  text, entry highlights, plot backgrounds and axes, alarm text.

"system" puts back the style and palette Qt chose at start-up, with no
stylesheet: the desktop's look, whatever it is.

GUI thread only.
"""
from __future__ import annotations

import logging

import pyqtgraph as pg
from PyQt5.QtGui import QColor, QPalette
from PyQt5.QtWidgets import QApplication, QStyleFactory

from caprobe.assets import asset_path, read_asset_text
from caprobe.widgets.look import look_color, set_dark_look

log = logging.getLogger(__name__)

THEMES = ("light", "dark", "system")
DEFAULT_THEME = "system"

_current = DEFAULT_THEME
#: The style name, palette and stylesheet in use before any theme was applied.
_system: tuple[str, QPalette, str] | None = None


def current_theme() -> str:
    return _current


def apply_theme(name: str, app: QApplication | None = None) -> None:
    """Switch the running application to ``name`` (one of ``THEMES``); live widgets follow."""
    global _current, _system
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}: choose from {', '.join(THEMES)}")
    app = app or QApplication.instance()
    if name == "system":
        if _system is not None:  # undo a theme; at start-up there is nothing to undo
            style_name, palette, sheet = _system
            style = QStyleFactory.create(style_name) if style_name else None
            if style is not None:
                app.setStyle(style)
            app.setPalette(palette)
            app.setStyleSheet(sheet)
        set_dark_look(None)  # whatever the desktop's palette is
    else:
        if _system is None:
            # (A style wrapped by an earlier stylesheet has no name: it is kept then.)
            _system = (app.style().objectName(), QPalette(app.palette()), app.styleSheet())
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette() if name == "dark" else light_palette())
        app.setStyleSheet(_stylesheet(name))
        set_dark_look(name == "dark")
    # Plots made later by anyone (pyqtgraph's defaults), not just caprobe's widgets.
    pg.setConfigOptions(background=look_color("plot_bg"), foreground=look_color("plot_fg"))
    _current = name
    log.info("theme: %s", name)


def _stylesheet(name: str) -> str:
    """The theme's stylesheet, its pictures (``url("%THEME_DIR%/x.svg")``) made absolute.

    Qt resolves a relative url() against the working directory, not the
    stylesheet's folder, so the folder is written in when the sheet is loaded.
    """
    try:
        text = read_asset_text("themes", f"{name}.qss")
        folder = asset_path("themes").as_posix()
    except OSError as exc:  # an incomplete install: the palette alone still works
        log.warning("theme %s: stylesheet not found (%s); using the palette only", name, exc)
        return ""
    return text.replace("%THEME_DIR%", folder)


def light_palette() -> QPalette:
    """Fusion's own light palette, whatever the desktop uses."""
    return QStyleFactory.create("Fusion").standardPalette()


#: (role, active colour, disabled colour or None for the same)
_DARK_ROLES = (
    (QPalette.Window, "#2b2d30", None),
    (QPalette.WindowText, "#e6e6e6", "#7f8185"),
    (QPalette.Base, "#1e1f22", "#26272a"),
    (QPalette.AlternateBase, "#27292c", None),
    (QPalette.ToolTipBase, "#3c3f44", None),
    (QPalette.ToolTipText, "#e6e6e6", None),
    (QPalette.PlaceholderText, "#8a8d93", None),
    (QPalette.Text, "#e6e6e6", "#7f8185"),
    (QPalette.Button, "#3a3d42", "#303236"),
    (QPalette.ButtonText, "#e6e6e6", "#7f8185"),
    (QPalette.BrightText, "#ff6b6b", None),
    (QPalette.Light, "#4a4d52", None),
    (QPalette.Midlight, "#3f4247", None),
    (QPalette.Mid, "#2f3135", None),
    (QPalette.Dark, "#1c1d20", None),
    (QPalette.Shadow, "#101112", None),
    (QPalette.Highlight, "#2f65ca", "#3a3d42"),
    (QPalette.HighlightedText, "#ffffff", "#9a9a9a"),
    (QPalette.Link, "#6aa7ff", None),
    (QPalette.LinkVisited, "#b392f0", None),
)


def dark_palette() -> QPalette:
    """A dark palette for Fusion: light grey text, 11:1 on the window colour."""
    palette = QPalette()
    for role, color, disabled in _DARK_ROLES:
        palette.setColor(QPalette.All, role, QColor(color))
        if disabled is not None:
            palette.setColor(QPalette.Disabled, role, QColor(disabled))
    return palette

"""The menus every caprobe window shares: View > Theme and Help > About.

The main window and panel windows (a ``.toml`` panel or a Designer form)
add them to their menu bar, so the theme and the support information are
one click away wherever an operator is.
"""
from __future__ import annotations

from PyQt5.QtWidgets import QAction, QActionGroup, QMenu, QMenuBar, QWidget

from caprobe.app.about import show_about
from caprobe.app.themes import THEMES, apply_theme, current_theme
from caprobe.bridge import ChannelHub
from caprobe.widgets.settings import THEME, write_value

THEME_LABELS = {"light": "&Light", "dark": "&Dark", "system": "&System (desktop's look)"}


def choose_theme(name: str) -> None:
    """Apply a theme and remember it for the next run (View > Theme)."""
    apply_theme(name)
    write_value(THEME, name)


def add_view_menu(menu_bar: QMenuBar) -> QMenu:
    view = menu_bar.addMenu("&View")
    themes = view.addMenu("&Theme")
    group = QActionGroup(themes)
    group.setExclusive(True)
    for name in THEMES:
        action = QAction(THEME_LABELS[name], themes)
        action.setCheckable(True)
        action.setData(name)
        action.triggered.connect(lambda _checked=False, n=name: choose_theme(n))
        group.addAction(action)
        themes.addAction(action)

    def show_current() -> None:  # another window may have changed it
        for action in group.actions():
            action.setChecked(action.data() == current_theme())

    themes.aboutToShow.connect(show_current)
    show_current()
    return view


def add_help_menu(menu_bar: QMenuBar, hub: ChannelHub, parent: QWidget) -> QMenu:
    help_menu = menu_bar.addMenu("&Help")
    help_menu.addAction("&About caprobe", lambda: show_about(hub, parent))
    return help_menu


def add_panel_menus(window: QWidget, hub: ChannelHub) -> QMenuBar | None:
    """View and Help menus on a panel window: its own menu bar, or one above its layout.

    Returns None for a form with neither (nothing to attach a menu bar to).
    """
    menu_bar_of = getattr(window, "menuBar", None)
    if callable(menu_bar_of):  # a QMainWindow form
        menu_bar = menu_bar_of()
    elif window.layout() is not None:
        menu_bar = QMenuBar(window)
        window.layout().setMenuBar(menu_bar)
    else:
        return None
    add_view_menu(menu_bar)
    add_help_menu(menu_bar, hub, window)
    return menu_bar

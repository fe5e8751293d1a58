"""Themes: stylesheet, palette, the widgets' own colours and the plots follow at once,
the choice is remembered, and alarm colours stay legible on both backgrounds."""
from __future__ import annotations

import pyqtgraph as pg
import pytest
from PyQt5.QtGui import QColor, QPalette
from PyQt5.QtWidgets import QApplication, QMainWindow

from caprobe.app import cli, themes
from caprobe.app.app_menus import add_panel_menus
from caprobe.app.main_window import MainWindow
from caprobe.app.read_only_badge import add_read_only_badge
from caprobe.model import Severity
from caprobe.widgets import ArrayView, ProbeWidget, PVLabel, StripChart, WaveformPlot
from caprobe.widgets import settings as S
from caprobe.widgets.alarm_style import badge_colors, border_color, text_color
from caprobe.widgets.look import dark_look, look_color


@pytest.fixture
def idle_hub(qapp):
    from caprobe import ChannelHub

    hub = ChannelHub("caproto")
    yield hub
    hub.close()


@pytest.fixture(autouse=True)
def back_to_system_theme(qapp):
    """Later tests expect the look they always had."""
    options = {k: pg.getConfigOption(k) for k in ("background", "foreground")}
    yield
    themes.apply_theme("system")
    pg.setConfigOptions(**options)


def _luminance(color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    q = QColor(color)
    return (0.2126 * channel(q.redF()) + 0.7152 * channel(q.greenF())
            + 0.0722 * channel(q.blueF()))


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 … 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _background(view) -> str:
    return view.backgroundBrush().color().name()


def test_theme_switch_restyles_application_widgets_and_plots(qtbot, idle_hub):
    app = QApplication.instance()
    chart = StripChart(hub=idle_hub)
    plot = WaveformPlot(hub=idle_hub)
    array = ArrayView()
    probe = ProbeWidget(hub=idle_hub)
    label = PVLabel("t:nobody", hub=idle_hub)  # never connects: the grey "no value" look
    window = QMainWindow()
    badge = add_read_only_badge(window, idle_hub)
    for widget in (chart, plot, array, probe, label, window):
        qtbot.addWidget(widget)
    light_red = look_color("invalid_border")
    assert light_red in badge.styleSheet()
    light_grey = look_color("state_closed")
    assert not dark_look() and _background(chart.plot_view) == "#ffffff"

    themes.apply_theme("dark")
    assert themes.current_theme() == "dark" and dark_look()
    assert app.palette().color(QPalette.Window).lightness() < 60
    assert app.palette().color(QPalette.WindowText).lightness() > 200
    sheet = app.styleSheet()
    assert "QToolTip" in sheet and "%THEME_DIR%" not in sheet and "dark-check.svg" in sheet
    dark_bg = look_color("plot_bg")
    assert QColor(dark_bg).lightness() < 40
    # Live widgets changed at once, without waiting for a value to change.
    assert _background(chart.plot_view) == dark_bg
    assert _background(plot.graphics) == dark_bg
    assert _background(array.plot) == dark_bg
    assert chart._time_axis.pen().color().name() == look_color("plot_fg")
    assert plot.plot.getAxis("left").textPen().color().name() == look_color("plot_fg")
    assert look_color("state_closed") != light_grey
    assert look_color("state_closed") in probe.state_label.styleSheet()
    assert "#9a9a9a" in label.styleSheet()  # disconnected grey for a dark background
    assert look_color("invalid_border") != light_red
    assert look_color("invalid_border") in badge.styleSheet()
    assert pg.getConfigOption("background") == dark_bg  # plots made later, by anyone

    themes.apply_theme("light")
    assert not dark_look() and app.styleSheet() != sheet and "QToolTip" in app.styleSheet()
    assert app.palette().color(QPalette.Window).lightness() > 200
    assert _background(chart.plot_view) == "#ffffff"
    assert light_grey in probe.state_label.styleSheet()
    assert "#808080" in label.styleSheet()
    assert light_red in badge.styleSheet()

    themes.apply_theme("system")
    assert app.styleSheet() == "" and themes.current_theme() == "system"


def test_view_menu_applies_and_remembers_the_theme(qtbot, idle_hub):
    window = MainWindow(idle_hub, [])
    qtbot.addWidget(window)
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    theme_menu = view.actions()[0].menu()
    actions = {a.data(): a for a in theme_menu.actions()}
    assert set(actions) == set(themes.THEMES)
    actions["dark"].trigger()
    assert themes.current_theme() == "dark" and dark_look()
    assert S.read_choice(S.THEME, themes.THEMES, "system") == "dark"
    theme_menu.aboutToShow.emit()
    assert actions["dark"].isChecked() and not actions["light"].isChecked()
    # The next start uses it, unless --theme says otherwise for that run.
    themes.apply_theme("system")
    cli._apply_start_theme(cli.build_parser().parse_args(["probe"]), QApplication.instance())
    assert themes.current_theme() == "dark"
    args = cli.build_parser().parse_args(["probe", "--theme", "light"])
    cli._apply_start_theme(args, QApplication.instance())
    assert themes.current_theme() == "light"
    assert S.read_choice(S.THEME, themes.THEMES, "system") == "dark"  # --theme is not saved


def test_panel_windows_get_the_same_menus(qtbot, idle_hub):
    from caprobe.app.panel_window import PanelWindow
    from caprobe.model.panel import parse_panel

    panel = PanelWindow(parse_panel('title = "T"\n[[section]]\ntitle = "S"\n'
                                    'rows = [[{pv = "t:a"}]]\n'), idle_hub)
    qtbot.addWidget(panel)
    menu_bar = add_panel_menus(panel, idle_hub)
    assert [a.text() for a in menu_bar.actions()] == ["&View", "&Help"]


def test_command_line_theme_choices_are_the_themes():
    assert cli.THEME_CHOICES == themes.THEMES
    assert cli.build_parser().parse_args(["--theme", "dark", "demo"]).theme == "dark"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_alarm_colours_stay_legible(qapp, theme):
    themes.apply_theme(theme)
    palette = QApplication.instance().palette()
    backgrounds = [palette.color(QPalette.Window).name(), palette.color(QPalette.Base).name()]
    # Values in the alarm colour on the window (probe, labels, legend rows).
    minimum = 4.5 if theme == "dark" else 4.0  # light: the look caprobe always had
    for severity in Severity:
        for background in backgrounds:
            assert contrast(text_color(severity), background) >= minimum, (severity, background)
            if theme == "dark" and severity != Severity.NO_ALARM:
                # Borders: about 3:1 for graphics (WCAG 1.4.11). The light look keeps
                # the standard yellow MINOR border; its dashes and dark-amber text carry it.
                assert contrast(border_color(severity), background) >= 2.9, severity
        fg, fill = badge_colors(severity)
        assert contrast(fg, fill or backgrounds[0]) >= 3.0, severity  # bold badge text
    grey = text_color(None, connected=False)
    assert all(contrast(grey, b) >= (4.5 if theme == "dark" else 3.0) for b in backgrounds)
    # The meaning of the colours does not change with the theme.
    assert badge_colors(Severity.MAJOR)[1] == "#e00000"
    assert badge_colors(Severity.MINOR)[1] == "#e0c000"
    assert QColor(text_color(Severity.MAJOR)).hue() in range(0, 10)
    assert QColor(text_color(Severity.MINOR)).hue() in range(40, 60)
    assert QColor(text_color(Severity.INVALID)).hue() in range(290, 310)


def test_strip_chart_palette_is_visible_on_both_plot_backgrounds():
    from caprobe.widgets.look import _COLORS
    from caprobe.widgets.strip_chart import PALETTE

    light, dark = _COLORS["plot_bg"]
    assert len(set(PALETTE)) == len(PALETTE) == 20
    for color in PALETTE:
        assert contrast(color, dark) >= 3.0, color
        assert contrast(color, light) >= 2.0, color
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
        assert max(r, g, b) - min(r, g, b) > 40, color  # not a grey: grey is "disconnected"

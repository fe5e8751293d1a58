"""Operator panels: the file format's checks, macros, and live panels on real IOCs.

Every malformed-panel case is refused with a message naming the file and
the line or field and what is expected; opening a panel writes nothing.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PyQt5.QtWidgets import QWidget

from caprobe.app.panel_window import PanelWindow, load_ui_panel, open_panel
from caprobe.model.macros import MacroError, expand, parse_macro_definitions
from caprobe.model.panel import (
    PanelError,
    PVCell,
    StripCell,
    TextCell,
    WaveformCell,
    load_panel,
    parse_panel,
    starter_panel,
)
from caprobe.widgets import (
    PVEnumButtons,
    PVLabel,
    PVLed,
    PVLineEdit,
    PVPushButton,
    PVSlider,
    StripChart,
    WaveformPlot,
)
from caprobe.widgets.pv_auto import PVAutoWidget
from tests.conftest import PORTS
from tests.helpers import WAIT, ioc_value, ioc_write
from tests.iocs.harness import LOOPBACK_ENV, ROOT

GOOD = """
title = "Test $(P)"
columns = 2
[macros]
P = "X:"
[[section]]
title = "One"
rows = [
  ["$(P)a", {pv = "${P}b", widget = "led", bit = 2}],
  {pv = "$(P)c", widget = "button", value = 3},
  [{strip = ["$(P)a", "$(P)b"], span = "2m"}],
  [{waveform = "$(P)wf", waterfall = true}],
  [{text = "note for $(WHO=operators)"}],
]
"""


# -- the model ---------------------------------------------------------------------------

def test_a_good_panel_parses_with_macros_and_defaults():
    panel = parse_panel(GOOD, "good.toml")
    assert panel.title == "Test X:" and panel.columns == 2
    rows = panel.sections[0].rows
    assert rows[0] == (PVCell("X:a"), PVCell("X:b", widget="led", bit=2))
    assert rows[1] == (PVCell("X:c", widget="button", value="3"),)
    assert rows[2] == (StripCell(("X:a", "X:b"), span=120.0),)
    assert rows[3] == (WaveformCell("X:wf", waterfall=True),)
    assert rows[4] == (TextCell("note for operators"),)
    assert panel.pvnames() == ["X:a", "X:b", "X:c", "X:wf"]
    # -m overrides the file's [macros]; a reference's own default comes last.
    panel = parse_panel(GOOD, "good.toml", "P=Y:,WHO=the MCR")
    assert panel.pvnames()[0] == "Y:a" and panel.sections[0].rows[4][0].text.endswith("the MCR")


@pytest.mark.parametrize("text, expected", [
    ('title = "x"\n[[section]\nrows = []', "good.toml: TOML syntax error: "),
    ('[[section]]\nrows = [[{pv = "a", widget = "gauge"}]]',
     "good.toml: section[0].rows[0][0].widget: unknown widget 'gauge'; expected one of auto, "),
    ('[[section]]\nrows = [["$(P)a"]]', "good.toml: section[0].rows[0][0]: macro $(P) is not "
                                        "defined: give it with -m \"P=...\""),
    ('[[section]]\nrows = [[{pv = "a", bit = "two"}]]',
     "good.toml: section[0].rows[0][0].bit: expected an integer, not a string (\"two\")"),
    ('columns = "2"\n[[section]]\nrows = [["a"]]',
     "good.toml: columns: expected an integer, not a string"),
    ('[[section]]\nrows = [[{pv = "a", colour = "red"}]]',
     "good.toml: section[0].rows[0][0]: unknown key 'colour'; expected bit, bits, confirm"),
    ('title = "no sections"', "good.toml: top level: no [[section]]"),
    ('[[section]]\nrows = [[{pv = "a", widget = "button"}]]',
     "good.toml: section[0].rows[0][0]: a button needs value = ..."),
    ('[[section]]\nrows = [[{strip = ["a"], span = "forever"}]]',
     "good.toml: section[0].rows[0][0].span: "),
    ('[[section]]\nrows = [[{pv = "a b"}]]',
     "good.toml: section[0].rows[0][0].pv: 'a b' is not a PV name"),
    ('[[section]]\nrows = [[42]]',
     "good.toml: section[0].rows[0][0]: expected a PV name or a table"),
    ('[[section]]\nrows = [[{pv = "a", confirm = 1}]]',
     "good.toml: section[0].rows[0][0].confirm: expected true or false, not an integer"),
])
def test_each_malformed_panel_is_refused_with_a_clear_message(text, expected):
    with pytest.raises(PanelError) as info:
        parse_panel(text, "good.toml")
    assert str(info.value).startswith(expected), str(info.value)


def test_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('# a panel\ntitle = ok\n[[section]]\nrows = [["a"]]\n')
    with pytest.raises(PanelError, match=r"bad.toml: TOML syntax error: .*line 2, column"):
        load_panel(path)
    with pytest.raises(PanelError, match="cannot read"):
        load_panel(tmp_path / "missing.toml")


def test_macros():
    assert parse_macro_definitions("P=XF:31ID:, N=2") == {"P": "XF:31ID:", "N": "2"}
    assert expand("$(P)a ${P}b $(Q=def)c", {"P": "X:"}) == "X:a X:b defc"
    for bad in ("P", "1P=3"):
        with pytest.raises(MacroError):
            parse_macro_definitions(bad)
    with pytest.raises(MacroError, match=r"\$\(Q\) is not defined"):
        expand("$(Q)", {})


def test_starter_panel_round_trips():
    text = starter_panel(["A:b", "C:d\"quoted"], "My \"title\"")
    panel = parse_panel(text, "starter.toml")
    assert panel.title == 'My "title"'
    assert panel.pvnames() == ["A:b", 'C:d"quoted']


def test_example_panels_use_demo_pvs_only():
    from caprobe.app.cli import DEMO_PVS
    from caprobe.assets import example_panels

    tomls = [path for path in example_panels().values() if path.suffix == ".toml"]
    assert tomls  # a moved folder must not make this pass on nothing
    for path in tomls:
        panel = load_panel(path)
        assert set(panel.pvnames()) <= set(DEMO_PVS), path


# -- live panels -------------------------------------------------------------------------

PANEL = """
title = "Live $(P)"
[[section]]
title = "Auto"
rows = [["$(P)ao"], ["$(P)ai"], ["$(P)mbbo"], ["$(P)ro"], ["$(P)wf"], ["$(P)so"]]
[[section]]
title = "Named"
rows = [
  [{pv = "$(P)ao", widget = "slider"}, {pv = "$(P)bo", widget = "led"}],
  [{pv = "$(P)ao", widget = "button", value = 9}, {pv = "$(P)long", widget = "byte"}],
  [{pv = "$(P)ai", widget = "trend", span = 30}, {pv = "$(P)bo", widget = "checkbox"}],
  [{pv = "$(P)mbbo", widget = "combo"}, {pv = "$(P)ao", widget = "spinbox"}],
  [{strip = ["$(P)counter", "$(P)ai"], span = "1m"}],
  [{waveform = "$(P)wf"}],
]
"""


def test_panel_goes_live_picks_widgets_by_type_and_writes_nothing(qtbot, hub, ioc, tmp_path,
                                                                   caplog):
    ioc_write(ioc.prefix + "ao", 1.5)
    before = {name: ioc_value(ioc.prefix + name) for name in ("ao", "mbbo", "bo", "long", "so")}
    path = tmp_path / "live.toml"
    path.write_text(PANEL)
    window = open_panel(path, hub, {"P": ioc.prefix})
    assert isinstance(window, PanelWindow) and window.windowTitle() == f"Live {ioc.prefix}"
    qtbot.addWidget(window)
    window.show()
    autos = window.findChildren(PVAutoWidget)
    qtbot.waitUntil(lambda: all(a.kind for a in autos), timeout=WAIT)
    kinds = {a.pvname[len(ioc.prefix):]: a.kind for a in autos}
    assert kinds == {"ao": "entry", "ai": "entry", "mbbo": "buttons", "ro": "label",
                     "wf": "waveform", "so": "entry"}
    qtbot.waitUntil(lambda: all(c.connected and c.reading is not None
                                for c in window.channels()), timeout=2 * WAIT)
    for cls in (PVSlider, PVLed, PVPushButton, PVEnumButtons, PVLineEdit, PVLabel, StripChart,
                WaveformPlot):
        assert window.findChildren(cls), cls.__name__
    assert window.findChildren(PVPushButton)[0].text() == "Write 9"
    qtbot.wait(500)  # a few more frames, in case anything would write late
    after = {name: ioc_value(ioc.prefix + name) for name in before}
    assert after == before
    assert not [r for r in caplog.records if "writing" in r.getMessage()]
    window.grab().save(str(tmp_path / "panel.png"))


def test_ui_form_panel_with_macros(qtbot, ioc, tmp_path, monkeypatch, backend_name):
    import caprobe.bridge.hub as hub_module

    monkeypatch.setenv("CAPROBE_BACKEND", backend_name)
    monkeypatch.setattr(hub_module, "_default_hub", None)
    source = (ROOT / "resources" / "panels" / "demo_setpoints.ui").read_text()
    path = tmp_path / "form.ui"
    path.write_text(source)
    try:
        form = load_ui_panel(path, {"P": ioc.prefix})  # uses $(P=demo:) in the file
        qtbot.addWidget(form)
        form.show()
        # -m's P replaced the file's default (demo:) everywhere.
        assert form.setpoint.pvname == ioc.prefix + "setpoint"
        assert form.windowTitle() == f"Demo setpoints ({ioc.prefix})"
        # The form is live on the default hub: point two widgets at the test IOC's records.
        ioc_write(ioc.prefix + "ai_drive", 0.0)
        form.readback.setProperty("pvname", ioc.prefix + "ai")
        form.mode.setProperty("pvname", ioc.prefix + "mbbo")
        qtbot.waitUntil(lambda: form.readback.text() == "0.000 mm", timeout=WAIT)
        qtbot.waitUntil(lambda: form.mode.count() == 4, timeout=WAIT)
    finally:
        if hub_module._default_hub is not None:
            hub_module._default_hub.close()


@pytest.mark.parametrize("text, expected", [
    ("<ui><widget class='QWidget'", "line 1, column "),
    ("<notui/>", "not a Qt Designer form"),
    ('<ui version="4.0"><widget class="QWidget" name="w"><layout class="QVBoxLayout">'
     '<item><widget class="PVLabel" name="x"><property name="pvname"><string>$(Q)a</string>'
     '</property></widget></item></layout></widget><customwidgets><customwidget>'
     '<class>PVLabel</class><extends>QLabel</extends><header>caprobe.widgets</header>'
     '</customwidget></customwidgets></ui>', "widget x, property pvname: macro $(Q) is not"),
])
def test_malformed_ui_forms_are_refused(qtbot, tmp_path, text, expected):
    path = tmp_path / "bad.ui"
    path.write_text(text)
    with pytest.raises(PanelError) as info:
        load_ui_panel(path)
    assert str(path) in str(info.value) and expected in str(info.value)


# -- the command line ----------------------------------------------------------------------

def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(LOOPBACK_ENV)
    env.update(QT_QPA_PLATFORM="offscreen", EPICS_CA_ADDR_LIST=f"127.0.0.1:{PORTS['demo']}",
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "caprobe.app.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def test_cli_refuses_a_bad_panel_before_opening_anything(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[section]]\nrows = [[{pv = "a", widget = "gauge"}]]\n')
    out = cli("panel", str(path))
    assert out.returncode == 2
    assert out.stderr.startswith(f"caprobe: error: {path}: section[0].rows[0][0].widget: "
                                 "unknown widget 'gauge'")
    out = cli("panel", str(ROOT / "resources" / "panels" / "demo_overview.toml"), "-m", "P")
    assert out.returncode == 2 and "macro 'P' has no value" in out.stderr


def test_cli_new_writes_a_starter_panel(tmp_path):
    out = cli("panel", "--new", "A:b", "C:d,E:f")
    assert out.returncode == 0
    assert parse_panel(out.stdout, "stdout").pvnames() == ["A:b", "C:d", "E:f"]
    target = tmp_path / "p.toml"
    assert cli("panel", "--new", "A:b", "-o", str(target)).returncode == 0
    assert load_panel(target).pvnames() == ["A:b"]
    again = cli("panel", "--new", "A:b", "-o", str(target))
    assert again.returncode == 2 and "not overwritten" in again.stderr


def test_main_window_saves_its_pvs_as_a_panel(qtbot, hub, tmp_path):
    from caprobe.app.main_window import MainWindow

    window = MainWindow(hub, ["A:one", "A:two"], strip_pvnames=["A:three"])
    qtbot.addWidget(window)
    path = tmp_path / "saved.toml"
    window.save_panel(str(path))
    assert load_panel(path).pvnames() == ["A:one", "A:two", "A:three"]
    assert isinstance(window, QWidget)

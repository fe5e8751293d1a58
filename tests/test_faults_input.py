"""Bad input: hostile files, odd values and refused entries, on real IOCs and both backends.

Items of the fault and bad-input suite covered here:

* 7 — 'abc', '', '1e400', 'nan' to a double, 60 characters to a DBR_STRING,
  out-of-range and unknown enum values: refused by the widget (PVLineEdit,
  the probe's write control) before anything reaches the CA backend, the
  reason shown next to the control, the IOC's value unchanged.
* 11 — char arrays shown as text, invalid bytes escaped; units with non-ASCII
  text shown the same whichever backend and IOC.
* 12 — NaN and ±Inf shown as text, gaps in the strip chart, autoscale on the
  finite values only (strip chart and waveform plot).
* 15 — malformed, truncated, 10 MB, deeply nested and hostile panel (TOML),
  form (Designer .ui) and strip chart (JSON) files: YAML object tags, pickle
  payloads, XML entity attacks, Designer custom-widget imports. Each is
  refused with the file and (where there is one) the line; nothing in it is
  executed; the application keeps running, in process (an open panel stays
  live) and on the command line (non-zero exit, one line on stderr).
* Identity — the main window shows the user@host caprobe identifies as to
  IOCs; no panel or chart file can change it, nor the environment.

Every test that drives the GUI with an IOC runs under the ``heartbeat``
fixture: the GUI thread must never stall 100 ms. As in the rest of the
fault suite, it is restarted once the widgets are up (``heartbeat.start()``),
so that it measures the bad input, not the set-up. The independent CA
client that checks the IOC blocks, so it runs off the GUI thread
(``off_gui``); hostile files are built once, before any heartbeat.
"""
from __future__ import annotations

import math
import os
import pickle
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication

from caprobe.app.main_window import MainWindow, about_text
from caprobe.app.panel_window import PanelWindow, load_ui_panel, open_panel
from caprobe.bridge.hub import client_identity
from caprobe.model.panel import PanelError, load_panel
from caprobe.model.strip_config import (
    AxisConfig,
    ConfigError,
    CurveConfig,
    StripConfig,
    load_strip_config,
)
from caprobe.widgets import ProbeWidget, PVLabel, PVLineEdit, StripChart, WaveformPlot
from caprobe.widgets.pv_widget import FAILED_BORDER
from caprobe.widgets.write_control import INVALID_STYLE
from tests import heartbeat as heartbeat_module
from tests.helpers import WAIT, ioc_value, ioc_write
from tests.iocs.caproto_ioc import CHAR_TEXT
from tests.iocs.harness import ROOT

NAN, INF = math.nan, math.inf

# The shared GUI-thread heartbeat fixture (tests/heartbeat.py). Bound by
# assignment rather than imported by name: ruff (F811) flags every test
# parameter that shadows an imported fixture.
heartbeat = heartbeat_module.heartbeat


# -- helpers -----------------------------------------------------------------------------

def off_gui(qtbot, func, *args):
    """Run a blocking call (the independent CA client) on a thread; the event loop turns.

    On the GUI thread, caproto's sync client (a search and a circuit per call)
    was measured stalling the heartbeat 100-190 ms in a test session: that is
    the test's own doing, not caprobe's, and must not be what is measured.
    """
    done = threading.Event()
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = func(*args)
        except BaseException as exc:  # handed back to the test below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="off-gui", daemon=True).start()
    qtbot.waitUntil(done.is_set, timeout=WAIT)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def put(qtbot, pvname: str, value) -> None:
    off_gui(qtbot, ioc_write, pvname, value)


def get(qtbot, pvname: str):
    return off_gui(qtbot, ioc_value, pvname)


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.show()
    return widget


def open_probe(qtbot, hub, pvname: str) -> ProbeWidget:
    probe = shown(qtbot, ProbeWidget(pvname, hub=hub))
    qtbot.waitUntil(lambda: probe.channel.connected and probe.channel.reading is not None
                    and probe.fields["Host"].text() != "—", timeout=WAIT)
    return probe


def spy_on_backend_puts(monkeypatch, hub) -> list:
    """Every value that reaches the CA backend's put (what would go on the wire)."""
    sent: list = []
    original = hub.backend.put

    def recording_put(subscription, value, *args, **kwargs):
        sent.append(value)
        return original(subscription, value, *args, **kwargs)

    monkeypatch.setattr(hub.backend, "put", recording_put)
    return sent


def enter(qtbot, edit, text: str) -> None:
    """Type ``text`` over the entry (Backspace empties it) and press Enter, as an operator."""
    edit.setFocus()
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key_Backspace)
    qtbot.keyClick(edit, Qt.Key_Return)


# -- 7: bad entries are refused by the widgets before anything is sent ----------------

LONG_TEXT = "x" * 60
ENUM_STATES = "('Off', 'Standby', 'On', 'Fault')"
#: (PV, what the operator types, the reason shown)
BAD_ENTRIES = [
    ("ao", "abc", "'abc' is not a number"),
    ("ao", "", "empty input: type a number"),
    ("ao", "1e400", "'1e400' is out of range for a DBF_DOUBLE"),
    ("ao", "nan", "NaN is not accepted as a setpoint"),
    ("ao", "11", "11 is above the control limit 10 V"),
    ("so", LONG_TEXT, "text is 60 bytes; a DBR_STRING holds at most 39 (40 with the "
                      "terminating NUL)"),
    ("mbbo", "Sideways", f"'Sideways' is not one of the states {ENUM_STATES}"),
    ("mbbo", "7", "state index 7 is out of range 0…3"),
    ("mbbo", "-1", f"'-1' is not one of the states {ENUM_STATES}"),
]
KNOWN_VALUES = {"ao": 1.5, "so": b"hello", "mbbo": 0}
KNOWN_READBACK = {"ao": 1.5, "so": b"hello", "mbbo": b"Off"}  # the sync client reads labels


def set_known_values(qtbot, prefix: str) -> None:
    for name, value in KNOWN_VALUES.items():
        put(qtbot, prefix + name, [value] if isinstance(value, bytes) else value)


def assert_unchanged(qtbot, prefix: str) -> None:
    for name, expected in KNOWN_READBACK.items():
        value = get(qtbot, prefix + name)
        assert value == (expected if isinstance(expected, bytes) else pytest.approx(expected)), name


def test_line_edit_refuses_bad_entries_before_sending_and_says_why(qtbot, hub, ioc, heartbeat,
                                                                   monkeypatch):
    set_known_values(qtbot, ioc.prefix)
    edits = {name: shown(qtbot, PVLineEdit(ioc.prefix + name, hub=hub)) for name in KNOWN_VALUES}
    qtbot.waitUntil(lambda: edits["ao"].text() == "1.50 V" and edits["so"].text() == "hello"
                    and edits["mbbo"].text() == "Off", timeout=WAIT)
    qtbot.waitUntil(lambda: edits["ao"].channel.metadata.control_limits == (0.0, 10.0)
                    and len(edits["mbbo"].channel.metadata.enum_strings) == 4, timeout=WAIT)
    heartbeat.start()  # measured from here: the bad entries, not the set-up
    sent = spy_on_backend_puts(monkeypatch, hub)
    for name, text, reason in BAD_ENTRIES:
        edit = edits[name]
        enter(qtbot, edit, text)
        assert f"last write: refused: {reason}" in edit.pv_tooltip(), (name, text)
        assert FAILED_BORDER in edit.styleSheet(), (name, text)  # the red border says so
        assert edit.pv_editing(), (name, text)  # the entry stays, to be corrected
        assert not edit.write_text(text), (name, text)  # the API refuses the same way
        edit.pv_revert()
    assert sent == [], "a refused entry reached the CA backend"
    assert_unchanged(qtbot, ioc.prefix)


def test_probe_refuses_bad_entries_before_sending_and_says_why(qtbot, hub, ioc, heartbeat,
                                                               monkeypatch):
    set_known_values(qtbot, ioc.prefix)
    probes = {name: open_probe(qtbot, hub, ioc.prefix + name) for name in KNOWN_VALUES}
    qtbot.waitUntil(lambda: probes["ao"].fields["Control limits"].text() == "0 … 10"
                    and probes["mbbo"].write_control.combo.count() == 4, timeout=WAIT)
    heartbeat.start()  # measured from here: the bad entries, not the set-up
    sent = spy_on_backend_puts(monkeypatch, hub)
    for name, text, reason in BAD_ENTRIES:
        control = probes[name].write_control
        if name == "mbbo":
            continue  # an enum is written from its drop-down, below
        enter(qtbot, control.line_edit, text)
        assert control.status_label.text() == f"✗ refused: {reason}: nothing written", text
        assert control.line_edit.styleSheet() == INVALID_STYLE, text
    # Typing shows why an entry is not acceptable before Enter is even pressed.
    edit = probes["ao"].write_control.line_edit
    edit.selectAll()
    qtbot.keyClicks(edit, "1e400")
    assert probes["ao"].write_control.status_label.text() == (
        "✗ not accepted: '1e400' is out of range for a DBF_DOUBLE")
    qtbot.keyClick(edit, Qt.Key_Escape)
    # The drop-down offers only the states; an index from anywhere else is refused.
    control = probes["mbbo"].write_control
    for index, reason in ((7, "state index 7 is out of range 0…3"),
                          (-1, f"-1 is not one of the states {ENUM_STATES}")):
        assert not control.write_enum_index(index)
        assert control.status_label.text() == f"✗ {reason}: nothing written"
    assert sent == [], "a refused entry reached the CA backend"
    assert_unchanged(qtbot, ioc.prefix)


# -- 11: char arrays as text, non-ASCII units ------------------------------------------

def test_char_waveform_and_non_ascii_units_read_the_same_everywhere(qtbot, hub, ioc,
                                                                     heartbeat):
    # Expected texts are constants: every backend and IOC pair must show exactly these.
    put(qtbot, ioc.prefix + "cwf", CHAR_TEXT.encode("utf-8") + b"\0")
    put(qtbot, ioc.prefix + "utf8", 1.0)
    text_label = shown(qtbot, PVLabel(ioc.prefix + "cwf", hub=hub))
    units_label = shown(qtbot, PVLabel(ioc.prefix + "utf8", hub=hub))
    text_probe = open_probe(qtbot, hub, ioc.prefix + "cwf")
    units_probe = open_probe(qtbot, hub, ioc.prefix + "utf8")
    heartbeat.start()  # measured from here: showing the texts, not building the widgets
    qtbot.waitUntil(lambda: text_label.text() == CHAR_TEXT, timeout=WAIT)
    qtbot.waitUntil(lambda: text_probe.value_text() == CHAR_TEXT, timeout=WAIT)
    qtbot.waitUntil(lambda: units_label.text() == "1.0 µA", timeout=WAIT)
    qtbot.waitUntil(lambda: units_probe.value_text() == "1.0 µA", timeout=WAIT)
    qtbot.waitUntil(lambda: units_probe.fields["Units"].text() == "µA", timeout=WAIT)
    assert "µ-metal" in text_label.pv_tooltip()


def test_invalid_bytes_in_a_char_waveform_are_shown_escaped(qtbot, hub, ioc, heartbeat):
    pv = ioc.prefix + "cwf"
    put(qtbot, pv, CHAR_TEXT.encode("utf-8") + b"\0")
    label = shown(qtbot, PVLabel(pv, hub=hub))
    probe = open_probe(qtbot, hub, pv)
    qtbot.waitUntil(lambda: label.text() == CHAR_TEXT, timeout=WAIT)
    heartbeat.start()  # measured from here: the bad bytes, not the set-up
    # Valid UTF-8 (µ) decoded, invalid bytes escaped, the text ends at the first NUL.
    put(qtbot, pv, "ok µA ".encode("utf-8") + b"\xff\xfe|\xc3(\x00rest")
    expected = "ok µA \\xff\\xfe|\\xc3("
    qtbot.waitUntil(lambda: label.text() == expected, timeout=WAIT)
    qtbot.waitUntil(lambda: probe.value_text() == expected, timeout=WAIT)
    assert "\ufffd" not in label.text() + probe.value_text()  # no replacement characters
    put(qtbot, pv, CHAR_TEXT.encode("utf-8") + b"\0")
    qtbot.waitUntil(lambda: probe.value_text() == CHAR_TEXT, timeout=WAIT)


# -- 12: NaN and ±Inf ------------------------------------------------------------------

def stamp(qtbot, prefix: str, value: float, when: float) -> None:
    """Post ``value`` on ``stamped`` with server time ``when`` (both IOCs; no limits there).

    ``ai`` cannot be used: caproto's server refuses NaN outside its control limits.
    """
    put(qtbot, prefix + "stamp_drive", [value, when])


def test_nan_and_inf_values_are_shown_as_text(qtbot, hub, ioc, heartbeat):
    pv = ioc.prefix + "stamped"
    label = shown(qtbot, PVLabel(pv, hub=hub))
    probe = open_probe(qtbot, hub, pv)
    heartbeat.start()  # measured from here: the odd values, not the set-up
    for value, text in ((NAN, "NaN"), (INF, "+Inf"), (-INF, "-Inf")):
        stamp(qtbot, ioc.prefix, value, time.time())
        qtbot.waitUntil(lambda t=text: label.text() == t and probe.value_text() == t,
                        timeout=WAIT)
    stamp(qtbot, ioc.prefix, 2.0, time.time())
    qtbot.waitUntil(lambda: label.text() not in ("NaN", "-Inf")
                    and float(label.text()) == float(probe.value_text()) == 2.0, timeout=WAIT)


def test_strip_chart_draws_nan_and_inf_as_gaps_and_scales_on_finite_values(qtbot, hub, ioc,
                                                                            heartbeat):
    pv = ioc.prefix + "stamped"
    t0 = time.time()
    stamp(qtbot, ioc.prefix, 1.0, t0)
    chart = shown(qtbot, StripChart(hub=hub, span=3600))
    chart.resize(900, 600)
    chart.add_pv(pv)
    qtbot.waitUntil(lambda: chart.curve_data(pv)[1][-1:].tolist() == [1.0], timeout=WAIT)
    heartbeat.start()  # measured from here: the odd values, not the set-up
    written = [NAN, 2.0, INF, 3.0, -INF, 4.0]
    for i, value in enumerate(written, start=1):
        stamp(qtbot, ioc.prefix, value, t0 + i)
    expected = np.array([1.0, *written])

    def recorded() -> bool:
        values = chart.curve_data(pv)[1]
        return len(values) >= 7 and np.array_equal(values[-7:], expected, equal_nan=True)

    qtbot.waitUntil(recorded, timeout=WAIT)
    chart.set_visible_range(t0, t0 + 7)  # from the 1.0 sample on
    _x, y = chart.drawn_data(pv)
    assert not np.isfinite(y).all(), "NaN and ±Inf must reach the plot as gaps"
    assert set(np.unique(y[np.isfinite(y)]).tolist()) == {1.0, 2.0, 3.0, 4.0}
    lo, hi = chart.axis_range(chart.axis_of(pv))
    assert math.isfinite(lo) and math.isfinite(hi)
    assert lo <= 1.0 and hi >= 4.0 and hi - lo < 4.0, (lo, hi)  # the finite values, padded


def test_waveform_plot_autoscale_ignores_nan_and_inf_elements(qtbot, hub, ioc, heartbeat):
    pv = ioc.prefix + "wf"
    normal = [float(i) for i in range(16)]
    put(qtbot, pv, normal)
    plot = shown(qtbot, WaveformPlot(pv, hub=hub, waterfall=True))
    plot.resize(820, 520)

    def plotted(expected) -> bool:
        plot.flush()
        y = plot.plotted()[1]
        return len(y) == len(expected) and np.array_equal(y, expected, equal_nan=True)

    qtbot.waitUntil(lambda: plotted(normal), timeout=WAIT)
    heartbeat.start()  # measured from here: the odd values, not the set-up
    values = [NAN, INF, 2.0, 3.0, -INF, 5.0, NAN, 4.0, INF]
    put(qtbot, pv, values)
    qtbot.waitUntil(lambda: plotted(values), timeout=WAIT)

    def y_range_is_the_finite_values() -> bool:
        lo, hi = plot.plot.getViewBox().viewRange()[1]
        return math.isfinite(lo) and math.isfinite(hi) and lo <= 2.0 and 5.0 <= hi < 8.0

    qtbot.waitUntil(y_range_is_the_finite_values, timeout=WAIT)
    levels = plot.color_bar.levels()
    assert all(math.isfinite(v) for v in levels) and levels[0] <= 2.0 and levels[1] >= 5.0
    put(qtbot, pv, normal)


# -- 15: malformed and hostile files -------------------------------------------------

GOOD_PANEL = """\
title = "Good panel"
[[section]]
title = "Values"
rows = [
  ["X:a", "X:b"],
  [{pv = "X:c", widget = "led", bit = 2}],
  [{strip = ["X:a", "X:b"], span = "2m"}],
  [{text = "a note"}],
]
"""
GOOD_FORM = (ROOT / "resources" / "panels" / "demo_setpoints.ui").read_text(encoding="utf-8")
GOOD_CHART = StripConfig(300.0, (AxisConfig("Y1"), AxisConfig("Y2", "right", "fixed", (0, 5))),
                         (CurveConfig("X:a", "#1f77b4", 2),
                          CurveConfig("X:b", "#ff7f0e", 1, True, "Y2"))).to_json()

KINDS = {  # kind: (file suffix, the error the loader raises)
    "panel": (".toml", PanelError),
    "form": (".ui", PanelError),
    "chart": (".json", ConfigError),
}


def load(kind: str, path: Path):
    if kind == "panel":
        return load_panel(path)
    if kind == "form":
        return load_ui_panel(path)
    return load_strip_config(path)


def ten_megabytes(kind: str) -> str:
    """A well-formed file of ~10 MB: what a panel or chart file can never need to be."""
    n = 10_000_000
    if kind == "panel":
        rows = ",\n".join(f'  ["X:pv{i:07d}"]' for i in range(n // 18))
        return f'title = "huge"\n[[section]]\nrows = [\n{rows}\n]\n'
    if kind == "form":
        labels = "\n".join(f'<widget class="QLabel" name="l{i}"/>' for i in range(n // 36))
        return f'<ui version="4.0"><widget class="QWidget" name="w">\n{labels}\n</widget></ui>\n'
    curves = ",\n".join(f'{{"pv": "X:pv{i:07d}", "color": "#102030"}}' for i in range(n // 40))
    return f'{{"format": "caprobe-strip-chart", "version": 1, "curves": [\n{curves}\n]}}\n'


def deeply_nested(kind: str) -> str:
    """100000 levels of nesting on line 3 (arrays, tables or elements)."""
    depth = 100_000
    if kind == "panel":
        return ('title = "deep"\n[[section]]\nrows = ' + "[" * depth + "]" * depth + "\n")
    if kind == "form":
        return ('<ui version="4.0">\n<widget class="QWidget" name="w">\n'
                + "<a>" * depth + "</a>" * depth + "\n</widget></ui>\n")
    return ('{"format": "caprobe-strip-chart",\n"version": 1,\n"curves": '
            + '{"a": ' * depth + "1" + "}" * depth + "\n}\n")


SYNTAX_ERROR_ON_LINE_3 = {
    "panel": 'title = "x"\ncolumns = 1\nrows = ]\n',
    "form": '<ui version="4.0">\n<widget class="QWidget" name="w">\n<property name="x">'
            '</widget>\n</ui>\n',
    "chart": '{\n "format": "caprobe-strip-chart",\n "version": 1,,\n "curves": []\n}\n',
}
GOOD = {"panel": GOOD_PANEL, "form": GOOD_FORM, "chart": GOOD_CHART}


class Payload:
    """Unpickling this runs ``touch MARKER``: the classic pickle attack."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {shlex.quote(str(self.marker))}",)


def yaml_payload(marker: Path) -> str:
    return ("# looks like a harmless config\n"
            f'panel: !!python/object/apply:os.system ["touch {marker}"]\n')


def hostile_form(body: str, customwidgets: str = "") -> str:
    return (f'<?xml version="1.0"?>\n<ui version="4.0">\n{body}\n'
            f"<customwidgets>{customwidgets}</customwidgets>\n</ui>\n")


def customwidget(cls: str, header: str) -> str:
    return (f"<customwidget><class>{cls}</class><extends>QWidget</extends>"
            f"<header>{header}</header></customwidget>")


BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE ui [\n <!ENTITY lol0 "lol">\n'
                  + "".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
                  + ']>\n<ui version="4.0"><widget class="QLabel" name="w"><property name="text">'
                  '<string>&lol9;</string></property></widget></ui>\n')


def test_hostile_payloads_are_live(tmp_path):
    """The attacks below are real: a YAML or pickle loader would run them (control)."""
    yaml = pytest.importorskip("yaml")
    marker = tmp_path / "control_yaml"
    yaml.unsafe_load(yaml_payload(marker))
    assert marker.exists()
    marker = tmp_path / "control_pickle"
    pickle.loads(pickle.dumps(Payload(marker), protocol=0))
    assert marker.exists()


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    """Every bad file by name, with the markers that must never appear and a secret.

    Made once, before any heartbeat starts: building 10 MB of text takes a while.
    """
    tmp_path = tmp_path_factory.mktemp("hostile")
    markers = tmp_path / "markers"
    markers.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-42")
    module = "caprobe_test_hostile_widget"
    (tmp_path / f"{module}.py").write_text(
        f"open({str(markers / 'imported')!r}, 'w').close()\n"
        "from PyQt5.QtWidgets import QWidget as Evil\n")
    files: dict[str, Path] = {}

    def add(name: str, content: str | bytes) -> None:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        files[name] = path

    for kind, (suffix, _error) in KINDS.items():
        add(f"syntax_{kind}{suffix}", SYNTAX_ERROR_ON_LINE_3[kind])
        good = GOOD[kind]
        add(f"truncated_{kind}{suffix}", good[: len(good) * 2 // 3])
        add(f"huge_{kind}{suffix}", ten_megabytes(kind))
        add(f"deep_{kind}{suffix}", deeply_nested(kind))
    for suffix in (".toml", ".yaml", ".json", ".ui"):
        add(f"yaml_tag{suffix}", yaml_payload(markers / f"yaml{suffix}"))
        for protocol in (0, pickle.HIGHEST_PROTOCOL):
            add(f"pickle{protocol}{suffix}",
                pickle.dumps(Payload(markers / f"pickle{protocol}{suffix}"), protocol=protocol))
    add("laughs.ui", BILLION_LAUGHS)
    add("xxe.ui", '<?xml version="1.0"?>\n<!DOCTYPE ui [ <!ENTITY xxe SYSTEM '
                  f'"file://{secret}"> ]>\n<ui version="4.0"><widget class="QLabel" name="w">'
                  '<property name="text"><string>&xxe;</string></property></widget></ui>\n')
    add("import.ui", hostile_form('<widget class="Evil" name="w"/>',
                                  customwidget("Evil", f"{module}.h")))
    add("exit.ui", hostile_form('<widget class="exit" name="w"/>', customwidget("exit", "sys")))
    add("not_a_widget.ui", hostile_form('<widget class="pv_actions" name="w"/>',
                                        customwidget("pv_actions", "caprobe.widgets")))
    add("scoped.ui", hostile_form('<widget class="QWidget" name="w"><widget '
                                  'class="QApplication.quit" name="q"/></widget>'))
    return {"files": files, "markers": markers, "secret": "TOPSECRET-42", "module": module,
            "dir": tmp_path}


def no_marker(markers: Path) -> None:
    assert sorted(p.name for p in markers.iterdir()) == [], "something in a file was executed"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_syntax_errors_and_truncated_files_name_the_file_and_line(qapp, tmp_path, kind):
    suffix, error = KINDS[kind]
    path = tmp_path / f"bad{suffix}"
    path.write_text(SYNTAX_ERROR_ON_LINE_3[kind])
    with pytest.raises(error) as info:
        load(kind, path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "line 3" in message, message
    good = GOOD[kind]
    path.write_text(good)
    load(kind, path)  # the intact file is fine...
    path.write_text(good[: len(good) * 2 // 3])
    with pytest.raises(error) as info:  # ...cut short, it is refused, at its last line
        load(kind, path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "line " in message, message


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_10_mb_file_is_refused_at_once_for_its_size(qapp, tmp_path, kind):
    suffix, error = KINDS[kind]
    path = tmp_path / f"huge{suffix}"
    path.write_text(ten_megabytes(kind))
    started = time.monotonic()
    with pytest.raises(error) as info:
        load(kind, path)
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "too large" in message, message
    assert elapsed < 0.5, f"took {elapsed:.2f} s to refuse"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_deep_nesting_is_refused_with_its_line_not_a_recursion_error(qapp, tmp_path, kind):
    suffix, error = KINDS[kind]
    path = tmp_path / f"deep{suffix}"
    path.write_text(deeply_nested(kind))
    started = time.monotonic()
    with pytest.raises(error) as info:  # a RecursionError would escape this
        load(kind, path)
    assert time.monotonic() - started < 2.0
    message = str(info.value)
    assert message.startswith(f"{path}: line 3") and "nested" in message, message


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".json", ".ui"])
def test_yaml_tags_and_pickles_are_refused_and_never_run(qapp, hostile_files, suffix):
    files, markers = hostile_files["files"], hostile_files["markers"]
    for name in (f"yaml_tag{suffix}", f"pickle0{suffix}",
                 f"pickle{pickle.HIGHEST_PROTOCOL}{suffix}"):
        path = files[name]
        # Whichever way it is opened: as a panel (or form), and as a chart.
        with pytest.raises(PanelError) as info:
            open_panel(path, hub=None)  # refused before any window or channel would exist
        assert str(info.value).startswith(f"{path}: "), str(info.value)
        with pytest.raises(ConfigError) as info:
            load_strip_config(path)
        assert str(info.value).startswith(f"{path}: "), str(info.value)
    no_marker(markers)


def test_xml_entity_attacks_in_a_form_are_refused_quickly(qapp, hostile_files):
    files = hostile_files["files"]
    for name in ("laughs.ui", "xxe.ui"):
        started = time.monotonic()
        with pytest.raises(PanelError) as info:
            load_ui_panel(files[name])
        elapsed = time.monotonic() - started
        message = str(info.value)
        assert message.startswith(f"{files[name]}: line 2") and "DOCTYPE" in message, message
        assert hostile_files["secret"] not in message
        assert elapsed < 0.1, f"{name}: {elapsed:.2f} s"


def test_a_form_can_only_use_caprobe_widgets(qapp, hostile_files, monkeypatch):
    files, markers = hostile_files["files"], hostile_files["markers"]
    # The module sits in the current directory, where uic would look for it.
    monkeypatch.chdir(hostile_files["dir"])
    path_before = list(sys.path)
    expected = {"import.ui": f"{hostile_files['module']}.h",
                "exit.ui": "sys",
                "not_a_widget.ui": "pv_actions",
                "scoped.ui": "QApplication.quit"}
    for name, named in expected.items():
        with pytest.raises(PanelError) as info:  # never SystemExit, never an import
            load_ui_panel(files[name])
        message = str(info.value)
        assert message.startswith(f"{files[name]}: ") and named in message, message
    assert hostile_files["module"] not in sys.modules
    no_marker(markers)
    assert sys.path == path_before
    # Forms with caprobe's own widgets still load.
    form = load_ui_panel(ROOT / "resources" / "panels" / "demo_setpoints.ui", {"P": "nowhere:"})
    assert form.findChildren(PVLabel)
    form.deleteLater()


def test_an_open_panel_stays_live_through_every_refused_file(qtbot, hub, caproto_ioc,
                                                             hostile_files, heartbeat,
                                                             monkeypatch):
    p = caproto_ioc.prefix
    put(qtbot, p + "ai_drive", 1.0)
    panel = hostile_files["dir"] / "live.toml"
    panel.write_text(f'title = "Live"\n[[section]]\nrows = [[{{pv = "{p}ai", '
                     'widget = "label"}]]\n')
    window = shown(qtbot, open_panel(panel, hub))
    assert isinstance(window, PanelWindow)
    label = window.findChildren(PVLabel)[0]
    chart = shown(qtbot, StripChart(hub=hub, span=60))
    chart.add_pv(p + "ai")
    config = chart.config()
    qtbot.waitUntil(lambda: label.text() == "1.000 mm", timeout=WAIT)
    monkeypatch.chdir(hostile_files["dir"])
    heartbeat.start()  # measured from here: the refusals, not the set-up
    for name, path in sorted(hostile_files["files"].items()):
        with pytest.raises(PanelError):
            open_panel(path, hub)
        with pytest.raises(ConfigError):
            chart.load_config(path)
        QApplication.processEvents()  # each refusal on its own: the heartbeat sees each
    assert chart.config() == config  # the chart kept what it had
    no_marker(hostile_files["markers"])
    put(qtbot, p + "ai_drive", 2.0)
    qtbot.waitUntil(lambda: label.text() == "2.000 mm", timeout=WAIT)
    assert window.isVisible() and chart.isVisible()


def caprobe_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    runtime = cwd / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime),
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "caprobe.app.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


CLI_CASES = sorted(
    [f"{what}_{kind}{suffix}" for kind, (suffix, _e) in KINDS.items()
     for what in ("syntax", "truncated", "huge", "deep")]
    + [f"{what}{suffix}" for suffix in (".toml", ".yaml", ".json", ".ui")
       for what in ("yaml_tag", "pickle0", f"pickle{pickle.HIGHEST_PROTOCOL}")]
    + ["laughs.ui", "xxe.ui", "import.ui", "exit.ui", "not_a_widget.ui", "scoped.ui"])


@pytest.mark.parametrize("name", CLI_CASES)
def test_the_command_line_refuses_each_bad_file_in_one_line(hostile_files, name):
    path = hostile_files["files"][name]
    command = ("strip", "--config") if path.suffix == ".json" else ("panel",)
    # The working directory holds the module import.ui names (python -m imports from there).
    result = caprobe_cli(*command, str(path), cwd=hostile_files["dir"])
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0
    assert len(lines) == 1 and lines[0].startswith(f"caprobe: error: {path}: "), result.stderr
    assert "Traceback" not in result.stderr
    no_marker(hostile_files["markers"])


# -- identity ----------------------------------------------------------------------------

IDENTITY_KEYS = ("user", "host", "identity", "client_name", "host_name", "USER", "LOGNAME",
                 "EPICS_CA_ADDR_LIST", "EPICS_CA_AUTO_ADDR_LIST")


def test_the_main_window_shows_who_caprobe_is_to_the_ioc(qtbot, hub, backend_name):
    import pwd

    expected = f"{pwd.getpwuid(os.getuid()).pw_name}@{socket.gethostname()}"
    assert client_identity() == expected
    window = shown(qtbot, MainWindow(hub, [], "caprobe"))
    assert f"writes as {expected}" in window.statusBar().currentMessage()
    assert f"Identifies to IOCs as: {expected}" in about_text(hub)
    if backend_name == "caproto":  # what the client library actually sends
        context = hub.backend._context
        assert f"{context.client_name}@{context.host_name}" == expected


def test_the_identity_is_the_account_libca_sends_whatever_user_says(tmp_path):
    """libca identifies as the login account (``getpwuid(getuid())``), not ``$USER``.

    caprobe must show that name, and its caproto backend must send the same,
    so that the identity shown is the one access security sees on either
    backend; environment variables naming someone else change neither.
    """
    import pwd

    account = pwd.getpwuid(os.getuid()).pw_name
    code = ("from caprobe.bridge.hub import client_identity\n"
            "from caprobe.ca.caproto_backend import CaprotoBackend\n"
            "backend = CaprotoBackend()\n"
            "print(client_identity())\n"
            "print(backend._context.client_name)\n"
            "backend.close()\n")
    env = dict(os.environ, USER="intruder", LOGNAME="intruder", LNAME="intruder",
               USERNAME="intruder", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    shown_identity, caproto_sends = result.stdout.split()
    assert shown_identity == f"{account}@{socket.gethostname()}"
    assert caproto_sends == account


def test_no_panel_or_chart_file_can_change_the_identity(qtbot, hub, tmp_path):
    environment = dict(os.environ)
    identity = client_identity()
    for key in IDENTITY_KEYS:
        path = tmp_path / "who.toml"
        path.write_text(f'{key} = "intruder@evil"\n[[section]]\nrows = [["X:a"]]\n')
        with pytest.raises(PanelError, match=f"unknown key '{key}'") as info:
            load_panel(path)
        assert str(info.value).startswith(f"{path}: top level: "), str(info.value)
        path.write_text(f'[[section]]\nrows = [[{{pv = "X:a", {key} = "intruder"}}]]\n')
        with pytest.raises(PanelError, match=f"unknown key '{key}'"):
            load_panel(path)
        path = tmp_path / "who.json"
        path.write_text(f'{{"format": "caprobe-strip-chart", "version": 1, "curves": [], '
                        f'"{key}": "intruder@evil"}}')
        with pytest.raises(ConfigError, match=f"unknown key '{key}'"):
            load_strip_config(path)
    # Macros are text for the file's own strings, never the process environment.
    path = tmp_path / "macros.toml"
    path.write_text('[macros]\nUSER = "intruder"\nLOGNAME = "intruder"\n'
                    'EPICS_CA_ADDR_LIST = "10.66.66.66"\n'
                    '[[section]]\nrows = [["X:a"], [{text = "by $(USER)"}]]\n')
    window = shown(qtbot, open_panel(path, hub))
    assert window.panel.sections[0].rows[1][0].text == "by intruder"
    assert dict(os.environ) == environment
    assert client_identity() == identity
    main = shown(qtbot, MainWindow(hub, [], "caprobe"))
    assert f"writes as {identity}" in main.statusBar().currentMessage()

"""The probe, driven like an operator would, against both IOCs on both backends.

Every test here runs four times (pyepics/caproto client x caproto/EPICS
base server) through the ``hub`` and ``ioc`` fixtures. The IOC is checked
with an independent client (caproto's sync client), never through the
probe under test.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from PyQt5.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer
from PyQt5.QtGui import QDropEvent, QWheelEvent
from PyQt5.QtWidgets import QApplication, QMessageBox

from caprobe.bridge.hub import client_identity
from caprobe.widgets import ProbeWidget
from caprobe.widgets.alarm_style import SEVERITY_COLORS
from caprobe.widgets.write_control import EDITING_STYLE
from tests.helpers import WAIT, ioc_value, ioc_write
from tests.iocs.caproto_ioc import CHAR_TEXT


def open_probe(qtbot, hub, pvname: str) -> ProbeWidget:
    """A visible probe that has connected and shown its first value with metadata."""
    probe = ProbeWidget(pvname, hub=hub)
    qtbot.addWidget(probe)
    probe.show()
    qtbot.waitUntil(lambda: probe.channel.connected and probe.channel.reading is not None
                    and probe.fields["Host"].text() != "—", timeout=WAIT)
    return probe


def wait_field(qtbot, probe: ProbeWidget, name: str, expected: str) -> None:
    """Control metadata may arrive a frame after the first value."""
    qtbot.waitUntil(lambda: probe.fields[name].text() == expected, timeout=WAIT)


def type_and_enter(qtbot, probe: ProbeWidget, text: str) -> None:
    edit = probe.write_control.line_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key_Return)


def status(probe: ProbeWidget) -> str:
    return probe.write_control.status_label.text()


# -- what the probe shows, per record type --------------------------------------

def test_ai_every_field(qtbot, hub, ioc):
    ioc_write(ioc.prefix + "ai_drive", 1.25)
    probe = open_probe(qtbot, hub, ioc.prefix + "ai")
    qtbot.waitUntil(lambda: probe.value_text() == "1.250 mm", timeout=WAIT)
    wait_field(qtbot, probe, "Alarm limits", "-8 … 8")
    f = {name: label.text() for name, label in probe.fields.items()}
    assert f["Native type"] == "DBF_DOUBLE"
    assert f["Element count"] == "1"
    assert re.fullmatch(r"(localhost|127\.0\.0\.1):\d+", f["Host"]), f["Host"]
    assert f["Units"] == "mm" and f["Precision"] == "3"
    assert f["Display limits"] == "-10 … 10"
    assert f["Warning limits"] == "-5 … 5"
    assert f["Alarm limits"] == "-8 … 8"
    assert f["Enum strings"] == "—"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", f["Timestamp"]), f["Timestamp"]
    assert f["Age"].endswith("since last update")
    assert probe.alarm_label.text() == "NO_ALARM"
    assert probe.state_label.text().startswith("● connected for")


def test_alarm_colour_and_border_follow_the_ai(qtbot, hub, ioc):
    probe = open_probe(qtbot, hub, ioc.prefix + "ai")
    for value, text, border in ((9.0, "MAJOR – HIHI", "3px solid"),
                                (6.0, "MINOR – HIGH", "2px dashed"),
                                (-9.0, "MAJOR – LOLO", "3px solid"),
                                (0.0, "NO_ALARM", "2px solid")):
        ioc_write(ioc.prefix + "ai_drive", value)
        qtbot.waitUntil(lambda: probe.alarm_label.text() == text, timeout=WAIT)
        severity = probe.channel.reading.severity
        badge = probe.alarm_label.styleSheet()
        assert SEVERITY_COLORS[severity] in badge and border in badge
        assert border in probe.value_label.styleSheet()


def test_ao_write_lands_and_shows_completion(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    probe = open_probe(qtbot, hub, pv)
    control = probe.write_control
    wait_field(qtbot, probe, "Control limits", "0 … 10")
    qtbot.waitUntil(lambda: control.line_edit.text() == "1.50", timeout=WAIT)
    assert "control limits 0 … 10 V" in control.note_label.text()
    edit = control.line_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "2.75")
    assert control.editing and edit.styleSheet() == EDITING_STYLE
    assert status(probe).startswith("editing")
    qtbot.keyClick(edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: status(probe).startswith("✓ written"), timeout=WAIT)
    assert ioc_value(pv) == pytest.approx(2.75)
    qtbot.waitUntil(lambda: probe.value_text() == "2.75 V", timeout=WAIT)
    assert not control.editing and edit.text() == "2.75"


def test_out_of_limits_and_garbage_are_refused_in_place(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    probe = open_probe(qtbot, hub, pv)
    wait_field(qtbot, probe, "Control limits", "0 … 10")
    type_and_enter(qtbot, probe, "12")
    assert "12 is above the control limit 10 V: nothing written" in status(probe)
    assert "INVALID" not in status(probe) and probe.write_control.editing
    type_and_enter(qtbot, probe, "abc")
    assert "'abc' is not a number" in status(probe)
    type_and_enter(qtbot, probe, "nan")
    assert "NaN is not accepted" in status(probe)
    assert ioc_value(pv) == pytest.approx(1.5)


def test_escape_and_focus_loss_revert_and_the_wheel_never_writes(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    probe = open_probe(qtbot, hub, pv)
    edit = probe.write_control.line_edit
    qtbot.waitUntil(lambda: edit.text() == "1.50", timeout=WAIT)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "7")
    qtbot.keyClick(edit, Qt.Key_Escape)
    assert edit.text() == "1.50" and not probe.write_control.editing
    assert edit.styleSheet() == ""
    edit.selectAll()
    qtbot.keyClicks(edit, "8")
    probe.name_edit.setFocus()  # leave the field
    qtbot.waitUntil(lambda: not probe.write_control.editing, timeout=WAIT)
    assert edit.text() == "1.50"
    wheel = QWheelEvent(QPointF(5, 5), QPointF(5, 5), QPoint(0, 0), QPoint(0, 120), Qt.NoButton,
                        Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(edit, wheel)
    assert ioc_value(pv) == pytest.approx(1.5)


def test_enum_shows_labels_and_writes_from_the_combo(qtbot, hub, ioc):
    pv = ioc.prefix + "mbbo"
    ioc_write(pv, 0)
    probe = open_probe(qtbot, hub, pv)
    wait_field(qtbot, probe, "Enum strings", "0: Off  1: Standby  2: On  3: Fault")
    assert probe.value_text() == "Off"
    assert probe.fields["Native type"].text() == "DBF_ENUM"
    probe.set_format("enum_index")
    assert probe.value_text() == "0"
    probe.set_format("default")
    combo = probe.write_control.combo
    assert probe.write_control.editors.currentWidget() is combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["Off", "Standby", "On", "Fault"]
    wheel = QWheelEvent(QPointF(5, 5), QPointF(5, 5), QPoint(0, 0), QPoint(0, -120), Qt.NoButton,
                        Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(combo, wheel)
    assert combo.currentIndex() == 0
    combo.activated.emit(2)  # what choosing "On" in the popup emits
    qtbot.waitUntil(lambda: probe.value_text() == "On", timeout=WAIT)
    assert status(probe).startswith("✓ written")
    assert ioc_value(pv) == b"On"  # the sync client reads enums as labels


def test_bo_record(qtbot, hub, ioc):
    pv = ioc.prefix + "bo"
    ioc_write(pv, 0)
    probe = open_probe(qtbot, hub, pv)
    qtbot.waitUntil(lambda: probe.value_text() == "Open", timeout=WAIT)
    probe.write_control.write_enum_index(1)
    qtbot.waitUntil(lambda: probe.value_text() == "Closed", timeout=WAIT)
    assert ioc_value(pv) == b"Closed"


def test_stringout_states_the_limit_and_refuses_too_long(qtbot, hub, ioc):
    pv = ioc.prefix + "so"
    ioc_write(pv, [b"hello"])
    probe = open_probe(qtbot, hub, pv)
    assert probe.value_text() == "hello"
    assert probe.fields["Native type"].text() == "DBF_STRING"
    assert "at most 40 characters" in probe.write_control.note_label.text()
    type_and_enter(qtbot, probe, "x" * 45)
    assert "45 bytes; a DBR_STRING holds at most 39" in status(probe)
    type_and_enter(qtbot, probe, "beam on")
    qtbot.waitUntil(lambda: probe.value_text() == "beam on", timeout=WAIT)
    assert status(probe).startswith("✓ written")


def test_char_waveform_is_text_and_writes_text(qtbot, hub, ioc):
    pv = ioc.prefix + "cwf"
    ioc_write(pv, CHAR_TEXT.encode() + b"\0")
    probe = open_probe(qtbot, hub, pv)
    qtbot.waitUntil(lambda: probe.value_text() == CHAR_TEXT, timeout=WAIT)
    assert probe.fields["Native type"].text() == "DBF_CHAR"
    assert probe.fields["Element count"].text() == "256"
    assert probe.fields["Display limits"].text() == "—"
    assert not probe.array_view.isVisible()
    assert "text up to 255 bytes" in probe.write_control.note_label.text()
    type_and_enter(qtbot, probe, "µ-focus aligned")
    qtbot.waitUntil(lambda: probe.value_text() == "µ-focus aligned", timeout=WAIT)


def test_double_waveform_plot_and_table(qtbot, hub, ioc):
    pv = ioc.prefix + "wf"
    values = [float(i) * 0.5 for i in range(16)]
    ioc_write(pv, values)
    probe = open_probe(qtbot, hub, pv)
    qtbot.waitUntil(lambda: probe.array_view.model.rowCount() == 16, timeout=WAIT)
    wait_field(qtbot, probe, "Units", "V")
    assert probe.array_view.isVisible()
    assert probe.fields["Element count"].text() == "100"
    assert probe.array_view.count_label.text().startswith("16 of 100 elements")
    assert "(16 elements) V" in probe.value_text()
    model = probe.array_view.model
    assert model.data(model.index(3, 0)) == "1.5"
    qtbot.waitUntil(lambda: probe.array_view.plotted()[1].size == 16, timeout=WAIT)
    np.testing.assert_allclose(probe.array_view.plotted()[1], values)


def test_format_selector(qtbot, hub, ioc):
    pv = ioc.prefix + "long"
    ioc_write(pv, 42)
    probe = open_probe(qtbot, hub, pv)
    qtbot.waitUntil(lambda: probe.value_text() == "42 counts", timeout=WAIT)
    for mode, expected in (("hex", "0x2A counts"), ("binary", "0b101010 counts"),
                           ("exponential", "4.200e+01 counts")):
        probe.set_format(mode)
        assert probe.value_text() == expected
    probe.set_format("decimal", precision=2)
    assert probe.value_text() == "42.00 counts"


def test_update_rate_is_the_servers(qtbot, hub, ioc):
    probe = open_probe(qtbot, hub, ioc.prefix + "counter")  # 10 Hz
    qtbot.waitUntil(lambda: probe.fields["Updates/s"].text() not in ("—", "measuring…"),
                    timeout=WAIT)
    qtbot.waitUntil(lambda: 6 <= float(probe.fields["Updates/s"].text()) <= 14,
                    timeout=WAIT)
    quiet = open_probe(qtbot, hub, ioc.prefix + "utf8")  # nobody writes it
    # the value sent at connect is not traffic: a quiet PV reads 0.0, not 1/elapsed
    qtbot.waitUntil(lambda: quiet.fields["Updates/s"].text() == "0.0", timeout=WAIT)


# -- refusals and faults ---------------------------------------------------------

def test_read_only_record_cannot_be_written_and_says_why(qtbot, hub, ioc):
    pv = ioc.prefix + "ro"
    probe = open_probe(qtbot, hub, pv)
    assert probe.fields["Access"].text() == "read only"
    control = probe.write_control
    qtbot.waitUntil(lambda: not control.editors.isEnabled(), timeout=WAIT)
    assert status(probe) == "✗ cannot write: no write access (access security)"
    assert not control.write_text("1.0")
    assert "refused: no write access" in status(probe)
    assert ioc_value(pv) == pytest.approx(3.25)


def test_read_only_mode_disables_writes(qtbot, hub, ioc):
    hub.read_only = True
    probe = open_probe(qtbot, hub, ioc.prefix + "ao")
    assert not probe.write_control.editors.isEnabled()
    assert "read-only mode" in status(probe)


def test_unknown_pv_says_not_found(qtbot, hub, ioc):
    probe = ProbeWidget(ioc.prefix + "does_not_exist", hub=hub)
    qtbot.addWidget(probe)
    probe.show()
    assert probe.state_label.text() == "● searching…"
    assert probe.value_text() == "no value yet"
    qtbot.waitUntil(lambda: "not found after" in probe.state_label.text(), timeout=WAIT)
    assert probe.alarm_label.text() == "NOT CONNECTED"
    assert "not connected" in status(probe)


def test_ioc_restart_shows_disconnected_then_recovers(qtbot, hub, restartable_ioc):
    ioc = restartable_ioc
    probe = open_probe(qtbot, hub, ioc.prefix + "ao")
    ioc.kill()
    qtbot.waitUntil(lambda: probe.alarm_label.text() == "DISCONNECTED", timeout=WAIT)
    assert probe.state_label.text().startswith("● disconnected for")
    assert "#808080" in probe.value_label.styleSheet()
    assert not probe.write_control.editors.isEnabled()
    assert "not connected" in status(probe)
    assert "(when last connected)" in probe.fields["Access"].text()
    ioc.start(ready_pv="counter")
    qtbot.waitUntil(lambda: probe.state_label.text().startswith("● connected"),
                    timeout=20_000)
    qtbot.waitUntil(lambda: probe.write_control.editors.isEnabled(), timeout=WAIT)
    assert probe.alarm_label.text() == "NO_ALARM" and status(probe) == ""


# -- confirmation, name entry, clipboard, lifetime ---------------------------------

def _answer_confirmation(answer: int, seen: list[str]) -> None:
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox):
        seen.append(box.text())
        box.done(answer)
    else:
        QTimer.singleShot(20, lambda: _answer_confirmation(answer, seen))


def test_confirmation_names_pv_old_new_and_identity(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    probe = open_probe(qtbot, hub, pv)
    qtbot.waitUntil(lambda: probe.value_text() == "1.50 V", timeout=WAIT)
    probe.confirm_check.setChecked(True)
    seen: list[str] = []
    QTimer.singleShot(20, lambda: _answer_confirmation(QMessageBox.No, seen))
    type_and_enter(qtbot, probe, "3")
    assert seen and pv in seen[0] and "1.50 V   →   3.0 V" in seen[0]
    assert client_identity() in seen[0]
    assert status(probe) == "cancelled: nothing written"
    assert ioc_value(pv) == pytest.approx(1.5)
    QTimer.singleShot(20, lambda: _answer_confirmation(QMessageBox.Yes, seen))
    type_and_enter(qtbot, probe, "3")
    qtbot.waitUntil(lambda: status(probe).startswith("✓ written"), timeout=WAIT)
    assert ioc_value(pv) == pytest.approx(3.0)
    again = ProbeWidget(hub=hub)  # the preference is kept between runs
    qtbot.addWidget(again)
    assert again.confirm_check.isChecked()
    again.confirm_check.setChecked(False)


def test_name_entry_history_paste_and_drop(qtbot, hub, ioc):
    probe = ProbeWidget(hub=hub)
    qtbot.addWidget(probe)
    probe.show()
    assert probe.state_label.text() == "enter a PV name"
    edit = probe.name_edit
    QApplication.clipboard().setText(f"  {ioc.prefix}ao, {ioc.prefix}ai;{ioc.prefix}so\n")
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key_V, Qt.ControlModifier)
    assert edit.text() == ioc.prefix + "ao"
    qtbot.keyClick(edit, Qt.Key_Return)
    assert probe.pvname == ioc.prefix + "ao"
    mime = QMimeData()
    mime.setText(f"{ioc.prefix}mbbo {ioc.prefix}bo")
    drop = QDropEvent(QPointF(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    edit.dropEvent(drop)  # Qt routes real drops only during a drag session
    assert probe.pvname == ioc.prefix + "mbbo"
    qtbot.waitUntil(lambda: probe.value_text() in ("Off", "Standby", "On", "Fault"),
                    timeout=WAIT)
    mime.setText(f"\t{ioc.prefix}bo;{ioc.prefix}so")
    probe.dropEvent(QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton,
                               Qt.NoModifier))  # anywhere on the probe
    assert probe.pvname == ioc.prefix + "bo" and edit.text() == ioc.prefix + "bo"
    probe.set_pvname(ioc.prefix + "mbbo")
    later = ProbeWidget(hub=hub)  # a new probe (or a new run) offers the history
    qtbot.addWidget(later)
    assert later.name_edit.history()[:3] == [ioc.prefix + n for n in ("mbbo", "bo", "ao")]
    assert hub.subscription_count() == 1  # switching released the previous PV


def test_copy_name_value_and_cainfo_block(qtbot, hub, ioc):
    pv = ioc.prefix + "ao"
    ioc_write(pv, 1.5)
    probe = open_probe(qtbot, hub, pv)
    wait_field(qtbot, probe, "Control limits", "0 … 10")
    clipboard = QApplication.clipboard()
    probe.copy_pvname()
    assert clipboard.text() == pv
    probe.copy_value()
    assert clipboard.text() == "1.50 V"
    probe.copy_info()
    block = clipboard.text().splitlines()
    assert block[0] == pv
    text = "\n".join(block)
    for expected in ("State:", "connected", "Native data type: DBF_DOUBLE",
                     "Access:", "read, write", "Value:", "1.50 V", "Control limits:",
                     "0 … 10", "Units:"):
        assert expected in text, text


def test_deleting_the_probe_releases_the_pv(qtbot, hub, ioc):
    probe = ProbeWidget(ioc.prefix + "counter", hub=hub)  # not qtbot's: deleted here
    probe.show()
    channel = probe.channel
    qtbot.waitUntil(lambda: channel.reading is not None, timeout=WAIT)
    assert hub.subscription_count() == 1
    probe.deleteLater()
    qtbot.waitUntil(lambda: hub.subscription_count() == 0, timeout=WAIT)
    # The CA subscription itself goes too; counter monitors in flight meanwhile
    # must not reach the deleted widget (pytest-qt fails the test if a slot raised).
    qtbot.waitUntil(lambda: hub.backend.subscription_count() == 0, timeout=WAIT)


def test_access_rights_change_live(qtbot, hub, softioc_ioc):
    # Only the EPICS base IOC can change a channel's access rights at run
    # time (caproto's server cannot), so this runs against softioc only.
    pv = softioc_ioc.prefix + "acc"
    ioc_write(softioc_ioc.prefix + "acc_lock", 0)
    probe = open_probe(qtbot, hub, pv)
    control = probe.write_control
    qtbot.waitUntil(lambda: probe.fields["Access"].text() == "read/write", timeout=WAIT)
    assert control.editors.isEnabled()
    try:
        ioc_write(softioc_ioc.prefix + "acc_lock", 1)
        qtbot.waitUntil(lambda: probe.fields["Access"].text() == "read only", timeout=WAIT)
        assert not control.editors.isEnabled()
        assert status(probe) == "✗ cannot write: no write access (access security)"
    finally:
        ioc_write(softioc_ioc.prefix + "acc_lock", 0)
    qtbot.waitUntil(lambda: probe.fields["Access"].text() == "read/write", timeout=WAIT)
    assert control.editors.isEnabled() and status(probe) == ""


def test_put_failure_and_timeout_are_shown_next_to_the_control(qtbot, hub, ioc, backend_name):
    refuse = open_probe(qtbot, hub, ioc.prefix + "refuse")
    refuse.write_control.put_timeout = 2.0
    type_and_enter(qtbot, refuse, "1")
    qtbot.waitUntil(lambda: status(refuse).startswith("✗"), timeout=WAIT)
    if backend_name == "caproto" and ioc.module.endswith("caproto_ioc"):
        # The caproto server answers a failed write with an error response,
        # which caproto's client drops: the failure surfaces as the timeout,
        # never as success. (EPICS base answers with a failed completion.)
        assert "outcome unknown" in status(refuse)
    else:
        assert "put failed" in status(refuse)
    assert ioc_value(ioc.prefix + "refuse") == 0.0
    slow = open_probe(qtbot, hub, ioc.prefix + "slow")
    slow.write_control.put_timeout = 1.0  # the IOC completes this put after 3 s
    type_and_enter(qtbot, slow, "2")
    assert status(slow).startswith("writing"), status(slow)
    qtbot.waitUntil(lambda: not status(slow).startswith("writing"), timeout=WAIT)
    assert "no completion after 1.0 s: outcome unknown" in status(slow), status(slow)

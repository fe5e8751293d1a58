"""The behaviour contract: both backends against both IOCs, no mocks of CA.

Each test is run four times (pyepics/caproto client x caproto/EPICS base
server) through the ``hub`` and ``ioc`` fixtures.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
from caproto.sync.client import write as ca_write

from caprobe import ConnectionState, Severity
from caprobe.model import FieldType
from tests.helpers import WAIT, ioc_value, ioc_write


def live(qtbot, hub, pvname, parent=None):
    """A channel that has connected and received its first reading."""
    channel = hub.channel(pvname, parent)
    qtbot.waitUntil(lambda: channel.connected and channel.reading is not None, timeout=WAIT)
    return channel


def wait_metadata(qtbot, channel, predicate):
    qtbot.waitUntil(lambda: channel.reading is not None and predicate(channel.reading),
                    timeout=WAIT)


def test_backend_is_reported(hub, backend_name):
    assert hub.backend_name == backend_name
    assert backend_name in hub.describe()


def test_unknown_backend_lists_choices(qapp):
    from caprobe import ChannelHub
    from caprobe.ca import UnknownBackendError

    with pytest.raises(UnknownBackendError, match="pyepics, caproto"):
        ChannelHub("libca-ng")


def test_analog_metadata_and_info(qtbot, hub, ioc):
    channel = live(qtbot, hub, ioc.prefix + "ai")
    wait_metadata(qtbot, channel, lambda r: r.units == "mm")
    reading = channel.reading
    assert reading.precision == 3
    assert reading.display_limits == (-10.0, 10.0)
    assert reading.alarm_limits == (-8.0, 8.0)
    assert reading.warning_limits == (-5.0, 5.0)
    assert reading.field_type == FieldType.DOUBLE
    assert isinstance(reading.severity, Severity)
    # Server time stamp, converted from the EPICS epoch to POSIX seconds.
    assert abs(reading.timestamp - time.time()) < 3600 * 24 * 365
    info = channel.info
    assert info.host.startswith(("127.0.0.1", "localhost"))
    assert info.field_type == FieldType.DOUBLE
    assert info.element_count == 1
    assert (info.read_access, info.write_access) == (True, True)
    assert info.backend == hub.backend_name


def test_ao_control_limits(qtbot, hub, ioc):
    # The value this checks the formatting of, whatever earlier tests left (any order).
    ioc_write(ioc.prefix + "ao", 1.5)
    channel = live(qtbot, hub, ioc.prefix + "ao")
    wait_metadata(qtbot, channel, lambda r: r.units == "V")
    assert channel.reading.control_limits == (0.0, 10.0)
    assert channel.reading.precision == 2
    assert channel.reading.format() == "1.50 V"


def test_enum_strings_and_labels(qtbot, hub, ioc):
    channel = live(qtbot, hub, ioc.prefix + "mbbo")
    wait_metadata(qtbot, channel, lambda r: len(r.enum_strings) == 4)
    assert channel.reading.enum_strings == ("Off", "Standby", "On", "Fault")
    assert channel.info.field_type == FieldType.ENUM
    assert channel.reading.format() == "Off"
    assert channel.reading.format(mode="enum_index") == "0"
    bo = live(qtbot, hub, ioc.prefix + "bo")
    wait_metadata(qtbot, bo, lambda r: r.enum_strings == ("Open", "Closed"))


def test_string_long_and_units_text(qtbot, hub, ioc):
    so = live(qtbot, hub, ioc.prefix + "so")
    assert so.reading.value == "hello"
    assert so.info.field_type == FieldType.STRING
    long_ = live(qtbot, hub, ioc.prefix + "long")
    wait_metadata(qtbot, long_, lambda r: r.units == "counts")
    assert long_.reading.value == 42
    assert long_.info.field_type == FieldType.LONG
    utf8 = live(qtbot, hub, ioc.prefix + "utf8")
    # caproto's server sends Latin-1, EPICS base the UTF-8 bytes: same text.
    wait_metadata(qtbot, utf8, lambda r: r.units == "µA")


def test_arrays_arrive_as_numpy(qtbot, hub, ioc):
    wf = live(qtbot, hub, ioc.prefix + "wf")
    value = wf.reading.value
    assert isinstance(value, np.ndarray)
    assert not value.flags.writeable
    np.testing.assert_allclose(value[:16], np.arange(16.0))
    assert wf.info.element_count == 100
    cwf = live(qtbot, hub, ioc.prefix + "cwf")
    assert cwf.info.field_type == FieldType.CHAR
    assert cwf.reading.metadata.is_char_array  # known from the channel, before DBR_CTRL
    assert cwf.reading.text.startswith("The quick brown fox")
    assert "µ-metal" in cwf.reading.format()


def test_monitor_delivers_every_sample_in_order(qtbot, hub, ioc):
    channel = hub.channel(ioc.prefix + "counter")
    batches = []
    channel.samples_arrived.connect(batches.append)
    qtbot.waitUntil(lambda: sum(len(b) for b in batches) >= 15, timeout=WAIT)
    values = [r.value for b in batches for r in b.readings]
    stamps = [r.timestamp for b in batches for r in b.readings]
    # A counter at 10 Hz: consecutive values, server timestamps increasing.
    assert values == list(range(values[0], values[0] + len(values)))
    assert all(b > a for a, b in zip(stamps, stamps[1:]))
    assert channel.dropped_samples == 0


def test_reading_changed_is_coalesced(qtbot, hub, ioc):
    channel = hub.channel(ioc.prefix + "counter")
    seen = []
    channel.reading_changed.connect(seen.append)
    qtbot.waitUntil(lambda: len(seen) >= 5, timeout=WAIT)
    # Latest wins: never an older value after a newer one. (A value may
    # repeat once when control metadata arrives after it.)
    assert all(b.value >= a.value for a, b in zip(seen, seen[1:]))
    assert seen[-1].value > seen[0].value
    assert hub.frames >= len(seen)  # at most one delivery per frame


def test_write_with_completion(qtbot, hub, ioc):
    channel = live(qtbot, hub, ioc.prefix + "long")
    target = 100 + int(time.time()) % 500
    with qtbot.waitSignal(channel.put_finished, timeout=WAIT) as blocker:
        assert channel.put(target)
    ok, message = blocker.args
    assert ok, message
    assert "done" in message
    qtbot.waitUntil(lambda: channel.reading.value == target, timeout=WAIT)
    assert ioc_value(ioc.prefix + "long") == target


def test_write_enum_by_label_and_string(qtbot, hub, ioc):
    mbbo = live(qtbot, hub, ioc.prefix + "mbbo")
    wait_metadata(qtbot, mbbo, lambda r: len(r.enum_strings) == 4)
    with qtbot.waitSignal(mbbo.put_finished, timeout=WAIT) as blocker:
        mbbo.put("On")
    assert blocker.args[0], blocker.args[1]
    qtbot.waitUntil(lambda: mbbo.reading.format() == "On", timeout=WAIT)
    so = live(qtbot, hub, ioc.prefix + "so")
    with qtbot.waitSignal(so.put_finished, timeout=WAIT) as blocker:
        so.put("beam on")
    assert blocker.args[0], blocker.args[1]
    qtbot.waitUntil(lambda: so.reading.value == "beam on", timeout=WAIT)


def test_write_char_waveform_text(qtbot, hub, ioc):
    cwf = live(qtbot, hub, ioc.prefix + "cwf")
    with qtbot.waitSignal(cwf.put_finished, timeout=WAIT) as blocker:
        cwf.put("shutter closed at 10:42 — µ OK")
    assert blocker.args[0], blocker.args[1]
    qtbot.waitUntil(lambda: cwf.reading.text == "shutter closed at 10:42 — µ OK", timeout=WAIT)


def test_read_only_record_refused_and_unchanged(qtbot, hub, ioc):
    channel = live(qtbot, hub, ioc.prefix + "ro")
    assert channel.info.read_access and not channel.info.write_access
    before = ioc_value(ioc.prefix + "ro")
    with qtbot.waitSignal(channel.put_finished, timeout=WAIT) as blocker:
        assert not channel.put(99.0)
    ok, message = blocker.args
    assert not ok and "no write access" in message
    assert ioc_value(ioc.prefix + "ro") == before


@pytest.mark.parametrize("bad", ["abc", "", "1e400", "nan", [1.0, 2.0]])
def test_bad_value_for_double_refused(qtbot, hub, ioc, bad):
    channel = live(qtbot, hub, ioc.prefix + "ao")
    before = ioc_value(ioc.prefix + "ao")
    with qtbot.waitSignal(channel.put_finished, timeout=WAIT) as blocker:
        assert not channel.put(bad)
    ok, message = blocker.args
    assert not ok and "nothing written" in message
    assert ioc_value(ioc.prefix + "ao") == before


def test_string_too_long_and_unknown_enum_refused(qtbot, hub, ioc):
    so = live(qtbot, hub, ioc.prefix + "so")
    with qtbot.waitSignal(so.put_finished, timeout=WAIT) as blocker:
        assert not so.put("x" * 60)
    assert "40" in blocker.args[1]
    mbbo = live(qtbot, hub, ioc.prefix + "mbbo")
    wait_metadata(qtbot, mbbo, lambda r: len(r.enum_strings) == 4)
    for bad in ("Sideways", 7):
        with qtbot.waitSignal(mbbo.put_finished, timeout=WAIT) as blocker:
            assert not mbbo.put(bad)
        assert not blocker.args[0]


def test_unknown_pv_never_connects_and_says_so(qtbot, hub, ioc):
    channel = hub.channel(ioc.prefix + "does_not_exist")
    changes = []
    channel.connection_changed.connect(changes.append)
    assert channel.state == ConnectionState.SEARCHING
    qtbot.waitUntil(lambda: "not found" in channel.status_text(), timeout=WAIT)
    assert not channel.connected and channel.reading is None and changes == []
    with qtbot.waitSignal(channel.put_finished, timeout=WAIT) as blocker:
        assert not channel.put(1.0)
    assert "not connected" in blocker.args[1]


def test_shared_subscription_and_release(qtbot, hub, ioc):
    from PyQt5.QtWidgets import QWidget

    parents = [QWidget() for _ in range(5)]
    channels = [hub.channel(ioc.prefix + "counter", parent=p) for p in parents]
    extra = hub.channel(ioc.prefix + "ai")
    assert hub.subscription_count() == 2
    qtbot.waitUntil(lambda: all(c.reading is not None for c in channels), timeout=WAIT)
    received = []
    for c in channels:
        c.reading_changed.connect(received.append)
    for p in parents:
        p.deleteLater()
    parents.clear()
    channels.clear()
    qtbot.waitUntil(lambda: hub.subscription_count() == 1, timeout=WAIT)
    extra.close()
    assert hub.subscription_count() == 0
    qtbot.waitUntil(lambda: hub.backend.subscription_count() == 0, timeout=WAIT)
    n = len(received)
    qtbot.wait(300)  # several counter updates: none may reach a deleted channel
    assert len(received) == n


def test_late_channel_gets_current_state(qtbot, hub, ioc):
    first = live(qtbot, hub, ioc.prefix + "ao")
    second = hub.channel(ioc.prefix + "ao")
    with qtbot.waitSignals([second.connection_changed, second.reading_changed], timeout=WAIT):
        pass
    assert second.reading is first.reading
    assert hub.subscription_count() == 1


def test_alarm_severity_follows_limits(qtbot, hub, ioc):
    channel = live(qtbot, hub, ioc.prefix + "ai")
    for value, severity, status in ((9.0, Severity.MAJOR, "HIHI"),
                                    (6.0, Severity.MINOR, "HIGH"),
                                    (0.0, Severity.NO_ALARM, "NO_ALARM")):
        ca_write(ioc.prefix + "ai_drive", [value], notify=True, timeout=2, repeater=False)
        qtbot.waitUntil(lambda: channel.reading.value == value
                        and channel.reading.severity == severity, timeout=WAIT)
        assert channel.reading.status == status


def test_ioc_restart_disconnects_then_resumes(qtbot, hub, restartable_ioc):
    ioc = restartable_ioc
    channel = hub.channel(ioc.prefix + "counter")
    changes = []
    channel.connection_changed.connect(changes.append)
    qtbot.waitUntil(lambda: channel.connected and channel.reading is not None, timeout=WAIT)
    ioc.kill()
    qtbot.waitUntil(lambda: changes[-1:] == [False], timeout=WAIT)
    assert channel.state == ConnectionState.DISCONNECTED
    refused = []
    channel.put_finished.connect(lambda ok, msg: refused.append((ok, msg)))
    assert not channel.put(5)
    ioc.start(ready_pv="counter")
    qtbot.waitUntil(lambda: changes[-1:] == [True], timeout=20_000)
    assert changes == [True, False, True]
    first_after = channel.reading
    qtbot.waitUntil(lambda: channel.reading is not first_after, timeout=WAIT)
    assert hub.subscription_count() == 1
    assert hub.backend.subscription_count() == 1
    assert refused and not refused[0][0]


def test_put_never_blocks_gui_for_unreachable_pv(qtbot, hub, ioc):
    channel = hub.channel(ioc.prefix + "nowhere")
    start = time.perf_counter()
    for _ in range(20):
        channel.put(1.0)
    assert time.perf_counter() - start < 0.2

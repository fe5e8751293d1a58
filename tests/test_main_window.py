"""The main window: probe tabs, the PV list dock, read-only title, About."""
from __future__ import annotations

import pytest

from caprobe.app.main_window import MainWindow, about_text
from caprobe.widgets import ProbeTabs
from tests.helpers import WAIT


@pytest.fixture(params=["pyepics"])
def backend_name(request):  # window plumbing does not depend on the backend
    return request.param


def test_window_with_several_pvs(qtbot, hub, caproto_ioc):
    names = [caproto_ioc.prefix + n for n in ("ai", "ao", "mbbo")]
    window = MainWindow(hub, names)
    qtbot.addWidget(window)
    window.show()
    probes = window.probes.probes()
    assert [p.pvname for p in probes] == names
    assert [window.probes.tabText(i) for i in range(3)] == names
    assert window.table is not None and len(window.table.channels()) == 3
    qtbot.waitUntil(lambda: all(c.connected and c.reading is not None
                                for c in window.channels()), timeout=WAIT)
    # one subscription per PV although probes and the PV list both show them
    assert hub.subscription_count() == 3
    window.probes.setCurrentIndex(0)
    window._on_table_cell_double_clicked(2, 0)  # double-click in the PV list
    assert window.probes.currentWidget() is probes[2] and window.probes.count() == 3
    assert "caprobe" in about_text(hub) and "EPICS_CA_ADDR_LIST" in about_text(hub)


def test_probe_tabs_follow_names_and_never_go_empty(qtbot, hub, caproto_ioc):
    tabs = ProbeTabs(hub=hub)
    qtbot.addWidget(tabs)
    tabs.show()
    probe = tabs.open_probe()
    assert tabs.tabText(0) == "new probe"
    probe.set_pvname(caproto_ioc.prefix + "so")
    assert tabs.tabText(0) == caproto_ioc.prefix + "so"
    tabs._on_tab_close_requested(0)
    assert tabs.count() == 1 and tabs.probes()[0].pvname == ""
    qtbot.waitUntil(lambda: hub.subscription_count() == 0, timeout=WAIT)
    sent = []
    tabs.send_to_strip_requested.connect(sent.append)
    tabs.set_strip_chart_available(True)
    other = tabs.open_probe(caproto_ioc.prefix + "ao")
    assert other.strip_button.isVisibleTo(other)
    other.strip_button.click()
    assert sent == [caproto_ioc.prefix + "ao"]


def test_read_only_is_in_the_title_and_a_badge_that_follows_the_mode(qtbot, hub):
    from caprobe.bridge import set_read_only

    hub.read_only = True
    window = MainWindow(hub, [])
    qtbot.addWidget(window)
    window.resize(640, 400)  # narrow: the badge must not be cut off
    window.show()
    assert "READ-ONLY" in window.windowTitle()
    assert window.probes.count() == 1 and window.table is None
    badge = window.read_only_badge
    assert badge.isVisible() and badge.text().startswith("READ-ONLY")
    assert badge.width() >= badge.sizeHint().width()
    window.statusBar().showMessage("Saved something")  # a passing message hides nothing
    assert badge.isVisible()
    hub.read_only = False
    other = MainWindow(hub, [])
    qtbot.addWidget(other)
    other.show()
    assert not other.read_only_badge.isVisible()
    try:
        set_read_only(True)  # the process-wide switch, at run time
        assert other.read_only_badge.isVisible()
    finally:
        set_read_only(False)
    assert not other.read_only_badge.isVisible()
    # A window that goes takes its listener with it.
    import caprobe.bridge.hub as hub_module

    listeners = len(hub_module.read_only_listeners())
    other.deleteLater()
    del other
    qtbot.waitUntil(lambda: len(hub_module.read_only_listeners()) == listeners - 1,
                    timeout=WAIT)


def test_probe_sends_its_pv_to_the_strip_chart(qtbot, hub, caproto_ioc):
    pv = caproto_ioc.prefix + "ai"
    window = MainWindow(hub, [pv], "test")
    qtbot.addWidget(window)
    window.show()
    assert window.strip is None  # created on first use
    probe = window.probes.probes()[0]
    qtbot.waitUntil(lambda: probe.channel.connected, timeout=WAIT)
    assert probe.strip_button.isVisible()
    probe.strip_button.click()
    assert window.strip is not None and window.strip.pvs() == [pv]
    assert window.strip_dock.isVisible()
    assert hub.subscription_count() == 1  # probe and chart share the PV's subscription
    window.strip.probe_requested.emit(caproto_ioc.prefix + "ao")
    assert [p.pvname for p in window.probes.probes()] == [pv, caproto_ioc.prefix + "ao"]


def test_strip_window_opens_probes_in_a_dock(qtbot, hub, caproto_ioc):
    pv = caproto_ioc.prefix + "counter"
    window = MainWindow(hub, [], "test", strip_pvnames=[pv], central="strip")
    qtbot.addWidget(window)
    window.show()
    assert window.centralWidget() is window.strip and not window.probe_dock.isVisible()
    window.strip.legend.activated.emit(pv)  # double-click in the legend
    assert window.probe_dock.isVisible()
    assert window.probes.probes()[-1].pvname == pv


def test_array_pv_on_the_strip_chart_opens_a_waveform_view(qtbot, hub, caproto_ioc):
    wf = caproto_ioc.prefix + "wf"
    window = MainWindow(hub, [], "test", strip_pvnames=[wf], central="strip")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: wf in window.waveform_docks, timeout=WAIT)
    plot = window.waveform_docks[wf].widget()
    assert plot.pvname == wf and plot.is_waterfall()
    assert window.open_waveform(wf) is plot  # one view per PV
    window.waveform_docks[wf].close()  # deleted on close: its channel goes with it
    qtbot.waitUntil(lambda: wf not in window.waveform_docks, timeout=WAIT)

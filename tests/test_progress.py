"""Long operations show progress and never freeze the window (issue 7).

* Connecting many PVs: the "connecting… N of M" line of the PV list and of
  panels reaches M of M against real IOCs on both backends, and names the
  PVs that are not found once the search time has passed.
* A panel of 500 PVs opens (built a few rows per event-loop turn) while a
  10 ms heartbeat never stalls 100 ms, and nothing is written.
* A strip chart's whole buffer (20 PVs x 100,000 samples) is exported on a
  worker thread under the heartbeat; Cancel and errors leave no file, and
  an unwritable path gets a message naming the file and the reason.
"""
from __future__ import annotations

import datetime
import gc
import logging
import math
import threading
import time
import uuid

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QMessageBox, QPushButton

from caprobe.app.main_window import MainWindow
from caprobe.app.panel_window import PanelWindow, open_panel
from caprobe.model.connection_tally import ConnectionTally, name_list
from caprobe.model.strip_csv import (
    ExportCancelled,
    Series,
    _LocalTimes,
    copy_series,
    read_csv,
    write_csv,
)
from caprobe.widgets import StripChart
from caprobe.widgets.pv_auto import PVAutoWidget
from tests.conftest import PORTS
from tests.helpers import WAIT
from tests.iocs.harness import IocProcess

NAMES = ("ai", "ao", "mbbo", "bo", "so", "long", "wf", "cwf", "ro", "counter")
BIG_PANEL_PVS = 500


def missing_pv() -> str:
    return f"nowhere{uuid.uuid4().hex[:6]}:pv"


# -- the tally's figures and words (no Qt) ---------------------------------------------------

def test_tally_counts_names_once_and_words_the_outcome():
    tally = ConnectionTally(not_found_after=3.0)
    tally.expected = 5
    assert tally.add("A", connected=False, searching_since=0.0)
    assert not tally.add("A", connected=True, searching_since=0.0)  # a duplicate
    tally.add("B", connected=True, searching_since=0.0)
    tally.add("C", connected=False, searching_since=0.0)
    assert (tally.connected_count, tally.total) == (1, 5)
    assert tally.text(1.0) == "Connecting… 1 of 5 PVs connected"
    assert tally.set_connected("A", True) and not tally.set_connected("A", True)
    tally.add("D", connected=False, searching_since=2.5)
    tally.add("E", connected=False, searching_since=0.0, was_connected=True)
    tally.set_connected("B", False)
    # At 4 s: C was searched for 4 s (not found), D only 1.5 s (still searching).
    assert tally.not_found(4.0) == ["C"] and tally.disconnected() == ["B", "E"]
    assert tally.waiting_for_timeout(4.0) and not tally.waiting_for_timeout(6.0)
    assert tally.text(4.0) == ("1 of 5 PVs connected — 1 not found: C; "
                               "2 disconnected: B, E; 1 still searching")
    for name in "BCDE":
        tally.set_connected(name, True)
    assert tally.complete and tally.text(9.0) == "All 5 PVs connected"
    assert name_list(list("ABCDEF")) == "A, B, C and 3 more"
    assert name_list(["A"]) == "A"


# -- the PV list of the main window, on real IOCs --------------------------------------------

def test_pv_list_progress_reaches_m_of_m(qtbot, hub, ioc):
    names = [ioc.prefix + n for n in NAMES]
    window = MainWindow(hub, names)
    qtbot.addWidget(window)
    progress = window.connection_progress
    assert progress is not None and progress.total == len(names)
    figures = []
    progress.progress_changed.connect(lambda done, total: figures.append((done, total)))
    window.show()
    with qtbot.waitSignal(progress.completed, timeout=WAIT):
        pass
    assert figures[-1] == (len(names), len(names))
    assert [done for done, _total in figures] == sorted(done for done, _total in figures)
    assert progress.isHidden() and progress.complete
    assert all(c.connected for c in window.table.channels())


def test_pv_list_names_the_pvs_not_found(qtbot, hub, ioc):
    missing = [missing_pv(), missing_pv()]
    names = [ioc.prefix + n for n in NAMES[:4]] + missing
    window = MainWindow(hub, names)
    qtbot.addWidget(window)
    window.show()
    progress = window.connection_progress
    qtbot.waitUntil(lambda: progress.connected_count == 4, timeout=WAIT)
    # Until the CA search time has passed, missing PVs are still "connecting";
    # each is declared not found on its own (a few ms apart: "1 not found;
    # 1 still searching" in between), so wait for both.
    expected = f"4 of 6 PVs connected — 2 not found: {missing[0]}, {missing[1]}"
    qtbot.waitUntil(lambda: progress.isVisible() and progress.text() == expected,
                    timeout=WAIT)
    assert progress.icon.isVisible() and progress.bar.value() == 4
    assert progress.bar.maximum() == 6
    assert missing[0] in progress.toolTip() and "EPICS_CA_ADDR_LIST" in progress.toolTip()
    assert progress.not_found() == missing and not progress.complete


# -- panels ----------------------------------------------------------------------------------

def small_panel(tmp_path, names) -> str:
    path = tmp_path / "small.toml"
    rows = ", ".join(f'["{name}"]' for name in names)
    path.write_text(f'title = "Small"\n[[section]]\nrows = [{rows}]\n')
    return path


def test_panel_progress_names_the_pvs_not_found(qtbot, hub, ioc, tmp_path):
    missing = missing_pv()
    names = [ioc.prefix + n for n in ("ai", "ao", "mbbo")] + [missing]
    window = open_panel(small_panel(tmp_path, names), hub)
    qtbot.addWidget(window)
    assert not window.building  # a small panel is complete at once, as before
    window.show()
    progress = window.connection_progress
    expected = f"3 of 4 PVs connected — 1 not found: {missing}"
    qtbot.waitUntil(lambda: progress.isVisible() and progress.text() == expected,
                    timeout=WAIT)
    assert progress.toolTip().splitlines()[1:] == [missing]


def test_panel_progress_completes_and_releases_its_channels(qtbot, hub, ioc, tmp_path):
    names = [ioc.prefix + n for n in ("ai", "ao", "mbbo", "wf")]
    window = open_panel(small_panel(tmp_path, names), hub)
    qtbot.addWidget(window)
    progress = window.connection_progress
    figures = []
    progress.progress_changed.connect(lambda done, total: figures.append((done, total)))

    def own_channels():
        return [c for c in hub.iter_channels() if c.parent() is progress]

    # One channel of its own per PV (sharing the widgets' subscriptions)...
    assert sorted(c.pvname for c in own_channels()) == sorted(names)
    subscriptions = hub.subscription_count()
    window.show()
    with qtbot.waitSignal(progress.completed, timeout=WAIT):
        pass
    assert figures[-1] == (4, 4) and progress.isHidden()
    # ...released once all are connected; the widgets keep the subscriptions.
    qtbot.waitUntil(lambda: not own_channels(), timeout=WAIT)
    assert hub.subscription_count() == subscriptions == len(names)


@pytest.fixture(scope="module")
def big_ioc():
    """500 PVs on a caproto server, updated slowly (what matters is how many)."""
    ioc = IocProcess("tests.iocs.storm_ioc", f"p{uuid.uuid4().hex[:6]}:", PORTS["progress"],
                     max_seconds=600,
                     extra_args=("--count", str(BIG_PANEL_PVS), "--rate", "0.5"))
    ioc.start()
    yield ioc
    ioc.stop()


def big_panel_text(prefix: str, count: int = BIG_PANEL_PVS) -> str:
    sections = []
    for start in range(0, count, 100):
        rows = ",\n".join(f'  ["$(P)s{i:04d}"]' for i in range(start, min(count, start + 100)))
        sections.append(f'[[section]]\ntitle = "PVs {start}-{start + 99}"\nrows = [\n{rows}\n]\n')
    return f'title = "Big panel"\ncolumns = 5\n[macros]\nP = "{prefix}"\n' + "\n".join(sections)


def test_a_big_panel_opens_without_freezing_and_writes_nothing(qtbot, hub, big_ioc, tmp_path,
                                                               heartbeat, caplog):
    path = tmp_path / "big.toml"
    path.write_text(big_panel_text(big_ioc.prefix))
    caplog.set_level(logging.INFO, logger="caprobe")
    steps = []
    gc.collect()  # what earlier tests left is not this test's to collect
    heartbeat.start()  # measured from here: opening, building, connecting
    window = open_panel(path, hub)
    assert isinstance(window, PanelWindow)
    qtbot.addWidget(window)
    window.build_progress.connect(lambda built, total: steps.append((built, total)))
    assert window.building  # built a few rows at a time, not in the constructor
    window.show()
    qtbot.waitUntil(lambda: not window.building, timeout=WAIT)
    progress = window.connection_progress
    qtbot.waitUntil(lambda: progress.complete and progress.isHidden(), timeout=3 * WAIT)
    heartbeat.stop()
    # The build went in several steps (the window painted in between), the
    # connection line counted every PV.
    assert len(steps) > 3 and steps[0][0] < BIG_PANEL_PVS and steps[-1] == (500, 500)
    assert progress.total == BIG_PANEL_PVS and progress.isHidden()
    assert window.build_line.isHidden()
    autos = window.findChildren(PVAutoWidget)
    assert len(autos) == BIG_PANEL_PVS
    qtbot.waitUntil(lambda: all(a.kind for a in autos), timeout=WAIT)
    # Opening a panel writes nothing (the hub logs every write it sends).
    assert not [r for r in caplog.records if r.getMessage().startswith("put ")]
    assert heartbeat.ticks > 20, heartbeat.summary()


# -- CSV export of a large buffer ------------------------------------------------------------

def test_local_times_are_those_of_datetime():
    times = _LocalTimes()
    rng = np.random.default_rng(7)
    values = [0.0, -0.5, -1.0000005, 1.9999995, 1.0000005, 1.7e9 + 0.9999996, 1e18,
              math.nan, math.inf, -math.inf]
    values += list(rng.uniform(-1e9, 3e9, 20_000)) + list(1.7e9 + rng.integers(0, 10**6, 20_000)
                                                          * 1e-6 + 5e-7)

    def reference(t: float) -> str:
        try:
            return datetime.datetime.fromtimestamp(t).isoformat(timespec="milliseconds")
        except (OverflowError, OSError, ValueError):
            return ""

    assert [v for v in values if times.iso(v) != reference(v)] == []


def test_write_csv_reports_progress_and_a_cancel_leaves_the_old_file(tmp_path):
    n = 12_000
    t = 1.7e9 + np.arange(n) * 0.1
    series = [Series("A", t, np.arange(n, dtype=float), np.zeros(n, np.int8),
                     np.zeros(n, np.uint8))]
    seen = []
    path = tmp_path / "x.csv"
    assert write_csv(path, series, lambda done, total: seen.append((done, total)) or True) == n
    assert seen[0] == (0, n) and seen[-1] == (n, n) and len(seen) > 2
    assert len(read_csv(path)["A"][0]) == n
    path.write_text("an older export\n")
    with pytest.raises(ExportCancelled):
        write_csv(path, series, lambda done, total: done < 5000)
    assert path.read_text() == "an older export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


PVS, SAMPLES = 20, 100_000


@pytest.fixture
def full_chart(qtbot, hub):
    """A chart whose 20 buffers hold 100,000 samples each (2 million), as after hours."""
    chart = StripChart(hub=hub, span=600)
    qtbot.addWidget(chart)
    t0 = time.time() - SAMPLES * 0.1
    rng = np.random.default_rng(1)
    for index in range(PVS):
        name = f"{missing_pv()}{index:02d}"
        chart.add_pv(name)
        y = rng.normal(size=SAMPLES)
        chart.buffer(name).extend(t0 + np.arange(SAMPLES) * 0.1, y,
                                  np.zeros(SAMPLES, np.int8), np.zeros(SAMPLES, np.uint8))
    chart.show()
    # The first redraw reduces every curve from scratch: not what is measured.
    qtbot.waitUntil(lambda: chart.redraw_count > 0, timeout=WAIT)
    # Nor is a full collection of what earlier tests left (the GUI-thread
    # collector may start one at any time; in a long session it takes 100 ms).
    gc.collect()
    return chart


# The export does not depend on the backend: the chart's PVs are never found.
@pytest.mark.parametrize("backend_name", ["pyepics"])
def test_exporting_a_large_buffer_runs_off_the_gui_thread(qtbot, full_chart, tmp_path,
                                                          heartbeat, monkeypatch):
    import caprobe.widgets.strip_export as strip_export

    threads = []

    def recording_write_csv(*args):
        threads.append(threading.get_ident())
        return write_csv(*args)

    monkeypatch.setattr(strip_export, "write_csv", recording_write_csv)
    path = tmp_path / "all.csv"
    heartbeat.start()
    export = full_chart.export_csv_in_background(path)
    assert export is not None and export.total == PVS * SAMPLES
    # A second export while this one runs is refused, not started beside it.
    assert full_chart.export_csv_in_background(tmp_path / "again.csv") is None
    qtbot.waitUntil(lambda: export.dialog.isVisible() or bool(export.outcome), timeout=WAIT)
    assert export.dialog.isVisible(), "a long export shows its progress"
    qtbot.waitUntil(lambda: bool(export.outcome), timeout=120_000)
    heartbeat.stop()
    assert export.outcome == "done" and export.rows == PVS * SAMPLES
    assert threads and threads[0] != threading.get_ident()
    assert f"Exported {PVS * SAMPLES:,} samples" in full_chart.status_label.text()
    with open(path, "rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    assert lines == PVS * SAMPLES + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.csv"]


@pytest.mark.parametrize("backend_name", ["pyepics"])
def test_samples_arriving_while_the_worker_copies_wait_and_stay_out_of_the_file(
        qtbot, full_chart, tmp_path, monkeypatch):
    import caprobe.widgets.strip_export as strip_export

    copying, go_on, copier = threading.Event(), threading.Event(), []

    def gated_copy_series(series, progress):
        copier.append(threading.get_ident())
        copying.set()
        go_on.wait(WAIT / 1000)  # the GUI thread records meanwhile
        return copy_series(series, progress)

    monkeypatch.setattr(strip_export, "copy_series", gated_copy_series)
    name = full_chart.pvs()[0]
    buffer = full_chart.buffer(name)
    last = buffer.last_time()
    export = full_chart.export_csv_in_background(tmp_path / "snapshot.csv", visible_only=False)
    qtbot.waitUntil(copying.is_set, timeout=WAIT)
    assert copier[0] != threading.get_ident(), "the copy is the worker's, not the GUI thread's"
    buffer.extend(np.array([last + 1, last + 2]), np.array([7.0, 8.0]))
    assert buffer.writes_held and buffer.last_time() == last  # waiting, not overwriting
    go_on.set()
    qtbot.waitUntil(lambda: bool(export.outcome), timeout=120_000)
    assert export.outcome == "done" and export.rows == PVS * SAMPLES
    assert not buffer.writes_held and buffer.last_time() == last + 2
    assert list(buffer.values()[-2:]) == [7.0, 8.0]
    times, values = read_csv(tmp_path / "snapshot.csv")[name][:2]
    assert len(times) == SAMPLES and times[-1] == pytest.approx(last) and 8.0 not in values


def test_copy_series_copies_and_can_be_cancelled():
    n = 1000
    views = [Series("A", np.arange(n, dtype=float), np.ones(n), np.zeros(n, np.int8),
                    np.zeros(n, np.uint8))]
    copies = copy_series(views)
    assert all(np.array_equal(a, b) and not np.shares_memory(a, b)
               for a, b in zip((copies[0].t, copies[0].y), (views[0].t, views[0].y)))
    with pytest.raises(ExportCancelled):
        copy_series(views, lambda done, total: False)


@pytest.mark.parametrize("backend_name", ["pyepics"])
def test_cancel_leaves_no_file(qtbot, full_chart, tmp_path, heartbeat):
    path = tmp_path / "cancelled.csv"
    heartbeat.start()
    export = full_chart.export_csv_in_background(path)
    progress = []
    export.job.progress.connect(lambda done, total: progress.append(done))
    qtbot.waitUntil(lambda: any(progress) and export.dialog.isVisible(), timeout=WAIT)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]  # being written
    qtbot.mouseClick(export.dialog.findChild(QPushButton), Qt.LeftButton)  # Cancel
    qtbot.waitUntil(lambda: bool(export.outcome), timeout=WAIT)
    assert export.outcome == "cancelled"
    assert list(tmp_path.iterdir()) == []
    assert "Export cancelled: nothing written" in full_chart.status_label.text()
    # The chart can export again at once (cancelled too: no work left for later tests).
    again = full_chart.export_csv_in_background(tmp_path / "next.csv")
    assert again is not None
    again.cancel()
    qtbot.waitUntil(lambda: again.outcome == "cancelled", timeout=WAIT)


@pytest.mark.parametrize("backend_name", ["pyepics"])
@pytest.mark.parametrize("where, reason", [("missing folder", "No such file or directory"),
                                           ("a folder", "Is a directory")])
def test_an_unwritable_path_gets_a_clear_message(qtbot, full_chart, tmp_path, caplog, where,
                                                 reason):
    # A folder is found only at the end, when the finished file is renamed.
    path = tmp_path / "no" / "such" / "x.csv" if where == "missing folder" else tmp_path / "d"
    if where == "a folder":
        path.mkdir()
    export = full_chart.export_csv_in_background(path, visible_only=True)
    qtbot.waitUntil(lambda: bool(export.outcome), timeout=WAIT)
    assert export.outcome == "failed"
    box = export.error_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text() == f"Cannot export to {path}: {reason}. Nothing was written."
    assert box.text() in full_chart.status_label.text()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and str(path) in errors[-1].getMessage() and reason in errors[-1].getMessage()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    box.close()

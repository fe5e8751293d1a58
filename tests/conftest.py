"""Test harness: real IOCs on loopback, both backends, offscreen Qt.

The EPICS environment is set here, at import time, before any CA library
is loaded: libca and caproto read it once per process. Every IOC port the
session may use is reserved now and listed in EPICS_CA_ADDR_LIST, so the
client searches exactly those ports on 127.0.0.1 and nothing else.
"""
from __future__ import annotations

import gc
import os
import tempfile
import uuid

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Widgets keep preferences in QSettings; tests (and the caprobe processes
# they start) get a private config folder, never the developer's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="caprobe-test-config-")
# caprobe's own overrides, the same for every platform: settings (each test
# gets a fresh folder, see fresh_settings) and the log file.
os.environ["CAPROBE_CONFIG_DIR"] = os.path.join(os.environ["XDG_CONFIG_HOME"], "caprobe")
os.environ["CAPROBE_DATA_DIR"] = tempfile.mkdtemp(prefix="caprobe-test-data-")

from tests.iocs.harness import IocProcess, free_port, loopback_client_env  # noqa: E402

PORTS = {name: free_port() for name in
         ("caproto", "softioc", "caproto_restart", "softioc_restart", "late", "demo",
          "faults", "progress")}
os.environ.update(loopback_client_env(list(PORTS.values())))
# Short connection timeout so a frozen IOC is noticed quickly in fault tests.
os.environ.setdefault("EPICS_CA_CONN_TMO", "30")

import pytest  # noqa: E402

from tests.heartbeat import heartbeat  # noqa: E402,F401  (the fault suite's fixture)

BACKENDS = ("pyepics", "caproto")
IOC_KINDS = ("caproto", "softioc")
_MODULES = {"caproto": "tests.iocs.caproto_ioc", "softioc": "tests.iocs.softioc_ioc"}


def make_ioc(kind: str, port_key: str | None = None, **kwargs) -> IocProcess:
    prefix = f"t{uuid.uuid4().hex[:6]}:"
    return IocProcess(_MODULES[kind], prefix, PORTS[port_key or kind], **kwargs)


@pytest.fixture(scope="session")
def caproto_ioc():
    ioc = make_ioc("caproto")
    ioc.start()
    yield ioc
    ioc.stop()


@pytest.fixture(scope="session")
def softioc_ioc():
    ioc = make_ioc("softioc")
    ioc.start()
    yield ioc
    ioc.stop()


@pytest.fixture(params=IOC_KINDS)
def ioc(request):
    """Each test runs against the caproto server and a real EPICS base IOC."""
    return request.getfixturevalue(f"{request.param}_ioc")


@pytest.fixture(params=IOC_KINDS)
def restartable_ioc(request):
    """A private IOC this test may kill and restart (same port, same prefix)."""
    ioc = make_ioc(request.param, f"{request.param}_restart")
    ioc.start()
    yield ioc
    ioc.stop()


@pytest.fixture(params=BACKENDS)
def backend_name(request):
    return request.param


@pytest.fixture
def hub(qapp, backend_name):
    from caprobe import ChannelHub

    hub = ChannelHub(backend_name)
    yield hub
    hub.close()


@pytest.fixture(autouse=True)
def fresh_settings(tmp_path_factory, monkeypatch):
    """Every test starts with no saved preferences, and leaves none to the next.

    A preference one test sets (a probe's number format, "confirm before
    writing", a theme) would otherwise change what later tests see. The
    caprobe processes a test starts inherit the same folder.
    """
    folder = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("CAPROBE_CONFIG_DIR", str(folder))
    yield folder


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    """Delete each test's widgets before the next test starts, on the GUI thread.

    pytest-qt closes registered widgets with ``deleteLater``, which would
    otherwise run in the middle of the next test's event loop; a full
    collection here also clears the cycles pyqtgraph leaves behind, so no
    test inherits another's dying widgets.
    """
    from PyQt5.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        gc.collect()

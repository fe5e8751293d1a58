"""The README's embedding example runs as written against a real IOC."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import PORTS
from tests.iocs.harness import LOOPBACK_ENV, ROOT


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- embed-example -->\s*```python\n(.*?)```", text, re.S)
    assert block, "README lost its embedding example"
    code = block.group(1)
    assert code == (ROOT / "examples" / "live_value.py").read_text().split('"""', 2)[2].lstrip()
    return code


def run_against_demo_ioc(script, timeout: float = 60) -> subprocess.CompletedProcess:
    port = PORTS["demo"]
    env = dict(os.environ)
    env.update(LOOPBACK_ENV)
    env.update(QT_QPA_PLATFORM="offscreen", EPICS_CA_ADDR_LIST=f"127.0.0.1:{port}",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    ioc = subprocess.Popen([sys.executable, "-m", "caprobe.app.demo_ioc", "--port", str(port),
                            "--max-seconds", "60"], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                              text=True, timeout=timeout)
    finally:
        ioc.terminate()
        ioc.wait(timeout=10)


def test_readme_example_shows_a_live_value(tmp_path):
    code = readme_example()
    # Same code; only the endless event loop becomes "run until the label shows a value".
    bounded = code.replace("app.exec_()", (
        "from PyQt5.QtCore import QTimer\n"
        "def _check():\n"
        "    if label.text()[:1] in '-0123456789':\n"
        "        print('LABEL', label.text()); app.quit()\n"
        "t = QTimer(); t.timeout.connect(_check); t.start(50)\n"
        "QTimer.singleShot(15000, app.quit)\n"
        "app.exec_()\n"))
    script = tmp_path / "example.py"
    script.write_text(bounded)
    out = run_against_demo_ioc(script)
    assert "LABEL" in out.stdout, out.stderr[-2000:]
    assert re.search(r"LABEL -?\d\.\d{3} mm", out.stdout), out.stdout


def test_widget_example_goes_live(tmp_path):
    """examples/embed.py, as in the README: label, setpoint and strip chart all live."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- embed-widgets -->\s*```python\n(.*?)```", text, re.S)
    assert block, "README lost its widget example"
    example = (ROOT / "examples" / "embed.py").read_text().split('"""', 2)[2].lstrip()
    assert block.group(1) == example
    assert len(example.strip().splitlines()) <= 20
    bounded = example.replace("sys.exit(app.exec_())", (
        "from PyQt5.QtCore import QTimer\n"
        "from caprobe.widgets import PVLabel as _L, PVLineEdit as _E, StripChart as _S\n"
        "def _check():\n"
        "    label, edit = window.findChild(_L), window.findChild(_E)\n"
        "    chart = window.findChild(_S)\n"
        "    if label.text().endswith(' A') and edit.text().endswith(' A') and all(\n"
        "            len(chart.curve_data(n)[0]) for n in chart.pvs()):\n"
        "        print('LIVE', label.text(), edit.text(), len(chart.pvs())); app.quit()\n"
        "t = QTimer(); t.timeout.connect(_check); t.start(50)\n"
        "QTimer.singleShot(20000, app.quit)\n"
        "app.exec_()\n"))
    script = tmp_path / "embed.py"
    script.write_text(bounded)
    out = run_against_demo_ioc(script)
    assert re.search(r"LIVE \d+\.\d{3} A \d+\.\d{3} A 3", out.stdout), out.stderr[-2000:]

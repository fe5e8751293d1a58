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
    port = PORTS["demo"]
    env = dict(os.environ)
    env.update(LOOPBACK_ENV)
    env.update(QT_QPA_PLATFORM="offscreen", EPICS_CA_ADDR_LIST=f"127.0.0.1:{port}",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    ioc = subprocess.Popen([sys.executable, "-m", "caprobe.app.demo_ioc", "--port", str(port),
                            "--max-seconds", "60"], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                             text=True, timeout=60)
    finally:
        ioc.terminate()
        ioc.wait(timeout=10)
    assert "LABEL" in out.stdout, out.stderr[-2000:]
    assert re.search(r"LABEL -?\d\.\d{3} mm", out.stdout), out.stdout

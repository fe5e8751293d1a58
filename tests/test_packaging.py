"""What caprobe ships: resources through caprobe.assets, desktop files, icons, examples.

Fast checks for the normal suite. The hard check is packaging/check_packaging.sh
(wheel contents, a fresh install, the PyInstaller bundle), run by CI; here the
validators run only if installed, and are skipped with a reason otherwise.
"""
from __future__ import annotations

import os
import shutil
import stat
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

import pytest

import caprobe
from caprobe import assets
from caprobe.assets import APP_ID, ICON_SIZES, asset_path, icon_parts
from tests.iocs.harness import LOOPBACK_ENV, ROOT, free_port

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

DESKTOP = ("desktop", f"{APP_ID}.desktop")
METAINFO = ("desktop", f"{APP_ID}.metainfo.xml")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def desktop_entry() -> ConfigParser:
    parser = ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(assets.read_asset_text(*DESKTOP))
    return parser


# -- resources resolve through caprobe.assets ---------------------------------------------

@pytest.mark.parametrize("parts", [
    icon_parts(), *(icon_parts(size) for size in ICON_SIZES), DESKTOP, METAINFO,
    ("panels", "demo_overview.toml"), ("panels", "demo_setpoints.ui"),
], ids=lambda parts: "/".join(parts))
def test_shipped_files_resolve(parts):
    path = asset_path(*parts)
    assert path.is_file() and path.stat().st_size > 0


def test_missing_resource_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="caprobe resource not found: nope/x.png"):
        asset_path("nope", "x.png")
    with pytest.raises(ValueError, match="no 17 px icon"):
        icon_parts(17)


def test_checkout_fallback_when_the_package_is_not_installed(monkeypatch):
    """A checkout run with PYTHONPATH=. has no caprobe.resources package: the folder serves."""
    def not_installed(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(assets.resources, "files", not_installed)
    assert assets.resource_root() == ROOT / "resources"
    assert asset_path(*DESKTOP) == ROOT / "resources" / "desktop" / f"{APP_ID}.desktop"


@pytest.mark.parametrize("pattern", ["**/*.ui", "**/*.xml", "**/*.svg"])
def test_shipped_xml_is_well_formed(pattern):
    """(A "--" in an XML comment, e.g. a command line, breaks a whole file.)"""
    for path in (ROOT / "resources").glob(pattern):
        ET.parse(path)


def test_example_panels_are_listed_by_name():
    examples = assets.example_panels()
    assert list(examples) == ["demo_overview", "demo_setpoints"]
    assert all(path.is_file() for path in examples.values())


# -- pyproject ships all of it ------------------------------------------------------------

def test_every_subpackage_is_listed_in_pyproject():
    """packages is a list (caprobe.resources cannot be found), so a new one must be added."""
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {".".join(init.parent.relative_to(ROOT).parts)
               for init in (ROOT / "caprobe").rglob("__init__.py")}
    assert on_disk | {"caprobe.resources"} == listed


def test_package_data_globs_cover_every_resource_file():
    globs = pyproject()["tool"]["setuptools"]["package-data"]["caprobe.resources"]
    folder = ROOT / "resources"
    covered = {path for pattern in globs for path in folder.glob(pattern)}  # setuptools: ** too
    files = {path for path in folder.rglob("*") if path.is_file() and path.suffix != ".pyc"
             and path.name != "__init__.py"}
    missing = sorted(str(path.relative_to(folder)) for path in files - covered)
    assert not missing, f"add globs for these to [tool.setuptools.package-data]: {missing}"


# -- icons ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", ICON_SIZES)
def test_png_icon_has_its_nominal_size(size):
    assert png_size(asset_path(*icon_parts(size))) == (size, size)


def test_png_icons_are_not_stale(qapp):
    """Each PNG looks like the SVG rendered at its size (run packaging/render_icons.py)."""
    from PyQt5.QtGui import QImage

    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import render_icons
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    from PyQt5.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(asset_path(*icon_parts())))
    for size in (16, 64):
        fresh = render_icons.render(renderer, size)
        committed = QImage(str(asset_path(*icon_parts(size)))).convertToFormat(fresh.format())
        # Compare a few pixels loosely: a different Qt may antialias slightly differently.
        for x, y in ((size // 2, size // 2), (size // 4, size * 3 // 4), (size - 2, 1)):
            a, b = fresh.pixelColor(x, y), committed.pixelColor(x, y)
            assert max(abs(a.red() - b.red()), abs(a.green() - b.green()),
                       abs(a.blue() - b.blue()), abs(a.alpha() - b.alpha())) < 40, (size, x, y)


def test_window_icon_comes_from_the_svg(qapp):
    from caprobe.app import cli

    old_icon, old_name = qapp.windowIcon(), qapp.desktopFileName()
    try:
        cli._set_window_icon(qapp)
        assert not qapp.windowIcon().pixmap(16, 16).isNull()
        assert qapp.desktopFileName() == APP_ID
    finally:
        qapp.setWindowIcon(old_icon)
        qapp.setDesktopFileName(old_name)


# -- desktop entry and AppStream metainfo -------------------------------------------------

def test_desktop_entry_metainfo_and_icon_agree():
    entry = desktop_entry()["Desktop Entry"]
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "caprobe"
    assert "%" not in entry["Exec"]  # PV names, not files or URLs
    root = ET.fromstring(assets.read_asset_text(*METAINFO))
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("provides/binary") == "caprobe"
    assert root.findtext("project_license") == pyproject()["project"]["license"]
    versions = [release.get("version") for release in root.iter("release")]
    assert caprobe.__version__ in versions


def test_metainfo_screenshots_exist_in_docs():
    root = ET.fromstring(assets.read_asset_text(*METAINFO))
    urls = [image.text for image in root.iter("image")]
    assert urls
    for url in urls:
        relative = url.split("/docs/images/", 1)[1]
        assert (ROOT / "docs" / "images" / relative).is_file(), url


def _validator(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (packaging/check_packaging.sh installs and runs it)")
    return path


def test_desktop_entry_validates():
    tool = _validator("desktop-file-validate")
    out = subprocess.run([tool, str(asset_path(*DESKTOP))], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and not (out.stdout + out.stderr).strip(), out.stdout + out.stderr


def test_metainfo_validates():
    tool = _validator("appstreamcli")
    out = subprocess.run([tool, "validate", "--no-net", "--strict", "--pedantic",
                          str(asset_path(*METAINFO))], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


# -- caprobe panel --list-examples / --example ------------------------------------------------

def caprobe_cli(*args: str) -> subprocess.CompletedProcess:
    # Nothing listens on that port: a panel's PVs stay unconnected, whatever else runs.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **LOOPBACK_ENV)
    env["EPICS_CA_ADDR_LIST"] = f"127.0.0.1:{free_port()}"
    return subprocess.run([sys.executable, "-m", "caprobe.app.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_list_examples():
    out = caprobe_cli("panel", "--list-examples")
    assert out.returncode == 0, out.stderr
    listed = dict(line.split("\t") for line in out.stdout.splitlines())
    assert list(listed) == ["demo_overview", "demo_setpoints"]
    assert all(Path(path).is_file() for path in listed.values())


def test_unknown_example_or_two_panels_are_refused(capsys):
    from caprobe.app.cli import main

    assert main(["panel", "--example", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no example panel 'nope'; shipped: demo_overview, demo_setpoints" in err
    assert main(["panel", "x.toml", "--example", "demo_overview"]) == 2
    assert "not both" in capsys.readouterr().err


def test_example_opens_as_a_panel():
    # No IOC: the screenshot fails, naming the example's PVs (so it was found and built).
    out = caprobe_cli("panel", "--example", "demo_overview.toml", "-m", "P=nowhere:",
                      "--screenshot", os.devnull, "--timeout", "1", "--settle", "0")
    assert out.returncode == 1, out.stderr
    assert "no value within 1 s for: nowhere:setpoint" in out.stderr


# -- the demo IOC as a frozen bundle starts it ------------------------------------------------

def test_frozen_bundle_runs_the_demo_ioc_through_its_own_executable(tmp_path, monkeypatch):
    """A bundle has no "python -m": sys.executable is caprobe, given an internal command.

    Stand in for the bundle with a script that runs caprobe's main, mark the
    interpreter frozen, and check that start_demo_ioc's IOC serves the demo PVs.
    """
    from caproto.sync.client import read

    from caprobe.app.cli import DEMO_IOC_COMMAND, start_demo_ioc, stop_process

    fake_bundle = tmp_path / "caprobe"
    fake_bundle.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m caprobe.app.cli "$@"\n')
    fake_bundle.chmod(fake_bundle.stat().st_mode | stat.S_IXUSR)
    for name, value in LOOPBACK_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("EPICS_CA_ADDR_LIST", "EPICS_CA_NAME_SERVERS"):  # start_demo_ioc sets them
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    with monkeypatch.context() as frozen:  # only while the IOC starts
        frozen.setattr(sys, "frozen", True, raising=False)
        frozen.setattr(sys, "executable", str(fake_bundle))
        proc = start_demo_ioc(port=free_port())  # also points EPICS_CA_ADDR_LIST at it
    try:
        assert proc.args[:2] == [str(fake_bundle), DEMO_IOC_COMMAND]
        deadline = time.monotonic() + 30
        while True:
            try:
                value = read("demo:setpoint", timeout=1).data[0]
                break
            except TimeoutError:  # caproto's: not found yet, the IOC is still starting
                assert proc.poll() is None, "the demo IOC exited"
                assert time.monotonic() < deadline, "no demo:setpoint from the demo IOC"
        assert value == pytest.approx(5.0)
    finally:
        stop_process(proc)

"""Files shipped with caprobe (icons, stylesheets, example panels), wherever it runs from.

The project keeps them in the top-level ``resources/`` folder; the wheel
carries that folder as the package ``caprobe.resources`` (see
``pyproject.toml``: ``package-dir``), and a PyInstaller bundle carries it
as data beside the code. ``importlib.resources`` finds all three; a
checkout run without installing (``PYTHONPATH=.``) falls back to the
folder itself.

No Qt here: widgets and apps turn these paths into QIcons and stylesheets.
"""
from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

#: The checkout's folder, used only when the package is not importable.
_CHECKOUT_RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource_root() -> Traversable:
    """The folder of shipped files, as ``importlib.resources`` sees it."""
    try:
        return resources.files("caprobe.resources")
    except ModuleNotFoundError:
        return _CHECKOUT_RESOURCES


def asset(*parts: str) -> Traversable:
    """One shipped file or folder, e.g. ``asset("themes", "dark.qss")``."""
    node = resource_root()
    for part in parts:
        node = node / part
    return node


def asset_path(*parts: str) -> Path:
    """A real filesystem path to a shipped file (Qt APIs want paths).

    Wheels and bundles install files on disk, so the path is the file
    itself; a zip import would need extracting, which we do not support.
    """
    node = asset(*parts)
    path = Path(str(node))
    if not path.exists():
        raise FileNotFoundError(f"caprobe resource not found: {'/'.join(parts)} "
                                f"(looked in {resource_root()})")
    return path


def read_asset_text(*parts: str) -> str:
    """A shipped text file (stylesheet, example panel), UTF-8."""
    return asset(*parts).read_text(encoding="utf-8")

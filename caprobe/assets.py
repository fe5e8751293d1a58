"""Files shipped with caprobe (icons, desktop entry, example panels, themes), wherever it runs.

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
from pathlib import Path

try:  # Python 3.11+; importlib.abc.Traversable is deprecated from 3.12
    from importlib.resources.abc import Traversable
except ImportError:  # pragma: no cover (3.9, 3.10)
    from importlib.abc import Traversable

#: The checkout's folder, used only when the package is not importable.
_CHECKOUT_RESOURCES = Path(__file__).resolve().parent.parent / "resources"

#: The freedesktop application id: names the .desktop entry, the AppStream
#: metainfo and the icon, so that desktops match the three up.
APP_ID = "io.github.caprobe.caprobe"
#: Pixel sizes of the PNG icon renditions (hicolor theme sizes).
ICON_SIZES = (16, 32, 48, 64, 128, 256)

_PANEL_SUFFIXES = (".toml", ".ui")


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
    path = node if isinstance(node, Path) else Path(str(node))
    if not path.exists():
        raise FileNotFoundError(f"caprobe resource not found: {'/'.join(parts)} "
                                f"(looked in {resource_root()})")
    return path


def read_asset_text(*parts: str) -> str:
    """A shipped text file (stylesheet, example panel), UTF-8."""
    return asset(*parts).read_text(encoding="utf-8")


def icon_parts(size: int | None = None) -> tuple[str, ...]:
    """Where the application icon is: the SVG (``size=None``) or a PNG rendition.

    The layout is the hicolor icon theme's, so packagers can copy
    ``icons/hicolor`` into ``/usr/share/icons`` as it is.
    """
    if size is None:
        return ("icons", "hicolor", "scalable", "apps", f"{APP_ID}.svg")
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes are {ICON_SIZES}")
    return ("icons", "hicolor", f"{size}x{size}", "apps", f"{APP_ID}.png")


def example_panels() -> dict[str, Path]:
    """The shipped example panels by name (file stem), e.g. ``{"demo_overview": ...}``."""
    folder = asset("panels")
    return {Path(node.name).stem: asset_path("panels", node.name)
            for node in sorted(folder.iterdir(), key=lambda n: n.name)
            if Path(node.name).suffix in _PANEL_SUFFIXES}

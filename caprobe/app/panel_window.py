"""An operator panel window: a checked ``model.panel.Panel``, or a Designer ``.ui`` form.

Opening a panel only reads PVs: no widget writes on creation, and every
write afterwards is an operator's action through a widget (blocked in
read-only mode). Errors in the file are found before any window or
channel exists (``PanelError`` names the file and the place).
"""
from __future__ import annotations

import importlib
import io
import logging
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Mapping
from xml.parsers import expat

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from caprobe.bridge import ChannelHub, is_read_only
from caprobe.model.macros import MacroError, expand, parse_macro_definitions
from caprobe.model.panel import (
    Panel,
    PanelError,
    PVCell,
    StripCell,
    TextCell,
    WaveformCell,
    load_panel,
)
from caprobe.model.textfile import read_user_text
from caprobe.widgets import StripChart, WaveformPlot
from caprobe.widgets.pv_auto import make_pv_widget

log = logging.getLogger(__name__)


class PanelWindow(QWidget):
    """The widgets of a panel file, laid out by section, row and cell."""

    def __init__(self, panel: Panel, hub: ChannelHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self._hub = hub
        mode = " — READ-ONLY" if (is_read_only() or hub.read_only) else ""
        self.setWindowTitle(f"{panel.title}{mode}")
        content = QWidget()
        grid = QGridLayout(content)
        grid.setContentsMargins(8, 8, 8, 8)
        grid.setSpacing(10)
        for index, section in enumerate(panel.sections):
            box = QGroupBox(section.title)
            box_grid = QGridLayout(box)
            box_grid.setHorizontalSpacing(8)
            widest = max((len(row) for row in section.rows), default=1)
            for r, row in enumerate(section.rows):
                for c, cell in enumerate(row):
                    # A cell alone in its row (a strip chart, a note) spans the section.
                    self._place(cell, box_grid, r, c, widest if len(row) == 1 else 1)
            grid.addWidget(box, index // panel.columns, index % panel.columns)
        grid.setRowStretch(grid.rowCount(), 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        hint = content.sizeHint().expandedTo(content.minimumSizeHint())
        # Room for the scroll area's frame and scroll bar, and for values and
        # alarm badges, which widen some widgets once the PVs connect.
        self.resize(min(1900, hint.width() + 140), min(1000, hint.height() + 30))

    def _place(self, cell, grid: QGridLayout, row: int, col: int, cells_spanned: int) -> None:
        if isinstance(cell, PVCell):
            label = QLabel(cell.label if cell.label is not None else cell.pv)
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            options = {"precision": cell.precision, "units": cell.units,
                       "confirm": cell.confirm, "read_only": cell.read_only, "bit": cell.bit,
                       "bits": cell.bits, "value": cell.value, "span": cell.span}
            widget = make_pv_widget(cell.widget, cell.pv, None, self._hub, options)
            grid.addWidget(label, row, 2 * col, Qt.AlignRight | Qt.AlignVCenter)
            grid.addWidget(widget, row, 2 * col + 1)
            return
        if isinstance(cell, StripCell):
            chart = StripChart(hub=self._hub, span=cell.span)
            chart.add_pvs(list(cell.pvs))
            chart.setMinimumHeight(cell.height)
            widget = _titled(cell.label, chart)
        elif isinstance(cell, WaveformCell):
            plot = WaveformPlot(cell.pv, hub=self._hub, waterfall=cell.waterfall)
            plot.setMinimumHeight(cell.height)
            widget = _titled(cell.label, plot)
        elif isinstance(cell, TextCell):
            widget = QLabel(cell.text)
            widget.setWordWrap(True)
        else:  # pragma: no cover (the checker admits no other cell)
            raise TypeError(cell)
        grid.addWidget(widget, row, 2 * col, 1, 2 * cells_spanned)

    def channels(self) -> list:
        """Every channel shown (for screenshots: wait until all have values)."""
        return panel_channels(self)

    def prepare_for_grab(self) -> None:
        for chart in self.findChildren(StripChart):
            chart.redraw(force=True)
        for plot in self.findChildren(WaveformPlot):
            plot.flush()


def _titled(title: str, widget: QWidget) -> QWidget:
    if not title:
        return widget
    box = QGroupBox(title)
    QVBoxLayout(box).addWidget(widget)
    return box


def panel_channels(root: QWidget) -> list:
    channels = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, StripChart):
            channels += widget.channels()
        elif isinstance(widget, WaveformPlot):
            if widget.channel() is not None:
                channels.append(widget.channel())
        elif hasattr(widget, "pv_connected") and widget.channel is not None:
            channels.append(widget.channel)
    return channels


def load_ui_panel(path: str | Path, macros: str | Mapping[str, str] = "") -> QWidget:
    """A Designer form with caprobe widgets, macros expanded, live with the default hub."""
    from PyQt5 import uic

    path = Path(path)
    text = read_user_text(path, PanelError)
    try:
        values = parse_macro_definitions(macros) if isinstance(macros, str) else dict(macros)
    except MacroError as exc:
        raise PanelError(f"-m: {exc}") from None
    _screen_ui_xml(text, path)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = exc.position
        raise PanelError(f"{path}: line {line}, column {column}: not a valid .ui file "
                         f"(XML syntax error)") from None
    if root.tag != "ui":
        raise PanelError(f"{path}: not a Qt Designer form (the root element is "
                         f"<{root.tag}>, expected <ui>)")
    _check_ui_classes(root, path)
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in root.iter("string"):
        if not element.text or "$" not in element.text:
            continue
        try:
            element.text = expand(element.text, values)
        except MacroError as exc:
            raise PanelError(f"{path}: {_ui_place(element, parents)}: {exc}") from None
    search_path = list(sys.path)
    try:
        form = uic.loadUi(io.StringIO(ET.tostring(root, encoding="unicode")))
    except Exception as exc:  # uic reports unknown classes, bad properties...
        raise PanelError(f"{path}: cannot build the form: {exc}") from None
    finally:
        # uic appends "." to sys.path for custom widgets; the process must
        # not import from whatever directory it happens to run in.
        sys.path[:] = search_path
    if not form.windowTitle():
        form.setWindowTitle(path.stem)
    if is_read_only():
        form.setWindowTitle(f"{form.windowTitle()} — READ-ONLY")
    return form


#: Deeper than any Designer form; uic and ElementTree recurse per level.
MAX_UI_DEPTH = 100
#: Modules a form's custom widgets may come from. uic imports the module a
#: form names and calls the class it names: any other module would let a
#: file run code (import a module from the working directory, call
#: ``sys.exit``...).
UI_WIDGET_MODULES = ("caprobe.widgets",)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _screen_ui_xml(text: str, path: Path) -> None:
    """Refuse, with its line, what no Designer form contains, before anything parses it.

    A DOCTYPE declares entities: expanding them is the "billion laughs"
    attack, and an external one would read a local file. Designer never
    writes one. Elements nested deeper than ``MAX_UI_DEPTH`` would exhaust
    the recursion of ElementTree's serializer and of uic.
    """
    parser = expat.ParserCreate()
    depth = 0

    def refuse(what: str) -> None:
        raise PanelError(f"{path}: line {parser.CurrentLineNumber}: {what}")

    def on_doctype(*_args) -> None:
        refuse("a DOCTYPE (entity declarations) is not allowed in a .ui form; Qt Designer "
               "never writes one")

    def on_start(*_args) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_UI_DEPTH:
            refuse(f"elements nested more than {MAX_UI_DEPTH} deep: not a Qt Designer form")

    def on_end(*_args) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = on_doctype
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise PanelError(f"{path}: line {exc.lineno}, column {exc.offset}: not a valid .ui "
                         f"file (XML syntax error: {expat.errors.messages[exc.code]})") from None


def _check_ui_classes(root: ET.Element, path: Path) -> None:
    """Every class a form names must be a plain Qt class or a caprobe widget.

    uic resolves ``a.b`` class names attribute by attribute and imports a
    custom widget's ``<header>`` as a module, then calls what it found: a
    form could name any callable of any importable module.
    """
    for element in root.iter():
        name = element.get("class") if element.tag in ("widget", "layout") else None
        if name is not None and not _IDENTIFIER.match(name):
            raise PanelError(f"{path}: widget {element.get('name') or '?'}: class {name!r} "
                             "is not a class name")
    for custom in root.iter("customwidget"):
        name = (custom.findtext("class") or "").strip()
        header = (custom.findtext("header") or "").strip()
        module = header[:-2] if header.endswith(".h") else header
        module = module.strip("/").replace("/", ".")
        if module not in UI_WIDGET_MODULES:
            raise PanelError(f"{path}: custom widget {name!r} comes from {header!r}; a "
                             f"form may use caprobe's widgets ({', '.join(UI_WIDGET_MODULES)}) "
                             "and Qt's own, nothing else")
        widget_class = getattr(importlib.import_module(module), name, None) \
            if _IDENTIFIER.match(name) else None
        if not (isinstance(widget_class, type) and issubclass(widget_class, QWidget)):
            raise PanelError(f"{path}: custom widget {name!r} is not a widget of {module}")


def _ui_place(element, parents) -> str:
    """Where a <string> sits in a .ui file: widget name and property."""
    prop = widget = None
    node = element
    while node is not None and widget is None:
        if node.tag == "property" and prop is None:
            prop = node.get("name")
        if node.tag == "widget":
            widget = node.get("name")
        node = parents.get(node)
    return f"widget {widget or '?'}, property {prop or '?'}"


def open_panel(path: str | Path, hub: ChannelHub, macros: str | Mapping[str, str] = ""
               ) -> QWidget:
    """A panel window for a ``.toml`` panel file or a ``.ui`` form (checked first)."""
    path = Path(path)
    if path.suffix.lower() == ".ui":
        return load_ui_panel(path, macros)
    panel = load_panel(path, macros)
    log.info("panel %s: %d PVs", path, len(panel.pvnames()))
    return PanelWindow(panel, hub)

"""An operator panel window: a checked ``model.panel.Panel``, or a Designer ``.ui`` form.

Opening a panel only reads PVs: no widget writes on creation, and every
write afterwards is an operator's action through a widget (blocked in
read-only mode). Errors in the file are found before any window or
channel exists (``PanelError`` names the file and the place).

A cell's widgets cost about a millisecond to build (1-2 ms on a loaded
machine), so a panel of 500 PVs built in one go kept the window blank and
deaf for 0.4-0.8 s, plus a quarter of a second to polish them all at once.
Big panels are therefore built a few rows per event-loop turn (at most
``BUILD_STEP_MS`` each), top rows of every section first, so the window
paints and answers at once and fills in while the rest is built; a line
says how far building and connecting have got.
"""
from __future__ import annotations

import importlib
import io
import logging
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import deque
from pathlib import Path
from typing import Mapping
from xml.parsers import expat

from PyQt5.QtCore import QSize, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
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
from caprobe.widgets.connection_progress import ConnectionProgress
from caprobe.widgets.progress_line import ProgressLine
from caprobe.widgets.pv_auto import make_pv_widget
from caprobe.widgets.pv_widget import PVWidgetMixin
from caprobe.widgets.single_channel import SingleChannelMixin

log = logging.getLogger(__name__)

#: Panels with at most this many cells are built at once (a few tens of
#: milliseconds), so small panels are complete when the constructor returns.
BUILD_AT_ONCE = 30
#: Longest one build step may keep the event loop waiting. Showing, polishing
#: and laying out the step's widgets follow in the same turn, so this is
#: well under the 100 ms at which a window feels stuck.
BUILD_STEP_MS = 10.0
#: The window's largest automatic size; a bigger panel scrolls.
MAX_SIZE = QSize(1900, 1000)


class PanelWindow(QWidget):
    """The widgets of a panel file, laid out by section, row and cell.

    Signals
    -------
    build_progress(int, int)
        Cells built and cells in the panel, after each build step.
    built()
        Every cell has its widgets (at once for a small panel: before the
        constructor returns, so nobody can connect to it then; check
        ``building``).
    """

    build_progress = pyqtSignal(int, int)
    built = pyqtSignal()

    def __init__(self, panel: Panel, hub: ChannelHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self._hub = hub
        mode = " — READ-ONLY" if (is_read_only() or hub.read_only) else ""
        self.setWindowTitle(f"{panel.title}{mode}")
        self._content = content = QWidget()
        grid = QGridLayout(content)
        grid.setSizeConstraint(QLayout.SetMinimumSize)  # never squeezed: see _build_step
        grid.setContentsMargins(8, 8, 8, 8)
        grid.setSpacing(10)
        self._row_height, self._value_width = _steady_cell_size()
        self._boxes: list[QGroupBox] = []
        cells = []
        for index, section in enumerate(panel.sections):
            box, box_grid = self._section_box(section)
            place = (index // panel.columns, index % panel.columns)
            widest = max((len(row) for row in section.rows), default=1)
            for r, row in enumerate(section.rows):
                for c, cell in enumerate(row):
                    # A cell alone in its row (a strip chart, a note) spans the section.
                    span = widest if len(row) == 1 else 1
                    cells.append(((place[0], r, place[1], c), (cell, box_grid, r, c, span)))
            grid.addWidget(box, *place)
            self._boxes.append(box)
        grid.setRowStretch(grid.rowCount(), 1)
        # Top rows of every section first: what the window shows first is built first.
        cells.sort(key=lambda item: item[0])
        self._pending = deque(job for _key, job in cells)
        self._cells_total = len(self._pending)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        self.build_line = ProgressLine(self)
        self.build_line.setObjectName("buildProgress")
        self.build_line.setVisible(False)
        self.connection_progress = ConnectionProgress(parent=self,
                                                      expected=len(panel.pvnames()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.build_line)
        layout.addWidget(self.connection_progress)
        layout.addWidget(scroll, 1)
        self._build_timer = QTimer(self, interval=0)
        self._build_timer.timeout.connect(self._on_build_timer_timeout)
        if self._cells_total <= BUILD_AT_ONCE:
            self._build_step(None)
        else:
            log.info("panel %r: %d cells, built %.0f ms at a time", panel.title,
                     self._cells_total, BUILD_STEP_MS)
            self._reserve_heights()
            self._build_step(BUILD_STEP_MS)  # the top rows are there for the first paint
            self.build_line.setVisible(True)
            self._build_timer.start()
        self._auto_size = self._fit_size()
        self.resize(self._auto_size)

    def _section_box(self, section) -> tuple[QGroupBox, QGridLayout]:
        """An empty section, its rows and columns already as big as their cells will be.

        Rows as tall as an entry, value columns as wide, name columns as wide
        as their longest name: an automatic widget turning from a label into
        an entry or buttons as its PV connects, or a value getting longer,
        then moves nothing. Before, every connection moved every widget below
        it (500 PVs connecting: some 150,000 move events, the window stuck
        for 100-300 ms at a time, and the rows jumped).
        """
        box = QGroupBox(section.title)
        grid = QGridLayout(box)
        grid.setSizeConstraint(QLayout.SetMinimumSize)  # see _build_step
        grid.setHorizontalSpacing(8)
        metrics = box.fontMetrics()
        name_widths: dict[int, int] = {}
        for r, row in enumerate(section.rows):
            grid.setRowMinimumHeight(r, self._row_height)
            for c, cell in enumerate(row):
                if isinstance(cell, PVCell):
                    width = metrics.horizontalAdvance(_cell_label(cell))
                    name_widths[c] = max(name_widths.get(c, 0), width)
                    grid.setColumnMinimumWidth(2 * c + 1, self._value_width)
        for c, width in name_widths.items():
            grid.setColumnMinimumWidth(2 * c, width)
        # A section beside a longer one keeps its rows together at the top
        # (the space goes below them).
        grid.setRowStretch(len(section.rows), 1)
        return box, grid

    def _reserve_heights(self) -> None:
        """Give each section the height its rows will take, before they are built.

        Sections that grow with every build step are repainted whole at
        every step (and the window height keeps changing); reserved, each
        step paints only its new rows. Rows taller than an entry (charts)
        still grow their section when they come. Released when built.
        """
        for box in self._boxes:
            grid = box.layout()
            rows = sum(1 for r in range(grid.rowCount()) if grid.rowMinimumHeight(r) > 0)
            spacing = max(0, grid.verticalSpacing())
            # The empty section's minimum counts the rows without spacing
            # (Qt adds it only between rows that have widgets).
            box.setMinimumHeight(box.minimumSizeHint().height() + max(0, rows - 1) * spacing)

    @property
    def building(self) -> bool:
        """Cells still waiting for their widgets (``channels()`` is not complete yet)."""
        return bool(self._pending)

    def finish_build(self) -> None:
        """Build whatever is left now, in one go (a program that needs every widget)."""
        if self._pending:
            self._build_step(None)

    def _on_build_timer_timeout(self) -> None:
        self._build_step(BUILD_STEP_MS)

    def _build_step(self, budget_ms: float | None) -> None:
        """Build cells until ``budget_ms`` has passed (all of them for None)."""
        deadline = None if budget_ms is None else time.perf_counter() + budget_ms / 1000.0
        names: list[str] = []
        touched: dict[QGridLayout, None] = {}
        while self._pending:
            cell, grid, row, col, span = self._pending.popleft()
            touched[grid] = None
            self._place(cell, grid, row, col, span)
            names += _cell_pvnames(cell)
            if deadline is not None and time.perf_counter() > deadline:
                break
        # Lay the new rows out now. A section whose new rows needed more
        # height used to place them in its old height first (every row
        # squeezed), then grow and move every row back: thousands of moves
        # per step. With the SetMinimumSize constraint on the section and
        # content layouts, activating them grows each widget first.
        for grid in touched:
            grid.activate()
        self._content.layout().invalidate()
        self._content.layout().activate()
        # The line's own channels share the widgets' subscriptions: no CA traffic.
        self.connection_progress.add_pvs(names, self._hub)
        built = self._cells_total - len(self._pending)
        if self._pending:
            self.build_line.set_progress(
                f"Building panel… {built} of {self._cells_total} cells", built,
                self._cells_total)
            self.build_progress.emit(built, self._cells_total)
            return
        self._build_timer.stop()
        if not self.build_line.isHidden():
            self.build_line.setVisible(False)
            for box in self._boxes:
                box.setMinimumHeight(0)  # the rows are there: they decide now
            log.info("panel %r: all %d cells built", self.panel.title, self._cells_total)
            # Fit the whole panel, unless the operator has sized the window already.
            if self.size() == self._auto_size:
                self._auto_size = self._fit_size()
                self.resize(self._auto_size)
        self.build_progress.emit(built, self._cells_total)
        self.built.emit()

    def _fit_size(self) -> QSize:
        hint = self._content.sizeHint().expandedTo(self._content.minimumSizeHint())
        # Room for the scroll area's frame and scroll bar, and for values and
        # alarm badges, which widen some widgets once the PVs connect.
        return QSize(min(MAX_SIZE.width(), hint.width() + 140),
                     min(MAX_SIZE.height(), hint.height() + 30))

    def _place(self, cell, grid: QGridLayout, row: int, col: int, cells_spanned: int) -> None:
        if isinstance(cell, PVCell):
            label = QLabel(_cell_label(cell))
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
        """Every channel shown (for screenshots: wait until all have values).

        While a big panel is ``building``, only the channels built so far.
        """
        return panel_channels(self)

    def prepare_for_grab(self) -> None:
        self.finish_build()
        for chart in self.findChildren(StripChart):
            chart.redraw(force=True)
        for plot in self.findChildren(WaveformPlot):
            plot.flush()


def _steady_cell_size() -> tuple[int, int]:
    """Row height and value-column width that an automatic widget rarely outgrows.

    Measured on throw-away widgets, so the style and font in use decide.
    """
    samples = [QLineEdit(), QPushButton("Ag"), QComboBox()]
    return max(w.sizeHint().height() for w in samples), samples[0].sizeHint().width()


def _cell_label(cell: PVCell) -> str:
    return cell.label if cell.label is not None else cell.pv


def _cell_pvnames(cell) -> list[str]:
    if isinstance(cell, (PVCell, WaveformCell)):
        return [cell.pv]
    if isinstance(cell, StripCell):
        return list(cell.pvs)
    return []


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
        elif isinstance(widget, (PVWidgetMixin, SingleChannelMixin)) \
                and widget.channel is not None:
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

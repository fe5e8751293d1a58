"""Operator panel files: hand-written TOML, checked strictly, macros expanded.

A panel is a title and sections; a section is a titled grid of rows; a row
is a list of cells. A cell is a PV name (its widget is chosen from the
PV's type once it connects) or a table naming what to show::

    title = "Magnet $(P)"
    columns = 2                      # sections side by side (default 1)

    [macros]                         # defaults; -m "P=...,N=2" overrides
    P = "demo:"

    [[section]]
    title = "Power supply"
    rows = [
      ["$(P)setpoint", "$(P)readback"],
      [{pv = "$(P)mode", widget = "buttons"}, {pv = "$(P)interlock", widget = "led", bit = 0}],
      [{strip = ["$(P)readback", "$(P)ramp"], span = "2m"}],
      [{waveform = "$(P)spectrum"}],
      [{text = "Call the MCR before changing the mode"}],
    ]

TOML because Python reads it with the standard library (``tomllib``),
it has real types (no YAML surprises: ``on`` is not ``true``), comments,
and a syntax error comes with its line and column. Nothing in a panel is
evaluated: values are strings, numbers and booleans, checked against the
schema below; every error names the file and the line or the field
(``section[2].rows[0][1].widget``) and says what is expected.

Pure: no Qt. ``caprobe.app.panel_window`` turns a ``Panel`` into widgets.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, Mapping, Union

from caprobe.model.macros import MacroError, expand, parse_macro_definitions
from caprobe.model.textfile import nesting_line, read_user_text
from caprobe.model.timespan import check_span, parse_span

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover (3.9/3.10)
    import tomli as tomllib

#: Widget names a cell may choose ("auto": from the PV's type and access).
WIDGETS = {
    "auto": "chosen from the PV's type and write access",
    "label": "value with units (PVLabel)",
    "entry": "setpoint line edit (PVLineEdit)",
    "spinbox": "setpoint spin box (PVSpinBox)",
    "slider": "setpoint slider (PVSlider)",
    "combo": "enum drop-down (PVEnumComboBox)",
    "buttons": "enum buttons (PVEnumButtons)",
    "led": "lamp (PVLed)",
    "byte": "bits as lamps (PVByteIndicator)",
    "checkbox": "check box (PVCheckBox)",
    "button": "button writing a preset value (PVPushButton; needs value)",
    "trend": "value with a small trend of the last minutes",
}
_PV_CELL_KEYS = {"pv": str, "widget": str, "label": str, "value": (str, int, float, bool),
                 "bit": int, "bits": int, "precision": int, "units": bool, "confirm": bool,
                 "read_only": bool, "span": (str, int, float)}
_STRIP_KEYS = {"strip": list, "span": (str, int, float), "height": int, "label": str}
_WAVEFORM_KEYS = {"waveform": str, "waterfall": bool, "height": int, "label": str}
_TEXT_KEYS = {"text": str}
_TOP_KEYS = {"title": str, "columns": int, "macros": dict, "section": list}
_SECTION_KEYS = {"title": str, "rows": list}
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}

FORMAT_HELP = "see 'caprobe panel --help' and the examples: 'caprobe panel --list-examples'"


class PanelError(ValueError):
    """A panel that cannot be opened; the message names the file and the place."""


@dataclasses.dataclass(frozen=True)
class PVCell:
    pv: str
    widget: str = "auto"
    label: str | None = None  # None: the PV name
    value: str | None = None  # what a "button" writes
    bit: int = -1
    bits: int = 8
    precision: int = -1
    units: bool = True
    confirm: bool = False
    read_only: bool = False
    span: float = 120.0  # a "trend" cell's time span


@dataclasses.dataclass(frozen=True)
class StripCell:
    pvs: tuple[str, ...]
    span: float = 300.0
    height: int = 260
    label: str = ""


@dataclasses.dataclass(frozen=True)
class WaveformCell:
    pv: str
    waterfall: bool = False
    height: int = 260
    label: str = ""


@dataclasses.dataclass(frozen=True)
class TextCell:
    text: str


Cell = Union[PVCell, StripCell, WaveformCell, TextCell]


@dataclasses.dataclass(frozen=True)
class Section:
    title: str
    rows: tuple[tuple[Cell, ...], ...]


@dataclasses.dataclass(frozen=True)
class Panel:
    title: str
    sections: tuple[Section, ...]
    columns: int = 1
    macros: Mapping[str, str] = dataclasses.field(default_factory=dict)
    source: str = ""

    def pvnames(self) -> list[str]:
        """Every PV the panel shows, in order, once each."""
        names: list[str] = []
        for section in self.sections:
            for row in section.rows:
                for cell in row:
                    if isinstance(cell, PVCell):
                        names.append(cell.pv)
                    elif isinstance(cell, StripCell):
                        names.extend(cell.pvs)
                    elif isinstance(cell, WaveformCell):
                        names.append(cell.pv)
        return list(dict.fromkeys(names))


def load_panel(path: str | Path, macros: str | Mapping[str, str] = "") -> Panel:
    """Read and check a panel file; ``macros`` ("P=...,N=2" or a dict) override its own."""
    return parse_panel(read_user_text(path, PanelError), str(path), macros)


def parse_panel(text: str, source: str = "<panel>",
                macros: str | Mapping[str, str] = "") -> Panel:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if message.endswith("(at end of document)"):
            # tomllib gives no line there (a truncated file): the last one is meant.
            message = f"{message[:-1]}, line {text.count(chr(10)) + 1})"
        raise PanelError(f"{source}: TOML syntax error: {message}") from None
    except RecursionError:
        # tomllib recurses once per level of nested arrays or tables; 100000
        # of them must be refused like any other bad file, not crash the caller.
        raise PanelError(_too_deep(source, text)) from None
    try:
        overrides = parse_macro_definitions(macros) if isinstance(macros, str) else dict(macros)
    except MacroError as exc:
        raise PanelError(f"-m: {exc}") from None
    try:
        return _Checker(source, overrides).panel(data)
    except RecursionError:  # a value nested just below the parser's limit, shown in a message
        raise PanelError(_too_deep(source, text)) from None


def _too_deep(source: str, text: str) -> str:
    line = nesting_line(text)
    where = f"line {line}: " if line is not None else ""
    return (f"{source}: {where}arrays or tables nested too deeply (a panel nests at most "
            "three levels)")


class _Checker:
    def __init__(self, source: str, overrides: Mapping[str, str]) -> None:
        self.source = source
        self.overrides = dict(overrides)
        self.macros: dict[str, str] = {}

    def fail(self, where: str, what: str) -> PanelError:
        return PanelError(f"{self.source}: {where}: {what}")

    def panel(self, data: dict) -> Panel:
        self.keys(data, _TOP_KEYS, "top level")
        file_macros = data.get("macros", {})
        for name, value in file_macros.items():
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise self.fail(f"macros.{name}", f"expected a string, not {_kind(value)}")
        self.macros = {**{k: str(v) for k, v in file_macros.items()}, **self.overrides}
        title = self.text(data.get("title", "caprobe panel"), "title")
        columns = data.get("columns", 1)
        if not 1 <= columns <= 6:
            raise self.fail("columns", f"expected 1 to 6 sections side by side, not {columns}")
        sections_data = data.get("section", [])
        if not sections_data:
            raise self.fail("top level", "no [[section]]: a panel needs at least one, "
                                         f"with rows of PVs ({FORMAT_HELP})")
        sections = tuple(self.section(s, f"section[{i}]") for i, s in enumerate(sections_data))
        return Panel(title, sections, columns, dict(self.macros), self.source)

    def section(self, data: Any, where: str) -> Section:
        if not isinstance(data, dict):
            raise self.fail(where, f"expected a table with title and rows, not {_kind(data)}")
        self.keys(data, _SECTION_KEYS, where)
        title = self.text(data.get("title", ""), f"{where}.title")
        rows_data = data.get("rows", [])
        rows = []
        for r, row in enumerate(rows_data):
            at = f"{where}.rows[{r}]"
            if isinstance(row, (str, dict)):
                row = [row]  # a row of one cell may skip the brackets
            if not isinstance(row, list):
                raise self.fail(at, f"expected a list of cells, not {_kind(row)}")
            rows.append(tuple(self.cell(c, f"{at}[{i}]") for i, c in enumerate(row)))
        return Section(title, tuple(rows))

    def cell(self, data: Any, where: str) -> Cell:
        if isinstance(data, str):
            return PVCell(self.pvname(data, where))
        if not isinstance(data, dict):
            raise self.fail(where, "expected a PV name or a table such as {pv = \"...\", "
                                   f"widget = \"led\"}}, not {_kind(data)}")
        if "pv" in data:
            return self.pv_cell(data, where)
        if "strip" in data:
            self.keys(data, _STRIP_KEYS, where)
            pvs = data["strip"]
            if not pvs or not all(isinstance(p, str) for p in pvs):
                raise self.fail(f"{where}.strip", "expected a list of PV names")
            return StripCell(tuple(self.pvname(p, f"{where}.strip") for p in pvs),
                             self.span(data.get("span", 300.0), f"{where}.span"),
                             self.height(data.get("height", 260), where),
                             self.text(data.get("label", ""), f"{where}.label"))
        if "waveform" in data:
            self.keys(data, _WAVEFORM_KEYS, where)
            return WaveformCell(self.pvname(data["waveform"], f"{where}.waveform"),
                                bool(data.get("waterfall", False)),
                                self.height(data.get("height", 260), where),
                                self.text(data.get("label", ""), f"{where}.label"))
        if "text" in data:
            self.keys(data, _TEXT_KEYS, where)
            return TextCell(self.text(data["text"], f"{where}.text"))
        raise self.fail(where, "a cell table needs one of pv, strip, waveform or text "
                               f"(it has {', '.join(sorted(data)) or 'nothing'})")

    def pv_cell(self, data: dict, where: str) -> PVCell:
        self.keys(data, _PV_CELL_KEYS, where)
        widget = data.get("widget", "auto")
        if widget not in WIDGETS:
            raise self.fail(f"{where}.widget", f"unknown widget {widget!r}; expected one of "
                                               f"{', '.join(WIDGETS)}")
        value = data.get("value")
        if widget == "button" and value is None:
            raise self.fail(where, "a button needs value = ... (what it writes)")
        if value is not None and widget != "button":
            raise self.fail(f"{where}.value", "only a widget = \"button\" cell writes a value")
        bits = data.get("bits", 8)
        if not 1 <= bits <= 32:
            raise self.fail(f"{where}.bits", f"expected 1 to 32, not {bits}")
        bit = data.get("bit", -1)
        if not -1 <= bit <= 31:
            raise self.fail(f"{where}.bit", f"expected 0 to 31 (or -1: any bit), not {bit}")
        label = data.get("label")
        return PVCell(
            pv=self.pvname(data["pv"], f"{where}.pv"), widget=widget,
            label=None if label is None else self.text(label, f"{where}.label"),
            value=None if value is None else self.text(str(value).lower() if isinstance(
                value, bool) else str(value), f"{where}.value"),
            bit=bit, bits=bits, precision=data.get("precision", -1),
            units=data.get("units", True), confirm=data.get("confirm", False),
            read_only=data.get("read_only", False),
            span=self.span(data.get("span", 120.0), f"{where}.span"))

    # -- field checks ------------------------------------------------------------
    def keys(self, data: dict, schema: Mapping[str, Any], where: str) -> None:
        for key, value in data.items():
            if key not in schema:
                raise self.fail(where, f"unknown key {key!r}; expected "
                                       f"{', '.join(sorted(schema))}")
            expected = schema[key]
            types = expected if isinstance(expected, tuple) else (expected,)
            ok = isinstance(value, types) and not (
                isinstance(value, bool) and bool not in types)
            if float in types and isinstance(value, int) and not isinstance(value, bool):
                ok = True
            if not ok:
                names = " or ".join(_TYPE_NAMES[t] for t in types)
                raise self.fail(f"{where}.{key}" if where != "top level" else key,
                                f"expected {names}, not {_kind(value)} ({_show(value)})")

    def text(self, value: str, where: str) -> str:
        try:
            return expand(value, self.macros)
        except MacroError as exc:
            raise self.fail(where, str(exc)) from None

    def pvname(self, value: str, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a PV name, not {_kind(value)}")
        name = self.text(value, where).strip()
        if not name or any(c.isspace() for c in name):
            raise self.fail(where, f"{name!r} is not a PV name (empty, or has spaces)")
        return name

    def span(self, value: Any, where: str) -> float:
        try:
            seconds = parse_span(value) if isinstance(value, str) else float(value)
            return check_span(seconds)
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None

    def height(self, value: int, where: str) -> int:
        if not 80 <= value <= 2000:
            raise self.fail(f"{where}.height", f"expected 80 to 2000 pixels, not {value}")
        return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    for t, name in _TYPE_NAMES.items():
        if isinstance(value, t):
            return name
    return type(value).__name__


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def starter_panel(pvnames: list[str], title: str = "New panel") -> str:
    """A panel file showing ``pvnames``, one per row, to edit by hand."""
    def quote(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a valid TOML basic string

    lines = [
        "# caprobe panel: edit freely. Open with: caprobe panel THIS_FILE [-m \"P=...\"]",
        "# A cell is a PV name (widget chosen from its type) or a table, e.g.",
        "#   {pv = \"X:mode\", widget = \"buttons\"}   widgets: " + ", ".join(WIDGETS),
        "#   {strip = [\"X:a\", \"X:b\"], span = \"5m\"}   {waveform = \"X:spectrum\"}",
        "#   {text = \"a note for operators\"}",
        f"title = {quote(title)}",
        "",
        "[[section]]",
        "title = \"PVs\"",
        "rows = [",
    ]
    lines += [f"  [{quote(name)}]," for name in pvnames]
    lines.append("]")
    if pvnames:
        shown = ", ".join(quote(n) for n in pvnames[:8])
        lines += ["", "[[section]]", "title = \"Trend\"", f"rows = [[{{strip = [{shown}], "
                  "span = \"5m\"}]]"]
    return "\n".join(lines) + "\n"


def auto_widget(field_type, element_count: int, enum_count: int, writable: bool,
                is_char_array: bool = False) -> str:
    """The widget a panel uses for a PV from its type and access ("auto" cells).

    Arrays get a waveform plot; enums with write access get buttons (up to
    four states) or a drop-down; other writable PVs a setpoint entry that
    also shows the value; everything read-only a label with units and alarm.
    """
    from caprobe.model.reading import FieldType

    if element_count > 1 and not is_char_array and field_type != FieldType.STRING:
        return "waveform"
    if field_type == FieldType.ENUM and enum_count:
        if not writable:
            return "label"
        return "buttons" if enum_count <= 4 else "combo"
    return "entry" if writable else "label"

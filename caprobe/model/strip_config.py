"""A strip chart's saved configuration: a small JSON file people can read and edit.

Example::

    {
      "format": "caprobe-strip-chart",
      "version": 1,
      "span": "15m",
      "axes": [{"id": "Y1", "side": "left", "mode": "auto", "log": false},
               {"id": "Y2", "side": "right", "mode": "fixed", "range": [0, 100]}],
      "curves": [{"pv": "XF:31ID:ring_current", "color": "#1f77b4", "width": 2,
                  "visible": true, "axis": "Y1"}]
    }

Everything is checked before anything is used: a malformed file raises
``ConfigError`` naming the file, the place (``curves[2].width``, or the line
and column of a JSON syntax error) and what was expected, and the chart
keeps what it had. Nothing in the file is ever evaluated.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Any

from caprobe.model.textfile import nesting_line, read_user_text
from caprobe.model.timespan import check_span, parse_span

FORMAT = "caprobe-strip-chart"
VERSION = 1
AXIS_MODES = ("auto", "fixed", "limits")
SIDES = ("left", "right")
MAX_WIDTH = 10
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class ConfigError(ValueError):
    """A configuration that cannot be used, with the reason in words."""


@dataclasses.dataclass(frozen=True)
class AxisConfig:
    id: str
    side: str = "left"
    mode: str = "auto"
    range: tuple[float, float] | None = None
    log: bool = False


@dataclasses.dataclass(frozen=True)
class CurveConfig:
    pv: str
    color: str
    width: int = 1
    visible: bool = True
    axis: str = "Y1"


@dataclasses.dataclass(frozen=True)
class StripConfig:
    span: float
    axes: tuple[AxisConfig, ...]
    curves: tuple[CurveConfig, ...]

    def to_json(self) -> str:
        axes = []
        for axis in self.axes:
            entry: dict[str, Any] = {"id": axis.id, "side": axis.side, "mode": axis.mode,
                                     "log": axis.log}
            if axis.range is not None:
                entry["range"] = list(axis.range)
            axes.append(entry)
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "span": self.span,
            "axes": axes,
            "curves": [dataclasses.asdict(c) for c in self.curves],
        }
        return json.dumps(doc, indent=2) + "\n"


def load_strip_config(path: str | Path) -> StripConfig:
    """Read and check a saved chart; raises ``ConfigError`` naming the file."""
    return parse_strip_config(read_user_text(path, ConfigError), str(path))


def parse_strip_config(text: str, source: str = "<config>") -> StripConfig:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source}: line {exc.lineno} column {exc.colno}: "
                          f"not valid JSON ({exc.msg})") from exc
    except RecursionError:
        # json recurses once per level of nesting; a file nested 100000 deep
        # must be refused like any other bad file, not crash the caller.
        line = nesting_line(text)
        where = f"line {line}: " if line is not None else ""
        raise ConfigError(f"{source}: {where}lists or objects nested too deeply (a chart "
                          "configuration nests at most three levels)") from None
    try:
        return _parse(doc)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _parse(doc: Any) -> StripConfig:
    if not isinstance(doc, dict):
        raise ConfigError(f"expected a JSON object at the top, got {_kind(doc)}")
    _no_unknown_keys(doc, ("format", "version", "span", "axes", "curves"), "top level")
    if doc.get("format") != FORMAT:
        raise ConfigError(f"'format' must be {FORMAT!r} (is this a caprobe strip chart file?), "
                          f"got {doc.get('format')!r}")
    version = doc.get("version")
    if version != VERSION:
        raise ConfigError(f"'version' {version!r} is not supported (this caprobe reads "
                          f"version {VERSION})")
    span = _span(doc.get("span", 300))
    raw_axes = doc.get("axes", [{"id": "Y1"}])
    if not isinstance(raw_axes, list) or not raw_axes:
        raise ConfigError(f"'axes' must be a non-empty list, got {_kind(raw_axes)}")
    axes = tuple(_axis(item, f"axes[{i}]") for i, item in enumerate(raw_axes))
    ids = [a.id for a in axes]
    # Duplicates found with a set: list.count() per item is quadratic, hours
    # for a (hostile) file with 100000 entries.
    duplicate = _first_duplicate(ids)
    if duplicate is not None:
        raise ConfigError(f"axis id {duplicate!r} is used twice in 'axes'")
    raw_curves = doc.get("curves")
    if not isinstance(raw_curves, list):
        raise ConfigError(f"'curves' must be a list, got {_kind(raw_curves)}")
    curves = tuple(_curve(item, f"curves[{i}]", ids) for i, item in enumerate(raw_curves))
    duplicate = _first_duplicate([c.pv for c in curves])
    if duplicate is not None:
        raise ConfigError(f"PV {duplicate!r} appears twice in 'curves'")
    return StripConfig(span, axes, curves)


def _first_duplicate(items: list[str]) -> str | None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def _span(value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError("expected seconds or a span like '15m'")
        if isinstance(value, (int, float)):
            return check_span(float(value))
        if isinstance(value, str):
            return parse_span(value)
        raise ValueError(f"expected seconds or a span like '15m', got {_kind(value)}")
    except ValueError as exc:
        raise ConfigError(f"'span': {exc}") from None


def _axis(item: Any, where: str) -> AxisConfig:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected an object, got {_kind(item)}")
    _no_unknown_keys(item, ("id", "side", "mode", "range", "log"), where)
    axis_id = item.get("id")
    if not isinstance(axis_id, str) or not axis_id.strip():
        raise ConfigError(f"{where}.id: expected a name such as \"Y1\", got {axis_id!r}")
    side = item.get("side", "left")
    if side not in SIDES:
        raise ConfigError(f"{where}.side: expected \"left\" or \"right\", got {side!r}")
    mode = item.get("mode", "auto")
    if mode not in AXIS_MODES:
        raise ConfigError(f"{where}.mode: expected one of {', '.join(AXIS_MODES)}, got {mode!r}")
    log = item.get("log", False)
    if not isinstance(log, bool):
        raise ConfigError(f"{where}.log: expected true or false, got {log!r}")
    rng = item.get("range")
    if rng is not None:
        if (not isinstance(rng, list) or len(rng) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and math.isfinite(v) for v in rng) or not rng[0] < rng[1]):
            raise ConfigError(f"{where}.range: expected [low, high] with low < high, "
                              f"got {rng!r}")
        rng = (float(rng[0]), float(rng[1]))
        if log and rng[0] <= 0:
            raise ConfigError(f"{where}.range: a log axis needs a positive range, got {rng!r}")
    elif mode == "fixed":
        raise ConfigError(f"{where}.range: a \"fixed\" axis needs a range [low, high]")
    return AxisConfig(axis_id.strip(), side, mode, rng, log)


def _curve(item: Any, where: str, axis_ids: list[str]) -> CurveConfig:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected an object, got {_kind(item)}")
    _no_unknown_keys(item, ("pv", "color", "width", "visible", "axis"), where)
    pv = item.get("pv")
    if not isinstance(pv, str) or not pv.strip() or any(c.isspace() for c in pv.strip()):
        raise ConfigError(f"{where}.pv: expected a PV name, got {pv!r}")
    color = item.get("color", "#1f77b4")
    if not isinstance(color, str) or not _COLOR.fullmatch(color):
        raise ConfigError(f"{where}.color: expected \"#rrggbb\", got {color!r}")
    width = item.get("width", 1)
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= MAX_WIDTH:
        raise ConfigError(f"{where}.width: expected a whole number from 1 to {MAX_WIDTH}, "
                          f"got {width!r}")
    visible = item.get("visible", True)
    if not isinstance(visible, bool):
        raise ConfigError(f"{where}.visible: expected true or false, got {visible!r}")
    axis = item.get("axis", axis_ids[0])
    if axis not in axis_ids:
        raise ConfigError(f"{where}.axis: {axis!r} is not one of the axes "
                          f"({', '.join(axis_ids)})")
    return CurveConfig(pv.strip(), color.lower(), width, visible, axis)


def _no_unknown_keys(item: dict, allowed: tuple[str, ...], where: str) -> None:
    for key in item:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r} (expected: {', '.join(allowed)})")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            type(None): "null"}.get(type(value), f"the number {value!r}"
                                    if isinstance(value, (int, float)) else type(value).__name__)

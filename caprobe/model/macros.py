"""EPICS-style macros: ``$(P)``, ``${P}``, with defaults ``$(P=XF:31ID:)``.

As in EPICS databases and display files: a macro name is letters, digits
and underscores; a value given on the command line (``-m "P=XF:31ID:,N=2"``)
wins over the file's own defaults, which win over a default written in the
reference itself. A reference that nothing defines is an error naming the
macro, never silently left in a PV name. Substitution is plain text:
nothing is evaluated.
"""
from __future__ import annotations

import re
from typing import Mapping

_REFERENCE = re.compile(r"\$(?:\((?P<p>[^()]*)\)|\{(?P<b>[^{}]*)\})")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class MacroError(ValueError):
    """A macro definition or reference that cannot be used; the message says why."""


def parse_macro_definitions(text: str) -> dict[str, str]:
    """``"P=XF:31ID:,N=2"`` -> ``{"P": "XF:31ID:", "N": "2"}`` (commas separate)."""
    macros: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise MacroError(f"macro {part!r} has no value: write NAME=VALUE")
        if not _NAME.match(name):
            raise MacroError(f"{name!r} is not a macro name (letters, digits, _)")
        macros[name] = value.strip()
    return macros


def expand(text: str, macros: Mapping[str, str]) -> str:
    """Replace every ``$(NAME)``/``${NAME}``/``$(NAME=default)`` in ``text``."""

    def replace(match: re.Match) -> str:
        body = match.group("p") if match.group("p") is not None else match.group("b")
        name, sep, default = body.partition("=")
        name = name.strip()
        if not _NAME.match(name):
            raise MacroError(f"{match.group(0)!r} is not a macro reference "
                             "(expected $(NAME), ${NAME} or $(NAME=default))")
        if name in macros:
            return macros[name]
        if sep:
            return default
        raise MacroError(f"macro $({name}) is not defined: give it with -m \"{name}=...\" "
                         "or in the file's [macros] table")

    return _REFERENCE.sub(replace, text)


def references(text: str) -> list[str]:
    """Names of the macros ``text`` refers to."""
    names = []
    for match in _REFERENCE.finditer(text):
        body = match.group("p") if match.group("p") is not None else match.group("b")
        names.append(body.partition("=")[0].strip())
    return names

"""PV names from free text: what an operator pastes or drops.

Text copied from a log, a spreadsheet or an e-mail holds names separated
by whitespace, commas or semicolons, sometimes quoted. EPICS allows
``;`` nowhere in a name that matters here, so it is safe as a separator.
"""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s,;]+")
_QUOTES = "\"'`"


def split_pvnames(text: str) -> list[str]:
    """Every PV name in ``text``, in order, duplicates removed."""
    names: list[str] = []
    for token in _SEPARATORS.split(text or ""):
        token = token.strip(_QUOTES)
        if token and token not in names:
            names.append(token)
    return names


def first_pvname(text: str) -> str:
    """The first PV name in ``text``, or ``""`` when there is none."""
    names = split_pvnames(text)
    return names[0] if names else ""

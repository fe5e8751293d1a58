"""Reading a user's text file with an error that says which file and why."""
from __future__ import annotations

import re
from pathlib import Path

#: Panels, forms and chart configurations are a few kilobytes; the largest
#: real one is far below this. A bigger file is not one of them (or is an
#: attack): refused before it is read, so that parsing it, and building a
#: window from it, can never freeze the application.
MAX_USER_FILE_BYTES = 1024 * 1024


def read_user_text(path: str | Path, error: type[Exception],
                   max_bytes: int = MAX_USER_FILE_BYTES) -> str:
    """The file's text (UTF-8); ``error`` names the file and the problem otherwise."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)  # never more, whatever the file is
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        try:
            size = f"{path.stat().st_size / 2**20:.1f} MB"
        except OSError:
            size = "over the limit"
        raise error(f"{path}: too large ({size}); a panel, form or chart file is at most "
                    f"{max_bytes / 2**20:g} MB: not read") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as text mode reads it


_NESTING_TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}\n]')


def nesting_line(text: str, limit: int = 100) -> int | None:
    """The line where brackets (``[`` ``{``) first nest ``limit`` deep, if they do.

    For the message when a parser gave up on deep nesting (a RecursionError,
    which says nowhere where): quoted strings and ``#`` comments are
    skipped, well enough for TOML and JSON.
    """
    depth, line = 0, 1
    for match in _NESTING_TOKENS.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token in "[{":
            depth += 1
            if depth >= limit:
                return line
        elif token in "]}":
            depth = max(0, depth - 1)
    return None

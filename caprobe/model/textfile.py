"""Reading a user's text file with an error that says which file and why."""
from __future__ import annotations

from pathlib import Path


def read_user_text(path: str | Path, error: type[Exception]) -> str:
    """The file's text (UTF-8); ``error`` names the file and the problem otherwise."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None

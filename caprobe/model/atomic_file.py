"""Write a file completely or not at all: a temporary file beside it, renamed when done.

An export that is cancelled, fails half-way (disk full) or is interrupted
must never leave a truncated file under the name the user chose, where it
would pass for a complete one (or replace a good older export). The data
goes to a hidden ``.NAME.XXXXXXXX.part`` file in the same directory, so
that the final ``os.replace`` is a rename within one file system, which is
atomic; on any error the temporary file is removed.

Pure (no Qt): usable from any thread.
"""
from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_text_file(path: str | Path, *, newline: str | None = None,
                     encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Open a temporary file for writing text; on leaving the block it becomes ``path``.

    If the block raises (including a cancellation), ``path`` is left as it
    was and the temporary file is deleted.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    # "x": never overwrite anything; created with the usual permissions (a
    # mkstemp file would be private to the user after the rename).
    handle = open(temporary, "x", newline=newline, encoding=encoding)
    try:
        with handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

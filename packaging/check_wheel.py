"""Check that a caprobe wheel ships every resource file of this checkout.

Usage: python packaging/check_wheel.py WHEEL RESOURCES_DIR

Every file under RESOURCES_DIR (the checkout's resources/) must be in the
wheel as caprobe/resources/<same path>: a file type missing from the
package-data globs in pyproject.toml would otherwise be dropped silently.
Standard library only, so any python3 can run it.
"""
from __future__ import annotations

import sys
import zipfile
from fnmatch import fnmatch
from pathlib import Path

PREFIX = "caprobe/resources/"
#: What must be there whatever the checkout holds (pattern, minimum count).
REQUIRED = [
    ("icons/hicolor/scalable/apps/*.svg", 1),
    ("icons/hicolor/*x*/apps/*.png", 6),  # 16 ... 256 px
    ("desktop/*.desktop", 1),
    ("desktop/*.metainfo.xml", 1),
    ("panels/*.toml", 1),
    ("panels/*.ui", 1),
    ("__init__.py", 1),
]


def main(wheel: str, resources_dir: str) -> int:
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name[len(PREFIX):] for name in archive.namelist() if name.startswith(PREFIX)}
    source = Path(resources_dir)
    expected = {path.relative_to(source).as_posix() for path in source.rglob("*")
                if path.is_file() and "__pycache__" not in path.parts}
    problems = [f"not in the wheel: resources/{name}" for name in sorted(expected - shipped)]
    for pattern, minimum in REQUIRED:
        count = sum(fnmatch(name, pattern) for name in shipped)
        if count < minimum:
            problems.append(f"{PREFIX}{pattern}: {count} files, expected at least {minimum}")
    if (source / "themes").is_dir() and not any(fnmatch(n, "themes/*.qss") for n in shipped):
        problems.append(f"{PREFIX}themes/*.qss: none, though resources/themes/ exists")
    for problem in problems:
        print(f"check_wheel: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_wheel: {len(shipped)} resource files in {Path(wheel).name}, all present")
    for name in sorted(shipped):
        print(f"  {PREFIX}{name}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))

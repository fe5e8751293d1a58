"""The documentation stays true to the files and to the command line.

* Every relative link and image in README.md, CHANGELOG.md and docs/**/*.md
  points to a file that exists, and a link to a heading (``page.md#anchor``)
  to a heading that exists (GitHub's anchor rules).
* Every ``caprobe ...`` command shown in a ``bash`` block parses with the real
  argument parser (``caprobe.app.cli.build_parser``), and its ``--span``
  values are spans caprobe accepts.
* Every panel (``toml``) and strip chart (``json``) example passes the same
  checks as a file opened by caprobe.
* Every picture the documents show is one that docs/make_screenshots.py makes.

No Qt, no IOC: this reads files only.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from caprobe.app.cli import build_parser
from caprobe.model.panel import parse_panel
from caprobe.model.strip_config import parse_strip_config
from caprobe.model.timespan import parse_span

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])
GUIDE = ROOT / "docs" / "guide"
SCREENSHOT_SCRIPT = ROOT / "docs" / "make_screenshots.py"

_FENCE = re.compile(r"^[ \t]*(```|~~~)(\w*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.DOTALL | re.MULTILINE)
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_INLINE_CODE = re.compile(r"`+[^`\n]*`+")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_SHELL_OPERATORS = {"&&", "||", ";", "|", "&"}


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:  # a link that leads out of the project
        return str(path)


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block."""
    return [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(text)]


def prose(text: str) -> str:
    """The text without fenced blocks and inline code (where links are not links)."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, no punctuation, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for match in _HEADING.finditer(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(path: Path) -> list[str]:
    return _LINK.findall(prose(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_relative_links_and_images_resolve(doc):
    problems = []
    for target in links(doc):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        path = (doc.parent / file_part).resolve() if file_part else doc
        if not path.exists():
            problems.append(f"{target}: no such file {path}")
            continue
        if anchor and path.suffix == ".md" and anchor not in anchors(path):
            problems.append(f"{target}: no heading with anchor #{anchor} in {_rel(path)}")
    assert not problems, f"{_rel(doc)}:\n" + "\n".join(problems)


def test_the_guide_is_complete_and_linked():
    pages = {p.name for p in GUIDE.glob("*.md")}
    expected = {"index.md", "install.md", "probe.md", "strip-chart.md", "panels.md",
                "embedding.md", "configuration.md", "epics-environment.md", "troubleshooting.md"}
    assert expected <= pages
    from_index = {Path(t.partition("#")[0]).name for t in links(GUIDE / "index.md")}
    assert expected - {"index.md"} <= from_index, "the contents page misses a page"
    readme = set(links(ROOT / "README.md"))
    assert {"docs/guide/index.md", "CHANGELOG.md"} <= readme


def caprobe_commands(doc: Path) -> list[tuple[str, list[str]]]:
    """(line, arguments) of every caprobe command in the document's shell blocks."""
    commands = []
    for language, body in code_blocks(doc.read_text(encoding="utf-8")):
        if language not in ("bash", "sh", "shell", "console"):
            continue
        for line in body.replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line.lstrip("$ "), posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            lexer.commenters = "#"
            tokens = list(lexer)
            command: list[str] = []
            for token in [*tokens, ";"]:
                if token not in _SHELL_OPERATORS:
                    command.append(token)
                    continue
                # Drop "VAR=value" prefixes and "env"; keep what runs.
                while command and (command[0] == "env" or re.match(r"\w+=", command[0])):
                    command.pop(0)
                if command and Path(command[0]).name == "caprobe":
                    commands.append((line.strip(), command[1:]))
                command = []
    return commands


def _all_commands() -> list[tuple[str, str, list[str]]]:
    return [(_rel(doc), line, args) for doc in DOCS for line, args in caprobe_commands(doc)]


def test_the_guide_shows_commands():
    guide_commands = [c for c in _all_commands() if c[0].startswith("docs/guide/")]
    assert len(guide_commands) > 40
    assert {args[0] for _doc, _line, args in guide_commands if args and
            not args[0].startswith("-")} >= {"probe", "strip", "panel", "demo"}


@pytest.mark.parametrize("doc,line,args", _all_commands(),
                         ids=[f"{d}: {line}" for d, line, _a in _all_commands()])
def test_caprobe_command_lines_parse(doc, line, args, capsys):
    assert not any(a.startswith("<") and a.endswith(">") for a in args), "placeholder"
    parser = build_parser()
    try:
        parsed = parser.parse_args(args)
    except SystemExit as exc:
        out = capsys.readouterr()
        assert exc.code == 0 and "--version" in args, f"{doc}: {line}\n{out.err}"
        return
    if getattr(parsed, "command", None) == "strip":
        parse_span(parsed.span)


def _examples(language: str) -> list[tuple[str, int, str]]:
    found = []
    for doc in DOCS:
        for number, (lang, body) in enumerate(code_blocks(doc.read_text(encoding="utf-8"))):
            if lang == language:
                found.append((_rel(doc), number, body))
    return found


@pytest.mark.parametrize("doc,number,body", _examples("toml"),
                         ids=[f"{d}#{n}" for d, n, _b in _examples("toml")])
def test_panel_examples_are_valid_panels(doc, number, body):
    panel = parse_panel(body, f"{doc} (block {number})")
    assert panel.pvnames()


@pytest.mark.parametrize("doc,number,body", _examples("json"),
                         ids=[f"{d}#{n}" for d, n, _b in _examples("json")])
def test_chart_examples_are_valid_chart_files(doc, number, body):
    config = parse_strip_config(body, f"{doc} (block {number})")
    assert config.curves


def test_every_picture_shown_is_made_by_the_screenshot_script():
    script = SCREENSHOT_SCRIPT.read_text(encoding="utf-8")
    shown = set()
    for doc in DOCS:
        for target in links(doc):
            path = (doc.parent / target.partition("#")[0]).resolve()
            if path.suffix == ".png" and path.parent == ROOT / "docs" / "images":
                shown.add(path.name)
    assert len(shown) >= 15
    missing = sorted(name for name in shown if f'"{name}"' not in script)
    assert not missing, f"not made by docs/make_screenshots.py: {missing}"

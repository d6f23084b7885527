"""Every ```python block of the guides in docs/ runs, in order, as the reader would run it.

Each file's blocks share one namespace and run with the repository root as the working
directory, so a guide can build on its earlier examples and read ``samples/``; the source
directories of the plugins under ``plugins/`` and the adapters under ``adapters/`` are
importable whether or not they are installed, as in their own test suites. Blocks that
must not run are fenced as ```text (or ```console for shell sessions, ```toml …). The
generated references under docs/reference/ are checked by test_docs_reference.py instead.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
LANGUAGES = {"python", "text", "console", "toml", "json", "ini"}
"""Fence languages the guides may use; anything else (``py``, ``pycon``) is a typo that would
silently skip an example."""


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language, first line number (1-based) and text."""

    language: str
    line: int
    source: str


def blocks_of(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, in order."""
    found: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, language = opening["fence"], opening["info"].strip().split(" ")[0]
        start = index + 1
        body: list[str] = []
        index += 1
        closing = re.compile(rf"{re.escape(fence[0])}{{{len(fence)},}}")
        while index < len(lines) and not closing.fullmatch(lines[index].strip()):
            body.append(lines[index])
            index += 1
        found.append(Block(language, start, "\n".join(body) + "\n"))
        index += 1
    return found


def test_blocks_of_finds_fences() -> None:
    text = "intro\n```python\nx = 1\n```\n\n````text\n```python\nnot code\n```\n````\n"
    assert blocks_of(text) == [
        Block("python", 2, "x = 1\n"),
        Block("text", 6, "```python\nnot code\n```\n"),
    ]


def test_guides_exist_and_have_examples() -> None:
    names = {path.name for path in GUIDES}
    assert {"index.md", "integration.md", "plugin-guide.md"} <= names
    python = [b for path in GUIDES for b in blocks_of(path.read_text(encoding="utf-8"))]
    assert any(block.language == "python" for block in python)


@pytest.mark.parametrize("path", GUIDES, ids=[path.name for path in GUIDES])
def test_fences_are_labelled(path: Path) -> None:
    for number, block in enumerate(blocks_of(path.read_text(encoding="utf-8")), start=1):
        assert block.language in LANGUAGES, (
            f"docs/{path.name} block {number} (line {block.line}): fence language "
            f"{block.language!r}; use one of {sorted(LANGUAGES)}"
        )


@pytest.mark.parametrize("path", GUIDES, ids=[path.name for path in GUIDES])
def test_python_examples_run(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for source in sorted([*ROOT.glob("plugins/*/src"), *ROOT.glob("adapters/*/src")]):
        monkeypatch.syspath_prepend(str(source))
    namespace: dict[str, object] = {"__name__": f"docs.{path.stem}"}
    blocks = [b for b in blocks_of(path.read_text(encoding="utf-8")) if b.language == "python"]
    for number, block in enumerate(blocks, start=1):
        where = f"docs/{path.name} python block {number} (line {block.line})"
        failure = None
        try:
            exec(compile(block.source, where, "exec"), namespace)
        except Exception:
            failure = traceback.format_exc()
        if failure is not None:
            pytest.fail(f"{where} failed:\n{failure}", pytrace=False)

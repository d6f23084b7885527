"""The hooks reference, rendered as Markdown from :mod:`medins_sdk.hookspecs`.

Each hook gets its name, signature, calling convention (collects every plugin's results, or
the first one) and its docstring; the section comments of ``hookspecs.py``
(``# -- grouping and pricing ---``) become headings. Regenerate the checked-in file with::

    python -m medins_sdk.models.reference hooks > docs/reference/hooks.md
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from medins_sdk import hookspecs

_SECTION = re.compile(r"^# -- (?P<title>.+?) -+\s*$")
_FIELD = re.compile(
    r"^:(?P<kind>param|return|returns|raises?)(?: (?P<name>[\w*]+))?:\s*(?P<text>.*)$"
)
_DIRECTIVE = re.compile(r"^\.\. (?P<name>[\w-]+):: *(?P<arg>.*)$")
_DIRECTIVES = {
    "versionadded": "Added in version {}.",
    "versionchanged": "Changed in version {}.",
    "deprecated": "Deprecated since version {}.",
}


@dataclass(frozen=True, slots=True)
class HookDoc:
    """One hookspec: where it is defined and how pluggy calls it."""

    name: str
    function: Callable[..., Any]
    line: int
    firstresult: bool
    historic: bool


def rst_to_markdown(text: str) -> str:
    """Inline docstring markup to Markdown: ``code`` → `code`, :role:`target` → `target`."""
    text = re.sub(r":[a-z]+:`~[\w.]*?\.?(\w+)`", r"`\1`", text)
    text = re.sub(r":[a-z]+:`([^`]+)`", r"`\1`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def hooks_of(module: ModuleType, project: str) -> list[HookDoc]:
    """Every function of ``module`` marked as a hookspec of ``project``, in source order."""
    found: list[HookDoc] = []
    for name, value in vars(module).items():
        options = getattr(value, f"{project}_spec", None)
        if inspect.isfunction(value) and isinstance(options, dict):
            found.append(
                HookDoc(
                    name,
                    value,
                    inspect.getsourcelines(value)[1],
                    bool(options.get("firstresult")),
                    bool(options.get("historic")),
                )
            )
    return sorted(found, key=lambda hook: hook.line)


def sections_of(module: ModuleType) -> list[tuple[int, str]]:
    """The ``# -- title ---`` comments of a module's source: (line number, title)."""
    source = inspect.getsource(module).splitlines()
    return [
        (number, match["title"].strip())
        for number, line in enumerate(source, start=1)
        if (match := _SECTION.match(line))
    ]


def signature_of(function: Callable[..., Any]) -> str:
    """``name(arg: T, *, key: U = ...) -> R`` with annotations as written in the source."""
    signature = inspect.signature(function)

    def text(annotation: Any) -> str:
        return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)

    params = []
    for param in signature.parameters.values():
        rendered = param.name
        if param.annotation is not inspect.Parameter.empty:
            rendered += f": {text(param.annotation)}"
        if param.default is not inspect.Parameter.empty:
            rendered += f" = {param.default!r}"
        params.append(rendered)
    result = ""
    if signature.return_annotation is not inspect.Signature.empty:
        result = f" -> {text(signature.return_annotation)}"
    return f"{function.__name__}({', '.join(params)}){result}"


def docstring_markdown(doc: str | None) -> Iterator[str]:
    """A docstring as Markdown lines: field lists become a list, directives a sentence.

    A paragraph ending in ``::`` introduces an indented literal block, rendered as a fenced
    ``text`` block.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    fields: list[str] = []
    notes: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        field = _FIELD.match(line.strip())
        directive = _DIRECTIVE.match(line.strip())
        if field:
            text = field["text"]
            while index + 1 < len(lines) and lines[index + 1].startswith((" ", "\t")):
                index += 1
                text += " " + lines[index].strip()
            kind = field["kind"]
            if kind == "param":
                fields.append(f"- `{field['name']}`: {rst_to_markdown(text)}")
            elif kind.startswith("raise"):
                fields.append(f"- raises `{field['name']}`: {rst_to_markdown(text)}")
            else:
                fields.append(f"- returns: {rst_to_markdown(text)}")
        elif directive:
            template = _DIRECTIVES.get(directive["name"], directive["name"] + " {}.")
            notes.append(f"*{template.format(directive['arg'])}*")
        elif line.rstrip().endswith("::"):
            head = line.rstrip()[:-2].rstrip()
            yield rst_to_markdown(head + ":") if head else ""
            block: list[str] = []
            while index + 1 < len(lines) and (
                not lines[index + 1].strip() or lines[index + 1].startswith((" ", "\t"))
            ):
                index += 1
                block.append(lines[index])
            while block and not block[-1].strip():
                block.pop()
            while block and not block[0].strip():
                block.pop(0)
            yield ""
            yield "```text"
            yield from inspect.cleandoc("\n".join(block)).splitlines()
            yield "```"
            yield ""
        else:
            yield rst_to_markdown(line)
        index += 1
    if fields:
        yield ""
        yield from fields
    if notes:
        yield ""
        yield from notes


def _squeeze(lines: Iterator[str]) -> list[str]:
    """Lines without runs of blank lines, or blank lines at either end."""
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return out


def render_hook(hook: HookDoc) -> Iterator[str]:
    """One hook's section."""
    yield f"### {hook.name}"
    yield ""
    yield "```python"
    yield f"@hookimpl\ndef {signature_of(hook.function)}: ..."
    yield "```"
    yield ""
    if hook.firstresult:
        calling = "the first non-`None` result wins (`firstresult`)"
    else:
        calling = "every plugin's results are collected"
    if hook.historic:
        calling += "; historic: plugins registered later are called too"
    yield f"Calling: {calling}."
    yield ""
    yield from _squeeze(docstring_markdown(hook.function.__doc__))
    yield ""


def render_hooks(module: ModuleType = hookspecs, project: str = hookspecs.PROJECT) -> str:
    """The hooks reference of ``module`` (by default :mod:`medins_sdk.hookspecs`)."""
    from medins_sdk.models.reference import REGENERATE_HOOKS

    hooks = hooks_of(module, project)
    sections = sections_of(module)
    lines: list[str] = [
        "<!-- Generated from medins_sdk/hookspecs.py; do not edit. Regenerate with:",
        f"     {REGENERATE_HOOKS} -->",
        "",
        "# Hooks reference",
        "",
        *_squeeze(docstring_markdown(module.__doc__)),
        "",
        "| hook | section |",
        "|---|---|",
    ]

    def section_of(hook: HookDoc) -> str:
        titles = [title for line, title in sections if line < hook.line]
        return titles[-1].capitalize() if titles else "Hooks"

    lines += [f"| [`{h.name}`](#{h.name}) | {section_of(h)} |" for h in hooks]
    lines.append("")
    current = None
    for hook in hooks:
        title = section_of(hook)
        if title != current:
            lines += [f"## {title}", ""]
            current = title
        lines.extend(render_hook(hook))
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"

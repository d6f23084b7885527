"""Parsing untrusted XML safely by construction, and naming where a document goes wrong.

A front page arrives from another vendor's system, so it is parsed as hostile input:

* a document larger than :attr:`XmlLimits.max_bytes` is refused before parsing;
* any ``<!DOCTYPE`` is refused outright (no DTD, so no entity of any kind: neither external
  entities reading local files or URLs nor a billion-laughs expansion can exist), checked on
  the bytes before parsing and on the parsed tree after (an encoding the byte check cannot
  see still parses to a tree that says whether it had a DTD);
* the parser itself never resolves entities, loads a DTD or touches the network, keeps
  libxml2's own limits (``huge_tree`` off), drops processing instructions, comments (a
  comment inside a name leaves the name whole) and indentation;
* a tree deeper than :attr:`XmlLimits.max_depth` is refused (a front page is ~15 deep);
* bytes that are not UTF-8 are refused with the offset of the first bad byte.

Errors are :class:`DocumentError`: the XPath of the offending element (or the line and column
where the text stops being XML) and the reason, never the offending value — a front page is
full of personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from lxml import etree

from medins_sdk.io.documents import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS, DocumentLimits
from medins_sdk.io.records import Issue

_DOCTYPE = b"<!DOCTYPE"
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 (and UTF-32) byte-order marks
_POSITION = re.compile(r", line \d+, column \d+$")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass(frozen=True, slots=True)
class XmlLimits:
    """The limits every XML document is read under; all are parameters of the readers."""

    max_bytes: int = DEFAULT_MAX_BYTES
    """Largest document in bytes (a file, or a zip member's declared and actual size)."""
    max_depth: int = 64
    """Deepest element nesting allowed (the root is depth 1)."""
    max_members: int = DEFAULT_MAX_MEMBERS
    """Most members a zip archive may list."""
    documents: DocumentLimits = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", DocumentLimits(self.max_bytes, self.max_members))


class DocumentError(ValueError):
    """A document that cannot be read: for each problem, where (an XPath, or a line and
    column) and why."""

    def __init__(self, *issues: Issue, record_id: str | None = None) -> None:
        super().__init__("; ".join(f"{issue.path}: {issue.reason}" for issue in issues))
        self.issues = issues
        self.record_id = record_id
        """The record number (病案号) when the document got far enough to show it."""


def document_error(path: str, reason: str) -> DocumentError:
    """A :class:`DocumentError` with one problem."""
    return DocumentError(Issue(path, reason))


def xpath_of(element: etree._Element, attribute: str | None = None) -> str:
    """A readable XPath of ``element`` (local names, ``[n]`` where siblings share a name),
    e.g. ``/ClinicalDocument/component/structuredBody/component[3]/section/code/@code``."""
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [child for child in parent if child.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    path = "/" + "/".join(reversed(steps))
    return f"{path}/@{attribute}" if attribute else path


@cache
def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
        remove_blank_text=True,
        collect_ids=False,
    )


@cache
def _too_deep(max_depth: int) -> etree.XPath:
    """An XPath selecting the first element below ``max_depth`` (evaluated in C)."""
    return etree.XPath(f"({'/*' * (max_depth + 1)})[1]")


def parse(data: bytes, limits: XmlLimits) -> etree._Element:
    """The root element of ``data``, parsed under ``limits``; raises :class:`DocumentError`."""
    if len(data) > limits.max_bytes:
        raise document_error(
            "/", f"document holds {len(data):,} bytes, over the limit of {limits.max_bytes:,}"
        )
    if _DOCTYPE in data:
        raise document_error("/", _NO_DTD)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise _syntax_error(data, error) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise document_error("/", _NO_DTD)
    deep = _too_deep(limits.max_depth)(root)
    if isinstance(deep, list) and deep and isinstance(deep[0], etree._Element):
        raise document_error(
            xpath_of(deep[0]), f"elements nested deeper than the limit of {limits.max_depth}"
        )
    return root


_NO_DTD = "DOCTYPE declarations are refused: no DTD, no entities (external or internal)"


def _syntax_error(data: bytes, error: etree.XMLSyntaxError) -> DocumentError:
    declared = _ENCODING.match(data)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding.replace("_", "-") in {"utf-8", "utf8"} and not data.startswith(_WIDE_BOMS):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            return document_error("/", f"not valid UTF-8: byte offset {bad.start} ({bad.reason})")
    line, column = error.position
    message = _POSITION.sub("", (error.msg or "syntax error").split("\n")[0])
    return document_error(f"line {line}, column {column}", f"not well-formed XML: {message}")

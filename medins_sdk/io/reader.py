"""Reading records from files and streams, in constant memory, losing nothing.

Inputs: ``.jsonl`` / ``.ndjson`` (one record per line), ``.json`` (one object, an array of
objects, or objects one after another), ``-`` for standard input (sniffed), a file a
registered :class:`~medins_sdk.io.formats.DocumentReader` claims by suffix, or a directory
of any of these (read file by file, sorted). Every record read comes out either as a
:class:`Record` or as a :class:`Rejected` with its reasons, so that records read = accepted
+ rejected, whatever the input holds.

Speed: a canonical JSONL line is validated straight from its bytes by pydantic-core. Only a
line that fails that fast path (a national-shaped record, an amount written as a JSON number
with a fraction, an invalid record) is decoded with ``json.loads(parse_float=Decimal)`` —
exact, never through a float — and validated again to find its format and its errors.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from medins_sdk.io.documents import directory_files
from medins_sdk.io.formats import DocumentReader, RecordFormat, detect
from medins_sdk.io.records import Issue, Record, Rejected, issues_of

_LINE_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_CHUNK = 1 << 20


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


class InputError(OSError):
    """An input that cannot be read at all (missing file, unknown format): a usage error."""


@dataclass
class RecordParser:
    """Turns raw lines or decoded objects into records, remembering the last fast format.

    ``forced`` skips detection (``--input-format``); otherwise every record is detected on
    its own, so one file may mix canonical and national records.
    """

    formats: Sequence[RecordFormat]
    forced: RecordFormat | None = None

    def __post_init__(self) -> None:
        fast = [f for f in self.formats if f.name == "canonical"]
        self._fast: RecordFormat | None = self.forced or (fast[0] if fast else None)

    def from_line(self, raw: bytes, source: str) -> Record | Rejected:
        """A record from one JSONL line: fast path first, then the exact slow path."""
        fmt = self._fast
        if fmt is not None:
            try:
                model = fmt.parse_json(raw)
            except (ValidationError, ValueError):
                model = None
            if model is not None:
                return Record(_model_id(model), source, fmt.name, fmt.kind, model)
        try:
            obj = _DECODER.decode(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            return _rejected(source, f"not valid UTF-8 ({error.reason})")
        except ValueError as error:
            return _rejected(source, f"not valid JSON: {error}")
        return self.from_object(obj, source)

    def from_object(self, obj: Any, source: str) -> Record | Rejected:
        """A record from a decoded JSON value: detect the format, then validate exactly."""
        found = detect(obj, self.formats, self.forced)
        fmt = found.format
        if fmt is None:
            return Rejected(None, source, None, (Issue(found.prefix, found.reason),))
        record_id = fmt.record_id(found.payload)
        try:
            model = fmt.parse(found.payload)
        except ValidationError as error:
            return Rejected(record_id, source, fmt.name, issues_of(error, found.prefix))
        return Record(_model_id(model) or record_id or source, source, fmt.name, fmt.kind, model)


def _model_id(model: Any) -> str:
    """The id of an accepted model (encounter id, settlement id, record number …)."""
    for path in (("id",), ("info", "setl_id"), ("base", "record_no"), ("lines", "visit_id")):
        value: Any = model
        for part in path:
            if isinstance(value, list):
                value = value[0] if value else None
            value = getattr(value, part, None)
        if isinstance(value, str):
            return value
    return ""


def _lines(stream: IO[bytes], name: str, parser: RecordParser) -> Iterator[Record | Rejected]:
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield parser.from_line(raw, f"{name}:{number}")


def _values(stream: IO[bytes], name: str, parser: RecordParser) -> Iterator[Record | Rejected]:
    """Records of a JSON document: one object, an array, or concatenated values.

    Decodes value by value with ``raw_decode`` over a growing buffer, so an array of a
    million encounters never sits in memory at once. After a syntax error in a sequence of
    values the reader resumes at the next line that starts a new object, and the skipped
    text counts as one rejected record; inside an array it cannot resume safely and stops.
    Bytes that are not UTF-8 reject the value they stand in, like a syntax error.
    """
    scanner = _Scanner(io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape"))
    index = 0
    try:
        in_array = scanner.peek() == "["
        if in_array:
            scanner.position += 1
        while True:
            head = scanner.peek()
            source = f"{name}[{index}]"
            if not head or (in_array and head == "]"):
                if in_array and not head:
                    yield _rejected(source, "array not closed")
                return
            outcome: Record | Rejected | None = None
            try:
                value = scanner.decode()
            except _NotUtf8:
                outcome = _rejected(source, "not valid UTF-8")
            except ValueError as error:
                yield _rejected(source, f"not valid JSON: {error}")
                if in_array or not scanner.resync():
                    return
                index += 1
                continue
            yield outcome or parser.from_object(value, source)
            index += 1
            if in_array:
                separator = scanner.peek()
                if separator == ",":
                    scanner.position += 1
                elif separator != "]":
                    yield _rejected(f"{name}[{index}]", "expected , or ] between array items")
                    return
    except UnicodeDecodeError as error:  # only a broken byte-order mark gets here
        yield _rejected(f"{name}[{index}]", f"not valid UTF-8 ({error.reason})")


def _rejected(source: str, reason: str) -> Rejected:
    return Rejected(None, source, None, (Issue("", reason),))


class _NotUtf8(ValueError):
    """A well-formed JSON value that contained bytes which are not UTF-8."""


class _Scanner:
    """A text buffer over a stream for decoding JSON values one at a time."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._chunk = _CHUNK
        self.buffer = ""
        self.position = 0
        self.eof = False

    def _fill(self) -> None:
        if self.position > len(self.buffer) // 2:
            self.buffer, self.position = self.buffer[self.position :], 0
        data = self._text.read(self._chunk)
        self.eof = not data
        self.buffer += data

    def peek(self) -> str:
        """The next non-blank character ("" at the end), skipping blanks."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in " \t\r\n":
                self.position += 1
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if self.eof:
                return ""
            self._fill()

    def decode(self) -> Any:
        """The value at the position; reads more text while the value is incomplete.

        Raises ValueError for invalid JSON and for bytes that were not UTF-8 (the stream is
        decoded with ``surrogateescape`` so one bad value does not hide its neighbours).
        """
        while True:
            start = self.position
            try:
                value, end = _DECODER.raw_decode(self.buffer, start)
            except ValueError:
                if self.eof:
                    raise
                self._chunk *= 2
                self._fill()
                continue
            self.position = end
            try:
                self.buffer[start:end].encode("utf-8")
            except UnicodeEncodeError as error:
                raise _NotUtf8 from error
            return value

    def resync(self) -> bool:
        """Skip to the next line that starts an object; False when there is none."""
        while True:
            found = self.buffer.find("\n{", self.position)
            if found >= 0:
                self.position = found + 1
                return True
            if self.eof:
                return False
            self.position = len(self.buffer)
            self._fill()


def _sniff(stream: IO[bytes]) -> tuple[bool, IO[bytes]]:
    """Whether a stream of unknown kind is JSON Lines: its first line holds a whole value."""
    first = stream.readline()
    rest = io.BufferedReader(_Prepend(first, stream))
    stripped = first.strip()
    if not stripped or stripped[:1] == b"[":
        return False, rest
    try:
        json.loads(stripped)
    except ValueError:
        return False, rest
    return True, rest


class _Prepend(io.RawIOBase):
    """A byte stream that yields ``head`` before the rest of ``tail`` (after a sniff)."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        self._head = head
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if self._head:
            size = min(len(target), len(self._head))
            target[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._tail.read(len(target))
        target[: len(data)] = data
        return len(data)


def read_stream(
    stream: IO[bytes], name: str, parser: RecordParser, *, lines: bool | None = None
) -> Iterator[Record | Rejected]:
    """Records of one byte stream; ``lines=None`` sniffs JSON Lines against a JSON document."""
    if lines is None:
        lines, stream = _sniff(stream)
    yield from (_lines if lines else _values)(stream, name, parser)


def _expand(
    sources: Iterable[str | Path], readers: Sequence[DocumentReader], forced_reader: bool
) -> Iterator[str]:
    """Source names, each directory replaced by its files of a suffix something reads
    (sorted, recursively); a reader named by ``--input-format`` walks directories itself."""
    known = _LINE_SUFFIXES | {".json"} | {s for r in readers for s in r.suffixes}
    for source in sources:
        name = str(source)
        if forced_reader or name == "-" or not Path(name).is_dir():
            yield name
            continue
        for file in directory_files(Path(name)):
            if file.suffix.lower() in known:
                yield str(file)


def read_records(
    sources: Iterable[str | Path],
    formats: Sequence[RecordFormat],
    *,
    readers: Sequence[DocumentReader] = (),
    input_format: str | None = None,
    stdin: IO[bytes] | None = None,
) -> Iterator[Record | Rejected]:
    """Every record of every source, in order. ``"-"`` is standard input.

    ``input_format`` names a record format (skipping detection) or a document reader.
    Raises :class:`InputError` for a source that cannot be opened or an unknown format
    name — before any record of that source is read.
    """
    forced = None
    reader_by_name = {r.name: r for r in readers}
    if input_format is not None and input_format not in reader_by_name:
        matches = [f for f in formats if f.name == input_format]
        if not matches:
            known = sorted([f.name for f in formats] + list(reader_by_name))
            raise InputError(f"unknown input format {input_format!r}; known: {', '.join(known)}")
        forced = matches[0]
    parser = RecordParser(formats, forced)
    for name in _expand(
        sources, readers, input_format is not None and input_format in reader_by_name
    ):
        document_reader = reader_by_name.get(input_format or "") or next(
            (r for r in readers if name != "-" and Path(name).suffix.lower() in r.suffixes), None
        )
        if document_reader is not None:
            if not Path(name).exists():
                raise InputError(f"cannot read {name}: No such file or directory")
            yield from document_reader.read(Path(name))
            continue
        if name == "-":
            yield from read_stream(stdin or sys.stdin.buffer, "<stdin>", parser)
            continue
        try:
            handle = open(name, "rb")  # noqa: SIM115 - closed by the with below, after streaming
        except OSError as error:
            raise InputError(f"cannot read {name}: {error.strerror}") from error
        with handle:
            suffix = Path(name).suffix.lower()
            lines = True if suffix in _LINE_SUFFIXES else False if suffix == ".json" else None
            yield from read_stream(handle, name, parser, lines=lines)

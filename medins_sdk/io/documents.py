"""The documents behind a path: one file, a directory of files, or a zip archive, streamed.

Document readers (CDA XML, a vendor's XML export …) are handed a path; a hospital hands over
one file, a directory or a zip archive of a month's documents. This module walks all three
the same way, one document in memory at a time, and bounds what it reads before reading it:
a file larger than :attr:`DocumentLimits.max_bytes` is refused from its size on disk, a zip
member from its declared size and again from the bytes it actually inflates to (an archive
may lie about sizes: a zip bomb), an archive with more members than
:attr:`DocumentLimits.max_members` is refused whole. What is refused comes out as a
:class:`~medins_sdk.io.records.Rejected` naming the document, so that records read =
accepted + rejected still holds; a path that does not exist is an
:class:`~medins_sdk.io.reader.InputError`-style usage error raised by the caller.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from medins_sdk.io.records import Issue, Rejected

ARCHIVE_SUFFIX = ".zip"
"""Archives every document reader opens: members are read, never extracted to disk."""


DEFAULT_MAX_BYTES = 8 * 2**20
"""Largest document by default (a front page is 10–100 KB; 8 MiB leaves a wide margin)."""
DEFAULT_MAX_MEMBERS = 100_000
"""Most members a zip archive may list by default."""


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """How much one document, and one archive, may hold before it is refused unread."""

    max_bytes: int = DEFAULT_MAX_BYTES
    """Largest document, in bytes."""
    max_members: int = DEFAULT_MAX_MEMBERS
    """Most members a zip archive may list (its directory is read whole to walk it)."""


@dataclass(frozen=True, slots=True)
class Document:
    """One document's bytes and the name errors give it (``a.zip!dir/b.xml`` in archives)."""

    name: str
    data: bytes


def directory_files(root: Path) -> Iterator[Path]:
    """Every file under ``root``: a folder's files sorted by name, then its subfolders' in the
    same way, without following linked directories (a link back to a parent would loop)."""
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            yield Path(folder, name)


def documents(
    path: Path, suffixes: Collection[str], limits: DocumentLimits, reader: str
) -> Iterator[Document | Rejected]:
    """The documents of ``path``: the file itself, each file of a directory (recursively)
    whose suffix is in ``suffixes``, or each such member of a zip archive (also inside a
    directory; archives in archives are not opened). Other files are skipped; ``reader``
    names the format in rejections. Raises ``OSError`` when ``path`` cannot be opened.
    """
    if path.is_dir():
        for file in directory_files(path):
            suffix = file.suffix.lower()
            if suffix == ARCHIVE_SUFFIX:
                yield from _archive(file, suffixes, limits, reader)
            elif suffix in suffixes:
                yield _file(file, limits, reader)
    elif path.suffix.lower() == ARCHIVE_SUFFIX:
        yield from _archive(path, suffixes, limits, reader)
    else:
        yield _file(path, limits, reader, must_exist=True)


def _rejected(name: str, reader: str, reason: str) -> Rejected:
    return Rejected(None, name, reader, (Issue("", reason),))


def _too_large(name: str, reader: str, size: int | None, limits: DocumentLimits) -> Rejected:
    found = "more" if size is None else f"{size:,}"
    return _rejected(
        name, reader, f"document holds {found} bytes, over the limit of {limits.max_bytes:,}"
    )


def _file(
    path: Path, limits: DocumentLimits, reader: str, *, must_exist: bool = False
) -> Document | Rejected:
    name = str(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limits.max_bytes:
                return _too_large(name, reader, size, limits)
            data = handle.read(limits.max_bytes + 1)
    except OSError as error:
        if must_exist:
            raise
        return _rejected(name, reader, f"cannot read the file: {error.strerror}")
    if len(data) > limits.max_bytes:  # it grew after the size check
        return _too_large(name, reader, None, limits)
    return Document(name, data)


def _archive(
    path: Path, suffixes: Collection[str], limits: DocumentLimits, reader: str
) -> Iterator[Document | Rejected]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        yield _rejected(str(path), reader, f"not a readable zip archive ({error})")
        return
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            yield _rejected(
                str(path),
                reader,
                f"archive lists {len(members):,} members, over the limit of {limits.max_members:,}",
            )
            return
        for member in members:
            if member.is_dir() or Path(member.filename).suffix.lower() not in suffixes:
                continue
            yield _member(archive, member, f"{path}!{member.filename}", limits, reader)


def _member(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    name: str,
    limits: DocumentLimits,
    reader: str,
) -> Document | Rejected:
    if member.flag_bits & 0x1:
        return _rejected(name, reader, "encrypted archive members are not read")
    if member.file_size > limits.max_bytes:
        return _too_large(name, reader, member.file_size, limits)
    try:
        with archive.open(member) as handle:
            data = handle.read(limits.max_bytes + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as error:
        return _rejected(name, reader, f"damaged archive member ({error})")
    if len(data) > limits.max_bytes:
        return _too_large(name, reader, None, limits)
    return Document(name, data)

"""The document readers this adapter registers: CDA front pages, and vendor exports read
through a mapping. Both take a file, a directory or a zip archive (``medins_sdk.io.documents``)
and turn each document into a record or a rejection naming the document and the XPath."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medins_adapter_cda_xml.cda_read import read_front_page
from medins_adapter_cda_xml.safe import DocumentError, XmlLimits
from medins_sdk.io.documents import Document, documents
from medins_sdk.io.records import Record, Rejected

XML_SUFFIXES = (".xml",)
"""Files (and archive members) the readers open; other files of a directory are skipped."""


def read_all(
    path: Path,
    reader: str,
    limits: XmlLimits,
    records: Callable[[Document], Iterable[Record | Rejected]],
) -> Iterator[Record | Rejected]:
    """Every record of every XML document under ``path``, refusals included, in order."""
    for document in documents(path, XML_SUFFIXES, limits.documents, reader):
        if isinstance(document, Rejected):
            yield document
        else:
            yield from records(document)


@dataclass(frozen=True)
class CdaReader:
    """WS/T 500.52 front pages (one per document) as ``front_page`` records."""

    limits: XmlLimits = field(default_factory=XmlLimits)
    name: str = "cda-xml"
    description: str = "WS/T 500.52 front pages (住院病案首页 CDA): .xml, directories, .zip"
    suffixes: tuple[str, ...] = (*XML_SUFFIXES, ".zip")

    def read(self, path: Path) -> Iterator[Record | Rejected]:
        """Every front page under ``path`` (a file, a directory or a zip archive), streamed."""
        return read_all(path, self.name, self.limits, self.record)

    def record(self, document: Document) -> Iterator[Record | Rejected]:
        """The front page of one document, or its rejection."""
        try:
            page = read_front_page(document.data, self.limits)
        except DocumentError as error:
            yield Rejected(error.record_id, document.name, self.name, error.issues)
        else:
            yield Record(page.base.record_no, document.name, self.name, "front_page", page)

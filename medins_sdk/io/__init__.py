"""Reading and writing records: formats, detection, streaming readers, output writers."""

from medins_sdk.io.formats import (
    BUILTIN_FORMATS,
    DocumentReader,
    ModelFormat,
    RecordFormat,
    detect,
)
from medins_sdk.io.reader import InputError, RecordParser, read_records, read_stream
from medins_sdk.io.records import Issue, NotAnEncounter, Record, RecordKind, Rejected

__all__ = [
    "BUILTIN_FORMATS",
    "DocumentReader",
    "InputError",
    "Issue",
    "ModelFormat",
    "NotAnEncounter",
    "Record",
    "RecordFormat",
    "RecordKind",
    "RecordParser",
    "Rejected",
    "detect",
    "read_records",
    "read_stream",
]

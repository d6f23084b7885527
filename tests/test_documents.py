"""Documents behind a path (a file, a directory, a zip archive) and directories as inputs."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from medins_sdk.io import BUILTIN_FORMATS, read_records
from medins_sdk.io.documents import Document, DocumentLimits, documents
from medins_sdk.io.records import Record, Rejected
from medins_sdk.synthetic import encounter


def _names(found: list[Document | Rejected]) -> list[tuple[str, str]]:
    return [
        (type(item).__name__, item.name if isinstance(item, Document) else item.source)
        for item in found
    ]


def test_a_directory_yields_its_documents_and_archive_members_in_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.xml").write_bytes(b"b")
    (tmp_path / "a.xml").write_bytes(b"a")
    (tmp_path / "skip.txt").write_bytes(b"-")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as archive:
        archive.writestr("in/c.xml", b"c")
        archive.writestr("in/nested.zip", b"not opened")
    found = list(documents(tmp_path, (".xml",), DocumentLimits(), "test"))
    assert _names(found) == [
        ("Document", f"{tmp_path}/a.xml"),
        ("Document", f"{tmp_path}/c.zip!in/c.xml"),
        ("Document", f"{tmp_path}/sub/b.xml"),
    ]


def test_limits_refuse_documents_and_archives_before_reading(tmp_path: Path) -> None:
    (tmp_path / "big.xml").write_bytes(b"x" * 11)
    with zipfile.ZipFile(tmp_path / "many.zip", "w") as archive:
        for n in range(3):
            archive.writestr(f"{n}.xml", b"x")
    limits = DocumentLimits(max_bytes=10, max_members=2)
    found = list(documents(tmp_path, (".xml",), limits, "test"))
    reasons = [item.issues[0].reason for item in found if isinstance(item, Rejected)]
    assert reasons == [
        "document holds 11 bytes, over the limit of 10",
        "archive lists 3 members, over the limit of 2",
    ]
    (tmp_path / "bad.zip").write_bytes(b"PK not really")
    [rejected] = list(documents(tmp_path / "bad.zip", (".xml",), limits, "test"))
    assert isinstance(rejected, Rejected)
    assert "not a readable zip archive" in rejected.issues[0].reason


def test_read_records_walks_a_directory_of_json_files(tmp_path: Path) -> None:
    import random

    (tmp_path / "x").mkdir()
    one = encounter(random.Random(1)).model_dump_json()
    (tmp_path / "a.jsonl").write_text(one + "\n")
    (tmp_path / "x" / "b.json").write_text(json.dumps({"not": "a record"}))
    (tmp_path / "notes.md").write_text("skipped")
    found = list(read_records([tmp_path], BUILTIN_FORMATS))
    assert [(type(i).__name__, i.source) for i in found] == [
        ("Record", f"{tmp_path}/a.jsonl:1"),
        ("Rejected", f"{tmp_path}/x/b.json[0]"),
    ]
    assert isinstance(found[0], Record)

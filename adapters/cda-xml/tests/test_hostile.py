"""Hostile documents are refused quickly, with a clear reason, touching no file or network.

Each attack comes twice where it matters: in UTF-8, refused before parsing by the DOCTYPE
check, and in UTF-16, which that byte check cannot see, so that the parser's own settings
(no entities, no DTD, no network) and the check on the parsed tree are exercised too.
"""

from __future__ import annotations

import os
import resource
import socket
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from medins_adapter_cda_xml import CdaReader, DocumentError, XmlLimits, read_front_page

from medins_sdk.io.records import Rejected

EXAMPLE = (Path(__file__).parents[1] / "examples" / "appendicitis.xml").read_bytes()
ROOT = '<ClinicalDocument xmlns="urn:hl7-org:v3">{body}</ClinicalDocument>'


def _reasons(data: bytes, limits: XmlLimits | None = None) -> str:
    with pytest.raises(DocumentError) as caught:
        read_front_page(data, limits)
    return str(caught.value)


def _finishes(run: Callable[[], object], seconds: float = 20) -> None:
    """Run ``run`` in a thread; fail if it is still running after ``seconds`` (a parser
    opening the FIFO below would block there for good)."""
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the parser blocked: it tried to read the file"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _doctype(entities: str, body: str, encoding: str = "utf-8") -> bytes:
    declaration = f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
    text = f"{declaration}<!DOCTYPE ClinicalDocument [{entities}]>" + ROOT.format(body=body)
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_an_external_entity_naming_a_local_file_is_never_read(
    tmp_path: Path, encoding: str
) -> None:
    secret = tmp_path / "secret"
    os.mkfifo(secret)  # opening it for reading blocks until a writer comes: none will
    data = _doctype(f'<!ENTITY x SYSTEM "file://{secret}">', "&x;", encoding)
    found: list[str] = []
    _finishes(lambda: found.append(_reasons(data)))
    assert "DOCTYPE declarations are refused" in found[0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_an_external_entity_naming_a_url_opens_no_connection(encoding: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        entity = f'<!ENTITY x SYSTEM "http://127.0.0.1:{port}/leak">'
        dtd = f'<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/dtd"> %p;'
        for entities in (entity, dtd):
            assert "DOCTYPE declarations are refused" in _reasons(
                _doctype(entities, "&x;", encoding)
            )
        server.settimeout(0.2)
        with pytest.raises(TimeoutError):
            server.accept()  # a connection attempt would be waiting here


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_billion_laughs_is_not_expanded(encoding: str) -> None:
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    before = _peak_rss_mb()
    reasons = _reasons(_doctype(entities, "&l9;", encoding))
    # UTF-8: refused from the bytes; UTF-16: libxml2 stops the expansion itself.
    expected = "DOCTYPE declarations are refused" if encoding == "utf-8" else "amplification"
    assert expected in reasons
    assert _peak_rss_mb() - before < 64


def test_nesting_beyond_libxml2s_limit_is_refused_as_malformed() -> None:
    depth = 100_000
    data = ("<a>" * depth + "</a>" * depth).encode()
    reasons = _reasons(data)
    assert "not well-formed XML" in reasons
    assert "depth" in reasons.lower()


def test_nesting_beyond_the_configured_depth_names_the_element() -> None:
    body = "<component>" * 80 + "</component>" * 80
    reasons = _reasons(ROOT.format(body=body).encode())
    assert "nested deeper than the limit of 64" in reasons
    assert reasons.startswith("/ClinicalDocument/component/component")
    assert "deeper than the limit of 5" in _reasons(EXAMPLE, XmlLimits(max_depth=5))


def test_a_200_mb_document_is_refused_from_its_size_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as handle:
        handle.write(EXAMPLE[:200])
        handle.truncate(200 * 2**20)  # sparse: 200 MB on paper, nothing allocated
    before = _peak_rss_mb()
    [rejected] = list(CdaReader().read(huge))
    assert isinstance(rejected, Rejected)
    assert rejected.source == str(huge)
    assert "209,715,200 bytes, over the limit of 8,388,608" in rejected.issues[0].reason
    assert _peak_rss_mb() - before < 64
    assert "over the limit" in _reasons(EXAMPLE, XmlLimits(max_bytes=1000))


def test_a_zip_bomb_is_refused_from_its_declared_size(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        with bomb.open("bomb.xml", "w", force_zip64=True) as member:
            for _ in range(64):
                member.write(b"\0" * 2**20)
        bomb.writestr("good.xml", EXAMPLE)
    before = _peak_rss_mb()
    found = list(CdaReader().read(archive))
    assert _peak_rss_mb() - before < 64
    assert [type(item).__name__ for item in found] == ["Rejected", "Record"]
    assert found[0].source == f"{archive}!bomb.xml"
    assert "67,108,864 bytes, over the limit" in found[0].issues[0].reason  # type: ignore[union-attr]


def test_a_zip_member_that_lies_about_its_size_is_cut_off(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as liar:
        liar.writestr("liar.xml", EXAMPLE)
    raw = bytearray(archive.read_bytes())
    small = (100).to_bytes(4, "little")
    local = raw.index(b"PK\x03\x04")
    central = raw.index(b"PK\x01\x02")
    raw[local + 22 : local + 26] = small  # uncompressed size, local header
    raw[central + 24 : central + 28] = small  # and in the central directory
    archive.write_bytes(bytes(raw))
    [rejected] = list(CdaReader(XmlLimits(max_bytes=1000)).read(archive))
    assert isinstance(rejected, Rejected)
    assert "damaged archive member" in rejected.issues[0].reason


def test_invalid_utf8_names_the_document_and_the_byte(tmp_path: Path) -> None:
    broken = EXAMPLE.replace("测试甲".encode(), b"\xff\xfe\xfd", 1)
    path = tmp_path / "broken.xml"
    path.write_bytes(broken)
    [rejected] = list(CdaReader().read(path))
    assert isinstance(rejected, Rejected)
    assert rejected.source == str(path)
    offset = broken.index(b"\xff")
    assert rejected.issues[0].reason.startswith(f"not valid UTF-8: byte offset {offset}")


def test_malformed_xml_gives_line_and_column() -> None:
    reasons = _reasons(EXAMPLE.replace(b"</title>", b"</titel>", 1))
    assert reasons == (
        "line 12, column 24: not well-formed XML: "
        "Opening and ending tag mismatch: title line 12 and titel"
    )

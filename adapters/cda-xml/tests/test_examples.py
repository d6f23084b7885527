"""The real-shaped example documents read as the front pages they describe; a defect in one
is reported with the document, the XPath and the reason, never the personal data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from medins_adapter_cda_xml import CdaReader, DocumentError, read_front_page

from medins_sdk.codes.tables import Flag
from medins_sdk.convert import FrontPageConverter
from medins_sdk.io.records import Record, Rejected

EXAMPLES = Path(__file__).parents[1] / "examples"
APPENDICITIS = (EXAMPLES / "appendicitis.xml").read_bytes()
PII = ("测试甲", "110101199001010000", "13800000000", "测试乙", "示例路")


def test_the_appendicitis_example_reads_with_template_nesting() -> None:
    page = read_front_page(APPENDICITIS)
    base = page.base
    assert (base.record_no, base.inpatient_no, base.gender.value) == (
        "BA20240871",
        "ZY20240871",
        "1",
    )
    assert base.admission_time == datetime(2024, 3, 10, 8, 30)
    assert (base.admission_dept, base.admission_ward, base.discharge_dept) == (
        "A03.01",
        "W0302",
        "A03.01",
    )
    assert base.current_address == "北京市北京市东城区示例街道示例路12号"
    assert (base.director_name, base.coder_name) == ("医生乙", "编码员甲")
    assert (base.total_cost, base.surgical_treatment_fee, base.anaesthesia_fee) == (
        Decimal("15230.50"), Decimal("4200.00"), Decimal("1200.00"),
    )  # fmt: skip
    assert base.other_fee == Decimal("0.00")  # written with a code the templates disagree on
    assert [(d.code, d.principal) for d in page.diagnoses] == [
        ("K35.000x006", Flag.YES), ("I10.x00x002", Flag.NO),
    ]  # fmt: skip
    [operation] = page.operations
    assert (operation.code, operation.surgeon_name, operation.anaesthetist_name) == (
        "47.0100", "医生丙", "医生戊",
    )  # fmt: skip


def test_comments_anywhere_are_ignored() -> None:
    """A comment between address parts, inside a name or between sections carries no data."""
    commented = (
        APPENDICITIS.replace(b'<addr use="H">', b'<addr use="H"><!-- home -->', 1)
        .replace("<name>医生乙</name>".encode(), "<name>医生<!-- x -->乙</name>".encode(), 1)
        .replace(b"<component>", b"<!-- section --><component>")
    )
    assert commented != APPENDICITIS
    assert read_front_page(commented) == read_front_page(APPENDICITIS)


def test_the_newborn_example_tolerates_order_and_missing_sections() -> None:
    page = read_front_page((EXAMPLES / "newborn.xml").read_bytes())
    base = page.base
    assert (base.newborn_birth_weight, base.newborn_admission_weight) == (
        Decimal(2400), Decimal(2350),
    )  # fmt: skip
    assert base.admission_time == datetime(2024, 6, 1, 7, 0)  # +0800 accepted
    assert base.visit_id == "MDT2024001204"  # from the SDK's extension section
    assert page.operations == []
    assert [s.entered for s in page.icu_stays] == [datetime(2024, 6, 1, 8, 0)]


def test_the_examples_convert_to_settlement_lists() -> None:
    converter = FrontPageConverter()
    converted = converter.convert(read_front_page(APPENDICITIS))
    settlement_list = converted.encounter.settlement_list
    assert [d.code for d in settlement_list.diagnoses] == ["K35.200", "I10.x00x002"]
    assert settlement_list.charge_items_total == Decimal("15230.50")
    assert [f.rule for f in converted.findings] == ["convert.cost-category"]


def _rejected(data: bytes, tmp_path: Path) -> Rejected:
    path = tmp_path / "defect.xml"
    path.write_bytes(data)
    [item] = list(CdaReader().read(path))
    assert isinstance(item, Rejected)
    assert item.source == str(path)
    assert item.format == "cda-xml"
    assert not any(secret in str(item.to_json()) for secret in PII)
    return item


def test_an_invalid_value_is_reported_at_its_xpath(tmp_path: Path) -> None:
    rejected = _rejected(
        APPENDICITIS.replace(
            b'code="K35.000x006" codeSystem="2.16.156.10011.2.3.3.11.3"',
            b'code="not a code" codeSystem="x"',
        ),
        tmp_path,
    )
    assert rejected.id == "BA20240871"
    [issue] = rejected.issues
    assert issue.path == (
        "/ClinicalDocument/component/structuredBody/component[2]/section/entry[1]/organizer"
        "/component[2]/observation/value/@code"
    )
    assert issue.reason.startswith("diagnoses[0].code: String should match pattern")


def test_a_bad_time_in_a_personal_field_is_reported_without_its_value(tmp_path: Path) -> None:
    rejected = _rejected(
        APPENDICITIS.replace(b'<birthTime value="19900101"/>', b'<birthTime value="19901301"/>'),
        tmp_path,
    )
    [issue] = rejected.issues
    assert issue.path == "/ClinicalDocument/recordTarget/patientRole/patient/birthTime/@value"
    assert issue.reason == "base.birth_date: not a calendar date and time"
    assert "19901301" not in str(rejected.to_json())


def test_missing_principal_diagnosis_names_the_section(tmp_path: Path) -> None:
    data = APPENDICITIS.replace("主要诊断".encode(), "其他诊断".encode())
    [issue] = _rejected(data, tmp_path).issues
    assert issue.path == "/ClinicalDocument/component/structuredBody"
    assert "no principal diagnosis" in issue.reason


def test_a_document_of_another_kind_is_refused() -> None:
    other = APPENDICITIS.replace(b"2.16.156.10011.2.1.1.52", b"2.16.156.10011.2.1.1.54").replace(
        b'code="C0032"', b'code="C0034"'
    )
    with pytest.raises(DocumentError, match=r"not a WS/T 500\.52 front page"):
        read_front_page(other)


def test_a_directory_and_a_zip_read_every_document_in_order(tmp_path: Path) -> None:
    import zipfile

    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.xml").write_bytes(APPENDICITIS)
    (tmp_path / "1.xml").write_bytes(b"<not-closed>")
    (tmp_path / "notes.txt").write_text("skipped")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as archive:
        archive.writestr("x/3.xml", (EXAMPLES / "newborn.xml").read_bytes())
        archive.writestr("readme.md", "skipped")
    found = list(CdaReader().read(tmp_path))
    assert [(type(i).__name__, i.source) for i in found] == [
        ("Rejected", f"{tmp_path}/1.xml"),
        ("Record", f"{tmp_path}/c.zip!x/3.xml"),
        ("Record", f"{tmp_path}/b/2.xml"),
    ]
    assert isinstance(found[1], Record)
    assert found[1].kind == "front_page"

"""Vendor mappings: the shipped example reads its export; mistakes are caught at load time
with the file and key, and at read time with the element's XPath."""

from __future__ import annotations

from pathlib import Path

import pytest
from medins_adapter_cda_xml import MappingError, load_mapping
from medins_adapter_cda_xml.plugin import MAPPINGS_ENV, mapping_files

from medins_sdk.codes.tables import DischargeWay, Flag
from medins_sdk.io.records import Record, Rejected
from medins_sdk.models import FrontPage
from medins_sdk.plugins import PluginManager

ROOT = Path(__file__).parents[1]
MAPPING = ROOT / "src" / "medins_adapter_cda_xml" / "mappings" / "flat-front-page.toml"
EXPORT = ROOT / "examples" / "flat-export.xml"


def test_the_example_mapping_reads_every_front_page_of_the_export() -> None:
    reader = load_mapping(MAPPING)
    records = list(reader.read(EXPORT))
    assert [r.source for r in records] == [f"{EXPORT}[0]", f"{EXPORT}[1]"]
    first = records[0]
    assert isinstance(first, Record)
    page = first.model
    assert isinstance(page, FrontPage)
    assert page.base.record_no == "BA20240501"
    assert page.base.gender.value == "2"
    assert page.base.discharge_way is DischargeWay.ORDERED
    assert str(page.base.total_cost) == "18650.00"
    assert [(d.code, d.principal) for d in page.diagnoses] == [
        ("K80.100", Flag.YES), ("E11.900", Flag.NO),
    ]  # fmt: skip
    assert page.operations[0].date is not None


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vendor.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "v"\nrecords = "/A"\n[fields]\n"base.nope" = "X"\n', "has no field 'nope'"),
        ('name = "v"\nrecords = "/A["\n', "records: invalid XPath"),
        (
            'name = "v"\nrecords = "/A"\n[fields]\n'
            '"base.gender" = { xpath = "X", values = "sex" }\n',
            "no value map 'sex'",
        ),
        ('name = "v"\nrecords = "/A"\n[lists.charges]\nxpath = "C"\n', "lists.charges: not a list"),
        ('records = "/A"\n', "'name' must be a non-empty string"),
        ('name = "v"\nrecords = "/A"\nextra = 1\n', "unknown keys extra"),
    ],
)
def test_a_broken_mapping_names_its_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = _mapping(tmp_path, text)
    with pytest.raises(MappingError, match=str(path)) as caught:
        load_mapping(path)
    assert message in str(caught.value)


def test_an_unmapped_code_is_reported_at_its_xpath_without_the_value(tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    export.write_text(
        EXPORT.read_text(encoding="utf-8").replace("<XB>女</XB>", "<XB>F</XB>"), encoding="utf-8"
    )
    first, second = load_mapping(MAPPING).read(export)
    assert isinstance(first, Rejected)
    assert isinstance(second, Record)
    [issue] = first.issues
    assert issue.path == "/BASYSJ/BASY[1]/XB"
    assert issue.reason == "base.gender: value not in value map 'gender' (3 codes)"


def test_a_missing_required_field_points_at_the_record(tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    export.write_text(
        EXPORT.read_text(encoding="utf-8").replace("<BAH>BA20240502</BAH>", ""), encoding="utf-8"
    )
    _, second = load_mapping(MAPPING).read(export)
    assert isinstance(second, Rejected)
    assert [(i.path, i.reason) for i in second.issues] == [
        ("/BASYSJ/BASY[2]", "base.record_no: Field required")
    ]


def test_mappings_register_through_the_adapter_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = MAPPING.read_text(encoding="utf-8").replace('name = "flat-front-page"', 'name = "acme"')
    (tmp_path / "acme.toml").write_text(own, encoding="utf-8")
    monkeypatch.setenv(MAPPINGS_ENV, str(tmp_path))
    assert [p.name for p in mapping_files()] == ["flat-front-page.toml", "acme.toml"]
    readers = PluginManager(allow=["cda-xml"]).registry.readers
    assert {"cda-xml", "flat-front-page", "acme"} <= set(readers.keys())

"""Front page → settlement list: crosswalks, findings instead of dropped codes, cost categories,
``medins convert``, and front pages read by the verbs that need encounters."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings

from medins_sdk.cli import main
from medins_sdk.codes.icd import Crosswalk
from medins_sdk.codes.tables import ChargeCategory
from medins_sdk.convert import ConversionError, FrontPageConverter
from medins_sdk.io.records import Record
from medins_sdk.models import Encounter, FrontPage, SettlementList
from medins_sdk.plugins import PluginManager
from medins_sdk.testing.strategies import front_pages

CONVERTER = FrontPageConverter()


def _page(diagnoses: list[str], operations: tuple[str, ...] = (), **base: object) -> FrontPage:
    return FrontPage.model_validate(
        {
            "base": {
                "record_no": "BA1",
                "visit_id": "MDT1",
                "gender": "1",
                "admission_time": "2024-01-01 08:00:00",
                "discharge_time": "2024-01-05 08:00:00",
                **base,
            },
            "diagnoses": [
                {"code": code, "principal": "1" if i == 0 else "0"}
                for i, code in enumerate(diagnoses)
            ],
            "operations": [{"code": code} for code in operations],
        }
    )


def test_codes_go_through_the_crosswalks() -> None:
    converted = CONVERTER.convert(_page(["K35.000x006", "I10.x00x002"], ("47.0100",)))
    settlement_list = converted.encounter.settlement_list
    assert [d.code for d in settlement_list.diagnoses] == ["K35.200", "I10.x00x002"]
    assert settlement_list.diagnoses[0].name == "急性阑尾炎伴有弥漫性腹膜炎"  # the insurance name
    assert [o.code for o in settlement_list.operations] == ["47.0100"]
    assert settlement_list.operations[0].is_principal
    assert settlement_list.info.setl_id == converted.encounter.id == "MDT1"
    assert converted.findings == ()


def test_a_code_without_counterpart_is_kept_and_blocks() -> None:
    converted = CONVERTER.convert(_page(["K35.000x006", "Z99.999x999"]))
    assert [d.code for d in converted.encounter.settlement_list.diagnoses][1] == "Z99.999x999"
    [finding] = converted.blocking
    assert finding.rule == "convert.unmapped"
    assert finding.evidence == {"field": "diagnoses[1].code", "clinical": "Z99.999x999"}


def test_a_code_mapping_to_a_grey_code_blocks() -> None:
    converted = CONVERTER.convert(_page(["I10.x00"]))
    [finding] = converted.findings
    assert (finding.rule, finding.severity) == ("convert.grey-code", "block")
    with pytest.raises(ConversionError, match=r"convert\.grey-code I10\.x00"):
        Record("BA1", "x", "national-4401", "front_page", _page(["I10.x00"])).encounter()


def test_several_counterparts_take_the_first_and_warn() -> None:
    diagnoses = Crosswalk("a", "b", "icd10", [("A01.000", "A01.000"), ("A01.000", "A01.001")])
    converted = FrontPageConverter(diagnoses=diagnoses).convert(_page(["A01.000"]))
    [finding] = converted.findings
    assert finding.rule == "convert.several-counterparts"
    assert finding.evidence["candidates"] == ["A01.000", "A01.001"]


def test_cost_categories_map_to_the_settlement_categories() -> None:
    page = _page(
        ["K35.000x006"],
        total_cost="1000.00",
        general_service_fee="100.00",
        nursing_fee="50.00",
        laboratory_fee="150.00",
        imaging_fee="100.00",
        anaesthesia_fee="80.00",
        surgery_fee="220.00",
        western_medicine_fee="200.00",
        antibiotics_fee="60.00",
        blood_fee="100.00",
    )
    converted = CONVERTER.convert(page)
    items = {i.category: i.amount for i in converted.encounter.settlement_list.charge_items}
    assert items == {
        ChargeCategory.EXAMINATION: Decimal("100.00"),
        ChargeCategory.LABORATORY: Decimal("150.00"),
        ChargeCategory.SURGERY: Decimal("300.00"),  # 麻醉费 + 手术费, no 手术治疗费 given
        ChargeCategory.NURSING: Decimal("50.00"),
        ChargeCategory.WESTERN_MEDICINE: Decimal("200.00"),  # 抗菌药物 is part of it
        ChargeCategory.OTHER: Decimal("200.00"),  # 一般医疗服务费 + 血费, reported
    }
    assert converted.encounter.total_cost == Decimal("1000.00")
    reported = [(f.rule, f.evidence.get("field"), f.amount) for f in converted.findings]
    assert reported == [
        ("convert.cost-category", "general_service_fee", Decimal("100.00")),
        ("convert.cost-category", "blood_fee", Decimal("100.00")),
    ]


def test_categories_that_do_not_add_up_are_reported() -> None:
    converted = CONVERTER.convert(_page(["K35.000x006"], total_cost="10.00", nursing_fee="9.99"))
    [finding] = converted.findings
    assert (finding.rule, finding.amount) == ("convert.cost-total", Decimal("0.01"))


def test_an_invalid_list_names_the_field_not_the_value() -> None:
    with pytest.raises(ConversionError) as caught:
        CONVERTER.convert(_page(["K35.000x006"], ventilation_duration="about a day"))
    assert "settlement_list.info.ventilation_duration" in str(caught.value)
    assert "about a day" not in str(caught.value)


@settings(max_examples=30, deadline=None)
@given(front_pages())
def test_converted_lists_are_valid_settlement_lists(page: FrontPage) -> None:
    """What the converter makes is what validating its output from scratch makes: the list,
    and the encounter the converter builds without validating it again (``from_trusted``)."""
    encounter = CONVERTER.convert(page).encounter
    settlement_list = encounter.settlement_list
    assert SettlementList.model_validate(settlement_list.model_dump()) == settlement_list
    assert Encounter.model_validate(encounter.model_dump()) == encounter


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [str(a) for a in argv], plugins=PluginManager(autoload=False), stdout=out, stderr=err
    )
    return code, out.getvalue(), err.getvalue()


def _upload(page: FrontPage) -> str:
    return json.dumps({"infno": "4401", "input": page.model_dump(mode="json", by_alias=True)})


def test_medins_convert_writes_encounters_and_findings(tmp_path: Path) -> None:
    source = tmp_path / "pages.jsonl"
    good = _page(["K35.000x006"], total_cost="100.00", general_service_fee="100.00")
    source.write_text(
        _upload(good) + "\n" + _upload(_page(["K35.000x006"], ventilation_duration="x")) + "\n",
        encoding="utf-8",
    )
    findings = tmp_path / "findings.jsonl"
    code, out, err = run("convert", source, "--findings", findings)
    assert code == 1
    [encounter] = [json.loads(line) for line in out.splitlines()]
    assert encounter["settlement_list"]["diagnoses"][0]["code"] == "K35.200"
    assert encounter["front_page"]["base"]["record_no"] == "BA1"
    [finding] = [json.loads(line) for line in findings.read_text().splitlines()]
    assert finding["rule"] == "convert.cost-category"
    assert "ventilation_duration" in err
    assert err.endswith("2 read, 1 ok, 1 rejected\n")


def test_converted_output_is_what_the_other_verbs_read(tmp_path: Path) -> None:
    source = tmp_path / "page.json"
    source.write_text(_upload(_page(["K35.000x006"], total_cost="80.00", nursing_fee="80.00")))
    _, out, _ = run("convert", source)
    converted = tmp_path / "converted.jsonl"
    converted.write_text(out)
    code, priced, _ = run("price", "--scheme", "itemised", converted)
    assert code == 0
    assert json.loads(priced)["total_cost"] == "80.00"
    code, direct, _ = run("price", "--scheme", "itemised", source)  # converted on the fly
    assert (code, direct) == (0, priced)

"""The pack: provenance of every number, every code checked against the insurance editions,
the shipped bytes reproducible, and a damaged or inconsistent pack refused."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from medins_plugin_jiangsu_maternity import plugin
from medins_plugin_jiangsu_maternity.build import build, edition
from medins_plugin_jiangsu_maternity.pack import (
    CODE_LISTS,
    load_maternity_pack,
    parse_shares,
    shipped_pack_dir,
)

from medins_sdk.codes import ChargeCategory
from medins_sdk.packs import MANIFEST, PackError

SHIPPED = Path(str(shipped_pack_dir()))
SEED_RATES = (
    "顺产3 100元，剖宫产4 900元，存在子宫肌瘤或卵巢切除术等附加手术的，在原有结算标准上加 500元"
)
SEVEN = {
    "severe-pre-eclampsia",
    "placenta-praevia-with-haemorrhage",
    "amniotic-fluid-embolism",
    "acute-fatty-liver-of-pregnancy",
    "postpartum-acute-renal-failure",
    "uterine-rupture",
    "postpartum-haemorrhage",
}


Json = dict[str, Any]


def specs(root: Path = SHIPPED) -> dict[str, Json]:
    loaded: dict[str, Json] = json.loads((root / CODE_LISTS).read_text("utf-8"))
    return loaded


def rebuilt(
    tmp_path: Path,
    edit_lists: Callable[[dict[str, Json]], None] | None = None,
    edit_manifest: Callable[[Json], None] | None = None,
) -> Path:
    """A copy of the shipped pack with its definitions or manifest edited, rebuilt."""
    source = tmp_path / "source"
    shutil.copytree(SHIPPED, source)
    if edit_lists is not None:
        lists = specs(source)
        edit_lists(lists)
        (source / CODE_LISTS).write_text(json.dumps(lists, ensure_ascii=False), "utf-8")
    if edit_manifest is not None:
        manifest = json.loads((source / MANIFEST).read_text("utf-8"))
        edit_manifest(manifest)
        (source / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    out = tmp_path / "out"
    build(source, out)
    return out


def test_the_shipped_pack_is_what_the_build_writes(tmp_path: Path) -> None:
    build(SHIPPED, tmp_path)
    shipped = sorted(path.name for path in SHIPPED.iterdir())
    assert sorted(path.name for path in tmp_path.iterdir()) == shipped
    for name in shipped:
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_every_listed_code_is_in_the_insurance_edition_with_its_name() -> None:
    for name, spec in specs().items():
        table = edition(spec["system"])
        codes = spec["codes"]
        assert codes, name
        for code, code_name in codes.items():
            assert table.name_of(code) == code_name, f"{name}: {code}"
        expanded = {code for prefix in spec["prefixes"] for code in table.startswith(prefix)}
        assert set(codes) == expanded, f"{name}: the codes are not exactly its prefixes' codes"


def test_the_seven_complications_and_their_codes() -> None:
    lists = plugin.pack().lists
    assert {name for name, found in lists.items() if found.role == "complication"} == SEVEN
    assert set(lists["uterine-rupture"].names) >= {"O71.000", "O71.100"}
    assert "O71.200" not in lists["uterine-rupture"].names  # 产后子宫内翻: not a rupture
    assert set(lists["acute-fatty-liver-of-pregnancy"].names) == {"O26.607"}
    assert lists["postpartum-haemorrhage"].blood_loss_above_ml == Decimal(1000)
    listed = {code for name in SEVEN for code in lists[name].names}
    assert {"O14.100", "O44.100", "O88.100", "O90.400", "O72.000"} <= listed


def test_caesarean_and_additional_operation_codes() -> None:
    lists = plugin.pack().lists
    caesarean = set(lists["caesarean-section"].names)
    assert {"74.0x00", "74.1x01", "74.2x00", "74.4x00", "74.9900"} <= caesarean
    assert not any(code.startswith(("74.3", "74.91")) for code in caesarean)  # not deliveries
    add_ons = set(lists["additional-operations"].names)
    assert {"68.2901", "65.3900x001", "65.4900x001", "65.5100", "65.6100"} <= add_ons


def test_rates_are_seed_000s_and_unsourced_numbers_are_marked_configurable() -> None:
    pack = plugin.pack()
    manifest = pack.manifest
    assert (manifest.scheme, manifest.region) == ("jiangsu-maternity", "320100")
    assert manifest.effective_from == date(2018, 9, 1)
    rates = (pack.vaginal_rate, pack.caesarean_rate, pack.add_on)
    assert rates == (Decimal(3100), Decimal(4900), Decimal(500))
    parameters = {parameter.name: parameter for parameter in manifest.parameters}
    for name in ("vaginal_rate", "caesarean_rate", "additional_operation_add_on"):
        source = parameters[name].source
        assert source is not None
        assert "seed 000" in source
        assert SEED_RATES in source
    assert "手术麻醉费用约占医疗总费用的60%" in str(parameters["overspend_shares"].source)
    configurable = {name for name, parameter in parameters.items() if parameter.source is None}
    assert configurable == {
        "blood_loss_missing",
        "filing_unflagged_lines",
        "drug_categories",
        "material_categories",
        "examination_categories",
    }
    assert pack.shares == (("anaesthesia-surgery", Decimal("0.60")), ("clinical", Decimal("0.40")))
    assert pack.categories.drugs == {
        ChargeCategory.WESTERN_MEDICINE,
        ChargeCategory.HERBAL_PIECES,
        ChargeCategory.CHINESE_PATENT_MEDICINE,
    }


def test_an_edited_list_fails_to_load(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED, tmp_path, dirs_exist_ok=True)
    lists = tmp_path / CODE_LISTS
    lists.write_text(lists.read_text("utf-8").replace('"O14.100"', '"O14.000"'), "utf-8")
    with pytest.raises(PackError, match=r"code_lists\.json: sha256"):
        load_maternity_pack(tmp_path)


def test_a_prefix_that_matches_no_code_cannot_be_built(tmp_path: Path) -> None:
    def typo(lists: dict[str, Json]) -> None:
        lists["uterine-rupture"]["prefixes"] = ["O71.0", "O17.1"]

    message = r"uterine-rupture: no ICD-10 医保版 2\.0 code starts O17\.1"
    with pytest.raises(PackError, match=message):
        rebuilt(tmp_path, edit_lists=typo)


def test_a_code_in_two_lists_is_refused(tmp_path: Path) -> None:
    def overlap(lists: dict[str, Json]) -> None:
        lists["delivery"]["prefixes"] = ["O80", "O82"]

    with pytest.raises(PackError, match=r"O82\.000 is in both caesarean-delivery and delivery"):
        load_maternity_pack(rebuilt(tmp_path, edit_lists=overlap))


def test_a_pack_without_additional_operations_is_refused(tmp_path: Path) -> None:
    def drop(lists: dict[str, Json]) -> None:
        del lists["additional-operations"]

    with pytest.raises(PackError, match="no list with the role additional-operation"):
        load_maternity_pack(rebuilt(tmp_path, edit_lists=drop))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("vaginal_rate", "3100.001", "is not an amount in yuan"),
        ("blood_loss_missing", "guess", "is not one of fixed-rate, itemised"),
        ("filing_unflagged_lines", "split", "is not one of maternity, basic"),
        ("overspend_shares", "anaesthesia-surgery:0.6;clinical:0.3", "sum to 0.9, not 1"),
        ("drug_categories", "09,99", "is not a list of med_chrgitm_type codes"),
    ],
)
def test_a_bad_parameter_is_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    def edit(manifest: Json) -> None:
        for parameter in manifest["parameters"]:
            if parameter["name"] == name:
                parameter["value"] = value

    with pytest.raises(PackError, match=f"parameter {name}.*{message}"):
        load_maternity_pack(rebuilt(tmp_path, edit_manifest=edit))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a:0.5;a:0.5", "name a department twice"),
        ("a:0.5;b:-0.5", "not department:ratio with a positive ratio"),
        ("a:1.00001", "not department:ratio"),
        ("a", "not department:ratio"),
    ],
)
def test_bad_shares_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_shares(text)

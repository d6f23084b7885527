"""Beijing DRG 2022: the shipped packs, the weights table, pricing rules and worked examples.

Figures come from the 2022 table in the pack (REFERENCE §3: OB19 剖宫产术 RW 0.53 → ¥10,799;
OR19 阴道分娩 RW 0.20 → ¥4,120); outlier thresholds are the pack's configurable defaults.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from medins_plugin_beijing_drg import __version__, plugin

from medins_sdk.codes import Gender
from medins_sdk.models import Encounter, GroupResult, PriceResult
from medins_sdk.packs import PackError
from medins_sdk.plugins import PluginManager
from medins_sdk.pricing.drg import DrgRates
from medins_sdk.synthetic import coded_encounter
from medins_sdk.testing import SchemeConformance, priced_and_checked
from medins_sdk.testing.packs import assert_build_reproduces

DIST = "medins-plugin-beijing-drg"
HERE = Path(__file__).resolve().parents[1]
DATA = HERE.parents[1].parent / "shared" / "data"
PACKS = HERE / "src" / "medins_plugin_beijing_drg" / "packs"

CAESAREAN = ("O82.000", "74.1x01")
"""O82.000 经选择性剖宫产术的分娩 + 74.1x01 剖宫产术，子宫下段横切口: OB19 剖宫产术 (the
generic 74.1x00 is not in Beijing's OB1 table, and would fall to a medical group)."""
URETEROSCOPY = ("N20.100", "56.0x00x008")
"""N20.100 输尿管结石 + 56.0x00x008 经输尿管镜输尿管取石术: LC19 (seed 004, Shangrao)."""


def manager() -> PluginManager:
    """The plugin registered by hand, so the tests run whether or not it is installed."""
    manager = PluginManager(autoload=False, strict=True)
    manager.register(plugin, "beijing-drg", DIST, __version__)
    return manager


def run(encounter: Encounter) -> tuple[GroupResult, PriceResult]:
    grouping, price = priced_and_checked(manager().registry.scheme_parts(plugin.SCHEME), encounter)
    assert grouping is not None
    return grouping, price


def caesarean(cost: str) -> Encounter:
    return coded_encounter(
        CAESAREAN[0], (), CAESAREAN[1], gender=Gender.FEMALE, age=30, cost=Decimal(cost)
    )


@pytest.mark.skipif(not DATA.is_dir(), reason=f"the OpenDRG reference data is not at {DATA}")
def test_shipped_packs_are_what_the_build_script_makes(tmp_path: Path) -> None:
    assert_build_reproduces(HERE / "build-packs.sh", DATA, PACKS, tmp_path)


def test_the_scheme_is_registered_with_its_region_and_dates() -> None:
    registry = manager().registry
    scheme = registry.scheme("beijing-drg-2022")
    assert (scheme.region, scheme.grouper, scheme.pricer) == ("110000",) + (plugin.SCHEME,) * 2
    assert scheme.in_effect(scheme.effective_from)
    assert "CHS_DRG_11_BJ" in scheme.source
    assert "北京2022.csv" in scheme.source
    assert scheme in registry.schemes_for("110000", scheme.effective_from)
    assert scheme not in registry.schemes_for("310000", scheme.effective_from)


def test_the_weights_table_is_beijings_2022_table() -> None:
    table = plugin.rates().table
    assert len(table) == 696
    assert (table["OB19"].weight, table["OB19"].standard) == (Decimal("0.53"), Decimal(10799))
    assert (table["OR19"].weight, table["OR19"].standard) == (Decimal("0.20"), Decimal(4120))
    itemised = {code for code, rate in table.items() if rate.itemised}
    named = {"AA19", "AB19", "AC19", "AD19", "AF19", "NG19", "RA39", "RA49", "US19"}
    assert itemised == {c for c in table if c[0] in "WXYP"} | named  # REFERENCE §3's list
    assert set(table) == {d.code for a in plugin.grouping_pack().adrgs.values() for d in a.drgs}


def test_every_outlier_parameter_is_marked_configurable() -> None:
    """No primary source fixes them for Beijing here: the manifest must say so (source null)."""
    parameters = {p.name: p for p in plugin.rates().manifest.parameters}
    assert {"high_outlier_multiples", "low_outlier_ratio", "ungrouped_payment"} <= set(parameters)
    assert all(parameter.source is None for parameter in parameters.values())


def test_a_damaged_rates_pack_fails_to_load(tmp_path: Path) -> None:
    shutil.copytree(PACKS / "rates", tmp_path, dirs_exist_ok=True)
    weights = tmp_path / "weights.csv"
    weights.write_text(weights.read_text("utf-8").replace("10799", "10800"), "utf-8")
    with pytest.raises(PackError, match=r"weights\.csv"):
        DrgRates.load(tmp_path)


def test_caesarean_section_is_paid_the_ob19_standard() -> None:
    grouping, price = run(caesarean("9000.00"))
    assert (grouping.group, grouping.weight) == ("OB19", Decimal("0.53"))
    assert (price.method, price.outlier, price.payment_standard) == ("drg", None, Decimal(10799))
    assert (price.payment, price.balance) == (Decimal("10799.00"), Decimal("1799.00"))
    assert "OB19" in price.explanation
    assert "结余 1799.00" in price.explanation


@pytest.mark.parametrize(
    ("cost", "outlier", "payment"),
    [
        ("32397.00", "high", "32397.00"),  # 3 × 10799 (RW 0.53 ≤ 1): paid item by item
        ("32396.99", None, "10799.00"),
        ("3239.70", None, "10799.00"),  # 0.3 × 10799 = 3239.70 is not below it
        ("3239.69", "low", "3239.69"),
    ],
)
def test_outlier_thresholds_to_the_cent(cost: str, outlier: str | None, payment: str) -> None:
    _, price = run(caesarean(cost))
    assert price.outlier == outlier
    assert price.payment == Decimal(payment)
    assert price.balance == price.payment - price.total_cost
    assert price.inputs["high_threshold"] == "32397.00"
    assert price.inputs["low_threshold"] == "3239.70"


def test_ureteroscopic_stone_removal_is_lc19() -> None:
    grouping, price = run(coded_encounter(*URETEROSCOPY[:1], (), URETEROSCOPY[1]))
    rate = plugin.rates().table["LC19"]
    assert grouping.group == "LC19"
    assert (price.weight, price.payment_standard) == (rate.weight, rate.standard)


def test_a_newborn_group_is_paid_item_by_item() -> None:
    newborn = coded_encounter(
        "P07.300", (), age=0, newborn_days=3, birth_weight=2200, cost=Decimal("23456.78")
    )
    grouping, price = run(newborn)
    assert grouping.group == "PS39"
    assert (price.method, price.payment, price.balance) == (
        "itemised",
        Decimal("23456.78"),
        Decimal("0.00"),
    )
    assert "按项目据实支付" in price.explanation


def test_an_ungroupable_case_is_paid_item_by_item_and_says_why() -> None:
    grouping, price = run(coded_encounter("J18.900", gender=Gender.UNKNOWN))
    assert grouping.status == "ungroupable"
    assert (price.group, price.method, price.balance) == (None, "itemised", Decimal("0.00"))
    assert "ungroupable" in price.explanation


class TestBeijingDrgConformance(SchemeConformance):
    """The core's conformance kit on this plugin, registered by hand so it runs uninstalled."""

    scheme = plugin.SCHEME

    def plugin_manager(self) -> PluginManager:
        return manager()

"""Channels and prices, with worked amounts (seed 000, 二(一): 顺产 ¥3,100, 剖宫产 ¥4,900,
附加手术 + ¥500, 低频并发症 at actual cost; the hospital gains about ¥400 on a vaginal
delivery and loses about ¥1,500 on a caesarean), severe-illness filing, and registration."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, distribution

import pytest
from hypothesis import strategies as st
from medins_plugin_jiangsu_maternity import __version__, plugin
from medins_plugin_jiangsu_maternity.channels import Channel, Classifier
from medins_plugin_jiangsu_maternity.deliveries import charge_line, coded_delivery, delivery
from medins_plugin_jiangsu_maternity.filing import split_charges
from medins_plugin_jiangsu_maternity.pricer import SCHEME, MaternityPricer, maternity_scheme
from medins_plugin_jiangsu_maternity.register import DeliveryRegister, RegisterEntry

from medins_sdk.codes import ChargeCategory, Flag
from medins_sdk.models import Encounter, PriceResult
from medins_sdk.plugins import PluginManager
from medins_sdk.schemes import UnpricableError
from medins_sdk.testing import SchemeConformance, assert_revalidates

DIST = "medins-plugin-jiangsu-maternity"
VAGINAL = ("O80.000", "Z37.000x001")
"""头位顺产, 单胎活产."""
CAESAREAN = ("O82.000", "74.1x01")
"""经选择性剖宫产术的分娩; 剖宫产术，子宫下段横切口."""
MYOMECTOMY = "68.2901"
"""子宫肌瘤切除术: an additional operation."""
COMPLICATIONS = {
    "severe-pre-eclampsia": "O14.100",
    "placenta-praevia-with-haemorrhage": "O44.103",
    "amniotic-fluid-embolism": "O88.100",
    "acute-fatty-liver-of-pregnancy": "O26.607",
    "postpartum-acute-renal-failure": "O90.400",
    "uterine-rupture": "O71.100x001",
}
PPH = "O72.100"
"""即刻产后出血: counts only above 1,000 mL."""


Build = Callable[..., Encounter]
"""``vaginal`` or ``caesarean``: a delivery of that mode with extra codes."""


def manager() -> PluginManager:
    """The plugin registered by hand, so the tests run whether or not it is installed."""
    manager = PluginManager(autoload=False, strict=True)
    manager.register(plugin, "jiangsu-maternity", DIST, __version__)
    return manager


def price(encounter: Encounter, register: DeliveryRegister | None = None) -> PriceResult:
    pack = plugin.pack()
    pricer = MaternityPricer(pack) if register is None else MaternityPricer(pack, register)
    result = pricer.price(encounter, None, maternity_scheme(pack))
    assert_revalidates(result)
    return result


def vaginal(cost: str, *others: str, procedures: tuple[str, ...] = ()) -> Encounter:
    return coded_delivery([*VAGINAL, *others], procedures, cost=cost)


def caesarean(cost: str, *others: str, procedures: tuple[str, ...] = ()) -> Encounter:
    return coded_delivery([CAESAREAN[0], *others], [CAESAREAN[1], *procedures], cost=cost)


def register(
    encounter: Encounter, blood_loss: str | None = None, filed: bool = False
) -> DeliveryRegister:
    volume = None if blood_loss is None else Decimal(blood_loss)
    return DeliveryRegister({encounter.id: RegisterEntry(volume, filed)}, "test")


def test_a_vaginal_delivery_is_paid_3100_and_gains_400() -> None:
    result = price(vaginal("2700.00"))
    assert (result.group, result.method) == ("vaginal", "fixed-rate")
    assert (result.payment, result.balance) == (Decimal("3100.00"), Decimal("400.00"))
    assert result.payment_standard == Decimal("3100.00")
    assert result.formula == "payment = vaginal rate"
    assert result.inputs == {"total_cost": "2700.00", "rate": "3100.00"}
    assert "顺产（依据 O80.000 头位顺产）定额 3100.00 元" in result.explanation
    assert "结余 400.00 元" in result.explanation


def test_a_caesarean_is_paid_4900_and_loses_1500() -> None:
    result = price(caesarean("6400.00"))
    assert (result.group, result.method) == ("caesarean", "fixed-rate")
    assert (result.payment, result.balance) == (Decimal("4900.00"), Decimal("-1500.00"))
    assert "超支 1500.00 元" in result.explanation


@pytest.mark.parametrize(
    ("build", "payment", "formula"),
    [
        (vaginal, "3600.00", "payment = vaginal rate + additional-operation add-on"),
        (caesarean, "5400.00", "payment = caesarean rate + additional-operation add-on"),
    ],
)
def test_an_additional_operation_adds_500(build: Build, payment: str, formula: str) -> None:
    result = price(build("6000.00", procedures=(MYOMECTOMY,)))
    assert (result.payment, result.formula) == (Decimal(payment), formula)
    assert result.inputs["add_on"] == "500.00"
    assert "附加手术（68.2901 子宫肌瘤切除术）500.00 元" in result.explanation


def test_the_add_on_is_paid_once_however_many_additional_operations() -> None:
    result = price(caesarean("6000.00", procedures=(MYOMECTOMY, "65.3900x001")))
    assert result.payment == Decimal("5400.00")


@pytest.mark.parametrize("name", sorted(COMPLICATIONS))
@pytest.mark.parametrize("build", [vaginal, caesarean])
def test_a_low_frequency_complication_is_paid_its_cost(build: Build, name: str) -> None:
    result = price(build("18234.56", COMPLICATIONS[name], procedures=(MYOMECTOMY,)))
    assert (result.group, result.method) == ("complication", "itemised")
    assert (result.payment, result.balance) == (Decimal("18234.56"), Decimal("0.00"))
    assert result.payment_standard is None
    assert result.formula == "payment = total cost"
    title = plugin.pack().lists[name].title
    assert f"存在低频并发症 {title}（{COMPLICATIONS[name]}）" in result.explanation


@pytest.mark.parametrize(
    ("blood_loss", "channel", "payment"),
    [
        ("1000.01", "complication", "9800.00"),
        ("1000", "vaginal", "3100.00"),  # "> 1 000 mL": exactly 1,000 does not count
        ("450", "vaginal", "3100.00"),
        (None, "vaginal", "3100.00"),  # no volume registered: the pack's default
    ],
)
def test_a_postpartum_haemorrhage_counts_only_above_1000_ml(
    blood_loss: str | None, channel: str, payment: str
) -> None:
    encounter = vaginal("9800.00", PPH)
    result = price(encounter, register(encounter, blood_loss))
    assert (result.group, result.payment) == (channel, Decimal(payment))
    if channel == "vaginal":
        reason = "未登记出血量" if blood_loss is None else f"出血量 {blood_loss} mL 未超过 1000 mL"
        assert f"O72.100 即刻产后出血，其他的 {reason}" in result.explanation


def test_a_haemorrhage_without_volume_counts_when_the_pack_says_itemised() -> None:
    pack = replace(plugin.pack(), blood_loss_missing="itemised")
    decision = Classifier(pack).decide(vaginal("9800.00", PPH))
    assert decision.channel is Channel.COMPLICATION


def test_caesarean_evidence_wins_over_vaginal_codes() -> None:
    twins = coded_delivery(["O84.800", "Z37.200"], ["73.5900x002", "74.1x01"], cost="7000.00")
    assert price(twins).group == "caesarean"


def test_a_caesarean_delivery_diagnosis_alone_is_a_caesarean() -> None:
    result = price(coded_delivery(["O82.100"], cost="5000.00"))
    assert (result.group, result.payment) == ("caesarean", Decimal("4900.00"))


def test_an_episiotomy_alone_makes_a_vaginal_delivery() -> None:
    assert price(coded_delivery(["O34.200"], ["73.6x01"])).group == "vaginal"


def test_a_stay_that_is_not_a_delivery_is_unpricable() -> None:
    antenatal = coded_delivery(["O14.100"], cost="8000.00")  # severe pre-eclampsia, undelivered
    with pytest.raises(UnpricableError, match="not a delivery"):
        price(antenatal)


def test_a_filed_case_splits_its_lines_by_the_maternity_flag() -> None:
    charges = [
        charge_line(1, "2000.00", category=ChargeCategory.SURGERY),
        charge_line(2, "1500.00", category=ChargeCategory.WESTERN_MEDICINE, maternity=Flag.NO),
        charge_line(
            3, "-300.00", category=ChargeCategory.WESTERN_MEDICINE, maternity=None, refunds=2
        ),
        charge_line(4, "700.00", maternity=None),
        charge_line(5, "900.00", category=ChargeCategory.EXAMINATION, maternity=Flag.NO),
    ]
    encounter = coded_delivery(list(VAGINAL), charges=charges)
    split = split_charges(encounter, "maternity")
    # line 3 refunds basic line 2; line 4 has no flag: maternity by default
    assert (split.maternity_cost, split.basic_cost) == (Decimal("2700.00"), Decimal("2100.00"))
    assert (split.maternity_lines, split.basic_lines, split.unflagged_lines) == (2, 3, 1)
    basic = split_charges(encounter, "basic")
    assert (basic.maternity_cost, basic.basic_cost) == (Decimal("2000.00"), Decimal("2800.00"))

    pricer = MaternityPricer(plugin.pack(), register(encounter, filed=True))
    assessment = pricer.assess(encounter)
    assert assessment.filed is not None
    maternity, basic_part = assessment.filed.maternity, assessment.filed.basic
    assert (maternity.total_cost, maternity.payment) == (Decimal("2700.00"), Decimal("3100.00"))
    assert maternity.balance == Decimal("400.00")
    assert (basic_part.scheme, basic_part.method) == ("itemised", "itemised")
    assert (basic_part.total_cost, basic_part.payment) == (Decimal("2100.00"), Decimal("2100.00"))
    whole = assessment.price
    assert (whole.total_cost, whole.payment) == (Decimal("4800.00"), Decimal("5200.00"))
    assert whole.balance == Decimal("400.00")
    assert whole.inputs["maternity_cost"] == "2700.00"
    assert "疾病治疗费用 2100.00 元（3 条明细）由基本医疗保险按项目结算" in whole.explanation


def test_a_filed_case_without_charge_lines_cannot_be_split() -> None:
    encounter = vaginal("5000.00")
    with pytest.raises(UnpricableError, match="matn_fee_flag"):
        price(encounter, register(encounter, filed=True))


def test_the_scheme_is_registered_with_its_region_dates_and_source() -> None:
    registry = manager().registry
    scheme = registry.scheme(SCHEME)
    assert (scheme.region, scheme.pricer, scheme.grouper) == ("320100", SCHEME, None)
    assert scheme.effective_from == date(2018, 9, 1)
    assert "seed 000" in scheme.source
    assert scheme in registry.schemes_for("320100", date(2019, 3, 1))
    assert scheme not in registry.schemes_for("110000", date(2019, 3, 1))
    assert registry.problems() == []


def test_installed_distribution_is_discovered_through_its_entry_point() -> None:
    try:
        distribution(DIST)
    except PackageNotFoundError:
        pytest.skip(f"{DIST} is not installed: pip install -e plugins/jiangsu-maternity")
    manager = PluginManager(autoload=True, strict=False, allow=[DIST])
    info = next(info for info in manager.plugins() if info.name == "jiangsu-maternity")
    assert (info.distribution, info.version, info.status, info.errors) == (
        DIST,
        __version__,
        "loaded",
        [],
    )
    assert info.registers["schemes"] == [SCHEME]
    assert info.registers["commands"] == ["report maternity"]


class TestMaternityConformance(SchemeConformance):
    """The core's conformance kit on deliveries, registered by hand so it runs uninstalled."""

    scheme = SCHEME

    def plugin_manager(self) -> PluginManager:
        return manager()

    def encounter_strategy(self) -> st.SearchStrategy[Encounter]:
        return st.builds(
            lambda rng, index: delivery(rng, plugin.pack(), index=index).encounter,
            st.randoms(use_true_random=False),
            st.integers(0, 99_999),
        )


def test_synthetic_deliveries_are_valid_encounters() -> None:
    rng = random.Random(7)
    for index in range(20):
        encounter = delivery(rng, plugin.pack(), index=index).encounter
        assert Encounter.model_validate_json(encounter.model_dump_json()) == encounter

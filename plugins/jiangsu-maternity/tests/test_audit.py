"""The channel audit rules: each in both directions, with the money at stake (seed 000,
二(二)6: cases sent down the wrong channel at discharge, recovered by appeal)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from medins_plugin_jiangsu_maternity import __version__, plugin
from medins_plugin_jiangsu_maternity.audit import (
    MaternityRule,
    UndeclaredAddOnRule,
    UnsupportedComplicationRule,
    WrongChannelRule,
    maternity_rules,
)
from medins_plugin_jiangsu_maternity.channels import Classifier
from medins_plugin_jiangsu_maternity.deliveries import coded_delivery
from medins_plugin_jiangsu_maternity.pack import MaternityPack

from medins_sdk.audit import AuditRule, Knowledge
from medins_sdk.audit.engine import AuditEngine
from medins_sdk.codes import SettlementWay
from medins_sdk.models import Encounter, Finding
from medins_sdk.plugins import PluginManager
from medins_sdk.testing.audit import assert_rule_conforms

FIXED, ITEMISED = SettlementWay.FIXED_RATE, SettlementWay.ITEMISED
VAGINAL = ["O80.000", "Z37.000x001"]
CAESAREAN = (["O82.000"], ["74.1x01"])
PRE_ECLAMPSIA = "O14.100"


def check(
    rule: type[MaternityRule], encounter: Encounter, pack: MaternityPack | None = None
) -> list[Finding]:
    return rule(Classifier(pack or plugin.pack())).findings(encounter, "post")


def test_a_complication_settled_at_the_fixed_amount_can_be_appealed() -> None:
    encounter = coded_delivery([*VAGINAL, PRE_ECLAMPSIA], cost="18000.00", settled=FIXED)
    [finding] = check(WrongChannelRule, encounter)
    assert (finding.rule, finding.severity, finding.stage) == (
        "jiangsu-maternity.wrong-channel",
        "warn",
        "post",
    )
    assert finding.amount == Decimal("14900.00")  # cost 18,000 − 顺产 3,100
    assert finding.evidence == {
        "settled": "02",
        "qualified": "01",
        "channel": "complication",
        "codes": [PRE_ECLAMPSIA],
        "difference": "14900.00",
    }
    assert "存在低频并发症 重度子痫前期（O14.100）" in finding.message
    assert "少收 14900.00 元" in finding.message


@pytest.mark.parametrize(
    ("cost", "difference", "words"),
    [
        ("5000.00", "-1900.00", "多收 1900.00 元，将被追回"),
        ("2700.00", "400.00", "少收 400.00 元"),
    ],
)
def test_a_case_without_complication_settled_at_cost_contradicts_its_codes(
    cost: str, difference: str, words: str
) -> None:
    [finding] = check(WrongChannelRule, coded_delivery(VAGINAL, cost=cost, settled=ITEMISED))
    assert finding.evidence["difference"] == difference
    assert finding.amount == abs(Decimal(difference))
    assert "应按顺产定额 3100.00 元结算（02）" in finding.message
    assert words in finding.message


def test_a_haemorrhage_without_volume_settled_at_cost_says_why() -> None:
    encounter = coded_delivery([*VAGINAL, "O72.100"], cost="9800.00", settled=ITEMISED)
    [finding] = check(WrongChannelRule, encounter)
    assert "O72.100 即刻产后出血，其他的 未登记出血量" in finding.message
    assert finding.evidence["difference"] == "-6700.00"


@pytest.mark.parametrize(
    ("codes", "settled"),
    [(VAGINAL, FIXED), ([*VAGINAL, PRE_ECLAMPSIA], ITEMISED), ([*VAGINAL, PRE_ECLAMPSIA], None)],
)
def test_the_right_channel_or_no_settlement_is_no_finding(
    codes: list[str], settled: SettlementWay | None
) -> None:
    assert check(WrongChannelRule, coded_delivery(codes, settled=settled)) == []


def test_an_additional_operation_only_on_the_front_page_is_500_to_recover() -> None:
    diagnoses, procedures = CAESAREAN
    encounter = coded_delivery(
        diagnoses, procedures, settled=FIXED, recorded=(diagnoses, [*procedures, "68.2901"])
    )
    [finding] = check(UndeclaredAddOnRule, encounter)
    assert (finding.rule, finding.amount) == ("jiangsu-maternity.undeclared-add-on", Decimal(500))
    assert finding.evidence["codes"] == ["68.2901"]
    assert finding.evidence["difference"] == "500.00"
    assert "病案首页记录附加手术 68.2901 子宫肌瘤切除术，结算清单未申报" in finding.message


@pytest.mark.parametrize(
    ("declared", "recorded"),
    [
        (["74.1x01", "68.2901"], ["74.1x01", "68.2901"]),  # declared
        (["74.1x01"], ["74.1x01"]),  # none recorded
    ],
)
def test_a_declared_or_absent_add_on_is_no_finding(
    declared: list[str], recorded: list[str]
) -> None:
    encounter = coded_delivery(["O82.000"], declared, recorded=(["O82.000"], recorded))
    assert check(UndeclaredAddOnRule, encounter) == []


def test_an_add_on_does_not_matter_to_a_case_settled_at_cost() -> None:
    codes = ["O82.000", PRE_ECLAMPSIA]
    encounter = coded_delivery(codes, ["74.1x01"], recorded=(codes, ["74.1x01", "68.2901"]))
    assert check(UndeclaredAddOnRule, encounter) == []


def test_a_complication_the_front_page_does_not_record_is_unsupported() -> None:
    encounter = coded_delivery(
        [*VAGINAL, PRE_ECLAMPSIA], cost="12000.00", settled=ITEMISED, recorded=(VAGINAL, [])
    )
    [finding] = check(UnsupportedComplicationRule, encounter)
    assert finding.rule == "jiangsu-maternity.unsupported-complication"
    assert finding.evidence["difference"] == "-8900.00"  # 3,100 if refused, against 12,000
    assert "O14.100 重度先兆子痫 在病案首页无相应诊断" in finding.message


def test_a_complication_the_front_page_records_is_supported() -> None:
    codes = [*VAGINAL, PRE_ECLAMPSIA]
    encounter = coded_delivery(codes, settled=ITEMISED, recorded=(codes, []))
    assert check(UnsupportedComplicationRule, encounter) == []


def test_one_supported_complication_carries_the_claim() -> None:
    codes = [*VAGINAL, PRE_ECLAMPSIA, "O44.103"]
    encounter = coded_delivery(codes, recorded=([*VAGINAL, "O44.103"], []))
    assert check(UnsupportedComplicationRule, encounter) == []


def test_a_haemorrhage_counted_without_volume_is_unsupported() -> None:
    encounter = coded_delivery([*VAGINAL, "O72.100"], cost="9800.00")
    counted = replace(plugin.pack(), blood_loss_missing="itemised")
    [finding] = check(UnsupportedComplicationRule, encounter, counted)
    assert "O72.100 即刻产后出血，其他的 未登记出血量，仅凭编码按实际结算" in finding.message
    assert check(UnsupportedComplicationRule, encounter) == []  # default: not counted at all


def test_a_stay_that_is_not_a_delivery_gets_no_finding() -> None:
    antenatal = coded_delivery([PRE_ECLAMPSIA], settled=FIXED, recorded=(["O80.000"], []))
    for rule in maternity_rules(Classifier(plugin.pack())):
        assert rule.findings(antenatal, "during") == []


def test_the_rules_are_registered_through_the_audit_hook() -> None:
    manager = PluginManager(autoload=False, strict=True)
    manager.register(plugin, "jiangsu-maternity", "medins-plugin-jiangsu-maternity", __version__)
    registered = manager.registry.audit_rules
    ours = sorted(
        (rule for rule in registered.values() if rule.id.startswith("jiangsu-")),
        key=lambda rule: rule.id,
    )
    assert [rule.id for rule in ours] == [
        "jiangsu-maternity.undeclared-add-on",
        "jiangsu-maternity.unsupported-complication",
        "jiangsu-maternity.wrong-channel",
    ]
    for rule in ours:
        assert isinstance(rule, AuditRule)
        assert rule.stages == {"during", "post"}
        assert rule.name
    encounter = coded_delivery([*VAGINAL, PRE_ECLAMPSIA], cost="18000.00", settled=FIXED)
    engine = AuditEngine(ours, Knowledge())
    [finding] = engine.check(encounter, "during")
    assert (finding.rule, finding.stage) == ("jiangsu-maternity.wrong-channel", "during")


def test_the_rules_keep_the_audit_contract() -> None:
    cases = [
        coded_delivery([*VAGINAL, PRE_ECLAMPSIA], cost="18000.00", settled=FIXED),
        coded_delivery(VAGINAL, cost="5000.00", settled=ITEMISED),
    ]
    for rule in maternity_rules(Classifier(plugin.pack())):
        assert_rule_conforms(rule, cases, Knowledge())

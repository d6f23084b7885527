"""Audit rules: the "wrong channel" losses seed 000's hospital recovered by appeal.

At discharge a delivery is settled down one channel (``psn_setlway`` of 2304: 01 at actual
cost, 02 at the fixed amount); the settlement list (4101, "申报") declares its codes; the
front page (4401) is the hospital's coded record. Three rules compare them:

- ``jiangsu-maternity.wrong-channel``: the channel settled contradicts the channel the
  settlement list's codes qualify for, in either direction;
- ``jiangsu-maternity.undeclared-add-on``: the front page records an additional operation
  that the settlement list does not declare, so the fixed amount lacks the add-on;
- ``jiangsu-maternity.unsupported-complication``: a case claimed at actual cost rests only on
  complications the record does not support (no matching front-page diagnosis, or a
  haemorrhage counted without a registered volume).

Each finding carries the money at stake; ``evidence["difference"]`` is signed: what the codes
support minus what the case is settled or declared under (+ recoverable by appeal, − to be
paid back). The rules never fire together on the same money: the first needs the settled
channel to differ from the decision, the third needs them to agree (or no settlement yet),
and the second adds to the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from medins_plugin_jiangsu_maternity.channels import (
    Classifier,
    Decision,
    Hit,
    codes_text,
    complications_text,
    set_aside_text,
)
from medins_plugin_jiangsu_maternity.pack import MaternityPack
from medins_sdk.audit import AuditCase, Parameter, Params, Scope
from medins_sdk.codes import SettlementWay, icd9_crosswalk, icd10_crosswalk
from medins_sdk.models import Encounter, EvidenceValue, Finding, FrontPage, Severity, Stage

PREFIX: Final = "jiangsu-maternity."


@dataclass(frozen=True, slots=True)
class ChannelError:
    """One rule's finding on one case, before it becomes a :class:`Finding`."""

    rule: str
    difference: Decimal
    """Payment the codes support − payment settled or declared: + recoverable, − to repay."""
    message: str
    evidence: dict[str, EvidenceValue]


def money_text(difference: Decimal) -> str:
    """What the difference means for the hospital, in words."""
    if difference > 0:
        return f"，少收 {difference:.2f} 元"
    if difference < 0:
        return f"，多收 {-difference:.2f} 元，将被追回"
    return "，金额相同"


def settled_way(encounter: Encounter) -> SettlementWay | None:
    """The channel the case was settled under (``psn_setlway``), if known."""
    settlement = encounter.settlement
    return None if settlement is None else settlement.info.settlement_way


def _codes(hits: tuple[Hit, ...]) -> list[str]:
    return [hit.code for hit in hits]


class MaternityRule:
    """What the three rules share: stages, severity, the decision and the findings' shape."""

    id: str = ""
    name: str = ""
    description: str = ""
    stages: frozenset[Stage] = frozenset(("during", "post"))
    """At discharge settlement (事中) and in the monthly review (事后)."""
    severity: Severity = "warn"
    scope: Scope = "encounter"
    source = "seed 000 二(二)6 (南京, 2018–2019): wrong-channel cases recovered by appeal"
    parameters: tuple[Parameter, ...] = ()
    knowledge: tuple[str, ...] = ()
    """The rules read the plugin's own rate pack, not audit knowledge tables."""

    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier

    @property
    def pack(self) -> MaternityPack:
        return self.classifier.pack

    def check(self, case: AuditCase, params: Params) -> list[Finding]:
        """The rule's findings on the case's encounter (the audit contract)."""
        return self.findings(case.encounter, case.stage)

    def findings(self, encounter: Encounter, stage: Stage) -> list[Finding]:
        """The rule's findings on ``encounter`` at ``stage``."""
        decision = self.classifier.decide(encounter)
        cost = encounter.total_cost
        if not decision.is_delivery or cost is None:
            return []
        return [
            Finding(
                id=encounter.id,
                rule=error.rule,
                severity=self.severity,
                stage=stage,
                amount=abs(error.difference),
                message=error.message,
                evidence={**error.evidence, "difference": f"{error.difference:.2f}"},
            )
            for error in self.errors(encounter, decision, cost)
        ]

    def errors(self, encounter: Encounter, decision: Decision, cost: Decimal) -> list[ChannelError]:
        """The rule's errors on a delivery costing ``cost`` (the report passes a filed case's
        maternity part)."""
        raise NotImplementedError


class WrongChannelRule(MaternityRule):
    """Settled at the fixed amount with a qualifying complication, or at cost without one."""

    id = PREFIX + "wrong-channel"
    name = "生育保险结算通道与诊断不符"
    description = (
        "A delivery settled at the fixed amount with a qualifying low-frequency complication, "
        "or at actual cost without one."
    )

    def errors(self, encounter: Encounter, decision: Decision, cost: Decimal) -> list[ChannelError]:
        settled = settled_way(encounter)
        qualified = SettlementWay.ITEMISED if decision.itemised else SettlementWay.FIXED_RATE
        if settled is None or settled is qualified:
            return []
        paid = cost if settled is SettlementWay.ITEMISED else decision.fixed_amount
        difference = decision.payment(cost) - paid
        assert decision.mode is not None
        if decision.itemised:
            message = (
                f"存在低频并发症 {complications_text(decision.complications)}，应按实际费用结算"
                f"（个人结算方式 01），本例按定额（02）结算{money_text(difference)}："
                "请联系责任医疗组说明情况，向医保经办机构申诉补偿。"
            )
        else:
            why = "；".join(set_aside_text(item) for item in decision.set_aside)
            message = (
                f"无可按实际结算的低频并发症诊断{f'（{why}）' if why else ''}，应按"
                f"{decision.mode.label}定额 {decision.fixed_amount:.2f} 元结算（02），"
                f"本例按实际费用（01）结算{money_text(difference)}：请核对诊断或改按定额结算。"
            )
        evidence: dict[str, EvidenceValue] = {
            "settled": settled.value,
            "qualified": qualified.value,
            "channel": str(decision.channel),
            "codes": _codes(decision.complications or decision.evidence),
        }
        return [ChannelError(self.id, difference, message, evidence)]


def _insurance_codes(code: str, system: str) -> tuple[str, ...]:
    """A front-page (clinical edition) code in the insurance edition, or itself if unmapped."""
    crosswalk = icd10_crosswalk() if system == "icd10" else icd9_crosswalk()
    return crosswalk.map(code) or (code,)


class UndeclaredAddOnRule(MaternityRule):
    """An additional operation on the front page that the settlement list does not declare."""

    id = PREFIX + "undeclared-add-on"
    name = "附加手术未申报"
    description = (
        "The front page records an additional operation the settlement list does not declare: "
        "the fixed amount lacks its add-on."
    )

    def errors(self, encounter: Encounter, decision: Decision, cost: Decimal) -> list[ChannelError]:
        page = encounter.front_page
        if page is None or decision.itemised or decision.add_ons:
            return []
        recorded = [
            (operation.code, code)
            for operation in page.operations
            for code in _insurance_codes(operation.code, "icd9cm3")
            if (found := self.pack.procedures.get(code)) and found.role == "additional-operation"
        ]
        if not recorded:
            return []
        names = "、".join(f"{code} {self.pack.code_name(code)}" for _, code in recorded)
        message = (
            f"病案首页记录附加手术 {names}，结算清单未申报：定额少计附加手术 "
            f"{self.pack.add_on:.2f} 元。请补充结算清单手术操作信息后上传；已结算的向医保"
            "经办机构申诉补偿。"
        )
        evidence: dict[str, EvidenceValue] = {
            "record_codes": [record for record, _ in recorded],
            "codes": [code for _, code in recorded],
        }
        return [ChannelError(self.id, self.pack.add_on, message, evidence)]


class UnsupportedComplicationRule(MaternityRule):
    """Claimed at cost on complications that nothing in the record supports."""

    id = PREFIX + "unsupported-complication"
    name = "低频并发症缺少诊断依据"
    description = (
        "A case claimed at actual cost on complications the record does not support (no "
        "front-page diagnosis, or a haemorrhage without a registered volume)."
    )

    def errors(self, encounter: Encounter, decision: Decision, cost: Decimal) -> list[ChannelError]:
        if not decision.itemised or settled_way(encounter) is SettlementWay.FIXED_RATE:
            return []
        recorded = None if encounter.front_page is None else self._recorded(encounter.front_page)
        reasons = []
        for hit in decision.complications:
            if hit.list.blood_loss_above_ml is not None and (
                self.classifier.blood_loss(encounter.id) is None
            ):
                reasons.append(f"{codes_text([hit])} 未登记出血量，仅凭编码按实际结算")
            elif recorded is not None and hit.list.name not in recorded:
                reasons.append(f"{codes_text([hit])} 在病案首页无相应诊断")
            else:
                return []  # one supported complication carries the claim
        assert decision.mode is not None
        difference = decision.fixed_amount - cost
        message = (
            f"按实际费用结算所依据的低频并发症缺少支持：{'；'.join(reasons)}。若不被认可，按"
            f"{decision.mode.label}定额 {decision.fixed_amount:.2f} 元结算"
            f"{money_text(difference)}：请补充病历依据（诊断、分娩记录出血量）或改按定额结算。"
        )
        evidence: dict[str, EvidenceValue] = {"codes": _codes(decision.complications)}
        return [ChannelError(self.id, difference, message, evidence)]

    def _recorded(self, page: FrontPage) -> set[str]:
        """Names of the complication lists the front page's diagnoses fall in."""
        return {
            found.name
            for diagnosis in page.diagnoses
            for code in _insurance_codes(diagnosis.code, "icd10")
            if (found := self.pack.diagnoses.get(code)) and found.role == "complication"
        }


def maternity_rules(classifier: Classifier) -> tuple[MaternityRule, ...]:
    """The plugin's three rules, sharing one classifier."""
    return (
        WrongChannelRule(classifier),
        UndeclaredAddOnRule(classifier),
        UnsupportedComplicationRule(classifier),
    )

"""Restricted payment (超限定支付): drugs the insurance pays only under conditions.

Seed 001: "超医保限定条件支付" is a main drug risk point; West China Hospital's example — a
restricted antibiotic needs a bacterial culture or susceptibility order; without one the doctor
is warned and the patient told the drug may be self-paid. Both rules warn (the doctor may still
prescribe) and carry the notice for the patient in ``evidence["patient_notice"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

from medins_sdk.audit.params import Params
from medins_sdk.audit.rules.base import Rule
from medins_sdk.audit.view import AuditCase
from medins_sdk.models import Finding


def self_pay_notice(drug: str, reason: str) -> str:
    """The message pushed to the patient: the drug may be self-paid, and why (seed 001)."""
    return (
        f"您本次使用的 {drug} 为医保限制支付药品，{reason}，暂不满足医保报销条件，相关费用可能需要"
        "自费。如有疑问请咨询主管医生或医保办。"
    )


class RestrictedDrugRule(Rule):
    """A restricted drug without a diagnosis that meets its restriction."""

    id = "pay.restricted-drug"
    name = "限定支付药品无符合限定的诊断"
    description = (
        "A drug the insurance pays only for some conditions (限定支付范围), in an encounter "
        "with no diagnosis that meets the restriction: the drug's lines may be refused."
    )
    severity = "warn"
    scope = "encounter"
    source = (
        "seed 001 (超医保限定条件支付); restrictions as in the national drug list "
        "(国家医保药品目录 限定支付范围); knowledge table restricted_drugs"
    )
    knowledge = ("restricted_drugs",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        drugs = case.knowledge.restricted_drugs
        for code, positions in case.by_code(drugs):
            drug = drugs[code]
            if any(d.startswith(drug.qualifying) for d in case.diagnoses):
                continue
            name = case.label(code)
            yield self.found(
                case,
                positions,
                case.sum(positions),
                f"{name} 医保限定支付：{drug.restriction}。本次就诊无符合限定的诊断（"
                f"{'、'.join(drug.qualifying)}）：请补充诊断依据，否则须告知患者该药自费。",
                {
                    "code": code,
                    "qualifying": list(drug.qualifying),
                    "diagnoses": list(case.diagnosis_codes),
                    "patient_notice": self_pay_notice(name, "本次就诊的诊断不在其限定范围内"),
                },
            )


class AntibioticCultureRule(Rule):
    """A restricted antibiotic without a culture or susceptibility order (seed 001)."""

    id = "pay.antibiotic-culture"
    name = "限制级抗菌药物无病原学送检"
    description = (
        "A restricted (special-use) antibiotic in an encounter with no bacterial culture or "
        "susceptibility test ordered: the insurance's evidence for paying it is missing."
    )
    severity = "warn"
    scope = "encounter"
    source = (
        "seed 001 (华西医院: 下抗生素医嘱时系统自动搜索细菌培养或药敏试验医嘱, 无则提示并向患者推送"
        "自费可能); knowledge table items (tags restricted-antibiotic, culture-test)"
    )
    knowledge = ("items",)

    def check(self, case: AuditCase, params: Params) -> Iterator[Finding]:
        tagged = case.knowledge.tagged
        antibiotics = case.by_code(tagged["restricted-antibiotic"])
        if not antibiotics or case.by_code(tagged["culture-test"]):
            return
        for code, positions in antibiotics:
            name = case.label(code)
            yield self.found(
                case,
                positions,
                case.sum(positions),
                f"{name} 为限制使用级抗菌药物，本次就诊未见细菌培养或药敏试验医嘱：请开具病原学"
                "送检医嘱；如需先行使用，请记录用药依据，并告知患者可能自费。",
                {
                    "code": code,
                    "patient_notice": self_pay_notice(
                        name, "尚未提交细菌培养或药敏试验等医保报销所需证明"
                    ),
                },
            )


def restricted_rules() -> list[Rule]:
    """The restricted-payment rules."""
    return [RestrictedDrugRule(), AntibioticCultureRule()]

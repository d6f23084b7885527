"""The audit test kit: encounters to write rule tests with, and a conformance check for rules.

Plugin authors write a rule's "fires" and "near miss" examples from :func:`clean` stays with
lines added (:func:`add`, :func:`line`) or list fields changed (:func:`info`, :func:`listing`),
and run :func:`assert_rule_conforms` on their rules: findings name only the rule and lines
of the encounter, the amount at risk stays within the encounter's total, and the result does
not depend on the order of the lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from random import Random
from typing import Any, get_args

from medins_sdk import synthetic
from medins_sdk.audit import AuditRule
from medins_sdk.audit.engine import AuditEngine
from medins_sdk.audit.knowledge import Knowledge, load_knowledge, national_pack
from medins_sdk.audit.params import Scope
from medins_sdk.audit.rules import national_rules
from medins_sdk.models import ChargeLine, Encounter, Finding, Stage

SCOPES = frozenset(get_args(Scope))


@cache
def knowledge() -> Knowledge:
    """The national pack, loaded once."""
    return load_knowledge([national_pack()])


def engine(*only: str) -> AuditEngine:
    """The national rules (only ``only`` when given) over the national pack."""
    return AuditEngine(national_rules(), knowledge(), only=only or None)


def clean(seed: int = 1, lines: int = 20, **kw: Any) -> Encounter:
    """A generated stay that passes every national rule."""
    return synthetic.audit_encounter(Random(seed), index=seed, lines=lines, **kw)


def line(
    encounter: Encounter,
    code: str,
    when: datetime | None = None,
    *,
    price: str = "10.00",
    quantity: str = "1",
    number: str | None = None,
    **fields: Any,
) -> ChargeLine:
    """A standing line of ``code`` in ``encounter`` (at admission + 1 h by default)."""
    info = encounter.settlement_list.info
    assert info.admission_time is not None
    amount = Decimal(price) * Decimal(quantity)
    return ChargeLine(
        line_no=number or f"T{len(encounter.charges) + 1}",
        time=when or info.admission_time + timedelta(hours=1),
        catalogue_code=code,
        hospital_code=f"H-{code}",
        amount=fields.pop("amount", amount),
        quantity=Decimal(quantity),
        price=Decimal(price),
        doctor_code=fields.pop("doctor_code", "D1001"),
        **fields,
    )


def add(encounter: Encounter, *lines: ChargeLine) -> Encounter:
    """``encounter`` with ``lines`` appended (numbers made unique)."""
    charges = list(encounter.charges)
    for extra in lines:
        number = extra.line_no if extra.line_no.isdigit() else str(len(charges) + 1)
        charges.append(extra.model_copy(update={"line_no": number}))
    return encounter.model_copy(update={"charges": charges})


def info(encounter: Encounter, **changes: Any) -> Encounter:
    """``encounter`` with settlement-list base information changed (no re-validation)."""
    listing = encounter.settlement_list
    new_info = listing.info.model_copy(update=changes)
    return encounter.model_copy(
        update={"settlement_list": listing.model_copy(update={"info": new_info})}
    )


def listing(encounter: Encounter, **changes: Any) -> Encounter:
    """``encounter`` with settlement-list parts replaced (no re-validation)."""
    return encounter.model_copy(
        update={"settlement_list": encounter.settlement_list.model_copy(update=changes)}
    )


def findings(rule: str, encounter: Encounter, stage: Stage = "during") -> list[Finding]:
    """The findings of one rule on one encounter."""
    return engine(rule).check(encounter, stage)


def assert_rule_conforms(
    rule: AuditRule, encounters: Sequence[Encounter], knowledge_used: Knowledge | None = None
) -> None:
    """The invariants every audit rule keeps, checked on ``encounters`` at each of its stages.

    The rule's declaration is complete; every finding names the rule, the encounter, its
    stage and lines of the encounter; the amount at risk is within the encounter's total; the
    same findings come out with the lines reversed and shuffled, and twice in a row.
    """
    for declared in (rule.id, rule.name, rule.description, rule.source):
        assert declared, f"{rule!r} declares an empty id, name, description or source"
    assert rule.stages, rule
    assert rule.stages <= {"pre", "during", "post"}, rule.stages
    assert rule.severity in ("block", "warn", "info"), rule.severity
    assert rule.scope in SCOPES, rule.scope
    used = knowledge_used or knowledge()
    audit = AuditEngine([rule], used)
    for encounter in encounters:
        numbers = {charge.line_no for charge in encounter.charges}
        total = encounter.total_cost or Decimal(0)
        for stage in sorted(rule.stages - {"pre"}):
            found = audit.check(encounter, stage)
            for finding in found:
                assert (finding.id, finding.rule, finding.stage) == (encounter.id, rule.id, stage)
                assert set(finding.lines) <= numbers, finding.lines
                assert finding.amount is None or finding.amount <= max(total, Decimal(0))
            shuffled = list(encounter.charges)
            Random(encounter.id).shuffle(shuffled)
            for charges in (shuffled, encounter.charges[::-1]):
                again = audit.check(encounter.model_copy(update={"charges": charges}), stage)
                assert again == found, (rule.id, encounter.id)
            assert audit.check(encounter, stage) == found

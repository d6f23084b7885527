"""Batch patterns (事后): one person in two hospitals at once, the year-end rush, a doctor's
jump in high-value materials (seed 001: 冒名就医, 年底突击消费; seed 003: tracing to the
person who ordered). Worked on summaries, and once end to end over encounters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from medins_sdk.audit.params import Params
from medins_sdk.audit.rules.batch import MaterialSurgeRule, OverlappingStaysRule, YearEndRushRule
from medins_sdk.audit.view import CaseSummary
from medins_sdk.models import Finding
from medins_sdk.testing.audit import clean, engine, info


def summary(
    id: str,
    *,
    person: str = "P1",
    institution: str = "H1",
    stay: tuple[date, date] | None = None,
    daily: dict[date, str] | None = None,
    materials: dict[str, str] | None = None,
    doctors: tuple[str, ...] = ("D1",),
    month: str | None = None,
) -> CaseSummary:
    spent = {day: Decimal(amount) for day, amount in (daily or {}).items()}
    return CaseSummary(
        id=id,
        person=person,
        institution=institution,
        admission=stay[0] if stay else None,
        discharge=stay[1] if stay else None,
        total=sum(spent.values(), Decimal(0)) or Decimal("100000.00"),
        daily=tuple(sorted(spent.items())),
        materials=tuple(
            (doctor, Decimal(amount), (f"{id}-1",)) for doctor, amount in (materials or {}).items()
        ),
        doctors=doctors,
        month=month,
    )


def _run(
    rule: OverlappingStaysRule | YearEndRushRule | MaterialSurgeRule, batch: list[CaseSummary]
) -> list[Finding]:
    return list(rule.check_batch(batch, Params.resolve(rule.parameters, {})))


JAN = date(2024, 1, 10)


def test_overlapping_stays_in_two_hospitals_are_reported_on_both() -> None:
    a = summary(
        "A",
        institution="H1",
        stay=(JAN, JAN + timedelta(days=5)),
        daily={JAN + timedelta(days=3): "300.00"},
    )
    b = summary("B", institution="H2", stay=(JAN + timedelta(days=3), JAN + timedelta(days=8)))
    found = _run(OverlappingStaysRule(), [b, a])
    assert sorted((f.id, f.evidence["other"]) for f in found) == [("A", "B"), ("B", "A")]
    assert next(f for f in found if f.id == "A").amount == Decimal("300.00")


def test_a_same_day_transfer_and_one_hospital_are_not_overlaps() -> None:
    a = summary("A", institution="H1", stay=(JAN, JAN + timedelta(days=5)))
    transfer = summary(
        "B", institution="H2", stay=(JAN + timedelta(days=5), JAN + timedelta(days=9))
    )
    readmitted = summary(
        "C", institution="H1", stay=(JAN + timedelta(days=2), JAN + timedelta(days=4))
    )
    other_person = summary("D", person="P2", institution="H3", stay=(JAN, JAN + timedelta(days=5)))
    assert _run(OverlappingStaysRule(), [a, transfer, readmitted, other_person]) == []


def _year(rush: str) -> list[CaseSummary]:
    monthly = [summary(f"M{m}", daily={date(2024, m, 15): "1000.00"}) for m in range(1, 12)]
    return [*monthly, summary("DEC", daily={date(2024, 12, 20): rush})]


def test_a_year_end_rush_far_above_the_patients_own_baseline_is_reported() -> None:
    # 11 000 over the 338 days before the window: a 28-day baseline of 911.24.
    [finding] = _run(YearEndRushRule(), _year("9000.00"))
    assert (finding.id, finding.amount) == ("DEC", Decimal("9000.00"))
    assert finding.evidence["baseline"] == "911.24"


def test_spending_at_the_usual_pace_in_december_is_not_a_rush() -> None:
    assert _run(YearEndRushRule(), _year("1500.00")) == []


def _doctor_months(last: str) -> list[CaseSummary]:
    batch = []
    for month, per_case in (("2024-01", "1000.00"), ("2024-02", "1200.00"), ("2024-03", last)):
        for n in range(3):
            batch.append(
                summary(f"{month}-{n}", materials={"D7": per_case}, doctors=("D7",), month=month)
            )
    return batch


def test_a_doctors_jump_in_high_value_materials_is_traced_to_the_doctor() -> None:
    found = _run(MaterialSurgeRule(), _doctor_months("3000.00"))
    assert [f.id for f in found] == ["2024-03-0", "2024-03-1", "2024-03-2"]
    assert found[0].evidence == {
        "doctor": "D7",
        "month": "2024-03",
        "per_case": "3000.00",
        "baseline": "1100.00",
    }
    assert "开单医生 D7" in found[0].message


def test_a_moderate_rise_in_materials_is_not_reported() -> None:
    assert _run(MaterialSurgeRule(), _doctor_months("2000.00")) == []


def test_the_post_batch_runs_per_encounter_rules_then_batch_patterns() -> None:
    first = clean(seed=11)
    second = info(
        clean(seed=12), person_no=first.settlement_list.info.person_no, institution_code="H99"
    )
    admitted = first.settlement_list.info.admission_time
    assert admitted is not None
    second = info(
        second, admission_time=admitted, discharge_time=first.settlement_list.info.discharge_time
    )
    found = list(engine().check_batch([first, second]))
    assert {(f.id, f.rule) for f in found} >= {
        (first.id, "batch.overlapping-stays"),
        (second.id, "batch.overlapping-stays"),
    }
    assert all(f.stage == "post" for f in found)

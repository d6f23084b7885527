"""Charging and restricted-payment rules: each fires on a worked case and not on its near
miss (seed 001's risk points: 重复收费, 分解收费, 超标准收费, 死亡人员就医, 超限定支付; the
antibiotic rule of West China Hospital)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from medins_sdk.codes.tables import DischargeWay, Gender
from medins_sdk.models import Encounter
from medins_sdk.testing.audit import add, clean, engine, findings, info, line, listing


def _stay() -> Encounter:
    return clean(seed=2)


def _without_antibiotics() -> Encounter:
    stay = _stay()
    kept = [c for c in stay.charges if c.catalogue_code not in ("EX-LAB-CULT", "EX-DRUG-MEM")]
    return stay.model_copy(update={"charges": kept})


def test_the_same_item_at_the_same_time_twice_is_a_duplicate() -> None:
    stay = _stay()
    first = stay.charges[-1]
    twice = add(stay, first.model_copy(update={"line_no": "900"}))
    [finding] = findings("charge.duplicate", twice)
    assert finding.lines == [first.line_no, "900"]
    assert finding.amount == first.amount
    a_second_later = first.model_copy(
        update={"line_no": "900", "time": first.time + timedelta(seconds=1)}
    )
    assert findings("charge.duplicate", add(stay, a_second_later)) == []


def test_a_duplicate_put_right_by_its_refund_is_not_reported() -> None:
    stay = _stay()
    first = stay.charges[-1]
    copy = first.model_copy(update={"line_no": "900"})
    refund = first.model_copy(
        update={
            "line_no": "901",
            "original_line_no": "900",
            "amount": -first.amount,
            "quantity": -first.quantity,
        }
    )
    assert findings("charge.duplicate", add(stay, copy, refund)) == []


def test_two_beds_on_one_day_exceed_the_daily_limit() -> None:
    stay = _stay()
    bed = next(c for c in stay.charges if c.catalogue_code == "EX-BED-01")
    extra = line(stay, "EX-BED-01", bed.time + timedelta(minutes=5), price="50.00")
    [finding] = findings("charge.daily-limit", add(stay, extra))
    assert finding.amount == Decimal("50.00")
    assert findings("charge.daily-limit", stay) == []


def test_more_bed_days_than_days_of_stay_are_blocked() -> None:
    stay = _stay()
    discharged = stay.settlement_list.info.discharge_time
    assert discharged is not None
    icu = line(stay, "EX-BED-02", discharged - timedelta(minutes=1), price="180.00")
    [finding] = findings("charge.days-beyond-stay", add(stay, icu))
    assert finding.evidence["group"] == "床位"
    assert finding.amount == Decimal("50.00")  # one day too many, at the lowest bed price
    assert findings("charge.days-beyond-stay", stay) == []


def test_a_charge_the_day_after_discharge_is_blocked() -> None:
    stay = _stay()
    discharged = stay.settlement_list.info.discharge_time
    assert discharged is not None
    late = line(stay, "X1", discharged + timedelta(days=1))
    [finding] = findings("charge.after-discharge", add(stay, late))
    assert finding.amount == Decimal("10.00")
    same_day = line(stay, "X1", discharged.replace(hour=23, minute=59))
    assert findings("charge.after-discharge", add(stay, same_day)) == []


def test_a_charge_after_death_is_blocked_but_post_mortem_care_is_not() -> None:
    died = info(_stay(), discharge_way=DischargeWay.DEATH)
    death = died.settlement_list.info.discharge_time
    assert death is not None
    after = line(died, "X1", death + timedelta(minutes=30))
    [finding] = findings("charge.after-discharge", add(died, after))
    assert "死亡" in finding.message
    care = line(died, "EX-CARE-BODY", death + timedelta(minutes=30))
    assert findings("charge.after-discharge", add(died, care)) == []


def test_an_amount_off_by_more_than_a_cent_is_blocked() -> None:
    stay = _stay()
    wrong = line(stay, "X1", price="12.50", quantity="2", amount=Decimal("25.02"))
    [finding] = findings("charge.amount-mismatch", add(stay, wrong))
    assert (finding.amount, finding.evidence["expected"]) == (Decimal("0.02"), "25.00")
    cent = line(stay, "X1", price="12.50", quantity="2", amount=Decimal("25.01"))
    assert findings("charge.amount-mismatch", add(stay, cent)) == []


def test_a_refund_without_its_original_line_warns() -> None:
    stay = _stay()
    orphan = line(stay, "X1", price="5.00", quantity="-1", original_line_no="NOPE")
    [finding] = findings("charge.orphan-refund", add(stay, orphan))
    assert (finding.severity, finding.amount) == ("warn", None)
    matched = line(
        stay, "X1", price="5.00", quantity="-1", original_line_no=stay.charges[0].line_no
    )
    assert findings("charge.orphan-refund", add(stay, matched)) == []


def test_a_price_above_the_ceiling_is_blocked() -> None:
    stay = _stay()
    dear = line(stay, "EX-BED-01", price="60.01", quantity="2")
    [finding] = findings("charge.price-ceiling", add(stay, dear))
    assert finding.amount == Decimal("0.02")
    assert findings("charge.price-ceiling", add(stay, line(stay, "EX-BED-01", price="60.00"))) == []
    answered = line(stay, "X1", price="30.00", price_ceiling=Decimal("25.00"))
    assert findings("charge.price-ceiling", add(stay, answered))[0].amount == Decimal("5.00")


def test_a_sex_restricted_item_on_the_other_sex_is_blocked() -> None:
    woman = info(_stay(), gender=Gender.FEMALE)
    [finding] = findings("charge.sex-restricted-item", add(woman, line(woman, "EX-LAB-PSA")))
    assert "限男性使用" in finding.message
    man = info(_stay(), gender=Gender.MALE)
    assert findings("charge.sex-restricted-item", add(man, line(man, "EX-LAB-PSA"))) == []


def test_an_age_restricted_item_outside_its_ages_warns() -> None:
    adult = info(_stay(), age=40)
    [finding] = findings("charge.age-restricted-item", add(adult, line(adult, "EX-NEWBORN-BATH")))
    assert finding.severity == "warn"
    baby = info(_stay(), age=0, newborn_age_days=3)
    assert findings("charge.age-restricted-item", add(baby, line(baby, "EX-NEWBORN-BATH"))) == []


def test_two_nursing_levels_on_one_day_are_a_duplicate_charge() -> None:
    stay = _stay()
    nursing = next(c for c in stay.charges if c.catalogue_code == "EX-NURSE-2")
    level1 = line(stay, "EX-NURSE-1", nursing.time + timedelta(hours=1), price="24.00")
    [finding] = findings("charge.exclusive-items", add(stay, level1))
    assert finding.evidence["kind"] == "重复收费"
    assert finding.amount == nursing.amount  # the second item's lines that day
    next_day = line(stay, "EX-NURSE-1", nursing.time - timedelta(days=3), price="24.00")
    assert findings("charge.exclusive-items", add(stay, next_day)) == []


def test_a_component_billed_with_its_panel_is_split_charging() -> None:
    stay = _stay()
    panel = next(c for c in stay.charges if c.catalogue_code == "EX-LAB-CBC")
    component = line(stay, "EX-LAB-HB", panel.time + timedelta(hours=2), price="5.00")
    [finding] = findings("charge.exclusive-items", add(stay, component))
    assert (finding.evidence["kind"], finding.amount) == ("分解收费", Decimal("5.00"))


def test_a_restricted_drug_without_a_qualifying_diagnosis_warns_with_the_notice() -> None:
    stay = listing(_stay(), diagnoses=_stay().settlement_list.diagnoses[:1])
    assert not stay.settlement_list.diagnoses[0].code.startswith(("K7", "R18", "C", "J9", "R57"))
    albumin = line(stay, "EX-DRUG-ALB", price="380.00", quantity="2")
    [finding] = findings("pay.restricted-drug", add(stay, albumin))
    assert finding.amount == Decimal("760.00")
    assert "自费" in str(finding.evidence["patient_notice"])
    cirrhosis = stay.settlement_list.diagnoses[0].model_copy(update={"code": "K74.600"})
    qualified = listing(add(stay, albumin), diagnoses=[cirrhosis])
    assert findings("pay.restricted-drug", qualified) == []


def test_a_restricted_antibiotic_without_culture_warns_the_doctor_and_the_patient() -> None:
    stay = _without_antibiotics()
    meropenem = line(stay, "EX-DRUG-MEM", price="98.00")
    [finding] = findings("pay.antibiotic-culture", add(stay, meropenem))
    assert "细菌培养或药敏试验" in finding.message
    assert "自费" in str(finding.evidence["patient_notice"])
    culture = line(stay, "EX-LAB-AST", price="80.00", number="C1")
    assert findings("pay.antibiotic-culture", add(stay, culture, meropenem)) == []


def test_the_antibiotic_pop_up_at_order_entry() -> None:
    stay = _without_antibiotics()
    order = [line(stay, "EX-DRUG-MEM", price="98.00", number="ORDER-1")]
    [finding] = engine().check_order(stay, order)
    assert (finding.rule, finding.stage, finding.lines) == (
        "pay.antibiotic-culture",
        "pre",
        ["ORDER-1"],
    )
    cultured = add(stay, line(stay, "EX-LAB-CULT", price="80.00"))
    assert engine().check_order(cultured, order) == []


def test_an_order_repeating_an_earlier_line_is_a_duplicate_at_entry() -> None:
    stay = _stay()
    earlier = stay.charges[-1]
    order = [earlier.model_copy(update={"line_no": "ORDER-1"})]
    [finding] = engine().check_order(stay, order)
    assert finding.rule == "charge.duplicate"
    assert finding.lines == sorted([earlier.line_no, "ORDER-1"], key=len)

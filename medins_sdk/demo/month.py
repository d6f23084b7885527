"""A synthetic tertiary hospital's month: the demo's input, deterministic from a seed.

Cases come from :mod:`medins_sdk.synthetic` (real insurance-edition codes per department,
front-page-shaped settlement lists, settlements that split to the cent) with two things the
generic generator does not aim at: every discharge falls in the month, and the charges follow
the stay — a line per day for the bed, nursing and ward round, drugs and tests in proportion
to the stay and to the number of complications, and for each operation the operation,
anaesthesia and materials — so costs rise with length of stay, operations and severity, as
DRG and DIP weights assume. Prices are plausible orders of magnitude, not any city's tariff.
A few stays carry a planted billing error (:data:`DUPLICATE_SHARE`, :data:`LATE_SHARE`), so
the audit has something real to find.
"""

from __future__ import annotations

import calendar
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Any, Final

from medins_sdk import synthetic
from medins_sdk.codes.tables import ChargeCategory
from medins_sdk.models import Encounter, SettlementList
from medins_sdk.money import CENT


@dataclass(frozen=True, slots=True)
class Item:
    """A charge item of the demo catalogue: category, name and unit price range in yuan."""

    category: ChargeCategory
    name: str
    low: int
    high: int


BED: Final = Item(ChargeCategory.BED, "床位费 (三人间)", 50, 90)
NURSING: Final = Item(ChargeCategory.NURSING, "二级护理", 20, 40)
ROUND: Final = Item(ChargeCategory.CONSULTATION, "住院诊查费", 15, 25)
DRUGS: Final = (
    Item(ChargeCategory.WESTERN_MEDICINE, "头孢呋辛钠注射液", 20, 90),
    Item(ChargeCategory.WESTERN_MEDICINE, "氯化钠注射液", 3, 8),
    Item(ChargeCategory.WESTERN_MEDICINE, "低分子肝素钠注射液", 40, 120),
    Item(ChargeCategory.CHINESE_PATENT_MEDICINE, "丹参注射液", 20, 60),
)
TESTS: Final = (
    Item(ChargeCategory.LABORATORY, "血常规", 20, 30),
    Item(ChargeCategory.LABORATORY, "肝功能", 60, 120),
    Item(ChargeCategory.EXAMINATION, "胸部 CT 平扫", 200, 400),
    Item(ChargeCategory.EXAMINATION, "彩色多普勒超声", 120, 260),
)
TREATMENT: Final = Item(ChargeCategory.TREATMENT, "静脉输液", 10, 30)
OPERATION: Final = Item(ChargeCategory.SURGERY, "手术费", 1500, 9000)
ANAESTHESIA: Final = Item(ChargeCategory.TREATMENT, "全身麻醉", 600, 2000)
MATERIALS: Final = (
    Item(ChargeCategory.MATERIALS, "一次性使用吻合器", 1500, 6000),
    Item(ChargeCategory.MATERIALS, "可吸收缝线", 80, 300),
)

DELIVERY_SHARE: Final = 0.15
"""Share of obstetric stays, so a month has deliveries to price under maternity fixed rates."""
DUPLICATE_SHARE: Final = 0.03
"""Share of stays with one line billed twice (same item, same time): planted for the audit."""
LATE_SHARE: Final = 0.01
"""Share of stays with a drug charged the day after discharge: planted for the audit."""


@dataclass(frozen=True, slots=True)
class Profile:
    """How a kind of stay is billed: its drugs per day, operation and materials."""

    drugs_per_day: int
    operation: Item
    materials: tuple[Item, ...]


GENERAL: Final = Profile(2, OPERATION, MATERIALS)
OBSTETRIC: Final = Profile(
    1,
    Item(ChargeCategory.SURGERY, "剖宫产术", 1200, 2000),
    (Item(ChargeCategory.MATERIALS, "可吸收缝线", 80, 200),),
)
"""Deliveries are short and light: a caesarean, a suture, few drugs (seed 000's hospital
gains on vaginal deliveries and loses on caesareans at ¥3,100 / ¥4,900)."""


def stay_charges(
    rng: Random, listing: SettlementList, profile: Profile = GENERAL
) -> list[dict[str, str]]:
    """The stay's charge lines in canonical JSON form, planned from its length, complications
    and operations (a month is written as JSON and validated once, when it is read)."""
    info = listing.info
    assert info.admission_time is not None
    assert info.discharge_time is not None
    days = max(info.length_of_stay or 1, 1)
    complications = max(len(listing.diagnoses) - 1, 0)
    planned: list[tuple[Item, int, datetime]] = []
    for day in range(days):
        when = info.admission_time + timedelta(days=day, hours=9)
        planned += [(BED, 1, when), (NURSING, 1, when), (ROUND, 1, when)]
        count = min(len(DRUGS), rng.randint(1, profile.drugs_per_day + complications // 2))
        for drug in rng.sample(DRUGS, count):
            planned.append((drug, rng.randint(1, 3), when + timedelta(minutes=rng.randint(1, 600))))
        if day % 2 == 0:
            planned.append((TREATMENT, rng.randint(1, 2), when))
    for _ in range(2 + days // 3 + complications):
        when = info.admission_time + timedelta(
            days=rng.randrange(days), minutes=rng.randint(60, 600)
        )
        planned.append((rng.choice(TESTS), 1, when))
    for index, operation in enumerate(listing.operations):
        # Operations of one session are billed a minute apart, not as one item twice.
        when = (operation.date or info.admission_time) + timedelta(minutes=index)
        planned += [(profile.operation, 1, when), (ANAESTHESIA, 1, when)]
        planned += [(material, rng.randint(1, 2), when) for material in profile.materials]
    if rng.random() < DUPLICATE_SHARE:
        planned.append(rng.choice(planned))  # billed twice: what the audit should catch
    if rng.random() < LATE_SHARE:
        planned.append((rng.choice(DRUGS), 1, info.discharge_time + timedelta(hours=20)))
    lines = []
    for number, (item, quantity, when) in enumerate(planned, start=1):
        price = Decimal(rng.randint(item.low * 100, item.high * 100)) * CENT
        line = {
            "line_no": f"{info.visit_id}-{number:04d}",
            "visit_id": info.visit_id,
            "time": f"{when:%Y-%m-%d %H:%M:%S}",
            "catalogue_code": f"{item.category.value}{zlib.crc32(item.name.encode()):010d}",
            "hospital_code": f"H{item.category.value}{number % 97:02d}",
            "item_name": item.name,
            "amount": f"{price * quantity:.2f}",
            "quantity": str(quantity),
            "price": f"{price:.2f}",
            "category": item.category.value,
            "dept_code": info.discharge_dept or "",
            "doctor_code": info.attending_doctor_code or "",
        }
        lines.append(line)
    return lines


def month_records(seed: int, *, year: int, month: int, cases: int) -> Iterator[dict[str, Any]]:
    """``cases`` inpatient encounters discharged in ``year``-``month`` as canonical JSON
    objects (what a HIS would export), the same for a seed."""
    rng = Random(seed)
    first = date(year, month, 1)
    length = calendar.monthrange(year, month)[1]
    obstetrics = next(d for d in synthetic.DEPARTMENTS if d.name == "产科")
    others = [d for d in synthetic.DEPARTMENTS if d is not obstetrics]
    made = 0
    index = 0
    while made < cases:
        index += 1
        department = obstetrics if rng.random() < DELIVERY_SHARE else rng.choice(others)
        delivery = department is obstetrics
        listing = synthetic.settlement_list(
            rng,
            index=index,
            department=department,
            start=first - timedelta(days=10),
            span_days=length,
            stay_days=(2, 6) if delivery else (1, 20),
        )
        discharged = listing.info.discharge_time
        if discharged is None or (discharged.year, discharged.month) != (year, month):
            continue
        charges = stay_charges(rng, listing, OBSTETRIC if delivery else GENERAL)
        by_category: dict[str, Decimal] = defaultdict(Decimal)
        for line in charges:
            by_category[line["category"]] += Decimal(line["amount"])
        total = sum(by_category.values(), Decimal(0))
        answer = synthetic.settlement(rng, listing, total)
        record: dict[str, Any] = {
            "id": listing.info.setl_id,
            "settlement_list": listing.model_dump(mode="json", exclude_none=True),
            "charges": charges,
            "settlement": answer.model_dump(mode="json", exclude_none=True),
            "medical_group": f"{department.name}{rng.randint(1, 3)}组",
        }
        record["settlement_list"]["charge_items"] = [
            {"category": category, "amount": f"{amount:.2f}", "class_a": f"{amount:.2f}"}
            for category, amount in sorted(by_category.items())
        ]
        record["settlement_list"]["payments"] = [
            {"fund_type": "310100", "amount": f"{answer.info.fund_total:.2f}"}
        ]
        made += 1
        yield record


def hospital_month(seed: int, *, year: int, month: int, cases: int) -> Iterator[Encounter]:
    """The encounters of :func:`month_records`, validated."""
    for record in month_records(seed, year=year, month=month, cases=cases):
        yield Encounter.model_validate(record)

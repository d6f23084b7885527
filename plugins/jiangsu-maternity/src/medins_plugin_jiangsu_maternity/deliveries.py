"""Synthetic deliveries for the tests, the benchmark and the docs; deterministic per seed.

Built on :mod:`medins_sdk.synthetic` — the same stays, charge lines, settlements and front
pages every other test sees — with the obstetrics department, codes drawn from the pack's
own lists (grey codes excluded), maternity settlements (险种 510, 医疗类别 52, 生育基金
510100) settled down the right channel nine times in ten, charge lines flagged as maternity
fees, and what the delivery register would hold for the case. The mix (40 % caesarean, 8 %
low-frequency complication, 10 % additional operation, 3 % filed) is made up, not sourced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from random import Random

from medins_plugin_jiangsu_maternity.pack import CodeList, MaternityPack
from medins_plugin_jiangsu_maternity.register import DeliveryRegister, RegisterEntry
from medins_sdk import synthetic
from medins_sdk.codes import (
    ChargeCategory,
    DiagnosisType,
    Flag,
    Gender,
    OperationType,
    SettlementWay,
    icd9_grey,
    icd10_grey,
)
from medins_sdk.models import (
    ChargeLine,
    Diagnosis,
    Encounter,
    FundDetail,
    FundPayment,
    Operation,
    Settlement,
    SettlementInfo,
    SettlementList,
)
from medins_sdk.money import CENT, to_cents

OBSTETRICS = next(dept for dept in synthetic.DEPARTMENTS if dept.code == "A05.02")
START = date(2018, 9, 1)
"""Admissions are drawn over the year from here (seed 000's study period began 2018-09)."""
MATERNITY_FUND = "510100"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A synthetic delivery and its line in the delivery register."""

    encounter: Encounter
    entry: RegisterEntry


def _pick(rng: Random, code_list: CodeList, prefix: str = "") -> str:
    grey = icd10_grey() if code_list.system == "icd10" else icd9_grey()
    codes = [c for c in code_list.names if c.startswith(prefix) and c not in grey]
    return rng.choice(sorted(codes))


def delivery(
    rng: Random,
    pack: MaternityPack,
    *,
    index: int = 0,
    lines: int | None = None,
) -> Delivery:
    """One delivery stay: settlement list, ``lines`` charge lines (default 5–60), settlement
    and front page."""
    lists = pack.lists
    caesarean = rng.random() < 0.4
    complications = [found for found in lists.values() if found.role == "complication"]
    complication = rng.choice(complications) if rng.random() < 0.08 else None
    add_on = rng.random() < 0.1
    filed = rng.random() < 0.03
    diagnoses = [
        _pick(rng, lists["caesarean-delivery"], "O82")
        if caesarean
        else _pick(rng, lists["delivery"], "O80"),
        _pick(rng, lists["delivery"], "Z37"),
    ]
    blood_loss = None
    if complication is not None:
        diagnoses.append(_pick(rng, complication))
        if complication.blood_loss_above_ml is not None:
            blood_loss = Decimal(rng.randrange(600, 2500, 50))
    procedures = [_pick(rng, lists["caesarean-section"])] if caesarean else []
    if not caesarean and rng.random() < 0.4:
        procedures.append(_pick(rng, lists["vaginal-delivery-procedures"]))
    if add_on:
        procedures.append(_pick(rng, lists["additional-operations"]))
    listing = _listing(rng, pack, index, diagnoses, procedures)
    target = _cost(rng, caesarean, complication is not None, add_on, filed)
    count = lines if lines is not None else rng.randint(5, 60)
    charges = _charges(rng, listing, count, target, filed)
    total = sum((line.amount for line in charges), Decimal(0))
    threshold = None if complication is None else complication.blood_loss_above_ml
    qualifies = complication is not None and (
        threshold is None or (blood_loss is not None and blood_loss > threshold)
    )
    right = SettlementWay.ITEMISED if qualifies else SettlementWay.FIXED_RATE
    wrong = SettlementWay.FIXED_RATE if qualifies else SettlementWay.ITEMISED
    answer = synthetic.settlement(rng, listing, total)
    settlement = Settlement(
        info=answer.info.model_copy(
            update={
                "settlement_way": right if rng.random() < 0.9 else wrong,
                "insurance_type": "510",
                "medical_type": "52",
            }
        ),
        funds=[FundDetail(fund_type=MATERNITY_FUND, amount=answer.info.fund_total)],
    )
    complete = SettlementList(
        info=listing.info,
        diagnoses=listing.diagnoses,
        operations=listing.operations,
        charge_items=synthetic.charge_table(charges),
        payments=[FundPayment(fund_type=MATERNITY_FUND, amount=answer.info.fund_total)],
    )
    encounter = Encounter(
        id=listing.info.setl_id,
        settlement_list=complete,
        charges=charges,
        settlement=settlement,
        front_page=synthetic.front_page(rng, complete),
        medical_group=f"产科{rng.randint(1, 5)}组",
    )
    return Delivery(encounter, RegisterEntry(blood_loss, filed))


COSTS = {"vaginal": (1800, 4000), "caesarean": (4000, 9000), "complication": (8000, 40000)}
"""Cost ranges in yuan per case: made up around seed 000's means (a vaginal delivery about
¥400 under its ¥3,100, a caesarean about ¥1,500 over its ¥4,900), so that cases gain and lose."""


def _cost(rng: Random, caesarean: bool, complication: bool, add_on: bool, filed: bool) -> Decimal:
    """A case's target cost: by channel, more with an additional operation or a filing."""
    low, high = COSTS["complication" if complication else "caesarean" if caesarean else "vaginal"]
    cents = rng.randint(low * 100, high * 100)
    cents += rng.randint(100_000, 300_000) if add_on else 0
    cents *= 3 if filed else 1
    return Decimal(cents) * CENT


def _charges(
    rng: Random, listing: SettlementList, count: int, target: Decimal, filed: bool
) -> list[ChargeLine]:
    """``count`` charge lines of the stay, scaled to cost about ``target`` in all, flagged as
    maternity fees (on a filed case, about 30 % as basic insurance's)."""
    drawn = synthetic.charge_lines(rng, listing, count, OBSTETRICS.code)
    factor = target / sum((line.amount for line in drawn), Decimal(0))
    lines = []
    for line in drawn:
        price = to_cents(line.price * factor)
        flag = Flag.NO if filed and rng.random() < 0.3 else Flag.YES
        update = {"price": price, "amount": price * line.quantity, "maternity_fee": flag}
        lines.append(line.model_copy(update=update))
    return lines


def _listing(
    rng: Random, pack: MaternityPack, index: int, diagnoses: list[str], procedures: list[str]
) -> SettlementList:
    """An obstetric stay's settlement list with exactly these codes (the first principal)."""
    base = synthetic.settlement_list(
        rng, index=index, department=OBSTETRICS, diagnoses=1, operations=0, start=START
    )
    admitted = base.info.admission_time
    assert admitted is not None  # synthetic stays always have one
    operations = [
        Operation(
            type=OperationType.PRINCIPAL if position == 0 else OperationType.OTHER,
            code=code,
            name=pack.code_name(code),
            date=admitted + timedelta(days=1),
            surgeon_code=f"D{rng.randint(1000, 9999)}",
            anaesthetist_code=f"D{rng.randint(1000, 9999)}",
        )
        for position, code in enumerate(procedures)
    ]
    return SettlementList(
        info=base.info.model_copy(
            update={"diagnosis_count": len(diagnoses), "operation_count": len(operations)}
        ),
        diagnoses=[
            Diagnosis(
                type=DiagnosisType.WESTERN,
                code=code,
                name=pack.code_name(code),
                principal=Flag.YES if position == 0 else Flag.NO,
            )
            for position, code in enumerate(diagnoses)
        ],
        operations=operations,
    )


def register_of(deliveries: list[Delivery]) -> DeliveryRegister:
    """The delivery register of ``deliveries``: their registered volumes and filings."""
    return DeliveryRegister(
        {item.encounter.id: item.entry for item in deliveries}, "synthetic deliveries"
    )


def charge_line(
    number: int,
    amount: str,
    *,
    category: ChargeCategory = ChargeCategory.OTHER,
    maternity: Flag | None = Flag.YES,
    refunds: int | None = None,
) -> ChargeLine:
    """One charge line of a worked example: ``amount`` yuan (negative on a refund of line
    ``refunds``), its category and maternity flag (``matn_fee_flag``)."""
    value = Decimal(amount)
    return ChargeLine(
        line_no=str(number),
        original_line_no=None if refunds is None else str(refunds),
        time=datetime(2019, 1, 1, 8, 0),
        catalogue_code=f"{category.value}0000000{number:02d}",
        hospital_code=f"H{number:05d}",
        amount=value,
        quantity=Decimal(-1 if value < 0 else 1),
        price=abs(value),
        category=category,
        maternity_fee=maternity,
    )


def coded_delivery(
    diagnoses: Sequence[str],
    procedures: Sequence[str] = (),
    *,
    cost: str = "3000.00",
    charges: Sequence[ChargeLine] = (),
    settled: SettlementWay | None = None,
    recorded: tuple[Sequence[str], Sequence[str]] | None = None,
    group: str | None = "产科1组",
    discharged: date = date(2019, 3, 15),
    index: int = 0,
) -> Encounter:
    """A validated delivery with exactly these insurance-edition codes (the first diagnosis
    principal), for worked examples.

    The cost is ``cost`` in one charge-table row, or the sum of ``charges``; ``settled``
    adds a settlement down that channel (``psn_setlway``); ``recorded`` adds a front page
    holding those (diagnoses, procedures), written in the clinical edition as a hospital's
    record would be (the crosswalk maps them back); the stay ends on ``discharged``.
    """
    principal, *others = diagnoses
    base = synthetic.coded_encounter(
        principal,
        others,
        procedures[0] if procedures else None,
        procedures[1:],
        gender=Gender.FEMALE,
        age=30,
        stay=4,
        cost=Decimal(cost),
        index=index,
    ).settlement_list
    end = datetime.combine(discharged, time(10, 0))
    info = base.info.model_copy(
        update={
            "admission_time": end - timedelta(days=4),
            "discharge_time": end,
            "settlement_start": discharged - timedelta(days=4),
            "settlement_end": discharged,
            "discharge_dept": OBSTETRICS.code,
            "admission_dept": OBSTETRICS.code,
        }
    )
    items = synthetic.charge_table(list(charges)) if charges else base.charge_items
    listing = SettlementList.model_validate(
        base.model_copy(update={"info": info, "charge_items": items}).model_dump()
    )
    total = listing.charge_items_total or Decimal(0)
    settlement = None
    if settled is not None:
        settlement = Settlement(
            info=SettlementInfo(
                setl_id=info.setl_id,
                visit_id=info.visit_id,
                insurance_type="510",
                medical_type="52",
                settlement_way=settled,
                total=total,
                fund_total=total,
                account_pay=Decimal(0),
                cash_pay=Decimal(0),
            )
        )
    page = None
    if recorded is not None:
        record = _listing_with(listing, *recorded)
        page = synthetic.front_page(Random(index), record)
    return Encounter(
        id=info.setl_id,
        settlement_list=listing,
        charges=list(charges),
        settlement=settlement,
        front_page=page,
        medical_group=group,
    )


def _listing_with(
    listing: SettlementList, diagnoses: Sequence[str], procedures: Sequence[str]
) -> SettlementList:
    """``listing`` with other codes: what the hospital's record holds, for its front page."""
    return listing.model_copy(
        update={
            "diagnoses": [
                Diagnosis(
                    type=DiagnosisType.WESTERN,
                    code=code,
                    principal=Flag.YES if position == 0 else Flag.NO,
                )
                for position, code in enumerate(diagnoses)
            ],
            "operations": [
                Operation(
                    type=OperationType.PRINCIPAL if position == 0 else OperationType.OTHER,
                    code=code,
                )
                for position, code in enumerate(procedures)
            ],
        }
    )

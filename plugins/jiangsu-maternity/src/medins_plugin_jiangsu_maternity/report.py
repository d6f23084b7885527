"""The monthly maternity report: what seed 000's insurance office built in spreadsheets.

Per discharge month and per medical group (or attending doctor, or discharge department):

- **channel rows** — cases, add-on and filed cases, cost, payment, total and mean balance
  (结余 + / 超支 −), the overspend (Σ of the negative balances), wrong-channel cases with the
  amount recoverable by appeal and the amount at risk of being paid back; and, per month and
  channel, the **benchmark** group: the best mean balance among the groups (seed 000, 二(二)4:
  "以费用管理较好的为标杆医疗组"). ``*`` rows roll up all months, all groups or all channels;
- **top overspending cases** — each group's three largest losses of the month, with their
  drug, material and examination costs (二(二)4: "超支前三名孕产妇病案");
- **allocation** — each overspend charged back to departments by cost share (二(二)1:
  anaesthesia/surgery 60 %, clinical 40 % by default), split to the cent so that the parts
  always sum to the overspend;
- **wrong-channel cases** — every finding of the plugin's audit rules, with its signed amount;
- **filings** — the severe-illness cases, both parts priced.

Sums are exact; a mean is rounded once, half up, to the cent. Only running totals, the three
worst cases per group and month, and the (few) wrong-channel and filed cases are kept, so the
report streams any number of cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal, get_args

from pydantic import Field

from medins_plugin_jiangsu_maternity.audit import maternity_rules
from medins_plugin_jiangsu_maternity.channels import ZERO, Channel
from medins_plugin_jiangsu_maternity.pack import MaternityPack, Shares
from medins_plugin_jiangsu_maternity.pricer import Assessment, MaternityPricer
from medins_plugin_jiangsu_maternity.register import EMPTY_REGISTER, DeliveryRegister
from medins_sdk.models import Encounter, PriceResult, SdkModel
from medins_sdk.money import Money, Ratio, SignedMoney, allocate_cents, to_cents
from medins_sdk.reports.facts import category_costs, discharge_month

ReportBy = Literal["group", "doctor", "department"]
BY: Final[tuple[ReportBy, ...]] = get_args(ReportBy)
ALL: Final = "*"
"""Month, key or channel of a roll-up row."""
MISSING: Final = "-"
"""Month or key of cases that lack it (no discharge date, no medical group …)."""
TOP: Final = 3
"""Overspending cases listed per group and month."""
CHANNELS: Final[tuple[str, ...]] = (*(channel.value for channel in Channel), ALL)


class ChannelRow(SdkModel):
    """Cases and money of one month × group × channel (``*``: all of them)."""

    kind: Literal["channel"] = "channel"
    month: str = Field(description="discharge month YYYY-MM; - unknown; * all months")
    key: str = Field(description="medical group, doctor or department code; - none; * all")
    channel: str = Field(description="vaginal / caesarean / complication; * all channels")
    cases: int = Field(ge=1)
    add_on_cases: int = Field(ge=0, description="cases with an additional operation (附加手术)")
    filed_cases: int = Field(ge=0, description="severe-illness filings (大病孕产妇备案)")
    total_cost: Money
    total_payment: Money
    total_balance: SignedMoney = Field(description="Σ payment − cost: 结余 (+) / 超支 (−)")
    mean_balance: SignedMoney = Field(description="total balance ÷ cases")
    overspend: Money = Field(description="Σ −balance over the cases with a negative balance")
    benchmark: str | None = Field(
        None, description="the group with the best mean balance in this month and channel"
    )
    benchmark_mean_balance: SignedMoney | None = None
    wrong_channel_cases: int = Field(ge=0, description="cases with an audit finding")
    recoverable: Money = Field(description="Σ positive differences: recoverable by appeal")
    at_risk: Money = Field(description="Σ negative differences: may be paid back")


class OverspendCase(SdkModel):
    """One of a group's three largest losses of the month."""

    kind: Literal["top-overspend"] = "top-overspend"
    month: str
    key: str
    rank: int = Field(ge=1, le=TOP)
    id: str
    channel: str
    total_cost: Money
    balance: SignedMoney
    drugs: SignedMoney = Field(description="药品 (the pack's drug_categories)")
    materials: SignedMoney = Field(description="耗材 (material_categories)")
    examinations: SignedMoney = Field(description="检查 (examination_categories)")


class AllocationRow(SdkModel):
    """A department's part of a row's overspend."""

    kind: Literal["allocation"] = "allocation"
    month: str
    key: str
    overspend: Money
    department: str
    share: Ratio
    amount: Money


class WrongChannelCase(SdkModel):
    """A finding of the plugin's audit rules on one case."""

    kind: Literal["wrong-channel"] = "wrong-channel"
    month: str
    key: str
    id: str
    rule: str
    difference: SignedMoney = Field(description="+ recoverable by appeal, − to be paid back")
    message: str


class FilingCase(SdkModel):
    """A severe-illness filing: the maternity and basic-insurance parts, each priced."""

    kind: Literal["filing"] = "filing"
    month: str
    key: str
    id: str
    unflagged_lines: int = Field(ge=0, description="lines placed by filing_unflagged_lines")
    maternity: PriceResult
    basic: PriceResult


@dataclass(frozen=True, slots=True)
class ReportRows:
    """The report's sections, in the order they are written."""

    channels: list[ChannelRow]
    top_overspend: list[OverspendCase]
    allocations: list[AllocationRow]
    wrong_channel: list[WrongChannelCase]
    filings: list[FilingCase]

    def __iter__(self) -> Iterator[SdkModel]:
        yield from self.channels
        yield from self.top_overspend
        yield from self.allocations
        yield from self.wrong_channel
        yield from self.filings


def allocate(amount: Decimal, shares: Shares) -> list[Decimal]:
    """``amount`` split by ``shares`` (summing to 1) into cents that sum to it exactly: the
    core's largest-remainder split (:func:`medins_sdk.money.allocate_cents`), ties to the
    first listed."""
    return allocate_cents(amount, [share for _, share in shares])


_KEYS: Final[Mapping[ReportBy, Callable[[Encounter], str | None]]] = {
    "group": lambda encounter: encounter.medical_group,
    "doctor": lambda encounter: encounter.settlement_list.info.attending_doctor_code,
    "department": lambda encounter: encounter.settlement_list.info.discharge_dept,
}


@dataclass(frozen=True, slots=True)
class _Case:
    channel: str
    add_on: bool
    filed: bool
    cost: Decimal
    payment: Decimal
    balance: Decimal
    wrong: bool
    recoverable: Decimal
    at_risk: Decimal


@dataclass
class _Sums:
    cases: int = 0
    add_on: int = 0
    filed: int = 0
    cost: Decimal = ZERO
    payment: Decimal = ZERO
    balance: Decimal = ZERO
    overspend: Decimal = ZERO
    wrong: int = 0
    recoverable: Decimal = ZERO
    at_risk: Decimal = ZERO

    def add(self, case: _Case) -> None:
        self.cases += 1
        self.add_on += case.add_on
        self.filed += case.filed
        self.cost += case.cost
        self.payment += case.payment
        self.balance += case.balance
        if case.balance < 0:
            self.overspend -= case.balance
        self.wrong += case.wrong
        self.recoverable += case.recoverable
        self.at_risk += case.at_risk

    @property
    def mean(self) -> Decimal:
        return to_cents(self.balance / self.cases)


def _order(cell: tuple[str, str, str]) -> tuple[bool, str, bool, str, int]:
    """Months, then keys, in order with ``*`` last; channels in their fixed order."""
    month, key, channel = cell
    return (month == ALL, month, key == ALL, key, CHANNELS.index(channel))


class MaternityReport:
    """The report being built: :meth:`add` each encounter, then :meth:`rows`.

    ``register`` supplies blood losses and filings; ``shares`` overrides the pack's
    ``overspend_shares``.
    """

    def __init__(
        self,
        pack: MaternityPack,
        by: ReportBy = "group",
        register: DeliveryRegister = EMPTY_REGISTER,
        shares: Shares | None = None,
    ) -> None:
        self.pack = pack
        self.shares = shares or pack.shares
        self.pricer = MaternityPricer(pack, register)
        self.rules = maternity_rules(self.pricer.classifier)
        self._key = _KEYS[by]
        self._sums: dict[tuple[str, str, str], _Sums] = {}
        self._top: dict[tuple[str, str], list[OverspendCase]] = {}
        self._wrong: list[WrongChannelCase] = []
        self._filings: list[FilingCase] = []

    def add(self, encounter: Encounter) -> Assessment:
        """Price one delivery and count it; :class:`UnpricableError` if it is not one."""
        assessment = self.pricer.assess(encounter)
        decision, price, filed = assessment.decision, assessment.price, assessment.filed
        month, key = discharge_month(encounter), self._key(encounter) or MISSING
        cost = price.total_cost if filed is None else filed.split.maternity_cost
        errors = [error for rule in self.rules for error in rule.errors(encounter, decision, cost)]
        channel = str(decision.channel)
        case = _Case(
            channel=channel,
            add_on=bool(decision.add_ons),
            filed=filed is not None,
            cost=price.total_cost,
            payment=price.payment,
            balance=price.balance,
            wrong=bool(errors),
            recoverable=sum((e.difference for e in errors if e.difference > 0), ZERO),
            at_risk=sum((-e.difference for e in errors if e.difference < 0), ZERO),
        )
        for cell_month in (month, ALL):
            for cell_key in (key, ALL):
                for cell_channel in (channel, ALL):
                    cell = (cell_month, cell_key, cell_channel)
                    sums = self._sums.get(cell)
                    if sums is None:
                        sums = self._sums[cell] = _Sums()
                    sums.add(case)
        if price.balance < 0:
            self._consider_top(month, key, encounter, price)
        self._wrong.extend(
            WrongChannelCase(
                month=month,
                key=key,
                id=encounter.id,
                rule=error.rule,
                difference=error.difference,
                message=error.message,
            )
            for error in errors
        )
        if filed is not None:
            self._filings.append(
                FilingCase(
                    month=month,
                    key=key,
                    id=encounter.id,
                    unflagged_lines=filed.split.unflagged_lines,
                    maternity=filed.maternity,
                    basic=filed.basic,
                )
            )
        return assessment

    def _consider_top(self, month: str, key: str, encounter: Encounter, price: PriceResult) -> None:
        """Keep the case if it is among the group's three worst of the month so far."""
        worst = self._top.setdefault((month, key), [])
        rank = (price.balance, encounter.id)
        if len(worst) == TOP and rank >= (worst[-1].balance, worst[-1].id):
            return
        drugs, materials, examinations = category_costs(encounter, self.pack.categories)
        worst.append(
            OverspendCase(
                month=month,
                key=key,
                rank=1,
                id=encounter.id,
                channel=str(price.group),
                total_cost=price.total_cost,
                balance=price.balance,
                drugs=drugs,
                materials=materials,
                examinations=examinations,
            )
        )
        worst.sort(key=lambda case: (case.balance, case.id))
        del worst[TOP:]

    def rows(self) -> ReportRows:
        """Every section, rows in month, key and channel order (``*`` last)."""
        cells = sorted(self._sums, key=_order)
        best = self._benchmarks()
        shares = self.shares
        channels = [self._row(cell, best.get((cell[0], cell[2]))) for cell in cells]
        allocations = [
            AllocationRow(
                month=row.month,
                key=row.key,
                overspend=row.overspend,
                department=department,
                share=share,
                amount=amount,
            )
            for row in channels
            if row.channel == ALL and row.overspend > 0
            for (department, share), amount in zip(
                shares, allocate(row.overspend, shares), strict=True
            )
        ]
        top = [
            case.model_copy(update={"rank": rank})
            for group in sorted(self._top, key=lambda cell: _order((*cell, ALL)))
            for rank, case in enumerate(self._top[group], start=1)
        ]
        return ReportRows(
            channels=channels,
            top_overspend=top,
            allocations=allocations,
            wrong_channel=sorted(self._wrong, key=lambda c: (c.month, c.key, c.id, c.rule)),
            filings=sorted(self._filings, key=lambda c: (c.month, c.key, c.id)),
        )

    def _benchmarks(self) -> dict[tuple[str, str], tuple[str, Decimal]]:
        """(month, fixed-rate channel) → the group with the best mean balance, and that mean;
        groups ``*`` and ``-`` (no group) are not candidates; a tie goes to the first key.
        Cases settled at cost all balance to zero: that channel has no benchmark."""
        best: dict[tuple[str, str], tuple[str, Decimal]] = {}
        for (month, key, channel), sums in sorted(self._sums.items()):
            if key in (ALL, MISSING) or channel in (ALL, Channel.COMPLICATION):
                continue
            current = best.get((month, channel))
            if current is None or sums.mean > current[1]:
                best[(month, channel)] = (key, sums.mean)
        return best

    def _row(self, cell: tuple[str, str, str], best: tuple[str, Decimal] | None) -> ChannelRow:
        month, key, channel = cell
        sums = self._sums[cell]
        benchmark = None if key == ALL else best
        return ChannelRow(
            month=month,
            key=key,
            channel=channel,
            cases=sums.cases,
            add_on_cases=sums.add_on,
            filed_cases=sums.filed,
            total_cost=sums.cost,
            total_payment=sums.payment,
            total_balance=sums.balance,
            mean_balance=sums.mean,
            overspend=sums.overspend,
            benchmark=None if benchmark is None else benchmark[0],
            benchmark_mean_balance=None if benchmark is None else benchmark[1],
            wrong_channel_cases=sums.wrong,
            recoverable=sums.recoverable,
            at_risk=sums.at_risk,
        )

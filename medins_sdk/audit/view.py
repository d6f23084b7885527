"""The per-encounter view every rule reads: each needed field of each line, read once.

A pydantic attribute read costs tens of nanoseconds; twenty rules each walking 200 lines would
spend the whole 事中 budget just reading. :class:`AuditCase` reads a column (codes, times,
amounts …) the first time a rule asks for it and shares it with every other rule of the same
check, and indexes the lines whose code the knowledge packs know, so knowledge rules touch only
those lines. Rules see lines by position; findings name them by line number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import compress
from operator import itemgetter
from typing import Any, Generic, TypeVar, overload

from medins_sdk.audit.knowledge import Knowledge
from medins_sdk.codes.tables import DiagnosisType, DischargeWay, Flag, Gender
from medins_sdk.models import ChargeLine, Encounter, EvidenceValue, Finding, Severity, Stage

T = TypeVar("T")
_ZERO = Decimal(0)
_SEXES = frozenset((Gender.MALE, Gender.FEMALE))


class lazy(Generic[T]):
    """``functools.cached_property`` without its lock (Python 3.11 takes a lock on every
    first read, which costs more than most columns): computed once, then a plain attribute."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> lazy[T]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any]) -> T: ...
    def __get__(self, instance: object | None, owner: type[Any]) -> lazy[T] | T:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value
        return value


def _column(rows: Sequence[dict[str, Any]], name: str) -> list[Any]:
    return list(map(itemgetter(name), rows))


def at_risk(amount: Decimal | None, total: Decimal) -> Decimal | None:
    """An amount at risk within what the encounter bills: never below 0 nor above its total."""
    if amount is None:
        return None
    return min(max(amount, _ZERO), max(total, _ZERO))


def line_sort_key(line_no: str) -> tuple[int, str]:
    """Line numbers in natural order (``2`` before ``10``), whatever order lines came in."""
    return (len(line_no), line_no) if line_no.isdigit() else (1 << 30, line_no)


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """What batch rules (事后) need of one encounter: small, so a batch fits in memory."""

    id: str
    person: str | None
    institution: str | None
    admission: date | None
    discharge: date | None
    total: Decimal
    daily: tuple[tuple[date, Decimal], ...]
    """Net spending per calendar day of charge (the settlement date when there are no lines)."""
    materials: tuple[tuple[str, Decimal, tuple[str, ...]], ...]
    """Per ordering doctor: high-value material amount and its line numbers."""
    doctors: tuple[str, ...]
    """Every ordering doctor (``bilg_dr_codg``) of the encounter's lines."""
    month: str | None
    """``YYYY-MM`` of discharge (or settlement end): the period material use is compared by."""


class AuditCase:
    """One encounter at one stage, with the knowledge loaded, read once for every rule.

    ``order`` holds the line numbers of the order being entered (``pre``); the engine reports
    only findings that involve them.
    """

    def __init__(
        self,
        encounter: Encounter,
        stage: Stage,
        knowledge: Knowledge,
        order: frozenset[str] = frozenset(),
    ) -> None:
        self.encounter = encounter
        self.stage = stage
        self.knowledge = knowledge
        self.order = order
        self.id = encounter.id
        self.lines: list[ChargeLine] = encounter.charges
        self.info = encounter.settlement_list.info

    # -- line columns ------------------------------------------------------------------------

    @lazy
    def _rows(self) -> list[dict[str, Any]]:
        # ``line.__dict__`` in a comprehension is about twice as fast as ``map(vars, …)``.
        return [line.__dict__ for line in self.lines]

    @lazy
    def codes(self) -> list[str]:
        """National catalogue code (``med_list_codg``) of each line."""
        return _column(self._rows, "catalogue_code")

    @lazy
    def times(self) -> list[datetime]:
        """``fee_ocur_time`` of each line."""
        return _column(self._rows, "time")

    @lazy
    def amounts(self) -> list[Decimal]:
        """Amount of each line (negative on refunds)."""
        return _column(self._rows, "amount")

    @lazy
    def quantities(self) -> list[Decimal]:
        """Quantity of each line."""
        return _column(self._rows, "quantity")

    @lazy
    def prices(self) -> list[Decimal]:
        """Unit price of each line."""
        return _column(self._rows, "price")

    @lazy
    def originals(self) -> list[str | None]:
        """The refunded line's number on refund lines, else None."""
        return _column(self._rows, "original_line_no")

    @lazy
    def ceilings(self) -> list[Decimal | None]:
        """The bureau's price ceiling per line (``pric_uplmt_amt``), when it answered."""
        return _column(self._rows, "price_ceiling")

    @lazy
    def line_nos(self) -> list[str]:
        """Line number of each line."""
        return _column(self._rows, "line_no")

    @lazy
    def refunded(self) -> frozenset[str]:
        """Numbers of lines a refund line of this encounter cancels."""
        return frozenset(o for o in self.originals if o is not None)

    def live(self, index: int) -> bool:
        """Whether line ``index`` is a charge still standing: not a refund, not refunded."""
        return self.originals[index] is None and self.line_nos[index] not in self.refunded

    @lazy
    def index(self) -> dict[str, list[int]]:
        """Code → positions of its lines, for the codes the knowledge packs know (usually a
        handful of codes): the known lines are found at C speed, then grouped."""
        codes = self.codes
        known = self.knowledge.line_codes.intersection(codes)
        found: dict[str, list[int]] = {code: [] for code in known}
        for position in compress(range(len(codes)), map(known.__contains__, codes)):
            found[codes[position]].append(position)
        return found

    def lines_of(self, codes: Container[str]) -> list[int]:
        """Positions of the lines whose code is in ``codes`` (a knowledge set)."""
        index = self.index
        return sorted(p for code in index if code in codes for p in index[code])

    def standing(self, positions: Iterable[int]) -> list[int]:
        """The positions among ``positions`` of standing lines (not refunds, not refunded)."""
        if not self.refunded:
            return list(positions)
        return [p for p in positions if self.live(p)]

    @lazy
    def _standing_index(self) -> list[tuple[str, list[int]]]:
        """:attr:`index` restricted to standing lines, codes sorted, codes left without any
        standing line dropped."""
        index = self.index
        if not self.refunded:
            return sorted(index.items())
        return [(code, kept) for code in sorted(index) if (kept := self.standing(index[code]))]

    def by_code(self, codes: Container[str]) -> list[tuple[str, list[int]]]:
        """The standing lines of the codes in ``codes`` (a knowledge set) that the encounter
        bills, grouped by code, codes sorted (positions ascending)."""
        return [entry for entry in self._standing_index if entry[0] in codes]

    def pick(self, column: Sequence[T], positions: Iterable[int]) -> list[T]:
        """``column``'s values at ``positions`` (read at C speed)."""
        return list(map(column.__getitem__, positions))

    def sum(self, positions: Iterable[int]) -> Decimal:
        """Net amount of the lines at ``positions``."""
        return sum(map(self.amounts.__getitem__, positions), _ZERO)

    def label(self, code: str) -> str:
        """An item as messages name it: the pack's (or the line's) name and the code."""
        item = self.knowledge.items.get(code)
        drug = self.knowledge.restricted_drugs.get(code)
        name = item.name if item else drug.name if drug else None
        if name is None:
            name = next((ln.item_name for ln in self.lines if ln.catalogue_code == code), None)
        return f"{name}（{code}）" if name else code

    def day(self, index: int) -> date:
        """Calendar day of line ``index``."""
        return self.times[index].date()

    # -- encounter facts ---------------------------------------------------------------------

    @lazy
    def sex(self) -> Gender | None:
        """男 or 女, or None when the list records neither."""
        return self.info.gender if self.info.gender in _SEXES else None

    @lazy
    def admission(self) -> datetime | None:
        """Admission time (settlement list, else front page)."""
        page = self.encounter.front_page
        return self.info.admission_time or (page.base.admission_time if page else None)

    @lazy
    def discharge(self) -> datetime | None:
        """Discharge time (settlement list, else front page); None while in hospital."""
        page = self.encounter.front_page
        return self.info.discharge_time or (page.base.discharge_time if page else None)

    @lazy
    def died(self) -> bool:
        """Whether the patient died in this stay (离院方式 5, or the front page's 死亡标志)."""
        page = self.encounter.front_page
        return (
            self.info.discharge_way is DischargeWay.DEATH
            or (page is not None and page.base.death is Flag.YES)
            or (page is not None and page.base.discharge_way is DischargeWay.DEATH)
        )

    @lazy
    def age_days(self) -> int | None:
        """Age in days at admission (exact under one year; a lower bound from whole years)."""
        info = self.info
        if info.newborn_age_days is not None:
            return info.newborn_age_days
        if info.birth_date is not None and self.admission is not None:
            return (self.admission.date() - info.birth_date).days
        if info.age is not None and info.age >= 1:
            return info.age * 365
        return None

    @lazy
    def age_years(self) -> int | None:
        """Age in whole years at admission."""
        info = self.info
        if info.age is not None:
            return info.age
        if info.birth_date is not None and self.admission is not None:
            born, seen = info.birth_date, self.admission.date()
            return seen.year - born.year - ((seen.month, seen.day) < (born.month, born.day))
        return None

    @lazy
    def diagnoses(self) -> list[str]:
        """Every western diagnosis code the encounter carries (inpatient and outpatient)."""
        listing = self.encounter.settlement_list
        codes = [d.code for d in listing.diagnoses if d.type is DiagnosisType.WESTERN]
        codes += [d.diagnosis_code for d in listing.outpatient_diagnoses]
        if self.info.outpatient_wm_code:
            codes.append(self.info.outpatient_wm_code)
        return codes

    @lazy
    def diagnosis_codes(self) -> list[str]:
        """:attr:`diagnoses` without repeats, sorted: what the code checks walk."""
        return sorted(set(self.diagnoses))

    @lazy
    def stay_days(self) -> int | None:
        """Days of stay as billed: admission day counts, discharge day does not (at least 1);
        before discharge, the days so far including the latest charge's day."""
        if self.admission is None:
            return None
        if self.discharge is not None:
            return max((self.discharge.date() - self.admission.date()).days, 1)
        last = max(self.times, default=self.admission).date()
        return max((last - self.admission.date()).days + 1, 1)

    @lazy
    def total(self) -> Decimal:
        """The encounter's total cost (0 when it carries none): the bound of any amount at risk."""
        return self.encounter.total_cost or _ZERO

    # -- findings ----------------------------------------------------------------------------

    def finding(
        self,
        rule: str,
        severity: Severity,
        lines: Iterable[int],
        amount: Decimal | None,
        message: str,
        evidence: dict[str, EvidenceValue],
    ) -> Finding:
        """A finding of ``rule`` on this case naming the lines at positions ``lines``."""
        numbers = sorted({self.line_nos[i] for i in lines}, key=line_sort_key)
        return Finding(
            id=self.id,
            rule=rule,
            severity=severity,
            stage=self.stage,
            lines=numbers,
            amount=at_risk(amount, self.total),
            message=message,
            evidence=evidence,
        )

    def summary(self, high_value: frozenset[str]) -> CaseSummary:
        """The batch rules' summary of this encounter (``high_value``: material codes)."""
        daily: dict[date, Decimal] = defaultdict(Decimal)
        materials: dict[str, tuple[Decimal, list[str]]] = {}
        rows = self._rows
        for row in rows:
            daily[row["time"].date()] += row["amount"]
        for position in self.lines_of(high_value):
            doctor = rows[position]["doctor_code"]
            if doctor and self.live(position):
                amount, numbers = materials.get(doctor, (_ZERO, []))
                materials[doctor] = (
                    amount + rows[position]["amount"],
                    [*numbers, self.line_nos[position]],
                )
        end = self.discharge.date() if self.discharge else self.info.settlement_end
        if not rows and end is not None and self.total:
            daily[end] += self.total
        return CaseSummary(
            id=self.id,
            person=self.info.person_no,
            institution=self.info.institution_code,
            admission=self.admission.date() if self.admission else None,
            discharge=self.discharge.date() if self.discharge else None,
            total=self.total,
            daily=tuple(sorted(daily.items())),
            materials=tuple(
                (doctor, amount, tuple(sorted(numbers, key=line_sort_key)))
                for doctor, (amount, numbers) in sorted(materials.items())
            ),
            doctors=tuple(sorted({row["doctor_code"] for row in rows} - {None})),
            month=None if end is None else f"{end:%Y-%m}",
        )

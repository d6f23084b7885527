"""Batch patterns (事后): what only shows across encounters.

Seed 001's behavioural risk points — 冒名/虚假就医 (one person in two hospitals at once) and
年底突击消费 (spending rushed in before the year's quota resets) — and seed 003's tracing of a
short-term jump in high-value material use to the person who ordered it (精准监控到具体执行人).
They read :class:`~medins_sdk.audit.view.CaseSummary` objects, never whole encounters, so a
batch of a million cases fits in memory. Thresholds have no published source: they are
documented parameters a region sets in its pack.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from medins_sdk.audit.params import Parameter, Params
from medins_sdk.audit.rules.base import BATCH_STAGES, Rule
from medins_sdk.audit.view import AuditCase, CaseSummary, at_risk
from medins_sdk.models import EvidenceValue, Finding
from medins_sdk.money import round_fraction

_ZERO = Decimal(0)


class BatchPatternRule(Rule):
    """A rule over a batch: nothing per encounter, everything in :meth:`check_batch`."""

    stages = BATCH_STAGES
    severity = "warn"

    def check(self, case: AuditCase, params: Params) -> Iterable[Finding]:
        return ()

    def check_batch(self, batch: Sequence[CaseSummary], params: Params) -> Iterable[Finding]:
        """Findings over the whole batch."""
        raise NotImplementedError

    def make(
        self,
        summary: CaseSummary,
        lines: Sequence[str],
        amount: Decimal | None,
        message: str,
        evidence: dict[str, EvidenceValue],
    ) -> Finding:
        """A finding on the encounter ``summary`` stands for."""
        return Finding(
            id=summary.id,
            rule=self.id,
            severity=self.severity,
            stage="post",
            lines=list(lines),
            amount=at_risk(amount, summary.total),
            message=message,
            evidence=evidence,
        )


def _spent(summary: CaseSummary, first: date, last: date) -> Decimal:
    return sum((amount for day, amount in summary.daily if first <= day <= last), _ZERO)


def _by_person(batch: Sequence[CaseSummary]) -> dict[str, list[CaseSummary]]:
    people: dict[str, list[CaseSummary]] = defaultdict(list)
    for summary in batch:
        if summary.person:
            people[summary.person].append(summary)
    return people


class OverlappingStaysRule(BatchPatternRule):
    """The same person in hospital at two institutions on overlapping days."""

    id = "batch.overlapping-stays"
    name = "同一参保人不同医院住院时间重叠"
    description = (
        "Two stays of the same person (psn_no) at different institutions whose days overlap "
        "(a same-day transfer, discharged from one and admitted to the other on the same day, "
        "does not): one of them may be impersonation or a fictitious stay (冒名/虚假就医)."
    )
    scope = "batch"
    source = "seed 001 (冒名/虚假就医); REFERENCE.md §7"

    def check_batch(self, batch: Sequence[CaseSummary], params: Params) -> Iterator[Finding]:
        for stays in _by_person(batch).values():
            dated = sorted(
                (
                    (s.admission, s.discharge, s.id, s)
                    for s in stays
                    if s.admission and s.discharge and s.institution
                ),
                key=lambda entry: entry[:3],
            )
            for i, (start, end, _, first) in enumerate(dated):
                for other_start, other_end, _, second in dated[i + 1 :]:
                    yield from self._pair(
                        first, second, max(start, other_start), min(end, other_end)
                    )

    def _pair(
        self, first: CaseSummary, second: CaseSummary, start: date, end: date
    ) -> Iterator[Finding]:
        if first.institution == second.institution or start >= end:
            return
        for this, other in ((first, second), (second, first)):
            yield self.make(
                this,
                (),
                _spent(this, start, end),
                f"同一参保人 {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 同时在本院（{this.institution}）与"
                f"{other.institution} 住院（{other.id}）：请核实身份与在院记录，排查冒名就医。",
                {
                    "other": other.id,
                    "other_institution": str(other.institution),
                    "overlap": [f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"],
                },
            )


class YearEndRushRule(BatchPatternRule):
    """A patient's spending in the year's last weeks far above their own baseline."""

    id = "batch.year-end-rush"
    name = "年底突击消费"
    description = (
        "A person's spending in the last weeks of a year, against their own spending over the "
        "rest of that year scaled to the same length: far above it, and above a floor, the "
        "window's encounters are reported (统筹额度清零前突击顶额消费)."
    )
    scope = "patient"
    source = "seed 001 (年底突击消费; 参保人在统筹报销额度清零前突击顶额消费)"
    parameters = (
        Parameter("window_days", "28", "length of the year-end window", "days", None, "int"),
        Parameter("ratio", "3", "window spending ÷ baseline above which it is a rush"),
        Parameter(
            "min_amount", "1000.00", "window spending below which nothing is reported", "yuan"
        ),
    )

    def check_batch(self, batch: Sequence[CaseSummary], params: Params) -> Iterator[Finding]:
        days = params.integer("window_days")
        ratio, floor = params.decimal("ratio"), params.decimal("min_amount")
        for stays in _by_person(batch).values():
            years = {day.year for s in stays for day, _ in s.daily}
            for year in sorted(years):
                yield from self._year(stays, year, days, ratio, floor)

    def _year(
        self, stays: list[CaseSummary], year: int, days: int, ratio: Decimal, floor: Decimal
    ) -> Iterator[Finding]:
        last = date(year, 12, 31)
        first = window_start(year, days)
        window = {s.id: _spent(s, first, last) for s in stays}
        rushed = sum(window.values(), _ZERO)
        earlier = sum((_spent(s, date(year, 1, 1), first - timedelta(1)) for s in stays), _ZERO)
        baseline = year_end_baseline(year, rushed, earlier, days, ratio, floor)
        if baseline is None:
            return
        for stay in sorted(stays, key=lambda s: s.id):
            if window[stay.id] > 0:
                yield self.make(
                    stay,
                    (),
                    window[stay.id],
                    f"该参保人 {year} 年最后 {days} 天医疗费用 {rushed:.2f} 元，为其当年此前同等"
                    f"时长平均水平 {round_fraction(baseline, 2):.2f} 元的 {ratio} 倍以上：请核查"
                    "是否存在年底突击消费。",
                    {
                        "year": year,
                        "window_total": f"{rushed:.2f}",
                        "baseline": f"{round_fraction(baseline, 2):.2f}",
                    },
                )


def window_start(year: int, days: int) -> date:
    """The first day of ``year``'s last ``days`` days."""
    return date(year, 12, 31) - timedelta(days=days - 1)


def year_end_baseline(
    year: int, rushed: Decimal, earlier: Decimal, days: int, ratio: Decimal, floor: Decimal
) -> Fraction | None:
    """The baseline a person's ``year`` is judged against when its last ``days`` days
    (``rushed``) are a rush against the rest of the year (``earlier``), else None — the
    decision of :class:`YearEndRushRule`, shared with the columnar screen."""
    before = (window_start(year, days) - date(year, 1, 1)).days
    if before <= 0 or earlier <= 0 or rushed < floor:
        return None
    baseline = Fraction(earlier) * days / before
    return None if Fraction(rushed) <= baseline * Fraction(ratio) else baseline


class MaterialSurgeRule(BatchPatternRule):
    """A doctor whose high-value material use per case jumps against their own history."""

    id = "batch.material-surge"
    name = "医生高值耗材次均用量异常升高"
    description = (
        "Per ordering doctor (bilg_dr_codg) and month of discharge: high-value material amount "
        "per case against the same doctor's mean over earlier months. A jump above the ratio "
        "and the floor reports the month's cases with those materials, traced to the doctor."
    )
    scope = "batch"
    source = (
        "seed 003 (短期内高额耗材使用明显增加, 精准监控到具体执行人); seed 004 (高值耗材管理); "
        "materials: knowledge table items (tag high-value-material)"
    )
    knowledge = ("items",)
    parameters = (
        Parameter("ratio", "2", "month's per-case amount ÷ the doctor's earlier mean"),
        Parameter(
            "min_per_case", "1000.00", "per-case amount below which nothing is reported", "yuan"
        ),
        Parameter("min_months", "2", "earlier months needed for a history", "months", None, "int"),
        Parameter("min_cases", "3", "cases in the month needed to judge it", "cases", None, "int"),
    )

    def check_batch(self, batch: Sequence[CaseSummary], params: Params) -> Iterator[Finding]:
        cases: dict[tuple[str, str], list[CaseSummary]] = defaultdict(list)
        used: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for summary in batch:
            if summary.month is None:
                continue
            for doctor in summary.doctors:
                cases[(doctor, summary.month)].append(summary)
            for doctor, amount, _ in summary.materials:
                used[(doctor, summary.month)] += amount
        months: dict[str, list[str]] = defaultdict(list)
        for doctor, month in sorted(cases):
            months[doctor].append(month)
        for doctor, seen in sorted(months.items()):
            yield from self._doctor(doctor, seen, cases, used, params)

    def _doctor(
        self,
        doctor: str,
        months: list[str],
        cases: dict[tuple[str, str], list[CaseSummary]],
        used: dict[tuple[str, str], Decimal],
        params: Params,
    ) -> Iterator[Finding]:
        history = [(m, len(cases[(doctor, m)]), used[(doctor, m)]) for m in months]
        for month, per_case, earlier in surges(history, params):
            yield from self._report(doctor, month, cases[(doctor, month)], per_case, earlier)

    def _report(
        self,
        doctor: str,
        month: str,
        month_cases: list[CaseSummary],
        per_case: Fraction,
        earlier: Fraction,
    ) -> Iterator[Finding]:
        for summary in sorted(month_cases, key=lambda s: s.id):
            for who, amount, lines in summary.materials:
                if who == doctor:
                    yield self.make(
                        summary,
                        lines,
                        amount,
                        f"开单医生 {doctor} {month} 高值耗材次均 {round_fraction(per_case, 2):.2f}"
                        f" 元，为其此前月均 {round_fraction(earlier, 2):.2f} 元的数倍：请科室核查"
                        "本例高值耗材使用指征。",
                        {
                            "doctor": doctor,
                            "month": month,
                            "per_case": f"{round_fraction(per_case, 2):.2f}",
                            "baseline": f"{round_fraction(earlier, 2):.2f}",
                        },
                    )


def surges(
    history: Sequence[tuple[str, int, Decimal]], params: Params
) -> Iterator[tuple[str, Fraction, Fraction]]:
    """The months of one doctor's ``history`` — (month, cases, material amount), in month
    order — that jump against the months before: (month, per case, earlier mean). The
    decision of :class:`MaterialSurgeRule`, shared with the columnar screen."""
    ratio, floor = Fraction(params.decimal("ratio")), Fraction(params.decimal("min_per_case"))
    min_months, min_cases = params.integer("min_months"), params.integer("min_cases")
    seen: list[Fraction] = []
    for month, count, amount in history:
        per_case = Fraction(amount) / count
        if (
            len(seen) >= max(min_months, 1)
            and count >= min_cases
            and per_case >= floor
            and per_case > sum(seen, Fraction(0)) / len(seen) * ratio
        ):
            yield month, per_case, sum(seen, Fraction(0)) / len(seen)
        seen.append(per_case)


def batch_rules() -> list[BatchPatternRule]:
    """The batch pattern rules."""
    return [OverlappingStaysRule(), YearEndRushRule(), MaterialSurgeRule()]

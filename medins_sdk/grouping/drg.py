"""The CHS-DRG grouping engine: a compiled rule pack in memory, and the grouper that reads it.

:class:`DrgPack` turns a pack written by :mod:`medins_sdk.grouping.compiler` into frozensets and
dicts once, so that grouping a case is a handful of set lookups. :class:`DrgGrouper` implements
the :class:`medins_sdk.schemes.Grouper` protocol. The algorithm (REFERENCE §3), rule by rule:

1. **Ungroupable** (status ``ungroupable``, a reason, no group): no principal western diagnosis;
   any western diagnosis or procedure code outside the ICD-10 / ICD-9-CM-3 insurance 2.0 editions
   (the codes are named); a sex other than male (1) or female (2); a newborn (under 29 days)
   without a birth weight (0 g counts as none); a principal diagnosis in no MDC list; a sex that
   contradicts every MDC holding the principal diagnosis (MDCM male only, MDCN and MDCO female
   only); a length-of-stay split without a length of stay.
2. **Categories**, tried in turn until one has an ADRG for the case: MDCA (any of its ADRGs'
   entry), then the pre-MDC categories that admit the case in order MDCP → MDCY → MDCZ (see
   ``DrgGrouper._pre_mdc``), then the MDCs whose list holds the principal diagnosis and whose
   sex restriction the patient meets, in ``mdc.json`` order (pre-MDC lists are not used for
   this, so an adult's newborn diagnosis has no MDC). A category without an ADRG for the
   case passes it on (multiple trauma whose operation no MDCZ table lists is grouped in the
   principal diagnosis's MDC).
3. **ADRG**: within a category, surgical ADRGs, then non-OR procedure ADRGs, then medical
   ADRGs, each in pack order; the first whose entry conditions hold. No category has one:
   the ambiguous group ``<letter>QY`` (status ``ambiguous``) of the principal diagnosis's
   MDC, else of the pre-MDC category that admitted the case. A case with an operation that
   no surgical ADRG of the MDC lists still falls through to the medical ADRGs (REFERENCE §3
   sends only cases that fit no ADRG to QY). The principal procedure is the operation
   flagged principal, else the first listed (as :attr:`SettlementList.principal_operation`).
   ``包含全部手术`` (SB1, TB1, WJ1, XJ1, YC1) asks for an operating-room principal procedure,
   ``且无手术`` (ZZ1) for no operating-room procedure at all; an operating-room procedure is a
   code of some surgical ADRG's procedure table, since the packs carry no operating-room flag.
4. **Severity**: each secondary diagnosis is looked up in the MCC list, then the CC list; it does
   not count when the principal diagnosis is in its exclusion table.
5. **DRG**: the ADRG's DRGs filtered by age band, then length-of-stay band (parsed from the DRG
   names at load), then chosen by severity (see :func:`_choose_by_severity`).

Neither CHS-DRG 1.1 nor Beijing 2022 has death (离院方式 死亡) variants, so ``discharge_way``
does not split; a pack whose names mention death is reported in :attr:`DrgPack.problems`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Final, Literal

from medins_sdk.codes import (
    Gender,
    OperationType,
    icd9_insurance,
    icd10_insurance,
    outside_insurance_editions,
)
from medins_sdk.grouping.drg_pack import (
    INFANT_DAYS,
    NEWBORN_DAYS,
    NO_OR,
    AdrgRule,
    Band,
    DrgPack,
    DrgRule,
    Level,
    Term,
    choose_by_severity,
)
from medins_sdk.grouping.facts import western_diagnoses
from medins_sdk.models import Encounter, GroupResult, TraceStep
from medins_sdk.schemes import PaymentScheme

__all__ = ["AdrgRule", "Band", "DrgGrouper", "DrgPack", "DrgRule", "Level", "Term"]

SEX_OF_MDC: Final[Mapping[str, Gender]] = {
    "MDCM": Gender.MALE,
    "MDCN": Gender.FEMALE,
    "MDCO": Gender.FEMALE,
}
"""MDCs restricted to one sex (CHS-DRG convention, by MDC code; the rule texts do not say)."""

_NOT_NEWBORN: Final = "MDCP: not a newborn (or PV1 infant) with a principal diagnosis of MDCP"

_MALE: Final = Gender.MALE
_FEMALE: Final = Gender.FEMALE
_PRINCIPAL_OPERATION: Final = OperationType.PRINCIPAL
"""Enum members held as module constants: member lookup on the class costs 0.2 µs a time."""


@lru_cache(maxsize=1 << 16)
def _step(
    step: str, outcome: str, detail: str, rule: str | None = None, codes: tuple[str, ...] = ()
) -> TraceStep:
    """The trace step for one decision, interned: equal decisions share one TraceStep.

    Building a validated step costs about 7 µs and a case takes a dozen, three times the
    whole per-case budget (≥ 50,000 cases/s); steps depend only on pack data and codes, so
    they repeat and a cache hit costs a dictionary lookup. Shared steps are values: treat a
    result's trace as read-only.
    """
    return TraceStep(step=step, outcome=outcome, rule=rule, codes=list(codes), detail=detail)


_SKIPPED_MDCA: Final = _step("pre-mdc", "skipped", "MDCA: no MDCA ADRG's entry condition holds")
_SKIPPED_MDCP: Final = _step("pre-mdc", "skipped", _NOT_NEWBORN)
_SKIPPED_MDCY: Final = _step("pre-mdc", "skipped", "MDCY: principal diagnosis not in MDCY's list")
_SKIPPED_MDCZ: Final = _step(
    "pre-mdc", "skipped", "MDCZ: principal diagnosis and one other region needed"
)
_STEP_CACHE_SIZE: Final = 1 << 17
"""Interned steps a grouper keeps before starting afresh (bounded memory on any input)."""


@dataclass(slots=True)
class _Case:
    """The facts of one encounter that grouping reads, extracted once."""

    principal: str
    others: tuple[str, ...]
    other_set: frozenset[str]
    diagnoses: frozenset[str]
    principal_procedure: str | None
    procedures: frozenset[str]
    codes: frozenset[str]
    gender: Gender
    age_days: int | None
    age_years: int | None
    stay_days: int | None
    birth_weight: int | None


def _age_days(
    birth: date | None, admitted: datetime | None, newborn_days: int | None
) -> int | None:
    """Age in days at admission: ``nwb_age`` if given, else from birth date and admission."""
    if newborn_days is not None:
        return newborn_days
    if birth is not None and admitted is not None:
        return (admitted.date() - birth).days
    return None


@dataclass(slots=True)
class _Outcome:
    """What grouping decided before the result model is built."""

    status: Literal["grouped", "ambiguous", "ungroupable"]
    reason: str | None = None
    mdc: str | None = None
    adrg: str | None = None
    group: str | None = None
    group_name: str | None = None


class DrgGrouper:
    """Groups encounters with one :class:`DrgPack`; satisfies :class:`~medins_sdk.schemes.Grouper`.

    Deterministic: every choice walks a precomputed tuple in pack order, and no set is iterated
    into the result without sorting.
    """

    def __init__(
        self, name: str, pack: DrgPack, weights: Mapping[str, Decimal | None] | None = None
    ) -> None:
        """``weights`` (DRG → relative weight, None for item-by-item groups) fills
        :attr:`GroupResult.weight`, so that case-mix reports need no pricing."""
        self.name = name
        self.pack = pack
        self._weights: Mapping[str, Decimal | None] = weights or {}
        self._diagnosis_codes = frozenset(icd10_insurance().codes())
        self._procedure_codes = frozenset(icd9_insurance().codes())
        self._steps: dict[tuple[object, ...], TraceStep] = {}

    def group(self, encounter: Encounter, scheme: PaymentScheme) -> GroupResult:
        """Group ``encounter``; the rules are in the module docstring and the helpers below."""
        trace: list[TraceStep] = []
        outcome = self._decide(encounter, trace)
        return GroupResult.from_trusted(
            id=encounter.id,
            scheme=scheme.name,
            status=outcome.status,
            group=outcome.group,
            group_name=outcome.group_name,
            weight=self._weights.get(outcome.group) if outcome.group else None,
            reason=outcome.reason,
            mdc=outcome.mdc,
            adrg=outcome.adrg,
            trace=trace,
        )

    def _decide(self, encounter: Encounter, trace: list[TraceStep]) -> _Outcome:
        case = self._case(encounter)
        if isinstance(case, str):
            trace.append(_step("input", "ungroupable", case))
            return _Outcome("ungroupable", case)
        found = self._mdca(case, trace)
        if found is None:
            categories = self._pre_mdc(case, trace)
            found = self._first_adrg(case, categories, trace)
            if found is None:
                ordinary, reason = self._mdc(case, trace, final=not categories)
                found = self._first_adrg(case, ordinary, trace)
                if found is None:
                    entered = ordinary or categories
                    if not entered:
                        return _Outcome("ungroupable", reason)
                    return self._ambiguous(entered[0], trace)
        mdc, adrg = found
        level = self._severity(case, trace)
        drg = _choose_drg(case, adrg, level, trace)
        if isinstance(drg, str):
            return _Outcome("ungroupable", drg, mdc, adrg.code)
        return _Outcome("grouped", None, mdc, adrg.code, drg.code, drg.name)

    def _first_adrg(
        self, case: _Case, mdcs: tuple[str, ...], trace: list[TraceStep]
    ) -> tuple[str, AdrgRule] | None:
        """The first of ``mdcs`` with an ADRG accepting the case, and that ADRG.

        A category that admits the case but has no ADRG for it passes it on to the next:
        multiple trauma with an operation no MDCZ table lists is grouped by its principal
        diagnosis's own MDC (as OpenDRG's Beijing grouper does), not held in ZQY.
        """
        for mdc in mdcs:
            adrg = self._adrg(case, mdc, trace)
            if adrg is not None:
                return mdc, adrg
            key = ("none", mdc)
            step = self._steps.get(key)
            if step is None:
                detail = f"no ADRG of {mdc} accepts the case; the next category is tried"
                step = self._intern(key, _step("adrg", "none", detail, mdc))
            trace.append(step)
        return None

    def _ambiguous(self, mdc: str, trace: list[TraceStep]) -> _Outcome:
        """The MDC's ambiguous group ``<letter>QY`` (歧义组): no ADRG anywhere took the case."""
        group = f"{mdc[-1]}QY"
        reason = f"no ADRG of {mdc} accepts the case: ambiguous group {group} (歧义组)"
        trace.append(_step("adrg", "ambiguous", reason, group))
        return _Outcome("ambiguous", reason, mdc, None, group, f"{self.pack.mdc_names[mdc]}歧义组")

    def _case(self, encounter: Encounter) -> _Case | str:
        """Extract the grouping facts, or the reason the case cannot be grouped (rule 1)."""
        listing = encounter.settlement_list
        info = listing.info
        principal, others = western_diagnoses(listing)
        if principal is None:
            return "no principal diagnosis (主要诊断): the case cannot be grouped"
        gender = info.gender
        if gender is not _MALE and gender is not _FEMALE:
            return (
                f"sex (性别) is {gender.value} ({gender.label}): grouping needs male (1) or "
                "female (2)"
            )
        procedures: list[str] = []
        principal_operation: str | None = None
        for operation in listing.operations:
            code = operation.code
            procedures.append(code)
            if principal_operation is None and operation.type is _PRINCIPAL_OPERATION:
                principal_operation = code
        if principal_operation is None and procedures:
            principal_operation = procedures[0]
        other_set = frozenset(others)
        procedure_set = frozenset(procedures)
        known_diagnoses = self._diagnosis_codes
        if not (
            principal in known_diagnoses
            and other_set <= known_diagnoses
            and procedure_set <= self._procedure_codes
        ):
            reason = outside_insurance_editions({principal, *others}, procedure_set)
            assert reason is not None  # the subset test failed: some code is outside them
            return reason
        age_years = info.age
        age_days = None
        if age_years is None or age_years < 1:  # only the under-ones' age in days matters
            age_days = _age_days(info.birth_date, info.admission_time, info.newborn_age_days)
            if age_years is None and age_days is not None:
                age_years = age_days // INFANT_DAYS
        weight = info.newborn_birth_weight
        birth_weight = int(weight) if weight else None
        if birth_weight is None and age_days is not None and age_days < NEWBORN_DAYS:
            return (
                f"a newborn (age {age_days} days) without a birth weight (新生儿出生体重) cannot "
                "be grouped: the newborn groups split by it"
            )
        diagnoses = other_set | {principal}
        return _Case(
            principal=principal,
            others=tuple(dict.fromkeys(others)) if len(others) != len(other_set) else tuple(others),
            other_set=other_set,
            diagnoses=diagnoses,
            principal_procedure=principal_operation,
            procedures=procedure_set,
            codes=diagnoses | procedure_set,
            gender=gender,
            age_days=age_days,
            age_years=age_years,
            stay_days=info.length_of_stay,
            birth_weight=birth_weight,
        )

    def _mdca(self, case: _Case, trace: list[TraceStep]) -> tuple[str, AdrgRule] | None:
        """MDCA, checked first: the first MDCA ADRG whose entry holds (transplants, long
        ventilation, ECMO), whatever the principal diagnosis."""
        for adrg in self._candidates(case, "MDCA"):
            matched = _entry_match(case, adrg)
            if matched is not None:
                detail = f"MDCA: {adrg.code} {adrg.name}"
                trace.append(_step("pre-mdc", "matched", detail, *matched))
                trace.append(_step("adrg", "matched", f"{detail} (surgical)", *matched))
                return "MDCA", adrg
        trace.append(_SKIPPED_MDCA)
        return None

    def _pre_mdc(self, case: _Case, trace: list[TraceStep]) -> tuple[str, ...]:
        """The pre-MDC categories after MDCA that admit the case, in order MDCP → MDCY → MDCZ.

        - MDCP: the principal diagnosis is in MDCP's list and the patient is under one year
          (age in days: ``nwb_age``, else admission date − birth date); MDCP's ADRGs then
          hold newborns (< 29 days) and, in PV1, infants.
        - MDCY: the principal diagnosis is in MDCY's list (HIV).
        - MDCZ: the principal diagnosis is in one of MDCZ's body-region lists and the
          diagnoses (principal and other) fall in at least two different regions
          (多发严重创伤: injuries of at least two regions, one of them the principal).
        """
        pack = self.pack
        admitted: list[str] = []
        principal = case.principal
        days = case.age_days
        if principal in pack.mdc_codes.get("MDCP", ()) and days is not None and days < INFANT_DAYS:
            detail = f"MDCP: age {days} days and principal diagnosis in MDCP's list"
            trace.append(_step("pre-mdc", "matched", detail, "MDCP", (principal,)))
            admitted.append("MDCP")
        else:
            trace.append(_SKIPPED_MDCP)
        if principal in pack.mdc_codes.get("MDCY", ()):
            detail = "MDCY: principal diagnosis in MDCY's list"
            trace.append(_step("pre-mdc", "matched", detail, "MDCY", (principal,)))
            admitted.append("MDCY")
        else:
            trace.append(_SKIPPED_MDCY)
        regions_of = pack.regions_of
        if principal in regions_of:
            touched = [c for c in (principal, *case.others) if c in regions_of]
            regions = frozenset().union(*(regions_of[c] for c in touched))
            if len(regions) >= 2:
                detail = f"MDCZ: injuries in {len(regions)} regions: {'、'.join(sorted(regions))}"
                trace.append(_step("pre-mdc", "matched", detail, "MDCZ", tuple(touched)))
                admitted.append("MDCZ")
                return tuple(admitted)
        trace.append(_SKIPPED_MDCZ)
        return tuple(admitted)

    def _mdc(
        self, case: _Case, trace: list[TraceStep], *, final: bool
    ) -> tuple[tuple[str, ...], str]:
        """``(MDCs, why)``: the MDCs listing the principal diagnosis that the sex allows, in
        ``mdc.json`` order (tried in turn), or ``((), reason)`` when there is none: the
        case's end (traced ``ungroupable``) when ``final``, else a pre-MDC category that
        admitted it gets its ambiguous group.

        Only ten principal diagnoses are listed by two MDCs (MDCM and MDCN, where the sex
        decides, MDCL and MDCX, MDCP and MDCX); the sex is known (:meth:`_case`).
        """
        principal = case.principal
        outcome = "ungroupable" if final else "none"
        listed = self.pack.mdcs_of.get(principal, ())
        if not listed:
            reason = f"principal diagnosis {principal} is in no MDC's list (pre-MDC lists aside)"
            trace.append(_step("mdc", outcome, reason, codes=(principal,)))
            return (), reason
        allowed = tuple(mdc for mdc in listed if SEX_OF_MDC.get(mdc) in (None, case.gender))
        if not allowed:
            reason = (
                f"sex {case.gender.value} contradicts {', '.join(listed)}, the MDC(s) of the "
                f"principal diagnosis {principal}"
            )
            trace.append(_step("mdc", outcome, reason, codes=(principal,)))
            return (), reason
        for mdc in allowed:
            key = ("mdc", mdc, principal)
            step = self._steps.get(key)
            if step is None:
                detail = f"{mdc} {self.pack.mdc_names[mdc]}: lists the principal diagnosis"
                step = self._intern(key, _step("mdc", "chosen", detail, mdc, (principal,)))
            trace.append(step)
        return allowed, ""

    def _candidates(self, case: _Case, mdc: str) -> list[AdrgRule]:
        """The ADRGs of ``mdc`` the case's codes can open, in grouping order."""
        return self.pack.triggers[mdc].candidates(case.codes)

    def _adrg(self, case: _Case, mdc: str, trace: list[TraceStep]) -> AdrgRule | None:
        """The first ADRG of ``mdc`` (in grouping order) whose entry holds; None: ambiguous.

        Newborn ADRGs carry their age and birth-weight bands as extra entry conditions (a
        newborn always has a birth weight: :meth:`_case` refuses one without).
        """
        for adrg in self._candidates(case, mdc):
            if adrg.age_days is not None and (
                case.age_days is None or not adrg.age_days.holds(case.age_days)
            ):
                continue
            matched = _entry_match(case, adrg)
            if matched is None:
                continue
            if adrg.birth_weight is not None and (
                case.birth_weight is None or not adrg.birth_weight.holds(case.birth_weight)
            ):
                continue
            key = ("adrg", *matched)
            step = self._steps.get(key)
            if step is None:
                detail = f"{adrg.code} {adrg.name} ({adrg.kind}): entry condition holds"
                step = self._intern(key, _step("adrg", "matched", detail, *matched))
            trace.append(step)
            return adrg
        return None

    def _severity(self, case: _Case, trace: list[TraceStep]) -> Level:
        """The case's severity from its secondary diagnoses (rule 4), each traced.

        A diagnosis listed as MCC is judged as MCC only (the lists are disjoint in both
        schemes); it is excluded when the principal diagnosis is in its exclusion table.
        """
        complications = self.pack.complications
        steps = self._steps
        principal = case.principal
        level: Level = "none"
        for code in case.others:
            entry = complications.get(code)
            if entry is None:
                continue
            kind, table, excluded = entry
            if principal in excluded:
                key: tuple[object, ...] = ("excluded", code, principal)
                step = steps.get(key)
                if step is None:
                    detail = (
                        f"{kind.upper()} excluded: principal diagnosis {principal} is in "
                        f"table {table}"
                    )
                    step = self._intern(key, _step("cc", "excluded", detail, table, (code,)))
                trace.append(step)
                continue
            key = ("counted", code)
            step = steps.get(key)
            if step is None:
                label = kind.upper()
                detail = f"{label} (exclusion table {table})"
                step = self._intern(key, _step("cc", f"counted {label}", detail, table, (code,)))
            trace.append(step)
            if kind == "mcc":
                level = "mcc"
            elif level == "none":
                level = "cc"
        return level

    def _intern(self, key: tuple[object, ...], step: TraceStep) -> TraceStep:
        """Keep ``step`` for ``key``: equal decisions share one step (see :func:`_step`)."""
        if len(self._steps) >= _STEP_CACHE_SIZE:
            self._steps.clear()
        self._steps[key] = step
        return step


def _entry_match(case: _Case, adrg: AdrgRule) -> tuple[str, tuple[str, ...]] | None:
    """``(rule, codes)`` of the first entry alternative of ``adrg`` that holds, or None.

    Roles: principal diagnosis / principal procedure in the table; other diagnosis (any
    secondary), any diagnosis (principal or secondary) or any procedure in the table; an OR
    principal procedure; the principal diagnosis in an MDC list; no OR procedure.
    """
    for alternative in adrg.entry:
        found: list[str] = []
        rules: list[str] = []
        for clause in alternative:
            for term in clause:
                hits = _term_hits(case, term)
                if hits is not None:
                    found.extend(hits)
                    rules.append(term.label)
                    break
            else:
                break
        else:
            return f"{adrg.code} " + " + ".join(rules), tuple(found)
    return None


def _term_hits(case: _Case, term: Term) -> list[str] | None:
    """The codes of the case satisfying ``term`` (possibly none, for no_or_procedure)."""
    kind, codes = term.kind, term.codes
    if kind == 0 or kind == 6:
        return [case.principal] if case.principal in codes else None
    if kind == 3 or kind == 5:
        ppx = case.principal_procedure
        return [ppx] if ppx is not None and ppx in codes else None
    if kind == NO_OR:
        return [] if case.procedures.isdisjoint(codes) else None
    pool = case.other_set if kind == 1 else case.diagnoses if kind == 2 else case.procedures
    if pool.isdisjoint(codes):
        return None
    return sorted(pool & codes)


def _choose_drg(case: _Case, adrg: AdrgRule, level: Level, trace: list[TraceStep]) -> DrgRule | str:
    """Split the ADRG into its DRG (rule 5).

    1. Age: when some DRG has an age band (``小于等于6岁``) and the age in years is known and in
       it, only those DRGs remain; otherwise only DRGs without an age band.
    2. Length of stay: when the DRGs have stay bands, the first in pack order containing the
       stay (a stay under one day counts as one day); no stay recorded is a reason.
    3. Severity: :func:`_choose_by_severity`.
    """
    if adrg.by_level is not None:
        only = adrg.by_level[level]
        trace.append(_chosen(only, f"severity {level.upper()} → split {only.split}"))
        return only
    candidates = adrg.drgs
    notes: list[str] = []
    aged = [d for d in candidates if d.age_years is not None]
    if aged:
        years = case.age_years
        fitting = [
            d
            for d in aged
            if years is not None and d.age_years is not None and d.age_years.holds(years)
        ]
        if fitting:
            candidates = tuple(fitting)
            notes.append(f"age {years} in band {fitting[0].age_years}")
        else:
            candidates = tuple(d for d in candidates if d.age_years is None)
            notes.append(f"age {years} outside the age bands")
    if any(d.stay_days is not None for d in candidates):
        if case.stay_days is None:
            reason = f"ADRG {adrg.code} splits by length of stay and the case has none"
            trace.append(_step("drg", "ungroupable", reason, adrg.code))
            return reason
        stay = max(case.stay_days, 1)
        banded = [d for d in candidates if d.stay_days is not None and d.stay_days.holds(stay)]
        candidates = tuple(banded[:1])
        notes.append(f"length of stay {stay} days")
    drg = choose_by_severity(candidates, level)
    if drg is None:
        reason = f"no DRG of {adrg.code} fits ({'; '.join(notes)})"
        trace.append(_step("drg", "ungroupable", reason, adrg.code))
        return reason
    notes.append(f"severity {level.upper()} → split {drg.split}")
    trace.append(_chosen(drg, "; ".join(notes)))
    return drg


def _chosen(drg: DrgRule, why: str) -> TraceStep:
    return _step("drg", "chosen", f"{drg.code} {drg.name}: {why}", drg.code)

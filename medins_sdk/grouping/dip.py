"""The DIP grouping engine (按病种分值付费): a catalogue pack and the grouper that reads it.

:class:`DipGrouper` implements the :class:`medins_sdk.schemes.Grouper` protocol over a
:class:`~medins_sdk.grouping.dip_catalogue.DipCatalogue`. For each encounter:

1. **Input** (status ``ungroupable``, a reason, no group): no principal western diagnosis;
   any western diagnosis or procedure code outside the ICD-10 / ICD-9-CM-3 医保版 2.0
   editions (every such code named).
2. **Core group or 综合病种** by the rules of :mod:`medins_sdk.grouping.dip_match`: the most
   specific core group whose combination the case's procedures contain, leaving out only
   procedures of a tolerated kind; otherwise the 综合病种 of the principal diagnosis's category
   and the case's procedure kind (相关手术 > 治疗性操作 > 诊断性操作 > 保守治疗). A catalogue
   without that 综合病种 leaves the case ``ungroupable``, saying which group is missing.
3. **Auxiliary catalogue** (辅助目录): the severity coefficient of the case's secondary
   diagnoses and its age band's coefficient (:class:`~medins_sdk.grouping.dip_catalogue.
   Adjustments`); the adjusted score is in ``extras["adjusted_score"]`` when it differs.

The result's ``weight`` is the group's score (分值); ``extras`` says whether the group is
``core`` or ``comprehensive``, its diagnosis key and, for 综合病种, its kind. Every result
carries its trace, one step per decision, in words a coder can check against the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from medins_sdk.codes import OperationType
from medins_sdk.grouping.dip_catalogue import AdjustedScore, Adjustment, DipCatalogue, DipGroup
from medins_sdk.grouping.dip_match import KINDS, DipCase, Match, diagnosis_keys, unknown_codes
from medins_sdk.grouping.facts import western_diagnoses
from medins_sdk.models import Encounter, GroupResult, TraceStep
from medins_sdk.schemes import PaymentScheme

__all__ = ["DipCase", "DipCatalogue", "DipGrouper", "case_of"]

_PRINCIPAL_OPERATION: Final = OperationType.PRINCIPAL
_STEP_CACHE_SIZE: Final = 1 << 17
"""Interned trace steps a grouper keeps before starting afresh (bounded memory on any input)."""
NO_PRINCIPAL: Final = "no principal diagnosis (主要诊断): the case cannot be grouped"


def case_of(encounter: Encounter) -> DipCase | str:
    """The facts DIP reads from an encounter's settlement list, or why it has none.

    Procedures: the one flagged principal first, then the others as listed, each once. Age:
    the list's age in years, else computed from the birth date and the admission.
    """
    listing = encounter.settlement_list
    principal, others = western_diagnoses(listing)
    if principal is None:
        return NO_PRINCIPAL
    procedures: list[str] = []
    first: str | None = None
    for operation in listing.operations:
        code = operation.code
        if first is None and operation.type is _PRINCIPAL_OPERATION:
            first = code
        procedures.append(code)
    if first is not None and procedures[0] != first:
        procedures.insert(0, first)
    info = listing.info
    age = info.age
    if age is None:
        age = _age_years(info.birth_date, info.admission_time)
    return DipCase(principal, tuple(dict.fromkeys(procedures)), tuple(others), age)


def _age_years(birth: date | None, admitted: datetime | None) -> int | None:
    if birth is None or admitted is None:
        return None
    day = admitted.date()
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _step(
    step: str, outcome: str, detail: str, rule: str | None = None, codes: Iterable[str] = ()
) -> TraceStep:
    return TraceStep(step=step, outcome=outcome, rule=rule, codes=list(codes), detail=detail)


class DipGrouper:
    """Groups encounters with one :class:`DipCatalogue`; a :class:`~medins_sdk.schemes.Grouper`.

    Deterministic: matching sorts its candidates, and no set is written into a result
    unsorted. Trace steps are interned (equal decisions share one step; treat a result's
    trace as read-only): building a validated step costs several microseconds.
    """

    def __init__(self, name: str, catalogue: DipCatalogue) -> None:
        self.name = name
        self.catalogue = catalogue
        self._steps: dict[tuple[object, ...], TraceStep] = {}

    def group(self, encounter: Encounter, scheme: PaymentScheme) -> GroupResult:
        """Group ``encounter``; the rules are in the module docstring."""
        case = case_of(encounter)
        reason = case if isinstance(case, str) else unknown_codes(case)
        if reason is not None or isinstance(case, str):
            why = reason or NO_PRINCIPAL
            step = self._interned(("input", why), lambda: _step("input", "ungroupable", why))
            return GroupResult.from_trusted(
                id=encounter.id, scheme=scheme.name, status="ungroupable", reason=why, trace=[step]
            )
        match, group = self.locate(case)
        trace = [self._interned(("keys", case.principal), lambda: self._keys_step(case.principal))]
        if group is None or match.core is None:
            self._trace_comprehensive(case, match, group, trace)
        else:
            core_key = ("core", group.code, match.left_out)
            trace.append(self._interned(core_key, lambda: self._core_step(group, match)))
        if group is None:
            return GroupResult.from_trusted(
                id=encounter.id,
                scheme=scheme.name,
                status="ungroupable",
                reason=trace[-1].detail,
                trace=trace,
            )
        adjusted = self.catalogue.adjusted(group, case)
        extras = {"type": group.type, "diagnosis_key": group.diagnosis}
        if group.kind is not None:
            extras["kind"] = KINDS[group.kind]
        if adjusted.value != group.score:
            extras["adjusted_score"] = str(adjusted.value)
            self._trace_adjustments(case, adjusted, extras, trace)
        key = ("group", group.code, adjusted.value)
        trace.append(self._interned(key, lambda: _group_step(group, adjusted.value)))
        return GroupResult.from_trusted(
            id=encounter.id,
            scheme=scheme.name,
            status="grouped",
            group=group.code,
            group_name=group.name or None,
            weight=group.score,
            extras=extras,
            trace=trace,
        )

    def locate(self, case: DipCase) -> tuple[Match, DipGroup | None]:
        """Where ``case`` (codes already checked) falls: the match, and its group if the
        catalogue has one. Period settlements call this without building a result."""
        catalogue = self.catalogue
        match = catalogue.matcher.match(
            diagnosis_keys(case.principal), frozenset(case.procedures), case.principal_procedure
        )
        if match.core is not None:
            return match, catalogue.groups[match.core.code]
        return match, catalogue.comprehensive_for(match.category, match.kind)

    def _keys_step(self, principal: str) -> TraceStep:
        keys = " then ".join(diagnosis_keys(principal))
        detail = f"principal diagnosis {principal}: catalogue keys {keys}"
        return _step("diagnosis", "keyed", detail, codes=(principal,))

    def _core_step(self, group: DipGroup, match: Match) -> TraceStep:
        detail = f"{group.code} {group.name}: combination {group.combination} within the case's "
        detail += "procedures"
        if match.left_out:
            explain = self.catalogue.kinds.explain
            detail += "; left out (tolerated): " + "; ".join(map(explain, match.left_out))
        return _step("core", "matched", detail, group.code, sorted(group.procedures))

    def _trace_comprehensive(
        self, case: DipCase, match: Match, group: DipGroup | None, trace: list[TraceStep]
    ) -> None:
        """Why no core group, the case's procedure kind, and its 综合病种 (or its absence)."""
        keys = diagnosis_keys(case.principal)
        trace.append(
            self._interned(("no-core", keys, match.tried), lambda: self._no_core(keys, match))
        )
        procedures = tuple(sorted(case.procedures))
        trace.append(
            self._interned(("kind", procedures), lambda: self._kind_step(procedures, match.kind))
        )
        wanted = f"{match.category} {KINDS[match.kind]}"
        if group is None:
            reason = f"the catalogue has no 综合病种 for {wanted}: no group takes the case"
            step = self._interned(
                ("missing", wanted), lambda: _step("comprehensive", "ungroupable", reason)
            )
        else:
            detail = f"{group.code} {group.name}: 综合病种 of {wanted}"
            step = self._interned(
                ("comprehensive", group.code),
                lambda: _step("comprehensive", "chosen", detail, group.code),
            )
        trace.append(step)

    def _no_core(self, keys: tuple[str, ...], match: Match) -> TraceStep:
        if not match.tried:
            return _step(
                "core", "none", f"the catalogue has no core group under {' or '.join(keys)}"
            )
        tolerated = " / ".join(KINDS[k] for k in sorted(self.catalogue.tolerated)) or "nothing"
        detail = (
            f"no core group of {' or '.join(match.tried)} has a combination within the case's "
            f"procedures that leaves out only {tolerated}"
        )
        return _step("core", "none", detail)

    def _kind_step(self, procedures: tuple[str, ...], kind: int) -> TraceStep:
        detail = "; ".join(map(self.catalogue.kinds.explain, procedures)) or "no procedure"
        return _step(
            "kind", KINDS[kind], f"{detail}: the case's kind is {KINDS[kind]}", None, procedures
        )

    def _trace_adjustments(
        self, case: DipCase, adjusted: AdjustedScore, extras: dict[str, str], trace: list[TraceStep]
    ) -> None:
        """The auxiliary catalogue's steps, and their coefficients in ``extras`` for pricing."""
        if adjusted.severity is not None:
            code, entry = adjusted.severity
            extras["severity_coefficient"] = str(entry.coefficient)
            trace.append(
                self._interned(("severity", code, entry.key), lambda: _severity_step(code, entry))
            )
        if adjusted.age is not None:
            band = adjusted.age
            extras["age_coefficient"] = str(band.coefficient)
            trace.append(
                self._interned(("age", case.age, band.key), lambda: _age_step(case.age, band))
            )

    def _interned(self, key: tuple[object, ...], make: Callable[[], TraceStep]) -> TraceStep:
        """The step for ``key``, made once: equal decisions share one :class:`TraceStep`."""
        found = self._steps.get(key)
        if found is None:
            if len(self._steps) >= _STEP_CACHE_SIZE:
                self._steps.clear()
            found = self._steps[key] = make()
        return found


def _group_step(group: DipGroup, adjusted: Decimal) -> TraceStep:
    detail = f"{group.code} {group.name}: score {group.score}"
    if adjusted != group.score:
        detail += f", adjusted {adjusted}"
    return _step("group", "chosen", detail, group.code)


def _severity_step(code: str, entry: Adjustment) -> TraceStep:
    detail = (
        f"secondary diagnosis {code} is {entry.key} in the auxiliary catalogue "
        f"({entry.description or 'severity'}): score × {entry.coefficient}"
    )
    return _step("adjustment", "severity", detail, entry.key, (code,))


def _age_step(age: int | None, band: Adjustment) -> TraceStep:
    detail = (
        f"age {age} in band {band.key} of the auxiliary catalogue "
        f"({band.description or 'age'}): score × {band.coefficient}"
    )
    return _step("adjustment", "age", detail, band.key)

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
2. **Pre-MDC**, in order MDCA → MDCP → MDCY → MDCZ (see ``DrgGrouper._pre_mdc``), else the
   MDC whose list holds the principal diagnosis (the first in ``mdc.json`` order the sex
   allows; pre-MDC lists are not used for this, so an adult's newborn diagnosis has no MDC).
3. **ADRG**: within the MDC, surgical ADRGs, then non-OR procedure ADRGs, then medical ADRGs,
   each in pack order; the first whose entry conditions hold. None: the MDC's ambiguous group
   ``<letter>QY`` with status ``ambiguous``. A case with an operation that no surgical ADRG
   of the MDC lists still falls through to the medical ADRGs (REFERENCE §3 sends only cases
   that fit no ADRG to QY). The principal procedure is the operation flagged principal, else
   the first listed (as :attr:`SettlementList.principal_operation`). ``包含全部手术`` (SB1,
   TB1, WJ1, XJ1, YC1) asks for an operating-room principal procedure, ``且无手术`` (ZZ1) for no
   operating-room procedure at all; an operating-room procedure is a code of some surgical
   ADRG's procedure table, since the packs carry no operating-room flag.
4. **Severity**: each secondary diagnosis is looked up in the MCC list, then the CC list; it does
   not count when the principal diagnosis is in its exclusion table.
5. **DRG**: the ADRG's DRGs filtered by age band, then length-of-stay band (parsed from the DRG
   names at load), then chosen by severity (see :func:`_choose_by_severity`).

Neither CHS-DRG 1.1 nor Beijing 2022 has death (离院方式 死亡) variants, so ``discharge_way``
does not split; a pack whose names mention death is reported in :attr:`DrgPack.problems`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final, Literal

from medins_sdk.codes import (
    DiagnosisType,
    Flag,
    Gender,
    OperationType,
    icd9_insurance,
    icd10_insurance,
)
from medins_sdk.models import Encounter, GroupResult, TraceStep
from medins_sdk.packs import RulePack, load_pack
from medins_sdk.schemes import PaymentScheme

Level = Literal["mcc", "cc", "none"]
"""A case's severity: an MCC counted, else a CC counted, else neither."""

PRE_MDC: Final = ("MDCA", "MDCP", "MDCY", "MDCZ")
"""The pre-MDC categories in the order they are checked; never chosen by principal diagnosis."""

SEX_OF_MDC: Final[Mapping[str, Gender]] = {
    "MDCM": Gender.MALE,
    "MDCN": Gender.FEMALE,
    "MDCO": Gender.FEMALE,
}
"""MDCs restricted to one sex (CHS-DRG convention, by MDC code; the rule texts do not say)."""

NEWBORN_DAYS: Final = 29
"""Age in days below which a patient is a newborn (出生年龄＜29天)."""

INFANT_DAYS: Final = 365
"""Age in days of ``1周岁``, the upper bound of MDCP's infant ADRG (PV1)."""

_NOT_NEWBORN: Final = "MDCP: not a newborn (or PV1 infant) with a principal diagnosis of MDCP"

_WESTERN: Final = DiagnosisType.WESTERN
_MALE: Final = Gender.MALE
_FEMALE: Final = Gender.FEMALE
_YES: Final = Flag.YES
_PRINCIPAL_OPERATION: Final = OperationType.PRINCIPAL
"""Enum members held as module constants: member lookup on the class costs 0.2 µs a time."""

_KIND_ORDER: Final = {"surgical": 0, "non_or_procedure": 1, "medical": 2}
_LEVEL_PREFERENCE: Final[Mapping[Level, tuple[Level, ...]]] = {
    "mcc": ("mcc", "cc", "none"),
    "cc": ("cc", "none"),
    "none": ("none",),
}
"""DRG severities a case may take, most severe first: an MCC case without an MCC DRG takes the
CC DRG, a CC case without a CC DRG (splits 1/5, ``不伴严重并发症或合并症``) takes the 5 DRG."""
_SPLIT_LEVEL: Final[Mapping[str, Level]] = {"1": "mcc", "3": "cc", "5": "none"}

_NO_OR: Final = 7
_ROLE_CODES: Final = {
    "principal_diagnosis": 0,
    "other_diagnosis": 1,
    "any_diagnosis": 2,
    "principal_procedure": 3,
    "any_procedure": 4,
    "any_or_procedure": 5,
    "mdc_principal_diagnosis": 6,
    "no_or_procedure": _NO_OR,
}


@dataclass(frozen=True, slots=True)
class Band:
    """An inclusive integer range; None is open. Used for days, years and grams."""

    low: int | None
    high: int | None

    def holds(self, value: int) -> bool:
        """Whether ``value`` lies in the band."""
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        if self.high is None:
            return f"≥{self.low}"
        if self.low is None:
            return f"≤{self.high}"
        return f"{self.low}–{self.high}"


_BIRTH_AGE: Final = (
    (re.compile(r"(\d+)天≤出生年龄[＜<]1周岁"), lambda m: Band(int(m[1]), INFANT_DAYS - 1)),
    (re.compile(r"出生年龄[＜<](\d+)天"), lambda m: Band(None, int(m[1]) - 1)),
)
_BIRTH_WEIGHT: Final = (
    (re.compile(r"出生体重[＜<](\d+)g"), lambda m: Band(None, int(m[1]) - 1)),
    (re.compile(r"出生体重(\d+)-(\d+)g"), lambda m: Band(int(m[1]), int(m[2]))),
    (re.compile(r"出生体重[＞>](\d+)g"), lambda m: Band(int(m[1]) + 1, None)),
)
_AGE_YEARS: Final = ((re.compile(r"小于等于(\d+)岁"), lambda m: Band(None, int(m[1]))),)
_STAY: Final = (
    (re.compile(r"(\d+)天及以上"), lambda m: Band(int(m[1]), None)),
    (re.compile(r"(\d+)天以上"), lambda m: Band(int(m[1]), None)),
    (re.compile(r"(\d+)天以内"), lambda m: Band(None, int(m[1]) - 1)),
    (re.compile(r"(\d+)-(\d+)天"), lambda m: Band(int(m[1]), int(m[2]))),
    (re.compile(r"(\d+)天"), lambda m: Band(int(m[1]), int(m[1]))),
)
"""Length-of-stay phrases. ``N天及以上`` and ``N天以上`` include N (以上 includes its number in
Chinese usage); ``N天以内`` excludes it; ``N-M天`` includes both ends. Beijing's bands then
overlap on their shared day (RC2: ``14天及以上`` / ``7-14天``; RE1: ``14天以上`` / ``7-14天``), and
the first DRG listed takes that day (RC22, RE12): :attr:`DrgPack.problems` names each overlap.
"""
_UNREAD: Final = re.compile(r"\d+天|岁|体重|死亡|离院")
"""Words of a split condition left in a name after parsing: the name was not understood."""


def _parse(name: str, patterns: Sequence[tuple[re.Pattern[str], Any]]) -> tuple[Band | None, str]:
    """The band of the first pattern found in ``name`` and the name without it."""
    for pattern, band in patterns:
        match = pattern.search(name)
        if match:
            return band(match), name[: match.start()] + name[match.end() :]
    return None, name


@dataclass(frozen=True, slots=True)
class Term:
    """One condition of an entry clause: a role and the codes it looks for."""

    role: str
    table: str | None
    codes: frozenset[str]
    kind: int


@dataclass(frozen=True, slots=True)
class DrgRule:
    """A DRG with the split conditions parsed from its name."""

    code: str
    name: str
    split: str
    level: Level | None
    age_years: Band | None
    stay_days: Band | None


@dataclass(frozen=True, slots=True)
class AdrgRule:
    """An ADRG: entry alternatives (any) of clauses (all) of terms (any), and its DRGs."""

    code: str
    name: str
    mdc: str
    kind: str
    entry: tuple[tuple[tuple[Term, ...], ...], ...]
    age_days: Band | None
    birth_weight: Band | None
    drgs: tuple[DrgRule, ...]


class DrgPack:
    """A compiled DRG rule pack held as in-memory indices.

    Everything the grouper needs per case is precomputed here: frozensets per code table, the
    MDCs of each principal diagnosis in ``mdc.json`` order, each MDC's ADRGs in grouping order,
    one ``code → (level, table, excluded principals)`` dict for MCC/CC, and the parsed split
    conditions. :attr:`problems` lists what could not be read (unparsed DRG names, exclusion
    tables that do not exist, overlapping length-of-stay bands).
    """

    def __init__(self, pack: RulePack) -> None:
        """Index ``pack`` (already checksum-verified by :func:`medins_sdk.packs.load_pack`)."""
        self.manifest = pack.manifest
        self.scheme = pack.manifest.scheme
        self.version = pack.manifest.version
        problems: list[str] = []
        mdcs: list[dict[str, Any]] = json.loads(pack.text("mdc.json"))
        adrgs: list[dict[str, Any]] = json.loads(pack.text("adrg.json"))
        drgs: list[dict[str, Any]] = json.loads(pack.text("drg.json"))
        complications: dict[str, dict[str, dict[str, Any]]] = json.loads(pack.text("cc.json"))
        exclusions: dict[str, list[str]] = json.loads(pack.text("cc_exclusions.json"))

        self.mdc_names: dict[str, str] = {m["code"]: m["name"] for m in mdcs}
        self.mdc_codes: dict[str, frozenset[str]] = {
            m["code"]: frozenset(m["principal_diagnoses"]).union(*m["regions"].values())
            for m in mdcs
        }
        by_diagnosis: dict[str, list[str]] = {}
        for mdc in mdcs:
            if mdc["code"] not in PRE_MDC:
                for code in mdc["principal_diagnoses"]:
                    by_diagnosis.setdefault(code, []).append(mdc["code"])
        self.mdcs_of: dict[str, tuple[str, ...]] = {c: tuple(m) for c, m in by_diagnosis.items()}
        """Principal diagnosis → the ordinary (not pre-MDC) MDCs listing it, in file order."""
        regions: dict[str, set[str]] = {}
        for mdc in mdcs:
            for region, codes in mdc["regions"].items():
                for code in codes:
                    regions.setdefault(code, set()).add(region)
        self.regions_of: dict[str, frozenset[str]] = {c: frozenset(r) for c, r in regions.items()}
        """MDCZ diagnosis → the body regions (头颈部创伤 …) whose lists hold it."""

        self.or_procedures: frozenset[str] = frozenset(
            code
            for adrg in adrgs
            if adrg["kind"] == "surgical"
            for table_id, table in adrg["tables"].items()
            if _roles_of(adrg, table_id) & {"principal_procedure", "any_procedure"}
            for code in table["codes"]
        )
        """Operating-room procedures: every code of a surgical ADRG's procedure table. The packs
        carry no OR flag per code, so this is how ``包含全部手术`` and ``且无手术`` are read."""

        drgs_of: dict[str, list[DrgRule]] = {}
        for drg in drgs:
            drgs_of.setdefault(drg["adrg"], []).append(_drg_rule(drg, problems))
        self.adrgs: dict[str, AdrgRule] = {}
        for adrg in adrgs:
            rule = self._adrg_rule(adrg, tuple(drgs_of.get(adrg["code"], ())), problems)
            self.adrgs[rule.code] = rule
        self.adrgs_of: dict[str, tuple[AdrgRule, ...]] = {
            mdc: tuple(
                sorted(
                    (a for a in self.adrgs.values() if a.mdc == mdc),
                    key=lambda a: _KIND_ORDER[a.kind],
                )
            )
            for mdc in self.mdc_names
        }
        """MDC → its ADRGs, surgical then non-OR procedure then medical, each in pack order
        (``sorted`` is stable)."""
        self.triggers: dict[str, tuple[dict[str, tuple[int, ...]], frozenset[int]]] = {
            mdc: _trigger_index(rules) for mdc, rules in self.adrgs_of.items()
        }
        """MDC → (code → positions in :attr:`adrgs_of` of the ADRGs that code can open,
        positions of the ADRGs that need no code): only those ADRGs are tried for a case."""

        excluded = {table: frozenset(codes) for table, codes in exclusions.items()}
        self.complications: dict[str, tuple[Level, str | None, frozenset[str]]] = {}
        """Secondary diagnosis → (level, exclusion table, principal diagnoses that cancel it).
        CC entries are written first and MCC entries over them: MCC is looked up first."""
        for level in ("cc", "mcc"):
            for code, entry in complications[level].items():
                table = entry["exclusion_table"]
                if table is not None and table not in excluded:
                    problems.append(f"{level.upper()} {code}: exclusion table {table} is missing")
                self.complications[code] = (
                    "mcc" if level == "mcc" else "cc",
                    table,
                    excluded.get(table, frozenset()) if table is not None else frozenset(),
                )
        self.problems: tuple[str, ...] = tuple(problems)

    @classmethod
    def load(cls, root: Path | Traversable) -> DrgPack:
        """Load and verify the pack directory ``root`` and index it."""
        return cls(load_pack(root))

    def _adrg_rule(
        self, adrg: dict[str, Any], drgs: tuple[DrgRule, ...], problems: list[str]
    ) -> AdrgRule:
        """Freeze an ADRG's entry and read the newborn conditions from its name.

        An MDCP ADRG whose name sets no age (PR1, PS1–PS4, PU1 …) is for newborns (< 29 days):
        only PV1 (``29天≤出生年龄＜1周岁``) takes the infants that MDCP admits.
        """
        tables = adrg["tables"]
        entry = tuple(
            tuple(
                tuple(self._term(term, tables) for term in clause["any_of"])
                for clause in alternative["all_of"]
            )
            for alternative in adrg["entry"]
        )
        if not entry:
            problems.append(f"ADRG {adrg['code']} has no entry condition and is never chosen")
        age_days, rest = _parse(adrg["name"], _BIRTH_AGE)
        if age_days is None and adrg["mdc"] == "MDCP":
            age_days = Band(None, NEWBORN_DAYS - 1)
        birth_weight, rest = _parse(rest, _BIRTH_WEIGHT)
        if re.search(r"出生|体重", rest):
            problems.append(f"ADRG {adrg['code']} {adrg['name']}: condition not understood")
        stays = [d for d in drgs if d.stay_days is not None]
        for index, first in enumerate(stays):
            for second in stays[index + 1 :]:
                if _overlap(first.stay_days, second.stay_days):
                    problems.append(
                        f"ADRG {adrg['code']}: stay bands of {first.code} ({first.stay_days}) and "
                        f"{second.code} ({second.stay_days}) overlap; the first listed wins"
                    )
        return AdrgRule(
            adrg["code"],
            adrg["name"],
            adrg["mdc"],
            adrg["kind"],
            entry,
            age_days,
            birth_weight,
            drgs,
        )

    def _term(self, term: dict[str, Any], tables: dict[str, Any]) -> Term:
        """A term with its code set: a table of the ADRG, an MDC list or the OR procedures."""
        role: str = term["role"]
        table: str | None = term["table"]
        if role == "mdc_principal_diagnosis":
            codes = self.mdc_codes[str(table)]
        elif role in ("any_or_procedure", "no_or_procedure"):
            codes = self.or_procedures
        else:
            codes = frozenset(tables[str(table)]["codes"])
        return Term(role, table, codes, _ROLE_CODES[role])


def _trigger_index(
    adrgs: tuple[AdrgRule, ...],
) -> tuple[dict[str, tuple[int, ...]], frozenset[int]]:
    """Which ADRGs a code can open, so that a case tries a few ADRGs instead of all.

    Each entry alternative needs every clause, so one clause whose terms all look for codes
    (every role but ``no_or_procedure``) names codes of which the case must have one; the
    union of those over the alternatives is necessary for the ADRG. ADRGs with an alternative
    lacking such a clause (ZZ1: MDCZ diagnosis and no operation) are always tried.
    """
    by_code: dict[str, list[int]] = {}
    always: set[int] = set()
    for position, adrg in enumerate(adrgs):
        codes: set[str] = set()
        for alternative in adrg.entry:
            clause = next((c for c in alternative if all(t.kind != _NO_OR for t in c)), None)
            if clause is None:
                always.add(position)
                break
            codes.update(*(term.codes for term in clause))
        else:
            for code in codes:
                by_code.setdefault(code, []).append(position)
    return {code: tuple(p) for code, p in by_code.items()}, frozenset(always)


def _overlap(first: Band | None, second: Band | None) -> bool:
    """Whether two bands share a value (open ends reach infinity)."""
    if first is None or second is None:
        return False
    low = max(first.low or 0, second.low or 0)
    highs = [b.high for b in (first, second) if b.high is not None]
    return not highs or low <= min(highs)


def _roles_of(adrg: dict[str, Any], table_id: str) -> set[str]:
    """The roles under which ``adrg``'s entry reads table ``table_id``."""
    return {
        term["role"]
        for alternative in adrg["entry"]
        for clause in alternative["all_of"]
        for term in clause["any_of"]
        if term["table"] == table_id
    }


def _drg_rule(drg: dict[str, Any], problems: list[str]) -> DrgRule:
    """Read a DRG's age and length-of-stay bands and its severity from its name and split.

    The severity is the split character's (1 MCC, 3 CC, 5 neither) or, for other characters,
    the name's: ``不伴`` neither, ``伴严重并发症`` MCC, ``伴并发症`` CC (Beijing IT2B/IT2C).
    Newborn conditions repeat the ADRG's and are read there.
    """
    name: str = drg["name"]
    _, rest = _parse(name, _BIRTH_AGE)
    _, rest = _parse(rest, _BIRTH_WEIGHT)
    age_years, rest = _parse(rest, _AGE_YEARS)
    stay_days, rest = _parse(rest, _STAY)
    if _UNREAD.search(rest):
        problems.append(f"DRG {drg['code']} {name}: split condition not understood")
    level: Level | None = _SPLIT_LEVEL.get(drg["split"])
    if level is None:
        if "不伴" in name:
            level = "none"
        elif "伴严重并发症" in name:
            level = "mcc"
        elif "伴并发症" in name:
            level = "cc"
    return DrgRule(drg["code"], name, drg["split"], level, age_years, stay_days)


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


@dataclass(slots=True)
class _Case:
    """The facts of one encounter that grouping reads, extracted once."""

    principal: str
    others: tuple[str, ...]
    other_set: frozenset[str]
    diagnoses: frozenset[str]
    principal_procedure: str | None
    procedures: frozenset[str]
    codes: tuple[str, ...]
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


@dataclass(frozen=True, slots=True)
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
        diagnoses, procedures = icd10_insurance(), icd9_insurance()
        self._diagnosis_edition = diagnoses.name
        self._procedure_edition = procedures.name
        self._diagnosis_codes = frozenset(diagnoses.codes())
        self._procedure_codes = frozenset(procedures.codes())

    def group(self, encounter: Encounter, scheme: PaymentScheme) -> GroupResult:
        """Group ``encounter``; the rules are in the module docstring and the helpers below."""
        trace: list[TraceStep] = []
        outcome = self._decide(encounter, trace)
        return GroupResult(
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
        mdc = self._pre_mdc(case, trace)
        if mdc is None:
            mdc, reason = self._mdc(case, trace)
            if mdc is None:
                return _Outcome("ungroupable", reason)
        adrg = self._adrg(case, mdc, trace)
        if adrg is None:
            group = f"{mdc[-1]}QY"
            reason = f"no ADRG of {mdc} accepts the case: ambiguous group {group} (歧义组)"
            trace.append(_step("adrg", "ambiguous", reason, group))
            return _Outcome(
                "ambiguous", reason, mdc, None, group, f"{self.pack.mdc_names[mdc]}歧义组"
            )
        level = self._severity(case, trace)
        drg = _choose_drg(case, adrg, level, trace)
        if isinstance(drg, str):
            return _Outcome("ungroupable", drg, mdc, adrg.code)
        return _Outcome("grouped", None, mdc, adrg.code, drg.code, drg.name)

    def _case(self, encounter: Encounter) -> _Case | str:
        """Extract the grouping facts, or the reason the case cannot be grouped (rule 1)."""
        listing = encounter.settlement_list
        info = listing.info
        principal: str | None = None
        others: list[str] = []
        western, yes = _WESTERN, _YES
        for diagnosis in listing.diagnoses:
            if diagnosis.type is western:
                if diagnosis.principal is yes and principal is None:
                    principal = diagnosis.code
                else:
                    others.append(diagnosis.code)
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
            procedures.append(operation.code)
            if principal_operation is None and operation.type is _PRINCIPAL_OPERATION:
                principal_operation = operation.code
        if principal_operation is None and procedures:
            principal_operation = procedures[0]
        diagnoses = {principal, *others}
        procedure_set = frozenset(procedures)
        if not (diagnoses <= self._diagnosis_codes and procedure_set <= self._procedure_codes):
            parts = []
            unknown = sorted(diagnoses - self._diagnosis_codes)
            if unknown:
                parts.append(f"not in {self._diagnosis_edition}: {', '.join(unknown)}")
            unknown = sorted(procedure_set - self._procedure_codes)
            if unknown:
                parts.append(f"not in {self._procedure_edition}: {', '.join(unknown)}")
            return "codes " + "; ".join(parts)
        age_days = _age_days(info.birth_date, info.admission_time, info.newborn_age_days)
        age_years = info.age
        if age_years is None and age_days is not None:
            age_years = age_days // INFANT_DAYS
        weight = info.newborn_birth_weight
        birth_weight = int(weight) if weight else None
        if birth_weight is None and age_days is not None and age_days < NEWBORN_DAYS:
            return (
                f"a newborn (age {age_days} days) without a birth weight (新生儿出生体重) cannot "
                "be grouped: the newborn groups split by it"
            )
        other_set = frozenset(others)
        return _Case(
            principal=principal,
            others=tuple(dict.fromkeys(others)),
            other_set=other_set,
            diagnoses=frozenset(diagnoses),
            principal_procedure=principal_operation,
            procedures=procedure_set,
            codes=(*diagnoses, *procedure_set),
            gender=gender,
            age_days=age_days,
            age_years=age_years,
            stay_days=info.length_of_stay,
            birth_weight=birth_weight,
        )

    def _pre_mdc(self, case: _Case, trace: list[TraceStep]) -> str | None:
        """The pre-MDC category capturing the case, checked in order MDCA → MDCP → MDCY → MDCZ.

        - MDCA: any MDCA ADRG's entry holds (transplants, long ventilation, ECMO), whatever the
          principal diagnosis.
        - MDCP: a newborn (age < 29 days) whose principal diagnosis is in MDCP's list, or an
          infant (29 days to 1 year) whose principal diagnosis is in the principal-diagnosis
          table of an MDCP ADRG for that age (PV1, ``29天≤出生年龄＜1周岁``). Age in days is
          ``nwb_age``, else admission date − birth date; unknown age is not a newborn.
        - MDCY: the principal diagnosis is in MDCY's list (HIV).
        - MDCZ: the principal diagnosis is in one of MDCZ's body-region lists and the
          diagnoses (principal and other) fall in at least two different regions
          (多发严重创伤: injuries of at least two regions, one of them the principal).
        """
        pack = self.pack
        for adrg in self._candidates(case, "MDCA"):
            matched = _entry_match(case, adrg)
            if matched is not None:
                trace.append(
                    _step("pre-mdc", "matched", f"MDCA: {adrg.code} {adrg.name}", *matched)
                )
                return "MDCA"
        trace.append(_step("pre-mdc", "skipped", "MDCA: no MDCA ADRG's entry condition holds"))
        principal = case.principal
        days = case.age_days
        if principal in pack.mdc_codes.get("MDCP", ()) and days is not None and days < INFANT_DAYS:
            infant_match = days < NEWBORN_DAYS or any(
                adrg.age_days is not None
                and adrg.age_days.holds(days)
                and _entry_match(case, adrg) is not None
                for adrg in pack.adrgs_of["MDCP"]
            )
            if infant_match:
                detail = f"MDCP: age {days} days and principal diagnosis in MDCP's list"
                trace.append(_step("pre-mdc", "matched", detail, "MDCP", (principal,)))
                return "MDCP"
        trace.append(_step("pre-mdc", "skipped", _NOT_NEWBORN))
        if principal in pack.mdc_codes.get("MDCY", ()):
            detail = "MDCY: principal diagnosis in MDCY's list"
            trace.append(_step("pre-mdc", "matched", detail, "MDCY", (principal,)))
            return "MDCY"
        trace.append(_step("pre-mdc", "skipped", "MDCY: principal diagnosis not in MDCY's list"))
        regions_of = pack.regions_of
        if principal in regions_of:
            touched = [c for c in (principal, *case.others) if c in regions_of]
            regions = frozenset().union(*(regions_of[c] for c in touched))
            if len(regions) >= 2:
                detail = f"MDCZ: injuries in {len(regions)} regions: {'、'.join(sorted(regions))}"
                trace.append(_step("pre-mdc", "matched", detail, "MDCZ", tuple(touched)))
                return "MDCZ"
        trace.append(
            _step("pre-mdc", "skipped", "MDCZ: principal diagnosis and one other region needed")
        )
        return None

    def _mdc(self, case: _Case, trace: list[TraceStep]) -> tuple[str | None, str]:
        """``(MDC, why)``: the MDC listing the principal diagnosis that the sex allows, or
        ``(None, reason)``.

        When several MDCs list it, the first in ``mdc.json`` order whose sex restriction the
        patient meets (the sex is known: :meth:`_case` refuses others).
        """
        principal = case.principal
        candidates = self.pack.mdcs_of.get(principal, ())
        if not candidates:
            reason = f"principal diagnosis {principal} is in no MDC's list (pre-MDC lists aside)"
            trace.append(_step("mdc", "ungroupable", reason, codes=(principal,)))
            return None, reason
        for mdc in candidates:
            sex = SEX_OF_MDC.get(mdc)
            if sex is None or case.gender is sex:
                detail = f"{mdc} {self.pack.mdc_names[mdc]}: lists the principal diagnosis"
                trace.append(_step("mdc", "chosen", detail, mdc, (principal,)))
                return mdc, detail
        reason = (
            f"sex {case.gender.value} contradicts {', '.join(candidates)}, the MDC(s) of the "
            f"principal diagnosis {principal}"
        )
        trace.append(_step("mdc", "ungroupable", reason, codes=(principal,)))
        return None, reason

    def _candidates(self, case: _Case, mdc: str) -> list[AdrgRule]:
        """The ADRGs of ``mdc`` the case's codes can open, in grouping order."""
        by_code, always = self.pack.triggers.get(mdc, ({}, frozenset()))
        positions = set(always)
        for code in case.codes:
            opened = by_code.get(code)
            if opened:
                positions.update(opened)
        rules = self.pack.adrgs_of[mdc]
        return [rules[position] for position in sorted(positions)]

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
            detail = f"{adrg.code} {adrg.name} ({adrg.kind}): entry condition holds"
            trace.append(_step("adrg", "matched", detail, *matched))
            return adrg
        return None

    def _severity(self, case: _Case, trace: list[TraceStep]) -> Level:
        """The case's severity from its secondary diagnoses (rule 4), each traced.

        A diagnosis listed as MCC is judged as MCC only (the lists are disjoint in both
        schemes); it is excluded when the principal diagnosis is in its exclusion table.
        """
        complications = self.pack.complications
        principal = case.principal
        level: Level = "none"
        for code in case.others:
            entry = complications.get(code)
            if entry is None:
                continue
            kind, table, excluded = entry
            label = kind.upper()
            if principal in excluded:
                detail = f"{label} excluded: principal diagnosis {principal} is in table {table}"
                trace.append(_step("cc", "excluded", detail, table, (code,)))
                continue
            trace.append(
                _step(
                    "cc", f"counted {label}", f"{label} (exclusion table {table})", table, (code,)
                )
            )
            if kind == "mcc" or level == "none":
                level = kind
        return level


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
                    rules.append(f"{term.role}:{term.table}" if term.table else term.role)
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
    if kind == _NO_OR:
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
    drg = _choose_by_severity(candidates, level)
    if drg is None:
        reason = f"no DRG of {adrg.code} fits ({'; '.join(notes)})"
        trace.append(_step("drg", "ungroupable", reason, adrg.code))
        return reason
    notes.append(f"severity {level.upper()} → split {drg.split}")
    trace.append(_step("drg", "chosen", f"{drg.code} {drg.name}: " + "; ".join(notes), drg.code))
    return drg


def _choose_by_severity(candidates: Sequence[DrgRule], level: Level) -> DrgRule | None:
    """The DRG for the case's severity among ``candidates``.

    A single candidate is taken whatever its severity (split 9, D, a stay band). Otherwise the
    most severe DRG the case's level allows (:data:`_LEVEL_PREFERENCE`); when none does (a
    case without CC and no 5 DRG), the least severe candidate, so that grouping stays total.
    """
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    by_level = {d.level: d for d in candidates}
    for wanted in _LEVEL_PREFERENCE[level]:
        if wanted in by_level:
            return by_level[wanted]
    return candidates[-1]

"""DIP matching: which catalogue group a case's principal diagnosis and procedures fall into.

The engine (:mod:`medins_sdk.grouping.dip`) and the catalogue builder
(:mod:`medins_sdk.grouping.dip_builder`) both decide through :class:`Matcher`, so grouping the
history a catalogue was built from puts every case in the group whose mean it counted in.
The rules (REFERENCE §4, national DIP technical specification, and the choices documented in
``docs/dip.md``):

1. **Diagnosis keys.** A core group names its principal diagnosis at the catalogue's
   granularity: an ICD-10 subcategory (亚目, ``C18.7``) or category (类目, ``C18``); a
   catalogue may mix both. A case is looked up under its principal diagnosis's subcategory,
   then its category (:func:`diagnosis_keys`).
2. **Core groups** (核心病种): a core group matches when its procedure combination is a
   subset of the case's procedures — order does not matter, repeats count once, and the empty
   combination is the group's conservative (保守治疗) form. Among matching groups the most
   specific wins: the larger combination, then the one holding the case's principal
   procedure, then the subcategory key before the category key, then the group code.
3. **Procedures outside the combination.** The case stays in the chosen core group only if
   each of its procedures outside the combination is of a *tolerated* kind (pack parameter
   ``tolerated_procedure_kinds``; by default 诊断性操作: a colonoscopy before a colectomy does
   not make another group). Otherwise the next candidate is tried; when none is left, the
   case is 综合病种. A procedure the catalogue never lists is treated the same way.
4. **综合病种** (comprehensive groups): the rest, by the principal diagnosis's category and
   the case's procedure kind — the highest kind among its procedures, 相关手术 > 治疗性操作 >
   诊断性操作, and 保守治疗 without procedures.
5. **Procedure kinds** (:class:`ProcedureKinds`): the national clinical classification's
   category of each code (``procedure_categories()``: 手术 / 介入治疗 / 治疗性操作 /
   诊断性操作) mapped to a DIP kind by the pack parameter ``procedure_kinds`` (by default
   手术 → 相关手术 and 介入治疗 → 治疗性操作, as Tai'an's DIP procedure groups file every
   interventional code it lists). An insurance-edition code the classification lacks takes the
   category its clinical-edition codes share through the crosswalk; a code still unclassified
   (adjunct codes such as 00.3x computer-assisted surgery, 90–91 specimen microscopy) takes
   ``unclassified_procedure_kind`` (by default 诊断性操作, the lowest: an unclassified code
   never lifts a case above what its classified procedures show).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import repeat
from typing import Final, Literal

from medins_sdk.codes import (
    icd9_crosswalk,
    icd9_insurance,
    icd10_category,
    icd10_insurance,
    icd10_subcategory,
    outside_insurance_editions,
    procedure_categories,
)
from medins_sdk.codes.icd import PROCEDURE_CATEGORIES

KINDS: Final = ("保守治疗", "诊断性操作", "治疗性操作", "相关手术")
"""The DIP procedure kinds of 综合病种, lowest first: a kind's rank is its index."""
CONSERVATIVE: Final = 0
"""Rank of 保守治疗: no procedure."""

GroupType = Literal["core", "comprehensive"]


@lru_cache(maxsize=1 << 16)
def diagnosis_keys(code: str) -> tuple[str, ...]:
    """The catalogue keys of a principal diagnosis, most specific first: ``("C18.7", "C18")``.

    A code without a subcategory digit (``K30.x00``, ``I21``) has one key, its category.
    """
    category = icd10_category(code)
    try:
        subcategory = icd10_subcategory(code)
    except ValueError:
        return (category,)
    return (subcategory, category) if subcategory != category else (category,)


@dataclass(frozen=True, slots=True)
class ProcedureKinds:
    """Each ICD-9-CM-3 医保版 2.0 code's DIP kind (a rank into :data:`KINDS`) and its basis."""

    ranks: Mapping[str, int]
    basis: Mapping[str, str]
    """Code → the clinical category it was classified by (``手术``, or ``手术 (crosswalk)``);
    unclassified codes are absent."""
    unclassified: int

    def rank(self, code: str) -> int:
        """The code's kind; codes outside the edition count as unclassified."""
        return self.ranks.get(code, self.unclassified)

    def explain(self, code: str) -> str:
        """``45.7302 手术 → 相关手术``, or how an unclassified code was counted."""
        basis = self.basis.get(code)
        label = KINDS[self.rank(code)]
        if basis is None:
            return f"{code} unclassified → {label} (unclassified_procedure_kind)"
        return f"{code} {basis} → {label}"

    @staticmethod
    @cache
    def build(mapping: tuple[tuple[str, int], ...], unclassified: int) -> ProcedureKinds:
        """Classify every insurance-edition code (rule 5 of the module docstring).

        ``mapping`` pairs each clinical category with a rank; cached, since a catalogue, its
        builder and every grouper share one classification.
        """
        to_rank = dict(mapping)
        missing = PROCEDURE_CATEGORIES - to_rank.keys()
        if missing:
            raise ValueError(f"procedure kinds: no DIP kind for {', '.join(sorted(missing))}")
        categories = procedure_categories()
        clinical_of: dict[str, set[str]] = {}
        crosswalk = icd9_crosswalk()
        for clinical in crosswalk:
            for target in crosswalk.map(clinical):
                clinical_of.setdefault(target, set()).add(clinical)
        ranks: dict[str, int] = {}
        basis: dict[str, str] = {}
        for code in icd9_insurance():
            category = categories.category_of(code)
            how = category
            if category is None:
                shared = {categories.category_of(c) for c in clinical_of.get(code, ())} - {None}
                if len(shared) == 1:
                    category = shared.pop()
                    how = f"{category} (crosswalk)"
            if category is not None and how is not None:
                ranks[code] = to_rank[category]
                basis[code] = how
        return ProcedureKinds(ranks, basis, unclassified)


@dataclass(frozen=True, slots=True)
class DipCase:
    """The facts of a case that DIP grouping and its 辅助目录 read, however the case arrived
    (an encounter, a row of a history CSV)."""

    principal: str
    """The principal western diagnosis (主要诊断), ICD-10 医保版 2.0."""
    procedures: tuple[str, ...] = ()
    """Procedure codes, the principal procedure first (as listed otherwise)."""
    others: tuple[str, ...] = ()
    """Secondary western diagnoses (其他诊断), for the severity adjustments."""
    age: int | None = None
    """Age in years at admission, for the age adjustments."""

    @property
    def principal_procedure(self) -> str | None:
        return self.procedures[0] if self.procedures else None


@cache
def _insurance_codes() -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(icd10_insurance().codes()), frozenset(icd9_insurance().codes())


def unknown_codes(case: DipCase) -> str | None:
    """Why ``case`` cannot be grouped — codes outside the ICD-10 / ICD-9-CM-3 医保版 2.0
    editions, each named — or None. The engine and the history reader both refuse them, so a
    catalogue is never built from cases its own engine would not group."""
    diagnoses, procedures = _insurance_codes()
    if (
        case.principal in diagnoses
        and diagnoses.issuperset(case.others)
        and procedures.issuperset(case.procedures)
    ):
        return None
    return outside_insurance_editions((case.principal, *case.others), case.procedures)


@dataclass(frozen=True, slots=True)
class Core:
    """A core group as matching sees it: code, diagnosis key and procedure combination."""

    code: str
    diagnosis: str
    procedures: frozenset[str]


@dataclass(frozen=True, slots=True)
class Match:
    """Where a case falls: a core group (with the procedures it left out), or 综合病种."""

    core: Core | None
    left_out: tuple[str, ...]
    """The case's procedures outside the core combination (all of tolerated kinds), sorted."""
    category: str
    """The principal diagnosis's category: the 综合病种 key."""
    kind: int
    """The case's procedure kind (rank): the 综合病种 key (computed for core matches too)."""
    tried: tuple[str, ...]
    """Diagnosis keys under which the catalogue has core groups (for explanations)."""


class Matcher:
    """The core groups of a catalogue indexed for :meth:`match`; see the module docstring."""

    def __init__(
        self, cores: Iterable[Core], kinds: ProcedureKinds, tolerated: frozenset[int]
    ) -> None:
        """Index ``cores``; two core groups with one diagnosis key and combination are an error."""
        self.kinds = kinds
        self.tolerated = tolerated
        self._exact: dict[tuple[str, frozenset[str]], Core] = {}
        by_code: dict[tuple[str, str], list[Core]] = {}
        self._conservative: dict[str, Core] = {}
        for core in cores:
            key = (core.diagnosis, core.procedures)
            if key in self._exact:
                raise ValueError(
                    f"core groups {self._exact[key].code} and {core.code} have the same "
                    f"diagnosis {core.diagnosis} and procedures"
                )
            self._exact[key] = core
            if not core.procedures:
                self._conservative[core.diagnosis] = core
            for code in core.procedures:
                by_code.setdefault((core.diagnosis, code), []).append(core)
        self._by_code = {key: tuple(found) for key, found in by_code.items()}
        """(diagnosis key, procedure) → the key's core groups whose combination holds it."""
        self._keys = frozenset(core.diagnosis for core in self._exact.values())

    def match(
        self, keys: tuple[str, ...], procedures: frozenset[str], principal: str | None
    ) -> Match:
        """Where a case with diagnosis ``keys`` (:func:`diagnosis_keys`), ``procedures`` and
        ``principal`` procedure falls."""
        category = keys[-1][:3]
        kind = self.kind(procedures)
        exact = self._exact
        for key in keys:
            core = exact.get((key, procedures))
            if core is not None:
                return Match(core, (), category, kind, (key,))
        tried = tuple(key for key in keys if key in self._keys)
        if not tried:
            return Match(None, (), category, kind, tried)
        candidates: list[tuple[int, bool, int, str, Core]] = []
        by_code = self._by_code
        for position, key in enumerate(tried):
            found = {
                core
                for code in procedures
                for core in by_code.get((key, code), ())
                if core.procedures < procedures
            }
            conservative = self._conservative.get(key)
            if conservative is not None:
                found.add(conservative)
            candidates.extend(
                (-len(core.procedures), principal not in core.procedures, position, core.code, core)
                for core in found
            )
        candidates.sort(key=lambda item: item[:4])
        ranks, unclassified, tolerated = self.kinds.ranks, self.kinds.unclassified, self.tolerated
        for *_, core in candidates:
            left_out = procedures - core.procedures
            if all(ranks.get(code, unclassified) in tolerated for code in left_out):
                return Match(core, tuple(sorted(left_out)), category, kind, tried)
        return Match(None, (), category, kind, tried)

    def kind(self, procedures: Collection[str]) -> int:
        """The case's procedure kind: the highest of its procedures', 保守治疗 for none."""
        if not procedures:
            return CONSERVATIVE
        kinds = self.kinds
        return max(map(kinds.ranks.get, procedures, repeat(kinds.unclassified, len(procedures))))


def comprehensive_code(category: str, kind: int) -> str:
    """The code the builder gives a 综合病种: ``C18:综合相关手术``."""
    return f"{category}:综合{KINDS[kind]}"


def core_code(diagnosis: str, procedures: Iterable[str]) -> str:
    """The code the builder gives a core group: ``C18.2:45.2300+45.7302`` (procedures sorted),
    ``C18.2:保守治疗`` for the conservative form."""
    combination = "+".join(sorted(procedures)) or KINDS[CONSERVATIVE]
    return f"{diagnosis}:{combination}"

"""A DIP catalogue (病种分值目录) as a checksummed pack: groups, scores, 辅助目录 and parameters.

A catalogue pack is a directory with ``manifest.json``, ``catalogue.csv`` (one row per group)
and ``adjustments.csv`` (the auxiliary catalogue, 辅助目录). The builder
(:mod:`medins_sdk.grouping.dip_builder`) writes one from a region's history;
``medins dip import-catalogue`` writes one from a catalogue as a region publishes it, through
the column mapping of :data:`COLUMNS`. :class:`DipCatalogue` loads either, verifies it and
indexes it for the engine (:mod:`medins_sdk.grouping.dip`) and the pricer
(:mod:`medins_sdk.pricing.dip`). Every number the scheme needs beyond the scores — the scale,
the point value, the outlier thresholds, how procedures count — is a manifest parameter
(:data:`PARAMETERS`), marked ``source: null`` (configurable) unless its source is named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final, Literal

from medins_sdk.codes import icd9_insurance, icd10_insurance
from medins_sdk.codes.patterns import ICD9CM3_SHAPE, ICD10_SHAPE
from medins_sdk.csvtable import GROUP_CODE, GROUP_NAME, CodeTable, TableLayout, decimal_cell
from medins_sdk.grouping.dip_match import (
    CONSERVATIVE,
    KINDS,
    Core,
    DipCase,
    GroupType,
    Matcher,
    ProcedureKinds,
)
from medins_sdk.grouping.drg_pack import Band
from medins_sdk.money import CENT, round_fraction
from medins_sdk.packs import (
    PackData,
    PackError,
    PackManifest,
    PackParameter,
    load_pack,
    write_pack_dir,
)
from medins_sdk.pricing.ungrouped import UNGROUPED

CATALOGUE: Final = "catalogue.csv"
ADJUSTMENTS: Final = "adjustments.csv"
ADJUSTMENTS_HEADER: Final = b"kind,key,coefficient,description\n"
"""An empty auxiliary catalogue: no adjustment."""

SCORE_PLACES: Final = 4
"""Scores, adjusted scores, case scores and coefficients carry four decimals (half up)."""
SCORE_STEP: Final = Decimal(1).scaleb(-SCORE_PLACES)

SCALE: Final = "score_scale"
OVERALL_MEAN: Final = "overall_mean_cost"
YEAR_WEIGHTS: Final = "year_weights"
PROCEDURE_KINDS: Final = "procedure_kinds"
UNCLASSIFIED: Final = "unclassified_procedure_kind"
TOLERATED: Final = "tolerated_procedure_kinds"
POINT_VALUE: Final = "point_value"
DEFAULT_COEFFICIENT: Final = "default_hospital_coefficient"
LOW_RATIO: Final = "low_outlier_ratio"
HIGH_MULTIPLE: Final = "high_outlier_multiple"
REVIEW_MULTIPLE: Final = "review_multiple"


NATIONAL_SPEC: Final = "国家医疗保障按病种分值付费(DIP)技术规范 (REFERENCE §4)"


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """A catalogue parameter's default, unit, meaning and (when there is one) primary source."""

    default: str
    unit: str
    description: str
    source: str | None = None


PARAMETERS: Final[Mapping[str, ParameterSpec]] = {
    SCALE: ParameterSpec(
        "1000",
        "points",
        "score = group mean cost ÷ overall mean cost × scale; cities (Guangzhou among them) "
        "scale so that a reference is 1000 points (REFERENCE §4: configurable)",
    ),
    OVERALL_MEAN: ParameterSpec(
        "none",
        "yuan",
        "mean cost of every case of the history (weighted by year); a group's mean = score ÷ "
        "scale × this, where the catalogue lists no mean cost",
    ),
    YEAR_WEIGHTS: ParameterSpec(
        "1:2:7",
        "oldest:…:latest",
        "weights of the history's years, the most recent last, for means and the budget point "
        "value",
        NATIONAL_SPEC,
    ),
    PROCEDURE_KINDS: ParameterSpec(
        "手术:相关手术;介入治疗:治疗性操作;治疗性操作:治疗性操作;诊断性操作:诊断性操作",
        "category:kind",
        "DIP kind of each category of the national procedure classification; 介入治疗 counts "
        "as 治疗性操作, as in Tai'an's DIP procedure groups (every 介入治疗 code they list)",
    ),
    UNCLASSIFIED: ParameterSpec(
        "诊断性操作",
        "kind",
        "kind of a procedure code the national classification (and its crosswalk) leaves "
        "unclassified: the lowest, so such a code never lifts a case's kind",
    ),
    TOLERATED: ParameterSpec(
        "诊断性操作",
        "kinds (; separated) or none",
        "kinds of procedure a case may have outside its core group's combination and stay in "
        "the group; any other procedure outside it makes the case 综合病种",
    ),
    POINT_VALUE: ParameterSpec(
        "none", "yuan per point", "point value used when none is configured (none: required)"
    ),
    DEFAULT_COEFFICIENT: ParameterSpec(
        "1",
        "factor",
        "hospital coefficient (医院系数) of an institution the coefficient table does not list",
    ),
    LOW_RATIO: ParameterSpec(
        "0.5",
        "ratio or none",
        "low-cost case when cost < ratio × the group's mean; case score = score × cost ÷ mean "
        "(the national spec's 50 %; no Guangzhou source at hand)",
    ),
    HIGH_MULTIPLE: ParameterSpec(
        "2",
        "multiple",
        "high-cost case when cost > multiple × the group's mean; case score = score × ((cost ÷ "
        "mean − multiple) + 1) (the national spec's 2×; no Guangzhou source at hand)",
    ),
    REVIEW_MULTIPLE: ParameterSpec(
        "5",
        "multiple or none",
        "cost > multiple × the group's mean is flagged for expert review (专家评审) (the "
        "national spec's 5×; no Guangzhou source at hand)",
    ),
    UNGROUPED: ParameterSpec(
        "itemised",
        "",
        "cases no group takes (codes outside the editions, no 综合病种 for their category and "
        "kind): paid item by item (itemised) or rejected (reject)",
    ),
}
"""Every parameter a catalogue pack carries; values in the manifest are exact strings."""

TYPES: Final[Mapping[str, GroupType]] = {
    "core": "core",
    "核心": "core",
    "核心病种": "core",
    "comprehensive": "comprehensive",
    "综合": "comprehensive",
    "综合病种": "comprehensive",
}
"""Accepted spellings of a group's type (病种类型)."""

COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "code": GROUP_CODE,
    "name": GROUP_NAME,
    "type": ("type", "病种类型", "类型", "病种分类"),
    "diagnosis": ("diagnosis", "主要诊断编码", "主要诊断代码", "诊断编码", "疾病编码"),
    "procedures": (
        "procedures",
        "手术操作编码",
        "手术操作代码",
        "操作编码",
        "手术编码",
        "治疗方式",
    ),
    "score": ("score", "分值", "病种分值", "基准分值"),
    "mean_cost": ("mean_cost", "例均费用", "次均费用", "平均费用"),
    "cases": ("cases", "病例数", "例数"),
}
"""Catalogue columns and the headers accepted for each, English (as the builder writes them)
or as regions publish them. ``procedures`` holds the combination's codes separated by ``+``
(or ``|``, ``/``, ``;``, ``、``, spaces), or a kind: empty or ``保守治疗`` for a core group's
conservative form, ``保守治疗`` / ``诊断性操作`` / ``治疗性操作`` / ``相关手术`` (``…组``
accepted) for a 综合病种. ``type`` is optional: without it, a row whose diagnosis is a category
and whose procedures name a kind is a 综合病种 (give the column when core groups are keyed on
categories). ``mean_cost`` and ``cases`` are optional."""

_LAYOUT_REQUIRED: Final = ("code", "diagnosis", "score")
_DIAGNOSIS_KEY: Final = re.compile(r"[A-Z]\d{2}(\.\d)?")
_SEPARATORS: Final = re.compile(r"[+|/;；、,，\s]+")
_KIND_WORDS: Final[Mapping[str, int]] = {
    **{kind: rank for rank, kind in enumerate(KINDS)},
    **{f"{kind}组": rank for rank, kind in enumerate(KINDS)},
}


class CatalogueError(ValueError):
    """A catalogue or auxiliary table that cannot be used; names the source and the lines."""


LAYOUT: Final = TableLayout("DIP catalogue", COLUMNS, _LAYOUT_REQUIRED, CatalogueError)


@dataclass(frozen=True, slots=True)
class DipGroup:
    """One group of the catalogue: a core group or a 综合病种, its score and (if known) mean."""

    code: str
    name: str
    type: GroupType
    diagnosis: str
    """Core: the diagnosis key (category or subcategory); 综合病种: the category."""
    procedures: frozenset[str]
    """Core: the procedure combination (empty: conservative); 综合病种: empty."""
    kind: int | None
    """综合病种: its procedure kind (rank into ``KINDS``); core: None."""
    score: Decimal
    mean_cost: Decimal | None
    cases: int | None

    @property
    def combination(self) -> str:
        """The combination as the catalogue writes it: ``45.2300+45.7302``, or a kind."""
        if self.kind is not None:
            return KINDS[self.kind]
        return "+".join(sorted(self.procedures)) or KINDS[CONSERVATIVE]


def _group(code: str, cells: Mapping[str, str]) -> DipGroup | str:
    """One catalogue row as a :class:`DipGroup`, or its problem in words."""
    diagnosis = cells["diagnosis"]
    if not _DIAGNOSIS_KEY.fullmatch(diagnosis):
        return f"diagnosis {diagnosis!r} is not an ICD-10 category (C18) or subcategory (C18.7)"
    parts = [part for part in _SEPARATORS.split(cells["procedures"]) if part]
    kinds = [_KIND_WORDS[part] for part in parts if part in _KIND_WORDS]
    if kinds and len(parts) > 1:
        return f"procedures {cells['procedures']!r} mix a kind with codes"
    bad = [part for part in parts if part not in _KIND_WORDS and not ICD9CM3_SHAPE.fullmatch(part)]
    if bad:
        return f"procedure {bad[0]!r} is not an ICD-9-CM-3 code"
    type_text = cells["type"]
    group_type = TYPES.get(type_text)
    if type_text and group_type is None:
        return f"type {type_text!r} is not one of {' / '.join(TYPES)}"
    if group_type is None:
        group_type = "comprehensive" if kinds and len(diagnosis) == 3 else "core"
    score = decimal_cell(cells["score"], SCORE_PLACES)
    if score is None:
        return f"score {cells['score']!r} is not a non-negative decimal (≤ {SCORE_PLACES} places)"
    mean = decimal_cell(cells["mean_cost"], 2) if cells["mean_cost"] else None
    if cells["mean_cost"] and (mean is None or mean <= 0):
        return f"mean cost {cells['mean_cost']!r} is not a positive amount in yuan"
    cases = int(cells["cases"]) if cells["cases"].isdigit() else None
    if cells["cases"] and cases is None:
        return f"cases {cells['cases']!r} is not a whole number"
    if group_type == "comprehensive":
        if len(diagnosis) != 3:
            return f"a 综合病种 is keyed on a category, not {diagnosis}"
        if not kinds:
            return f"a 综合病种 names its kind ({' / '.join(KINDS)}) in place of procedures"
        procedures: frozenset[str] = frozenset()
        kind: int | None = kinds[0]
    else:
        if kinds and kinds[0] != CONSERVATIVE:
            return f"a core group lists procedure codes (or 保守治疗), not {KINDS[kinds[0]]}"
        procedures, kind = frozenset(() if kinds else parts), None
    mean_cost = None if mean is None else mean.quantize(CENT)
    return DipGroup(
        code, cells["name"], group_type, diagnosis, procedures, kind, score, mean_cost, cases
    )


class CatalogueTable(CodeTable[DipGroup]):
    """Group code → :class:`DipGroup`, read from a catalogue CSV (:data:`COLUMNS`)."""

    @classmethod
    def from_csv(cls, text: str, source: str) -> CatalogueTable:
        """Read the catalogue; every bad line is reported at once (:class:`CatalogueError`)."""
        return cls(LAYOUT.read(text, source, _group), source)


ADJUSTMENT_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "code": ("key", "code", "编码", "条件"),
    "kind": ("kind", "类型", "目录"),
    "coefficient": ("coefficient", "系数", "调整系数"),
    "description": ("description", "name", "说明", "名称"),
}
"""The auxiliary catalogue's columns: ``kind`` is ``severity`` (严重程度: ``key`` an ICD-10
code, subcategory or category of a secondary diagnosis) or ``age`` (年龄: ``key`` a band of
years, ``0-5`` or ``80-``)."""
ADJUSTMENT_KINDS: Final = {
    "severity": "severity",
    "严重程度": "severity",
    "age": "age",
    "年龄": "age",
}
_AGE_BAND: Final = re.compile(r"(\d+)-(\d*)")
ADJUSTMENT_LAYOUT: Final = TableLayout(
    "DIP auxiliary catalogue", ADJUSTMENT_COLUMNS, ("code", "kind", "coefficient"), CatalogueError
)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One entry of the auxiliary catalogue: what it matches and its score coefficient."""

    kind: Literal["severity", "age"]
    key: str
    coefficient: Decimal
    description: str
    band: Band | None = None


def _adjustment(key: str, cells: Mapping[str, str]) -> Adjustment | str:
    kind = ADJUSTMENT_KINDS.get(cells["kind"])
    if kind is None:
        return f"kind {cells['kind']!r} is not one of {' / '.join(ADJUSTMENT_KINDS)}"
    coefficient = decimal_cell(cells["coefficient"], SCORE_PLACES)
    if coefficient is None or coefficient <= 0:
        return f"coefficient {cells['coefficient']!r} is not a positive decimal (≤ 4 places)"
    if kind == "severity":
        if not ICD10_SHAPE.fullmatch(key):
            return "is not an ICD-10 code, subcategory or category"
        return Adjustment("severity", key, coefficient, cells["description"])
    band = _AGE_BAND.fullmatch(key)
    if band is None:
        return "is not an age band such as 0-5 or 80-"
    low, high = int(band[1]), int(band[2]) if band[2] else None
    if high is not None and high < low:
        return "is an empty age band"
    return Adjustment("age", key, coefficient, cells["description"], Band(low, high))


_RESOLVED_SIZE: Final = 1 << 16


@dataclass(frozen=True, slots=True)
class Adjustments:
    """The auxiliary catalogue (辅助目录), applied to a case's score.

    Severity: each secondary diagnosis is looked up as a full code, then its subcategory,
    then its category; the case takes the largest coefficient found (coefficients of several
    diagnoses do not multiply). Age: the first band, in file order, holding the age in years.
    The adjusted score is score × severity × age, to four places, half up.
    """

    severity: Mapping[str, Adjustment]
    ages: tuple[Adjustment, ...]
    _resolved: dict[str, Adjustment | None] = field(default_factory=dict, compare=False, repr=False)
    """Secondary diagnosis → its entry, filled as cases come (bounded by ``_RESOLVED_SIZE``)."""

    @classmethod
    def from_csv(cls, text: str, source: str) -> Adjustments:
        entries = ADJUSTMENT_LAYOUT.read(text, source, _adjustment)
        return cls(
            {key: entry for key, entry in entries.items() if entry.kind == "severity"},
            tuple(entry for entry in entries.values() if entry.kind == "age"),
        )

    def for_severity(self, codes: tuple[str, ...]) -> tuple[str, Adjustment] | None:
        """``(code, entry)`` of the secondary diagnosis with the largest coefficient (the first
        listed among equals), or None."""
        if not self.severity:
            return None
        best: tuple[str, Adjustment] | None = None
        entry_of = self._entry_of
        for code in codes:
            entry = entry_of(code)
            if entry is not None and (best is None or entry.coefficient > best[1].coefficient):
                best = (code, entry)
        return best

    def _entry_of(self, code: str) -> Adjustment | None:
        """The entry of ``code``: the code's own, else its subcategory's, else its category's."""
        resolved = self._resolved
        if code in resolved:
            return resolved[code]
        severity = self.severity
        entry = severity.get(code) or severity.get(code[:5]) or severity.get(code[:3])
        if len(resolved) < _RESOLVED_SIZE:
            resolved[code] = entry
        return entry

    def for_age(self, age: int | None) -> Adjustment | None:
        """The first age band holding ``age`` (years), or None."""
        if age is None:
            return None
        return next((a for a in self.ages if a.band is not None and a.band.holds(age)), None)


@dataclass(frozen=True, slots=True)
class AdjustedScore:
    """A group's score for one case after the auxiliary catalogue: score × severity × age."""

    score: Decimal
    severity: tuple[str, Adjustment] | None
    """The secondary diagnosis that set the severity coefficient, and its entry."""
    age: Adjustment | None
    value: Decimal
    """score × the coefficients, to four places, half up (the score itself when none applies)."""


@dataclass(frozen=True, slots=True)
class Outliers:
    """The outlier parameters (REFERENCE §4); the arithmetic is :mod:`medins_sdk.pricing.dip`'s."""

    low_ratio: Decimal | None
    high_multiple: Decimal
    review_multiple: Decimal | None


class DipCatalogue:
    """A loaded, verified catalogue pack, indexed for grouping and pricing.

    :attr:`problems` lists what loads but can never match: core groups naming a procedure or
    a diagnosis key that the insurance editions do not have.
    """

    def __init__(self, manifest: PackManifest, table: CatalogueTable, adjustments: Adjustments):
        """Index ``table`` under ``manifest``'s parameters; :class:`PackError` when they are bad."""
        self.manifest = manifest
        self.groups = table
        self.adjustments = adjustments
        try:
            self._read_parameters(manifest)
            self.matcher = Matcher(
                (
                    Core(g.code, g.diagnosis, g.procedures)
                    for g in table.values()
                    if g.type == "core"
                ),
                self.kinds,
                self.tolerated,
            )
        except (ValueError, ArithmeticError) as error:
            raise PackError(f"pack {manifest.scheme} {manifest.version}: {error}") from None
        self.comprehensive: dict[tuple[str, int], DipGroup] = {}
        for group in table.values():
            if group.kind is not None:
                key = (group.diagnosis, group.kind)
                if key in self.comprehensive:
                    raise PackError(
                        f"{table.source}: 综合病种 {self.comprehensive[key].code} and "
                        f"{group.code} share category {group.diagnosis} and kind "
                        f"{KINDS[group.kind]}"
                    )
                self.comprehensive[key] = group
        means = {group.code: self._mean_of(group) for group in table.values()}
        unmeaned = sorted(code for code, mean in means.items() if mean is None)
        if unmeaned:
            raise PackError(
                f"{table.source}: no mean cost for {', '.join(unmeaned[:5])}"
                f"{' …' if len(unmeaned) > 5 else ''} and no {OVERALL_MEAN} to derive it from: "
                "outliers cannot be judged"
            )
        zero = sorted(code for code, mean in means.items() if mean is not None and mean <= 0)
        if zero:
            raise PackError(
                f"{table.source}: the mean cost of {', '.join(zero[:5])} comes to 0.00 (score "
                f"÷ {SCALE} × {OVERALL_MEAN}): outliers cannot be judged against it"
            )
        self._means = {code: mean for code, mean in means.items() if mean is not None}
        self.problems: tuple[str, ...] = tuple(_problems(table))

    def _read_parameters(self, manifest: PackManifest) -> None:
        def value(name: str) -> str:
            return manifest.parameter(name).value

        self.scale = _positive(value(SCALE), SCALE)
        self.overall_mean_cost = _optional(value(OVERALL_MEAN), OVERALL_MEAN)
        self.year_weights = parse_year_weights(value(YEAR_WEIGHTS))
        self.kind_mapping = parse_kind_mapping(value(PROCEDURE_KINDS))
        self.unclassified = parse_procedure_kind(value(UNCLASSIFIED), UNCLASSIFIED)
        self.tolerated = parse_tolerated(value(TOLERATED))
        self.kinds = ProcedureKinds.build(self.kind_mapping, self.unclassified)
        self.point_value = _optional(value(POINT_VALUE), POINT_VALUE)
        self.default_coefficient = _positive(value(DEFAULT_COEFFICIENT), DEFAULT_COEFFICIENT)
        low = _optional(value(LOW_RATIO), LOW_RATIO)
        if low is not None and not 0 < low < 1:
            raise ValueError(f"{LOW_RATIO} {low} must lie strictly between 0 and 1")
        high = _positive(value(HIGH_MULTIPLE), HIGH_MULTIPLE)
        if high <= 1:
            raise ValueError(f"{HIGH_MULTIPLE} {high} must exceed 1")
        review = _optional(value(REVIEW_MULTIPLE), REVIEW_MULTIPLE)
        if review is not None and review < high:
            raise ValueError(f"{REVIEW_MULTIPLE} {review} is below {HIGH_MULTIPLE} {high}")
        self.outliers = Outliers(low, high, review)
        ungrouped = value(UNGROUPED)
        if ungrouped not in ("itemised", "reject"):
            raise ValueError(f"{UNGROUPED} {ungrouped!r} is not itemised or reject")
        self.ungrouped: Literal["itemised", "reject"] = (
            "itemised" if ungrouped == "itemised" else "reject"
        )

    def mean_cost(self, group: DipGroup) -> Decimal:
        """The group's mean cost, the outliers' yardstick: as the catalogue lists it, else
        score ÷ scale × the overall mean cost, to the cent (half up)."""
        return self._means[group.code]

    def _mean_of(self, group: DipGroup) -> Decimal | None:
        if group.mean_cost is not None:
            return group.mean_cost
        if self.overall_mean_cost is None:
            return None
        ratio = Fraction(group.score) / Fraction(self.scale)
        return round_fraction(ratio * Fraction(self.overall_mean_cost), 2)

    def adjusted(self, group: DipGroup, case: DipCase) -> AdjustedScore:
        """The group's score for ``case`` after the auxiliary catalogue (:class:`Adjustments`)."""
        severity = self.adjustments.for_severity(case.others)
        age = self.adjustments.for_age(case.age)
        value = group.score
        if severity is not None:
            value *= severity[1].coefficient
        if age is not None:
            value *= age.coefficient
        if severity is not None or age is not None:
            value = value.quantize(SCORE_STEP, rounding=ROUND_HALF_UP)
        return AdjustedScore(group.score, severity, age, value)

    def comprehensive_for(self, category: str, kind: int) -> DipGroup | None:
        """The 综合病种 of ``category`` and ``kind``, if the catalogue has one."""
        return self.comprehensive.get((category, kind))

    @classmethod
    def load(cls, root: Path | Traversable) -> DipCatalogue:
        """Load and verify the pack in ``root``; :class:`PackError` says what is wrong."""
        pack = load_pack(root)
        manifest = pack.manifest
        try:
            table = CatalogueTable.from_csv(pack.text(CATALOGUE), f"{manifest.scheme} {CATALOGUE}")
            adjustments = Adjustments.from_csv(
                pack.text(ADJUSTMENTS), f"{manifest.scheme} {ADJUSTMENTS}"
            )
        except CatalogueError as error:
            raise PackError(str(error)) from None
        return cls(manifest, table, adjustments)


def _problems(table: CatalogueTable) -> list[str]:
    diagnoses, procedures = icd10_insurance(), icd9_insurance()
    problems = []
    for group in table.values():
        if not diagnoses.startswith(group.diagnosis):
            problems.append(f"{group.code}: no {diagnoses.name} code under {group.diagnosis}")
        unknown = sorted(code for code in group.procedures if code not in procedures)
        if unknown:
            problems.append(f"{group.code}: not in {procedures.name}: {', '.join(unknown)}")
    return problems


def _decimal(text: str, name: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{name} {text!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{name} {text!r} is not a finite number")
    return number


def _positive(text: str, name: str) -> Decimal:
    number = _decimal(text, name)
    if number <= 0:
        raise ValueError(f"{name} {text!r} must be positive")
    return number


def _optional(text: str, name: str) -> Decimal | None:
    return None if text == "none" else _positive(text, name)


def parse_procedure_kind(text: str, name: str) -> int:
    """A procedure kind's rank (诊断性操作 / 治疗性操作 / 相关手术); ``name`` is the parameter."""
    if text not in KINDS[1:]:
        raise ValueError(f"{name} {text!r} is not one of {' / '.join(KINDS[1:])}")
    return KINDS.index(text)


def parse_year_weights(text: str) -> tuple[int, ...]:
    """``"1:2:7"`` → ``(1, 2, 7)``: weights of the oldest to the most recent year."""
    try:
        weights = tuple(int(part) for part in text.split(":"))
    except ValueError:
        raise ValueError(f"{YEAR_WEIGHTS} {text!r} is not whole numbers separated by ':'") from None
    if not weights or any(weight <= 0 for weight in weights):
        raise ValueError(f"{YEAR_WEIGHTS} {text!r} must be positive whole numbers")
    return weights


def weights_by_year(years: Iterable[int], weights: tuple[int, ...]) -> dict[int, int]:
    """Each year's weight, counted back from the most recent of ``years``.

    The most recent year takes the last weight, the year before it the one before, and so
    on (1:2:7 → latest 7, latest − 1 → 2, latest − 2 → 1); years further back, and weights
    reaching before the first year given, are not used. With fewer years than weights, the
    years present keep the weights of their distance from the latest (2 years: 2:7; one: 7).
    """
    present = set(years)
    if not present:
        return {}
    latest = max(present)
    return {
        latest - back: weight
        for back, weight in enumerate(reversed(weights))
        if latest - back in present
    }


def parse_kind_mapping(text: str) -> tuple[tuple[str, int], ...]:
    """``"手术:相关手术;…"`` → ``(("手术", 3), …)``; each target a procedure kind."""
    pairs = []
    for part in text.split(";"):
        category, _, kind = part.strip().partition(":")
        pairs.append((category.strip(), parse_procedure_kind(kind.strip(), PROCEDURE_KINDS)))
    return tuple(sorted(pairs))


def parse_tolerated(text: str) -> frozenset[int]:
    """``"诊断性操作"`` (or several, ``;`` separated, or ``none``) → the kinds' ranks."""
    if text == "none":
        return frozenset()
    return frozenset(parse_procedure_kind(part.strip(), TOLERATED) for part in text.split(";"))


def catalogue_parameters(
    values: Mapping[str, str], sources: Mapping[str, str | None]
) -> list[PackParameter]:
    """The manifest's parameter list: :data:`PARAMETERS` with ``values`` and ``sources``
    overriding the defaults (a source given as None or absent keeps the default's)."""
    unknown = (set(values) | set(sources)) - set(PARAMETERS)
    if unknown:
        raise PackError(f"unknown catalogue parameters: {', '.join(sorted(unknown))}")
    return [
        PackParameter(
            name=name,
            value=values.get(name, spec.default),
            unit=spec.unit,
            description=spec.description,
            source=sources.get(name) or spec.source,
        )
        for name, spec in PARAMETERS.items()
    ]


def write_catalogue_pack(
    catalogue: bytes,
    out: Path,
    manifest: PackManifest,
    *,
    adjustments: bytes = ADJUSTMENTS_HEADER,
    parameters: Mapping[str, str] | None = None,
    sources: Mapping[str, str | None] | None = None,
    catalogue_source: str | None = None,
) -> DipCatalogue:
    """Write a catalogue pack and load it back, so that a bad table fails here, not at pricing.

    ``manifest`` supplies scheme, region, version, dates, source and licence; its files and
    parameters are replaced (:func:`catalogue_parameters`).
    """
    listed = catalogue_parameters(parameters or {}, sources or {})
    write_pack_dir(
        out,
        manifest.model_copy(update={"parameters": listed}),
        [
            PackData(
                CATALOGUE, catalogue, "DIP groups and scores (病种分值目录)", catalogue_source
            ),
            PackData(ADJUSTMENTS, adjustments, "auxiliary catalogue (辅助目录) coefficients"),
        ],
    )
    return DipCatalogue.load(out)

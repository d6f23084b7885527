"""Building a DIP catalogue from a region's settled history: how a region starts.

``medins dip build-catalogue`` (and :func:`build_catalogue`) turn settled cases
(:mod:`medins_sdk.grouping.dip_history`) into a catalogue pack:

1. **Years.** Each year is weighted by its distance from the most recent year of the history
   (``year_weights``, 1:2:7 by the national spec: the most recent 7, the year before 2, the
   one before that 1; :func:`~medins_sdk.grouping.dip_catalogue.weights_by_year`). Cases of
   earlier years are left out and counted in the report.
2. **Keys.** A case's key is its principal diagnosis at the catalogue's granularity
   (``subcategory``, the default, or ``category``) and its set of procedure codes.
3. **Core groups.** Every key with at least ``min_cases`` cases (counted, not weighted) over
   the years used becomes a core group.
4. **Placement.** Every case is then placed by the engine's own matcher
   (:mod:`medins_sdk.grouping.dip_match`): its key's core group; or a core group whose
   combination its procedures contain, the others being of a tolerated kind; or the 综合病种
   of its category and procedure kind. Grouping the same history with the catalogue puts every
   case where it was counted here.
5. **Scores.** A group's mean is Σ w × cost ÷ Σ w over its cases (w its year's weight), the
   overall mean the same over every case, and score = group mean ÷ overall mean × scale, both
   computed exactly and rounded once: scores to four places, means to the cent (half up).
6. **Budget point value** (:func:`medins_sdk.pricing.dip_settlement.budget_point_value`) over
   the years used with these scores, written as the pack's ``point_value``.

Sums are integers of cents, so the output does not depend on the order of the cases: the same
history gives the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Final, Literal

from medins_sdk.codes import icd9_insurance, icd10_insurance
from medins_sdk.grouping.dip_catalogue import (
    ADJUSTMENTS_HEADER,
    OVERALL_MEAN,
    PARAMETERS,
    POINT_VALUE,
    PROCEDURE_KINDS,
    SCALE,
    SCORE_PLACES,
    TOLERATED,
    UNCLASSIFIED,
    YEAR_WEIGHTS,
    DipCatalogue,
    parse_kind_mapping,
    parse_procedure_kind,
    parse_tolerated,
    parse_year_weights,
    weights_by_year,
    write_catalogue_pack,
)
from medins_sdk.grouping.dip_history import HistoryCase
from medins_sdk.grouping.dip_match import (
    CONSERVATIVE,
    KINDS,
    Core,
    Matcher,
    ProcedureKinds,
    comprehensive_code,
    core_code,
    diagnosis_keys,
)
from medins_sdk.money import round_fraction
from medins_sdk.packs import PackManifest
from medins_sdk.pricing.dip_settlement import budget_point_value

Level = Literal["subcategory", "category"]
"""The diagnosis granularity of the core groups: ICD-10 亚目 (C18.7) or 类目 (C18)."""

CATALOGUE_HEADER: Final = (
    "code",
    "name",
    "type",
    "diagnosis",
    "procedures",
    "score",
    "mean_cost",
    "cases",
)

_Key = tuple[str, frozenset[str], str | None]
"""A case's diagnosis key, procedure set and principal procedure."""


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How groups are formed; the scale and year weights are catalogue parameters."""

    min_cases: int = 15
    level: Level = "subcategory"

    def __post_init__(self) -> None:
        if self.min_cases < 1:
            raise ValueError(f"min cases {self.min_cases} must be at least 1")


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build used and made."""

    cases: int
    used: int
    older: int
    """Cases of years before those the weights reach: left out."""
    weights: Mapping[int, int]
    core_groups: int
    comprehensive_groups: int
    overall_mean_cost: Decimal
    point_value: Decimal

    @property
    def years(self) -> str:
        """The years used and their weights: ``2022×2, 2023×7``."""
        return ", ".join(f"{year}×{weight}" for year, weight in self.weights.items())


@dataclass(slots=True)
class _Group:
    """A group's running sums while building."""

    diagnosis: str
    procedures: frozenset[str]
    kind: int | None
    weighted_cents: int = 0
    weighted_cases: int = 0
    cases: int = 0
    by_year: dict[int, int] = field(default_factory=dict)


class CatalogueBuilder:
    """Counts history cases (:meth:`add`), then makes the catalogue (:meth:`build`)."""

    def __init__(
        self, options: BuildOptions = BuildOptions(), parameters: Mapping[str, str] | None = None
    ) -> None:
        """``parameters`` override the catalogue defaults (:data:`~medins_sdk.grouping.
        dip_catalogue.PARAMETERS`); the scale, year weights and procedure kinds shape the build."""
        self.options = options
        values = {name: spec.default for name, spec in PARAMETERS.items()}
        values.update(parameters or {})
        self.parameters = values
        self.scale = Fraction(Decimal(values[SCALE]))
        if self.scale <= 0:
            raise ValueError(f"{SCALE} {values[SCALE]} must be positive")
        self.year_weights = parse_year_weights(values[YEAR_WEIGHTS])
        unclassified = parse_procedure_kind(values[UNCLASSIFIED], UNCLASSIFIED)
        self.kinds = ProcedureKinds.build(parse_kind_mapping(values[PROCEDURE_KINDS]), unclassified)
        self.tolerated = parse_tolerated(values[TOLERATED])
        self.cases = 0
        self._cells: dict[tuple[str, frozenset[str], str | None, int], list[int]] = {}
        self._principals: dict[tuple[str, str], int] = {}
        self._subcategory = options.level == "subcategory"

    def add(self, item: HistoryCase) -> None:
        """Count one case (already checked: :mod:`~medins_sdk.grouping.dip_history`)."""
        case = item.case
        keys = diagnosis_keys(case.principal)
        key = keys[0] if self._subcategory else keys[-1]
        procedures = case.procedures
        cell_key = (key, frozenset(procedures), procedures[0] if procedures else None, item.year)
        cents = int(item.cost.scaleb(2))
        cell = self._cells.get(cell_key)
        if cell is None:
            self._cells[cell_key] = [1, cents]
        else:
            cell[0] += 1
            cell[1] += cents
        named = (key, case.principal)
        self._principals[named] = self._principals.get(named, 0) + 1
        self.cases += 1

    @property
    def latest_year(self) -> int | None:
        """The most recent year counted so far, or None."""
        return max((cell[3] for cell in self._cells), default=None)

    def build(self) -> tuple[bytes, BuildReport]:
        """The catalogue CSV and the report; ``ValueError`` when no case can be used."""
        weights = weights_by_year({cell[3] for cell in self._cells}, self.year_weights)
        counts: dict[tuple[str, frozenset[str]], int] = {}
        older = 0
        for (key, procedures, _, year), (cases, _) in self._cells.items():
            if year in weights:
                counts[(key, procedures)] = counts.get((key, procedures), 0) + cases
            else:
                older += cases
        if not counts:
            raise ValueError("the history has no case to build a catalogue from")
        cores = [k for k, n in counts.items() if n >= self.options.min_cases]
        matcher = Matcher(
            (Core(core_code(key, procedures), key, procedures) for key, procedures in cores),
            self.kinds,
            self.tolerated,
        )
        groups = self._place(matcher, weights)
        total_cents = sum(group.weighted_cents for group in groups.values())
        total_cases = sum(group.weighted_cases for group in groups.values())
        overall = Fraction(total_cents, total_cases)
        scores = {
            code: round_fraction(
                Fraction(g.weighted_cents, g.weighted_cases) / overall * self.scale, SCORE_PLACES
            )
            for code, g in groups.items()
        }
        years: dict[int, tuple[Decimal, Decimal]] = {}
        for code, group in groups.items():
            for year, cases in group.by_year.items():
                cost, score = years.get(year, (Decimal(0), Decimal(0)))
                years[year] = (cost, score + scores[code] * cases)
        for (_, _, _, year), (_, cents) in self._cells.items():
            if year in weights:
                cost, score = years[year]
                years[year] = (cost + Decimal(cents).scaleb(-2), score)
        budget = budget_point_value(years, weights)
        report = BuildReport(
            cases=self.cases,
            used=sum(counts.values()),
            older=older,
            weights=budget.weights,
            core_groups=len(cores),
            comprehensive_groups=len(groups) - len(cores),
            overall_mean_cost=round_fraction(overall / 100, 2),
            point_value=budget.point_value,
        )
        return self._csv(groups, scores), report

    def write(
        self,
        out: Path,
        manifest: PackManifest,
        *,
        sources: Mapping[str, str | None] | None = None,
        adjustments: bytes = ADJUSTMENTS_HEADER,
    ) -> tuple[DipCatalogue, BuildReport]:
        """Build, write the pack into ``out`` and load it back (so a bad pack fails here).

        The overall mean cost and the budget point value are recorded as computed from the
        history; ``sources`` name the primary source of other parameters.
        """
        catalogue, report = self.build()
        values = dict(self.parameters)
        values[OVERALL_MEAN] = f"{report.overall_mean_cost:.2f}"
        values[POINT_VALUE] = str(report.point_value)
        computed = f"computed by the builder from {report.used} cases (years {report.years})"
        noted: dict[str, str | None] = {
            OVERALL_MEAN: computed,
            POINT_VALUE: f"budget point value {computed}",
        }
        noted.update({name: value for name, value in (sources or {}).items() if value})
        built = write_catalogue_pack(
            catalogue,
            out,
            manifest,
            adjustments=adjustments,
            parameters=values,
            sources=noted,
            catalogue_source=f"built from {report.used} settled cases; {manifest.source}",
        )
        return built, report

    def _place(self, matcher: Matcher, weights: Mapping[int, int]) -> dict[str, _Group]:
        """Each counted case's group by the engine's matcher, with the group's sums."""
        placed: dict[_Key, str] = {}
        groups: dict[str, _Group] = {}
        for (key, procedures, principal, year), (cases, cents) in self._cells.items():
            weight = weights.get(year)
            if weight is None:
                continue
            code = placed.get((key, procedures, principal))
            if code is None:
                match = matcher.match((key,), procedures, principal)
                if match.core is not None:
                    code = match.core.code
                    group = _Group(key, match.core.procedures, None)
                else:
                    code = comprehensive_code(match.category, match.kind)
                    group = _Group(match.category, frozenset(), match.kind)
                groups.setdefault(code, group)
                placed[(key, procedures, principal)] = code
            group = groups[code]
            group.weighted_cents += weight * cents
            group.weighted_cases += weight * cases
            group.cases += cases
            group.by_year[year] = group.by_year.get(year, 0) + cases
        return groups

    def _csv(self, groups: Mapping[str, _Group], scores: Mapping[str, Decimal]) -> bytes:
        """The catalogue CSV, rows sorted by code.

        A core group is named after the most frequent principal diagnosis of its key (ties:
        the smaller code) and its procedures; a 综合病种 after its category and kind.
        """
        leading: dict[str, tuple[int, str]] = {}
        for (key, code), count in self._principals.items():
            best = leading.get(key)
            if best is None or (-count, code) < best:
                leading[key] = (-count, code)
        diagnoses, procedures = icd10_insurance(), icd9_insurance()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CATALOGUE_HEADER)
        for code in sorted(groups):
            group = groups[code]
            mean = round_fraction(Fraction(group.weighted_cents, group.weighted_cases * 100), 2)
            if group.kind is None:
                kind, combination = "core", "+".join(sorted(group.procedures))
                principal = leading[group.diagnosis][1]
                treatment = "+".join(procedures.name_of(c) or c for c in sorted(group.procedures))
                name = f"{diagnoses.name_of(principal) or principal} · "
                name += treatment or KINDS[CONSERVATIVE]
            else:
                kind, combination = "comprehensive", KINDS[group.kind]
                name = f"{group.diagnosis} 综合病种 · {KINDS[group.kind]}"
            writer.writerow(
                (
                    code,
                    name,
                    kind,
                    group.diagnosis,
                    combination or KINDS[CONSERVATIVE],
                    scores[code],
                    f"{mean:.2f}",
                    group.cases,
                )
            )
        return out.getvalue().encode("utf-8")


def build_catalogue(
    history: Iterable[HistoryCase],
    out: Path,
    manifest: PackManifest,
    options: BuildOptions = BuildOptions(),
    *,
    parameters: Mapping[str, str] | None = None,
    sources: Mapping[str, str | None] | None = None,
    adjustments: bytes = ADJUSTMENTS_HEADER,
) -> tuple[DipCatalogue, BuildReport]:
    """Build a catalogue pack from ``history`` into ``out`` and load it back.

    ``manifest`` supplies the scheme, region, version, dates, source and licence;
    ``parameters`` and ``sources`` override the catalogue defaults.
    """
    builder = CatalogueBuilder(options, parameters)
    for item in history:
        builder.add(item)
    return builder.write(out, manifest, sources=sources, adjustments=adjustments)

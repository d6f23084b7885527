"""A compiled CHS-DRG rule pack held in memory as indices the grouper reads.

:class:`DrgPack` turns a pack written by :mod:`medins_sdk.grouping.compiler` into frozensets,
dicts and bit masks once, so that grouping a case is a handful of lookups; the split
conditions the rule texts write into DRG names (age, length of stay, birth weight) are
parsed here, and what cannot be read is listed in :attr:`DrgPack.problems`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final, Literal

from medins_sdk.packs import RulePack, load_pack

Level = Literal["mcc", "cc", "none"]
"""A case's severity: an MCC counted, else a CC counted, else neither."""

PRE_MDC: Final = ("MDCA", "MDCP", "MDCY", "MDCZ")
"""The pre-MDC categories in the order they are checked; never chosen by principal diagnosis."""

NEWBORN_DAYS: Final = 29
"""Age in days below which a patient is a newborn (出生年龄＜29天)."""

INFANT_DAYS: Final = 365
"""Age in days of ``1周岁``, the upper bound of MDCP's infant ADRG (PV1)."""

_KIND_ORDER: Final = {"surgical": 0, "non_or_procedure": 1, "medical": 2}
_LEVEL_PREFERENCE: Final[Mapping[Level, tuple[Level, ...]]] = {
    "mcc": ("mcc", "cc", "none"),
    "cc": ("cc", "none"),
    "none": ("none",),
}
"""DRG severities a case may take, most severe first: an MCC case without an MCC DRG takes the
CC DRG, a CC case without a CC DRG (splits 1/5, ``不伴严重并发症或合并症``) takes the 5 DRG."""
_SPLIT_LEVEL: Final[Mapping[str, Level]] = {"1": "mcc", "3": "cc", "5": "none"}

NO_OR: Final = 7
_ROLE_CODES: Final = {
    "principal_diagnosis": 0,
    "other_diagnosis": 1,
    "any_diagnosis": 2,
    "principal_procedure": 3,
    "any_procedure": 4,
    "any_or_procedure": 5,
    "mdc_principal_diagnosis": 6,
    "no_or_procedure": NO_OR,
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
    label: str
    """``role:table`` (or the role), as the trace names the rule."""


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
    by_level: Mapping[Level, DrgRule] | None
    """The DRG of each severity, precomputed when no DRG has an age or stay band (most
    ADRGs): choosing the DRG is then one lookup."""


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
        self.triggers: dict[str, Triggers] = {
            mdc: Triggers.of(rules) for mdc, rules in self.adrgs_of.items()
        }
        """MDC → the index of which of its ADRGs a case's codes can open."""

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
        banded = any(d.age_years is not None or d.stay_days is not None for d in drgs)
        by_level = None
        if drgs and not banded:
            by_level = {level: choose_by_severity(drgs, level) for level in _LEVEL_PREFERENCE}
        return AdrgRule(
            adrg["code"],
            adrg["name"],
            adrg["mdc"],
            adrg["kind"],
            entry,
            age_days,
            birth_weight,
            drgs,
            by_level,  # type: ignore[arg-type]  # choose_by_severity is total on non-empty drgs
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
        label = f"{role}:{table}" if table else role
        return Term(role, table, codes, _ROLE_CODES[role], label)


@dataclass(frozen=True, slots=True)
class Triggers:
    """Which of an MDC's ADRGs a case's codes can open, so a case tries a few, not all.

    Each entry alternative needs every clause, so one clause whose terms all look for codes
    (every role but ``no_or_procedure``) names codes of which the case must have one; the
    union of those over the alternatives is necessary for the ADRG. ADRGs with an alternative
    lacking such a clause (ZZ1: MDCZ diagnosis and no operation) are always tried.
    """

    rules: tuple[AdrgRule, ...]
    """The MDC's ADRGs in grouping order; bit ``i`` of a mask is ``rules[i]``."""
    codes: frozenset[str]
    """Every code that opens at least one of them."""
    masks: Mapping[str, int]
    """Code → mask of the ADRGs it opens."""
    always: int
    """Mask of the ADRGs tried whatever the codes."""

    @classmethod
    def of(cls, rules: tuple[AdrgRule, ...]) -> Triggers:
        """Index ``rules`` (one MDC's ADRGs, in grouping order)."""
        masks: dict[str, int] = {}
        always = 0
        for position, adrg in enumerate(rules):
            codes: set[str] = set()
            for alternative in adrg.entry:
                clause = next((c for c in alternative if all(t.kind != NO_OR for t in c)), None)
                if clause is None:
                    always |= 1 << position
                    break
                codes.update(*(term.codes for term in clause))
            else:
                for code in codes:
                    masks[code] = masks.get(code, 0) | 1 << position
        return cls(rules, frozenset(masks), masks, always)

    def candidates(self, codes: frozenset[str]) -> list[AdrgRule]:
        """The ADRGs ``codes`` can open, in grouping order."""
        mask = self.always
        masks = self.masks
        for code in self.codes.intersection(codes):
            mask |= masks[code]
        rules = self.rules
        found = []
        while mask:
            lowest = mask & -mask
            found.append(rules[lowest.bit_length() - 1])
            mask ^= lowest
        return found


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


def choose_by_severity(candidates: Sequence[DrgRule], level: Level) -> DrgRule | None:
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

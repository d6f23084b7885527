"""Knowledge packs: what audit rules know about items, drugs and diagnoses, as versioned data.

A knowledge pack is a rule pack (:mod:`medins_sdk.packs`: ``manifest.json`` with scheme,
region, version, effective dates, source, licence and each file's sha256) holding any of
these CSV tables (UTF-8, header row first, headers in English or Chinese):

``items.csv``
    catalogue items keyed by national catalogue code (``med_list_codg``): sex and age
    restrictions, per-day quantity limit, the stay-day group (bed days, nursing days: at most
    one per day of stay), price ceiling, and tags (``restricted-antibiotic``, ``culture-test``,
    ``high-value-material``, ``post-mortem``).
``restricted_drugs.csv``
    drugs paid only under a restriction (限定支付范围) and the ICD-10 prefixes that qualify.
``item_pairs.csv``
    items that exclude each other on one day or one stay, or where one includes the other
    (重复收费 / 分解收费).
``diagnosis_sex.csv`` / ``diagnosis_age.csv``
    ICD-10 category ranges limited to one sex or to an age range (in days).

Every table has an ``example`` column: 1 marks an illustrative entry (the national pack's item
and drug codes are examples; its ICD ranges are real). The manifest's parameters override
rule parameters (``"charge.daily-limit:enabled"`` = ``"false"`` switches a rule off).

Several packs merge: a pack with a region overrides a pack without one, entry by entry; two
packs of the same level giving the same key are a conflict, reported with both names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final, TypeVar

from medins_sdk.codes.tables import Gender
from medins_sdk.csvtable import TableLayout, decimal_cell
from medins_sdk.packs import PackError, RulePack, load_pack

T = TypeVar("T")

NATIONAL_PACK: Final = "national-audit"
"""Name of the knowledge pack the core ships (``medins_sdk/audit/data/national``)."""

TAGS: Final = frozenset(
    {"restricted-antibiotic", "culture-test", "high-value-material", "post-mortem"}
)
"""Tags an item may carry in ``items.csv``."""

ENABLED: Final = "enabled"
"""The pseudo-parameter that switches a rule on or off in a pack (``"false"`` / ``"true"``)."""


class KnowledgeError(PackError):
    """A knowledge pack that cannot be used: a bad row, a conflict, an unknown rule setting."""


@dataclass(frozen=True, slots=True)
class KnowledgePack:
    """A versioned knowledge pack: a directory with a ``manifest.json`` and its CSV tables.

    Registered through ``medins_register_knowledge_packs`` or passed to the engine directly;
    :func:`load_knowledge` verifies and merges packs.
    """

    name: str
    path: Path | Traversable
    description: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    """What the pack knows about one catalogue item (``items.csv``)."""

    code: str
    name: str
    example: bool
    sex: Gender | None = None
    age_from: int | None = None
    age_to: int | None = None
    max_per_day: Decimal | None = None
    stay_group: str | None = None
    price_ceiling: Decimal | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RestrictedDrug:
    """A drug paid only under a restriction, and the diagnoses that meet it."""

    code: str
    name: str
    example: bool
    restriction: str
    qualifying: tuple[str, ...]
    """ICD-10 code prefixes; any diagnosis of the encounter starting with one qualifies."""


@dataclass(frozen=True, slots=True)
class ItemPair:
    """Two items that must not be billed together: ``a`` excludes or includes ``b``.

    ``b`` is the line that should not have been billed; its amount is what is at risk.
    """

    id: str
    a: str
    b: str
    relation: str
    """``exclusive`` (重复收费) or ``includes`` (分解收费: ``a``'s price covers ``b``)."""
    within: str
    """``day`` (same calendar day) or ``encounter`` (anywhere in the stay)."""
    note: str
    example: bool


@dataclass(frozen=True, slots=True)
class CodeRange:
    """An inclusive range of ICD-10 categories (first three characters) with a restriction."""

    id: str
    first: str
    last: str
    note: str
    sex: Gender | None = None
    age_from_days: int | None = None
    age_to_days: int | None = None

    def covers(self, code: str) -> bool:
        """Whether ``code``'s category falls in the range."""
        return self.first <= code[:3] <= self.last


@dataclass(frozen=True, slots=True)
class PackInfo:
    """A loaded pack as listings show it."""

    name: str
    version: str
    region: str | None
    source: str


@dataclass
class Knowledge:
    """The merged knowledge of the loaded packs, indexed for the rules' hot paths."""

    items: dict[str, Item] = field(default_factory=dict)
    restricted_drugs: dict[str, RestrictedDrug] = field(default_factory=dict)
    item_pairs: dict[str, ItemPair] = field(default_factory=dict)
    diagnosis_sex: dict[str, CodeRange] = field(default_factory=dict)
    diagnosis_age: dict[str, CodeRange] = field(default_factory=dict)
    packs: tuple[PackInfo, ...] = ()
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Table name → the packs that provide it."""
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    """Rule id → parameter overrides (``enabled`` included) from the packs."""

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the lookup sets after the tables changed."""
        items = self.items.values()
        self.sex_items = {i.code: i.sex for i in items if i.sex is not None}
        self.age_items = {
            i.code: (i.age_from, i.age_to)
            for i in items
            if i.age_from is not None or i.age_to is not None
        }
        self.daily_limits = {i.code: i.max_per_day for i in items if i.max_per_day is not None}
        self.stay_groups = {i.code: i.stay_group for i in items if i.stay_group}
        self.ceilings = {i.code: i.price_ceiling for i in items if i.price_ceiling is not None}
        self.tagged = {tag: frozenset(i.code for i in items if tag in i.tags) for tag in TAGS}
        pairs: dict[str, list[ItemPair]] = {}
        for pair in self.item_pairs.values():
            pairs.setdefault(pair.a, []).append(pair)
            pairs.setdefault(pair.b, []).append(pair)
        self.pairs_by_code = {code: tuple(found) for code, found in pairs.items()}
        self.line_codes = (
            frozenset(self.items) | frozenset(self.restricted_drugs) | frozenset(pairs)
        )
        self._sex_ranges: dict[str, CodeRange | None] = {}
        self._age_ranges: dict[str, CodeRange | None] = {}

    def sex_of_diagnosis(self, code: str) -> CodeRange | None:
        """The sex-limited range ``code`` falls in, if any."""
        return _lookup(self._sex_ranges, self.diagnosis_sex, code)

    def age_of_diagnosis(self, code: str) -> CodeRange | None:
        """The age-limited range ``code`` falls in, if any."""
        return _lookup(self._age_ranges, self.diagnosis_age, code)


def _lookup(
    memo: dict[str, CodeRange | None], ranges: Mapping[str, CodeRange], code: str
) -> CodeRange | None:
    """The first range (by id) covering ``code``'s category, remembered per category."""
    category = code[:3]
    if category not in memo:
        memo[category] = next((r for r in ranges.values() if r.covers(category)), None)
    return memo[category]


# -- reading tables ---------------------------------------------------------------------------


def _layout(title: str, columns: dict[str, tuple[str, ...]], *required: str) -> TableLayout:
    return TableLayout(title, columns, ("code", *required), KnowledgeError, key="code")


_EXAMPLE = ("example", "示例")
ITEMS = _layout(
    "item table",
    {
        "code": ("code", "医疗目录编码", "医保目录编码"),
        "name": ("name", "名称", "项目名称"),
        "example": _EXAMPLE,
        "sex": ("sex", "限定性别"),
        "age_from": ("age_from", "最小年龄"),
        "age_to": ("age_to", "最大年龄"),
        "max_per_day": ("max_per_day", "每日限量"),
        "stay_group": ("stay_group", "按住院日计费组"),
        "price_ceiling": ("price_ceiling", "最高限价"),
        "tags": ("tags", "标签"),
    },
    "name",
)
RESTRICTED_DRUGS = _layout(
    "restricted drug table",
    {
        "code": ("code", "医疗目录编码", "医保目录编码"),
        "name": ("name", "药品名称"),
        "example": _EXAMPLE,
        "restriction": ("restriction", "限定支付范围"),
        "qualifying": ("qualifying", "符合限定的诊断"),
    },
    "restriction",
    "qualifying",
)
ITEM_PAIRS = _layout(
    "item pair table",
    {
        "code": ("id", "编号"),
        "a": ("code_a", "项目A"),
        "b": ("code_b", "项目B"),
        "relation": ("relation", "关系"),
        "within": ("within", "范围"),
        "note": ("note", "说明"),
        "example": _EXAMPLE,
    },
    "a",
    "b",
    "relation",
    "within",
)
_RANGE = {
    "code": ("id", "编号"),
    "first": ("from", "起始类目"),
    "last": ("to", "终止类目"),
    "note": ("note", "说明"),
    "example": _EXAMPLE,
}
DIAGNOSIS_SEX = _layout(
    "diagnosis sex table", {**_RANGE, "sex": ("sex", "限定性别")}, "first", "last", "sex"
)
DIAGNOSIS_AGE = _layout(
    "diagnosis age table",
    {
        **_RANGE,
        "age_from_days": ("age_from_days", "最小年龄(天)"),
        "age_to_days": ("age_to_days", "最大年龄(天)"),
    },
    "first",
    "last",
)


def _flag(text: str) -> bool:
    if text not in ("", "0", "1"):
        raise ValueError(f"example {text!r} is not 0 or 1")
    return text == "1"


def _whole(text: str) -> int | None:
    """An optional non-negative whole number (None when blank)."""
    if text and not text.isdigit():
        raise ValueError(f"{text!r} is not a whole number")
    return int(text) if text else None


def _sex(text: str) -> Gender | None:
    if not text:
        return None
    if text not in (Gender.MALE.value, Gender.FEMALE.value):
        raise ValueError(f"sex {text!r} is not 1 (男) or 2 (女)")
    return Gender.MALE if text == Gender.MALE.value else Gender.FEMALE


def _decimal(cells: Mapping[str, str], column: str, places: int) -> Decimal | None:
    text = cells[column]
    value = decimal_cell(text, places) if text else None
    if text and value is None:
        raise ValueError(f"{column} {text!r} is not a non-negative number of {places} places")
    return value


def _row(
    parse: Callable[[str, Mapping[str, str]], T],
) -> Callable[[str, Mapping[str, str]], T | str]:
    """``parse`` with its ``ValueError`` turned into the problem text the table reader lists."""

    def parse_row(code: str, cells: Mapping[str, str]) -> T | str:
        try:
            return parse(code, cells)
        except ValueError as error:
            return str(error)

    return parse_row


@_row
def _item(code: str, cells: Mapping[str, str]) -> Item:
    tags = frozenset(tag.strip() for tag in cells["tags"].split(";") if tag.strip())
    if tags - TAGS:
        raise ValueError(f"unknown tags {sorted(tags - TAGS)} (known: {sorted(TAGS)})")
    return Item(
        code,
        cells["name"],
        _flag(cells["example"]),
        _sex(cells["sex"]),
        _whole(cells["age_from"]),
        _whole(cells["age_to"]),
        _decimal(cells, "max_per_day", 4),
        cells["stay_group"] or None,
        _decimal(cells, "price_ceiling", 6),
        tags,
    )


@_row
def _restricted_drug(code: str, cells: Mapping[str, str]) -> RestrictedDrug:
    qualifying = tuple(p.strip() for p in cells["qualifying"].split(";") if p.strip())
    if not qualifying:
        raise ValueError("lists no qualifying diagnosis prefix")
    example = _flag(cells["example"])
    return RestrictedDrug(code, cells["name"], example, cells["restriction"], qualifying)


@_row
def _item_pair(code: str, cells: Mapping[str, str]) -> ItemPair:
    if cells["relation"] not in ("exclusive", "includes"):
        raise ValueError(f"relation {cells['relation']!r} is not exclusive or includes")
    if cells["within"] not in ("day", "encounter"):
        raise ValueError(f"within {cells['within']!r} is not day or encounter")
    if cells["a"] == cells["b"]:
        raise ValueError("pairs an item with itself")
    example = _flag(cells["example"])
    return ItemPair(
        code, cells["a"], cells["b"], cells["relation"], cells["within"], cells["note"], example
    )


@_row
def _code_range(code: str, cells: Mapping[str, str]) -> CodeRange:
    first, last = cells["first"], cells["last"]
    if not (len(first) == len(last) == 3 and first <= last):
        raise ValueError(f"range {first!r}–{last!r} is not two ICD-10 categories in order")
    return CodeRange(
        code,
        first,
        last,
        cells["note"],
        _sex(cells.get("sex", "")),
        _whole(cells.get("age_from_days", "")),
        _whole(cells.get("age_to_days", "")),
    )


_Parser = Callable[[str, Mapping[str, str]], object]
TABLES: Final[dict[str, tuple[TableLayout, _Parser]]] = {
    "items": (ITEMS, _item),
    "restricted_drugs": (RESTRICTED_DRUGS, _restricted_drug),
    "item_pairs": (ITEM_PAIRS, _item_pair),
    "diagnosis_sex": (DIAGNOSIS_SEX, _code_range),
    "diagnosis_age": (DIAGNOSIS_AGE, _code_range),
}
"""Knowledge table name → its layout and row parser; the file is ``<name>.csv``."""


# -- loading and merging ----------------------------------------------------------------------


def national_pack() -> KnowledgePack:
    """The knowledge pack the core ships: real ICD ranges, example item and drug entries."""
    return KnowledgePack(
        NATIONAL_PACK,
        files("medins_sdk.audit") / "data" / "national",
        "national audit knowledge: ICD-10 sex/age ranges; example items, drugs and pairs",
    )


@dataclass
class _Entry:
    """A table entry with the pack that gave it and that pack's level (0 national, 1 regional)."""

    value: object
    pack: str
    level: int


def _merge(
    merged: dict[str, _Entry], table: str, entries: Mapping[str, object], pack: str, level: int
) -> None:
    for key, value in entries.items():
        held = merged.get(key)
        if held is not None and held.level == level and held.value != value:
            raise KnowledgeError(
                f"{table} entry {key} is given differently by packs {held.pack} and {pack}; "
                "remove one, or give the overriding pack a region"
            )
        if held is None or held.level <= level:
            merged[key] = _Entry(value, pack, level)


def _settings(pack: RulePack, name: str) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for parameter in pack.manifest.parameters:
        rule, colon, param = parameter.name.rpartition(":")
        if not colon or not rule or not param:
            raise KnowledgeError(
                f"pack {name}: parameter {parameter.name!r} is not '<rule id>:<parameter>'"
            )
        found[(rule, param)] = parameter.value
    return found


def load_knowledge(
    packs: Iterable[KnowledgePack], on: date | None = None, region: str | None = None
) -> Knowledge:
    """Load, verify and merge ``packs``: those not in effect ``on`` that date are skipped, and
    with ``region`` (admdvs) so are regional packs of other regions.

    Raises :class:`KnowledgeError` (a :class:`~medins_sdk.packs.PackError`) naming the pack,
    file and line of anything wrong.
    """
    tables: dict[str, dict[str, _Entry]] = {name: {} for name in TABLES}
    providers: dict[str, list[str]] = {}
    settings: dict[tuple[str, str], _Entry] = {}
    infos: list[PackInfo] = []
    loaded = [(pack, load_pack(pack.path)) for pack in packs]
    for pack, rule_pack in sorted(
        loaded, key=lambda p: (p[1].manifest.region is not None, p[0].name)
    ):
        manifest = rule_pack.manifest
        if (
            on is not None and not _in_effect(manifest.effective_from, manifest.effective_to, on)
        ) or (region is not None and manifest.region not in (None, region)):
            continue
        level = 0 if manifest.region is None else 1
        infos.append(PackInfo(pack.name, manifest.version, manifest.region, manifest.source))
        listed = {entry.path for entry in manifest.files}
        for table, (layout, parse) in TABLES.items():
            path = f"{table}.csv"
            if path not in listed:
                continue
            rows = layout.read(rule_pack.text(path), f"pack {pack.name}: {path}", parse)
            _merge(tables[table], table, rows, pack.name, level)
            providers.setdefault(table, []).append(pack.name)
        for key, value in _settings(rule_pack, pack.name).items():
            _merge_setting(settings, key, value, pack.name, level)
    by_rule: dict[str, dict[str, str]] = {}
    for (rule, param), entry in sorted(settings.items()):
        by_rule.setdefault(rule, {})[param] = str(entry.value)
    return Knowledge(
        items=_values(tables["items"], Item),
        restricted_drugs=_values(tables["restricted_drugs"], RestrictedDrug),
        item_pairs=_values(tables["item_pairs"], ItemPair),
        diagnosis_sex=_values(tables["diagnosis_sex"], CodeRange),
        diagnosis_age=_values(tables["diagnosis_age"], CodeRange),
        packs=tuple(infos),
        tables={table: tuple(names) for table, names in sorted(providers.items())},
        settings=by_rule,
    )


def _in_effect(start: date, end: date | None, on: date) -> bool:
    return start <= on and (end is None or on <= end)


def _merge_setting(
    settings: dict[tuple[str, str], _Entry],
    key: tuple[str, str],
    value: str,
    pack: str,
    level: int,
) -> None:
    held = settings.get(key)
    if held is not None and held.level == level and held.value != value:
        raise KnowledgeError(
            f"rule setting {key[0]}:{key[1]} is given differently by packs {held.pack} and "
            f"{pack}; remove one, or give the overriding pack a region"
        )
    if held is None or held.level <= level:
        settings[key] = _Entry(value, pack, level)


def _values(entries: Mapping[str, _Entry], kind: type[T]) -> dict[str, T]:
    values: dict[str, T] = {}
    for key in sorted(entries):
        value = entries[key].value
        assert isinstance(value, kind)
        values[key] = value
    return values

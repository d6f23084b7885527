"""ICD code sets packaged with the SDK, loaded on first use.

Settlement lists (结算清单) must carry ICD-10 / ICD-9-CM-3 codes of the 医保版 2.0 editions,
while hospital records are coded in the 国家临床版 editions; audit rules and groupers need both,
plus the crosswalk between them, the grey codes (灰码) that settlement rejects and the
procedure categories. The tables come from the OpenDRG project (see ``data/NOTICE``) and
ship inside the package, so they are read with :mod:`importlib.resources` (works from a
wheel) and only when an accessor is first called: importing this module costs nothing.

Parsing is strict: a line that does not have the expected shape raises :class:`ValueError`
naming the file and line number, instead of silently dropping a code.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Literal, NoReturn, TypeVar, final

from medins_sdk.codes.patterns import ICD9CM3, ICD10

__all__ = [
    "PROCEDURE_CATEGORIES",
    "CodeCategories",
    "CodeList",
    "CodeSet",
    "Crosswalk",
    "System",
    "dip_procedure_groups",
    "icd9_category",
    "icd9_clinical",
    "icd9_crosswalk",
    "icd9_grey",
    "icd9_insurance",
    "icd9_subcategory",
    "icd10_category",
    "icd10_clinical",
    "icd10_crosswalk",
    "icd10_grey",
    "icd10_insurance",
    "icd10_subcategory",
    "outside_insurance_editions",
    "procedure_categories",
]

System = Literal["icd10", "icd9cm3"]
"""Code system: ``icd10`` (diagnoses) or ``icd9cm3`` (procedures, ICD-9-CM-3)."""

_T = TypeVar("_T", bound=Hashable)
_DATA_PACKAGE = "medins_sdk.codes.data"
_PATTERNS: dict[System, str] = {"icd10": ICD10, "icd9cm3": ICD9CM3}

PROCEDURE_CATEGORIES = frozenset({"手术", "治疗性操作", "诊断性操作", "介入治疗"})
"""The four procedure types of the national clinical edition's classification."""

_DIP_GROUP = re.compile(r"(相关手术组|治疗性操作组|诊断性操作组)(_[0-9]+)?")


def _first_repeat(items: Iterable[_T]) -> _T:
    """The first item that occurs a second time (callers know there is one)."""
    seen: set[_T] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    raise ValueError("no repeated item")


@final
class CodeSet:
    """An immutable code → name table of one edition of one code system.

    Iteration and :meth:`codes` follow the order of the source file; :meth:`startswith`
    answers prefix queries (a whole category such as ``O82``) by bisection on a sorted copy
    built on first use.
    """

    __slots__ = ("_codes", "_edition", "_name", "_names", "_sorted", "_system")

    def __init__(
        self, name: str, system: System, edition: str, entries: Iterable[tuple[str, str]]
    ) -> None:
        """Build a table from ``(code, name)`` pairs; a repeated code is an error."""
        pairs = list(entries)
        names = dict(pairs)
        if len(names) != len(pairs):
            raise ValueError(f"{name}: duplicate code {_first_repeat(c for c, _ in pairs)!r}")
        self._setup(name, system, edition, names)

    def _setup(self, name: str, system: System, edition: str, names: dict[str, str]) -> None:
        self._name = name
        self._system: System = system
        self._edition = edition
        self._names = names
        self._codes = tuple(names)
        self._sorted: tuple[str, ...] | None = None

    @classmethod
    def _adopt(cls, name: str, system: System, edition: str, names: dict[str, str]) -> CodeSet:
        """Wrap a dict the loader built and owns, without copying it (saves ~10 ms a file)."""
        table = cls.__new__(cls)
        table._setup(name, system, edition, names)
        return table

    @property
    def name(self) -> str:
        """Human-readable edition name, e.g. ``ICD-10 医保版 2.0``."""
        return self._name

    @property
    def system(self) -> System:
        """``icd10`` or ``icd9cm3``."""
        return self._system

    @property
    def edition(self) -> str:
        """Edition key, e.g. ``insurance-2.0``, ``clinical-2.0``, ``clinical-3.0``."""
        return self._edition

    def __contains__(self, code: object) -> bool:
        return code in self._names

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __repr__(self) -> str:
        return f"<CodeSet {self._name} ({self._system} {self._edition}): {len(self)} codes>"

    def name_of(self, code: str) -> str | None:
        """The name of ``code`` in this edition, or None when the edition lacks it."""
        return self._names.get(code)

    def codes(self) -> tuple[str, ...]:
        """All codes, in file order."""
        return self._codes

    def startswith(self, prefix: str) -> tuple[str, ...]:
        """Codes beginning with ``prefix``, in sorted order (``"O82"`` → all of O82).

        Codes sharing a prefix are contiguous in sorted order, so two bisections find them.
        """
        ordered = self._sorted
        if ordered is None:
            ordered = self._sorted = tuple(sorted(self._codes))
        start = bisect_left(ordered, prefix)
        end = start
        while end < len(ordered) and ordered[end].startswith(prefix):
            end += 1
        return ordered[start:end]


@final
class Crosswalk:
    """A mapping from one edition's codes to another's (国临版 → 医保版).

    The shipped crosswalks map each clinical code to exactly one insurance code, but the
    type allows several so a regional crosswalk with one-to-many rows fits too.
    """

    __slots__ = ("_codes", "_multiple", "_single", "_source", "_system", "_target")

    def __init__(
        self,
        source: str,
        target: str,
        system: System,
        pairs: Iterable[tuple[str, str]],
    ) -> None:
        """Build from ``(source_code, target_code)`` pairs; a repeated pair is an error."""
        rows = list(pairs)
        single = dict(rows)
        codes = tuple(single)  # first-occurrence order
        multiple: dict[str, tuple[str, ...]] = {}
        if len(single) != len(rows):  # some code has several counterparts, or a pair repeats
            if len(set(rows)) != len(rows):
                code, counterpart = _first_repeat(rows)
                raise ValueError(f"{source} → {target}: duplicate pair {code} {counterpart}")
            grouped: dict[str, list[str]] = {}
            for code, counterpart in rows:
                grouped.setdefault(code, []).append(counterpart)
            multiple = {code: tuple(found) for code, found in grouped.items() if len(found) > 1}
            for code in multiple:
                del single[code]
        self._source = source
        self._target = target
        self._system: System = system
        self._codes = codes
        # One-to-one codes stay plain strings: not building 35 000 one-element tuples is a
        # sizeable share of the load time. Codes with several counterparts keep a tuple.
        self._single = single
        self._multiple = multiple

    @property
    def source(self) -> str:
        """Name of the edition mapped from, e.g. ``ICD-10 国临版 2.0``."""
        return self._source

    @property
    def target(self) -> str:
        """Name of the edition mapped to, e.g. ``ICD-10 医保版 2.0``."""
        return self._target

    @property
    def system(self) -> System:
        """``icd10`` or ``icd9cm3``."""
        return self._system

    def __contains__(self, code: object) -> bool:
        return code in self._single or code in self._multiple

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __repr__(self) -> str:
        return f"<Crosswalk {self._source} → {self._target}: {len(self)} codes>"

    def map(self, code: str) -> tuple[str, ...]:
        """Counterparts of ``code`` in the target edition; empty when it has none."""
        counterpart = self._single.get(code)
        if counterpart is not None:
            return (counterpart,)
        return self._multiple.get(code, ())


@final
class CodeList:
    """An immutable set of codes, such as the 医保版 2.0 grey codes (灰码).

    Grey codes are valid codes that settlement lists may not carry (a more specific code is
    required), so checking membership is the whole use.
    """

    __slots__ = ("_codes", "_members", "_name", "_system")

    def __init__(self, name: str, system: System, codes: Iterable[str]) -> None:
        """Build from codes; a repeated code is kept once, at its first position."""
        self._name = name
        self._system: System = system
        self._codes = tuple(dict.fromkeys(codes))
        self._members = frozenset(self._codes)

    @property
    def name(self) -> str:
        """Human-readable list name, e.g. ``ICD-10 医保版 2.0 灰码``."""
        return self._name

    @property
    def system(self) -> System:
        """``icd10`` or ``icd9cm3``."""
        return self._system

    def __contains__(self, code: object) -> bool:
        return code in self._members

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __repr__(self) -> str:
        return f"<CodeList {self._name}: {len(self)} codes>"

    def is_grey(self, code: str) -> bool:
        """Whether ``code`` is on this (grey) list; the same as ``code in self``."""
        return code in self._members


@final
class CodeCategories(Mapping[str, str]):
    """An immutable code → category mapping (procedure type, or a DIP procedure group).

    ``uncoded_lines`` lists the line numbers of source rows that carry a category but no
    code: the national classification file has 42 such rows, kept visible here rather than
    dropped without trace.
    """

    __slots__ = ("_categories", "_name", "_uncoded")

    def __init__(
        self,
        name: str,
        entries: Iterable[tuple[str, str]],
        uncoded_lines: Iterable[int] = (),
    ) -> None:
        """Build from ``(code, category)`` pairs; a repeated code is an error."""
        pairs = list(entries)
        categories = dict(pairs)
        if len(categories) != len(pairs):
            raise ValueError(f"{name}: duplicate code {_first_repeat(c for c, _ in pairs)!r}")
        self._setup(name, categories, tuple(uncoded_lines))

    def _setup(self, name: str, categories: dict[str, str], uncoded: tuple[int, ...]) -> None:
        self._name = name
        self._categories = categories
        self._uncoded = uncoded

    @classmethod
    def _adopt(
        cls, name: str, categories: dict[str, str], uncoded: tuple[int, ...]
    ) -> CodeCategories:
        """Wrap a dict the loader built and owns, without copying it."""
        table = cls.__new__(cls)
        table._setup(name, categories, uncoded)
        return table

    @property
    def name(self) -> str:
        """Human-readable name of the classification."""
        return self._name

    @property
    def uncoded_lines(self) -> tuple[int, ...]:
        """Line numbers (1-based) of source rows that had a category but no code."""
        return self._uncoded

    def __getitem__(self, code: str) -> str:
        return self._categories[code]

    def __len__(self) -> int:
        return len(self._categories)

    def __iter__(self) -> Iterator[str]:
        return iter(self._categories)

    def __contains__(self, code: object) -> bool:
        return code in self._categories

    def __repr__(self) -> str:
        return f"<CodeCategories {self._name}: {len(self)} codes>"

    def category_of(self, code: str) -> str | None:
        """The category of ``code``, or None when the classification does not list it."""
        return self._categories.get(code)

    def categories(self) -> frozenset[str]:
        """The distinct category labels in use."""
        return frozenset(self._categories.values())


# --- code structure -------------------------------------------------------------------------

_ICD10_HEAD = re.compile(r"([A-Z]\d{2})(?:\.([0-9x]))?")
_ICD9_HEAD = re.compile(r"(\d{2})(?:\.([0-9x]))?")


def _head(pattern: re.Pattern[str], code: str, system: str) -> tuple[str, str | None]:
    match = pattern.match(code)
    if match is None:
        raise ValueError(f"not an {system} code: {code!r}")
    return match.group(1), match.group(2)


def icd10_category(code: str) -> str:
    """The 3-character ICD-10 category (类目): letter + 2 digits (``I21.000x001`` → ``I21``).

    Dagger/asterisk and morphology suffixes do not matter: ``A17.000+G01*`` → ``A17``.
    """
    return _head(_ICD10_HEAD, code, "ICD-10")[0]


def icd10_subcategory(code: str) -> str:
    """The 4-character ICD-10 subcategory (亚目): category, dot, first digit after the dot.

    ``I21.000`` → ``I21.0``. A category without subdivisions is written with an ``x``
    placeholder (``K30.x00``); its subcategory is the category itself (``K30``). A bare
    category (``I21``) has no subcategory and raises ValueError.
    """
    category, digit = _head(_ICD10_HEAD, code, "ICD-10")
    if digit is None:
        raise ValueError(f"ICD-10 code {code!r} has no subcategory digit")
    return category if digit == "x" else f"{category}.{digit}"


def icd9_category(code: str) -> str:
    """The ICD-9-CM-3 category (类目): the 2 digits before the dot (``74.1x00`` → ``74``)."""
    return _head(_ICD9_HEAD, code, "ICD-9-CM-3")[0]


def icd9_subcategory(code: str) -> str:
    """The ICD-9-CM-3 subcategory (亚目): category, dot, next digit (``74.1x00`` → ``74.1``).

    The ``x`` placeholder after a digit (``74.1x00``) marks an undivided subcategory and is
    not part of it; a bare category (``74``) raises ValueError.
    """
    category, digit = _head(_ICD9_HEAD, code, "ICD-9-CM-3")
    if digit is None:
        raise ValueError(f"ICD-9-CM-3 code {code!r} has no subcategory digit")
    return category if digit == "x" else f"{category}.{digit}"


# --- parsing --------------------------------------------------------------------------------
#
# Each file is matched by one multi-line regex (``findall`` runs in C, which keeps the largest
# file well under 100 ms); the code field is checked against ``medins_sdk.codes.patterns``.
# When fewer lines match than the file has, a slow line-by-line pass finds the first bad line
# and raises with its number, so speed never costs the error message.


def _uncaptured(pattern: str) -> str:
    """``pattern`` without its ``^``/``$`` anchors and with its groups made non-capturing.

    The line regexes below embed the code patterns and must own every capturing group.
    """
    if re.search(r"\[[^\]]*\(", pattern):
        raise ValueError(f"cannot embed a pattern with '(' in a character class: {pattern}")
    body = re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern.removeprefix("^").removesuffix("$"))
    if re.compile(body).groups:
        raise ValueError(f"cannot make the groups of {pattern} non-capturing")
    return body


@cache
def _line_regex(template: str, system: System) -> re.Pattern[str]:
    """Compile a one-line template; ``{code}`` is a code of ``system``.

    Compiled on first use (compiling them all at import would cost more than 15 ms).
    Trailing spaces, tabs and a CR are tolerated (the clinical ICD-10 file has some).
    """
    code = _uncaptured(_PATTERNS[system])
    return re.compile("^" + template.format(code=code) + r"[ \t]*\r?$", re.MULTILINE | re.ASCII)


@cache
def _code_regex(system: System) -> re.Pattern[str]:
    return re.compile(_PATTERNS[system], re.ASCII)


# Line templates. A name runs from its first non-space to the end of the line (names contain
# spaces); the trailing blanks it may capture are stripped by the loader.
_CODE_NAME = r"({code}) +(\S[^\n]*)"
_CODE_ONLY = r"({code})"
_CODE_PAIR = r"({code}) +({code})"
_CODE_CATEGORY = r"({code}) +(\S+)"
_MAYBE_CODE_CATEGORY = r"({code})? +(\S+)"


def _malformed(source: Traversable, number: int, line: str, reason: str) -> NoReturn:
    raise ValueError(f"{source}, line {number}: {reason}: {line!r}")


def _text(source: Traversable) -> str:
    data = source.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        number = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(f"{source}, line {number}: not UTF-8 ({exc.reason})") from exc


def _is_blank(line: str) -> bool:
    return not line.strip(" \t\r")


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """``(line_number, line)`` for every non-blank line: the slow path, used to explain errors."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not _is_blank(line):
            yield number, line


def _has_trailing_blanks(text: str) -> bool:
    """Whether some line ends in a space, tab or CR (a quick scan; usually false)."""
    return " \n" in text or "\t\n" in text or "\r" in text or text.endswith((" ", "\t"))


def _expected_rows(text: str) -> int:
    """Number of lines, not counting the empty one after a final newline."""
    return text.count("\n") + 1 - text.endswith("\n")


def _explain(
    source: Traversable,
    text: str,
    line_regex: re.Pattern[str],
    system: System,
    shape: str,
) -> None:
    """Raise for the first non-blank line ``line_regex`` rejects; return if all are blank."""
    code_regex = _code_regex(system)
    for number, line in _lines(text):
        if line_regex.fullmatch(line):
            continue
        code = line.partition(" ")[0].rstrip("\r")
        if code and not code_regex.fullmatch(code):
            _malformed(source, number, line, f"{code!r} is not an {system} code")
        _malformed(source, number, line, f"expected {shape}")


def _rows(
    source: Traversable,
    text: str,
    line_regex: re.Pattern[str],
    system: System,
    shape: str,
) -> list[Any]:
    """All matches of ``line_regex``, after making sure every non-blank line matched."""
    rows: list[Any] = line_regex.findall(text)
    if len(rows) != _expected_rows(text):
        _explain(source, text, line_regex, system, shape)
    return rows


def _duplicate(source: Traversable, text: str, key: Callable[[str], object], what: str) -> None:
    """Raise for the first line whose ``key`` was seen on an earlier line."""
    seen: set[object] = set()
    for number, line in _lines(text):
        value = key(line)
        if value in seen:
            _malformed(source, number, line, f"duplicate {what}")
        seen.add(value)


def _first_field(line: str) -> str:
    return line.split(" ", 1)[0]


def _load_code_set(source: Traversable, *, name: str, system: System, edition: str) -> CodeSet:
    """Read a ``code name`` file; a duplicate code is reported with its line number."""
    text = _text(source)
    rows: list[tuple[str, str]] = _rows(
        source, text, _line_regex(_CODE_NAME, system), system, f"'<{system} code> <name>'"
    )
    if _has_trailing_blanks(text):  # the name group took them; names never end in blanks
        entries = {code: label.rstrip(" \t\r") for code, label in rows}
    else:
        entries = dict(rows)
    if len(entries) != len(rows):
        _duplicate(source, text, _first_field, "code")
    return CodeSet._adopt(name, system, edition, entries)


def _load_code_list(source: Traversable, *, name: str, system: System) -> CodeList:
    """Read a one-code-per-line file; repeated codes are kept once (the list is a set)."""
    text = _text(source)
    codes: list[str] = _rows(
        source, text, _line_regex(_CODE_ONLY, system), system, f"one {system} code per line"
    )
    return CodeList(name, system, codes)


def _load_crosswalk(
    source: Traversable, *, from_name: str, to_name: str, system: System
) -> Crosswalk:
    """Read a ``source_code target_code`` file; both fields must be codes."""
    text = _text(source)
    pairs: list[tuple[str, str]] = _rows(
        source, text, _line_regex(_CODE_PAIR, system), system, f"'<{system} code> <{system} code>'"
    )
    try:
        return Crosswalk(from_name, to_name, system, pairs)
    except ValueError:  # a repeated pair: say on which line
        _duplicate(source, text, lambda line: tuple(line.split()), "pair")
        raise


def _load_categories(
    source: Traversable,
    *,
    name: str,
    valid: Callable[[str], bool],
    allow_uncoded: bool = False,
) -> CodeCategories:
    """Read a ``procedure_code category`` file, checking every category label with ``valid``.

    With ``allow_uncoded``, lines that start with a space (a category and no code) are
    recorded in ``uncoded_lines`` instead of rejected.
    """
    text = _text(source)
    line_regex = _line_regex(_MAYBE_CODE_CATEGORY if allow_uncoded else _CODE_CATEGORY, "icd9cm3")
    rows: list[tuple[str, str]] = _rows(
        source, text, line_regex, "icd9cm3", "'<icd9cm3 code> <category>'"
    )
    invalid = {category for _, category in rows if not valid(category)}
    if invalid:
        for number, line in _lines(text):
            if line.split()[-1] in invalid:
                _malformed(source, number, line, "unknown category")
    entries = {code: category for code, category in rows if code}
    uncoded: list[int] = []
    if len(entries) != len(rows):
        uncoded = [number for number, line in _lines(text) if line[0].isspace()]
        if len(entries) + len(uncoded) != len(rows):
            _duplicate(source, text, _first_field, "code")
    return CodeCategories._adopt(name, entries, tuple(uncoded))


def _is_dip_group(label: str) -> bool:
    return _DIP_GROUP.fullmatch(label) is not None


def _data(filename: str) -> Traversable:
    return files(_DATA_PACKAGE).joinpath(filename)


# --- accessors: each file is read on the first call only ------------------------------------


@cache
def icd10_insurance() -> CodeSet:
    """ICD-10 医保版 2.0: the diagnosis codes settlement lists must use."""
    return _load_code_set(
        _data("icd10_chs_insurance_v2.0.dat"),
        name="ICD-10 医保版 2.0",
        system="icd10",
        edition="insurance-2.0",
    )


@cache
def icd10_clinical() -> CodeSet:
    """ICD-10 国家临床版 2.0: the diagnosis codes hospital records use."""
    return _load_code_set(
        _data("icd10_national_clinical_v2.0.dat"),
        name="ICD-10 国临版 2.0",
        system="icd10",
        edition="clinical-2.0",
    )


@cache
def icd9_insurance() -> CodeSet:
    """ICD-9-CM-3 医保版 2.0: the procedure codes settlement lists must use."""
    return _load_code_set(
        _data("icd9cm3_chs_insurance_v2.0.dat"),
        name="ICD-9-CM-3 医保版 2.0",
        system="icd9cm3",
        edition="insurance-2.0",
    )


@cache
def icd9_clinical() -> CodeSet:
    """ICD-9-CM-3 国家临床版 3.0: the procedure codes hospital records use."""
    return _load_code_set(
        _data("icd9cm3_national_clinical_v3.0.dat"),
        name="ICD-9-CM-3 国临版 3.0",
        system="icd9cm3",
        edition="clinical-3.0",
    )


@cache
def icd10_grey() -> CodeList:
    """ICD-10 医保版 2.0 grey codes (灰码): valid codes that settlement lists reject."""
    return _load_code_list(
        _data("icd10_chs_insurance_v2.0_grey.dat"), name="ICD-10 医保版 2.0 灰码", system="icd10"
    )


@cache
def icd9_grey() -> CodeList:
    """ICD-9-CM-3 医保版 2.0 grey codes (灰码): valid codes that settlement lists reject."""
    return _load_code_list(
        _data("icd9cm3_chs_insurance_v2.0_grey.dat"),
        name="ICD-9-CM-3 医保版 2.0 灰码",
        system="icd9cm3",
    )


@cache
def icd10_crosswalk() -> Crosswalk:
    """ICD-10 国临版 2.0 → 医保版 2.0, for translating record codes to settlement codes."""
    return _load_crosswalk(
        _data("crosswalk_icd10_clinical_v2.0_to_insurance_v2.0.dat"),
        from_name="ICD-10 国临版 2.0",
        to_name="ICD-10 医保版 2.0",
        system="icd10",
    )


@cache
def icd9_crosswalk() -> Crosswalk:
    """ICD-9-CM-3 国临版 3.0 → 医保版 2.0, for translating record codes to settlement codes."""
    return _load_crosswalk(
        _data("crosswalk_icd9cm3_clinical_v3.0_to_insurance_v2.0.dat"),
        from_name="ICD-9-CM-3 国临版 3.0",
        to_name="ICD-9-CM-3 医保版 2.0",
        system="icd9cm3",
    )


@cache
def procedure_categories() -> CodeCategories:
    """Procedure type of each 国临版 3.0 code: 手术 / 治疗性操作 / 诊断性操作 / 介入治疗.

    Groupers and quality indicators treat surgery and the kinds of operation differently.
    The source file has 42 rows whose code is missing (see ``uncoded_lines``); those codes
    get no category rather than a guessed one.
    """
    return _load_categories(
        _data("procedure_category_national_clinical.dat"),
        name="国临版手术操作分类",
        valid=PROCEDURE_CATEGORIES.__contains__,
        allow_uncoded=True,
    )


@cache
def dip_procedure_groups() -> CodeCategories:
    """Tai'an (泰安) DIP procedure groups, e.g. ``治疗性操作组_1``: one region's DIP scheme.

    Codes not listed fall outside the scheme's named groups (category_of returns None).
    """
    return _load_categories(
        _data("procedure_category_dip_taian.dat"), name="泰安DIP手术操作分类", valid=_is_dip_group
    )


def outside_insurance_editions(diagnoses: Iterable[str], procedures: Iterable[str]) -> str | None:
    """Why a case's codes cannot be grouped, naming every code outside the insurance editions
    (ICD-10 / ICD-9-CM-3 医保版 2.0), or None when all are in them.

    Settlement lists must carry insurance-edition codes; groupers refuse the others rather
    than guess (a clinical-edition code is translated first, through the crosswalks).
    """
    parts = []
    for codes, table in ((diagnoses, icd10_insurance()), (procedures, icd9_insurance())):
        unknown = sorted({code for code in codes if code not in table})
        if unknown:
            parts.append(f"not in {table.name}: {', '.join(unknown)}")
    return "codes " + "; ".join(parts) if parts else None

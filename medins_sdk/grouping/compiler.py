"""Compile a CHS-DRG scheme's rule text into a versioned, checksummed rule pack.

The OpenDRG rule texts (``1_MDC.txt`` … ``7_CCE.txt``, ``ADRG/*.dat``, ``MDC/*.dat``) were
extracted from PDFs: names wrap onto the next line, whole pages end up on one line, and the
headings that say how code lists combine vary between files. The compiler turns them into plain
JSON the engine can trust, and reports every line it cannot read in ``problems.json`` instead of
dropping it. Output is deterministic, so a recompiled pack is byte-identical and reviewable.

Entry conditions (``adrg.json``) are ``entry``: a list of alternatives (any one suffices), each
``{"all_of": [clause, ...]}``, each clause ``{"any_of": [term, ...]}``, each term
``{"role": ROLE, "table": ID}`` naming a code table of the ADRG. Roles:

- ``principal_diagnosis`` / ``other_diagnosis`` / ``any_diagnosis`` (principal or other);
- ``principal_procedure`` / ``any_procedure`` (principal or other);
- ``any_or_procedure`` (``包含全部手术``: any operating-room procedure; no table);
- ``mdc_principal_diagnosis`` (the table is an MDC code of ``mdc.json``) and ``no_or_procedure``
  (``符合MDCZ诊断表，且无手术``).

Headings without a leading ``或`` add a clause to the current alternative (literal reading: the
national IB1 is then principal diagnosis *and* both procedure tables; Beijing RB1/RB2 are
diagnosis *and* principal procedure); ``或`` starts a new alternative; ``同时包含`` … ``和`` …
requires every table. ``入组条件`` formulas (``（其他诊断或手术表1）+手术表2``) are parsed term
by term and their tables are read from the labelled lists that follow; ``手术表 N`` matches any
procedure of the case.

ADRG kind follows the CHS-DRG 1.1 convention for the ADRG code's second letter: A–J surgical,
K–Q non-operating-room procedure, R–Z medical.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from medins_sdk.codes import patterns
from medins_sdk.packs import (
    PackData,
    PackManifest,
    add_manifest_arguments,
    pack_json,
    write_pack_dir,
)

_TABLE_ID = re.compile(r"^\d+(?:-\d+)+$")
_FUSED_TABLE = re.compile(r"^表(\d+(?:-\d+)+)$")
_COLUMN_HEADER = frozenset({"疾病编码", "疾病名称", "排除内容"})
_DECORATION = re.compile(
    r"^(?:\d+|\d+、\S.*|表\s*\d+(?:-\d+)+\s+\S*（M?CC）|疾病编码\s+疾病名称\s+排除内容)$"
)
"""Page numbers, section titles, table captions and column headers of the MCC/CC/CCE texts."""

_DIAGNOSIS_ROLES = frozenset({"principal_diagnosis", "other_diagnosis", "any_diagnosis"})
_PROCEDURE_ROLES = frozenset({"principal_procedure", "any_procedure"})

_HEADINGS: dict[str, tuple[str, str | None]] = {
    "包含以下主要诊断": ("principal_diagnosis", None),
    "包含以下主要手术或操作": ("principal_procedure", None),
    "包含以下手术或操作": ("any_procedure", None),
    "包含以下主要诊断或其他诊断": ("any_diagnosis", None),
    "主要诊断或其他诊断中包含以下诊断": ("any_diagnosis", None),
    "包含以下诊断": ("any_diagnosis", None),
    "包含以下其他诊断": ("other_diagnosis", None),
    "同时包含以下手术或操作": ("any_procedure", "any_procedure"),
    "同时包含以下手术": ("any_procedure", "any_procedure"),
    "同时包含以下主要诊断和手术操作": ("principal_diagnosis", "any_procedure"),
}
"""Heading → (role of the list that follows, role of the list after a ``和``)."""

_ALL_OPERATIONS = (("any_or_procedure", None),)
_MDCZ_WITHOUT_OPERATION = (("mdc_principal_diagnosis", "MDCZ"), ("no_or_procedure", None))
_TABLELESS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "包含全部手术": _ALL_OPERATIONS,
    "全部手术": _ALL_OPERATIONS,
    "符合MDCZ诊断表，且无手术": _MDCZ_WITHOUT_OPERATION,
    "符合MDCZ主诊表，且无手术": _MDCZ_WITHOUT_OPERATION,
}
"""Headings that are whole conditions without a code list."""

_FORMULA_TERM = re.compile(r"主要手术或操作|主要诊断|其他诊断|手术表(\d+)")
_FORMULA_ROLES = {
    "主要诊断": ("principal_diagnosis", "principal_diagnosis"),
    "其他诊断": ("other_diagnosis", "other_diagnosis"),
    "主要手术或操作": ("principal_procedure", "principal_procedure"),
}
"""Formula term → (role, table id); ``手术表N`` is ``any_procedure`` of table ``procedure_N``."""

_WRAPPED_NAME_MAX = 8
"""Longest line (characters) read as the wrapped end of the previous code row's name."""

Term = dict[str, str | None]
"""``{"role": ROLE, "table": ID or None}``."""
Clause = dict[str, list[Term]]
"""``{"any_of": [term, ...]}``: one term must hold."""
Alternative = dict[str, list[Clause]]
"""``{"all_of": [clause, ...]}``: every clause must hold."""

_KINDS = (("ABCDEFGHIJ", "surgical"), ("KLMNOPQ", "non_or_procedure"), ("RSTUVWXYZ", "medical"))


@dataclass(frozen=True, order=True)
class Problem:
    """A line the compiler could not read; ``line`` 0 means the whole file."""

    file: str
    line: int
    text: str
    reason: str


@dataclass
class Mdc:
    """A major diagnostic category; MDCZ lists diagnoses per body region instead."""

    code: str
    name: str
    principal_diagnoses: list[str] = field(default_factory=list)
    regions: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Table:
    """A code list of an ADRG rule, with the heading and line it came from."""

    heading: str
    line: int
    codes: list[str] = field(default_factory=list)


@dataclass
class Adrg:
    """An adjacent DRG with its entry conditions (see the module docstring)."""

    code: str
    name: str
    mdc: str
    kind: str
    rule_file: str | None = None
    entry: list[Alternative] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)


@dataclass
class Drg:
    """A DRG: its ADRG and the split character (1 MCC, 3 CC, 5 neither, 9 not split, …)."""

    code: str
    name: str
    adrg: str
    split: str


@dataclass
class Complication:
    """An MCC or CC diagnosis and the exclusion table that cancels it (None: ``无``, never)."""

    name: str
    exclusion_table: str | None


@dataclass
class CompiledPack:
    """Everything one compile produced, ready for :func:`write_pack`."""

    scheme: str
    region: str | None
    version: str
    effective_from: date
    source_note: str
    licence: str
    mdcs: list[Mdc]
    adrgs: list[Adrg]
    drgs: list[Drg]
    mcc: dict[str, Complication]
    cc: dict[str, Complication]
    exclusions: dict[str, list[str]]
    problems: list[Problem]


class _Reader:
    """Reads the source files and collects problems with their relative path."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def lines(self, path: Path) -> Iterator[tuple[int, str]]:
        """Stripped lines with their 1-based number; a missing file is a problem, not a crash."""
        if not path.is_file():
            self.problem(path, 0, "", "file missing")
            return
        for number, text in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            yield number, text.strip()

    def problem(self, path: Path, line: int, text: str, reason: str) -> None:
        self.problems.append(Problem(path.relative_to(self.source).as_posix(), line, text, reason))


def _is_code(token: str) -> bool:
    return bool(patterns.ICD10_SHAPE.match(token) or patterns.ICD9CM3_SHAPE.match(token))


def _heading(text: str) -> str:
    return re.sub(r"\s+", "", text).rstrip("：:")


def _code_list(reader: _Reader, path: Path, pattern: str) -> dict[str, tuple[int, str]]:
    """``CODE name`` lines (1_MDC, 2_ADRG, 3_DRG) → code → (line, name).

    A line that does not start with a code or a capital continues the previous name.
    """
    entries: dict[str, tuple[int, str]] = {}
    last: str | None = None
    for number, text in reader.lines(path):
        if not text:
            continue
        match = re.match(rf"^({pattern})\s+(\S.*)$", text)
        if match:
            last = match[1]
            if last in entries:
                reader.problem(path, number, text, f"{last} listed twice")
            entries[last] = (number, match[2])
        elif last is not None and not re.match(r"^[0-9A-Z]", text):
            entries[last] = (entries[last][0], entries[last][1] + text)
        else:
            reader.problem(path, number, text, "not a 'CODE name' line")
    return entries


def _parse_mdc(reader: _Reader, path: Path, mdc: Mdc) -> None:
    """``主诊表`` and a list of principal diagnoses; MDCZ: region names, each before its list."""
    lines = [(number, text) for number, text in reader.lines(path) if text]
    lists = ("包含以下主要诊断", "包含以下诊断")
    target: list[str] | None = None
    region: str | None = None
    for index, (number, text) in enumerate(lines):
        heading = _heading(text)
        token = text.split()[0]
        if _is_code(token):
            if target is None:
                reader.problem(path, number, text, "code before any heading")
            elif not patterns.ICD10_SHAPE.match(token):
                reader.problem(path, number, text, "not an ICD-10 diagnosis code")
            else:
                target.append(token)
        elif heading == "主诊表":
            target = None
        elif heading in lists:
            target = mdc.principal_diagnoses if region is None else mdc.regions[region]
        elif index + 1 < len(lines) and _heading(lines[index + 1][1]) in lists:
            region, target = heading, None
            mdc.regions.setdefault(region, [])
        else:
            reader.problem(path, number, text, "not a code row or a known heading")
    mdc.principal_diagnoses[:] = dict.fromkeys(mdc.principal_diagnoses)
    for codes in mdc.regions.values():
        codes[:] = dict.fromkeys(codes)


class _AdrgParser:
    """One ``ADRG/*.dat`` file: headings and formulas into ``entry``, code rows into tables."""

    def __init__(self, reader: _Reader, path: Path, adrg: Adrg) -> None:
        self.reader, self.path, self.adrg = reader, path, adrg
        self.table: Table | None = None
        self.role: str | None = None
        self.and_role: str | None = None
        self.formula_refs: dict[str, tuple[str, int]] = {}

    def problem(self, number: int, text: str, reason: str) -> None:
        self.reader.problem(self.path, number, text, reason)

    def parse(self) -> None:
        previous_was_code = False
        for number, text in self.reader.lines(self.path):
            if not text:
                continue
            token = text.split()[0]
            if _is_code(token):
                self.code_row(number, text, token)
                previous_was_code = True
                continue
            heading = _heading(text)
            if self.heading(number, text, heading):
                previous_was_code = False
            elif previous_was_code and "：" not in text and len(heading) <= _WRAPPED_NAME_MAX:
                continue  # the name of the previous code row wrapped onto this line
            else:
                self.problem(number, text, "not a code row or a known heading")
        self.check()

    def code_row(self, number: int, text: str, token: str) -> None:
        if self.table is None or self.role is None:
            self.problem(number, text, "code row outside any code list")
            return
        if self.role in _DIAGNOSIS_ROLES and not patterns.ICD10_SHAPE.match(token):
            self.problem(number, text, f"{token} is not a diagnosis code but the list is")
        elif self.role in _PROCEDURE_ROLES and not patterns.ICD9CM3_SHAPE.match(token):
            self.problem(number, text, f"{token} is not a procedure code but the list is")
        else:
            self.table.codes.append(token)

    def new_table(self, table_id: str, number: int, text: str, role: str) -> None:
        self.table = self.adrg.tables.setdefault(table_id, Table(text, number))
        self.role = role

    def clause(self, *terms: tuple[str, str | None]) -> None:
        if not self.adrg.entry:
            self.adrg.entry.append({"all_of": []})
        self.adrg.entry[-1]["all_of"].append(
            {"any_of": [{"role": role, "table": table} for role, table in terms]}
        )

    def heading(self, number: int, text: str, heading: str) -> bool:
        """Apply a heading line; False when it is not one."""
        alternative = heading.startswith("或")
        body = heading.removeprefix("或")
        if body.startswith("入组条件") or "+" in body:
            return self.formula(number, text, alternative, body)
        if self.formula_refs:
            return self.label(number, text, body)
        if body == "和":
            if self.and_role is None:
                self.problem(number, text, "和 without a 同时包含 heading before it")
            else:
                self.list_heading(number, text, self.and_role)
            return True
        if body in _HEADINGS or body in _TABLELESS:
            if alternative and not self.adrg.entry:
                self.problem(number, text, "或 before any condition")
            if alternative:
                self.adrg.entry.append({"all_of": []})
            if body in _TABLELESS:
                for term in _TABLELESS[body]:
                    self.clause(term)
                self.table = self.role = self.and_role = None
            else:
                role, self.and_role = _HEADINGS[body]
                self.list_heading(number, text, role)
            return True
        return False

    def list_heading(self, number: int, text: str, role: str) -> None:
        table_id = f"list_{len(self.adrg.tables) + 1}"
        self.new_table(table_id, number, text, role)
        self.clause((role, table_id))

    def formula(self, number: int, text: str, alternative: bool, body: str) -> bool:
        """``入组条件1：（其他诊断或手术表1）+手术表2``: one alternative of labelled tables."""
        if alternative != bool(self.adrg.entry):
            self.problem(number, text, "或 does not match the conditions before it")
        body = re.sub(r"^入组条件\d*：", "", body).removeprefix("包含以下")
        self.adrg.entry.append({"all_of": []})
        for part in body.split("+"):
            part = part.strip("（）()")
            if _FORMULA_TERM.sub("", part).replace("或", ""):
                self.problem(number, text, f"cannot read the term {part!r}")
            terms: list[tuple[str, str | None]] = []
            for match in _FORMULA_TERM.finditer(part):
                if match[1]:
                    role, table_id = "any_procedure", f"procedure_{match[1]}"
                else:
                    role, table_id = _FORMULA_ROLES[match[0]]
                terms.append((role, table_id))
                self.formula_refs[table_id] = (role, number)
            if terms:
                self.clause(*terms)
        return True

    def label(self, number: int, text: str, body: str) -> bool:
        """``主要诊断：`` / ``手术表 2：`` after a formula: the list the formula names."""
        match = re.fullmatch(r"手术表(\d+)", body)
        table_id = f"procedure_{match[1]}" if match else _FORMULA_ROLES.get(body, ("", ""))[1]
        if table_id not in self.formula_refs:
            return False
        self.new_table(table_id, number, text, self.formula_refs[table_id][0])
        return True

    def check(self) -> None:
        if not self.adrg.entry:
            self.problem(0, "", "no entry condition")
        for table_id, (_role, number) in sorted(self.formula_refs.items()):
            if table_id not in self.adrg.tables:
                self.problem(number, table_id, "the formula names a list the file does not hold")
        for table_id, table in sorted(self.adrg.tables.items()):
            table.codes[:] = dict.fromkeys(table.codes)  # a code listed twice counts once
            if not table.codes:
                self.problem(table.line, table.heading, f"list {table_id} holds no codes")


def _tokens(reader: _Reader, path: Path) -> Iterator[tuple[int, str, str, str]]:
    """``(line, text, kind, value)`` over the MCC/CC/CCE texts; kind is code, table or word.

    A table is ``表 2-3-N`` (or ``""`` for ``无`` before a code or a line end: no exclusion
    table); a code has a dot, so that a name's ``B12`` or ``T12`` stays a word.

    Token by token rather than line by line, because names wrap onto later lines and whole
    pages were extracted onto one line (page number and column header included).
    """
    for number, text in reader.lines(path):
        if not text or _DECORATION.match(text):
            continue
        tokens = text.split()
        index = 0
        while index < len(tokens):
            token = tokens[index]
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            index += 1
            fused = _FUSED_TABLE.match(token)
            if token in _COLUMN_HEADER or (token.isdigit() and following == "疾病编码"):
                continue
            if fused:
                yield number, text, "table", fused[1]
            elif token == "表" and _TABLE_ID.match(following):
                yield number, text, "table", following
                index += 1
            elif token == "无" and (not following or _is_row_code(following)):
                yield number, text, "table", ""
            elif _is_row_code(token):
                yield number, text, "code", token
            else:
                yield number, text, "word", token


def _is_row_code(token: str) -> bool:
    return bool(patterns.ICD10_SHAPE.match(token)) and "." in token


def _name(words: list[tuple[int, str]]) -> str:
    """Words of one line joined by a space; a wrapped name continues without one."""
    lines: dict[int, list[str]] = {}
    for number, word in words:
        lines.setdefault(number, []).append(word)
    return "".join(" ".join(parts) for parts in lines.values())


def _report_stray(reader: _Reader, path: Path, stray: dict[tuple[int, str], list[str]]) -> None:
    for (number, text), words in sorted(stray.items()):
        reader.problem(path, number, text, f"words outside any entry: {' '.join(words)}")


def _complications(reader: _Reader, path: Path) -> dict[str, tuple[int, Complication]]:
    """5_MCC.txt / 6_CC.txt: ``CODE name 表 2-3-N`` records → code → (line, entry)."""
    entries: dict[str, tuple[int, Complication]] = {}
    stray: dict[tuple[int, str], list[str]] = {}
    code: str | None = None
    start, start_text, words = 0, "", list[tuple[int, str]]()
    for number, text, kind, value in _tokens(reader, path):
        if kind == "code":
            if code is not None:
                reader.problem(path, start, start_text, f"{code} has no exclusion table")
            code, start, start_text, words = value, number, text, []
        elif kind == "table" and code is not None:
            entry = Complication(_name(words), value or None)
            known = entries.get(code)
            if known is not None and known[1].exclusion_table != value:
                reader.problem(path, number, text, f"{code} listed with two exclusion tables")
            entries.setdefault(code, (start, entry))
            code = None
        elif code is not None:
            words.append((number, value))
        else:
            stray.setdefault((number, text), []).append(value)
    if code is not None:
        reader.problem(path, start, start_text, f"{code} has no exclusion table")
    _report_stray(reader, path, stray)
    return entries


def _exclusions(reader: _Reader, path: Path) -> dict[str, list[str]]:
    """7_CCE.txt: ``表 N`` then ``包含以下主要诊断：`` and code rows → table id → codes."""
    tables: dict[str, list[str]] = {}
    stray: dict[tuple[int, str], list[str]] = {}
    table: list[str] | None = None
    in_row = False
    for number, text, kind, value in _tokens(reader, path):
        if kind == "table" and value:
            if value in tables:
                reader.problem(path, number, text, f"table {value} appears twice")
            table, in_row = tables.setdefault(value, []), False
        elif kind == "code" and table is not None:
            in_row = True
            table.append(value)
        elif kind == "word" and (in_row or _heading(value) == "包含以下主要诊断"):
            continue  # a code's name, possibly wrapped, or the table's heading
        else:
            stray.setdefault((number, text), []).append(value)
    _report_stray(reader, path, stray)
    for table_id, codes in sorted(tables.items()):
        codes[:] = dict.fromkeys(codes)
        if not codes:
            reader.problem(path, 0, table_id, f"table {table_id} holds no codes")
    return tables


def _files_by_code(
    reader: _Reader, directory: Path, listed: dict[str, tuple[int, str]]
) -> dict[str, Path]:
    """``<CODE>_<name>.dat`` files of a directory by code; unlisted or doubled codes reported."""
    files: dict[str, Path] = {}
    for path in sorted(directory.glob("*.dat")):
        code = path.name.split("_", 1)[0]
        if code not in listed:
            reader.problem(path, 0, path.name, f"{code} is not in the scheme's list")
        elif code in files:
            reader.problem(path, 0, path.name, f"second rule file for {code}")
        else:
            files[code] = path
    return files


def _kind(adrg: str) -> str:
    return next(kind for letters, kind in _KINDS if adrg[1] in letters)


def compile_rules(
    source: Path,
    *,
    scheme: str,
    region: str | None,
    version: str,
    effective_from: date,
    source_note: str,
    licence: str,
) -> CompiledPack:
    """Compile the rule-text directory ``source`` (layout of ``rules/CHS_DRG_11*``)."""
    reader = _Reader(source)
    mdc_list = _code_list(reader, source / "1_MDC.txt", r"MDC[A-Z]")
    adrg_list = _code_list(reader, source / "2_ADRG.txt", r"[A-Z][A-Z]\d")
    drg_list = _code_list(reader, source / "3_DRG.txt", r"[A-Z][A-Z]\d[0-9A-Z]")

    mdcs: list[Mdc] = []
    mdc_files = _files_by_code(reader, source / "MDC", mdc_list)
    for code, (number, name) in mdc_list.items():
        mdc = Mdc(code, name)
        if code in mdc_files:
            _parse_mdc(reader, mdc_files[code], mdc)
        else:
            reader.problem(source / "1_MDC.txt", number, code, "no MDC/<code>_*.dat rule file")
        mdcs.append(mdc)

    adrgs: list[Adrg] = []
    adrg_files = _files_by_code(reader, source / "ADRG", adrg_list)
    for code, (number, name) in adrg_list.items():
        adrg = Adrg(code, name, f"MDC{code[0]}", _kind(code))
        if adrg.mdc not in mdc_list:
            reader.problem(source / "2_ADRG.txt", number, code, f"{adrg.mdc} is not an MDC")
        path = adrg_files.get(code)
        if path is None:
            reader.problem(source / "2_ADRG.txt", number, code, "no ADRG/<code>_*.dat rule file")
        else:
            adrg.rule_file = path.relative_to(source).as_posix()
            _AdrgParser(reader, path, adrg).parse()
        adrgs.append(adrg)

    drgs: list[Drg] = []
    for code, (number, name) in drg_list.items():
        if code[:3] not in adrg_list:
            reader.problem(source / "3_DRG.txt", number, code, f"{code[:3]} is not an ADRG")
        drgs.append(Drg(code, name, code[:3], code[3]))

    exclusions = _exclusions(reader, source / "7_CCE.txt")
    levels: list[dict[str, Complication]] = []
    for file_name in ("5_MCC.txt", "6_CC.txt"):
        entries = _complications(reader, source / file_name)
        for code, (number, entry) in sorted(entries.items()):
            if entry.exclusion_table is not None and entry.exclusion_table not in exclusions:
                reader.problem(
                    source / file_name,
                    number,
                    code,
                    f"exclusion table {entry.exclusion_table} is not in 7_CCE.txt",
                )
        levels.append({code: entry for code, (_number, entry) in entries.items()})

    return CompiledPack(
        scheme=scheme,
        region=region,
        version=version,
        effective_from=effective_from,
        source_note=source_note,
        licence=licence,
        mdcs=mdcs,
        adrgs=adrgs,
        drgs=drgs,
        mcc=levels[0],
        cc=levels[1],
        exclusions=exclusions,
        problems=sorted(set(reader.problems)),
    )


def write_pack(pack: CompiledPack, out: Path) -> None:
    """Write the pack's files and a manifest with their checksums into ``out``."""
    files: list[tuple[str, object, str, str]] = [
        (
            "mdc.json",
            [asdict(m) for m in pack.mdcs],
            "MDCs and their principal diagnoses",
            "1_MDC.txt, MDC/*.dat",
        ),
        (
            "adrg.json",
            [asdict(a) for a in pack.adrgs],
            "ADRGs, kinds and entry conditions",
            "2_ADRG.txt, ADRG/*.dat",
        ),
        ("drg.json", [asdict(d) for d in pack.drgs], "DRGs, their ADRG and split", "3_DRG.txt"),
        (
            "cc.json",
            {
                "mcc": {c: asdict(e) for c, e in pack.mcc.items()},
                "cc": {c: asdict(e) for c, e in pack.cc.items()},
            },
            "MCC and CC diagnoses with their exclusion table",
            "5_MCC.txt, 6_CC.txt",
        ),
        (
            "cc_exclusions.json",
            pack.exclusions,
            "exclusion table → principal diagnoses that cancel its MCC/CC",
            "7_CCE.txt",
        ),
        (
            "problems.json",
            [asdict(p) for p in pack.problems],
            "source lines the compiler could not read",
            "all rule files",
        ),
    ]
    write_pack_dir(
        out,
        PackManifest(
            scheme=pack.scheme,
            region=pack.region,
            version=pack.version,
            title=f"{pack.scheme} {pack.version} grouping rules",
            effective_from=pack.effective_from,
            source=pack.source_note,
            licence=pack.licence,
        ),
        [
            PackData(path, pack_json(value), description, f"{pack.source_note} ({sources})")
            for path, value, description, sources in files
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Compile and write a pack: 0 when every line was read, 1 when problems were reported."""
    parser = argparse.ArgumentParser(
        prog="python -m medins_sdk.grouping.compiler", description=__doc__.splitlines()[0]
    )
    parser.add_argument("source", type=Path, help="rule-text directory (rules/CHS_DRG_11_BJ)")
    parser.add_argument("-o", "--out", type=Path, required=True, help="pack directory to write")
    add_manifest_arguments(parser, "where the rule text comes from")
    args = parser.parse_args(argv)
    if not (args.source / "2_ADRG.txt").is_file():
        parser.error(f"{args.source} is not a rule-text directory (no 2_ADRG.txt)")
    pack = compile_rules(
        args.source,
        scheme=args.scheme,
        region=args.region,
        version=args.version,
        effective_from=args.effective_from,
        source_note=args.source_note,
        licence=args.licence,
    )
    write_pack(pack, args.out)
    print(
        f"{pack.scheme}: {len(pack.mdcs)} MDC, {len(pack.adrgs)} ADRG, {len(pack.drgs)} DRG, "
        f"{len(pack.mcc)} MCC, {len(pack.cc)} CC, {len(pack.exclusions)} exclusion tables; "
        f"{len(pack.problems)} problems"
    )
    for problem in pack.problems:
        print(f"{problem.file}:{problem.line}: {problem.reason}: {problem.text}", file=sys.stderr)
    return 1 if pack.problems else 0


if __name__ == "__main__":
    sys.exit(main())

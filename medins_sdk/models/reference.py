"""The data-model reference, rendered as Markdown from the models themselves.

Every table row comes from a model field: its English name, its alias (the national
interface's name), its description (the Chinese name), its type and constraints, whether it
is required and whether it holds personal data. The output is deterministic, so the
generated files under ``docs/reference/`` are checked against it by the test suite::

    python -m medins_sdk.models.reference > docs/reference/data-model.md
    python -m medins_sdk.models.reference hooks > docs/reference/hooks.md

The hooks reference is rendered by :mod:`medins_sdk.hookdoc`.
"""

from __future__ import annotations

import inspect
import io
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel, NaiveDatetime
from pydantic.fields import FieldInfo

from medins_sdk.codes import patterns, tables
from medins_sdk.codes.tables import CodeEnum
from medins_sdk.models.charges import ChargeBatch, ChargeLine
from medins_sdk.models.encounter import Encounter
from medins_sdk.models.front_page import (
    FrontPage,
    FrontPageBase,
    FrontPageDiagnosis,
    FrontPageIcuStay,
    FrontPageOperation,
)
from medins_sdk.models.results import Finding, GroupResult, PriceResult, TraceStep, Weight
from medins_sdk.models.settlement import FundDetail, Settlement, SettlementInfo
from medins_sdk.models.settlement_list import (
    ChargeItemSummary,
    Diagnosis,
    FundPayment,
    IcuStay,
    Operation,
    OutpatientDiagnosis,
    SettlementList,
    SettlementListInfo,
    Transfusion,
)
from medins_sdk.money import DecimalSpec, Measure, Money, Price, Quantity, Ratio, SignedMoney

REGENERATE_DATA_MODEL = "python -m medins_sdk.models.reference > docs/reference/data-model.md"
"""The command that regenerates ``docs/reference/data-model.md``."""
REGENERATE_HOOKS = "python -m medins_sdk.models.reference hooks > docs/reference/hooks.md"
"""The command that regenerates ``docs/reference/hooks.md``."""


@dataclass(frozen=True, slots=True)
class Section:
    """A group of models documented together, under one heading."""

    title: str
    intro: str
    models: tuple[type[BaseModel], ...]
    described: str = "Chinese name"
    """Header of the description column: SDK result types describe fields in English."""


SECTIONS: tuple[Section, ...] = (
    Section(
        "Encounters",
        "The unit every later step (group, price, audit, reconcile) processes.",
        (Encounter,),
    ),
    Section(
        "Settlement lists (4101, 4101A)",
        "The settlement list (医疗保障基金结算清单) and its parts, coded in the insurance "
        "editions (ICD-10 医保版 2.0, ICD-9-CM-3 医保版 2.0).",
        (
            SettlementList,
            SettlementListInfo,
            FundPayment,
            OutpatientDiagnosis,
            Diagnosis,
            ChargeItemSummary,
            Operation,
            IcuStay,
            Transfusion,
        ),
    ),
    Section(
        "Charge lines (2301)",
        "Charge lines (费用明细) as uploaded with 2301, with the bureau's per-line answer.",
        (ChargeBatch, ChargeLine),
    ),
    Section(
        "Settlement answers (2304)",
        "The bureau's settlement answer (结算信息); refunds and cancellations (2305) alike.",
        (Settlement, SettlementInfo, FundDetail),
    ),
    Section(
        "Front pages (4401)",
        "The medical record front page (住院病案首页), coded in the clinical editions (国临版).",
        (FrontPage, FrontPageBase, FrontPageDiagnosis, FrontPageOperation, FrontPageIcuStay),
    ),
    Section(
        "Results",
        "What grouping, pricing and auditing produce. SDK types: they have no national names.",
        (GroupResult, TraceStep, PriceResult, Finding),
        described="description",
    ),
)
"""Every documented model, in the order of the reference."""

DOCUMENTED: tuple[type[BaseModel], ...] = tuple(m for s in SECTIONS for m in s.models)

DECIMAL_TYPES: tuple[tuple[str, Any], ...] = (
    ("Money", Money),
    ("SignedMoney", SignedMoney),
    ("Quantity", Quantity),
    ("Price", Price),
    ("Ratio", Ratio),
    ("Measure", Measure),
    ("Weight", Weight),
)
"""The exact decimal types, by the name their section carries."""

SHAPES: tuple[tuple[str, str], ...] = (
    ("identifier", patterns.IDENTIFIER),
    ("ICD-10 code", patterns.ICD10),
    ("ICD-9-CM-3 code", patterns.ICD9CM3),
    ("TCM code", patterns.TCM),
    ("region code", patterns.REGION),
    ("insurance type", patterns.INSURANCE_TYPE),
    ("medical type", patterns.MEDICAL_TYPE),
    ("clearing type", patterns.CLEARING_TYPE),
    ("fund type", patterns.FUND_PAY_TYPE),
    ("catalogue code", patterns.CATALOGUE),
    ("department code", patterns.DEPARTMENT),
    ("duration", patterns.DURATION),
)
"""Named code shapes (``medins_sdk.codes.patterns``): label and regular expression."""

PII_LABELS: dict[str, str] = {
    "name": "yes (name)",
    "id_number": "yes (ID number)",
    "phone": "yes (phone)",
    "address": "yes (address)",
}

_SPEC_NAMES: dict[int, str] = {
    id(spec): name
    for name, alias in DECIMAL_TYPES
    for spec in typing.get_args(alias)[1:]
    if isinstance(spec, DecimalSpec)
}
_SHAPE_NAMES: dict[str, str] = {regex: label for label, regex in SHAPES}


def slug(title: str) -> str:
    """The anchor a Markdown renderer (GitHub, MkDocs) gives a heading."""
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


def rst_to_markdown(text: str) -> str:
    """Docstring markup to Markdown: ``code`` → `code`, :role:`~a.b` → `b`."""
    text = re.sub(r":[a-z]+:`~[\w.]*?\.?(\w+)`", r"`\1`", text)
    text = re.sub(r":[a-z]+:`([^`]+)`", r"`\1`", text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def paragraphs(doc: str | None) -> list[str]:
    """The paragraphs of a docstring, each joined into one line."""
    cleaned = inspect.cleandoc(doc or "")
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", cleaned) if p.strip()]


def escape_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def link(name: str) -> str:
    """A link to the section named ``name``."""
    return f"[{name}](#{slug(name)})"


def _dp(spec: DecimalSpec) -> str:
    places = f"{spec.places} dp" if spec.fixed else f"≤ {spec.places} dp"
    return f"{places}, {'signed' if spec.signed else '≥ 0'}"


def _decimal_label(spec: DecimalSpec) -> str:
    name = _SPEC_NAMES.get(id(spec))
    if name is None:
        raise TypeError(f"undocumented decimal type: {spec.description}")
    return link(name)


def decimal_spec(annotation: Any, metadata: Sequence[Any] = ()) -> DecimalSpec | None:
    """The exact decimal type of a field, also inside ``Annotated[...] | None``."""
    for item in metadata:
        if isinstance(item, DecimalSpec):
            return item
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return decimal_spec(args[0], args[1:])
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            found = decimal_spec(arg)
            if found is not None:
                return found
    return None


def _enum_label(enum: type[Enum]) -> str:
    codes = ", ".join(str(member.value) for member in enum)
    return f"{link(enum.__name__)}: {codes}"


def _constraint_notes(annotation: Any, metadata: Sequence[Any]) -> list[str]:
    low: Any = None
    high: Any = None
    min_len: int | None = None
    max_len: int | None = None
    notes: list[str] = []
    for item in metadata:
        if isinstance(item, DecimalSpec):
            continue
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.MinLen):
            min_len = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            max_len = item.max_length
        else:
            pattern = getattr(item, "pattern", None)
            if isinstance(pattern, str):
                label = _SHAPE_NAMES.get(pattern)
                notes.append(f"[{label}](#code-shapes)" if label else f"`{pattern}`")
    if low is not None and high is not None:
        notes.append(f"{low}–{high}")
    elif low is not None:
        notes.append(f"≥ {low}")
    elif high is not None:
        notes.append(f"≤ {high}")
    unit = "item" if typing.get_origin(annotation) is list else "char"
    if min_len is not None and max_len is not None:
        notes.append(f"{min_len}–{max_len} {unit}s")
    elif min_len is not None:
        notes.append(f"≥ {min_len} {unit}{'s' if min_len != 1 else ''}")
    elif max_len is not None:
        notes.append(f"≤ {max_len} {unit}s")
    return notes


def type_label(annotation: Any, metadata: Sequence[Any] = ()) -> str:
    """A readable type: decimal types and models link to their sections, enums list codes.

    ``None`` in a union is left out: whether a field may be absent is the *required* column.
    """
    specs = [m for m in metadata if isinstance(m, DecimalSpec)]
    if specs:
        return _decimal_label(specs[0])
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_label(args[0], args[1:])
    if origin in (typing.Union, types.UnionType):
        parts = [type_label(arg) for arg in args if arg is not type(None)]
        return " | ".join(parts)
    if origin is Literal:
        return "one of " + ", ".join(f"`{arg}`" for arg in args)
    if origin is list:
        return f"list\\[{type_label(args[0])}\\]"
    if origin is dict:
        return f"dict\\[{type_label(args[0])}, {type_label(args[1])}\\]"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            if annotation not in DOCUMENTED:
                raise TypeError(f"{annotation.__name__} is not in the reference's SECTIONS")
            return link(annotation.__name__)
        if issubclass(annotation, Enum):
            return _enum_label(annotation)
        if annotation is NaiveDatetime or issubclass(annotation, datetime):
            return link("date-time")
        if issubclass(annotation, date):
            return link("date")
        if annotation is Decimal:
            return "Decimal"
        return f"`{annotation.__name__}`"
    raise TypeError(f"cannot describe type {annotation!r}")


def field_type(field: FieldInfo) -> str:
    """The type cell of a field: its type, then its constraints."""
    label = type_label(field.annotation, field.metadata)
    spec = decimal_spec(field.annotation, field.metadata)
    notes = [_dp(spec)] if spec is not None else []
    notes += _constraint_notes(field.annotation, field.metadata)
    return f"{label} ({', '.join(notes)})" if notes else label


def pii_of(field: FieldInfo) -> str | None:
    """The kind of personal data a field holds (``json_schema_extra["pii"]``), if any."""
    extra = field.json_schema_extra
    kind = extra.get("pii") if isinstance(extra, dict) else None
    return kind if isinstance(kind, str) else None


def field_table(model: type[BaseModel], described: str = "Chinese name") -> Iterator[str]:
    """The Markdown table of a model's fields, in declaration order."""
    yield f"| field | national name | {described} | type | required | personal data |"
    yield "|---|---|---|---|---|---|"
    for name, field in model.model_fields.items():
        kind = pii_of(field)
        cells = (
            f"`{name}`",
            f"`{field.alias}`" if field.alias else "—",
            field.description or "",
            field_type(field),
            "yes" if field.is_required() else "no",
            PII_LABELS.get(kind, f"yes ({kind})") if kind else "",
        )
        yield "| " + " | ".join(escape_cell(cell) for cell in cells) + " |"


def _members(model: type[BaseModel]) -> Iterator[tuple[str, str]]:
    """Public properties and methods the model itself defines: (name, first doc line)."""
    for name, value in vars(model).items():
        if name.startswith(("_", "model_")):
            continue
        if isinstance(value, property):
            yield f"`{name}`", _first_line(value.__doc__)
        elif isinstance(value, (classmethod, staticmethod)) or inspect.isfunction(value):
            yield f"`{name}()`", _first_line(getattr(value, "__doc__", None))


def _first_line(doc: str | None) -> str:
    found = paragraphs(doc)
    return rst_to_markdown(found[0]) if found else ""


def render_model(model: type[BaseModel], described: str = "Chinese name") -> Iterator[str]:
    """A model's section: heading, docstring, field table, properties and methods."""
    yield f"### {model.__name__}"
    yield ""
    for paragraph in paragraphs(model.__doc__):
        yield rst_to_markdown(paragraph)
        yield ""
    yield from field_table(model, described)
    members = list(_members(model))
    if members:
        yield ""
        yield "Also on the model:"
        yield ""
        for name, doc in members:
            yield f"- {name}: {doc}" if doc else f"- {name}"
    yield ""


def _decimal_sections() -> Iterator[str]:
    for name, alias in DECIMAL_TYPES:
        spec = next(m for m in typing.get_args(alias)[1:] if isinstance(m, DecimalSpec))
        places = (
            f"exactly {spec.places} decimal places in output"
            if spec.fixed
            else f"up to {spec.places} decimal places, written as given"
        )
        sign = "may be negative" if spec.signed else "not negative"
        module = "medins_sdk.models.results" if alias is Weight else "medins_sdk.money"
        yield f"### {name}"
        yield ""
        yield (
            f"{spec.description.capitalize()} (`{module}.{name}`): {places}, {sign}, "
            f"at most {spec.integer_digits} integer digit{'s' if spec.integer_digits > 1 else ''}."
        )
        yield ""


def render_value_types() -> Iterator[str]:
    """The value types: exact decimals, dates, code shapes."""
    yield "## Value types"
    yield ""
    yield (
        "Amounts, quantities and prices are `decimal.Decimal` (`medins_sdk.money`), never "
        '`float`. In JSON they are read from a decimal string (`"12.50"`) or an integer and '
        "written as a string; a Python `float` is refused. The record reader "
        "(`medins_sdk.io`) re-reads a JSON number with a fraction exactly, through "
        "`json.loads(..., parse_float=Decimal)`."
    )
    yield ""
    yield from _decimal_sections()
    yield "### date-time"
    yield ""
    yield (
        "A local (Beijing) date-time without offset, written `yyyy-MM-dd HH:mm:ss` in JSON as "
        "the interface does; a time-zone-aware value is refused."
    )
    yield ""
    yield "### date"
    yield ""
    yield "A calendar date, written `yyyy-MM-dd`."
    yield ""
    yield "### Code shapes"
    yield ""
    yield (
        "Codes are checked by shape (`medins_sdk.codes.patterns`); whether a code exists in an "
        "edition is checked by audit rules, not by validation."
    )
    yield ""
    yield "| shape | regular expression |"
    yield "|---|---|"
    for label, regex in SHAPES:
        yield f"| {label} | {escape_cell(f'`{regex}`')} |"
    yield ""


def _code_enums() -> Iterator[type[CodeEnum]]:
    for value in vars(tables).values():
        if isinstance(value, type) and issubclass(value, CodeEnum) and value is not CodeEnum:
            yield value


def render_code_tables() -> Iterator[str]:
    """Every national code table of ``medins_sdk.codes.tables``, with its labels."""
    yield "## Code tables"
    yield ""
    yield (
        "National code tables (`medins_sdk.codes.tables`). Fields typed with a table accept "
        "only its codes; tables that provinces extend (`insutype`, `med_type`, `clr_type`) are "
        "checked by shape in the models and listed here for their labels."
    )
    yield ""
    for enum in _code_enums():
        yield f"### {enum.__name__}"
        yield ""
        doc = _first_line(enum.__doc__)
        if doc:
            yield doc
            yield ""
        yield "| code | name | label |"
        yield "|---|---|---|"
        for member in enum:
            yield f"| `{member.value}` | `{member.name}` | {escape_cell(member.label)} |"
        yield ""


def render_data_model() -> str:
    """The whole data-model reference, as Markdown."""
    lines: list[str] = [
        "<!-- Generated from the models; do not edit. Regenerate with:",
        f"     {REGENERATE_DATA_MODEL} -->",
        "",
        "# Data-model reference",
        "",
        "Every model of `medins_sdk.models`, field by field. *field* is the Python attribute "
        "and the key of the SDK's canonical JSON; *national name* is the pydantic alias, the "
        "field's name in the national interface's JSON (— for SDK extensions the interface "
        "does not carry); *Chinese name* is the field's description. *personal data* marks "
        "fields hidden from `repr` and masked by `medins_sdk.privacy.redacted`. A field that "
        "is not required may be left out: lists and dicts default to empty, other fields to "
        "`null` (a few text fields of the result types to the empty string).",
        "",
        "Canonical JSON rejects unknown fields; national JSON, read through the `national-*` "
        "record formats of `medins_sdk.io`, ignores them.",
        "",
        "Contents: "
        + ", ".join(link(s.title) for s in SECTIONS)
        + f", {link('Value types')}, {link('Code tables')}.",
        "",
    ]
    for section in SECTIONS:
        lines += [f"## {section.title}", "", section.intro, ""]
        lines += [" · ".join(link(m.__name__) for m in section.models), ""]
        for model in section.models:
            lines.extend(render_model(model, section.described))
    lines.extend(render_value_types())
    lines.extend(render_code_tables())
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[], str]] = {"data-model": render_data_model}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m medins_sdk.models.reference [data-model|hooks]``: print a reference."""
    from medins_sdk.hookdoc import render_hooks

    renderers = {**RENDERERS, "hooks": render_hooks}
    args = list(sys.argv[1:] if argv is None else argv)
    which = args[0] if args else "data-model"
    if len(args) > 1 or which not in renderers:
        sys.stderr.write(f"usage: python -m medins_sdk.models.reference [{'|'.join(renderers)}]\n")
        return 2
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(renderers[which]())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

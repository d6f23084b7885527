"""Vendor XML exports read through a declarative mapping (XPath → FrontPage field), not code.

A vendor whose front-page export is not CDA describes it in a TOML file::

    name = "acme-front-page"              # the reader's name: --input-format acme-front-page
    description = "ACME HIS 首页导出"
    records = "/BASY/BA"                  # XPath of each front page in a document

    [fields]                              # FrontPage base field → XPath relative to a record
    "base.record_no" = "BAH"
    "base.gender" = { xpath = "XB", values = "gender" }
    "base.admission_time" = { xpath = "RYSJ", format = "%Y%m%d%H%M%S" }

    [lists.diagnoses]                     # one list item per element the XPath selects
    xpath = "ZDXX/ZD"
    fields = { code = "JBDM", principal = { xpath = "@ZZD", values = "yes_no" } }

    [values.gender]                       # the vendor's codes → the interface's codes
    "男" = "1"
    "女" = "2"

``values`` names a value map (or is one, inline); ``format`` is a ``strptime`` format (a
format without a time of day gives a date); ``[namespaces]`` binds prefixes the XPaths use.
Every XPath is compiled and every target field checked when the mapping loads, so a typo is
an error naming the file and the key, not a wrong record later. Documents are parsed by the
same safe parser as CDA documents; an invalid value is reported at its element's XPath.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel, ValidationError

from medins_adapter_cda_xml.readers import read_all
from medins_adapter_cda_xml.safe import DocumentError, XmlLimits, parse, xpath_of
from medins_sdk.io.documents import Document
from medins_sdk.io.records import Issue, Record, Rejected, render_path
from medins_sdk.models import (
    FrontPage,
    FrontPageBase,
    FrontPageDiagnosis,
    FrontPageIcuStay,
    FrontPageOperation,
)

Loc = tuple[str | int, ...]
_LISTS: dict[str, type[BaseModel]] = {
    "diagnoses": FrontPageDiagnosis,
    "operations": FrontPageOperation,
    "icu_stays": FrontPageIcuStay,
}
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%p", "%X", "%c", "%T")


class MappingError(ValueError):
    """A mapping file that cannot be used: names the file, the key and what is wrong."""


@dataclass(frozen=True)
class FieldRule:
    """One model field: the XPath that finds it, its value map and its time format."""

    field: str
    xpath: etree.XPath
    values: Mapping[str, str] | None = None
    values_name: str = ""
    format: str | None = None

    def read(self, context: etree._Element, loc: Loc) -> tuple[Any, Issue | None]:
        """The field's value under ``context`` (None when absent), or the issue it has."""
        found = self.xpath(context)
        item = found[0] if isinstance(found, list) and found else found
        if isinstance(item, etree._Element):
            text, origin = (item.text or "").strip(), xpath_of(item)
        elif isinstance(item, str) and item.strip():
            text = item.strip()
            parent = item.getparent() if isinstance(item, etree._ElementUnicodeResult) else None
            attribute = (
                getattr(item, "attrname", None) if getattr(item, "is_attribute", False) else None
            )
            origin = xpath_of(parent if parent is not None else context, attribute)
        else:
            return None, None
        if not text:
            return None, None
        try:
            return self.convert(text), None
        except ValueError as error:
            return None, Issue(origin, f"{render_path(loc)}: {error}")

    def convert(self, text: str) -> str | date | datetime:
        if self.values is not None:
            if text not in self.values:
                raise ValueError(
                    f"value not in value map {self.values_name!r} ({len(self.values)} codes)"
                )
            text = self.values[text]
        if self.format is None:
            return text
        try:
            moment = datetime.strptime(text, self.format)
        except ValueError:
            raise ValueError(f"not a time in the format {self.format!r}") from None
        return moment if any(d in self.format for d in _TIME_DIRECTIVES) else moment.date()


@dataclass(frozen=True)
class ListRule:
    """A list of the front page (diagnoses, operations, ICU stays): items and their fields."""

    name: str
    xpath: etree.XPath
    fields: tuple[FieldRule, ...]


@dataclass(frozen=True)
class VendorMapping:
    """A loaded mapping: where records are and where each field is."""

    name: str
    description: str
    records: etree.XPath
    fields: tuple[FieldRule, ...]
    lists: tuple[ListRule, ...]


@dataclass(frozen=True)
class MappingReader:
    """A document reader that reads a vendor's XML through a :class:`VendorMapping`.

    Selected by name (``--input-format NAME``); it claims no file suffix, so it never takes
    ``.xml`` files from the CDA reader.
    """

    mapping: VendorMapping
    limits: XmlLimits = field(default_factory=XmlLimits)
    suffixes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The mapping's name."""
        return self.mapping.name

    @property
    def description(self) -> str:
        """The mapping's description."""
        return self.mapping.description

    def read(self, path: Path) -> Iterator[Record | Rejected]:
        """Every front page of every document under ``path``, streamed."""
        return read_all(path, self.name, self.limits, self.records)

    def records(self, document: Document) -> Iterator[Record | Rejected]:
        """The front pages of one document (the records XPath may select several)."""
        try:
            root = parse(document.data, self.limits)
        except DocumentError as error:
            yield Rejected(None, document.name, self.name, error.issues)
            return
        found = self.mapping.records(root)
        elements = (
            [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []
        )
        if not elements:
            yield Rejected(
                None,
                document.name,
                self.name,
                (Issue(xpath_of(root), "no record: the mapping's records XPath selects nothing"),),
            )
        for index, element in enumerate(elements):
            yield self.record(element, f"{document.name}[{index}]")

    def record(self, element: etree._Element, source: str) -> Record | Rejected:
        """One front page read from its element."""
        issues: list[Issue] = []
        origins: dict[Loc, str] = {(): xpath_of(element)}
        data: dict[str, Any] = {"base": {}}
        for rule in self.mapping.fields:
            self._put(data["base"], rule, element, ("base", rule.field), issues)
        origins[("base",)] = xpath_of(element)
        for rules in self.mapping.lists:
            items = []
            found = rules.xpath(element)
            for index, item in enumerate(found if isinstance(found, list) else []):
                if not isinstance(item, etree._Element):
                    continue
                origins[(rules.name, index)] = xpath_of(item)
                values: dict[str, Any] = {}
                for rule in rules.fields:
                    self._put(values, rule, item, (rules.name, index, rule.field), issues)
                items.append(values)
            data[rules.name] = items
            origins[(rules.name,)] = xpath_of(element)
        record_id = data["base"].get("record_no")
        if issues:
            return Rejected(record_id, source, self.name, tuple(issues))
        try:
            page = FrontPage.model_validate(data, by_alias=False, by_name=True)
        except ValidationError as error:
            located = []
            for detail in error.errors(
                include_url=False, include_input=False, include_context=False
            ):
                loc = tuple(detail["loc"])
                where = next(
                    origins[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in origins
                )
                located.append(Issue(where, f"{render_path(loc)}: {detail['msg']}"))
            return Rejected(record_id, source, self.name, tuple(located))
        return Record(page.base.record_no, source, self.name, "front_page", page)

    @staticmethod
    def _put(
        target: dict[str, Any],
        rule: FieldRule,
        context: etree._Element,
        loc: Loc,
        issues: list[Issue],
    ) -> None:
        value, issue = rule.read(context, loc)
        if issue is not None:
            issues.append(issue)
        elif value is not None:
            target[rule.field] = value


def load_mapping(path: Path, limits: XmlLimits | None = None) -> MappingReader:
    """The reader a mapping file describes; raises :class:`MappingError` naming the problem."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MappingError(f"{where}: cannot read the mapping: {error}") from None
    return MappingReader(_mapping(data, where), limits or XmlLimits())


def _mapping(data: dict[str, Any], where: str) -> VendorMapping:
    unknown = set(data) - {
        "name",
        "description",
        "records",
        "namespaces",
        "fields",
        "lists",
        "values",
    }
    if unknown:
        raise MappingError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    for key in ("name", "records"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise MappingError(f"{where}: {key!r} must be a non-empty string")
    namespaces = _strings(data.get("namespaces", {}), f"{where}: namespaces")
    values = {
        name: _strings(table, f"{where}: values.{name}")
        for name, table in _table(data.get("values", {}), f"{where}: values").items()
    }
    compile_ = _Compiler(where, namespaces, values)
    fields = tuple(
        compile_.field(key.removeprefix("base."), spec, FrontPageBase, f"fields.{key}")
        for key, spec in _table(data.get("fields", {}), f"{where}: fields").items()
        if compile_.base_key(key)
    )
    lists = []
    for name, spec in _table(data.get("lists", {}), f"{where}: lists").items():
        if name not in _LISTS:
            raise MappingError(
                f"{where}: lists.{name}: not a list of FrontPage ({', '.join(_LISTS)})"
            )
        body = _table(spec, f"{where}: lists.{name}")
        lists.append(
            ListRule(
                name,
                compile_.xpath(body.get("xpath"), f"lists.{name}.xpath"),
                tuple(
                    compile_.field(key, rule, _LISTS[name], f"lists.{name}.fields.{key}")
                    for key, rule in _table(
                        body.get("fields", {}), f"{where}: lists.{name}.fields"
                    ).items()
                ),
            )
        )
    return VendorMapping(
        data["name"],
        str(data.get("description", "")),
        compile_.xpath(data["records"], "records"),
        fields,
        tuple(lists),
    )


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MappingError(f"{where}: must be a table")
    return value


def _strings(value: Any, where: str) -> dict[str, str]:
    table = _table(value, where)
    if not all(isinstance(v, str) for v in table.values()):
        raise MappingError(f"{where}: every value must be a string")
    return table


@dataclass(frozen=True)
class _Compiler:
    """Compiles a mapping's rules, naming the file and key of anything wrong."""

    where: str
    namespaces: dict[str, str]
    values: dict[str, dict[str, str]]

    def base_key(self, key: str) -> bool:
        if not key.startswith("base."):
            raise MappingError(
                f"{self.where}: fields.{key}: fields are base.<field>; lists go under [lists]"
            )
        return True

    def xpath(self, text: Any, key: str) -> etree.XPath:
        if not isinstance(text, str) or not text:
            raise MappingError(f"{self.where}: {key}: an XPath string is required")
        try:
            return etree.XPath(text, namespaces=self.namespaces)
        except etree.XPathSyntaxError as error:
            raise MappingError(f"{self.where}: {key}: invalid XPath ({error})") from None

    def field(self, name: str, spec: Any, model: type[BaseModel], key: str) -> FieldRule:
        if name not in model.model_fields:
            raise MappingError(f"{self.where}: {key}: {model.__name__} has no field {name!r}")
        if isinstance(spec, str):
            spec = {"xpath": spec}
        rule = _table(spec, f"{self.where}: {key}")
        unknown = set(rule) - {"xpath", "values", "format"}
        if unknown:
            raise MappingError(f"{self.where}: {key}: unknown keys {', '.join(sorted(unknown))}")
        values = rule.get("values")
        if isinstance(values, str):
            if values not in self.values:
                raise MappingError(f"{self.where}: {key}: no value map {values!r} under [values]")
            values_name, values = values, self.values[values]
        elif values is not None:
            values_name, values = name, _strings(values, f"{self.where}: {key}.values")
        else:
            values_name = ""
        time_format = rule.get("format")
        if time_format is not None and not isinstance(time_format, str):
            raise MappingError(f"{self.where}: {key}.format: a strptime format string is required")
        return FieldRule(
            name, self.xpath(rule.get("xpath"), f"{key}.xpath"), values, values_name, time_format
        )

"""A WS/T 500.52 CDA document → FrontPage, finding sections by their codes.

The header (patient, encounter, authenticators) has the fixed CDA R2 shape; the body is read
section by section, each recognised by ``section/code/@code`` wherever it stands, and each
observation by its element code wherever it is nested (a cost may sit in an ``organizer`` or
an ``entryRelationship``): real documents differ in nesting and order, not in codes. Sections
the table does not know (allergies, laboratory results …) are skipped; missing ones leave
their fields empty. Every value comes with the element it was read from, so an invalid value
is reported at its XPath; values themselves are never quoted.

Reading costs more than parsing, and with lxml that cost is mostly the element proxies
touched and the strings (tags, attribute values) taken from them. So the reader walks only
to the elements it reads, lets lxml find observations and organizers in C (``iter`` with a
tag, a few XPaths compiled once), looks element codes up in dicts derived once from the
table (:class:`_Plan`), keeps element references and computes an XPath only for a problem
it reports, and validates what it collected with one ``FrontPage.model_validate``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from lxml import etree
from pydantic import ValidationError

from medins_adapter_cda_xml.safe import DocumentError, XmlLimits, document_error, parse, xpath_of
from medins_adapter_cda_xml.table import Table, table
from medins_adapter_cda_xml.values import parse_bl, parse_ts, parse_ts_date
from medins_sdk.io.records import Issue, render_path
from medins_sdk.models import (
    FrontPage,
    FrontPageDiagnosis,
    FrontPageIcuStay,
    FrontPageOperation,
)

Element = etree._Element
Loc = tuple[str | int, ...]
Field = tuple[str, str] | tuple[str, int, str]
"""Where a value goes: ``("base", field)``, or ``(list, index, field)`` (``diagnoses`` …)."""
Origin = tuple[Element, str | None]
Read = Callable[[Element], tuple[Any, str | None]]
"""A value type's reader: an element → its value and the attribute holding it (None: text).
Raises ``ValueError`` for a malformed ``@value`` (times, booleans)."""
Selector = Callable[[Element], list[Element]]
"""A compiled XPath selecting elements below the one it is called with."""
Coded = tuple[str, Element, Element | None, Element]
"""An observation found: its element code, ``code`` and ``value`` elements, and itself."""

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_ADDRESS_ORDER = ("state", "city", "county", "township", "streetName", "houseNumber")
_children_of: Callable[[Element], list[Element]] = operator.itemgetter(slice(None))
"""An element's children, listed in C (``element[:]``, which lxml's stubs do not type): half
the cost of iterating over the element."""
_NONE: tuple[None] = (None,)
"""The default of a child-group look-up: ``children.get(tag, _NONE)[0]`` is the first or None."""


def read_front_page(data: bytes, limits: XmlLimits | None = None) -> FrontPage:
    """The front page of one CDA document; raises :class:`DocumentError` naming each XPath."""
    return extract(parse(data, limits or XmlLimits()))


def extract(root: Element) -> FrontPage:
    """The front page of a parsed CDA document (see :func:`read_front_page`)."""
    return _Reader(_plan(), root).front_page()


# -- value types --------------------------------------------------------------------------------


def _text(element: Element) -> tuple[str | None, None]:
    """ST: the element's text, trimmed."""
    text = element.text
    return (None if text is None else text.strip() or None), None


def _code(element: Element) -> tuple[str | None, str]:
    """CD: the code."""
    return element.get("code"), "code"


def _quantity(element: Element) -> tuple[str | None, str]:
    """PQ, MO: the decimal as written (the models read it exactly)."""
    return element.get("value"), "value"


def _time(element: Element) -> tuple[datetime | None, str]:
    """TS: a local date-time."""
    text = element.get("value")
    return (parse_ts(text) if text else None), "value"


def _date(element: Element) -> tuple[date | None, str]:
    """TS read as a date (a birth time)."""
    text = element.get("value")
    return (parse_ts_date(text) if text else None), "value"


def _flag(element: Element) -> tuple[str | None, str | None]:
    """A BL ``@value`` as the interface's flag; a BL written as text is read as text."""
    text = element.get("value")
    return _text(element) if text is None else (parse_bl(text), "value")


def _phone(element: Element) -> tuple[str, str]:
    """TEL: the number, without its ``tel:`` scheme."""
    return element.get("value", "").removeprefix("tel:"), "value"


def _extension(element: Element) -> tuple[str | None, str]:
    """II: the identifier within its root."""
    return element.get("extension"), "extension"


def _address(element: Element) -> str | None:
    """An address written as text, or assembled from its parts (province first)."""
    if len(element) == 0:
        return _text(element)[0]
    parts = {etree.QName(child).localname: _text(child)[0] or "" for child in element}
    order = [*_ADDRESS_ORDER, *(name for name in parts if name not in _ADDRESS_ORDER)]
    return "".join(parts.get(name, "") for name in order) or None


_READ: dict[str, Read] = {"TS": _time, "CD": _code, "PQ": _quantity, "MO": _quantity, "BL": _flag}
"""Readers by HL7 value type; any other type (ST …) is read as text."""


def _typed(element: Element) -> tuple[Any, str | None]:
    """An SDK extension observation's value, read as its ``xsi:type`` says."""
    return _READ.get(element.get(_XSI_TYPE, "ST"), _text)(element)


# -- the table as reading uses it ---------------------------------------------------------------


class _Tags(dict[str, str]):
    """CDA element names qualified with the table's namespace (``tag["code"]``), each built
    on first use."""

    def __init__(self, ns: str) -> None:
        super().__init__()
        self.ns = ns

    def __missing__(self, name: str) -> str:
        self[name] = tag = self.ns + name
        return tag


@dataclass(frozen=True, slots=True)
class _Plan:
    """The element table turned, once, into what reading dispatches on: element codes →
    ``(field, reader)`` per kind of entry (reader None: by ``xsi:type``)."""

    table: Table
    tag: _Tags
    sections: dict[str, str]
    """Section code → the table's section name."""
    observations: dict[str, dict[str, tuple[tuple[str, Field, Read], ...]]]
    """Section name → element code → the base fields it may hold: ``(displayName, loc, reader)``
    each, the displayName telling apart two fields of one code."""
    diagnosis: dict[str, tuple[str, Read | None]]
    """Element code → diagnosis field, in a discharge-diagnosis organizer."""
    operation: dict[str, tuple[str, Read | None]]
    """Element code → operation field, in a procedure's ``entryRelationship``."""
    icu: dict[str, str]
    """Element code → ICU stay field (all SDK extensions, typed by ``xsi:type``)."""
    roles: dict[str, str]
    """Signer role (``code/@displayName``) → base field."""
    assistants: dict[str, str]
    """Operation participant role (``code/@displayName``) → operation field."""
    entries: dict[str, Selector]
    """Section name → its base-field observations: under its entries, but not inside the
    organizers a section reader reads (diagnoses, comas, ICU stays)."""
    linked: Selector
    """A procedure's observations: the first with a code in each ``entryRelationship``."""


@cache
def _plan() -> _Plan:
    """The plan of the package's table, built on first use."""
    t = table()
    observations: dict[str, dict[str, tuple[tuple[str, Field, Read], ...]]] = {}
    for (section, code), specs in t.lookup.items():
        observations.setdefault(section, {})[code] = tuple(
            (spec.name, ("base", spec.field), _READ.get(spec.type, _text)) for spec in specs
        )
    diagnosis: dict[str, tuple[str, Read | None]] = {
        **_extensions(FrontPageDiagnosis, t.diagnosis["sdk"]),
        t.diagnosis["code"]: ("code", _code),
        t.diagnosis["name"]: ("name", _text),
        t.diagnosis["admission_condition"]: ("admission_condition", _code),
    }
    operation: dict[str, tuple[str, Read | None]] = {
        **_extensions(FrontPageOperation, t.operation["sdk"]),
        **{t.operation[f]: (f, _code) for f in ("level", "healing_grade", "anaesthesia_method")},
        t.operation["name"]: ("name", _text),
    }
    icu = {alias: field for alias, (field, _) in _extensions(FrontPageIcuStay, None).items()}
    organized = {"discharge_diagnoses", "problems", "extensions"}

    def xpath(path: str) -> Selector:
        return cast(Selector, etree.XPath(path, namespaces={"v3": t.document["namespace"]}))

    return _Plan(
        table=t,
        tag=_Tags(t.ns),
        sections={code: key for key, code in t.sections.items()},
        observations=observations,
        diagnosis=diagnosis,
        operation=operation,
        icu=icu,
        roles={role: field for field, role in t.roles.items()},
        assistants=dict(
            zip(t.operation["assistants"], ("assistant1_name", "assistant2_name"), strict=True)
        ),
        entries={
            key: xpath(
                "v3:entry/*[not(self::v3:organizer)]/descendant-or-self::v3:observation"
                if key in organized
                else "v3:entry/*/descendant-or-self::v3:observation"
            )
            for key in observations
        },
        linked=xpath("v3:entryRelationship/descendant::v3:observation[v3:code][1]"),
    )


def _extensions(
    model: type[FrontPageDiagnosis | FrontPageOperation | FrontPageIcuStay],
    fields: list[str] | None,
) -> dict[str, tuple[str, Read | None]]:
    """SDK extension observations of ``model`` (code: the national name) among ``fields``."""
    return {
        info.alias or name: (name, None)
        for name, info in model.model_fields.items()
        if fields is None or name in fields
    }


# -- walking the tree ---------------------------------------------------------------------------


def _children(parent: Element) -> dict[Any, list[Element]]:
    """``parent``'s children by tag, in document order: one pass for several look-ups."""
    groups: dict[Any, list[Element]] = {}
    for child in _children_of(parent):
        tag = child.tag
        if tag in groups:
            groups[tag].append(child)
        else:
            groups[tag] = [child]
    return groups


def _along(parent: Element | None, *tags: str) -> Element | None:
    """The first element along ``tags`` (each the first child so named of the one before).

    Walks children directly: lxml's ElementPath ``find`` costs several times as much.
    """
    node = parent
    for tag in tags:
        if node is None:
            return None
        for child in _children_of(node):
            if child.tag == tag:
                node = child
                break
        else:
            return None
    return node


def _with_root(ids: Iterable[Element], root: str) -> Element | None:
    """The first of ``ids`` (``id`` elements) whose ``@root`` is ``root``."""
    return next((i for i in ids if i.get("root") == root), None)


class _Reader:
    """One document's extraction: the values found, where each came from, and the problems."""

    def __init__(self, plan: _Plan, root: Element) -> None:
        self.plan = plan
        self.t = plan.table
        self.tag = plan.tag
        self.root = root
        self.origins: dict[Loc, Origin] = {}
        self.issues: list[Issue] = []
        self.base: dict[str, Any] = {}
        self.diagnoses: list[dict[str, Any]] = []
        self.operations: list[dict[str, Any]] = []
        self.icu_stays: list[dict[str, Any]] = []

    # -- bookkeeping --------------------------------------------------------------------------

    def put(self, target: dict[str, Any], loc: Field, value: Any, origin: Origin) -> None:
        """Record ``value`` at ``loc`` (its last part is the key in ``target``) and where it
        came from; an empty string is no value."""
        if value is None or value == "":
            return
        target[loc[-1]] = value
        self.origins[loc] = origin

    def read(self, target: dict[str, Any], loc: Field, element: Element | None, read: Read) -> None:
        """``element``'s value, read by ``read``, put at ``loc``; a malformed one is an issue
        at its XPath."""
        if element is None:
            return
        try:
            value, attribute = read(element)
        except ValueError as error:
            self.issues.append(Issue(xpath_of(element, "value"), f"{render_path(loc)}: {error}"))
            return
        self.put(target, loc, value, (element, attribute))

    def coded(self, observations: Iterable[Element]) -> list[Coded]:
        """Those of ``observations`` with a ``code`` child, each one's children scanned once."""
        code_tag, value_tag = self.tag["code"], self.tag["value"]
        found: list[Coded] = []
        for observation in observations:
            code = value = None
            for child in _children_of(observation):
                name = child.tag
                if name == code_tag:
                    code = code if code is not None else child
                elif name == value_tag:
                    value = value if value is not None else child
            if code is not None:
                found.append((code.get("code", ""), code, value, observation))
        return found

    # -- the document -------------------------------------------------------------------------

    def front_page(self) -> FrontPage:
        root, tag = self.root, self.tag
        if root.tag != tag["ClinicalDocument"]:
            raise document_error(
                xpath_of(root),
                "not a CDA document: the root element is not ClinicalDocument in urn:hl7-org:v3 "
                "(a vendor export is read with --input-format and its mapping's name)",
            )
        children = _children(root)
        self.check_type(children)
        self.header(children)
        body = _along(children.get(tag["component"], _NONE)[0], tag["structuredBody"])
        if body is not None:
            self.body(body)
        record_id = self.base.get("record_no")
        if self.issues:
            raise DocumentError(*self.issues, record_id=record_id)
        self.origins[("diagnoses",)] = (body if body is not None else root, None)
        data = {
            "base": self.base,
            "diagnoses": self.diagnoses,
            "operations": self.operations,
            "icu_stays": self.icu_stays,
        }
        try:
            return FrontPage.model_validate(data, by_alias=False, by_name=True)
        except ValidationError as error:
            raise DocumentError(*self.located(error), record_id=record_id) from None

    def check_type(self, children: dict[Any, list[Element]]) -> None:
        document = self.t.document
        templates = children.get(self.tag["templateId"], ())
        code = children.get(self.tag["code"], _NONE)[0]
        if document["template_id"] in {t.get("root") for t in templates} or (
            code is not None and code.get("code") == document["code"]
        ):
            return
        raise document_error(
            xpath_of(templates[0] if templates else self.root),
            f"not a WS/T 500.52 front page (templateId {document['template_id']} or "
            f"document code {document['code']} expected)",
        )

    def located(self, error: ValidationError) -> Iterator[Issue]:
        """Each validation error at the XPath of the element its value came from."""
        for detail in error.errors(include_url=False, include_input=False, include_context=False):
            loc = tuple(detail["loc"])
            origin = next(
                (self.origins[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in self.origins),
                (self.root, None),
            )
            yield Issue(xpath_of(*origin), f"{render_path(loc)}: {detail['msg']}")

    # -- header -------------------------------------------------------------------------------

    def header(self, children: dict[Any, list[Element]]) -> None:
        tag = self.tag
        role = _along(children.get(tag["recordTarget"], _NONE)[0], tag["patientRole"])
        if role is not None:
            self.patient_role(_children(role))
        for signer in (
            *children.get(tag["legalAuthenticator"], ()),
            *children.get(tag["authenticator"], ()),
        ):
            self.signer(signer)
        contact = next(
            (p for p in children.get(tag["participant"], ()) if p.get("typeCode") == "NOT"), None
        )
        if contact is not None:
            self.contact(contact)
        encounter = _along(children.get(tag["componentOf"], _NONE)[0], tag["encompassingEncounter"])
        if encounter is not None:
            self.encounter(encounter)

    def patient_role(self, role: dict[Any, list[Element]]) -> None:
        ids, base, tag = self.t.ids, self.base, self.tag
        by_root = {ids["inpatient_no"]: "inpatient_no", ids["record_no"]: "record_no"}
        for identifier in role.get(tag["id"], ()):
            field = by_root.get(identifier.get("root", ""))
            if field is not None:
                self.read(base, ("base", field), identifier, _extension)
        address = role.get(tag["addr"], _NONE)[0]
        if address is not None:
            self.put(base, ("base", "current_address"), _address(address), (address, None))
        self.read(base, ("base", "phone"), role.get(tag["telecom"], _NONE)[0], _phone)
        patient = role.get(tag["patient"], _NONE)[0]
        if patient is not None:
            self.patient(_children(patient))
        provider = role.get(tag["providerOrganization"], _NONE)[0]
        if provider is not None:
            self.identified(provider, ids["institution_code"], "institution_code")

    def identified(self, parent: Element, root: str, field: str) -> None:
        """The ``extension`` of the first ``id`` with ``root`` anywhere under ``parent``."""
        identifier = _with_root(parent.iter(self.tag["id"]), root)
        self.read(self.base, ("base", field), identifier, _extension)

    def patient(self, patient: dict[Any, list[Element]]) -> None:
        base, tag = self.base, self.tag
        identifier = _with_root(patient.get(tag["id"], ()), self.t.ids["cert_no"])
        self.read(base, ("base", "cert_no"), identifier, _extension)
        self.read(base, ("base", "person_name"), patient.get(tag["name"], _NONE)[0], _text)
        for name, field in (
            ("administrativeGenderCode", "gender"),
            ("maritalStatusCode", "marital_status"),
            ("ethnicGroupCode", "ethnicity"),
            ("nationality", "nationality"),
        ):
            self.read(base, ("base", field), patient.get(tag[name], _NONE)[0], _code)
        occupation = _along(patient.get(tag["occupation"], _NONE)[0], tag["occupationCode"])
        self.read(base, ("base", "occupation"), occupation, _code)
        self.read(base, ("base", "birth_date"), patient.get(tag["birthTime"], _NONE)[0], _date)
        self.read(base, ("base", "age"), patient.get(tag["age"], _NONE)[0], _quantity)

    def signer(self, signer: Element) -> None:
        """A legal authenticator or authenticator: a name, by the role its code names."""
        tag = self.tag
        entity = _along(signer, tag["assignedEntity"])
        code = _along(entity, tag["code"])
        field = self.plan.roles.get(code.get("displayName", "")) if code is not None else None
        if field is not None:
            name = _along(entity, tag["assignedPerson"], tag["name"])
            self.read(self.base, ("base", field), name, _text)

    def contact(self, participant: Element) -> None:
        tag, base = self.tag, self.base
        entity = _along(participant, tag["associatedEntity"])
        self.read(base, ("base", "contact_phone"), _along(entity, tag["telecom"]), _phone)
        name = _along(entity, tag["associatedPerson"], tag["name"])
        self.read(base, ("base", "contact_name"), name, _text)

    def encounter(self, encounter: Element) -> None:
        base, tag, ids = self.base, self.tag, self.t.ids
        children = _children(encounter)
        self.read(base, ("base", "admission_route"), children.get(tag["code"], _NONE)[0], _code)
        when = children.get(tag["effectiveTime"], _NONE)[0]
        self.read(base, ("base", "admission_time"), _along(when, tag["low"]), _time)
        self.read(base, ("base", "discharge_time"), _along(when, tag["high"]), _time)
        self.identified(encounter, ids["ward"], "admission_ward")
        self.identified(encounter, ids["dept"], "admission_dept")

    # -- body ---------------------------------------------------------------------------------

    def body(self, body: Element) -> None:
        tag, plan = self.tag, self.plan
        special: dict[str, Callable[[Element], None]] = {
            "discharge_diagnoses": self.read_diagnoses,
            "problems": self.read_comas,
            "procedures": self.read_operations,
            "hospital_course": self.read_discharge_place,
            "extensions": self.read_icu_stays,
        }
        section_tag, code_tag = tag["section"], tag["code"]
        for component in body.iterchildren(tag["component"]):
            section = _along(component, section_tag)
            code = _along(section, code_tag)
            key = None if code is None else plan.sections.get(code.get("code", ""))
            if section is None or key is None:
                continue
            if key in special:
                special[key](section)
            if key in plan.observations:
                self.observations(section, key)

    def observations(self, section: Element, key: str) -> None:
        """The section's base-field observations (:attr:`_Plan.entries`), wherever nested."""
        lookup = self.plan.observations[key]
        for element_code, code, value, _ in self.coded(self.plan.entries[key](section)):
            found = lookup.get(element_code)
            if not found:
                continue
            choice = found[0]
            if len(found) > 1:
                shown = code.get("displayName", "")
                choice = next((f for f in found if f[0] == shown), choice)
            _, loc, read = choice
            self.read(self.base, loc, value, read)

    def read_diagnoses(self, section: Element) -> None:
        spec, dispatch, tag = self.t.diagnosis, self.plan.diagnosis, self.tag
        observation_tag = tag["observation"]
        for organizer in section.iter(tag["organizer"]):
            found = self.coded(organizer.iter(observation_tag))
            if not any(code == spec["code"] for code, _, _, _ in found):
                continue
            index = len(self.diagnoses)
            diagnosis: dict[str, Any] = {"principal": "0"}
            self.origins[("diagnoses", index)] = (organizer, None)
            principal = self.principal(found)
            if principal is not None:
                diagnosis["principal"] = "1"
                self.origins[("diagnoses", index, "principal")] = (principal, "displayName")
            for code, _, value, _ in found:
                if code in dispatch:
                    field, read = dispatch[code]
                    self.read(diagnosis, ("diagnoses", index, field), value, read or _typed)
            self.diagnoses.append(diagnosis)

    def principal(self, found: list[Coded]) -> Element | None:
        """The qualifier ``name`` marking a diagnosis principal (its ``@displayName`` starts
        with the table's prefix) of the last of ``found`` that has one, or None.

        The qualifier is an observation's ``code/qualifier/name``, each the first so named
        (``found`` holds each observation's first ``code``).
        """
        prefix, tag = self.t.diagnosis["principal"], self.tag
        for _, code, _, _ in reversed(found):
            name = _along(code, tag["qualifier"], tag["name"])
            if name is not None and name.get("displayName", "").startswith(prefix):
                return name
        return None

    def read_comas(self, section: Element) -> None:
        spec = self.t.coma
        units = {spec["days"]: 0, spec["hours"]: 1, spec["minutes"]: 2}
        observation_tag = self.tag["observation"]
        for organizer in section.iter(self.tag["organizer"]):
            parts = ["0", "0", "0"]
            field = "coma_before_admission"
            found = False
            for code, code_element, value, _ in self.coded(organizer.iter(observation_tag)):
                if code not in units:
                    continue
                found = True
                if spec["coma_after_admission"] in code_element.get("displayName", ""):
                    field = "coma_after_admission"
                if value is not None and value.get("value"):
                    parts[units[code]] = value.get("value", "0")
            if found:
                self.put(self.base, ("base", field), "/".join(parts), (organizer, None))

    def read_operations(self, section: Element) -> None:
        tag = self.tag
        for procedure in section.iter(tag["procedure"]):
            index = len(self.operations)
            operation: dict[str, Any] = {}
            self.origins[("operations", index)] = (procedure, None)
            self.operation(operation, index, procedure)
            self.operations.append(operation)

    def operation(self, operation: dict[str, Any], index: int, procedure: Element) -> None:
        """One procedure's fields: its code, date and people, then its coded observations."""
        tag, dispatch = self.tag, self.plan.operation
        children = _children(procedure)
        self.read(
            operation, ("operations", index, "code"), children.get(tag["code"], _NONE)[0], _code
        )
        when = children.get(tag["effectiveTime"], _NONE)[0]
        if when is not None and when.get("value") is None:
            when = _along(when, tag["low"])
        self.read(operation, ("operations", index, "date"), when, _time)
        performer = children.get(tag["performer"], _NONE)[0]
        surgeon = _along(performer, tag["assignedEntity"], tag["assignedPerson"], tag["name"])
        self.read(operation, ("operations", index, "surgeon_name"), surgeon, _text)
        for participant in children.get(tag["participant"], ()):
            role = _along(participant, tag["participantRole"])
            code = _along(role, tag["code"])
            field = (
                self.plan.assistants.get(code.get("displayName", "")) if code is not None else None
            )
            if field is not None:
                name = _along(role, tag["playingEntity"], tag["name"])
                self.read(operation, ("operations", index, field), name, _text)
        for element_code, _, value, observation in self.coded(self.plan.linked(procedure)):
            if element_code not in dispatch:
                continue
            field, read = dispatch[element_code]
            self.read(operation, ("operations", index, field), value, read or _typed)
            if field == "anaesthesia_method":
                name = _along(
                    observation,
                    tag["performer"],
                    tag["assignedEntity"],
                    tag["assignedPerson"],
                    tag["name"],
                )
                self.read(operation, ("operations", index, "anaesthetist_name"), name, _text)

    def read_discharge_place(self, section: Element) -> None:
        place = next(section.iter(self.tag["representedOrganization"]), None)
        if place is None:
            return
        self.identified(place, self.t.ids["ward"], "discharge_ward")
        self.identified(place, self.t.ids["dept"], "discharge_dept")

    def read_icu_stays(self, section: Element) -> None:
        fields, code_tag = self.plan.icu, self.tag["code"]
        for organizer in section.iter(self.tag["organizer"]):
            code = _along(organizer, code_tag)
            if code is None or code.get("code") != self.t.icu["code"]:
                continue
            index = len(self.icu_stays)
            stay: dict[str, Any] = {}
            self.origins[("icu_stays", index)] = (organizer, None)
            for element_code, _, value, _ in self.coded(organizer.iter(self.tag["observation"])):
                if element_code in fields:
                    loc = ("icu_stays", index, fields[element_code])
                    self.read(stay, loc, value, _typed)
            self.icu_stays.append(stay)

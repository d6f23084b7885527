"""A WS/T 500.52 CDA document → FrontPage, finding sections by their codes.

The header (patient, encounter, authenticators) has the fixed CDA R2 shape; the body is read
section by section, each recognised by ``section/code/@code`` wherever it stands, and each
observation by its element code wherever it is nested (a cost may sit in an ``organizer`` or
an ``entryRelationship``): real documents differ in nesting and order, not in codes. Sections
the table does not know (allergies, laboratory results …) are skipped; missing ones leave
their fields empty. Every value comes with the element it was read from, so an invalid value
is reported at its XPath; values themselves are never quoted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import cache
from typing import Any

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

Loc = tuple[str | int, ...]
_STEPS: dict[str, tuple[str, ...]] = {}
_ORGANIZED = frozenset({"discharge_diagnoses", "problems", "extensions"})
"""Sections whose organizers a section reader reads: the base-field pass skips them."""
Origin = tuple[etree._Element, str | None]
_ADDRESS_ORDER = ("state", "city", "county", "township", "streetName", "houseNumber")


def read_front_page(data: bytes, limits: XmlLimits | None = None) -> FrontPage:
    """The front page of one CDA document; raises :class:`DocumentError` naming each XPath."""
    return extract(parse(data, limits or XmlLimits()))


def extract(root: etree._Element) -> FrontPage:
    """The front page of a parsed CDA document (see :func:`read_front_page`)."""
    return _Reader(table(), root).front_page()


@cache
def _aliases(
    model: type[FrontPageDiagnosis | FrontPageOperation | FrontPageIcuStay],
) -> dict[str, str]:
    return {info.alias or name: name for name, info in model.model_fields.items()}


class _Reader:
    """One document's extraction: the values found, where each came from, and the problems."""

    def __init__(self, codes: Table, root: etree._Element) -> None:
        self.t = codes
        self.ns = codes.ns
        self.root = root
        self.origins: dict[Loc, Origin] = {}
        self.issues: list[Issue] = []
        self.base: dict[str, Any] = {}
        self.diagnoses: list[dict[str, Any]] = []
        self.operations: list[dict[str, Any]] = []
        self.icu_stays: list[dict[str, Any]] = []

    # -- bookkeeping --------------------------------------------------------------------------

    def put(
        self,
        target: dict[str, Any],
        loc: Loc,
        value: Any,
        element: etree._Element,
        attribute: str | None = None,
    ) -> None:
        """Record ``value`` at ``loc`` (its last part is the key in ``target``)."""
        if value is None or value == "":
            return
        key = loc[-1]
        assert isinstance(key, str)
        target[key] = value
        self.origins[loc] = (element, attribute)

    def time(
        self,
        target: dict[str, Any],
        loc: Loc,
        element: etree._Element | None,
        attribute: str = "value",
        parser: Callable[[str], datetime | date] = parse_ts,
    ) -> None:
        """A TS attribute parsed into ``target``; a malformed time is an issue at its XPath."""
        text = None if element is None else element.get(attribute)
        if element is None or not text:
            return
        try:
            self.put(target, loc, parser(text), element, attribute)
        except ValueError as error:
            self.issues.append(Issue(xpath_of(element, attribute), f"{render_path(loc)}: {error}"))

    def text(self, element: etree._Element | None) -> str | None:
        if element is None or element.text is None:
            return None
        return element.text.strip() or None

    def find(self, parent: etree._Element, path: str) -> etree._Element | None:
        """The first element along ``a/b`` (steps in the CDA namespace) below ``parent``.

        Walks children directly: lxml's ElementPath ``find`` costs ten times as much, and a
        document takes a few hundred look-ups.
        """
        tags = _STEPS.get(path)
        if tags is None:
            tags = _STEPS[path] = tuple(self.ns + step for step in path.split("/"))
        node = parent
        for tag in tags:
            for child in node:
                if child.tag == tag:
                    node = child
                    break
            else:
                return None
        return node

    def with_root(self, parent: etree._Element, root: str, deep: bool) -> etree._Element | None:
        """The first ``id`` whose ``@root`` is ``root``: a child, or anywhere below."""
        ids = parent.iter(self.ns + "id") if deep else parent.iterchildren(self.ns + "id")
        return next((i for i in ids if i.get("root") == root), None)

    # -- the document -------------------------------------------------------------------------

    def front_page(self) -> FrontPage:
        root = self.root
        if root.tag != self.ns + "ClinicalDocument":
            raise document_error(
                xpath_of(root),
                "not a CDA document: the root element is not ClinicalDocument in urn:hl7-org:v3 "
                "(a vendor export is read with --input-format and its mapping's name)",
            )
        self.check_type()
        self.header()
        body = self.find(root, "component/structuredBody")
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

    def check_type(self) -> None:
        document = self.t.document
        template = self.find(self.root, "templateId")
        code = self.find(self.root, "code")
        templates = {t.get("root") for t in self.root.iterchildren(self.ns + "templateId")}
        if document["template_id"] in templates or (
            code is not None and code.get("code") == document["code"]
        ):
            return
        where = template if template is not None else self.root
        raise document_error(
            xpath_of(where),
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

    def header(self) -> None:
        ids, base = self.t.ids, self.base
        by_root = {ids["inpatient_no"]: "inpatient_no", ids["record_no"]: "record_no"}
        role = self.find(self.root, "recordTarget/patientRole")
        if role is not None:
            for identifier in role.iterchildren(self.ns + "id"):
                field = by_root.get(identifier.get("root", ""))
                if field is not None:
                    self.put(
                        base, ("base", field), identifier.get("extension"), identifier, "extension"
                    )
            address = self.find(role, "addr")
            if address is not None:
                self.put(base, ("base", "current_address"), self.address(address), address)
            telecom = self.find(role, "telecom")
            if telecom is not None:
                phone = telecom.get("value", "").removeprefix("tel:")
                self.put(base, ("base", "phone"), phone, telecom, "value")
            self.patient(self.find(role, "patient"))
            provider = self.find(role, "providerOrganization")
            if provider is not None:
                self.identified(provider, ids["institution_code"], "institution_code")
        self.authenticators()
        self.contact()
        self.encounter()

    def address(self, element: etree._Element) -> str | None:
        """An address written as text, or assembled from its parts (province first)."""
        if len(element) == 0:
            return self.text(element)
        parts = {etree.QName(child).localname: self.text(child) or "" for child in element}
        order = [*_ADDRESS_ORDER, *(name for name in parts if name not in _ADDRESS_ORDER)]
        return "".join(parts.get(name, "") for name in order) or None

    def identified(self, parent: etree._Element, root: str, field: str) -> None:
        """The ``extension`` of the first ``id`` with ``root`` anywhere under ``parent``."""
        identifier = self.with_root(parent, root, deep=True)
        if identifier is not None:
            self.put(
                self.base, ("base", field), identifier.get("extension"), identifier, "extension"
            )

    def patient(self, patient: etree._Element | None) -> None:
        if patient is None:
            return
        base = self.base
        identifier = self.with_root(patient, self.t.ids["cert_no"], deep=False)
        if identifier is not None:
            self.put(
                base, ("base", "cert_no"), identifier.get("extension"), identifier, "extension"
            )
        name = self.find(patient, "name")
        if name is not None:
            self.put(base, ("base", "person_name"), self.text(name), name)
        for tag, field in (
            ("administrativeGenderCode", "gender"),
            ("maritalStatusCode", "marital_status"),
            ("ethnicGroupCode", "ethnicity"),
            ("nationality", "nationality"),
            ("occupation/occupationCode", "occupation"),
        ):
            element = self.find(patient, tag)
            if element is not None:
                self.put(base, ("base", field), element.get("code"), element, "code")
        self.time(
            base, ("base", "birth_date"), self.find(patient, "birthTime"), parser=parse_ts_date
        )
        age = self.find(patient, "age")
        if age is not None:
            self.put(base, ("base", "age"), age.get("value"), age, "value")

    def authenticators(self) -> None:
        fields = {role: field for field, role in self.t.roles.items()}
        for tag in ("legalAuthenticator", "authenticator"):
            for signer in self.root.iterchildren(self.ns + tag):
                code = self.find(signer, "assignedEntity/code")
                name = self.find(signer, "assignedEntity/assignedPerson/name")
                field = fields.get(code.get("displayName", "")) if code is not None else None
                if field is not None and name is not None:
                    self.put(self.base, ("base", field), self.text(name), name)

    def contact(self) -> None:
        for participant in self.root.iterchildren(self.ns + "participant"):
            if participant.get("typeCode") != "NOT":
                continue
            telecom = self.find(participant, "associatedEntity/telecom")
            if telecom is not None:
                phone = telecom.get("value", "").removeprefix("tel:")
                self.put(self.base, ("base", "contact_phone"), phone, telecom, "value")
            name = self.find(participant, "associatedEntity/associatedPerson/name")
            if name is not None:
                self.put(self.base, ("base", "contact_name"), self.text(name), name)
            return

    def encounter(self) -> None:
        encounter = self.find(self.root, "componentOf/encompassingEncounter")
        if encounter is None:
            return
        base = self.base
        route = self.find(encounter, "code")
        if route is not None:
            self.put(base, ("base", "admission_route"), route.get("code"), route, "code")
        self.time(base, ("base", "admission_time"), self.find(encounter, "effectiveTime/low"))
        self.time(base, ("base", "discharge_time"), self.find(encounter, "effectiveTime/high"))
        self.identified(encounter, self.t.ids["ward"], "admission_ward")
        self.identified(encounter, self.t.ids["dept"], "admission_dept")

    # -- body ---------------------------------------------------------------------------------

    def body(self, body: etree._Element) -> None:
        keys = {code: key for key, code in self.t.sections.items()}
        special: dict[str, Callable[[etree._Element], None]] = {
            "discharge_diagnoses": self.read_diagnoses,
            "problems": self.read_comas,
            "procedures": self.read_operations,
            "hospital_course": self.read_discharge_place,
            "extensions": self.read_icu_stays,
        }
        generic = {spec.section for spec in self.t.observations}
        for component in body.iterchildren(self.ns + "component"):
            section = self.find(component, "section")
            code = None if section is None else self.find(section, "code")
            key = None if code is None else keys.get(code.get("code", ""))
            if section is None or key is None:
                continue
            if key in special:
                special[key](section)
            if key in generic:
                self.observations(section, key)

    def observations(self, section: etree._Element, key: str) -> None:
        """The section's base-field observations, wherever nested, except inside the
        organizers a section reader reads (diagnoses, comas, ICU stays): each element is
        visited once."""
        lookup = self.t.lookup
        organizer = self.ns + "organizer" if key in _ORGANIZED else None
        for entry in section.iterchildren(self.ns + "entry"):
            for act in entry:
                if act.tag == organizer:
                    continue
                for element_code, code, value, _ in self.codes_of(act):
                    found = lookup.get((key, element_code))
                    if not found:
                        continue
                    spec = found[0]
                    if len(found) > 1:
                        shown = code.get("displayName", "")
                        spec = next((s for s in found if s.name == shown), spec)
                    self.value(self.base, ("base", spec.field), value, spec.type)

    def value(
        self, target: dict[str, Any], loc: Loc, value: etree._Element | None, kind: str
    ) -> None:
        """An observation's ``value`` element read as ``kind`` (PQ, MO, CD, ST, BL, TS)."""
        if value is None:
            return
        if kind == "TS":
            self.time(target, loc, value)
        elif kind == "CD":
            self.put(target, loc, value.get("code"), value, "code")
        elif kind in {"PQ", "MO"}:
            self.put(target, loc, value.get("value"), value, "value")
        elif kind == "BL" and value.get("value") is not None:
            try:
                self.put(target, loc, parse_bl(value.get("value", "")), value, "value")
            except ValueError as error:
                self.issues.append(Issue(xpath_of(value, "value"), f"{render_path(loc)}: {error}"))
        else:
            self.put(target, loc, self.text(value), value)

    def extension(self, target: dict[str, Any], loc: Loc, value: etree._Element | None) -> None:
        """An SDK extension observation's value, typed by its ``xsi:type``."""
        kind = "ST" if value is None else value.get(_XSI_TYPE, "ST")
        self.value(target, loc, value, kind)

    def codes_of(
        self, parent: etree._Element
    ) -> Iterator[tuple[str, etree._Element, etree._Element | None, etree._Element]]:
        """``(element code, code element, value element, observation)`` of every observation
        below ``parent``, each observation's children scanned once."""
        code_tag, value_tag = self.ns + "code", self.ns + "value"
        for observation in parent.iter(self.ns + "observation"):
            code = value = None
            for child in observation:
                if child.tag == code_tag:
                    code = code if code is not None else child
                elif child.tag == value_tag:
                    value = value if value is not None else child
            if code is not None:
                yield code.get("code", ""), code, value, observation

    def read_diagnoses(self, section: etree._Element) -> None:
        spec = self.t.diagnosis
        sdk = {
            alias: field
            for alias, field in _aliases(FrontPageDiagnosis).items()
            if field in spec["sdk"]
        }
        for organizer in section.iter(self.ns + "organizer"):
            found = list(self.codes_of(organizer))
            if not any(code == spec["code"] for code, _, _, _ in found):
                continue
            index = len(self.diagnoses)
            loc: Loc = ("diagnoses", index)
            diagnosis: dict[str, Any] = {"principal": "0"}
            self.origins[loc] = (organizer, None)
            for code, code_element, value, _ in found:
                qualifier = self.find(code_element, "qualifier/name")
                if qualifier is not None and qualifier.get("displayName", "").startswith(
                    spec["principal"]
                ):
                    diagnosis["principal"] = "1"
                    self.origins[(*loc, "principal")] = (qualifier, "displayName")
                if code == spec["code"]:
                    self.value(diagnosis, (*loc, "code"), value, "CD")
                elif code == spec["name"]:
                    self.value(diagnosis, (*loc, "name"), value, "ST")
                elif code == spec["admission_condition"]:
                    self.value(diagnosis, (*loc, "admission_condition"), value, "CD")
                elif code in sdk:
                    self.extension(diagnosis, (*loc, sdk[code]), value)
            self.diagnoses.append(diagnosis)

    def read_comas(self, section: etree._Element) -> None:
        spec = self.t.coma
        units = {spec["days"]: 0, spec["hours"]: 1, spec["minutes"]: 2}
        for organizer in section.iter(self.ns + "organizer"):
            parts = ["0", "0", "0"]
            field = "coma_before_admission"
            found = False
            for code, code_element, value, _ in self.codes_of(organizer):
                if code not in units:
                    continue
                found = True
                if spec["coma_after_admission"] in code_element.get("displayName", ""):
                    field = "coma_after_admission"
                if value is not None and value.get("value"):
                    parts[units[code]] = value.get("value", "0")
            if found:
                self.put(self.base, ("base", field), "/".join(parts), organizer)

    def read_operations(self, section: etree._Element) -> None:
        spec = self.t.operation
        sdk = {
            alias: field
            for alias, field in _aliases(FrontPageOperation).items()
            if field in spec["sdk"]
        }
        by_code = {spec[f]: f for f in ("name", "level", "healing_grade", "anaesthesia_method")}
        assistants = dict(
            zip(spec["assistants"], ("assistant1_name", "assistant2_name"), strict=True)
        )
        for procedure in section.iter(self.ns + "procedure"):
            loc: Loc = ("operations", len(self.operations))
            operation: dict[str, Any] = {}
            self.origins[loc] = (procedure, None)
            code = self.find(procedure, "code")
            if code is not None:
                self.put(operation, (*loc, "code"), code.get("code"), code, "code")
            when = self.find(procedure, "effectiveTime")
            if when is not None and when.get("value") is None:
                when = self.find(when, "low")
            self.time(operation, (*loc, "date"), when)
            surgeon = self.find(procedure, "performer/assignedEntity/assignedPerson/name")
            if surgeon is not None:
                self.put(operation, (*loc, "surgeon_name"), self.text(surgeon), surgeon)
            for participant in procedure.iterchildren(self.ns + "participant"):
                role = self.find(participant, "participantRole/code")
                name = self.find(participant, "participantRole/playingEntity/name")
                field = assistants.get(role.get("displayName", "")) if role is not None else None
                if field is not None and name is not None:
                    self.put(operation, (*loc, field), self.text(name), name)
            for link in procedure.iterchildren(self.ns + "entryRelationship"):
                found = next(self.codes_of(link), None)
                if found is None:
                    continue
                element_code, _, value, observation = found
                if element_code in by_code:
                    field = by_code[element_code]
                    kind = "ST" if field == "name" else "CD"
                    self.value(operation, (*loc, field), value, kind)
                    if field == "anaesthesia_method":
                        name = self.find(
                            observation, "performer/assignedEntity/assignedPerson/name"
                        )
                        if name is not None:
                            self.put(operation, (*loc, "anaesthetist_name"), self.text(name), name)
                elif element_code in sdk:
                    self.extension(operation, (*loc, sdk[element_code]), value)
            self.operations.append(operation)

    def read_discharge_place(self, section: etree._Element) -> None:
        place = next(section.iter(self.ns + "representedOrganization"), None)
        if place is None:
            return
        self.identified(place, self.t.ids["ward"], "discharge_ward")
        self.identified(place, self.t.ids["dept"], "discharge_dept")

    def read_icu_stays(self, section: etree._Element) -> None:
        sdk = _aliases(FrontPageIcuStay)
        for organizer in section.iter(self.ns + "organizer"):
            code = self.find(organizer, "code")
            if code is None or code.get("code") != self.t.icu["code"]:
                continue
            loc: Loc = ("icu_stays", len(self.icu_stays))
            stay: dict[str, Any] = {}
            self.origins[loc] = (organizer, None)
            for element_code, _, value, _ in self.codes_of(organizer):
                if element_code in sdk:
                    self.extension(stay, (*loc, sdk[element_code]), value)
            self.icu_stays.append(stay)


_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

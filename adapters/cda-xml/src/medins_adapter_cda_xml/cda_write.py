"""FrontPage → a WS/T 500.52 CDA document, byte for byte the same for the same model.

Elements are written in one fixed order (header, then the body sections in the order of
``wst500_52.toml``), only for fields that hold a value, and with no timestamp the model does
not carry: the document's ``effectiveTime`` is the discharge time and its id the record
number. Codes come from :mod:`medins_adapter_cda_xml.table`, so reading and writing agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from lxml import etree

from medins_adapter_cda_xml.table import Observation, Table, table
from medins_adapter_cda_xml.values import format_bl, format_ts
from medins_sdk.models import (
    FrontPage,
    FrontPageBase,
    FrontPageDiagnosis,
    FrontPageIcuStay,
    FrontPageOperation,
)
from medins_sdk.money import format_money

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSI_TYPE = f"{{{XSI}}}type"
Value = str | int | Decimal | datetime | date | Enum


def write_front_page(page: FrontPage) -> bytes:
    """The front page as a UTF-8 CDA document (with an XML declaration, indented).

    An empty text is written as no value at all: CDA documents mark "no value" with empty
    elements and attributes (``code=""``), so that is how an empty text reads back.
    """
    return _Writer(table()).document(_blank_as_absent(page))


def _blank_as_absent(page: FrontPage) -> FrontPage:
    data = page.model_dump()
    cleaned = _drop_blank(data)
    return page if cleaned == data else FrontPage.model_validate(cleaned)


def _drop_blank(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _drop_blank(value) for key, value in data.items() if value != ""}
    if isinstance(data, list):
        return [_drop_blank(value) for value in data]
    return data


def _text(value: Value) -> str:
    """The lexical form of a model value inside the document (amounts keep their cents)."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (datetime, date)):
        return format_ts(value)
    return str(value)


class _Writer:
    """Builds one document; holds the table and the namespace-qualified tag prefix."""

    def __init__(self, codes: Table) -> None:
        self.t = codes
        self.ns = codes.ns

    def el(self, parent: etree._Element, name: str, **attributes: str) -> etree._Element:
        return etree.SubElement(parent, self.ns + name, attributes)

    def document(self, page: FrontPage) -> bytes:
        doc = self.t.document
        base = page.base
        namespaces: Any = {None: doc["namespace"], "xsi": XSI}  # the stubs want str keys only
        root = etree.Element(self.ns + "ClinicalDocument", nsmap=namespaces)
        self.el(root, "realmCode", code="CN")
        self.el(root, "typeId", root=doc["type_id_root"], extension=doc["type_id_extension"])
        self.el(root, "templateId", root=doc["template_id"])
        self.el(root, "id", root=doc["document_id_root"], extension=base.record_no)
        self.el(root, "code", code=doc["code"], codeSystem=doc["code_system"])
        self.el(root, "title").text = doc["title"]
        self.el(root, "effectiveTime", value=format_ts(base.discharge_time))
        self.el(root, "confidentialityCode", code="N", codeSystem="2.16.840.1.113883.5.25")
        self.el(root, "languageCode", code="zh-CN")
        self.record_target(root, base)
        self.authenticators(root, base)
        self.contact(root, base)
        self.encounter(root, base)
        body = self.el(self.el(root, "component"), "structuredBody")
        self.sections(body, page)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    # -- header -----------------------------------------------------------------------------

    def record_target(self, root: etree._Element, base: FrontPageBase) -> None:
        ids, systems = self.t.ids, self.t.code_systems
        role = self.el(
            self.el(root, "recordTarget", typeCode="RCT", contextControlCode="OP"),
            "patientRole",
            classCode="PAT",
        )
        if base.inpatient_no is not None:
            self.el(role, "id", root=ids["inpatient_no"], extension=base.inpatient_no)
        self.el(role, "id", root=ids["record_no"], extension=base.record_no)
        if base.current_address is not None:
            self.el(role, "addr", use="H").text = base.current_address
        if base.phone is not None:
            self.el(role, "telecom", value=base.phone)
        patient = self.el(role, "patient", classCode="PSN", determinerCode="INSTANCE")
        if base.cert_no is not None:
            self.el(patient, "id", root=ids["cert_no"], extension=base.cert_no)
        if base.person_name is not None:
            self.el(patient, "name").text = base.person_name
        self.coded(patient, "administrativeGenderCode", base.gender, systems["gender"])
        if base.birth_date is not None:
            self.el(patient, "birthTime", value=format_ts(base.birth_date))
        self.coded(patient, "maritalStatusCode", base.marital_status, systems["marital_status"])
        self.coded(patient, "ethnicGroupCode", base.ethnicity, systems["ethnicity"])
        self.coded(patient, "nationality", base.nationality, systems["nationality"])
        if base.age is not None:
            self.el(patient, "age", value=_text(base.age), unit="岁")
        if base.occupation is not None:
            occupation = self.el(patient, "occupation")
            self.coded(occupation, "occupationCode", base.occupation, systems["occupation"])
        if base.institution_code is not None:
            provider = self.el(
                role, "providerOrganization", classCode="ORG", determinerCode="INSTANCE"
            )
            self.el(provider, "id", root=ids["institution_code"], extension=base.institution_code)

    def coded(self, parent: etree._Element, name: str, code: Value | None, system: str) -> None:
        if code is not None:
            self.el(parent, name, code=_text(code), codeSystem=system)

    def authenticators(self, root: etree._Element, base: FrontPageBase) -> None:
        for position, (field, role) in enumerate(self.t.roles.items()):
            name: str | None = getattr(base, field)
            if name is None:
                continue
            kind = "legalAuthenticator" if position == 0 else "authenticator"
            entity = self.el(self.el(root, kind), "assignedEntity")
            self.el(entity, "id", root=self.t.ids["person"])
            self.el(entity, "code", displayName=role)
            self.el(entity, "assignedPerson").append(self.name(name))

    def name(self, text: str) -> etree._Element:
        element = etree.Element(self.ns + "name")
        element.text = text
        return element

    def contact(self, root: etree._Element, base: FrontPageBase) -> None:
        if base.contact_name is None and base.contact_phone is None:
            return
        entity = self.el(
            self.el(root, "participant", typeCode="NOT"), "associatedEntity", classCode="ECON"
        )
        if base.contact_phone is not None:
            self.el(entity, "telecom", value=base.contact_phone)
        if base.contact_name is not None:
            self.el(entity, "associatedPerson").append(self.name(base.contact_name))

    def encounter(self, root: etree._Element, base: FrontPageBase) -> None:
        encounter = self.el(
            self.el(root, "componentOf"), "encompassingEncounter", classCode="ENC", moodCode="EVN"
        )
        self.coded(encounter, "code", base.admission_route, self.t.code_systems["admission_route"])
        times = self.el(encounter, "effectiveTime")
        self.el(times, "low", value=format_ts(base.admission_time))
        self.el(times, "high", value=format_ts(base.discharge_time))
        if base.admission_ward is not None or base.admission_dept is not None:
            facility = self.el(self.el(encounter, "location"), "healthCareFacility")
            organization = self.el(facility, "serviceProviderOrganization")
            self.organization(organization, base.admission_ward, base.admission_dept)

    def organization(self, parent: etree._Element, ward: str | None, dept: str | None) -> None:
        """A ward (病房) inside its department (科室), as nested organizations."""
        whole = self.el(self.el(parent, "asOrganizationPartOf"), "wholeOrganization")
        if ward is not None:
            self.el(whole, "id", root=self.t.ids["ward"], extension=ward)
        if dept is not None:
            inner = self.el(self.el(whole, "asOrganizationPartOf"), "wholeOrganization")
            self.el(inner, "id", root=self.t.ids["dept"], extension=dept)

    # -- body -------------------------------------------------------------------------------

    def sections(self, body: etree._Element, page: FrontPage) -> None:
        writers: dict[str, Callable[[etree._Element, FrontPage], None]] = {
            "discharge_diagnoses": self.diagnoses,
            "problems": self.comas,
            "procedures": self.operations,
            "hospital_course": self.discharge_place,
            "extensions": self.icu_stays,
        }
        base = page.base
        for key, code in self.t.sections.items():
            section = etree.Element(self.ns + "section")
            system = self.t.document["extensions" if key == "extensions" else "loinc"]
            self.el(section, "code", code=code, codeSystem=system)
            self.el(section, "text")
            if key in writers:
                writers[key](section, page)
            for observation in self.t.observations:
                value = getattr(base, observation.field)
                if observation.section == key and value is not None:
                    self.observation(self.el(section, "entry"), observation, value)
            if len(section) > 2:
                self.el(body, "component").append(section)

    def observation(
        self, parent: etree._Element, spec: Observation, value: Value
    ) -> etree._Element:
        return self.entry_observation(
            parent, spec.code, self.system_of(spec), spec.name, spec.type, value, spec.unit
        )

    def system_of(self, spec: Observation) -> str:
        if spec.source == "sdk":
            return self.t.document["extensions"]
        dataset = spec.code.startswith("HD")
        return self.t.document["front_page_dataset" if dataset else "data_elements"]

    def entry_observation(
        self,
        parent: etree._Element,
        code: str,
        system: str,
        name: str | None,
        kind: str,
        value: Value | None,
        unit: str | None = None,
        qualifier: str | None = None,
    ) -> etree._Element:
        """``observation`` with its ``code`` (and qualifier) and a ``value`` of ``kind``."""
        observation = self.el(parent, "observation", classCode="OBS", moodCode="EVN")
        attributes = {"code": code, "codeSystem": system}
        if name is not None:
            attributes["displayName"] = name
        code_element = self.el(observation, "code", **attributes)
        if qualifier is not None:
            self.el(self.el(code_element, "qualifier"), "name", displayName=qualifier)
        if value is not None:
            self.value(observation, kind, value, unit)
        return observation

    def value(self, parent: etree._Element, kind: str, value: Value, unit: str | None) -> None:
        text = _text(value)
        if kind == "BL" and (flag := format_bl(text)) is not None:
            self.el(parent, "value", **{_XSI_TYPE: "BL", "value": flag})
            return
        if kind in {"BL", "ST"}:
            self.el(parent, "value", **{_XSI_TYPE: "ST"}).text = text
        elif kind == "CD":
            self.el(parent, "value", **{_XSI_TYPE: "CD", "code": text})
        elif kind == "MO":
            assert isinstance(value, Decimal)
            self.el(
                parent, "value", **{_XSI_TYPE: "MO", "value": format_money(value)}, currency="元"
            )
        else:  # PQ, TS
            attributes = {_XSI_TYPE: kind, "value": text}
            if unit is not None:
                attributes["unit"] = unit
            self.el(parent, "value", **attributes)

    def sdk(self, parent: etree._Element, alias: str, kind: str, value: Value | None) -> None:
        """An SDK extension observation (code system ``medins-sdk``), when ``value`` is set."""
        if value is not None:
            self.entry_observation(parent, alias, self.t.document["extensions"], None, kind, value)

    def diagnoses(self, section: etree._Element, page: FrontPage) -> None:
        spec = self.t.diagnosis
        system = self.t.document["data_elements"]
        for diagnosis in page.diagnoses:
            role = spec["principal"] if diagnosis.is_principal else spec["other"]
            organizer = self.el(
                self.el(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN"
            )
            self.el(organizer, "statusCode", code="completed")
            if diagnosis.name is not None:
                self.entry_observation(
                    self.el(organizer, "component"),
                    spec["name"], system, "出院诊断-疾病名称", "ST", diagnosis.name,
                    qualifier=f"{role}名称",
                )  # fmt: skip
            observation = self.entry_observation(
                self.el(organizer, "component"),
                spec["code"], system, "出院诊断-疾病编码", "CD", None, qualifier=f"{role}疾病编码",
            )  # fmt: skip
            self.el(
                observation,
                "value",
                **{_XSI_TYPE: "CD", "code": diagnosis.code},
                codeSystem=self.t.code_systems["diagnosis"],
            )
            if diagnosis.admission_condition is not None:
                self.entry_observation(
                    self.el(organizer, "component"),
                    spec["admission_condition"], system, "入院病情代码", "CD",
                    diagnosis.admission_condition, qualifier=f"{role}-入院病情代码",
                )  # fmt: skip
            for field in spec["sdk"]:
                self._sdk_component(organizer, FrontPageDiagnosis, diagnosis, field)

    def _sdk_component(
        self,
        parent: etree._Element,
        model: type[FrontPageDiagnosis | FrontPageOperation | FrontPageIcuStay],
        item: FrontPageDiagnosis | FrontPageOperation | FrontPageIcuStay,
        field: str,
        link: str = "component",
    ) -> None:
        value = getattr(item, field)
        if value is not None:
            alias = model.model_fields[field].alias or field
            kind = "TS" if isinstance(value, (datetime, date)) else "ST"
            attributes = {"typeCode": "COMP"} if link == "entryRelationship" else {}
            self.sdk(self.el(parent, link, **attributes), alias, kind, value)

    def comas(self, section: etree._Element, page: FrontPage) -> None:
        spec = self.t.coma
        system = self.t.document["data_elements"]
        for field in ("coma_before_admission", "coma_after_admission"):
            duration: str | None = getattr(page.base, field)
            if duration is None:
                continue
            organizer = self.el(
                self.el(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN"
            )
            self.el(organizer, "statusCode", code="completed")
            parts = duration.split("/")
            for key, unit, part in zip(
                ("days", "hours", "minutes"), ("d", "h", "min"), parts, strict=True
            ):
                self.entry_observation(
                    self.el(organizer, "component"),
                    spec[key], system, f"{spec[field]}-{unit}", "PQ", part, unit,
                )  # fmt: skip

    def operations(self, section: etree._Element, page: FrontPage) -> None:
        spec = self.t.operation
        system = self.t.document["data_elements"]
        for operation in page.operations:
            procedure = self.el(
                self.el(section, "entry"), "procedure", classCode="PROC", moodCode="EVN"
            )
            self.el(
                procedure,
                "code",
                code=operation.code,
                codeSystem=self.t.code_systems["procedure"],
            )
            self.el(procedure, "statusCode", code="completed")
            if operation.date is not None:
                self.el(procedure, "effectiveTime", value=format_ts(operation.date))
            if operation.surgeon_name is not None:
                self.performer(procedure, operation.surgeon_name)
            assistants = (operation.assistant1_name, operation.assistant2_name)
            for role, name in zip(spec["assistants"], assistants, strict=True):
                if name is not None:
                    participant = self.el(procedure, "participant", typeCode="ATND")
                    assigned = self.el(participant, "participantRole", classCode="ASSIGNED")
                    self.el(assigned, "code", displayName=role)
                    self.el(assigned, "playingEntity", classCode="PSN").append(self.name(name))
            for field, label, kind in (
                ("name", "手术操作名称", "ST"),
                ("level", "手术级别", "CD"),
                ("healing_grade", "手术切口愈合等级", "CD"),
            ):
                value = getattr(operation, field)
                if value is not None:
                    link = self.el(procedure, "entryRelationship", typeCode="COMP")
                    self.entry_observation(link, spec[field], system, label, kind, value)
            if operation.anaesthesia_method is not None or operation.anaesthetist_name is not None:
                link = self.el(procedure, "entryRelationship", typeCode="COMP")
                anaesthesia = self.entry_observation(
                    link,
                    spec["anaesthesia_method"], system, "麻醉方法代码", "CD",
                    operation.anaesthesia_method,
                )  # fmt: skip
                if operation.anaesthetist_name is not None:
                    self.performer(anaesthesia, operation.anaesthetist_name)
            for field in spec["sdk"]:
                self._sdk_component(
                    procedure, FrontPageOperation, operation, field, "entryRelationship"
                )

    def performer(self, parent: etree._Element, name: str) -> None:
        entity = self.el(self.el(parent, "performer"), "assignedEntity")
        self.el(entity, "id", root=self.t.ids["person"])
        self.el(entity, "assignedPerson").append(self.name(name))

    def discharge_place(self, section: etree._Element, page: FrontPage) -> None:
        base = page.base
        if base.discharge_ward is None and base.discharge_dept is None:
            return
        act = self.el(self.el(section, "entry"), "act", classCode="ACT", moodCode="EVN")
        self.el(act, "code")
        organization = self.el(
            self.el(self.el(act, "author"), "assignedAuthor"), "representedOrganization"
        )
        self.organization(organization, base.discharge_ward, base.discharge_dept)

    def icu_stays(self, section: etree._Element, page: FrontPage) -> None:
        for stay in page.icu_stays:
            organizer = self.el(
                self.el(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN"
            )
            self.el(
                organizer,
                "code",
                code=self.t.icu["code"],
                codeSystem=self.t.document["extensions"],
            )
            self.el(organizer, "statusCode", code="completed")
            for field in self.t.icu["sdk"]:
                self._sdk_component(organizer, FrontPageIcuStay, stay, field)

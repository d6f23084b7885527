"""The rule pack: fixed rates, the add-on, the code lists and the report's parameters.

Everything a new year's notice changes is data in ``pack/``: the rates and the add-on are
manifest parameters with the seed's quote as their source, the code lists are
``code_lists.json`` (each list's definition, its source, and the insurance-edition codes it
expands to). The pack is checksummed (:func:`medins_sdk.packs.load_pack`), and parsed here
into look-ups the channel decision uses on every case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from medins_sdk.codes import ChargeCategory
from medins_sdk.csvtable import decimal_cell
from medins_sdk.packs import PackError, PackManifest, load_pack
from medins_sdk.reports.facts import CostCategories

CODE_LISTS = "code_lists.json"
Role = Literal["complication", "caesarean", "delivery", "additional-operation"]
"""What a code list is evidence of: a low-frequency complication (settled at actual cost), a
caesarean delivery, a delivery (of any kind), an additional operation (the add-on)."""
System = Literal["icd10", "icd9cm3"]
BloodLossPolicy = Literal["fixed-rate", "itemised"]
LinePolicy = Literal["maternity", "basic"]
Shares = tuple[tuple[str, Decimal], ...]
"""(department, share) pairs whose shares sum to exactly 1, in the order given."""


class CodeListSpec(BaseModel):
    """One entry of ``code_lists.json``: the definition, its source and its expansion."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    system: System
    title: str = Field(min_length=1, description="Chinese name, used in explanations")
    prefixes: list[str] = Field(min_length=1, description="codes starting so are in the list")
    blood_loss_above_ml: Decimal | None = Field(
        None, description="the list counts only when the registered blood loss exceeds this"
    )
    source: str = Field(min_length=1)
    codes: dict[str, str] = Field(description="the insurance-edition codes and their names")


SPECS: TypeAdapter[dict[str, CodeListSpec]] = TypeAdapter(dict[str, CodeListSpec])


@dataclass(frozen=True, slots=True, eq=False)
class CodeList:
    """A parsed code list; equal only to itself, so that decisions naming it can be hashed
    (explanations are cached per decision)."""

    name: str
    title: str
    role: Role
    system: System
    prefixes: tuple[str, ...]
    """The definition: codes starting so are in the list."""
    names: Mapping[str, str] = field(repr=False)
    """Code → name in the insurance edition."""
    blood_loss_above_ml: Decimal | None


@dataclass(frozen=True, slots=True)
class MaternityPack:
    """The loaded, verified pack."""

    manifest: PackManifest
    vaginal_rate: Decimal
    caesarean_rate: Decimal
    add_on: Decimal
    blood_loss_missing: BloodLossPolicy
    unflagged_lines: LinePolicy
    shares: Shares
    categories: CostCategories
    diagnoses: Mapping[str, CodeList]
    """ICD-10 code → the list it belongs to (a code is in at most one list)."""
    procedures: Mapping[str, CodeList]
    """ICD-9-CM-3 code → the list it belongs to."""

    @property
    def lists(self) -> dict[str, CodeList]:
        """Every list by name."""
        found = (*self.diagnoses.values(), *self.procedures.values())
        return {code_list.name: code_list for code_list in found}

    def code_name(self, code: str) -> str:
        """The code's name as the pack lists it ("" when it is not listed)."""
        found = self.diagnoses.get(code) or self.procedures.get(code)
        return found.names.get(code, "") if found else ""


def parse_shares(text: str) -> Shares:
    """``"anaesthesia-surgery:0.60;clinical:0.40"`` → shares; ValueError unless each share is a
    positive decimal (≤ 4 places), departments are distinct and the shares sum to exactly 1."""
    shares: list[tuple[str, Decimal]] = []
    for part in text.split(";"):
        name, _, value = part.partition(":")
        share = decimal_cell(value.strip(), 4)
        if not name.strip() or not share:
            raise ValueError(f"share {part!r} is not department:ratio with a positive ratio")
        shares.append((name.strip(), share))
    names = [name for name, _ in shares]
    if len(set(names)) != len(names):
        raise ValueError(f"shares {text!r} name a department twice")
    total = sum((share for _, share in shares), Decimal(0))
    if total != 1:
        raise ValueError(f"shares {text!r} sum to {total}, not 1")
    return tuple(shares)


def _money(manifest: PackManifest, name: str) -> Decimal:
    value = manifest.parameter(name).value
    amount = decimal_cell(value, 2)
    if amount is None:
        raise PackError(f"parameter {name} {value!r} is not an amount in yuan")
    return amount


def _choice(manifest: PackManifest, name: str, allowed: tuple[str, ...]) -> str:
    value = manifest.parameter(name).value
    if value not in allowed:
        raise PackError(f"parameter {name} {value!r} is not one of {', '.join(allowed)}")
    return value


def _categories(manifest: PackManifest, name: str) -> frozenset[ChargeCategory]:
    value = manifest.parameter(name).value
    members = {member.value: member for member in ChargeCategory}
    codes = [code.strip() for code in value.split(",")]
    if not all(code in members for code in codes):
        raise PackError(f"parameter {name} {value!r} is not a list of med_chrgitm_type codes")
    return frozenset(members[code] for code in codes)


def _index(specs: Mapping[str, CodeListSpec]) -> dict[System, dict[str, CodeList]]:
    """Code → list per code system; a code in two lists, or a list without codes, is an error."""
    index: dict[System, dict[str, CodeList]] = {"icd10": {}, "icd9cm3": {}}
    for name, spec in sorted(specs.items()):
        if not spec.codes:
            raise PackError(f"{CODE_LISTS}: list {name} has no codes; rebuild the pack")
        if spec.blood_loss_above_ml is not None and spec.role != "complication":
            raise PackError(f"{CODE_LISTS}: list {name}: only a complication has a blood loss")
        found = CodeList(
            name,
            spec.title,
            spec.role,
            spec.system,
            tuple(spec.prefixes),
            spec.codes,
            spec.blood_loss_above_ml,
        )
        codes = index[spec.system]
        for code in spec.codes:
            if code in codes:
                raise PackError(
                    f"{CODE_LISTS}: {code} is in both {codes[code].name} and {name}; a code "
                    "must decide one thing"
                )
            codes[code] = found
    roles = {found.role for codes in index.values() for found in codes.values()}
    missing = [role for role in get_args(Role) if role not in roles]
    if missing:
        raise PackError(f"{CODE_LISTS}: no list with the role {', '.join(missing)}")
    return index


def parse_code_lists(data: bytes) -> dict[str, CodeListSpec]:
    """The entries of ``code_lists.json``, or :class:`PackError` with every problem."""
    try:
        return SPECS.validate_json(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise PackError(f"{CODE_LISTS}: {problems}") from None


def shipped_pack_dir() -> Traversable:
    """The pack shipped inside this package."""
    return files(__package__ or __name__) / "pack"


def load_maternity_pack(root: Traversable | Path | None = None) -> MaternityPack:
    """Load, verify and parse the pack in ``root`` (default: the shipped pack)."""
    pack = load_pack(root if root is not None else shipped_pack_dir())
    manifest = pack.manifest
    index = _index(parse_code_lists(pack.data(CODE_LISTS)))
    try:
        shares = parse_shares(manifest.parameter("overspend_shares").value)
    except ValueError as error:
        raise PackError(f"parameter overspend_shares: {error}") from None
    blood_loss = _choice(manifest, "blood_loss_missing", get_args(BloodLossPolicy))
    unflagged = _choice(manifest, "filing_unflagged_lines", get_args(LinePolicy))
    return MaternityPack(
        manifest=manifest,
        vaginal_rate=_money(manifest, "vaginal_rate"),
        caesarean_rate=_money(manifest, "caesarean_rate"),
        add_on=_money(manifest, "additional_operation_add_on"),
        blood_loss_missing=cast(BloodLossPolicy, blood_loss),
        unflagged_lines=cast(LinePolicy, unflagged),
        shares=shares,
        categories=CostCategories(
            drugs=_categories(manifest, "drug_categories"),
            materials=_categories(manifest, "material_categories"),
            examinations=_categories(manifest, "examination_categories"),
        ),
        diagnoses=index["icd10"],
        procedures=index["icd9cm3"],
    )

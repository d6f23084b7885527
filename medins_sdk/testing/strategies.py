"""Hypothesis strategies for every SDK model: valid by default, and targeted defects.

Valid models come from the one realistic generator, :mod:`medins_sdk.synthetic`, driven by a
Hypothesis-controlled ``Random``: tests, samples and benchmarks share their data (real
insurance-edition codes, totals that agree to the cent), and Hypothesis still shrinks a
failing case towards fewer lines and smaller numbers.

Defects are planted in the dumped JSON, where they arrive from a wire. :func:`defective`
breaks one leaf field chosen by walking the model's field metadata (types, patterns, bounds),
so a field added to a model is covered without touching this module; :func:`semantic_defects`
plants the record-level faults that validation exists to catch. Both yield the JSON object
and the path its error must name, spelt as :func:`medins_sdk.io.records.render_path` spells it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from types import UnionType
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from hypothesis import strategies as st
from pydantic import BaseModel, NaiveDatetime

from medins_sdk import synthetic
from medins_sdk.io.formats import ModelFormat
from medins_sdk.io.records import render_path
from medins_sdk.models import (
    ChargeBatch,
    ChargeLine,
    Diagnosis,
    Encounter,
    Finding,
    FrontPage,
    GroupResult,
    GroupStatus,
    Outlier,
    PriceResult,
    SdkModel,
    Settlement,
    SettlementInfo,
    SettlementList,
    SettlementListInfo,
    Severity,
    Stage,
    TraceStep,
)
from medins_sdk.models.base import Naming, field_key
from medins_sdk.money import CENT, DecimalSpec

__all__ = [
    "SEMANTIC_DEFECTS",
    "UNKNOWN_KEY",
    "Defect",
    "SemanticDefect",
    "charge_batches",
    "charge_lines",
    "defective",
    "encounters",
    "findings",
    "front_pages",
    "group_results",
    "price_results",
    "semantic_defects",
    "settlement_lists",
    "settlements",
]

T = TypeVar("T")
Path = tuple[str | int, ...]

Defect = tuple[dict[str, Any], str]
"""A broken record as decoded JSON, and the path (``settlement_list.diagnoses[0].code``) that
its validation error must name."""

SemanticDefect = Literal[
    "missing_principal",
    "duplicate_principal",
    "discharge_before_admission",
    "unbalanced_settlement",
    "total_mismatch",
]
SEMANTIC_DEFECTS: tuple[SemanticDefect, ...] = get_args(SemanticDefect)
"""Every record-level fault :func:`semantic_defects` plants."""

UNKNOWN_KEY = "unknown_field"
"""The key :func:`defective` adds to a canonical object: canonical JSON forbids unknown keys."""

_RANDOMS = st.randoms(use_true_random=False)


def _resolve(draw: st.DrawFn, value: T | st.SearchStrategy[T]) -> T:
    return draw(value) if isinstance(value, st.SearchStrategy) else value


@st.composite
def encounters(
    draw: st.DrawFn,
    *,
    lines: int | st.SearchStrategy[int] | None = None,
    diagnoses: int | st.SearchStrategy[int] | None = None,
    with_settlement: bool | None = None,
    with_front_page: bool | None = None,
    with_rare_parts: bool | None = None,
) -> Encounter:
    """Complete inpatient encounters whose totals agree: Σ lines = settlement = Σ iteminfo.

    ``lines`` and ``diagnoses`` fix or draw the counts (None: the generator's own mix, 5–60
    lines and 1–8 diagnoses). ``with_settlement`` and ``with_front_page`` add or leave out
    those parts, and ``with_rare_parts`` adds an ICU stay, a transfusion and an outpatient
    special-disease diagnosis; None draws both cases. Ids are ``SETL`` and a drawn number,
    so ask for ``st.lists(encounters(), unique_by=lambda e: e.id)`` when records must be
    distinct.
    """
    rng = draw(_RANDOMS)
    return synthetic.encounter(
        rng,
        index=draw(st.integers(0, 99_999)),
        lines=_resolve(draw, lines),
        diagnoses=_resolve(draw, diagnoses),
        with_settlement=draw(st.booleans()) if with_settlement is None else with_settlement,
        with_front_page=draw(st.booleans()) if with_front_page is None else with_front_page,
        with_rare_parts=draw(st.booleans()) if with_rare_parts is None else with_rare_parts,
    )


def _small_encounters(*, with_settlement: bool | None = None) -> st.SearchStrategy[Encounter]:
    """Encounters with few lines, for strategies that need one only as a source of parts."""
    return encounters(lines=st.integers(1, 12), with_settlement=with_settlement)


def settlement_lists() -> st.SearchStrategy[SettlementList]:
    """Settlement lists (4101) with diagnoses, operations, charge table and fund payments."""
    return _small_encounters().map(lambda encounter: encounter.settlement_list)


def charge_batches() -> st.SearchStrategy[ChargeBatch]:
    """Charge uploads (2301): the lines of one stay, amount = price × quantity on each."""
    return _small_encounters(with_settlement=False).map(
        lambda encounter: ChargeBatch(lines=encounter.charges)
    )


def charge_lines() -> st.SearchStrategy[ChargeLine]:
    """Single charge lines, as found in a charge upload."""
    return charge_batches().flatmap(lambda batch: st.sampled_from(batch.lines))


def _settlement_of(encounter: Encounter) -> Settlement:
    assert encounter.settlement is not None
    return encounter.settlement


def settlements() -> st.SearchStrategy[Settlement]:
    """Settlement answers (2304): total = fund + personal account + cash, to the cent."""
    return _small_encounters(with_settlement=True).map(_settlement_of)


def _front_page_of(encounter: Encounter) -> FrontPage:
    assert encounter.front_page is not None
    return encounter.front_page


def front_pages() -> st.SearchStrategy[FrontPage]:
    """Front pages (4401) in the clinical editions, consistent with a generated settlement list."""
    return encounters(lines=st.integers(1, 12), with_front_page=True).map(_front_page_of)


_SCHEMES = st.sampled_from(("itemised", "beijing-drg-2022", "guangzhou-dip-2024"))
_MONEY = st.decimals(min_value=0, max_value=500_000, places=2)
_WEIGHTS = st.decimals(min_value=Decimal("0.01"), max_value=20, places=4)


@st.composite
def group_results(draw: st.DrawFn) -> GroupResult:
    """Grouping results of generated encounters: grouped, ambiguous or ungroupable.

    Grouped and ambiguous results name a DRG-shaped group and weight; ungroupable ones a
    reason and no group, as :class:`~medins_sdk.models.GroupResult` requires.
    """
    encounter = draw(_small_encounters())
    codes = [diagnosis.code for diagnosis in encounter.settlement_list.diagnoses]
    status = draw(st.sampled_from(get_args(GroupStatus)))
    trace = [
        TraceStep(step="mdc", outcome="matched", rule="主要诊断表", codes=codes[:1]),
        TraceStep(step="cc", outcome="counted", codes=codes[1:], detail="其他诊断并发症"),
    ]
    common: dict[str, Any] = {"id": encounter.id, "scheme": draw(_SCHEMES), "trace": trace}
    if status == "ungroupable":
        return GroupResult(status=status, reason="主要诊断不能入组", **common)
    adrg = draw(st.from_regex(r"\A[A-Z][A-Z][1-9]\Z"))
    return GroupResult(
        status=status,
        group=adrg + ("QY" if status == "ambiguous" else draw(st.sampled_from("13579"))),
        group_name="示例病组",
        weight=draw(_WEIGHTS),
        reason="主要诊断与主要手术不匹配" if status == "ambiguous" else None,
        mdc=adrg[0],
        adrg=adrg,
        **common,
    )


@st.composite
def price_results(draw: st.DrawFn) -> PriceResult:
    """Prices of generated encounters: ``balance = payment − total_cost`` to the cent."""
    encounter = draw(_small_encounters())
    cost = encounter.total_cost
    assert cost is not None
    method = draw(st.sampled_from(("drg", "dip", "itemised", "fixed-rate", "per-diem")))
    payment = cost if method == "itemised" else draw(_MONEY)
    weight = None if method == "itemised" else draw(_WEIGHTS)
    return PriceResult(
        id=encounter.id,
        scheme=draw(_SCHEMES),
        weight=weight,
        payment_standard=None if weight is None else payment,
        total_cost=cost,
        payment=payment,
        balance=payment - cost,
        method=method,
        outlier=draw(st.sampled_from((None, *get_args(Outlier)))),
        formula="payment = total cost" if weight is None else "payment = weight × rate",
        inputs={"total_cost": f"{cost:.2f}", "payment": f"{payment:.2f}"},
    )


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    """Audit findings on generated encounters, naming real line numbers and their amount."""
    encounter = draw(_small_encounters())
    lines = draw(
        st.lists(st.sampled_from(encounter.charges), max_size=3, unique_by=lambda x: x.line_no)
    )
    amount = sum((line.amount for line in lines), Decimal(0))
    return Finding(
        id=encounter.id,
        rule=draw(st.from_regex(r"\A[a-z]+(-[a-z0-9]+){0,2}\Z")),
        severity=draw(st.sampled_from(get_args(Severity))),
        stage=draw(st.sampled_from(get_args(Stage))),
        lines=[line.line_no for line in lines],
        amount=amount if lines else None,
        message="请核对收费项目与医嘱是否一致",
        evidence={"lines": [line.line_no for line in lines], "amount": f"{amount:.2f}"},
    )


# -- field-level defects --------------------------------------------------------------------


@cache
def _format(model: type[SdkModel], naming: Naming) -> ModelFormat:
    return ModelFormat(f"testing-{naming}", "dumps for defects", "encounter", model, naming)


def _dump(model: SdkModel, naming: Naming) -> dict[str, Any]:
    """The model's JSON as the SDK writes it: national JSON holds national fields only."""
    return _format(type(model), naming).dump(model)


_MISSING = object()
"""Marks an edit that removes a key rather than setting it."""


@dataclass(frozen=True, slots=True)
class _Edit:
    """One defect: in the object at ``parent``, set ``key`` to ``value`` (or remove it)."""

    parent: Path
    key: str
    value: object

    def apply(self, obj: dict[str, Any]) -> Defect:
        broken = copy.deepcopy(obj)
        target = _at(broken, self.parent)
        if self.value is _MISSING:
            del target[self.key]
        else:
            target[self.key] = self.value
        return broken, render_path((*self.parent, self.key))


def _at(obj: Any, path: Path) -> Any:
    """The value at ``path`` (keys and list indexes) inside decoded JSON."""
    for part in path:
        obj = obj[part]
    return obj


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type inside ``X | None`` and ``Annotated[X, …]``, and the Annotated metadata."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation, metadata
            annotation = members[0]
        else:
            return annotation, metadata


def _model_type(annotation: Any) -> type[BaseModel] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _constraint(metadata: Sequence[Any], name: str) -> Any:
    return next((getattr(m, name) for m in metadata if getattr(m, name, None) is not None), None)


def _invalid_values(kind: Any, metadata: Sequence[Any]) -> list[object]:
    """JSON values that the field's type or constraints refuse; empty when none is known."""
    spec = next((m for m in metadata if isinstance(m, DecimalSpec)), None)
    if spec is not None:
        too_precise = "12." + "3456789"[: spec.places + 1]
        return [too_precise, "abc", *([] if spec.signed else ["-1.00"])]
    if get_origin(kind) is Literal or (isinstance(kind, type) and issubclass(kind, Enum)):
        return ["ZZ"]
    if kind in (date, NaiveDatetime):
        return ["2024-13-45"]
    values: list[object] = []
    if kind is str:
        pattern = _constraint(metadata, "pattern")
        if pattern is not None:
            values += [v for v in ("!!", " ") if re.search(pattern, v) is None][:1]
        max_length = _constraint(metadata, "max_length")
        if max_length is not None:
            values.append("x" * (max_length + 1))
        if _constraint(metadata, "min_length"):
            values.append("")
    elif kind is int:
        values.append("abc")
        ge, le = _constraint(metadata, "ge"), _constraint(metadata, "le")
        values += [*([ge - 1] if ge is not None else []), *([le + 1] if le is not None else [])]
    return values


def _edits(
    model: type[BaseModel], obj: Mapping[str, Any], naming: Naming, parent: Path
) -> Iterator[_Edit]:
    """Every single-field defect of ``obj`` (a dumped ``model``), found from field metadata."""
    if naming == "canonical":
        yield _Edit(parent, UNKNOWN_KEY, "x")
    for name, info in model.model_fields.items():
        key = field_key(model, name, naming)
        if key not in obj:
            continue
        if info.is_required():
            yield _Edit(parent, key, _MISSING)
        kind, metadata = _unwrap(info.annotation)
        value, here = obj[key], (*parent, key)
        nested = _model_type(kind)
        items = _model_type(get_args(kind)[0]) if get_origin(kind) is list else None
        if nested is not None:
            yield from _edits(nested, value, naming, here)
        elif items is not None:
            for index, item in enumerate(value):
                yield from _edits(items, item, naming, (*here, index))
        else:
            for bad in _invalid_values(kind, [*metadata, *info.metadata]):
                yield _Edit(parent, key, bad)


@st.composite
def defective(
    draw: st.DrawFn, models: st.SearchStrategy[SdkModel], naming: Naming = "canonical"
) -> Defect:
    """A model from ``models``, dumped in ``naming``, with exactly one field broken.

    The field is any leaf the model's metadata constrains: an amount becomes ``"12.345"``,
    ``"abc"`` or negative (where negatives are refused), a code or patterned field ``"!!"``,
    an enum ``"ZZ"``, a date ``"2024-13-45"``, a length or bound one past its limit; or a
    required key is removed; or, in canonical naming, an unknown key
    (:data:`UNKNOWN_KEY`) is added to one object. Yields ``(json_object, expected_path)``.

    National naming needs a model with a national form (settlement list, charges,
    settlement, front page), dumped as the national formats write it: national fields only.
    """
    model = draw(models)
    obj = _dump(model, naming)
    edit = draw(st.sampled_from(list(_edits(type(model), obj, naming, ()))))
    return edit.apply(obj)


# -- record-level defects -------------------------------------------------------------------


def _cent_more(amount: str) -> str:
    return f"{Decimal(amount) + CENT:.2f}"


@st.composite
def semantic_defects(
    draw: st.DrawFn,
    naming: Naming = "canonical",
    kinds: Sequence[SemanticDefect] = SEMANTIC_DEFECTS,
) -> Defect:
    """A record with one record-level fault, each field valid alone, and the path it is at.

    The faults: no principal diagnosis, two principal diagnoses, discharge before admission,
    a settlement whose parts do not add up to its total, and one charge line a cent off the
    totals (``total_mismatch``, reported where the totals disagree with the lines). Canonical
    records are encounters; national ones are 4101 settlement lists, or 2304 answers for an
    unbalanced settlement. ``total_mismatch`` needs charges and totals in one record, so it
    is only planted in canonical naming.
    """
    available = [k for k in kinds if naming == "canonical" or k != "total_mismatch"]
    kind = draw(st.sampled_from(available))
    encounter = draw(
        encounters(
            lines=st.integers(1, 12),
            diagnoses=st.integers(2, 6),
            with_settlement=kind != "total_mismatch",
            with_front_page=False,
        )
    )
    list_path: Path = ()
    settlement_path: Path = ()
    if naming == "canonical":
        obj = _dump(encounter, naming)
        list_path, settlement_path = ("settlement_list",), ("settlement",)
    elif kind == "unbalanced_settlement":
        obj = _dump(_settlement_of(encounter), naming)
    else:
        obj = _dump(encounter.settlement_list, naming)

    def key(model: type[BaseModel], name: str) -> str:
        return field_key(model, name, naming)

    diagnoses = (*list_path, key(SettlementList, "diagnoses"))
    principal = key(Diagnosis, "principal")
    if kind == "missing_principal":
        for diagnosis in _at(obj, diagnoses):
            diagnosis[principal] = "0"
        return obj, render_path(diagnoses)
    if kind == "duplicate_principal":
        second = draw(st.integers(1, len(_at(obj, diagnoses)) - 1))
        _at(obj, (*diagnoses, second))[principal] = "1"
        return obj, render_path((*diagnoses, second, principal))
    if kind == "discharge_before_admission":
        admitted = encounter.settlement_list.info.admission_time
        assert admitted is not None
        discharged = admitted - timedelta(minutes=draw(st.integers(1, 72 * 60)))
        info = (*list_path, key(SettlementList, "info"))
        discharge = key(SettlementListInfo, "discharge_time")
        _at(obj, info)[discharge] = f"{discharged:%Y-%m-%d %H:%M:%S}"
        return obj, render_path((*info, discharge))
    if kind == "unbalanced_settlement":
        info = (*settlement_path, key(Settlement, "info"))
        cash = key(SettlementInfo, "cash_pay")
        _at(obj, info)[cash] = _cent_more(_at(obj, info)[cash])
        return obj, render_path((*info, key(SettlementInfo, "total")))
    line = draw(st.sampled_from(obj["charges"]))
    line["amount"] = _cent_more(line["amount"])
    return obj, render_path(("settlement_list", "charge_items"))

"""Record formats: the JSON shapes a record may have, and how to tell them apart.

A record is either the SDK's canonical JSON (English field names, strict) or shaped like a
national-interface message (national field names, unknown fields ignored): a 4101 settlement
list, a 2301 charge upload, a 2304 settlement answer or a 4401 front page, bare or inside the
interface's envelope (``{"infno": "4101", "input": {...}}`` / ``{"infcode": 0, "output": …}``).
Adapters register more formats through ``medins_register_formats`` and file-level readers
(XML, CSV …) through ``medins_register_readers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from medins_sdk.io.records import KIND_MODELS, Record, RecordKind, Rejected
from medins_sdk.models import (
    ChargeBatch,
    Encounter,
    FrontPage,
    SdkModel,
    Settlement,
    SettlementList,
)
from medins_sdk.models.base import Naming


@runtime_checkable
class RecordFormat(Protocol):
    """One JSON shape of a record."""

    @property
    def name(self) -> str:
        """Unique name, e.g. ``canonical`` or ``national-4101``."""
        ...

    @property
    def description(self) -> str:
        """One line for listings (`medins plugins`)."""
        ...

    @property
    def kind(self) -> RecordKind:
        """What kind of record it yields."""
        ...

    @property
    def infno(self) -> tuple[str, ...]:
        """Transaction codes whose envelope ``input``/``output`` has this shape."""
        ...

    def score(self, obj: Mapping[str, Any]) -> int:
        """How well ``obj`` fits this shape: 0 = not at all; the best score wins."""
        ...

    def parse(self, obj: Mapping[str, Any]) -> SdkModel:
        """Validate a decoded object (raises pydantic ``ValidationError``)."""
        ...

    def parse_json(self, raw: bytes) -> SdkModel | None:
        """Validate raw JSON directly (fast path), or None when the format has no fast path."""
        ...

    def record_id(self, obj: Mapping[str, Any]) -> str | None:
        """The record's id, read leniently from a decoded object (for error reports)."""
        ...

    def dump(self, model: SdkModel) -> dict[str, Any]:
        """The model in this format, as JSON-ready data."""
        ...


@runtime_checkable
class DocumentReader(Protocol):
    """A file-level reader for non-JSON inputs (CDA XML, vendor CSV …)."""

    @property
    def name(self) -> str:
        """Unique name the registry selects it by."""
        ...

    @property
    def description(self) -> str:
        """One line for listings (`medins plugins`)."""
        ...

    @property
    def suffixes(self) -> tuple[str, ...]:
        """File suffixes it reads by default, e.g. ``(".xml", ".zip")``."""
        ...

    def read(self, path: Path) -> Iterator[Record | Rejected]:
        """Every record of the file (or directory/archive), streamed."""
        ...


def _keys_of(model: type[BaseModel], naming: Naming) -> frozenset[str]:
    if naming == "canonical":
        return frozenset(model.model_fields)
    return frozenset(f.alias or name for name, f in model.model_fields.items())


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``M``, ``list[M]`` or ``M | None``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def national_exclude(model: type[BaseModel]) -> dict[str, Any]:
    """A ``model_dump`` exclude spec of every field the national interface does not carry.

    National output must hold national fields only: SDK extensions (``item_name``,
    ``original_setl_id`` …) have no alias and would be unknown fields to a bureau. Public so
    that adapters sending models to a bureau leave out the same fields the writers do::

        model.model_dump(by_alias=True, exclude=national_exclude(type(model)) or None)
    """
    spec: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        inner = _nested_model(info.annotation)
        if info.alias is None:
            spec[name] = True
        elif inner is not None and (nested := national_exclude(inner)):
            is_list = getattr(info.annotation, "__origin__", None) is list
            spec[name] = {"__all__": nested} if is_list else nested
    return spec


@dataclass(frozen=True)
class ModelFormat:
    """A record shape that is one SDK model, in canonical or national naming.

    Detection scores the keys a record shares with the model's fields, one level deep, so
    a 4101 settlement list and a 2304 answer (both with ``setlinfo``) are told apart by
    what their ``setlinfo`` holds.
    """

    name: str
    description: str
    kind: RecordKind
    model: type[SdkModel]
    naming: Naming
    infno: tuple[str, ...] = ()
    id_paths: tuple[tuple[str, ...], ...] = ()
    wrap: Callable[[SdkModel], SdkModel] | None = None
    unwrap: Callable[[SdkModel], SdkModel] | None = None
    _keys: frozenset[str] = field(init=False, repr=False)
    _nested: dict[str, frozenset[str]] = field(init=False, repr=False)
    _exclude: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        keys = _keys_of(self.model, self.naming)
        nested: dict[str, frozenset[str]] = {}
        for name, info in self.model.model_fields.items():
            inner = _nested_model(info.annotation)
            if inner is not None:
                key = name if self.naming == "canonical" else (info.alias or name)
                nested[key] = _keys_of(inner, self.naming)
        object.__setattr__(self, "_keys", keys)
        object.__setattr__(self, "_nested", nested)
        national = self.naming == "national"
        object.__setattr__(self, "_exclude", national_exclude(self.model) if national else {})

    def _options(self) -> dict[str, Any]:
        if self.naming == "national":
            return {
                "by_alias": True,
                "by_name": False,
                "extra": "ignore",
                "context": {"naming": "national"},
            }
        return {"by_alias": False, "by_name": True, "extra": "forbid"}

    def score(self, obj: Mapping[str, Any]) -> int:
        matched = self._keys.intersection(obj)
        if not matched:
            return 0
        score = 1000 * len(matched)
        for key in matched:
            value = obj[key]
            sample = value[0] if isinstance(value, list) and value else value
            if isinstance(sample, Mapping) and key in self._nested:
                score += len(self._nested[key].intersection(sample))
        if self.naming == "canonical":
            score -= len(obj) - len(matched)
        return score

    def parse(self, obj: Mapping[str, Any]) -> SdkModel:
        model = self.model.model_validate(obj, **self._options())
        return self.wrap(model) if self.wrap else model

    def parse_json(self, raw: bytes) -> SdkModel | None:
        if self.naming != "canonical":
            return None
        model = self.model.model_validate_json(raw, **self._options())
        return self.wrap(model) if self.wrap else model

    def record_id(self, obj: Mapping[str, Any]) -> str | None:
        for path in self.id_paths:
            value: Any = obj
            for part in path:
                if isinstance(value, list):
                    value = value[0] if value else None
                value = value.get(part) if isinstance(value, Mapping) else None
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return str(value)[:64]
        return None

    def dump(self, model: SdkModel) -> dict[str, Any]:
        inner = self.unwrap(model) if self.unwrap else model
        return inner.model_dump(
            mode="json",
            by_alias=self.naming == "national",
            exclude_none=True,
            exclude=self._exclude or None,
        )


def _list_of(model: SdkModel) -> SdkModel:
    assert isinstance(model, Encounter)
    return model.settlement_list


def _encounter_of(model: SdkModel) -> SdkModel:
    assert isinstance(model, SettlementList)
    return Encounter.from_settlement_list(model)


BUILTIN_FORMATS: tuple[ModelFormat, ...] = (
    ModelFormat(
        "canonical",
        "the SDK's encounter JSON (English field names)",
        "encounter",
        Encounter,
        "canonical",
        id_paths=(("id",),),
    ),
    ModelFormat(
        "canonical-charges",
        "the SDK's charge batch JSON",
        "charges",
        ChargeBatch,
        "canonical",
        id_paths=(("lines", "visit_id"), ("lines", "line_no")),
    ),
    ModelFormat(
        "canonical-settlement",
        "the SDK's settlement JSON",
        "settlement",
        Settlement,
        "canonical",
        id_paths=(("info", "setl_id"),),
    ),
    ModelFormat(
        "canonical-front-page",
        "the SDK's front page JSON",
        "front_page",
        FrontPage,
        "canonical",
        id_paths=(("base", "record_no"),),
    ),
    ModelFormat(
        "national-4101",
        "4101/4101A settlement list upload (setlinfo, diseinfo, oprninfo …)",
        "encounter",
        SettlementList,
        "national",
        infno=("4101", "4101A"),
        id_paths=(("setlinfo", "setl_id"), ("setlinfo", "mdtrt_id")),
        wrap=_encounter_of,
        unwrap=_list_of,
    ),
    ModelFormat(
        "national-2301",
        "2301 inpatient charge upload (feedetail)",
        "charges",
        ChargeBatch,
        "national",
        infno=("2301",),
        id_paths=(("feedetail", "mdtrt_id"), ("feedetail", "feedetl_sn")),
    ),
    ModelFormat(
        "national-2304",
        "2304 settlement answer (setlinfo, setldetail); 2305 cancellations alike",
        "settlement",
        Settlement,
        "national",
        infno=("2304", "2305"),
        id_paths=(("setlinfo", "setl_id"),),
    ),
    ModelFormat(
        "national-4401",
        "4401 front page upload (baseinfo, diseinfo, oprninfo, icuinfo)",
        "front_page",
        FrontPage,
        "national",
        infno=("4401",),
        id_paths=(("baseinfo", "mdtrt_sn"), ("baseinfo", "medcasno")),
    ),
)
"""The core's record formats, registered by the core's own plugin."""

assert {f.kind for f in BUILTIN_FORMATS} == set(KIND_MODELS)


@dataclass(frozen=True, slots=True)
class Detected:
    """A decoded record with its format chosen: the payload, its path prefix and the format."""

    payload: Mapping[str, Any]
    prefix: str
    format: RecordFormat | None
    reason: str = ""


def detect(
    obj: Any, formats: Sequence[RecordFormat], forced: RecordFormat | None = None
) -> Detected:
    """Unwrap an interface envelope and choose the best-fitting format (ties: first listed).

    An envelope's ``infno`` is authoritative: its format is chosen even when the body fits
    it badly, so the errors explain what the transaction lacks.
    """
    if not isinstance(obj, Mapping):
        return Detected({}, "", None, f"a record must be a JSON object, not {type(obj).__name__}")
    payload: Mapping[str, Any] = obj
    prefix = ""
    infno: str | None = None
    if "infno" in obj and isinstance(obj.get("input"), Mapping):
        payload, prefix, infno = obj["input"], "input", str(obj["infno"])
    elif "infcode" in obj and isinstance(obj.get("output"), Mapping):
        payload, prefix = obj["output"], "output"
    if forced is not None:
        return Detected(payload, prefix, forced)
    candidates = [f for f in formats if infno is None or infno in f.infno]
    if not candidates:
        return Detected(payload, prefix, None, f"transaction {infno} carries no record format")
    score, best = max(((f.score(payload), f) for f in candidates), key=lambda scored: scored[0])
    if score <= 0 and infno is None:
        keys = ", ".join(sorted(payload)[:8])
        return Detected(payload, prefix, None, f"unrecognised record shape (keys: {keys})")
    return Detected(payload, prefix, best)

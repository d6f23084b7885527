"""Shared conventions of every model: naming, strictness, wire formats, located errors.

* Attributes are readable English; the alias is the national interface's field name; the
  description holds the Chinese name (see ``docs/reference/data-model.md``).
* Canonical JSON uses the English names and forbids unknown fields. National JSON uses the
  aliases and ignores fields the model does not know (provinces add and drop fields); the
  record formats in ``medins_sdk.io.formats`` choose the mode per call.
* Errors found by model validators carry the path of the offending field, spelt the way the
  input spelt it (English names or national names), through :func:`located_errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, NaiveDatetime, PlainSerializer, ValidationInfo
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

Naming = Literal["canonical", "national"]
PiiKind = Literal["name", "id_number", "phone", "address"]


def _wire_datetime(value: datetime) -> str:
    return value.isoformat(sep=" ")


WireDateTime = Annotated[NaiveDatetime, PlainSerializer(_wire_datetime, when_used="json")]
"""A local (Beijing) date-time, written ``yyyy-MM-dd HH:mm:ss`` as the interface does.

Time-zone-aware input is refused: the interface's times carry no offset.
"""

WireDate = date
"""A calendar date, written ``yyyy-MM-dd``."""


class SdkModel(BaseModel):
    """Base of every SDK model: strict canonical form, national aliases accepted."""

    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=False,
        coerce_numbers_to_str=True,
        use_enum_values=False,
        validate_default=False,
    )

    @classmethod
    def from_trusted(cls, **values: Any) -> Self:
        """An instance built from values the SDK derived itself, without validating them again.

        Engines emit a result per case at tens of thousands of cases a second; validating a
        ``GroupResult`` or ``PriceResult`` they have just computed (codes from the pack,
        amounts already exact to the cent, ``balance`` computed as ``payment − total_cost``)
        costs 10–15 µs, more than the decision itself. The values must be exactly what
        validation would produce: the right types, money to the cent, every model invariant
        held. The core's tests re-validate every engine's results, and the conformance kit
        (:mod:`medins_sdk.testing.conformance`) does so for a plugin's scheme. Fields not given
        take their defaults (a fresh one from a factory), as validation would. Input from
        outside the SDK must go through ``model_validate`` instead.
        """
        template, required, factories = _defaults_of(cls)
        if not required <= values.keys():
            missing = ", ".join(sorted(required - values.keys()))
            raise TypeError(f"{cls.__name__}.from_trusted needs {missing}")
        fields = template.copy()  # the fields in declaration order, as validation writes them
        fields.update(values)
        for name, factory in factories:
            if name not in values:
                fields[name] = factory()
        instance = _new(cls)
        _set_dict(instance, fields)
        _set_fields_set(instance, set(values))
        _set_extra(instance, None)
        _set_private(instance, None)
        return instance


# BaseModel's own slots, set through their descriptors: what ``model_construct`` sets, at a
# third of the cost of ``object.__setattr__`` (the metaclass's attribute hook is skipped).
_new = object.__new__
_set_dict = vars(BaseModel)["__dict__"].__set__
_set_fields_set = vars(BaseModel)["__pydantic_fields_set__"].__set__
_set_extra = vars(BaseModel)["__pydantic_extra__"].__set__
_set_private = vars(BaseModel)["__pydantic_private__"].__set__


@cache
def _defaults_of(
    model: type[SdkModel],
) -> tuple[dict[str, Any], frozenset[str], tuple[tuple[str, Callable[[], Any]], ...]]:
    """``(template, required, factories)`` of ``model``, computed once: every field in
    declaration order with its plain default (None where there is none), the required
    fields' names, and the optional fields built by a default factory.

    Refuses models whose instances carry more state than their fields (private attributes,
    a post-init hook), which :meth:`SdkModel.from_trusted` would leave unset, and mutable
    plain defaults, which instances would share.
    """
    if model.__private_attributes__ or model.__pydantic_post_init__:
        raise TypeError(f"{model.__name__} has private state: build it with model_validate")
    template: dict[str, Any] = {}
    required: set[str] = set()
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, field in model.model_fields.items():
        template[name] = None
        if field.default_factory is not None:
            factories.append((name, field.default_factory))  # type: ignore[arg-type]
        elif field.is_required():
            required.add(name)
        elif isinstance(field.default, list | dict | set):
            raise TypeError(f"{model.__name__}.{name}: a mutable default needs a factory")
        else:
            template[name] = field.default
    return template, frozenset(required), tuple(factories)


def wire(
    alias: str | None,
    zh: str,
    default: Any = ...,
    *,
    pii: PiiKind | None = None,
    pattern: str | None = None,
    **kwargs: Any,
) -> Any:
    """Declare a field with its national name (``alias``) and Chinese name (``zh``).

    ``alias=None`` marks an SDK extension that the national interface does not carry.
    ``pii`` marks personal data: hidden from ``repr`` and masked by ``medins_sdk.privacy``.
    """
    extra: dict[str, Any] = {"pii": pii} if pii else {}
    if "default_factory" not in kwargs:
        kwargs["default"] = default
    return Field(
        alias=alias,
        description=zh,
        repr=pii is None,
        pattern=pattern,
        json_schema_extra=extra or None,
        **kwargs,
    )


def naming_of(info: ValidationInfo | None) -> Naming:
    """The naming the current validation uses, from the validation context."""
    context = info.context if info is not None else None
    if isinstance(context, dict) and context.get("naming") == "national":
        return "national"
    return "canonical"


def field_key(model: type[BaseModel], field: str, naming: Naming) -> str:
    """The key of ``field`` in the input: its alias for national input, else its name."""
    if naming == "national":
        alias = model.model_fields[field].alias
        if alias:
            return alias
    return field


@dataclass(frozen=True, slots=True)
class Problem:
    """One defect found by a model validator: where (path parts) and what (type, message)."""

    loc: tuple[str | int, ...]
    kind: str
    message: str


def located_errors(title: str, problems: Sequence[Problem]) -> ValidationError:
    """A pydantic ValidationError carrying each problem at its own path.

    Raised inside a model validator, pydantic prefixes the enclosing path, so the final
    error names the full path from the record's root.
    """
    details = [
        InitErrorDetails(
            type=PydanticCustomError(problem.kind, problem.message),
            loc=problem.loc,
            input=None,
        )
        for problem in problems
    ]
    return ValidationError.from_exception_data(title, details)


def raise_if(title: str, problems: Iterable[Problem]) -> None:
    """Raise :func:`located_errors` when there is any problem."""
    found = list(problems)
    if found:
        raise located_errors(title, found)


def order_problem(
    model: type[BaseModel],
    start: datetime | date | None,
    end: datetime | date | None,
    end_field: str,
    naming: Naming,
    what: str,
) -> tuple[Problem, ...]:
    """A problem when ``end`` comes before ``start`` (both present).

    A tuple, not a generator: models check several orders on every validation, and an empty
    tuple costs a third of a generator.
    """
    if start is None or end is None or not end < start:
        return ()
    return (Problem((field_key(model, end_field, naming),), "time_order", what),)


def principal_problems(
    principal: list[int], diagnoses_key: str, flag_key: str, what: str, *, required: bool
) -> tuple[Problem, ...]:
    """Problems unless exactly one diagnosis (by index) is flagged principal.

    ``required=False`` allows none (outpatient lists, TCM diagnoses) but still refuses two.
    A tuple, not a generator, for the reason :func:`order_problem` gives.
    """
    if len(principal) > 1:
        return (
            Problem(
                (diagnoses_key, principal[1], flag_key),
                "principal_diagnosis",
                f"more than one principal {what}: entries {', '.join(map(str, principal))}",
            ),
        )
    if not principal and required:
        return (
            Problem(
                (diagnoses_key,),
                "principal_diagnosis",
                f"no principal {what}: exactly one diagnosis must have maindiag_flag 1",
            ),
        )
    return ()

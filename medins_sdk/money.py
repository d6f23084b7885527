"""Exact decimal types for money, quantities and prices.

Amounts are ``Decimal`` from the wire to the report: no float ever holds an amount.
Each type validates in pydantic-core without Python callbacks on the hot path:

* JSON input accepts a decimal **string** (``"12.30"``) or an integer. A JSON number with a
  fraction (``12.3``) is refused, because pydantic would parse it through a float; the record
  reader (``medins_sdk.io``) then re-reads such a record exactly with ``json.loads(...,
  parse_float=Decimal)`` and validates it in Python mode, so the input still loads, exactly.
* Python input accepts ``Decimal``, ``int`` and decimal strings; ``float`` is refused.
* JSON output is a string with the type's fixed number of decimal places (money: 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

CENT = Decimal("0.01")


class DecimalSpec:
    """Pydantic metadata for one exact decimal type (places, sign, integer digits)."""

    __slots__ = (
        "_limit",
        "_step",
        "description",
        "fixed",
        "integer_digits",
        "maximum",
        "places",
        "signed",
    )

    def __init__(
        self,
        places: int,
        *,
        signed: bool,
        integer_digits: int,
        description: str,
        fixed: bool = False,
        maximum: int | None = None,
    ):
        self.places = places
        self.signed = signed
        self.integer_digits = integer_digits
        self.description = description
        self.fixed = fixed
        self.maximum = maximum
        self._step = Decimal(1).scaleb(-places)
        self._limit = Decimal(10) ** integer_digits

    @property
    def pattern(self) -> str:
        """Regex of the accepted string form; trailing zeros beyond ``places`` are allowed."""
        sign = "-?" if self.signed else ""
        return rf"^{sign}\d{{1,{self.integer_digits}}}(\.\d{{1,{self.places}}}0*)?$"

    def _fits(self, value: Decimal) -> Decimal:
        """``value`` if it has at most :attr:`places` decimals and :attr:`integer_digits`
        integer digits (the checks a Decimal from Python code needs)."""
        if abs(value) >= self._limit or value.quantize(self._step) != value:
            raise ValueError("too many digits")
        return value

    def _format(self, value: Decimal) -> str:
        # Money always shows its cents; other decimals keep the precision they came with.
        return f"{value:.{self.places}f}" if self.fixed else f"{value:f}"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        bound: dict[str, Any] = {} if self.signed else {"ge": 0}
        if self.maximum is not None:
            bound["le"] = self.maximum
        # Strict string: with coerce_numbers_to_str a float would otherwise slip in as text.
        to_decimal: list[core_schema.CoreSchema] = [
            core_schema.no_info_plain_validator_function(Decimal)
        ]
        if self.maximum is not None:
            to_decimal.append(core_schema.decimal_schema(le=Decimal(self.maximum)))
        from_text = core_schema.chain_schema(
            [core_schema.str_schema(pattern=self.pattern, strict=True), *to_decimal]
        )
        from_int = core_schema.chain_schema(
            [core_schema.int_schema(strict=True, **bound), *to_decimal]
        )
        # A Decimal from Python code (results the SDK computes): pydantic-core's own
        # decimal_places / max_digits checks cost ~1.4 µs a field; one quantize does both.
        from_decimal = core_schema.chain_schema(
            [
                core_schema.decimal_schema(strict=True, allow_inf_nan=False, **bound),
                core_schema.no_info_plain_validator_function(self._fits),
            ]
        )
        message = (
            f"expected {self.description}: a decimal string such as "
            f'"{Decimal("12.5"):.{self.places}f}" with at most {self.places} decimal places'
            + ("" if self.signed else ", not negative")
            + ("" if self.maximum is None else f", at most {self.maximum}")
            + ", an integer or a Decimal (never a float)"
        )
        return core_schema.json_or_python_schema(
            json_schema=core_schema.union_schema(
                [from_text, from_int],
                mode="left_to_right",
                custom_error_type="decimal_value",
                custom_error_message=message,
            ),
            python_schema=core_schema.union_schema(
                [from_decimal, from_text, from_int],
                mode="left_to_right",
                custom_error_type="decimal_value",
                custom_error_message=message,
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                self._format, when_used="json"
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": self.pattern, "description": self.description}


Money = Annotated[
    Decimal,
    DecimalSpec(2, signed=False, integer_digits=14, description="an amount in yuan", fixed=True),
]
"""An amount in yuan, 0.01 precision, not negative (national type 16,2)."""

SignedMoney = Annotated[
    Decimal,
    DecimalSpec(
        2, signed=True, integer_digits=14, description="a signed amount in yuan", fixed=True
    ),
]
"""An amount in yuan that may be negative: refund lines, cancellations, balances."""

Quantity = Annotated[
    Decimal,
    DecimalSpec(4, signed=True, integer_digits=12, description="a quantity"),
]
"""A charge quantity, 4 decimal places, negative on refund lines (national type 16,4)."""

Price = Annotated[
    Decimal,
    DecimalSpec(6, signed=False, integer_digits=10, description="a unit price"),
]
"""A unit price, 6 decimal places (national type 16,6)."""

Ratio = Annotated[
    Decimal,
    DecimalSpec(
        4, signed=False, integer_digits=1, description="a ratio between 0 and 1", maximum=1
    ),
]
"""A proportion such as a self-pay ratio, 4 decimal places."""

Measure = Annotated[
    Decimal,
    DecimalSpec(2, signed=False, integer_digits=6, description="a measurement"),
]
"""A non-negative measurement with 2 decimal places (weights in grams, volumes in mL)."""


def to_cents(value: Decimal) -> Decimal:
    """Round an exact intermediate result (a weight × a rate, say) to 0.01 yuan, half up.

    Half-up is the rounding of Chinese financial practice (四舍五入); every pricer that
    multiplies money by a factor rounds through here so that rounding is uniform.
    """
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_fraction(value: Fraction, places: int) -> Decimal:
    """An exact ratio (a mean cost, a share of a fund) as a decimal of ``places`` places, half up.

    Means and shares are ratios of exact sums; dividing ``Decimal``s would round once at 28
    digits and again at the end, so they are kept as fractions and rounded here, once,
    with the same half-up rule as :func:`to_cents` (halves round away from zero).
    """
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return Decimal(-whole if value < 0 else whole).scaleb(-places)


def format_money(value: Decimal) -> str:
    """Render an amount with exactly two decimals, as bureau statements show it."""
    return f"{value:.2f}"


def allocate_cents(
    amount: Decimal, weights: Sequence[Decimal], tie_keys: Sequence[str] | None = None
) -> list[Decimal]:
    """``amount`` shared in proportion to ``weights``, in whole cents that sum to it exactly.

    The largest-remainder method: each part gets the whole cents of its exact share
    (amount × weight ÷ Σ weights, kept as a fraction), and the cents left over go one each
    to the parts with the largest remainders, ties broken by ``tie_keys`` (case ids, say)
    and then by position. Every part is within a cent of its exact share, and the same
    weights and keys give the same parts whatever their order. Used wherever a fund or an
    overspend is split: DIP period settlement, departmental cost allocation.
    """
    cents = int(amount.scaleb(2))
    if cents != amount.scaleb(2) or cents < 0:
        raise ValueError(f"amount {amount} is not an amount in yuan (whole cents, not negative)")
    if any(weight < 0 for weight in weights):
        raise ValueError("a weight is negative")
    total = Fraction(sum(weights, Decimal(0)))
    if total <= 0:
        raise ValueError("the weights sum to zero: no score or share to split the amount by")
    keys = tie_keys if tie_keys is not None else [""] * len(weights)
    whole: list[int] = []
    remainders: list[tuple[Fraction, str, int]] = []
    for index, (weight, key) in enumerate(zip(weights, keys, strict=True)):
        share = Fraction(weight) * cents / total
        floor = share.numerator // share.denominator
        whole.append(floor)
        remainders.append((floor - share, key, index))
    for _, _, index in sorted(remainders)[: cents - sum(whole)]:
        whole[index] += 1
    return [Decimal(part).scaleb(-2) for part in whole]

"""Hypothesis strategies for reconciliation: sides of settlement lines and single changes.

The core's properties (identical sides balance; any single added, removed or altered
settlement is found, located and classified) run on these; a region's statement reader or
clearing plugin can run the same ones on what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from hypothesis import strategies as st

from medins_sdk import synthetic
from medins_sdk.codes.tables import Flag
from medins_sdk.reconcile.detail import DifferenceKind
from medins_sdk.reconcile.lines import StatementLine

SideName = Literal["hospital", "bureau"]
ChangeKind = Literal["add", "remove", "amount", "refund_flag", "category"]
_DAY = date(2022, 11, 15)


def _as_refund(line: StatementLine) -> StatementLine:
    return line.model_copy(
        update={
            "total": -line.total,
            "fund_total": -line.fund_total,
            "account_pay": -line.account_pay,
            "refund": Flag.YES,
        }
    )


@st.composite
def statement_sides(draw: st.DrawFn, max_size: int = 40) -> dict[str, StatementLine]:
    """One side's lines by ``setl_id`` (some of them refunds), drawn from the synthetic
    generator with a Hypothesis-controlled ``Random``."""
    rng = draw(st.randoms(use_true_random=False))
    count = draw(st.integers(0, max_size))
    lines = synthetic.statement_lines(rng, count, _DAY)
    refunds = draw(st.sets(st.integers(0, max(count - 1, 0)), max_size=count // 4))
    changed = [_as_refund(line) if i in refunds else line for i, line in enumerate(lines)]
    return {line.setl_id: line for line in changed}


@dataclass(frozen=True)
class Change:
    """One change applied to one side, and the difference it must produce."""

    side: SideName
    kind: ChangeKind
    setl_id: str
    expected: DifferenceKind


def _amount_changed(line: StatementLine, cents: int) -> StatementLine:
    return line.model_copy(update={"fund_total": line.fund_total + Decimal(cents).scaleb(-2)})


@st.composite
def single_changes(
    draw: st.DrawFn, lines: dict[str, StatementLine]
) -> tuple[dict[str, StatementLine], dict[str, StatementLine], Change]:
    """``lines`` as both sides, with exactly one settlement added, removed or altered on one
    side; returns (hospital, bureau, the change)."""
    side: SideName = draw(st.sampled_from(["hospital", "bureau"]))
    kinds: list[ChangeKind] = ["add", "remove", "amount", "refund_flag", "category"]
    if not lines:
        kinds = ["add"]
    kind = draw(st.sampled_from(kinds))
    changed = dict(lines)
    if kind == "add":
        line = synthetic.statement_lines(draw(st.randoms(use_true_random=False)), 1, _DAY, "X")[0]
        changed[line.setl_id] = line
        expected: DifferenceKind = "hospital_only" if side == "hospital" else "bureau_only"
    else:
        setl_id = draw(st.sampled_from(sorted(lines)))
        line = lines[setl_id]
        if kind == "remove":
            del changed[setl_id]
            if line.is_refund:
                expected = "refund_mismatch"
            else:
                expected = "bureau_only" if side == "hospital" else "hospital_only"
        elif kind == "amount":
            cents = draw(st.integers(-(10**6), 10**6).filter(bool))
            changed[setl_id] = _amount_changed(line, cents)
            expected = "refund_mismatch" if line.is_refund else "amount_mismatch"
        elif kind == "refund_flag":
            flag = Flag.NO if line.is_refund else Flag.YES
            changed[setl_id] = line.model_copy(update={"refund": flag})
            expected = "refund_mismatch"
        else:
            changed[setl_id] = line.model_copy(update={"clearing_type": "99"})
            expected = "category_mismatch"  # the generator never draws clr_type 99
    setl_id = line.setl_id
    hospital, bureau = (changed, dict(lines)) if side == "hospital" else (dict(lines), changed)
    return hospital, bureau, Change(side, kind, setl_id, expected)

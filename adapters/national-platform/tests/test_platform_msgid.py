"""msgids: 30 characters, unique and increasing — across restarts, clock steps back, bursts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from medins_adapter_national_platform import MsgIdGenerator

CODE = "H11010500001"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 8, 0, 0)

    def __call__(self) -> datetime:
        return self.now


def test_shape() -> None:
    clock = Clock()
    msgid = MsgIdGenerator(CODE, clock=clock)()
    assert msgid == f"{CODE}202611230800000001"
    assert len(msgid) == 30


def test_more_than_9999_in_a_second_borrows_the_next_second() -> None:
    clock = Clock()
    issue = MsgIdGenerator(CODE, clock=clock)
    ids = [issue() for _ in range(10_001)]
    assert ids[9998].endswith("202611230800009999")
    assert ids[9999].endswith("202611230800010001")
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)


def test_survives_restart_and_clock_going_back(tmp_path: Path) -> None:
    clock = Clock()
    first = MsgIdGenerator(CODE, tmp_path / "msgid.state", clock=clock)
    before = [first() for _ in range(3)]
    first.close()
    clock.now -= timedelta(hours=1)  # restarted with a clock an hour behind
    second = MsgIdGenerator(CODE, tmp_path / "msgid.state", clock=clock)
    after = second()
    second.close()
    assert after > before[-1]
    assert after.endswith("202611230800000004")


def test_two_generators_share_one_state_file(tmp_path: Path) -> None:
    clock = Clock()
    a = MsgIdGenerator(CODE, tmp_path / "s", clock=clock)
    b = MsgIdGenerator(CODE, tmp_path / "s", clock=clock)
    ids = [g() for _ in range(50) for g in (a, b)]
    a.close()
    b.close()
    assert len(set(ids)) == 100
    assert ids == sorted(ids)


def test_refuses_a_wrong_institution_code() -> None:
    with pytest.raises(ValueError, match="12"):
        MsgIdGenerator("H1")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=3), min_size=1, max_size=60))
def test_never_repeat_never_decrease(steps: list[int]) -> None:
    clock = Clock()
    issue: Callable[[], str] = MsgIdGenerator(CODE, clock=clock)
    ids = []
    for step in steps:
        clock.now += timedelta(seconds=step)  # the clock moves either way
        ids.append(issue())
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(len(msgid) == 30 for msgid in ids)

"""``medins demo``: the synthetic month, and the pipeline end to end on a small one.

The settle step is exercised here with a stand-in simulator (the national platform adapter's
own tests settle against its real loopback bureau); the pipeline's other steps are the SDK's
own verbs, each tested on its own, so these tests check that the demo wires them together
and that its files and summary agree.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from medins_sdk.cli import main
from medins_sdk.clients import SettledMonth, SettlementSimulator
from medins_sdk.demo.month import month_records
from medins_sdk.hookspecs import hookimpl
from medins_sdk.models import Encounter
from medins_sdk.plugins import PluginManager

ROOT = Path(__file__).resolve().parents[1]


def test_a_month_is_the_same_for_a_seed_and_discharged_in_the_month() -> None:
    first = list(month_records(5, year=2024, month=2, cases=40))
    assert first == list(month_records(5, year=2024, month=2, cases=40))
    assert first != list(month_records(6, year=2024, month=2, cases=40))
    for record in first:
        encounter = Encounter.model_validate(record)  # totals agree to the cent
        discharged = encounter.settlement_list.info.discharge_time
        assert discharged is not None
        assert (discharged.year, discharged.month) == (2024, 2)
    ids = [record["id"] for record in first]
    assert len(set(ids)) == len(ids)


def test_costs_follow_the_stay_and_the_operations() -> None:
    """Longer stays and operations cost more: what DRG and DIP weights assume."""
    cases = [Encounter.model_validate(r) for r in month_records(1, year=2024, month=3, cases=200)]

    def mean_cost(chosen: list[Encounter]) -> Decimal:
        assert chosen
        return sum((c.total_cost or Decimal(0) for c in chosen), Decimal(0)) / len(chosen)

    def stay(case: Encounter) -> int:
        return case.settlement_list.info.length_of_stay or 0

    medical = [c for c in cases if not c.settlement_list.operations]
    surgical = [c for c in cases if c.settlement_list.operations]
    assert mean_cost([c for c in medical if stay(c) >= 12]) > 2 * mean_cost(
        [c for c in medical if stay(c) <= 4]
    )
    assert mean_cost(surgical) > mean_cost(medical)


class FakeBureau:
    """A stand-in :class:`SettlementSimulator`: counts what it is given, reports a result."""

    name = "fake-bureau"
    description = "test double"

    def __init__(self, balanced: bool) -> None:
        self.balanced = balanced
        self.seen = 0

    def create(self, **options: Any) -> Any:
        return self

    def settle_month(
        self, encounters: Iterable[Encounter], *, day: date, out: Path, faults: str, seed: int
    ) -> SettledMonth:
        assert day == date(2024, 10, 31)
        self.seen = sum(1 for _ in encounters)
        row = {
            "insutype": "310",
            "setl_optins": "110199",
            "clr_type": "21",
            "hospital": {"medfee_sumamt": "1.00", "setl_cnt": self.seen},
            "bureau": {"medfee_sumamt": "1.00", "setl_cnt": self.seen},
            "balanced": self.balanced,
        }
        faults_seen: Mapping[str, int] = {"drop-after-commit": 1}
        return SettledMonth(
            settlements=self.seen,
            refunds=0,
            faults=faults_seen,
            recovered=1,
            reversed=0,
            one_sided=0,
            double_settlements=0,
            balanced=self.balanced,
            reconciliation=[row],
        )


def bureau_plugin(bureau: FakeBureau) -> SimpleNamespace:
    """A plugin whose one hook registers ``bureau`` as a client factory."""

    @hookimpl
    def medins_register_clients() -> list[FakeBureau]:
        return [bureau]

    return SimpleNamespace(medins_register_clients=medins_register_clients)


def manager_with(bureau: FakeBureau | None) -> PluginManager:
    manager = PluginManager(autoload=False, strict=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT / "plugins" / "beijing-drg" / "src"))
        manager.register(importlib.import_module("medins_plugin_beijing_drg.plugin"), "bj")
    if bureau is not None:
        manager.register(bureau_plugin(bureau), "fake-bureau")
    return manager


def run(manager: PluginManager, out: Path, *argv: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(
        ["demo", "--out", str(out), "--cases", "25", *argv],
        plugins=manager,
        stdout=stdout,
        stderr=stderr,
    )
    return code, stdout.getvalue(), stderr.getvalue()


def test_the_demo_runs_every_step_and_its_files_agree(tmp_path: Path) -> None:
    bureau = FakeBureau(balanced=True)
    assert isinstance(bureau, SettlementSimulator)
    code, out, log = run(manager_with(bureau), tmp_path)
    assert code == 0, log
    assert bureau.seen == 25
    for name in ("month.jsonl", "compare.jsonl", "findings.jsonl", "reconcile.jsonl"):
        assert (tmp_path / name).is_file(), name
    lines = [json.loads(line) for line in (tmp_path / "compare.jsonl").read_text().splitlines()]
    cases = [line for line in lines if line["kind"] == "case"]
    total = next(line for line in lines if line["kind"] == "row" and line["by"] == "total")
    assert len(cases) == total["cases"] == 25
    for index, totals in enumerate(total["schemes"]):
        paid = sum(Decimal(case["outcomes"][index].get("payment", "0")) for case in cases)
        assert Decimal(totals["payment"]) == paid
    assert "validate  25 read, 25 ok, 0 rejected" in log
    assert "settled 25 with faults (drop-after-commit 1): balanced (平)" in out
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "对总账：平" in page


def test_an_unbalanced_month_exits_3(tmp_path: Path) -> None:
    code, out, _ = run(manager_with(FakeBureau(balanced=False)), tmp_path)
    assert code == 3
    assert "NOT balanced" in out


def test_without_a_simulator_the_settle_step_is_skipped_with_a_notice(tmp_path: Path) -> None:
    code, _, log = run(manager_with(None), tmp_path)
    assert code == 0
    assert "settle    skipped" in log
    assert not (tmp_path / "reconcile.jsonl").exists()
    assert "未提供对账结果" in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "argv", [["--month", "2024-13"], ["--month", "October"], ["--scheme", "no-such-scheme"]]
)
def test_bad_options_are_usage_errors(tmp_path: Path, argv: list[str]) -> None:
    code, _, log = run(manager_with(None), tmp_path, *argv)
    assert code == 2
    assert log.startswith("medins: ")

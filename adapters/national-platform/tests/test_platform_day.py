"""The hospital day end to end, through the function and through ``medins platform day``."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from random import Random

import pytest
from medins_adapter_national_platform import Institution, PlatformClient
from medins_adapter_national_platform.day import simulated_day, terminals_day
from medins_adapter_national_platform.simulator import BureauSimulator

from medins_sdk import synthetic
from medins_sdk.cli import main
from medins_sdk.plugins import PluginManager

FAULTS = "seed=5;latency:0-2=0.1;drop-after=0.08@2304+2305;drop-before=0.04@2304;duplicate=0.03"


def test_a_faulty_day_ends_balanced() -> None:
    summary = simulated_day(settlements=60, seed=5, faults=FAULTS)
    assert summary.faults.get("drop-after", 0) > 0
    assert summary.recovered >= summary.faults["drop-after"] - summary.refunds
    assert summary.one_sided == 0
    assert summary.double_settlements == 0
    assert summary.totals_balanced
    assert summary.detail_differences == 0
    assert summary.balanced
    assert summary.failed_visits == 0


def test_terminals_in_processes_end_the_day_balanced(tmp_path: Path) -> None:
    """Two terminal processes, each with its own ledger, and the bureau in a third: the
    terminals' ledgers together equal the bureau's books."""
    rng = Random(3)
    visits = [synthetic.encounter(rng, index=i, lines=4) for i in range(40)]
    summary = terminals_day(visits, folder=tmp_path, day=date(2024, 10, 31), faults=FAULTS)
    assert summary.visits == 40
    assert summary.faults.get("drop-after", 0) > 0
    assert (summary.one_sided, summary.double_settlements) == (0, 0)
    assert summary.balanced
    assert summary.settled == 40 - summary.failed_visits
    assert summary.rows[-1].hospital.setl_cnt == summary.settled + summary.refunds
    ledgers = sorted(path.name for path in tmp_path.glob("ledger-*.sqlite"))
    assert ledgers == ["ledger-1.sqlite", "ledger-2.sqlite"]


def test_the_day_is_reproducible() -> None:
    first = simulated_day(settlements=15, seed=9, faults=FAULTS).to_json()
    again = simulated_day(settlements=15, seed=9, faults=FAULTS).to_json()
    assert first == again


def test_cli_prints_the_summary(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    ledger = tmp_path / "day.sqlite"
    code = main(
        ["platform", "day", "--settlements", "12", "--seed", "2", "--ledger", str(ledger)],
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "one-sided accounts" in text
    assert "balanced 平" in text
    assert ledger.is_file()
    out = io.StringIO()
    assert main(["platform", "day", "--settlements", "5", "--format", "json"], stdout=out) == 0
    data = json.loads(out.getvalue())
    assert data["balanced"] is True
    assert data["double_settlements"] == 0


def test_cli_refuses_a_bad_fault_spec() -> None:
    with pytest.raises(SystemExit, match="--faults"):
        main(["platform", "day", "--faults", "explode=1"], stdout=io.StringIO())


def test_the_client_factory_is_registered(tmp_path: Path, institution: Institution) -> None:
    factory = PluginManager().registry.clients.get("national-platform")
    with BureauSimulator() as bureau:
        client = factory.create(
            url=bureau.url,
            institution={
                "fixmedins_code": "H11010500001",
                "fixmedins_name": "示例医院",
                "mdtrtarea_admvs": "110105",
            },
            ledger=str(tmp_path / "l.sqlite"),
            msgid_state=str(tmp_path / "msgid.state"),
        )
        assert isinstance(client, PlatformClient)
        assert client.sign_in()
        client.close()
    assert (tmp_path / "msgid.state").read_text().strip()

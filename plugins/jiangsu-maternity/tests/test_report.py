"""The monthly report, worked by hand, and ``medins report maternity`` end to end."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from medins_plugin_jiangsu_maternity import __version__, plugin
from medins_plugin_jiangsu_maternity.deliveries import charge_line, coded_delivery
from medins_plugin_jiangsu_maternity.pack import parse_shares
from medins_plugin_jiangsu_maternity.register import DeliveryRegister, RegisterEntry, RegisterError
from medins_plugin_jiangsu_maternity.report import MaternityReport, ReportRows, allocate

from medins_sdk.cli import main
from medins_sdk.codes import ChargeCategory, SettlementWay
from medins_sdk.models import Encounter
from medins_sdk.plugins import PluginManager
from medins_sdk.synthetic import coded_encounter

MARCH, APRIL = "2019-03", "2019-04"
VAGINAL = ["O80.000"]
CAESAREAN = (["O82.000"], ["74.1x01"])


def case(index: int, group: str, month: int, cost: str, *, mode: str = "vaginal") -> Encounter:
    diagnoses, procedures = (VAGINAL, []) if mode == "vaginal" else CAESAREAN
    return coded_delivery(
        diagnoses, procedures, cost=cost, group=group, discharged=date(2019, month, 10), index=index
    )


def april_caesarean(index: int, surgery: str, drugs: str) -> Encounter:
    """A caesarean of April in group 1 whose cost is surgery + drugs + 300 materials + 200
    examinations."""
    lines = [
        charge_line(1, surgery, category=ChargeCategory.SURGERY),
        charge_line(2, drugs, category=ChargeCategory.WESTERN_MEDICINE),
        charge_line(3, "300.00", category=ChargeCategory.MATERIALS),
        charge_line(4, "150.00", category=ChargeCategory.EXAMINATION),
        charge_line(5, "50.00", category=ChargeCategory.LABORATORY),
    ]
    return coded_delivery(
        *CAESAREAN, charges=lines, group="产科1组", discharged=date(2019, 4, 20), index=index
    )


def cases() -> list[Encounter]:
    """Two groups in March, one in April; one March case is a complication settled at the
    fixed amount (a wrong channel worth 20,000 − 4,900 = 15,100)."""
    complication = coded_delivery(
        ["O82.000", "O14.100"],
        ["74.1x01"],
        cost="20000.00",
        settled=SettlementWay.FIXED_RATE,
        group="产科2组",
        discharged=date(2019, 3, 28),
        index=6,
    )
    return [
        case(1, "产科1组", 3, "2700.00"),  # +400
        case(2, "产科1组", 3, "2900.00"),  # +200
        case(3, "产科1组", 3, "6400.00", mode="caesarean"),  # −1,500
        case(4, "产科2组", 3, "3500.00"),  # −400
        case(5, "产科2组", 3, "5900.00", mode="caesarean"),  # −1,000
        complication,  # 0
        april_caesarean(7, "5000.00", "1900.00"),  # 7,400: −2,500
        april_caesarean(8, "4000.00", "600.00"),  # 5,100: −200
        april_caesarean(9, "4000.00", "800.00"),  # 5,300: −400
        april_caesarean(10, "4500.00", "1000.00"),  # 6,000: −1,100
    ]


def report(encounters: list[Encounter]) -> ReportRows:
    built = MaternityReport(plugin.pack())
    for encounter in encounters:
        built.add(encounter)
    return built.rows()


def channel(rows: ReportRows, month: str, key: str, name: str) -> dict[str, Any]:
    row = next(r for r in rows.channels if (r.month, r.key, r.channel) == (month, key, name))
    return row.model_dump(mode="json")


def test_rows_per_month_group_and_channel_with_the_benchmark() -> None:
    rows = report(cases())
    group1 = channel(rows, MARCH, "产科1组", "vaginal")
    assert (group1["cases"], group1["total_balance"], group1["mean_balance"]) == (
        2,
        "600.00",
        "300.00",
    )
    assert (group1["benchmark"], group1["benchmark_mean_balance"]) == ("产科1组", "300.00")
    group2 = channel(rows, MARCH, "产科2组", "vaginal")
    assert (group2["mean_balance"], group2["benchmark"]) == ("-400.00", "产科1组")
    caesareans = channel(rows, MARCH, "产科2组", "caesarean")
    assert (caesareans["mean_balance"], caesareans["benchmark"]) == ("-1000.00", "产科2组")
    complication = channel(rows, MARCH, "产科2组", "complication")
    assert complication["benchmark"] is None  # all balance to zero: nothing to compare
    assert (complication["wrong_channel_cases"], complication["recoverable"]) == (1, "15100.00")
    group2_all = channel(rows, MARCH, "产科2组", "*")
    assert (group2_all["cases"], group2_all["total_balance"], group2_all["overspend"]) == (
        3,
        "-1400.00",
        "1400.00",
    )
    march = channel(rows, MARCH, "*", "*")
    assert (march["cases"], march["total_balance"], march["overspend"]) == (
        6,
        "-2300.00",
        "2900.00",
    )
    total = channel(rows, "*", "*", "*")
    assert (total["cases"], total["total_balance"], total["recoverable"]) == (
        10,
        "-6500.00",
        "15100.00",
    )
    assert (rows.channels[-1].month, rows.channels[-1].key, rows.channels[-1].channel) == ("*",) * 3


def test_each_groups_three_largest_losses_with_their_costs() -> None:
    rows = report(cases())
    april = [case for case in rows.top_overspend if case.month == APRIL]
    assert [(case.rank, case.balance) for case in april] == [
        (1, Decimal("-2500.00")),
        (2, Decimal("-1100.00")),
        (3, Decimal("-400.00")),
    ]
    worst = april[0]
    assert (worst.drugs, worst.materials, worst.examinations) == (
        Decimal("1900.00"),
        Decimal("300.00"),
        Decimal("200.00"),  # 检查 150 + 化验 50
    )
    march_group1 = [c.id for c in rows.top_overspend if (c.month, c.key) == (MARCH, "产科1组")]
    assert len(march_group1) == 1  # only its caesarean lost money


def test_overspend_is_allocated_60_40_to_the_cent() -> None:
    rows = report(cases())
    march = [(a.department, a.amount) for a in rows.allocations if (a.month, a.key) == (MARCH, "*")]
    assert march == [("anaesthesia-surgery", Decimal("1740.00")), ("clinical", Decimal("1160.00"))]


@pytest.mark.parametrize(
    ("amount", "shares", "parts"),
    [
        ("0.05", "a:0.6;b:0.4", ["0.03", "0.02"]),
        ("0.01", "a:0.6;b:0.4", ["0.01", "0.00"]),
        ("100.00", "a:0.3333;b:0.3333;c:0.3334", ["33.33", "33.33", "33.34"]),
        ("0.02", "a:0.5;b:0.5", ["0.01", "0.01"]),
        ("0.03", "a:0.5;b:0.5", ["0.02", "0.01"]),  # a tie goes to the first listed
    ],
)
def test_allocation_by_largest_remainder(amount: str, shares: str, parts: list[str]) -> None:
    assert allocate(Decimal(amount), parse_shares(shares)) == [Decimal(p) for p in parts]


def test_wrong_channel_cases_are_listed_with_the_amount_to_recover() -> None:
    [wrong] = report(cases()).wrong_channel
    assert (wrong.month, wrong.key, wrong.rule) == (
        MARCH,
        "产科2组",
        "jiangsu-maternity.wrong-channel",
    )
    assert wrong.difference == Decimal("15100.00")


def manager() -> PluginManager:
    manager = PluginManager(autoload=False, strict=True)
    manager.register(plugin, "jiangsu-maternity", "medins-plugin-jiangsu-maternity", __version__)
    return manager


def run(tmp_path: Path, *options: str, extra: Sequence[Encounter] = ()) -> tuple[int, str, str]:
    source = tmp_path / "deliveries.jsonl"
    source.write_text("".join(e.model_dump_json() + "\n" for e in [*cases(), *extra]), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["report", "maternity", str(source), *options], plugins=manager(), stdout=out, stderr=err
    )
    return code, out.getvalue(), err.getvalue()


def test_the_command_writes_every_section_as_json_lines(tmp_path: Path) -> None:
    antenatal = coded_encounter("O14.100", index=99)
    code, out, err = run(tmp_path, extra=[antenatal])
    assert code == 1
    rejected, summary = err.splitlines()
    assert json.loads(rejected)["id"] == antenatal.id
    assert "not a delivery" in json.loads(rejected)["reason"]
    assert summary == "11 read, 10 ok, 1 rejected"
    kinds = [json.loads(line)["kind"] for line in out.splitlines()]
    assert kinds.index("top-overspend") > kinds.index("channel")
    assert {"channel", "top-overspend", "allocation", "wrong-channel"} <= set(kinds)
    assert json.loads(out.splitlines()[kinds.index("top-overspend") - 1])["month"] == "*"


def test_the_command_writes_tables(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, "--format", "table", "--by", "doctor")
    assert code == 0
    assert "通道汇总 channels" in out
    assert "大病孕产妇备案 filed cases\n(none)" in out
    assert "anaesthesia-surgery" in out


def test_shares_and_a_register_change_the_figures(tmp_path: Path) -> None:
    haemorrhage = coded_delivery(["O80.000", "O72.100"], cost="9000.00", index=42)
    register = tmp_path / "register.csv"
    register.write_text(f"结算ID,产后出血量\n{haemorrhage.id},1500\n", "utf-8")
    code, out, _ = run(
        tmp_path,
        "--register",
        str(register),
        "--shares",
        "anaesthesia-surgery:0.5;clinical:0.5",
        extra=[haemorrhage],
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    complications = [r for r in rows if r["kind"] == "channel" and r["channel"] == "complication"]
    assert complications[-1]["cases"] == 2  # the registered 1,500 mL makes it count
    shares = {r["share"] for r in rows if r["kind"] == "allocation"}
    assert shares == {"0.5"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--shares", "anaesthesia-surgery:0.7"],
            "--shares: shares 'anaesthesia-surgery:0.7' sum to 0.7, not 1",
        ),
        (["--register", "missing.csv"], "cannot read the delivery register"),
    ],
)
def test_bad_options_stop_before_reading(tmp_path: Path, options: list[str], message: str) -> None:
    code, out, err = run(tmp_path, *options)
    assert (code, out) == (2, "")
    assert message in err


def test_a_register_with_bad_lines_names_every_one() -> None:
    text = "id,blood_loss_ml,filed\nA,abc,1\nB,,maybe\nC,1200.5,是\n"
    with pytest.raises(RegisterError) as raised:
        DeliveryRegister.from_csv(text, "register.csv")
    message = str(raised.value)
    assert "line 2: A blood_loss_ml 'abc' is not a volume in mL" in message
    assert "line 3: B filed 'maybe' is not 1 or 0" in message
    register = DeliveryRegister.from_csv("id,filed\nC,是\n", "ok.csv")
    assert register["C"] == RegisterEntry(None, True)
    assert "D" not in register

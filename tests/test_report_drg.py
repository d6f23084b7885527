"""The DRG case-mix report: hand-computed figures, benchmark tables, and ``medins report drg``.

The small worked example (five cases, two benchmarked DRGs) is computed by hand in the
comments, to the cent and to four places, so every formula of REFERENCE §3 is pinned down:
CMI = Σ RW ÷ weighted cases; consumption index = mean ÷ regional mean per DRG, case-weighted
above the DRG.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medins_sdk.cli import main
from medins_sdk.codes import Gender
from medins_sdk.io import Record, read_records
from medins_sdk.models import GroupResult, PriceResult
from medins_sdk.plugins import PluginManager
from medins_sdk.reports.drg import (
    BY,
    TOTAL_KEY,
    Benchmark,
    BenchmarkError,
    CaseFacts,
    DrgReportRow,
    ReportBy,
    case_facts,
    drg_report,
)
from medins_sdk.synthetic import coded_encounter

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
BEIJING_SRC = ROOT / "plugins" / "beijing-drg" / "src"
SCHEME = "beijing-drg-2022"

BENCHMARK = Benchmark.from_csv(
    "code,name,mean_cost,mean_los\nLC19,输尿管手术,10000,5\nOB19,剖宫产术,8000.00,4\n", "b.csv"
)


def facts(
    id: str,
    group: str | None,
    cost: str,
    payment: str,
    *,
    weight: str | None = None,
    status: str | None = "grouped",
    stay: int | None = None,
    department: str | None = None,
    doctor: str | None = None,
    diagnosis: str | None = None,
    outlier: str | None = None,
) -> CaseFacts:
    return CaseFacts(
        id=id,
        status=status,  # type: ignore[arg-type]
        group=group,
        group_name=None if group is None else f"{group} 名称",
        weight=None if weight is None else Decimal(weight),
        total_cost=Decimal(cost),
        payment=Decimal(payment),
        balance=Decimal(payment) - Decimal(cost),
        outlier=outlier,  # type: ignore[arg-type]
        length_of_stay=stay,
        department=department,
        doctor=doctor,
        diagnosis=diagnosis,
    )


CASES = [
    facts("A", "LC19", "12000", "10000", weight="1.2", stay=6, department="A01", doctor="D1",
          diagnosis="N20.100", outlier="high"),
    facts("B", "LC19", "9000", "10000", weight="1.2", stay=4, department="A01", doctor="D2",
          diagnosis="N20.000"),
    facts("C", "OB19", "7000", "8500", weight="0.53", stay=5, department="A02", doctor="D1",
          diagnosis="O82.000"),
    facts("D", "LQY", "3000", "3000", status="ambiguous", stay=2, department="A02",
          doctor="D3", diagnosis="N39.000", outlier="low"),
    facts("E", None, "1000", "1000", status="ungroupable"),
]  # fmt: skip
"""Five cases: two LC19, one OB19 (both benchmarked), one ambiguous, one ungroupable."""


def by_key(rows: list[DrgReportRow]) -> dict[str, DrgReportRow]:
    return {row.key: row for row in rows}


def test_group_rows_computed_by_hand() -> None:
    rows = drg_report(CASES, "group", BENCHMARK)
    assert [row.key for row in rows] == ["-", "LC19", "LQY", "OB19", TOTAL_KEY]
    lc19 = by_key(rows)["LC19"]
    assert (lc19.label, lc19.cases, lc19.weighted_cases, lc19.cmi) == (
        "LC19 名称",
        2,
        2,
        Decimal("1.2000"),
    )
    assert (lc19.total_cost, lc19.mean_cost, lc19.mean_los) == (
        Decimal("21000"),
        Decimal("10500.00"),
        Decimal("5.00"),
    )
    assert lc19.cost_index == Decimal("1.0500")  # 10500 ÷ 10000
    assert lc19.time_index == Decimal("1.0000")  # 5 ÷ 5
    assert (lc19.total_payment, lc19.total_balance) == (Decimal("20000"), Decimal("-1000"))
    ob19 = by_key(rows)["OB19"]
    assert (ob19.cost_index, ob19.time_index) == (Decimal("0.8750"), Decimal("1.2500"))
    ambiguous, ungroupable = by_key(rows)["LQY"], by_key(rows)["-"]
    assert (ambiguous.cmi, ambiguous.cost_index, ambiguous.ungrouped) == (None, None, 1)
    assert (ungroupable.label, ungroupable.mean_los, ungroupable.ungrouped) == ("未入组", None, 1)


def test_total_row_computed_by_hand() -> None:
    total = drg_report(CASES, "group", BENCHMARK)[-1]
    assert (total.key, total.label, total.cases, total.weighted_cases) == ("*", "全院", 5, 3)
    assert total.cmi == Decimal("0.9767")  # (1.2 + 1.2 + 0.53) ÷ 3 = 0.97666…
    assert total.mean_cost == Decimal("6400.00")  # 32000 ÷ 5
    assert total.mean_los == Decimal("4.25")  # (6 + 4 + 5 + 2) ÷ 4 cases with a stay
    assert total.cost_index == Decimal("0.9917")  # (2 × 1.05 + 1 × 0.875) ÷ 3 = 0.99166…
    assert total.time_index == Decimal("1.0833")  # (2 × 1 + 1 × 1.25) ÷ 3 = 1.08333…
    assert (total.total_payment, total.total_balance) == (Decimal("32500"), Decimal("500"))
    assert (total.high_outliers, total.low_outliers, total.ungrouped) == (1, 1, 2)


def test_department_and_doctor_rows_weight_their_groups() -> None:
    departments = by_key(drg_report(CASES, "department", BENCHMARK))
    assert list(departments) == ["-", "A01", "A02", "*"]
    a02 = departments["A02"]  # OB19 (benchmarked) and an ambiguous case (not)
    assert (a02.cases, a02.weighted_cases, a02.cmi, a02.mean_cost) == (
        2,
        1,
        Decimal("0.5300"),
        Decimal("5000.00"),
    )
    assert (a02.cost_index, a02.time_index, a02.label) == (
        Decimal("0.8750"),
        Decimal("1.2500"),
        None,
    )
    assert departments["-"].label == "未填出院科别"
    d1 = by_key(drg_report(CASES, "doctor", BENCHMARK))["D1"]  # one LC19, one OB19
    assert d1.cost_index == Decimal("1.0375")  # (1.2 + 0.875) ÷ 2
    assert d1.time_index == Decimal("1.2250")  # (6 ÷ 5 + 5 ÷ 4) ÷ 2


def test_without_a_benchmark_there_are_no_indices() -> None:
    for row in drg_report(CASES, "group"):
        assert (row.cost_index, row.time_index) == (None, None)
        assert "cost_index" not in row.model_dump_json(exclude_none=True)


def test_means_round_half_up_once() -> None:
    cases = [facts("A", "LC19", "100.00", "0", weight="1"), facts("B", "LC19", "100.01", "0")]
    row = drg_report(cases, "group", BENCHMARK)[0]
    assert row.mean_cost == Decimal("100.01")  # 100.005: half up, not half even
    assert row.cost_index == Decimal("0.0100")  # 200.01 ÷ 2 ÷ 10000 = 0.0100005
    assert row.cmi == Decimal("1.0000")  # only A has a weight


def test_diagnosis_rows_are_labelled_from_the_icd_table() -> None:
    rows = by_key(drg_report([c for c in CASES if c.group == "LC19"], "diagnosis"))
    assert list(rows) == ["N20.000", "N20.100", "*"]
    assert rows["N20.100"].label == "输尿管结石"


def test_case_facts_take_codes_not_names() -> None:
    encounter = coded_encounter("N20.100", (), "56.0x00x008", index=3)
    info = encounter.settlement_list.info
    grouping = GroupResult(
        id=encounter.id, scheme="s", status="grouped", group="LC19", group_name="输尿管手术"
    )
    price = PriceResult(
        id=encounter.id,
        scheme="s",
        group="LC19",
        weight=Decimal("1.51"),
        total_cost=Decimal("10000.00"),
        payment=Decimal("30876.00"),
        balance=Decimal("20876.00"),
        method="drg",
    )
    case = case_facts(encounter, grouping, price)
    assert (case.group, case.group_name, case.weight) == ("LC19", "输尿管手术", Decimal("1.51"))
    assert (case.diagnosis, case.length_of_stay) == ("N20.100", 5)
    assert (case.department, case.doctor) == (info.discharge_dept, info.attending_doctor_code)
    assert info.attending_doctor_name is not None
    assert info.attending_doctor_name not in repr(case)
    assert (case.status, case.balance, case.ungrouped) == ("grouped", Decimal("20876.00"), False)
    unscheme = case_facts(encounter, None, price)
    assert (unscheme.status, unscheme.group, unscheme.group_name) == (None, "LC19", None)


def test_benchmark_reads_chinese_headers_and_optional_columns() -> None:
    table = Benchmark.from_csv(
        "\ufeffDRG编码,DRG名称,例均费用,平均住院日,病例数\nLC19,输尿管手术,25000.00,5.5,1200\n",
        "bj.csv",
    )
    lc19 = table["LC19"]
    assert (lc19.name, lc19.mean_cost, lc19.mean_los, lc19.cases) == (
        "输尿管手术",
        Decimal("25000.00"),
        Decimal("5.5"),
        1200,
    )
    assert Benchmark.from_csv("code,mean_los,mean_cost\nLC19,5,100\n", "t")["LC19"].cases is None


def test_every_bad_benchmark_line_is_reported_with_its_number() -> None:
    text = (
        "code,mean_cost,mean_los,cases\n"
        "LC19,25000,5.5,\n"
        "LC19,1,1,\n"
        "OB19,0,4,\n"
        ",1,1,\n"
        "\n"
        "AB12,12.345,x,\n"
        "EF19,100,3,many\n"
        "GH19,1e400,NaN,\n"
    )
    with pytest.raises(BenchmarkError) as error:
        Benchmark.from_csv(text, "bad.csv")
    message = str(error.value)
    assert message.startswith("bad.csv: line 3: LC19 is listed twice; ")
    assert "line 4: OB19 mean cost '0' is not a positive amount" in message
    assert "line 5: no group code" in message
    assert "line 7: AB12 mean cost '12.345'" in message
    assert "mean length of stay 'x'" in message
    assert "line 8: EF19 cases 'many' is not a whole number" in message
    assert "line 9: GH19 mean cost '1e400'" in message
    assert "line 2" not in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty benchmark table"), ("code,mean_cost\n", "lacks columns (mean_los: mean_los /")],
)
def test_unusable_benchmark_headers(text: str, fragment: str) -> None:
    with pytest.raises(BenchmarkError, match=fragment.replace("(", r"\(")):
        Benchmark.from_csv(text, "t.csv")


money = st.decimals(min_value=0, max_value=10**6, places=2)
case_strategy = st.builds(
    facts,
    id=st.just("X"),
    group=st.sampled_from([None, "LC19", "OB19", "LQY"]),
    cost=money.map(str),
    payment=money.map(str),
    weight=st.none() | st.decimals(min_value=0, max_value=20, places=2).map(str),
    status=st.sampled_from([None, "grouped", "ambiguous", "ungroupable"]),
    stay=st.none() | st.integers(0, 400),
    department=st.sampled_from([None, "A01", "A02", "A03.06"]),
    doctor=st.sampled_from([None, "D1", "D2"]),
    diagnosis=st.sampled_from([None, "N20.100", "O82.000"]),
    outlier=st.sampled_from([None, "high", "low"]),
)


@given(
    cases=st.lists(case_strategy, max_size=30),
    by=st.sampled_from(BY),
    benchmark=st.sampled_from([None, BENCHMARK]),
    data=st.data(),
)
def test_the_total_row_adds_up_the_others(
    cases: list[CaseFacts], by: ReportBy, benchmark: Benchmark | None, data: st.DataObject
) -> None:
    *rows, total = drg_report(cases, by, benchmark)
    assert total.key == TOTAL_KEY
    assert [row.key for row in rows] == sorted({row.key for row in rows})
    assert total.cases == sum(row.cases for row in rows) == len(cases)
    assert total.total_balance == sum(row.total_balance for row in rows)
    assert total.total_balance == total.total_payment - total.total_cost
    assert total.ungrouped == sum(row.ungrouped for row in rows)
    shuffled = data.draw(st.permutations(cases))
    assert drg_report(shuffled, by, benchmark) == [*rows, total]


@pytest.fixture(scope="module")
def beijing() -> PluginManager:
    """The core and the Beijing plugin from this checkout's source (installed or not)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BEIJING_SRC))
        plugin = pytest.importorskip("medins_plugin_beijing_drg.plugin")
    manager = PluginManager(autoload=False)
    manager.register(plugin, "beijing-drg")
    if SCHEME not in manager.registry.schemes:
        pytest.skip(f"scheme {SCHEME} is not registered: {manager.plugins}")
    return manager


def run(manager: PluginManager, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["report", "drg", *argv], plugins=manager, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_report_on_the_samples(beijing: PluginManager) -> None:
    code, out, err = run(beijing, "--scheme", SCHEME, str(SAMPLES / "encounters.jsonl"))
    assert code == 1  # two records of the file are not encounters
    summary = err.splitlines()[-1]
    assert summary == "9 read, 7 ok, 2 rejected"
    *rows, total = jsonl(out)
    assert (total["key"], total["label"], total["cases"]) == ("*", "全院", 7)
    assert sum(row["cases"] for row in rows) == 7
    assert Decimal(total["total_balance"]) == sum(Decimal(row["total_balance"]) for row in rows)
    assert "cost_index" not in total


def test_report_by_doctor_shows_codes_only(beijing: PluginManager) -> None:
    code, out, _ = run(
        beijing, "--scheme", SCHEME, "--by", "doctor", str(SAMPLES / "encounters.jsonl")
    )
    assert code == 1
    records = read_records([SAMPLES / "encounters.jsonl"], beijing.registry.formats.values())
    infos = [
        record.encounter().settlement_list.info
        for record in records
        if isinstance(record, Record) and record.kind == "encounter"
    ]
    names = {info.attending_doctor_name for info in infos if info.attending_doctor_name}
    assert names
    for name in names:
        assert name not in out
    assert all(row["key"].startswith("D") for row in jsonl(out)[:-1])


def lc19_file(tmp_path: Path) -> Path:
    """Three LC19 cases over two principal diagnoses, and a caesarean (OB19) to filter out."""
    encounters = [
        coded_encounter("N20.100", (), "56.0x00x008", cost=Decimal(32000), stay=6, index=1),
        coded_encounter("N20.100", (), "56.0x00x008", cost=Decimal(28000), stay=4, index=2),
        coded_encounter("N13.502", (), "56.0x00x008", cost=Decimal(40000), stay=8, index=3),
        coded_encounter("O82.000", (), "74.1x01", gender=Gender.FEMALE, age=30, index=4),
    ]
    path = tmp_path / "lc19.jsonl"
    path.write_text("".join(e.model_dump_json() + "\n" for e in encounters), encoding="utf-8")
    return path


def lc19_report(beijing: PluginManager, tmp_path: Path, *options: str) -> list[str]:
    benchmark = tmp_path / "benchmark.csv"
    benchmark.write_text("DRG编码,例均费用,平均住院日\nLC19,25000,5.5\n", encoding="utf-8")
    code, out, err = run(
        beijing,
        "--scheme",
        SCHEME,
        "--benchmark",
        str(benchmark),
        "--group",
        "LC19",
        "--by",
        "diagnosis",
        *options,
        str(lc19_file(tmp_path)),
    )
    assert code == 0, err
    assert err == "4 read, 4 ok, 0 rejected\n"
    return out.splitlines()


def test_lc19_losses_by_principal_diagnosis(beijing: PluginManager, tmp_path: Path) -> None:
    # LC19 pays 30876.00 (RW 1.51); the costs lie between the low and high thresholds.
    rows = {row["key"]: row for row in jsonl("\n".join(lc19_report(beijing, tmp_path)))}
    assert list(rows) == ["N13.502", "N20.100", "*"]
    stone = rows["N20.100"]
    assert (stone["label"], stone["cases"], stone["mean_cost"]) == ("输尿管结石", 2, "30000.00")
    assert stone["total_balance"] == "1752.00"  # (30876 − 32000) + (30876 − 28000)
    assert (stone["cost_index"], stone["time_index"]) == ("1.2000", "0.9091")  # ÷ 25000, 5 ÷ 5.5
    assert rows["N13.502"]["total_balance"] == "-9124.00"
    total = rows["*"]
    assert (total["cases"], total["cmi"], total["total_balance"]) == (3, "1.5100", "-7372.00")
    assert (total["cost_index"], total["time_index"]) == ("1.3333", "1.0909")


def test_table_format(beijing: PluginManager, tmp_path: Path) -> None:
    header, rule, *lines = lc19_report(beijing, tmp_path, "--format", "table")
    assert header.split()[:3] == ["key", "label", "cases"]
    assert set(rule) <= {"-", " "}
    assert [line.split()[0] for line in lines] == ["N13.502", "N20.100", "*"]
    assert "-7372.00" in lines[-1]


def test_usage_errors_come_before_any_record(beijing: PluginManager, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,mean_cost,mean_los\nLC19,lots,5\nOB19,1,1\nOB19,1,1\n", encoding="utf-8")
    samples = str(SAMPLES / "encounters.jsonl")
    code, out, err = run(beijing, "--scheme", SCHEME, "--benchmark", str(bad), samples)
    assert (code, out) == (2, "")
    assert "line 2: LC19 mean cost 'lots'" in err
    assert "line 4: OB19 is listed twice" in err
    assert " read, " not in err
    code, _, err = run(
        beijing, "--scheme", SCHEME, "--benchmark", str(tmp_path / "no.csv"), samples
    )
    assert code == 2
    assert "cannot read the benchmark" in err
    code, _, err = run(beijing, "--scheme", "nowhere-drg", samples)
    assert code == 2
    with pytest.raises(SystemExit) as exit_info:
        run(beijing, "--scheme", SCHEME, "--by", "ward", samples)
    assert exit_info.value.code == 2

"""Reconciliation: seed 002's day as the worked example, the properties, the readers, the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from medins_plugin_example_clearing import seed002

from medins_sdk.cli import main
from medins_sdk.io.output import write_json_line
from medins_sdk.plugins import PluginManager
from medins_sdk.reconcile import columnar
from medins_sdk.reconcile.categories import Categories
from medins_sdk.reconcile.compare import reconcile
from medins_sdk.reconcile.lines import RowKey, StatementLine
from medins_sdk.reconcile.report import monthly_report
from medins_sdk.reconcile.statements import collect
from medins_sdk.reconcile.totals import balanced_3201, request_3201, sums_by_key
from medins_sdk.testing.reconcile import Change, single_changes, statement_sides

LINES = seed002.settlements()
DAY = {line.setl_id: line for line in LINES}
CATEGORIES = Categories(PluginManager().registry.clearing_categories.values())
needs_polars = pytest.mark.skipif(not columnar.available(), reason="Polars not installed")


def run(argv: Sequence[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write_jsonl(path: Path, lines: Sequence[StatementLine]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for line in lines:
            write_json_line(handle, line)
    return path


# -- seed 002's day ----------------------------------------------------------------------


def test_the_generated_day_reproduces_the_seed_table() -> None:
    totals = sums_by_key(LINES)
    assert len(totals) == len(seed002.ROWS) == 10
    for row in seed002.ROWS:
        got = totals[row.key]
        assert (got.medfee_sumamt, got.fund_pay_sumamt, got.acct_pay, got.setl_cnt) == (
            row.total,
            row.fund,
            row.account,
            row.count,
        )
    assert all(
        line.total == sum(line.amounts[1:]) + (line.total - sum(line.amounts[1:])) for line in LINES
    )


def test_seed_002_balances_row_by_row() -> None:
    result = reconcile(DAY, dict(DAY), CATEGORIES, detail=True)
    *rows, total = result.rows
    assert len(rows) == 10
    assert all(row.balanced for row in rows)
    assert total.level == "total"
    assert total.balanced
    assert result.balanced
    assert total.bureau.figures() == seed002.GRAND_TOTAL
    names = {row.clr_type_name for row in rows}
    assert names == {"门诊", "住院", "省本机关", "省本企业", "异地门诊", "异地住院"}


def test_one_removed_and_one_changed_are_exactly_found() -> None:
    bureau = dict(DAY)
    removed = LINES[7]  # a 省本机关 settlement the bureau does not have
    del bureau[removed.setl_id]
    changed = LINES[300]
    bureau[changed.setl_id] = changed.model_copy(
        update={
            "total": changed.total + Decimal("0.01"),
            "fund_total": changed.fund_total + Decimal("0.01"),
        }
    )
    result = reconcile(DAY, bureau, CATEGORIES)
    unbalanced = [row for row in result.rows if not row.balanced]
    assert [(r.key, r.difference.setl_cnt) for r in unbalanced[:-1]] == sorted(
        [(removed.key, 1), (changed.key, 0)]
    )
    found = {(d.kind, d.setl_id, d.more, d.by, d.action) for d in result.differences}
    assert found == {
        ("hospital_only", removed.setl_id, "hospital", removed.total, "reupload_or_refund"),
        ("amount_mismatch", changed.setl_id, "bureau", Decimal("0.01"), "correct"),
    }


def test_the_cli_prints_seed_002s_table(tmp_path: Path) -> None:
    hospital = write_jsonl(tmp_path / "hospital.jsonl", LINES)
    code, out, err = run(
        ["reconcile", "--hospital", str(hospital), "--bureau", str(hospital), "--format", "table"]
    )
    assert code == 0, err
    body = out.splitlines()[2:]
    assert len(body) == 11
    assert all(" 平" in line for line in body)
    assert "411389.58" in body[-1]
    assert "237634.89" in body[-1]
    assert "38845.84" in body[-1]
    assert "686" in body[-1]
    assert "省本机关" in out
    assert "hospital: 686 read, 686 in period, 0 outside, 0 rejected" in err


def test_the_cli_finds_the_two_differences_and_exits_3(tmp_path: Path) -> None:
    hospital = write_jsonl(tmp_path / "hospital.jsonl", LINES)
    bureau_lines = [line for line in LINES if line.setl_id != LINES[7].setl_id]
    bureau_lines[0] = bureau_lines[0].model_copy(update={"account_pay": Decimal("1.00")})
    bureau = write_jsonl(tmp_path / "bureau.jsonl", bureau_lines)
    code, out, _ = run(
        ["reconcile", "--hospital", str(hospital), "--bureau", str(bureau), "--detail"]
    )
    assert code == 3
    records = [json.loads(line) for line in out.splitlines()]
    rows = [r for r in records if "level" in r]
    differences = [r for r in records if "kind" in r]
    assert len(rows) == 11
    assert rows[-1]["balanced"] is False
    assert {d["kind"] for d in differences} == {"hospital_only", "amount_mismatch"}
    assert set(rows[0]) >= {"insutype", "setl_optins", "clr_type", "hospital", "bureau", "balanced"}
    assert set(rows[0]["hospital"]) == {"medfee_sumamt", "fund_pay_sumamt", "acct_pay", "setl_cnt"}


def test_monthly_report_sections_add_up_to_the_total() -> None:
    report = monthly_report(reconcile(DAY, dict(DAY), CATEGORIES).rows, CATEGORIES)
    groups = {(r.dimension, r.value): r.hospital.medfee_sumamt for r in report}
    assert groups[("category", "异地")] == Decimal("4400.26") + Decimal("4129.18") + Decimal(
        "40176.29"
    ) + Decimal("12857.94")
    assert groups[("insutype", "310")] + groups[("insutype", "390")] == seed002.GRAND_TOTAL[0]
    assert (
        groups[("setl_optins", seed002.PROVINCIAL)] + groups[("setl_optins", seed002.MUNICIPAL)]
        == seed002.GRAND_TOTAL[0]
    )
    assert [r.value for r in report if r.dimension == "total"] == ["合计"] * 3
    labels = {r.label for r in report if r.dimension == "insutype"}
    assert labels == {"职工基本医疗保险", "城乡居民基本医疗保险"}


def test_3201_request_and_answer() -> None:
    row = seed002.ROWS[0]
    totals = sums_by_key(LINES)[row.key]
    sent = request_3201(row.key, totals, seed002.DAY, seed002.DAY)
    assert sent["medfee_sumamt"] == "7645.80"
    assert sent["fixmedins_setl_cnt"] == 42
    assert balanced_3201({"infcode": 0, "output": {"stmtinfo": {"stmt_rslt": "0"}}})
    assert balanced_3201({"stmt_rslt": "000000"})
    assert not balanced_3201({"stmt_rslt": "1"})
    assert not balanced_3201({"stmt_rslt": "0"}, codes=("000000",))


# -- properties --------------------------------------------------------------------------


@given(statement_sides())
def test_identical_sides_balance(side: dict[str, StatementLine]) -> None:
    result = reconcile(side, dict(side))
    assert result.balanced
    assert not result.differences


@given(statement_sides().flatmap(single_changes))
def test_any_single_change_is_found_located_and_classified(
    case: tuple[dict[str, StatementLine], dict[str, StatementLine], Change],
) -> None:
    hospital, bureau, change = case
    result = reconcile(hospital, bureau)
    assert [(d.setl_id, d.kind) for d in result.differences] == [(change.setl_id, change.expected)]
    assert not result.balanced
    line = hospital.get(change.setl_id) or bureau[change.setl_id]
    unbalanced = {row.key for row in result.rows[:-1] if not row.balanced}
    if change.kind != "refund_flag":
        assert line.key in unbalanced or (
            change.kind == "category"
            and RowKey(line.key.insutype, line.key.setl_optins, "99") in unbalanced
        )


@given(statement_sides())
def test_totals_from_detail_equal_totals_of_the_rows(side: dict[str, StatementLine]) -> None:
    rows = reconcile(side, {}).rows
    assert rows[-1].hospital.medfee_sumamt == sum(
        (line.total for line in side.values()), Decimal("0.00")
    )
    assert rows[-1].hospital.setl_cnt == len(side)


@needs_polars
@given(statement_sides().flatmap(single_changes))
def test_the_columnar_path_gives_the_same_result(
    case: tuple[dict[str, StatementLine], dict[str, StatementLine], Change],
) -> None:
    hospital, bureau, _ = case
    assert columnar.reconcile_lines(hospital, bureau, CATEGORIES) == reconcile(
        hospital, bureau, CATEGORIES
    )


@needs_polars
def test_the_columnar_path_keys_a_3202_file_like_the_hospital() -> None:
    bureau = {
        k: v.model_copy(
            update={
                "insurance_type": None,
                "clearing_type": None,
                "settlement_agency": None,
                "settlement_time": None,
            }
        )
        for k, v in DAY.items()
    }
    del bureau[LINES[0].setl_id]
    assert columnar.reconcile_lines(DAY, bureau, CATEGORIES) == reconcile(DAY, bureau, CATEGORIES)


@pytest.mark.parametrize("engine", ["python", pytest.param("columnar", marks=needs_polars)])
def test_output_is_deterministic_and_engine_independent(tmp_path: Path, engine: str) -> None:
    hospital = write_jsonl(tmp_path / "h.jsonl", LINES)
    bureau = write_jsonl(tmp_path / "b.jsonl", LINES[5:])
    argv = ["reconcile", "--hospital", str(hospital), "--bureau", str(bureau), "--detail"]
    first = run([*argv, "--engine", engine])
    assert first == run([*argv, "--engine", engine]) == run([*argv, "--engine", "python"])
    assert first[0] == 3


# -- reading the sides -------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_csv_with_chinese_headers_and_a_3202_file(tmp_path: Path) -> None:
    csv_file = write_csv(
        tmp_path / "bureau.csv",
        [
            "结算ID",
            "险种类型",
            "清算经办机构",
            "清算类别",
            "医疗费总额",
            "基金支付总额",
            "个人账户支出",
        ],
        [["S1", "310", "360199", "11", "100.00", "60.00", "10.00"]],
    )
    tsv = tmp_path / "3202.txt"
    tsv.write_text("S1\tM1\tP1\t100.00\t60.00\t10.00\t0\t0\n", encoding="utf-8")
    hospital = write_jsonl(
        tmp_path / "h.jsonl",
        [
            StatementLine(
                setl_id="S1",
                insurance_type="310",
                settlement_agency="360199",
                clearing_type="11",
                total=Decimal("100.00"),
                fund_total=Decimal("60.00"),
                account_pay=Decimal("10.00"),
            )
        ],
    )
    for bureau in (csv_file, tsv):
        code, out, err = run(["reconcile", "--hospital", str(hospital), "--bureau", str(bureau)])
        assert code == 0, err
        assert json.loads(out.splitlines()[0])["clr_type_name"] == "门诊"


def test_bad_records_are_rejected_with_id_path_and_reason(tmp_path: Path) -> None:
    bureau = write_csv(
        tmp_path / "bureau.csv",
        ["setl_id", "psn_name", "certno", "medfee_sumamt", "fund_pay_sumamt", "acct_pay"],
        [
            ["S1", "张三丰", "110101199001011234", "100.00", "60.00", "10.00"],
            ["S2", "张三丰", "110101199001011234", "12.345", "1.00", "1.00"],
            ["S1", "张三丰", "110101199001011234", "100.00", "60.00", "10.00"],
        ],
    )
    hospital = write_jsonl(tmp_path / "h.jsonl", [])
    code, _, err = run(["reconcile", "--hospital", str(hospital), "--bureau", str(bureau)])
    assert code == 1
    rejected = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [(r["id"], r["path"]) for r in rejected] == [("S2", "medfee_sumamt"), ("S1", "setl_id")]
    assert "listed twice (first at" in rejected[1]["reason"]
    assert "bureau: 3 read, 1 in period, 0 outside, 2 rejected" in err
    assert "张三丰" not in err
    assert "19900101" not in err


def test_periods_and_usage_errors(tmp_path: Path) -> None:
    hospital = write_jsonl(tmp_path / "h.jsonl", LINES)
    argv = ["reconcile", "--hospital", str(hospital), "--bureau", str(hospital)]
    code, _out, err = run([*argv, "--from", "2022-11-16"])
    assert code == 0
    assert "686 outside" in err
    assert run([*argv, "--from", "2022-13-01"])[0] == 2
    assert run([*argv, "--from", "2022-11-16", "--to", "2022-11-15"])[0] == 2
    assert (
        run(["reconcile", "--hospital", str(tmp_path / "nope.jsonl"), "--bureau", str(hospital)])[0]
        == 2
    )
    assert run([*argv, "--bureau-format", "nope"])[0] == 2


def test_the_monthly_report_from_the_cli(tmp_path: Path) -> None:
    hospital = write_jsonl(tmp_path / "h.jsonl", LINES)
    code, out, _ = run(
        [
            "reconcile",
            "--hospital",
            str(hospital),
            "--bureau",
            str(hospital),
            "--report",
            "--format",
            "table",
        ]
    )
    assert code == 0
    assert "异地" in out
    assert "城乡居民基本医疗保险" in out
    assert out.count("合计") == 3


def test_collect_keeps_lines_in_the_period() -> None:
    side = collect("hospital", LINES, seed002.DAY, seed002.DAY)
    assert len(side.lines) == 686
    assert side.read == 686
    assert not side.rejected


# -- the ledger from the command line -----------------------------------------------------


def test_ledger_import_export_and_reconcile(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "day.jsonl", LINES)
    ledger = str(tmp_path / "ledger.db")
    code, _, err = run(["ledger", "import", str(source), "--ledger", ledger])
    assert code == 0
    assert "686 read, 686 ok, 0 rejected" in err
    assert run(["ledger", "import", str(source), "--ledger", ledger])[0] == 0  # no-op
    code, exported, _ = run(
        ["ledger", "export", "--ledger", ledger, "--from", "2022-11-15", "--to", "2022-11-15"]
    )
    assert code == 0
    assert sorted(exported.splitlines()) == sorted(source.read_text(encoding="utf-8").splitlines())
    code, out, _ = run(["reconcile", "--hospital", ledger, "--bureau", str(source), "--detail"])
    assert code == 0
    assert json.loads(out.splitlines()[-1])["balanced"] is True
    code, out, _ = run(["ledger", "recover", "--ledger", ledger])
    assert code == 0
    assert json.loads(out)["clean"] is True


def test_ledger_import_rejects_conflicts(tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.db")
    run(["ledger", "import", str(write_jsonl(tmp_path / "a.jsonl", LINES[:2])), "--ledger", ledger])
    conflicting = [LINES[0].model_copy(update={"account_pay": Decimal("0.00")})]
    code, _, err = run(
        [
            "ledger",
            "import",
            str(write_jsonl(tmp_path / "b.jsonl", conflicting)),
            "--ledger",
            ledger,
        ]
    )
    assert code == 1
    assert "already recorded with other figures" in err
    assert run(["ledger", "export"])[0] == 2  # no ledger named

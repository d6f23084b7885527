"""``medins dip …`` end to end through :func:`medins_sdk.cli.main`: build a catalogue from a
history, its point values, the settlement of a period against a fund, pricing with a given
catalogue, importing a published catalogue, and the errors."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

import pytest

from medins_sdk import synthetic
from medins_sdk.cli import main
from medins_sdk.codes import icd10_insurance
from medins_sdk.grouping.dip_catalogue import DipCatalogue
from medins_sdk.grouping.dip_history import history_csv_text
from medins_sdk.models import PriceResult
from medins_sdk.plugins import PluginManager
from medins_sdk.synthetic import coded_encounter
from medins_sdk.testing import loads_exact

SAMPLES = Path(__file__).parents[1] / "samples"


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [str(a) for a in argv], plugins=PluginManager(autoload=False), stdout=out, stderr=err
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 synthetic settled cases of 2021–2023, and one bad row."""
    path = tmp_path_factory.mktemp("history") / "history.csv"
    text = history_csv_text(synthetic.dip_history(Random(11), 2000))
    path.write_text(text + "BAD1,2023,C18.799,,100.00,,,\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(history: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("catalogue")
    code, stdout, stderr = run(
        "dip", "build-catalogue", "--history", history, "--min-cases", "10", "-o", out,
        "--scheme", "test-dip", "--region", "440100",
    )  # fmt: skip
    assert code == 1, stderr  # the bad row is rejected, the rest is built
    lines = stderr.splitlines()
    assert json.loads(lines[0])["id"] == "BAD1"
    assert json.loads(lines[0])["source"].endswith("history.csv:2002")
    assert lines[-1] == "2001 read, 2000 ok, 1 rejected"
    return out, loads_exact(stdout)


def test_build_catalogue_writes_a_pack_and_reports(built: tuple[Path, dict[str, Any]]) -> None:
    out, report = built
    catalogue = DipCatalogue.load(out)
    manifest = catalogue.manifest
    assert (manifest.scheme, manifest.region, manifest.version) == ("test-dip", "440100", "2024")
    assert str(manifest.effective_from) == "2024-01-01"
    assert report["year_weights"] == {"2021": 1, "2022": 2, "2023": 7}
    assert report["core_groups"] + report["comprehensive_groups"] == len(catalogue.groups)
    assert report["budget_point_value"] == str(catalogue.point_value)


def test_the_budget_point_value_of_the_history_is_the_builders(
    built: tuple[Path, dict[str, Any]], history: Path
) -> None:
    out, report = built
    code, stdout, _ = run("dip", "point-value", "--catalogue", out, history)
    assert code == 1  # the same bad row
    result = loads_exact(stdout)
    assert (result["kind"], result["point_value"]) == ("budget", report["budget_point_value"])
    assert (result["cases"], result["ungroupable"]) == (2000, 0)


def test_a_period_settles_to_the_fund_to_the_cent(
    built: tuple[Path, dict[str, Any]], history: Path, tmp_path: Path
) -> None:
    out, _ = built
    coefficients = tmp_path / "coefficients.csv"
    coefficients.write_text("institution,coefficient\nH44010001001,1.1\nH44010003002,0.95\n")
    payments = tmp_path / "payments.jsonl"
    code, stdout, _ = run(
        "dip", "point-value", "--catalogue", out, "--fund", "12345678.90",
        "--reimbursement-ratio", "0.9", "--coefficients", coefficients,
        "--payments", payments, history,
    )  # fmt: skip
    assert code == 1
    result = loads_exact(stdout)
    assert result["amount"] == "13717421.00"  # 12345678.90 ÷ 0.9, to the cent
    assert result["total_payments"] == result["amount"]
    rows = [loads_exact(line) for line in payments.read_text().splitlines()]
    assert len(rows) == result["cases"] == 2000
    assert sum(Decimal(row["payment"]) for row in rows) == Decimal("13717421.00")
    assert {row["hospital_coefficient"] for row in rows} == {"1", "1.1", "0.95"}


def test_dip_price_takes_a_catalogue_point_value_and_coefficients(
    built: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, _ = built
    catalogue = DipCatalogue.load(out)
    group = next(g for g in catalogue.groups.values() if g.type == "core" and g.procedures)
    principal = next(
        code for code in icd10_insurance().startswith(group.diagnosis) if "+" not in code
    )
    mean = catalogue.mean_cost(group)
    encounter = coded_encounter(
        principal, (), min(group.procedures), sorted(group.procedures)[1:], cost=mean
    )
    cases = tmp_path / "cases.jsonl"
    cases.write_text(encounter.model_dump_json() + "\n", encoding="utf-8")
    coefficients = tmp_path / "coefficients.csv"
    coefficients.write_text("定点医药机构编号,医院系数\nH11010500001,1.2\n", encoding="utf-8")
    code, stdout, stderr = run(
        "dip", "price", "--catalogue", out, "--point-value", "20", "--coefficients",
        coefficients, cases,
    )  # fmt: skip
    assert (code, stderr) == (0, "1 read, 1 ok, 0 rejected\n")
    price = PriceResult.model_validate_json(stdout)
    assert (price.scheme, price.group, price.method, price.outlier) == (
        "test-dip",
        group.code,
        "dip",
        None,
    )
    assert price.payment == (group.score * Decimal("1.2") * 20).quantize(Decimal("0.01"))


def test_import_catalogue_maps_the_published_columns(tmp_path: Path) -> None:
    published = tmp_path / "目录.csv"
    published.write_text(
        "病种编码,病种名称,主要诊断编码,手术操作编码,分值\n"
        "GZ1,升结肠恶性肿瘤 右半结肠根治性切除术,C18.2,45.7302,4500\n"
        "GZ2,结肠恶性肿瘤 相关手术,C18,相关手术,3600\n",
        encoding="utf-8",
    )
    out = tmp_path / "pack"
    argv: list[str | Path] = ["dip", "import-catalogue", published, "-o", out, "--scheme", "gz"]
    argv += ["--version", "1"]
    argv += ["--effective-from", "2024-01-01", "--source-note", "a test", "--licence", "CC0-1.0"]
    code, stdout, _ = run(*argv, "--set", "overall_mean_cost=10000", "--set", "point_value=9.5")
    assert (code, stdout) == (0, "gz: 1 core groups, 1 综合病种, 0 problems\n")
    catalogue = DipCatalogue.load(out)
    assert catalogue.point_value == Decimal("9.5")
    assert catalogue.mean_cost(catalogue.groups["GZ1"]) == Decimal("45000.00")
    published.write_text("病种编码,主要诊断编码,分值\nGZ1,C18.2,x\n", encoding="utf-8")
    code, _, stderr = run(*argv)
    assert code == 1
    assert "line 2: GZ1 score 'x'" in stderr


def test_build_catalogue_reads_encounters_too(tmp_path: Path) -> None:
    code, stdout, stderr = run(
        "dip", "build-catalogue", "--history", SAMPLES / "encounters.jsonl", "-o", tmp_path
    )
    assert code == 1  # the file holds a charges and a settlement record: not encounters
    assert stderr.splitlines()[-1] == "9 read, 7 ok, 2 rejected"
    assert loads_exact(stdout)["used"] == 7
    assert DipCatalogue.load(tmp_path).manifest.scheme == "dip"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dip", "price", "x.jsonl"], "name a DIP scheme (--scheme NAME) or a catalogue"),
        (["dip", "price", "--scheme", "itemised", "x.jsonl"], "does not group and price by DIP"),
        (["dip", "point-value", "--catalogue", "nowhere", "x.csv"], "nowhere: no manifest.json"),
        (["dip", "build-catalogue", "--history", "missing.csv", "-o", "out"], "missing.csv"),
        (
            ["dip", "build-catalogue", "--history", "h.csv", "-o", "out", "--year-weights", "1:x"],
            "year_weights '1:x' is not whole numbers",
        ),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str) -> None:
    code, _, stderr = run(*argv)
    assert code == 2
    assert message in stderr


def test_a_fund_that_is_not_money_is_a_usage_error(built: tuple[Path, dict[str, Any]]) -> None:
    code, _, stderr = run("dip", "point-value", "--catalogue", built[0], "--fund", "1.001", "x")
    assert (code, stderr) == (2, "medins: --fund '1.001' is not an amount in yuan\n")

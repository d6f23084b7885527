"""The hospital report: its figures, its HTML, and the HTML drawn in a real headless browser.

Figures come from the DRG case-mix report (tested on its own), so these tests check what the
hospital report adds: breakdowns that add up to 全院, the largest overspends with a cost
structure that adds up to the cost, findings by rule and by ordering doctor, reconciliation
rows, order independence, a deterministic and escaped HTML file — and, where Chromium is
installed (``.ci/run`` installs Debian's), that every chart draws without a script error,
with a screenshot kept as an artefact (``$MEDINS_ARTIFACTS``, else the test's temp dir).
"""

from __future__ import annotations

import importlib
import io
import json
import os
import random
import re
import shutil
import subprocess
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medins_sdk import synthetic
from medins_sdk.cli import main
from medins_sdk.models import Encounter, Finding
from medins_sdk.plugins import PluginManager
from medins_sdk.reports.drg import TOTAL_KEY
from medins_sdk.reports.hospital import HospitalReport, HospitalReportData, reconciliation_rows
from medins_sdk.reports.html import render
from medins_sdk.schemes import SchemeParts

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "inpatient.jsonl"
SCHEME = "beijing-drg-2022"
CHART_IDS = (
    "balance-trend",
    "department-balance",
    "group-balance",
    "case-mix",
    "overspending",
    "findings-by-rule",
    "findings-by-doctor",
)


@pytest.fixture(scope="module")
def manager() -> PluginManager:
    manager = PluginManager(autoload=False, strict=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT / "plugins" / "beijing-drg" / "src"))
        manager.register(importlib.import_module("medins_plugin_beijing_drg.plugin"), "bj")
    return manager


@pytest.fixture(scope="module")
def parts(manager: PluginManager) -> SchemeParts:
    return manager.registry.scheme_parts(SCHEME)


def encounters(count: int, seed: int) -> list[Encounter]:
    rng = random.Random(seed)
    return [synthetic.encounter(rng, index=i, lines=6) for i in range(count)]


def finding(encounter: Encounter, rule: str, line: int | None, amount: str) -> Finding:
    lines = [] if line is None else [encounter.charges[line].line_no]
    return Finding(
        id=encounter.id,
        rule=rule,
        severity="warn",
        stage="post",
        lines=lines,
        amount=Decimal(amount),
        message="示例",
    )


def build(
    parts: SchemeParts, cases: list[Encounter], findings: Sequence[Finding] = (), top: int = 5
) -> HospitalReportData:
    report = HospitalReport(SCHEME, top=top)
    by_id: dict[str, list[Finding]] = {}
    for item in findings:
        by_id.setdefault(item.id, []).append(item)
    for encounter in cases:
        report.add(encounter, *parts.price(encounter))
        report.add_findings(encounter, by_id.get(encounter.id, []))
    return report.data()


def test_breakdowns_add_up_to_the_hospital(parts: SchemeParts) -> None:
    data = build(parts, encounters(30, 1))
    assert data.cases == 30
    for rows in (data.months, data.departments, data.medical_groups):
        *parts_, total = rows
        assert total.key == TOTAL_KEY
        assert sum(row.cases for row in parts_) == 30
        assert sum(row.total_balance for row in parts_) == total.total_balance


def test_overspends_are_the_largest_with_their_cost_structure(parts: SchemeParts) -> None:
    cases = encounters(30, 2)
    data = build(parts, cases, top=4)
    balances = sorted(parts.price(c)[1].balance for c in cases)
    overspends = [b for b in balances if b < 0][:4]
    assert [case.balance for case in data.overspending] == overspends
    for case in data.overspending:
        parts_sum = case.drugs + case.materials + case.examinations + case.other
        assert parts_sum == case.total_cost


def test_findings_go_to_the_ordering_doctor_else_the_attending(parts: SchemeParts) -> None:
    first, second = encounters(2, 3)
    ordering = first.charges[1].doctor_code
    attending = second.settlement_list.info.attending_doctor_code
    findings = [
        finding(first, "charging.duplicate", 1, "12.50"),
        finding(first, "charging.duplicate", 1, "7.50"),
        finding(second, "quality.principal", None, "0"),
    ]
    data = build(parts, [first, second], findings)
    by_rule = {row.key: row for row in data.findings_by_rule}
    assert (by_rule["charging.duplicate"].findings, by_rule["charging.duplicate"].amount) == (
        2,
        Decimal("20.00"),
    )
    assert by_rule["charging.duplicate"].encounters == 1
    by_doctor = {row.key: row.findings for row in data.findings_by_doctor}
    assert by_doctor[str(ordering)] >= 2
    assert by_doctor[str(attending)] >= 1
    assert [row.key for row in data.findings_by_rule] == ["charging.duplicate", "quality.principal"]


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 1000), data=st.data())
def test_the_report_does_not_depend_on_case_order(
    parts: SchemeParts, seed: int, data: st.DataObject
) -> None:
    cases = encounters(12, seed)
    shuffled = data.draw(st.permutations(cases))
    assert build(parts, shuffled) == build(parts, cases)


def test_reconciliation_rows_from_medins_reconcile_lines() -> None:
    lines: list[dict[str, object]] = [
        {
            "insutype": "310",
            "setl_optins": "320100",
            "clr_type": "11",
            "hospital": {"medfee_sumamt": Decimal("100.00"), "setl_cnt": 2},
            "bureau": {"medfee_sumamt": Decimal("100.00"), "setl_cnt": 2},
            "balanced": True,
        },
        {"kind": "bureau_only", "setl_id": "S1"},
    ]
    (row,) = reconciliation_rows(lines)
    assert (row.key, row.balanced, row.hospital_count) == ("310/320100/11", True, 2)
    with pytest.raises(ValueError, match="line 1"):
        reconciliation_rows([{"hospital": {}, "bureau": {}, "balanced": True}])


def test_the_html_is_deterministic_complete_and_escaped(parts: SchemeParts) -> None:
    cases = encounters(10, 4)
    cases[0] = cases[0].model_copy(update={"medical_group": "<script>alert(1)</script>"})
    data = build(parts, cases, [finding(cases[1], "charging.duplicate", 0, "5.00")])
    page = render(data)
    assert page == render(data)
    for chart in CHART_IDS:
        assert f'id="{chart}"' in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the page's own check, nothing else
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_medins_report_hospital_writes_the_html(manager: PluginManager, tmp_path: Path) -> None:
    findings = tmp_path / "findings.jsonl"
    record = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
    findings.write_text(
        json.dumps(
            {
                "id": record["id"],
                "rule": "quality.principal",
                "severity": "block",
                "stage": "during",
                "message": "主要诊断缺失",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    reconciliation = tmp_path / "reconcile.jsonl"
    reconciliation.write_text(
        '{"insutype":"310","setl_optins":"110105","clr_type":"11","hospital":{"medfee_sumamt":'
        '"10.00","setl_cnt":1},"bureau":{"medfee_sumamt":"12.00","setl_cnt":1},"balanced":false}\n',
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    data_file = tmp_path / "report.json"
    argv = ["report", "hospital", "--scheme", SCHEME, str(SAMPLE)]
    options = ["--findings", str(findings), "--reconciliation", str(reconciliation)]
    code = main(
        [*argv, *options, "--data", str(data_file)], plugins=manager, stdout=out, stderr=err
    )
    assert code == 0, err.getvalue()
    page = out.getvalue()
    assert page.startswith("<!DOCTYPE html>")
    assert "对总账：不平" in page
    data = HospitalReportData.model_validate_json(data_file.read_text(encoding="utf-8"))
    assert data.cases == 40
    assert data.findings_by_rule[0].block == 1
    assert data.balanced is False


def test_the_scheme_defaults_to_the_first_that_groups(manager: PluginManager) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["report", "hospital", str(SAMPLE)], plugins=manager, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert f"支付方式：{SCHEME}" in out.getvalue()


def test_a_bad_findings_file_is_a_usage_error(manager: PluginManager, tmp_path: Path) -> None:
    bad = tmp_path / "findings.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["report", "hospital", "--scheme", SCHEME, "--findings", str(bad), str(SAMPLE)]
    assert main(argv, plugins=manager, stdout=out, stderr=err) == 2
    assert "findings.jsonl:1: not a finding" in err.getvalue()


def _chromium() -> str | None:
    return next(
        (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))), None
    )


BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (.ci/run installs it)")
def test_every_chart_draws_in_a_headless_browser(parts: SchemeParts, tmp_path: Path) -> None:
    cases = encounters(40, 5)
    data = build(parts, cases, [finding(cases[0], "charging.duplicate", 0, "5.00")])
    page = tmp_path / "report.html"
    page.write_text(render(data), encoding="utf-8")
    browser = str(_chromium())
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run(
        [
            browser,
            *BROWSER_FLAGS,
            *profile,
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None, dom[:500]
    attributes = dict(re.findall(r'data-([a-z]+)="([^"]*)"', body.group(1)))
    assert attributes.get("errors") == "0"
    assert attributes.get("charts") == str(len(CHART_IDS))
    assert attributes.get("drawn") == attributes.get("charts")
    artefacts = Path(os.environ.get("MEDINS_ARTIFACTS") or tmp_path)
    artefacts.mkdir(parents=True, exist_ok=True)
    screenshot = artefacts / "hospital-report.png"
    subprocess.run(
        [
            browser,
            *BROWSER_FLAGS,
            *profile,
            "--window-size=900,3200",
            f"--screenshot={screenshot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert screenshot.stat().st_size > 10_000

"""Scheme comparison: ``compare_case``, ``Comparison`` and ``medins compare``.

The schemes come from the plugins' sources in this checkout (installed or not): Beijing DRG,
Guangzhou DIP and Jiangsu maternity fixed rates, on the bundled inpatient sample and on
generated encounters. Every total must equal the sum of the per-case outcomes it covers.
"""

from __future__ import annotations

import importlib
import io
import json
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medins_sdk import synthetic
from medins_sdk.cli import main
from medins_sdk.codes import Gender
from medins_sdk.plugins import PluginManager
from medins_sdk.reports.compare import (
    BASELINE,
    CaseComparison,
    Comparison,
    SchemeOutcome,
    compare_case,
)
from medins_sdk.schemes import SchemeParts
from medins_sdk.synthetic import coded_encounter
from medins_sdk.testing import assert_revalidates

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "inpatient.jsonl"
PLUGINS = {
    "beijing-drg": "medins_plugin_beijing_drg.plugin",
    "guangzhou-dip": "medins_plugin_guangzhou_dip.plugin",
    "jiangsu-maternity": "medins_plugin_jiangsu_maternity.plugin",
}
SCHEMES = ("beijing-drg-2022", "guangzhou-dip", "jiangsu-maternity")


@pytest.fixture(scope="module")
def manager() -> PluginManager:
    """The core and three scheme plugins from this checkout's sources."""
    manager = PluginManager(autoload=False, strict=True)
    with pytest.MonkeyPatch.context() as patch:
        for directory, module in PLUGINS.items():
            patch.syspath_prepend(str(ROOT / "plugins" / directory / "src"))
            manager.register(importlib.import_module(module), directory)
    return manager


def parts(manager: PluginManager, names: tuple[str, ...] = SCHEMES) -> list[SchemeParts]:
    return [manager.registry.scheme_parts(name) for name in (BASELINE, *names)]


def run(manager: PluginManager, *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["compare", *argv], plugins=manager, stdout=out, stderr=err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def money(value: str | None) -> Decimal:
    return Decimal(value or "0")


def test_a_delivery_is_priced_by_every_scheme_and_the_spread_explained(
    manager: PluginManager,
) -> None:
    # Caesarean (74.1x01) for a pregnancy with a scarred uterus: Beijing OB1, Guangzhou DIP,
    # and Jiangsu's caesarean fixed amount of ¥4,900.
    delivery = coded_encounter(
        "O34.201", (), "74.1x01", cost=Decimal("9000.00"), gender=Gender.FEMALE, age=30
    )
    case = compare_case(delivery, parts(manager))
    assert [o.scheme for o in case.outcomes] == [BASELINE, *SCHEMES]
    assert all(o.priced for o in case.outcomes)
    itemised, beijing, _dip, maternity = case.outcomes
    assert (itemised.payment, itemised.balance) == (Decimal("9000.00"), Decimal("0.00"))
    assert str(beijing.group).startswith("OB1")
    assert (maternity.payment, maternity.method) == (Decimal("4900.00"), "fixed-rate")
    payments = [o.payment for o in case.outcomes if o.payment is not None]
    assert case.spread == max(payments) - min(payments)
    assert case.lowest == "jiangsu-maternity"
    assert "jiangsu-maternity 支付 4900.00 元" in case.reason
    assert f"相差 {case.spread:.2f} 元" in case.reason
    assert_revalidates(case)


def test_a_scheme_that_cannot_price_leaves_the_case_unpriced_with_its_reason(
    manager: PluginManager,
) -> None:
    pneumonia = coded_encounter("J18.900", cost=Decimal("5000.00"))
    case = compare_case(pneumonia, parts(manager))
    maternity = case.outcomes[-1]
    assert not maternity.priced
    assert maternity.payment is None
    assert "not a delivery" in str(maternity.reason)
    assert "jiangsu-maternity" not in (case.highest, case.lowest)


def test_equal_payments_have_no_spread() -> None:
    case = compare_case(coded_encounter("J18.900", cost=Decimal("10.00")), [_itemised()] * 2)
    assert (case.spread, case.highest, case.lowest) == (Decimal("0.00"), None, None)
    assert case.reason == "各方案支付相同"


def _itemised() -> SchemeParts:
    return PluginManager(autoload=False).registry.scheme_parts(BASELINE)


def test_outcome_summary_names_the_basis_of_payment() -> None:
    outcome = SchemeOutcome(
        scheme="guangzhou-dip",
        priced=True,
        group="C18:综合相关手术",
        weight=Decimal("1768.4973"),
        payment=Decimal("46478.19"),
        balance=Decimal("1.00"),
        method="dip",
        outlier="high",
    )
    assert outcome.summary() == (
        "guangzhou-dip 支付 46478.19 元 (C18:综合相关手术, 分值 1768.4973, 按病种分值, 高倍率病例)"
    )


def _cases(manager: PluginManager, count: int, seed: int) -> list[CaseComparison]:
    rng = random.Random(seed)
    schemes = parts(manager)
    return [compare_case(synthetic.encounter(rng, index=i, lines=3), schemes) for i in range(count)]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), data=st.data())
def test_totals_are_the_sums_of_the_cases_whatever_their_order(
    manager: PluginManager, seed: int, data: st.DataObject
) -> None:
    cases = _cases(manager, 12, seed)
    names = (BASELINE, *SCHEMES)
    grouping = ("beijing-drg-2022", "guangzhou-dip")
    comparison = Comparison(names, grouping=grouping, top=5)
    for case in cases:
        comparison.add(case)
    rows = comparison.rows()
    total = rows[-1]
    assert (total.by, total.cases) == ("total", len(cases))
    for index, name in enumerate(names):
        priced = [c for c in cases if c.outcomes[index].payment is not None]
        totals = total.schemes[index]
        assert totals.scheme == name
        assert (totals.cases, totals.unpriced) == (len(priced), len(cases) - len(priced))
        assert totals.payment == sum((c.outcomes[index].payment or 0 for c in priced), Decimal(0))
        assert totals.total_cost == sum((c.total_cost for c in priced), Decimal(0))
        assert totals.balance == totals.payment - totals.total_cost
    by_dimension: dict[str, list[Any]] = defaultdict(list)
    for row in rows[:-1]:
        by_dimension[row.by].append(row)
    assert set(by_dimension) == {
        "department",
        "medical_group",
        "doctor",
        "group:beijing-drg-2022",
        "group:guangzhou-dip",
    }
    for dimension_rows in by_dimension.values():
        assert sum(row.cases for row in dimension_rows) == len(cases)
        for index in range(len(names)):
            assert sum(row.schemes[index].payment for row in dimension_rows) == (
                total.schemes[index].payment
            )
    spreads = sorted((c.spread for c in cases if c.spread), reverse=True)[:5]
    changes = comparison.changes()
    assert [c.spread for c in changes] == spreads
    assert [c.rank for c in changes] == list(range(1, len(changes) + 1))
    shuffled = Comparison(names, grouping=grouping, top=5)
    for case in data.draw(st.permutations(cases)):
        shuffled.add(case)
    assert shuffled.rows() == rows
    assert shuffled.changes() == changes


def test_a_case_of_other_schemes_is_refused(manager: PluginManager) -> None:
    case = _cases(manager, 1, 1)[0]
    with pytest.raises(ValueError, match="other schemes"):
        Comparison((BASELINE,)).add(case)


def test_compare_on_the_sample(manager: PluginManager) -> None:
    code, lines, err = run(manager, "--schemes", ",".join(SCHEMES), "--top", "3", str(SAMPLE))
    assert code == 0, err
    assert err.splitlines()[-1] == "40 read, 40 ok, 0 rejected"
    cases = [line for line in lines if line["kind"] == "case"]
    rows = [line for line in lines if line["kind"] == "row"]
    changes = [line for line in lines if line["kind"] == "change"]
    assert len(cases) == 40
    assert [change["rank"] for change in changes] == [1, 2, 3]
    total = rows[-1]
    assert (total["by"], total["cases"]) == ("total", 40)
    for index, scheme in enumerate((BASELINE, *SCHEMES)):
        outcomes = [case["outcomes"][index] for case in cases]
        assert total["schemes"][index]["scheme"] == scheme
        assert money(total["schemes"][index]["payment"]) == sum(
            money(o.get("payment")) for o in outcomes
        )
    maternity = total["schemes"][-1]
    assert 0 < maternity["cases"] < 40  # deliveries only
    assert maternity["cases"] + maternity["unpriced"] == 40


def test_compare_always_starts_with_the_baseline(manager: PluginManager) -> None:
    code, lines, _ = run(manager, "--schemes", "beijing-drg-2022", "--no-cases", str(SAMPLE))
    assert code == 0
    assert {line["kind"] for line in lines} == {"row", "change"}
    assert [t["scheme"] for t in lines[-1 - 20]["schemes"]] == [BASELINE, "beijing-drg-2022"]
    assert {line["by"] for line in lines if line["kind"] == "row"} >= {"group:beijing-drg-2022"}


def test_compare_table_and_breakdown_choice(manager: PluginManager) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["compare", "--schemes", "guangzhou-dip", "--by", "department", "--no-cases"]
    code = main([*argv, "--format", "table", str(SAMPLE)], plugins=manager, stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "itemised paid" in text
    assert "guangzhou-dip paid" in text
    assert "medical_group" not in text
    assert "\ntotal " in text


@pytest.mark.parametrize(
    "argv",
    [
        ["--schemes", "no-such-scheme"],
        ["--schemes", "guangzhou-dip", "--by", "ward"],
        ["--schemes", "guangzhou-dip", "--top", "-1"],
    ],
)
def test_bad_options_are_usage_errors(manager: PluginManager, argv: list[str]) -> None:
    code, lines, err = run(manager, *argv, str(SAMPLE))
    assert (code, lines) == (2, [])
    assert err.startswith("medins: ")


def test_an_encounter_without_a_cost_is_rejected(manager: PluginManager, tmp_path: Path) -> None:
    record = coded_encounter("J18.900").model_dump(mode="json", exclude_none=True)
    del record["settlement_list"]["charge_items"]  # the only source of its cost
    path = tmp_path / "no-cost.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    code, lines, err = run(manager, "--schemes", "guangzhou-dip", str(path))
    assert code == 1
    assert err.splitlines()[-1] == "1 read, 0 ok, 1 rejected"
    assert "no cost" in err
    assert lines[-1]["cases"] == 0

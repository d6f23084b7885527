"""The example plugin registers seed 002's categories and reproduces its day to the cent."""

from __future__ import annotations

from medins_plugin_example_clearing import seed002

from medins_sdk.plugins import PluginManager
from medins_sdk.reconcile.categories import Categories
from medins_sdk.reconcile.lines import RowKey
from medins_sdk.reconcile.totals import sums_by_key


def test_categories_are_registered_for_the_provincial_agency() -> None:
    registry = PluginManager().registry
    categories = Categories(registry.clearing_categories.values())
    assert categories.name(RowKey("310", seed002.PROVINCIAL, "SBJG")) == "省本机关"
    assert categories.group(RowKey("390", seed002.PROVINCIAL, "YDZY")) == "异地"
    assert categories.name(RowKey("310", seed002.MUNICIPAL, "11")) == "门诊"  # national
    assert categories.name(RowKey("310", seed002.MUNICIPAL, "SBJG")) is None  # not this agency's


def test_the_day_adds_up_to_figure_1() -> None:
    lines = seed002.settlements()
    assert lines == seed002.settlements()  # deterministic
    totals = sums_by_key(lines)
    assert [
        (t.medfee_sumamt, t.fund_pay_sumamt, t.acct_pay, t.setl_cnt)
        for t in [totals[r.key] for r in seed002.ROWS]
    ] == [(r.total, r.fund, r.account, r.count) for r in seed002.ROWS]
    grand = tuple(
        sum(getattr(t, f) for t in totals.values())
        for f in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "setl_cnt")
    )
    assert grand == seed002.GRAND_TOTAL
    assert all(line.total >= line.fund_total + line.account_pay >= 0 for line in lines)

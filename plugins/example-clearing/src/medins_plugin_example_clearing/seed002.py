"""Seed 002's day (图 1): the bureau's totals per row, and settlements that reproduce them.

Source: 李文婷 等, 浅谈医院新医保管理流程的应用及思考, 中国人民解放军联勤保障部队第九〇八医院
(Nanchang), figure 1. The row figures are the seed's; the settlements are synthetic, split
from each row's sums to the cent, and the categories' codes are this example's own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from random import Random

from medins_sdk.reconcile.lines import RowKey, StatementLine
from medins_sdk.synthetic import RowTotals, settlements_of_rows

DAY = date(2022, 11, 15)
"""The seed prints no date; the example's day."""

PROVINCIAL = "369900"
"""江西省本级 clearing agency (结算经办机构) in the seed's table."""
MUNICIPAL = "360199"
"""南昌市本级 clearing agency in the seed's table."""


def _row(insutype: str, agency: str, clr_type: str, figures: str, count: int) -> RowTotals:
    total, fund, account = (Decimal(text).quantize(Decimal("0.01")) for text in figures.split())
    return RowTotals(RowKey(insutype, agency, clr_type), total, fund, account, count)


ROWS: tuple[RowTotals, ...] = (
    _row("310", PROVINCIAL, "SBJG", "7645.8 3632.14 3998.66", 42),
    _row("310", MUNICIPAL, "21", "73449.28 53357.18 5006.6", 8),
    _row("310", MUNICIPAL, "11", "79246.25 53426.04 20259.76", 381),
    _row("390", MUNICIPAL, "21", "99813.46 44406.17 0", 12),
    _row("390", MUNICIPAL, "11", "23010.77 17325.96 0", 146),
    _row("310", PROVINCIAL, "SBQY", "66660.35 40756.68 7841.26", 44),
    _row("390", PROVINCIAL, "YDMZ", "4400.26 447.73 484.45", 32),
    _row("310", PROVINCIAL, "YDMZ", "4129.18 2280.55 613.38", 15),
    _row("390", PROVINCIAL, "YDZY", "40176.29 15566.14 0", 5),
    _row("310", PROVINCIAL, "YDZY", "12857.94 6436.3 641.73", 1),
)
"""The ten rows of figure 1, in the seed's order: 险种, 经办机构, 清算类别, 医疗费总额,
基金支付总额, 个人账户支付金额, 结算笔数."""

GRAND_TOTAL = (Decimal("411389.58"), Decimal("237634.89"), Decimal("38845.84"), 686)
"""The table's 合计 line: 医疗费总额, 基金支付总额, 个人账户支付金额, 结算笔数."""


def settlements(seed: int = 2) -> list[StatementLine]:
    """The day's 686 settlements (synthetic), adding up to every row of figure 1."""
    return settlements_of_rows(ROWS, DAY, Random(seed), prefix="NC")

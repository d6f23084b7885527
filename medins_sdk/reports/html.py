"""The hospital report as one self-contained HTML file: charts first, the table beneath each.

Opened from a file share or an e-mail, with no network: styles and SVG charts are inline
(:mod:`medins_sdk.reports.svg`), labels Chinese, figures exact. The one inline script only
checks the page: after loading it counts the charts that drew (a chart draws when its box is
not empty and, unless it says it has no data, some mark has a size) and any script error, into
``data-charts`` / ``data-drawn`` / ``data-errors`` on ``<body>``, which a headless browser
test reads. Same data, same file byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape
from itertools import accumulate
from typing import Final, TypeVar

from medins_sdk.reports.drg import TOTAL_KEY, DrgReportRow
from medins_sdk.reports.hospital import (
    FindingTally,
    HospitalReportData,
    OverspendCase,
    ReconciliationRow,
)
from medins_sdk.reports.svg import Series, grouped_bars, line_chart, signed_bars, stacked_bars

T = TypeVar("T")
Cell = Callable[[T], object]

STYLE: Final = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 24px auto; max-width: 820px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ccc; }
.summary { display: flex; flex-wrap: wrap; gap: 12px; }
.figure { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 140px; }
.figure b { display: block; font-size: 18px; }
.ok { color: #2e7d32; } .bad { color: #c62828; }
svg.chart { display: block; margin: 12px 0; font-size: 11px; }
svg.chart .axis { stroke: #888; } svg.chart .reference { stroke: #c62828; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin-bottom: 8px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
"""

CHECK: Final = """
document.body.dataset.errors = "0";
window.addEventListener("error", function () {
  document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1);
});
window.addEventListener("load", function () {
  var charts = document.querySelectorAll("svg.chart"), drawn = 0;
  charts.forEach(function (svg) {
    var box = svg.getBoundingClientRect(), sized = 0;
    svg.querySelectorAll(".mark").forEach(function (mark) {
      var b = mark.getBBox();
      if (b.width > 0 || b.height > 0) { sized += 1; }
    });
    if (box.width > 0 && box.height > 0 && (sized > 0 || svg.dataset.empty === "1")) {
      drawn += 1;
    }
  });
  document.body.dataset.charts = String(charts.length);
  document.body.dataset.drawn = String(drawn);
});
"""


def _table(headers: Sequence[str], rows: Sequence[T], cells: Sequence[Cell[T]]) -> str:
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(cell(row)))}</td>" for cell in cells) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "平" if value else "不平"
    return (
        f"{value:,.2f}"
        if isinstance(value, Decimal) and value.as_tuple().exponent == -2
        else str(value)
    )


def _label(row: DrgReportRow) -> str:
    if row.key == TOTAL_KEY:
        return "全院"
    return row.key if row.label is None else f"{row.key} {row.label}"


_ROW_HEADERS: Final = (
    "",
    "病例数",
    "CMI",
    "医疗费用",
    "支付",
    "结余",
    "费用消耗指数",
    "时间消耗指数",
)
_ROW_CELLS: Final[tuple[Cell[DrgReportRow], ...]] = (
    _label,
    lambda row: row.cases,
    lambda row: row.cmi,
    lambda row: row.total_cost,
    lambda row: row.total_payment,
    lambda row: row.total_balance,
    lambda row: row.cost_index,
    lambda row: row.time_index,
)


def _breakdown(chart_id: str, title: str, rows: Sequence[DrgReportRow]) -> str:
    parts = [row for row in rows if row.key != TOTAL_KEY]
    chart = signed_bars(
        chart_id, title, [_label(row) for row in parts], [row.total_balance for row in parts]
    )
    return f"<h2>{escape(title)}</h2>{chart}{_table(_ROW_HEADERS, rows, _ROW_CELLS)}"


def _trend(data: HospitalReportData) -> str:
    """The balance month by month; over a month or two, day by day with the running total
    (one point per month would show no trend)."""
    months = [row for row in data.months if row.key != TOTAL_KEY]
    if len(months) > 2:
        title, rows = "月度结余趋势", data.months
        series = [Series("结余", [row.total_balance for row in months])]
        labels = [row.key for row in months]
    else:
        title, rows = "每日结余趋势 (按出院日期)", data.days
        days = [row for row in data.days if row.key != TOTAL_KEY]
        running = list(accumulate(row.total_balance for row in days))
        series = [
            Series("当日结余", [row.total_balance for row in days]),
            Series("累计结余", list(running)),
        ]
        labels = [row.key[5:] for row in days]
    chart = line_chart("balance-trend", title, labels, series)
    return f"<h2>{escape(title)}</h2>{chart}{_table(_ROW_HEADERS, rows, _ROW_CELLS)}"


def _case_mix(rows: Sequence[DrgReportRow]) -> str:
    title = "CMI 与费用、时间消耗指数 (科室)"
    parts = [row for row in rows if row.key != TOTAL_KEY]
    series = [
        Series("CMI", [row.cmi for row in parts]),
        Series("费用消耗指数", [row.cost_index for row in parts]),
        Series("时间消耗指数", [row.time_index for row in parts]),
    ]
    chart = grouped_bars(
        "case-mix",
        title,
        [_label(row) for row in parts],
        [one for one in series if any(value is not None for value in one.values)],
        reference=Decimal(1),
    )
    note = (
        "<p>未提供标杆 (--benchmark)：只显示 CMI。</p>"
        if all(row.cost_index is None for row in rows)
        else "<p>虚线：地区均值 (指数 = 1)。</p>"
    )
    table = _table(_ROW_HEADERS, rows, _ROW_CELLS)
    return f"<h2>{escape(title)}</h2>{chart}{note}{table}"


_OVERSPEND_HEADERS: Final = (
    "病例",
    "科室",
    "医疗组",
    "病组",
    "医疗费用",
    "支付",
    "结余",
    "药品",
    "耗材",
    "检查化验",
    "其他",
)
_OVERSPEND_CELLS: Final[tuple[Cell[OverspendCase], ...]] = (
    lambda case: case.id,
    lambda case: case.department,
    lambda case: case.medical_group,
    lambda case: case.group,
    lambda case: case.total_cost,
    lambda case: case.payment,
    lambda case: case.balance,
    lambda case: case.drugs,
    lambda case: case.materials,
    lambda case: case.examinations,
    lambda case: case.other,
)


def _overspending(cases: Sequence[OverspendCase]) -> str:
    title = "超支病例费用结构"
    chart = stacked_bars(
        "overspending",
        title,
        [case.id for case in cases],
        [
            Series("药品", [case.drugs for case in cases]),
            Series("耗材", [case.materials for case in cases]),
            Series("检查化验", [case.examinations for case in cases]),
            Series("其他", [case.other for case in cases]),
        ],
    )
    return f"<h2>{escape(title)}</h2>{chart}{_table(_OVERSPEND_HEADERS, cases, _OVERSPEND_CELLS)}"


_FINDING_CELLS: Final[tuple[Cell[FindingTally], ...]] = (
    lambda row: row.key,
    lambda row: row.findings,
    lambda row: row.encounters,
    lambda row: row.block,
    lambda row: row.warn,
    lambda row: row.info,
    lambda row: row.amount,
)


def _findings(chart_id: str, title: str, first: str, rows: Sequence[FindingTally]) -> str:
    chart = signed_bars(
        chart_id, title, [row.key for row in rows], [Decimal(row.findings) for row in rows], "条", 0
    )
    headers = (first, "发现数", "病例数", "拦截", "警告", "提示", "涉及金额")
    return f"<h2>{escape(title)}</h2>{chart}{_table(headers, rows, _FINDING_CELLS)}"


_RECONCILIATION_CELLS: Final[tuple[Cell[ReconciliationRow], ...]] = (
    lambda row: row.key,
    lambda row: row.hospital_count,
    lambda row: row.bureau_count,
    lambda row: row.hospital_amount,
    lambda row: row.bureau_amount,
    lambda row: row.balanced,
)


def _reconciliation(data: HospitalReportData) -> str:
    title = "对账状态"
    if data.reconciliation is None:
        return f"<h2>{title}</h2><p>未提供对账结果 (--reconciliation)。</p>"
    status = "平" if data.balanced else "不平"
    css = "ok" if data.balanced else "bad"
    headers = ("险种/清算机构/清算类别", "医院笔数", "中心笔数", "医院金额", "中心金额", "结果")
    table = _table(headers, data.reconciliation, _RECONCILIATION_CELLS)
    return f'<h2>{title}</h2><p class="{css}">对总账：{status}</p>{table}'


def _summary(data: HospitalReportData) -> str:
    total = data.departments[-1]
    figures = [
        ("病例数", str(data.cases)),
        ("CMI", _text(total.cmi)),
        ("医疗费用 (元)", _text(total.total_cost)),
        ("支付 (元)", _text(total.total_payment)),
        ("结余 (元)", _text(total.total_balance)),
    ]
    if data.balanced is not None:
        figures.append(("对账", "平" if data.balanced else "不平"))
    boxes = "".join(
        f'<div class="figure">{escape(name)}<b>{escape(value)}</b></div>' for name, value in figures
    )
    months = [row.key for row in data.months if row.key != TOTAL_KEY]
    period = f"{months[0]} 至 {months[-1]}" if months else "—"
    return (
        f"<h1>{escape(data.title)}</h1><p>支付方式：{escape(data.scheme)}；期间：{escape(period)}</p>"
        f'<div class="summary">{boxes}</div>'
    )


def render(data: HospitalReportData) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    sections = [
        _summary(data),
        _trend(data),
        _breakdown("department-balance", "科室结余", data.departments),
        _breakdown("group-balance", "医疗组结余", data.medical_groups),
        _case_mix(data.departments),
        _overspending(data.overspending),
        _findings("findings-by-rule", "审核发现 (按规则)", "规则", data.findings_by_rule),
        _findings(
            "findings-by-doctor", "审核发现 (按开单医生)", "医生代码", data.findings_by_doctor
        ),
        _reconciliation(data),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(data.title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(sections)}<script>{CHECK}</script></body></html>\n"
    )

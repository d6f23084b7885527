"""Charts as inline SVG: bars (signed or stacked) and lines, drawn from exact decimals.

Reports must open anywhere, offline, and look the same every time: the charts are SVG
written here, no script library and no network. Geometry is computed in ``Decimal`` and
rounded to a tenth of a pixel, so the same figures give the same file byte for byte. Every
chart is an ``<svg class="chart">`` whose marks carry ``class="mark"`` and a ``<title>`` with
the exact value (the tooltip), which the report's own check counts after drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Final

WIDTH: Final = 760
"""Chart width in pixels (the page's content width)."""
ROW: Final = 22
"""Height of one bar row in horizontal bar charts."""
LABEL: Final = 170
"""Width of the label column of horizontal bar charts."""
PALETTE: Final = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2")
"""Series colours (stacked bars, lines), in order."""
POSITIVE: Final = "#59a14f"
NEGATIVE: Final = "#e15759"
TENTH: Final = Decimal("0.1")


def _px(value: Decimal) -> str:
    """A coordinate to a tenth of a pixel, without trailing zeros."""
    text = f"{value.quantize(TENTH, ROUND_HALF_UP):f}"
    return text.removesuffix(".0")


def _svg(chart_id: str, height: int, body: Sequence[str], title: str) -> str:
    return (
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def _text(x: Decimal | int, y: Decimal | int, text: str, anchor: str = "start") -> str:
    return (
        f'<text x="{_px(Decimal(x))}" y="{_px(Decimal(y))}" text-anchor="{anchor}">'
        f"{escape(text)}</text>"
    )


def _empty(chart_id: str, title: str) -> str:
    """A chart with nothing to draw says so (and the report's check accepts it)."""
    svg = _svg(chart_id, 40, [_text(10, 24, "无数据")], title)
    return svg.replace('<svg class="chart"', '<svg class="chart" data-empty="1"', 1)


def signed_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[Decimal],
    unit: str = "元",
    places: int = 2,
) -> str:
    """Horizontal bars from a zero line: surpluses right in green, overspends left in red;
    values shown with ``places`` decimals and ``unit``."""
    if not labels:
        return _empty(chart_id, title)
    largest = max(abs(value) for value in values) or Decimal(1)
    has_negative = any(value < 0 for value in values)
    plot = Decimal(WIDTH - LABEL - 90)
    zero = Decimal(LABEL) + (plot / 2 if has_negative else Decimal(0))
    half = plot / 2 if has_negative else plot
    body = [
        f'<line class="axis" x1="{_px(zero)}" y1="0" x2="{_px(zero)}" y2="{len(labels) * ROW}"/>'
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        top = Decimal(index * ROW + 3)
        length = abs(value) / largest * half
        x = zero - length if value < 0 else zero
        colour = NEGATIVE if value < 0 else POSITIVE
        body.append(
            f'<rect class="mark" x="{_px(x)}" y="{_px(top)}" width="{_px(length)}" '
            f'height="{ROW - 6}" fill="{colour}"><title>{escape(label)}: '
            f"{value:,.{places}f} {unit}</title></rect>"
        )
        body.append(_text(LABEL - 6, top + 12, label, "end"))
        tip = zero + length + 4 if value >= 0 else zero + 4
        body.append(_text(tip, top + 12, f"{value:,.{places}f}"))
    return _svg(chart_id, len(labels) * ROW + 4, body, title)


@dataclass(frozen=True, slots=True)
class Series:
    """One named series of values, one per label (None: no value, no mark)."""

    name: str
    values: Sequence[Decimal | None]


def stacked_bars(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """Horizontal stacked bars (non-negative parts), with a legend: a cost's structure."""
    if not labels:
        return _empty(chart_id, title)
    totals = [sum((s.values[i] or 0 for s in series), Decimal(0)) for i in range(len(labels))]
    largest = max(totals) or Decimal(1)
    plot = Decimal(WIDTH - LABEL - 90)
    body: list[str] = []
    for index, label in enumerate(labels):
        top = Decimal(index * ROW + 3)
        x = Decimal(LABEL)
        for number, part in enumerate(series):
            value = max(part.values[index] or Decimal(0), Decimal(0))
            length = value / largest * plot
            body.append(
                f'<rect class="mark" x="{_px(x)}" y="{_px(top)}" width="{_px(length)}" '
                f'height="{ROW - 6}" fill="{PALETTE[number % len(PALETTE)]}"><title>'
                f"{escape(label)} {escape(part.name)}: {value:,.2f} 元</title></rect>"
            )
            x += length
        body.append(_text(LABEL - 6, top + 12, label, "end"))
        body.append(_text(x + 4, top + 12, f"{totals[index]:,.2f}"))
    legend_y = len(labels) * ROW + 16
    body.extend(_legend(series, legend_y))
    return _svg(chart_id, legend_y + 10, body, title)


def _legend(series: Sequence[Series], y: int) -> list[str]:
    marks: list[str] = []
    x = LABEL
    for number, part in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        marks.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        marks.append(_text(x + 14, y, part.name))
        x += 14 + 14 * len(part.name) + 20
    return marks


def line_chart(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "元"
) -> str:
    """Lines over ordered labels (months), a zero line when values change sign; a dot per
    point with its exact value as the tooltip."""
    if not labels:
        return _empty(chart_id, title)
    values = [value for part in series for value in part.values if value is not None]
    if not values:
        return _empty(chart_id, title)
    top_value, bottom_value = max(max(values), Decimal(0)), min(min(values), Decimal(0))
    span = (top_value - bottom_value) or Decimal(1)
    height, left, plot_width = Decimal(220), Decimal(90), Decimal(WIDTH - 110)
    step = plot_width / max(len(labels) - 1, 1)

    def y_of(value: Decimal) -> Decimal:
        return Decimal(10) + (top_value - value) / span * height

    zero = y_of(Decimal(0))
    body = [
        f'<line class="axis" x1="{_px(left)}" y1="{_px(zero)}" x2="{_px(left + plot_width)}" '
        f'y2="{_px(zero)}"/>',
        _text(left - 6, y_of(top_value) + 4, f"{top_value:,.0f}", "end"),
        _text(left - 6, y_of(bottom_value) + 4, f"{bottom_value:,.0f}", "end"),
    ]
    every = -(-len(labels) // 12)  # at most a dozen axis labels: they must not overlap
    for index, label in enumerate(labels):
        if index % every == 0:
            body.append(_text(left + step * index, height + 30, label, "middle"))
    for number, part in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = [
            (left + step * i, y_of(v), labels[i], v)
            for i, v in enumerate(part.values)
            if v is not None
        ]
        path = " ".join(f"{_px(x)},{_px(y)}" for x, y, _, _ in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, label, value in points:
            body.append(
                f'<circle class="mark" cx="{_px(x)}" cy="{_px(y)}" r="4" fill="{colour}">'
                f"<title>{escape(label)} {escape(part.name)}: {value:,.2f} {unit}</title></circle>"
            )
    body.extend(_legend(series, int(height) + 52))
    return _svg(chart_id, int(height) + 60, body, title)


def grouped_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    reference: Decimal | None = None,
) -> str:
    """Horizontal bars side by side per label (indices), with a dashed line at
    ``reference`` (1: the region's mean). A missing value (no benchmark) draws no bar."""
    if not labels:
        return _empty(chart_id, title)
    present = [value for part in series for value in part.values if value is not None]
    largest = max([*present, reference or Decimal(0)], default=Decimal(1)) or Decimal(1)
    plot = Decimal(WIDTH - LABEL - 90)
    band = (ROW - 6) * len(series) + 8
    body: list[str] = []
    for index, label in enumerate(labels):
        top = Decimal(index * band + 3)
        body.append(_text(LABEL - 6, top + band // 2, label, "end"))
        for number, part in enumerate(series):
            value = part.values[index]
            if value is None:
                continue
            y = top + number * (ROW - 6)
            length = value / largest * plot
            body.append(
                f'<rect class="mark" x="{LABEL}" y="{_px(y)}" width="{_px(length)}" '
                f'height="{ROW - 8}" fill="{PALETTE[number % len(PALETTE)]}"><title>'
                f"{escape(label)} {escape(part.name)}: {value}</title></rect>"
            )
            body.append(_text(Decimal(LABEL) + length + 4, y + 11, f"{value}"))
    bottom = len(labels) * band
    if reference is not None:
        x = _px(Decimal(LABEL) + reference / largest * plot)
        body.append(
            f'<line class="reference" x1="{x}" y1="0" x2="{x}" y2="{bottom}" '
            'stroke-dasharray="4 3"/>'
        )
    body.extend(_legend(series, bottom + 16))
    return _svg(chart_id, bottom + 26, body, title)

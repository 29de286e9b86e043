"""Bar charts as inline SVG: no plotting library, no script, nothing fetched, so the report is
one file that any browser (or a headless one in a test) draws the same way.

Each chart is an `<svg class="plot" data-plot=ID>` with a `<title>`, and each bar a
`<rect class="bar" data-label=... data-value=...>`, so a test can find them in the DOM."""

from __future__ import annotations

from html import escape

WIDTH, BAR, GAP = 560, 22, 6
COLOR = "#3b6ea8"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _open(plot_id: str, title: str, height: int) -> list[str]:
    t = escape(title)
    return [f'<svg class="plot" data-plot="{escape(plot_id)}" role="img" aria-label="{t}" '
            f'xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}"><title>{t}</title>',
            f'<text x="0" y="16" font-size="14" font-weight="bold">{t}</text>']  # fmt: skip


def _bar(x: float, y: float, w: float, h: float, label: str, value: float, shown: str) -> str:
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" '
        f'height="{max(h, 0.5):.1f}" fill="{COLOR}" data-label="{escape(label)}" '
        f'data-value="{value:g}"><title>{escape(label)}: {escape(shown)}</title></rect>'
    )


def _empty(svg: list[str], y: int) -> str:
    svg.append(f'<text x="0" y="{y}" font-size="12" fill="#777">no data</text></svg>')
    return "".join(svg)


def hbars(plot_id: str, title: str, items: list[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per (label, value), in the order given (a funnel, a count by kind)."""
    height = 30 + max(len(items), 1) * (BAR + GAP) + 10
    svg = _open(plot_id, title, height)
    if not items:
        return _empty(svg, 44)
    top = max(v for _, v in items) or 1
    left, room = 170, WIDTH - 170 - 90
    for i, (label, value) in enumerate(items):
        y = 30 + i * (BAR + GAP)
        w = room * value / top
        shown = _fmt(value) + unit
        svg.append(f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
                   f"{escape(label)}</text>")  # fmt: skip
        svg.append(_bar(left, y, w, BAR, label, value, shown))
        svg.append(
            f'<text x="{left + w + 4:.1f}" y="{y + 15}" font-size="12">{escape(shown)}</text>'
        )
    svg.append("</svg>")
    return "".join(svg)


def vbars(
    plot_id: str, title: str, items: list[tuple[str, float]], top: float | None = None
) -> str:
    """Vertical bars (a histogram, a value per round); `top` fixes the scale (1.0 for rates)."""
    height, base = 240, 200
    svg = _open(plot_id, title, height)
    if not items:
        return _empty(svg, 44)
    scale = top or max(v for _, v in items) or 1
    step = (WIDTH - 20) / len(items)
    for i, (label, value) in enumerate(items):
        h = (base - 40) * value / scale
        x, shown = 10 + i * step, _fmt(value)
        svg.append(_bar(x + 2, base - h, step - 4, h, label, value, shown))
        mid = x + step / 2
        svg.append(f'<text x="{mid:.1f}" y="{base - h - 4:.1f}" font-size="11" '
                   f'text-anchor="middle">{escape(shown)}</text>')  # fmt: skip
        svg.append(f'<text x="{mid:.1f}" y="{base + 16}" font-size="11" text-anchor="middle">'
                   f"{escape(label)}</text>")  # fmt: skip
    svg.append(f'<line x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#444"/></svg>')
    return "".join(svg)


def histogram(counts: list[int]) -> list[tuple[str, float]]:
    """Bars of counts of rates in [0, 1], one per bin of width 1/len(counts), labelled."""
    bins = len(counts)
    return [(f"{i / bins:.1f}–{(i + 1) / bins:.1f}", float(c)) for i, c in enumerate(counts)]

"""Bar charts as inline SVG, drawn on the server: no script, readable by screen readers (a title, a
description, and the page shows the same figures as a table beside the chart)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PALETTE = ("#4b5563", "#1d4ed8", "#047857")  # gray, blue, green: each ≥ 4.5:1 on white


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    values: tuple[int, ...]  # one per series, in won


def compact_won(amount: int) -> str:
    """Short Korean money labels for bars.

    >>> compact_won(0), compact_won(8_500), compact_won(423_000), compact_won(12_345_678)
    ('0', '8,500', '42.3만', '1,235만')
    """
    if amount < 10_000:
        return f"{amount:,}"
    if amount < 1_000_000:
        tenths = (amount * 10 + 5_000) // 10_000
        return f"{tenths // 10}.{tenths % 10}만" if tenths % 10 else f"{tenths // 10}만"
    return f"{(amount + 5_000) // 10_000:,}만"


def bar_chart(title: str, series: tuple[str, ...], groups: list[Group], *, key: str, description: str = "") -> str:
    """Grouped vertical bars, one group per label, one bar per series; scales to its container."""
    width, height, top, bottom, left = 340, 220, 28, 34, 8
    plot_h = height - top - bottom
    peak = max((v for g in groups for v in g.values), default=0) or 1
    slot = (width - 2 * left) / max(len(groups), 1)
    bar = min(34.0, (slot - 12) / max(len(series), 1))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 22}" role="img" aria-labelledby="t-{key} d-{key}"'
        f' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="t-{key}">{escape(title)}</title>',
        f'<desc id="d-{key}">{escape(description or title)}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" stroke="#9ca3af"/>',
    ]
    for gi, g in enumerate(groups):
        x0 = left + gi * slot + (slot - bar * len(series)) / 2
        for si, value in enumerate(g.values):
            h = plot_h * value / peak
            x, y = x0 + si * bar, top + plot_h - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 3:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(g.label)} {escape(series[si])} '
                         f'{value:,}원</title></rect>')  # fmt: skip
            parts.append(f'<text x="{x + (bar - 3) / 2:.1f}" y="{y - 4:.1f}" font-size="10" text-anchor="middle" '
                         f'fill="#111827">{escape(compact_won(value))}</text>')  # fmt: skip
        parts.append(f'<text x="{left + gi * slot + slot / 2:.1f}" y="{top + plot_h + 16}" font-size="12" '
                     f'text-anchor="middle" fill="#111827">{escape(g.label)}</text>')  # fmt: skip
    lx = left
    for si, name in enumerate(series):
        parts.append(f'<rect x="{lx}" y="{height + 6}" width="12" height="12" fill="{PALETTE[si % len(PALETTE)]}"/>')
        parts.append(f'<text x="{lx + 16}" y="{height + 16}" font-size="12" fill="#111827">{escape(name)}</text>')
        lx += 24 + 13 * len(name)
    parts.append("</svg>")
    return "".join(parts)

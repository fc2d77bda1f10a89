"""Charts as plain SVG strings: the same drawing serves the web pages and the PDF dossiers.

Titles, legends and figures are in the reader's language (`locale`, Indonesian unless asked): the
text from the translation catalogue, numbers from zi.formatting (86,79 % / 86.79%)."""

from __future__ import annotations

from fractions import Fraction
from html import escape

from . import formatting
from .text import N_


def _f(value) -> float:
    return float(value) if isinstance(value, Fraction) else value


def _pct(value, locale) -> str:
    """A percentage for a chart: whole ones without decimals (a minimum of 75 %), else two."""
    return formatting.percent(value, _places(value), locale)


def _places(value) -> int:
    return 0 if float(value).is_integer() else 2


def _t(locale):
    translate = formatting.translator(locale)
    return lambda message: escape(translate(message))


# What the first bar of each area shows, as its legend names it: the unit's layer (pages, the
# internal dossier), or the final figures of one layer (the KemenPAN-RB dossier draws only those).
SERIES_LABELS = {
    "unit": N_("Unit"),
    "final:unit": N_("Nilai akhir: penilaian mandiri unit"),
    "final:tpi": N_("Nilai akhir: penilaian TPI"),
}


def area_bars(rows: list[dict], minimums: dict[str, float], width: int = 720, locale: str = "id",
              stacked: bool = False, series: str = "unit") -> str:
    """Horizontal bars of each area's % of its weight, with a line per predicate minimum.

    rows: [{"label": ..., "percent": unit %, "tpi": TPI % or None}]
    stacked: each area's name on its own line above its bars, for a phone's narrow screen (the
    labels beside the bars would shrink to a few pixels there).
    series: which layer the first bars are (SERIES_LABELS), named so in the legend.
    """
    t = _t(locale)
    first_label = t(SERIES_LABELS[series])
    label_w, bar_h, gap, top = (16, 14, 30, 44) if stacked else (270, 14, 12, 44)
    chart_w = width - label_w - 50
    group_h = bar_h * (2 if any(r.get("tpi") is not None for r in rows) else 1) + gap
    if stacked:
        top += 16  # room for the first area's name
    height = top + group_h * len(rows) + 24
    x = lambda pct: label_w + chart_w * max(0.0, min(100.0, _f(pct))) / 100  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" role="img" class="chart" font-family="Noto Sans, DejaVu Sans, sans-serif" '
           f'font-size="12">']
    out.append(f'<title>{t(N_("Nilai per area (% dari bobot)"))}</title>')
    for tick in range(0, 101, 20):
        out.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 20}" '
                   f'stroke="#e3e7ee" stroke-width="1"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle" '
                   f'fill="#667">{_pct(tick, locale)}</text>')
    for i, row in enumerate(rows):
        y = top + i * group_h
        if stacked:
            out.append(f'<text x="{label_w}" y="{y - 5}" fill="#223">{escape(row["label"])}</text>')
        else:
            out.append(f'<text x="{label_w - 8}" y="{y + bar_h - 3}" text-anchor="end" fill="#223">'
                       f'{escape(row["label"])}</text>')
        pct = _f(row["percent"])
        out.append(f'<rect x="{label_w}" y="{y}" width="{x(pct) - label_w:.1f}" height="{bar_h}" '
                   f'fill="#1f6feb" rx="2"><title>{first_label}: {_pct(pct, locale)}</title></rect>')
        out.append(f'<text x="{x(pct) + 4:.1f}" y="{y + bar_h - 3}" fill="#223">{_pct(pct, locale)}</text>')
        if row.get("tpi") is not None:
            tpi = _f(row["tpi"])
            out.append(f'<rect x="{label_w}" y="{y + bar_h}" width="{x(tpi) - label_w:.1f}" '
                       f'height="{bar_h}" fill="#f0883e" rx="2">'
                       f'<title>{t(N_("TPI"))}: {_pct(tpi, locale)}</title></rect>')
            out.append(f'<text x="{x(tpi) + 4:.1f}" y="{y + 2 * bar_h - 3}" fill="#223">'
                       f'{_pct(tpi, locale)}</text>')
    colours = {"WBK": "#2da44e", "WBBM": "#8250df"}
    for j, (name, minimum) in enumerate(minimums.items()):
        colour = colours.get(name, "#444")
        out.append(f'<line x1="{x(minimum):.1f}" y1="{top - 10}" x2="{x(minimum):.1f}" '
                   f'y2="{height - 20}" stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>')
        out.append(f'<text x="{x(minimum):.1f}" y="{top - 14 - 14 * (j % 2)}" text-anchor="middle" '
                   f'fill="{colour}" font-weight="bold">{escape(name)} ≥ {_pct(minimum, locale)}</text>')
    legend_y = 12
    out.append(f'<rect x="0" y="{legend_y - 9}" width="10" height="10" fill="#1f6feb"/>'
               f'<text x="14" y="{legend_y}" fill="#223">{first_label}</text>')
    if any(r.get("tpi") is not None for r in rows):
        second = max(50, 14 + 7 * len(first_label) + 16)  # after the first label (about 7 px a letter)
        out.append(f'<rect x="{second}" y="{legend_y - 9}" width="10" height="10" fill="#f0883e"/>'
                   f'<text x="{second + 14}" y="{legend_y}" fill="#223">{t(N_("TPI"))}</text>')
    out.append("</svg>")
    return "".join(out)


def area_bars_for_screens(rows: list[dict], minimums: dict[str, float], locale: str = "id") -> str:
    """The area chart twice, beside-the-bars labels for wide screens and stacked labels for phones;
    the stylesheet shows one (.chart-wide / .chart-narrow)."""
    return (f'<div class="chart-wide">{area_bars(rows, minimums, locale=locale)}</div>'
            f'<div class="chart-narrow">{area_bars(rows, minimums, 360, locale, stacked=True)}</div>')


def unit_columns(rows: list[dict], minimums: dict[str, float], width: int = 640, locale: str = "id") -> str:
    """Vertical bars of each unit's total score, with the predicate minimums as lines."""
    t = _t(locale)
    num = lambda value, places=2: formatting.number(value, places, locale)  # noqa: E731
    left, top, bottom, height = 36, 16, 70, 260
    plot_h = height - top - bottom
    n = max(len(rows), 1)
    slot = (width - left - 10) / n
    bar_w = min(48, slot * 0.6)
    y = lambda v: top + plot_h * (1 - max(0.0, min(100.0, _f(v))) / 100)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'role="img" class="chart" font-family="Noto Sans, DejaVu Sans, sans-serif" font-size="11">',
           f'<title>{t(N_("Nilai total per unit"))}</title>']
    for tick in range(0, 101, 25):
        out.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - 10}" y2="{y(tick):.1f}" '
                   f'stroke="#e3e7ee"/><text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                   f'fill="#667">{tick}</text>')
    for i, row in enumerate(rows):
        cx = left + slot * i + slot / 2
        value = _f(row["total"])
        out.append(f'<rect x="{cx - bar_w / 2:.1f}" y="{y(value):.1f}" width="{bar_w:.1f}" '
                   f'height="{y(0) - y(value):.1f}" fill="#1f6feb" rx="2"><title>{escape(row["label"])}: '
                   f'{num(value)}</title></rect>')
        out.append(f'<text x="{cx:.1f}" y="{y(value) - 4:.1f}" text-anchor="middle" fill="#223">'
                   f'{num(value)}</text>')
        label = row["label"] if len(row["label"]) <= 22 else row["label"][:21] + "…"
        out.append(f'<text x="{cx:.1f}" y="{y(0) + 14:.1f}" text-anchor="end" fill="#223" '
                   f'transform="rotate(-25 {cx:.1f} {y(0) + 14:.1f})">{escape(label)}</text>')
    colours = {"WBK": "#2da44e", "WBBM": "#8250df"}
    for name, minimum in minimums.items():
        colour = colours.get(name, "#444")
        out.append(f'<line x1="{left}" y1="{y(minimum):.1f}" x2="{width - 10}" y2="{y(minimum):.1f}" '
                   f'stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>'
                   f'<text x="{width - 12}" y="{y(minimum) - 4:.1f}" text-anchor="end" fill="{colour}" '
                   f'font-weight="bold">{escape(name)} ≥ {num(minimum, _places(minimum))}</text>')
    out.append("</svg>")
    return "".join(out)


STATUS_COLOURS = {"missing": "#d1d5db", "awaiting": "#f0b429", "revision": "#d64545", "accepted": "#2da44e"}


def status_bars(rows: list[dict], statuses, labels, width: int = 720, locale: str = "id") -> str:
    """One stacked bar per area: how many items are missing evidence, awaiting review, to revise,
    accepted. rows: [{"label": ..., <status>: count}]; labels: the statuses' labels, translated."""
    t = _t(locale)
    named = dict(zip(statuses, labels, strict=True))
    label_w, bar_h, gap, top = 270, 16, 10, 30
    chart_w = width - label_w - 60
    height = top + (bar_h + gap) * len(rows) + 6
    most = max((sum(r[s] for s in statuses) for r in rows), default=1) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'role="img" class="chart" font-family="Noto Sans, DejaVu Sans, sans-serif" font-size="12">',
           f"<title>{t(N_('Status data dukung per area'))}</title>"]
    x = 0
    for status, label in zip(statuses, labels, strict=True):
        out.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{STATUS_COLOURS[status]}"/>'
                   f'<text x="{x + 14}" y="13" fill="#223">{escape(label)}</text>')
        x += 30 + 7 * len(label)
    for i, row in enumerate(rows):
        y = top + i * (bar_h + gap)
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end" fill="#223">'
                   f'{escape(row["label"])}</text>')
        left = label_w
        for status in statuses:
            count = row[status]
            if not count:
                continue
            w = chart_w * count / most
            out.append(f'<rect x="{left:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                       f'fill="{STATUS_COLOURS[status]}">'
                       f'<title>{escape(named[status])}: {count}</title></rect>')
            if w > 16:
                out.append(f'<text x="{left + w / 2:.1f}" y="{y + bar_h - 4}" text-anchor="middle" '
                           f'fill="#111" font-size="11">{count}</text>')
            left += w
    out.append("</svg>")
    return "".join(out)

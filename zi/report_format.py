"""A score report as text or as JSON-ready data, for `zi score` and anything else that prints one.

Plain Python (no Flask, no click), so a worker, a script or the web layer can use it too.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from . import formatting, scoring
from .criteria import Criteria
from .text import N_


def report_json(c: Criteria, report: scoring.ScoreReport) -> dict:
    """The figures of a report, rounded for display; `hasil_parts` are the item-only parts."""
    r = scoring.rounded
    with_areas = [s.code for comp in c.components for s in comp.sub_components if s.areas]
    parts = [s for comp in c.components for s in comp.sub_components if not s.areas]
    return {
        "criteria": report.criteria_id,
        "complete": report.complete,
        "unanswered": report.unanswered,
        "total": r(report.total),
        **{code: r(value) for code, value in report.components.items()},
        **{code: r(report.sub_components.get(code, 0)) for code in with_areas},
        "areas": {
            code: {
                **{part: r(value) for part, value in area.parts.items()},
                "score": r(area.score),
                "weight": float(area.weight),
                "percent": r(area.percent),
            }
            for code, area in report.areas.items()
        },
        "hasil_parts": {
            **{s.code: r(report.sub_components.get(s.code, 0)) for s in parts},
            **{i.code: r(report.items[i.code].score) for s in parts for i in s.items},
        },
        "items": {
            code: {"value": None if s.value is None else r(s.value, 4), "score": r(s.score, 4)}
            for code, s in report.items.items()
        },
        "thresholds": {
            predicate: [
                {
                    "id": t.id,
                    "label": t.label,
                    "value": r(t.value),
                    "min": float(t.minimum),
                    "passed": t.passed,
                    "margin": r(t.margin),
                }
                for t in report.thresholds
                if t.predicate == predicate
            ]
            for predicate in report.missed
        },
        "missed": report.missed,
        "prior_predicate": report.prior_predicate,
        "predicate": report.predicate,
    }


def format_report(c: Criteria, report: scoring.ScoreReport) -> str:
    """The report as a fixed-width table: areas, components, thresholds and the predicate."""
    r = scoring.rounded
    parts = [sub.code for comp in c.components for sub in comp.sub_components if sub.areas]
    minimums = {
        t.predicate: t.minimum for t in report.thresholds if t.id.endswith(":" + c.areas[0].code)
    }
    head = f"{'Area':<42}" + "".join(f"{p.capitalize():>11}" for p in parts)
    head += f"{'Nilai':>9}{'Bobot':>7}{'%':>8}" + "".join(f"{'min ' + k:>10}" for k in minimums)
    lines = [f"{c.title} [{c.id}]", "", head, "-" * len(head)]
    for area in c.areas:
        s = report.areas[area.code]
        line = f"{area.number}. {area.name:<39}"[:42].ljust(42)
        line += "".join(f"{r(s.parts.get(p, 0)):>11.2f}" for p in parts)
        line += f"{r(s.score):>9.2f}{float(area.weight):>7g}{r(s.percent):>7.2f}%"
        line += "".join(f"{float(m):>9g}%" for m in minimums.values())
        lines.append(line)
    lines.append("")
    for comp in c.components:
        lines.append(f"{comp.name:<30}{r(report.components.get(comp.code, 0)):>8.2f} / {comp.weight:g}")
        for sub in comp.sub_components:
            value = report.sub_components.get(sub.code, 0)
            lines.append(f"  {sub.name:<28}{r(value):>8.2f} / {sub.weight:g}")
    lines.append(f"{'Nilai total':<30}{r(report.total):>8.2f} / {c.total_weight:g}")
    lines.append("")
    if report.unanswered:
        shown = ", ".join(report.unanswered[:10]) + (" …" if len(report.unanswered) > 10 else "")
        lines.append(f"Belum lengkap: {len(report.unanswered)} butir belum dijawab ({shown})")
    for pred in c.predicates:
        results = [t for t in report.thresholds if t.predicate == pred.code]
        passed = sum(t.passed for t in results)
        lines.append(f"{pred.code}: {passed}/{len(results)} syarat nilai terpenuhi")
        for t in results:
            mark = "ya   " if t.passed else "TIDAK"
            lines.append(f"  [{mark}] {t.label:<72} {r(t.value):>7.2f} ≥ {float(t.minimum):g}")
    lines.append("")
    lines.append(f"Predikat: {report.predicate}")
    for code, missed in report.missed.items():
        if missed and report.predicate != code:
            lines.append(f"  belum {code}: " + "; ".join(missed))
    return "\n".join(lines)


# --- values for people ----------------------------------------------------------------------------
# One place turns stored values (answers, counts, audit old/new values) into text a person reads:
# pages, dossiers and the audit log call these instead of printing Python values.

DASH = formatting.DASH
YES_NO = {"Ya": N_("Ya"), "Tidak": N_("Tidak")}
SHORT_TEXT = 120  # characters of a note or comment shown in a list


def shorten(text, limit: int = SHORT_TEXT) -> str:
    """A text on one line, cut at `limit` characters with an ellipsis."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def answer_text(item, value, locale: str = formatting.DEFAULT_LOCALE) -> str:
    """An answer as people read it: `Ya` (English `Yes`), the option key `B`, a survey index `3,72`,
    or the counts with their labels (`Jumlah Agen Perubahan: 10 · Jumlah Perubahan yang dibuat: 7`);
    no answer is a dash. `item` is the criteria item (zi.criteria), or None when it is unknown."""
    if value is None or value == "":
        return DASH
    if item is None:
        return value_text(value, locale)
    if isinstance(value, dict):
        labels = {count.id: count.label for count in item.counts}
        parts = [f"{labels[key]}: {_count(value[key], locale)}" for key in labels if key in value]
        parts += [f"{key}: {_count(v, locale)}" for key, v in value.items() if key not in labels]
        return " · ".join(parts) or DASH
    if item.type == "index_0_4":
        return _decimal_text(value, locale)
    if value in YES_NO:
        return formatting.translator(locale)(YES_NO[value])
    return shorten(value)


def _count(value, locale: str) -> str:
    return formatting.number(value, 0, locale) if isinstance(value, int) else _decimal_text(value, locale)


def _decimal_text(value, locale: str) -> str:
    """A stored number (or a number kept as text by an older zi) with its own decimals, up to 4."""
    if isinstance(value, Fraction):
        return formatting.number(value, 2, locale)
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        return shorten(value)
    if not exact.is_finite():
        return shorten(value)
    places = min(4, max(0, -exact.normalize().as_tuple().exponent))
    return formatting.number(exact, places, locale)


def value_text(value, locale: str = formatting.DEFAULT_LOCALE, labels: dict | None = None) -> str:
    """Any stored value for people: yes/no, numbers in the locale, texts shortened, lists joined,
    a mapping as `label: value` pairs (`labels`: key → message id; an unknown key is shown as is)."""
    if value is None or value == "":
        return DASH
    translate = formatting.translator(locale)
    if isinstance(value, bool):
        return translate(YES_NO["Ya" if value else "Tidak"])
    if isinstance(value, int | float | Fraction | Decimal):
        return _decimal_text(value, locale)
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v, locale, labels) for v in value) or DASH
    if isinstance(value, dict):
        names = labels or {}
        return " · ".join(f"{translate(names[key]) if key in names else key}: {value_text(v, locale, labels)}"
                          for key, v in value.items()) or DASH
    return shorten(value)



# The names of the predicate thresholds (the criteria files' `label`s) and the two conditions the
# engine adds, as message ids, so pages show them in the reader's language.
THRESHOLD_LABELS = (
    N_("Nilai total"), N_("Nilai pengungkit"), N_("Nilai per area pengungkit (% bobot)"),
    N_("Birokrasi yang bersih dan akuntabel"), N_("Survei persepsi anti korupsi"),
    N_("Capaian kinerja lebih baik"), N_("Pelayanan publik yang prima"),
)
_PRIOR = re.compile(r"predikat sebelumnya: (.+)")
_INCOMPLETE = re.compile(r"penilaian belum lengkap \((\d+) butir belum dijawab\)")


def threshold_label(label: str, locale: str = formatting.DEFAULT_LOCALE) -> str:
    """A threshold's name or a condition a predicate misses (zi.scoring's `label`s and `missed`
    texts, which are Indonesian), in the reader's language; an area's name is kept as it is."""
    translate = formatting.translator(locale)
    if match := _PRIOR.fullmatch(label):
        predicates = match.group(1).split(" atau ")
        return translate(N_("predikat sebelumnya: %(predicates)s")) % {
            "predicates": translate(N_(" atau ")).join(predicates)}
    if match := _INCOMPLETE.fullmatch(label):
        return translate(N_("penilaian belum lengkap (%(n)s butir belum dijawab)")) % {"n": match.group(1)}
    base, separator, area = label.partition(": ")
    return translate(base) + separator + area

"""A score report as text or as JSON-ready data, for `zi score` and anything else that prints one.

Plain Python (no Flask, no click), so a worker, a script or the web layer can use it too.
"""

from __future__ import annotations

from . import scoring
from .criteria import Criteria


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

"""The official LKE workbook of an assessment (or a blank one of its criteria) as an .xlsx download:
the unit-layer sheet (`?layer=unit|tpi|final`) or the TPI variant (`?variant=tpi`, both layers)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, request
from flask_login import login_required

from ..answers import both_layers, reports
from ..dossier.names import slug
from ..evidence.service import linked_documents
from ..lke_workbook import assessment_tpi_workbook, assessment_workbook, blank_workbook, workbook_bytes

bp = Blueprint("workbook", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LAYERS = ("unit", "tpi", "final")
VARIANTS = ("unit", "tpi")


def _download(wb, name: str) -> Response:
    return Response(workbook_bytes(wb), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _assessment(assessment_id: int):
    assessment = g.access.assessment(assessment_id)
    g.access.ensure("assessment.view", assessment)
    return assessment, current_app.extensions["zi_criteria"][assessment.period.criteria_id]


def _variant() -> str:
    variant = request.args.get("variant", "unit")
    if variant not in VARIANTS:
        abort(400)
    return variant


@bp.route("/assessments/<int:assessment_id>/lke.xlsx")
@login_required
def export(assessment_id: int):
    assessment, criteria = _assessment(assessment_id)
    variant = _variant()
    layer = request.args.get("layer", "unit")
    if layer not in LAYERS:
        abort(400)
    layers = both_layers(assessment)
    title = f"{criteria.title} — {assessment.unit.name} {assessment.period.year}"
    name = f"lke-{slug(assessment.unit.name)}-{assessment.period.year}"
    if variant == "tpi":
        g.access.ensure("tpi_layer.view", assessment)  # TPI's answers: the rule of TPI's column on the pages
        wb = assessment_tpi_workbook(criteria, layers, linked_documents(assessment),
                                     current_app.config["BASE_URL"], title)
        return _download(wb, f"{name}-tpi-lengkap.xlsx")
    if layer == "final":
        layer = str(reports(criteria, assessment, layers).final_layer)
    if layer == "tpi":
        g.access.ensure("tpi_layer.view", assessment)  # the same rule as TPI's column on the pages
    wb = assessment_workbook(criteria, layers[layer], linked_documents(assessment),
                             current_app.config["BASE_URL"], title)
    return _download(wb, f"{name}-{layer}.xlsx")


@bp.route("/assessments/<int:assessment_id>/lke-kosong.xlsx")
@login_required
def blank(assessment_id: int):
    _, criteria = _assessment(assessment_id)
    variant = _variant()
    suffix = "-tpi" if variant == "tpi" else ""
    return _download(blank_workbook(criteria, variant), f"lke-kosong-{slug(criteria.id)}{suffix}.xlsx")

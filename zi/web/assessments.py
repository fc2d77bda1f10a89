"""An assessment: overview, the area pages where answers are given, review and workflow."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import admin, audit, charts, workflow
from .. import answers as store
from ..criteria import Criteria, Item
from ..evidence import service as evidence_service
from ..scoring import AnswerError
from ..states import AssessmentStatus
from ..summary import HASIL, area_groups, area_minimums, expected_evidence, groups_of, item_area, progress
from ..text import TextTooLong, bounded, clean
from .dossiers import generate_finals
from .i18n import gettext, translate_error
from .inputs import form_id, page_of, too_long

bp = Blueprint("assessments", __name__, url_prefix="/assessments")
COUNT_DIGITS = 9  # the counts of a % item: people, targets, reports
AUDIT_PER_PAGE = 100


def _load(assessment_id: int):
    assessment = g.access.assessment(assessment_id)
    criteria: Criteria = current_app.extensions["zi_criteria"][assessment.period.criteria_id]
    roles = g.access.roles(assessment.unit)
    return assessment, criteria, roles


def prerequisites_for(unit) -> list[dict]:
    return [{**p, "label": gettext(p["label"])} for p in admin.prerequisites_of(unit)]


@bp.route("/<int:assessment_id>")
@login_required
def overview(assessment_id: int):
    return _overview_page(*_load(assessment_id))


def _overview_page(assessment, criteria, roles, draft: dict | None = None, status: int = 200):
    """The overview; `draft` is a refused transition's reason, shown back in its form."""
    reports = store.reports(criteria, assessment)
    layers = reports.layers
    return render_template(
        "assessments/assessment.html",
        a=assessment, criteria=criteria, roles=roles, reports=reports, unit_report=reports.unit,
        tpi_report=reports.tpi, groups=area_groups(criteria), hasil=HASIL,
        progress=progress(criteria, layers["unit"]), tpi_progress=progress(criteria, layers["tpi"]),
        differences=reports.differences, layers=layers,
        transitions=workflow.available(assessment, roles),
        revisions=workflow.open_revisions(assessment),
        prerequisites=prerequisites_for(assessment.unit),
        chart=Markup(charts.area_bars(reports.area_rows(), area_minimums(criteria))), draft=draft,
        can={"copy_unit": g.access.can("assessment.copy_unit", assessment)},
    ), status


@bp.route("/<int:assessment_id>/area/<code>")
@login_required
def area(assessment_id: int, code: str):
    return _area_page(*_load(assessment_id), code)


def _area_page(assessment, criteria, roles, code: str, draft: dict | None = None, status: int = 200):
    """The area page; `draft` is a refused save (item, layer, what was typed, why) shown back in
    its form so nothing typed is lost."""
    groups = dict(area_groups(criteria))
    if code not in groups:
        abort(404)
    reports = store.reports(criteria, assessment)
    layers = reports.layers
    revisions = workflow.open_revisions(assessment)
    sections = groups_of(criteria, code)

    def editable(item: Item, layer: str) -> bool:
        return g.access.can("answer.save", assessment, criteria=criteria, item_code=item.code, layer=layer,
                            revisions=revisions)

    return render_template(
        "assessments/area.html", a=assessment, criteria=criteria, roles=roles, code=code, title=groups[code],
        groups=area_groups(criteria), hasil=HASIL, sections=sections, layers=layers, revisions=revisions,
        editable=editable, reports=reports, unit_report=reports.unit, tpi_report=reports.tpi,
        expected=expected_evidence(criteria),
        progress=progress(criteria, layers["unit"]), evidence=evidence_service.linked_documents(assessment),
        marks=store.item_marks(assessment),
        draft=draft, can={"flag": g.access.can("item.flag", assessment),
                          "tpi_layer": g.access.can("tpi_layer.view", assessment)},
    ), status


def parse_value(item: Item, form) -> object:
    """The answer as stored (canonical), from the item's form fields; None clears it."""
    if item.type == "percent":
        raw = {c: form.get(f"count_{c}", "").strip() for c in item.count_ids}
        if not any(raw.values()):
            return None
        missing = [c.label for c in item.counts if not raw[c.id]]
        if missing:
            raise AnswerError([gettext("Isi semua jumlah: %(missing)s", missing=", ".join(missing))])
        if not all(v.isascii() and v.isdigit() and len(v) <= COUNT_DIGITS for v in raw.values()):
            raise AnswerError([gettext("Jumlah harus bilangan bulat ≥ 0.")])
        return {c: int(v) for c, v in raw.items()}
    value = form.get("value", "").strip()
    if not value:
        return None
    if item.type == "index_0_4":
        try:
            number = Decimal(value.replace(",", ".")) if len(value) <= 20 else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not 0 <= number <= 4:
            raise AnswerError([gettext("Nilai survei harus angka 0 sampai 4.")])
        return str(number.normalize())
    if len(value) > 20:  # an option key or Ya/Tidak; never echoed back at length
        raise AnswerError([gettext("Pilih salah satu jawaban yang tersedia.")])
    return value


def _back(assessment, criteria, item_code):
    return redirect(url_for("assessments.area", assessment_id=assessment.id,
                            code=item_area(criteria, item_code)) + f"#item-{item_code}")


@bp.route("/<int:assessment_id>/items/<item_code>", methods=["POST"])
@login_required
def save(assessment_id: int, item_code: str):
    assessment, criteria, roles = _load(assessment_id)
    item = criteria.items_by_code.get(item_code)
    layer = request.form.get("layer", "unit")
    if item is None or layer not in ("unit", "tpi"):
        abort(404)
    area_code = item_area(criteria, item_code)
    g.access.ensure("answer.save", assessment, criteria=criteria, item_code=item_code, layer=layer)
    version = form_id("version") or 0
    note = request.form.get("note", "")
    try:
        value = parse_value(item, request.form)
        store.save_answer(criteria, assessment, current_user, layer, item_code, value, note, version)
        flash(gettext("Jawaban %(code)s tersimpan.", code=item_code), "success")
    except (AnswerError, TextTooLong) as err:
        why = too_long(err) if isinstance(err, TextTooLong) else "; ".join(err.problems)
        message = gettext("Jawaban %(code)s tidak disimpan: %(why)s", code=item_code, why=why)
        flash(message, "error")
        draft = {"item": item_code, "layer": layer, "error": message, "note": note,
                 "value": request.form.get("value", ""),
                 "counts": {c: request.form.get(f"count_{c}", "") for c in item.count_ids}}
        return _area_page(assessment, criteria, roles, area_code, draft, 422)
    except store.StaleEdit as err:
        who = err.current.updated_by.name if err.current.updated_by_id else gettext("pengguna lain")
        shown = err.current.value if err.current.value is not None else gettext("(kosong)")
        flash(gettext("Jawaban %(code)s tidak disimpan: sudah diubah oleh %(who)s sejak halaman ini "
                      "dibuka. Jawaban terbaru: %(value)s. Periksa lalu simpan lagi bila perlu.",
                      code=item_code, who=who, value=shown), "error")
    return _back(assessment, criteria, item_code)


@bp.route("/<int:assessment_id>/items/<item_code>/revision", methods=["POST"])
@login_required
def revision(assessment_id: int, item_code: str):
    assessment, criteria, roles = _load(assessment_id)
    if item_code not in criteria.items_by_code:
        abort(404)
    g.access.ensure("item.flag", assessment)
    comment = request.form.get("comment", "")
    try:
        if not clean(comment):
            flash(gettext("Catatan revisi wajib diisi."), "error")
        else:
            store.request_revision(assessment, current_user, item_code, comment)
            flash(gettext("Permintaan revisi %(code)s dicatat.", code=item_code), "success")
    except TextTooLong as err:
        message = gettext("Permintaan revisi %(code)s tidak dicatat: %(why)s", code=item_code,
                          why=too_long(err))
        flash(message, "error")
        draft = {"item": item_code, "layer": "revision", "error": message, "note": comment}
        return _area_page(assessment, criteria, roles, item_area(criteria, item_code), draft, 422)
    return _back(assessment, criteria, item_code)


@bp.route("/<int:assessment_id>/action/<action>", methods=["POST"])
@login_required
def act(assessment_id: int, action: str):
    assessment, criteria, roles = _load(assessment_id)
    layer = "tpi" if action == "accept" else "unit"
    report = store.report(criteria, assessment, store.layer_answers(assessment, layer))
    try:
        reason = bounded(request.form.get("reason", ""))
    except TextTooLong as err:
        message = gettext("Alasan tidak diterima: %(why)s", why=too_long(err))
        flash(message, "error")
        draft = {"action": action, "error": message, "reason": request.form.get("reason", "")}
        return _overview_page(assessment, criteria, roles, draft, 422)
    try:
        workflow.transition(assessment, action, current_user, roles, complete=report.complete,
                            sptjm=request.form.get("sptjm") == "1", reason=reason)
        message = gettext("Status penilaian: %(status)s.",
                          status=gettext(AssessmentStatus.label_of(assessment.status)))
        if action == "accept":
            generate_finals(assessment, current_user)
            message += " " + gettext("Dosir final dibuat dari data yang diterima.")
        flash(message, "success")
    except workflow.WorkflowError as err:
        flash(translate_error(err), "error")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/copy-unit", methods=["POST"])
@login_required
def copy_unit(assessment_id: int):
    assessment, criteria, roles = _load(assessment_id)
    g.access.ensure("assessment.copy_unit", assessment)
    copied = store.copy_unit_to_tpi(assessment, current_user)
    flash(gettext("%(n)s jawaban unit disalin ke lapisan TPI.", n=copied), "success")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


@bp.route("/<int:assessment_id>/audit")
@login_required
def audit_log(assessment_id: int):
    assessment, criteria, roles = _load(assessment_id)
    item = request.args.get("item") or None
    events = page_of(audit.events_for(assessment=assessment, item_code=item), per_page=AUDIT_PER_PAGE)
    return render_template("assessments/audit.html", a=assessment, events=events, item=item,
                           criteria=criteria)

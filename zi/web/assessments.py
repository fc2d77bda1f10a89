"""An assessment: overview, the area pages where answers are given, review and workflow."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import admin, audit, charts, plausibility, workflow
from .. import answers as store
from ..criteria import Criteria, Item
from ..evidence import service as evidence_service
from ..messages import render
from ..report_format import answer_text
from ..scoring import AnswerError
from ..states import AssessmentStatus
from ..summary import HASIL, area_groups, area_minimums, expected_evidence, groups_of, item_area, progress
from ..text import TextTooLong, bounded, clean
from .dossiers import generate_finals
from .i18n import gettext, locale, translate_error
from .inputs import form_id, page_of, too_long
from .request_cache import per_request

bp = Blueprint("assessments", __name__, url_prefix="/assessments")
COUNT_DIGITS = 9  # the counts of a % item: people, targets, reports
AUDIT_PER_PAGE = 100


def load_assessment(assessment_id: int):
    """What every assessment page starts from: the assessment (404 unless the person sees its
    unit), its period's criteria and the person's roles in the unit. Public for the blueprints that
    add to the area page (zi.web.surveys, zi.web.recommendations)."""
    assessment = g.access.assessment(assessment_id)
    criteria: Criteria = current_app.extensions["zi_criteria"][assessment.period.criteria_id]
    roles = g.access.roles(assessment.unit)
    return assessment, criteria, roles


_load = load_assessment


def prerequisites_for(unit) -> list[dict]:
    return [{**p, "label": gettext(p["label"])} for p in admin.prerequisites_of(unit)]


@bp.route("/<int:assessment_id>")
@login_required
def overview(assessment_id: int):
    return _overview_page(*_load(assessment_id))


def _overview_page(assessment, criteria, roles, draft: dict | None = None, status: int = 200):
    """The overview; `draft` is a refused transition (its reason shown back in its form, the items
    it names listed with links)."""
    reports = store.reports(criteria, assessment)
    layers = reports.layers
    marks = store.item_marks(assessment)
    return render_template(
        "assessments/assessment.html",
        a=assessment, criteria=criteria, roles=roles, reports=reports, unit_report=reports.unit,
        tpi_report=reports.tpi, groups=area_groups(criteria), hasil=HASIL,
        progress=progress(criteria, layers["unit"]), tpi_progress=progress(criteria, layers["tpi"]),
        differences=_difference_rows(criteria, assessment, reports), layers=layers,
        carried=_carried_by_area(criteria, assessment, marks, roles),
        changed=_item_links(criteria, assessment, [c for c, m in marks.items() if store.CHANGED in m])
        if "tpi" in roles else [],
        transitions=workflow.available(assessment, roles),
        revisions=workflow.open_revisions(assessment),
        prerequisites=prerequisites_for(assessment.unit),
        chart=Markup(charts.area_bars_for_screens(reports.area_rows(), area_minimums(criteria),
                                                  locale=locale())),
        draft=draft,
        can={"copy_unit": g.access.can("assessment.copy_unit", assessment),
             "flag": g.access.can("item.flag", assessment)},
    ), status


@bp.route("/<int:assessment_id>/area/<code>")
@login_required
def area(assessment_id: int, code: str):
    assessment, criteria, roles = _load(assessment_id)
    return _area_page(assessment, criteria, roles, code, notice=_notice(criteria))


def _notice(criteria) -> dict | None:
    """What the plain (no-JavaScript) save before the redirect did, told at its item:
    `?saved=CODE&layer=unit|tpi|revision`."""
    item_code, layer = request.args.get("saved", ""), request.args.get("layer", "")
    if item_code not in criteria.items_by_code or layer not in ("unit", "tpi", "revision"):
        return None
    text = (gettext("Permintaan revisi %(code)s dicatat.", code=item_code) if layer == "revision"
            else gettext("Jawaban %(code)s tersimpan.", code=item_code))
    return {"item": item_code, "layer": layer, "text": text}


def _warnings(item: Item, value) -> list[str]:
    """Counts that cannot all be true (zi.plausibility), in the reader's language."""
    return [render(f.message_id, f.params, gettext) for f in plausibility.check(item, value)]


def _own_areas(assessment, roles, groups) -> set[str] | None:
    """The pages a pokja member limited to some areas answers (None: nobody to tell; the head and
    a member of every area answer every page, others answer none and see no form anyway)."""
    areas = g.access.areas(assessment.unit)
    if "member" not in roles or "head" in roles or areas is None:
        return None
    return {c for c, _ in groups if c in areas}


def area_page(assessment, criteria, roles, code: str, draft: dict | None = None, status: int = 200,
              notice: dict | None = None):
    """The area page; `draft` is a refused save (item, layer, what was typed, why, which field) shown
    back in its form so nothing typed is lost; `notice` what a plain save did, at its item. Public
    for the blueprints whose forms are on it (survey records, TPI recommendations)."""
    groups = area_groups(criteria)
    names = dict(groups)
    if code not in names:
        abort(404)
    reports = store.reports(criteria, assessment)
    layers = reports.layers
    revisions = workflow.open_revisions(assessment)
    sections = groups_of(criteria, code)
    on_page = {item.code: item for _, _, items in sections for item in items}
    warnings = {f"{layer}:{c}": texts for layer, answers in layers.items() for c, answer in answers.items()
                if c in on_page and (texts := _warnings(on_page[c], answer.value))}
    own = _own_areas(assessment, roles, groups)

    def editable(item: Item, layer: str) -> bool:
        return g.access.can("answer.save", assessment, criteria=criteria, item_code=item.code, layer=layer,
                            revisions=revisions)

    return render_template(
        "assessments/area.html", a=assessment, criteria=criteria, roles=roles, code=code, title=names[code],
        groups=groups, hasil=HASIL, sections=sections, layers=layers, revisions=revisions,
        editable=editable, reports=reports, unit_report=reports.unit, tpi_report=reports.tpi,
        expected=expected_evidence(criteria),
        progress=progress(criteria, layers["unit"]), evidence=evidence_service.linked_documents(assessment),
        marks=store.item_marks(assessment),
        draft=draft, notice=notice, warnings=warnings, own_areas=own,
        shown=lambda item, value: answer_text(item, value, locale()), field_text=_field_text,
        unit_team=bool(roles & {"member", "head"}),
        can={"flag": g.access.can("item.flag", assessment),
             "tpi_layer": g.access.can("tpi_layer.view", assessment)},
    ), status


_area_page = area_page


class FieldError(AnswerError):
    """A refused answer and the form field it came from, so the page marks that field."""

    def __init__(self, message: str, field: str = "value"):
        super().__init__([message])
        self.field = field


def _decimal(text: str) -> Decimal | None:
    """A typed number, decimal comma or point; None when it is none (or absurdly long)."""
    try:
        number = Decimal(text.replace(",", ".")) if len(text) <= 20 else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def parse_value(item: Item, form) -> object:
    """The answer as stored (canonical), from the item's form fields; None clears it. A refusal is
    a FieldError naming the field to mark."""
    if item.type == "percent":
        raw = {c: form.get(f"count_{c}", "").strip() for c in item.count_ids}
        if not any(raw.values()):
            return None
        missing = [c for c in item.counts if not raw[c.id]]
        if missing:
            labels = ", ".join(c.label for c in missing)
            raise FieldError(gettext("Isi semua jumlah: %(missing)s", missing=labels),
                             f"count_{missing[0].id}")
        bad = [c for c, v in raw.items() if not (v.isascii() and v.isdigit() and len(v) <= COUNT_DIGITS)]
        if bad:
            raise FieldError(gettext("Jumlah harus bilangan bulat ≥ 0."), f"count_{bad[0]}")
        counts = {c: int(v) for c, v in raw.items()}
        formula = item.formula
        if (formula is not None and formula.kind == "ratio" and formula.when_zero == "error"
                and not sum(counts[c] for c in formula.denominator)):
            labels = {c.id: c.label for c in item.counts}
            raise FieldError(gettext("%(what)s harus paling sedikit 1: nilai butir ini tidak dapat dihitung "
                                     "tanpanya.", what=" + ".join(labels[c] for c in formula.denominator)),
                             f"count_{formula.denominator[0]}")
        return counts
    value = form.get("value", "").strip()
    if not value:
        return None
    if item.type == "index_0_4":
        number = _decimal(value)
        if number is not None and 4 < number <= 100:
            num = current_app.jinja_env.filters["num"]
            raise FieldError(gettext("Nilai survei harus 0–4. Indeks skala 0–100? Bagi dengan 25: "
                                     "%(typed)s → %(scaled)s.", typed=num(number), scaled=num(number / 25)))
        if number is None or not 0 <= number <= 4:
            raise FieldError(gettext("Nilai survei harus angka 0 sampai 4."))
        return str(number.normalize())
    if len(value) > 20:  # an option key or Ya/Tidak; never echoed back at length
        raise FieldError(gettext("Pilih salah satu jawaban yang tersedia."))
    return value


def _back(assessment, criteria, item_code, layer: str | None = None):
    """Back to the item on its page (a plain form); `layer` names what was saved there (unit, tpi,
    revision), told at the item."""
    done = {"saved": item_code, "layer": layer} if layer else {}
    return redirect(url_for("assessments.area", assessment_id=assessment.id,
                            code=item_area(criteria, item_code), **done) + f"#item-{item_code}")


def wants_json() -> bool:
    """The answer script (answers.js) asks for JSON; a plain form gets a page."""
    return (request.headers.get("X-Requested-With") == "fetch"
            or request.accept_mimetypes.best == "application/json")


def _saved_json(criteria, assessment, item: Item, layer: str, answer) -> dict:
    """What the script updates after a save: version, warnings, the item's score and the area's
    figures (element id → text, as area.html names them)."""
    num, pct = current_app.jinja_env.filters["num"], current_app.jinja_env.filters["pct"]
    reports = store.reports(criteria, assessment)
    report = reports.tpi if layer == "tpi" else reports.unit
    code = item_area(criteria, item.code)
    figures = {"kpi-total-unit": num(reports.unit.total)}
    if code == HASIL:
        figures["kpi-component-pengungkit"] = num(reports.unit.components.get("pengungkit", 0))
        figures["kpi-component-hasil"] = num(reports.unit.components.get("hasil", 0))
    else:
        unit_area = reports.unit.areas[code]
        figures |= {f"kpi-part-{part}": num(value) for part, value in unit_area.parts.items()}
        figures |= {"kpi-area-unit": num(unit_area.score), "kpi-area-unit-pct": pct(unit_area.percent)}
        if reports.tpi is not None:
            tpi_area = reports.tpi.areas[code]
            figures |= {"kpi-area-tpi": num(tpi_area.score), "kpi-area-tpi-pct": pct(tpi_area.percent)}
    done, total = progress(criteria, reports.layers["unit"])[code]
    figures[f"tab-progress-{code}"] = f"{done}/{total}"
    answered = answer.value is not None and report is not None
    return {
        "ok": True, "item": item.code, "layer": layer, "version": answer.version,
        "message": gettext("Jawaban %(code)s tersimpan.", code=item.code),
        "warnings": _warnings(item, answer.value),
        "score": num(report.items[item.code].score, 3) if answered else None,
        "figures": figures, "progress": [done, total],
    }


def _typed(item: Item, form) -> dict:
    return {"value": form.get("value", ""), "counts": {c: form.get(f"count_{c}", "") for c in item.count_ids}}


@bp.route("/<int:assessment_id>/items/<item_code>", methods=["POST"])
@login_required
def save(assessment_id: int, item_code: str):
    """One item's answer in one layer. A plain form is sent back to the item (a refusal shown there
    with what was typed); the answer script gets JSON: 200 saved, 422 refused (with the field),
    409 changed by someone else since the page was loaded (with the newer answer and who)."""
    assessment, criteria, roles = _load(assessment_id)
    item = criteria.items_by_code.get(item_code)
    layer = request.form.get("layer", "unit")
    if item is None or layer not in ("unit", "tpi"):
        abort(404)
    area_code = item_area(criteria, item_code)
    g.access.ensure("answer.save", assessment, criteria=criteria, item_code=item_code, layer=layer)
    version = form_id("version") or 0
    note = request.form.get("note", "")
    draft = {"item": item_code, "layer": layer, "note": note, "version": version,
             **_typed(item, request.form)}
    try:
        value = parse_value(item, request.form)
        answer = store.save_answer(criteria, assessment, current_user, layer, item_code, value, note, version)
    except (AnswerError, TextTooLong) as err:
        field = "note" if isinstance(err, TextTooLong) else getattr(err, "field", "value")
        why = too_long(err) if isinstance(err, TextTooLong) else "; ".join(err.problems)
        message = gettext("Jawaban %(code)s tidak disimpan: %(why)s", code=item_code, why=why)
        if wants_json():
            return jsonify({"ok": False, "item": item_code, "layer": layer, "error": message,
                            "message": message, "field": field}), 422
        return _area_page(assessment, criteria, roles, area_code, {**draft, "error": message, "field": field},
                          422)
    except store.StaleEdit as err:
        current = err.current
        who = current.updated_by.name if current.updated_by_id else gettext("pengguna lain")
        shown = answer_text(item, current.value, locale())
        message = gettext("Jawaban %(code)s tidak disimpan: sudah diubah oleh %(who)s sejak halaman ini "
                          "dibuka. Jawaban terbaru: %(value)s. Periksa lalu simpan lagi bila perlu.",
                          code=item_code, who=who, value=shown)
        if wants_json():
            return jsonify({"ok": False, "item": item_code, "layer": layer, "error": message,
                            "message": message, "stale": True, "version": current.version,
                            "current": {"shown": shown, "who": who, "note": current.note or "",
                                        "fields": _fields(item, current.value)}}), 409
        # The typed answer stays in the form, now against the newer version: saving it again
        # replaces the newer answer knowingly.
        return _area_page(assessment, criteria, roles, area_code,
                          {**draft, "error": message, "field": "value", "version": current.version,
                           "stale": True}, 409)
    if wants_json():
        return jsonify(_saved_json(criteria, assessment, item, layer, answer))
    return _back(assessment, criteria, item_code, layer)


def _fields(item: Item, value) -> dict[str, str]:
    """An answer as the item's form fields hold it (name → text), for "use the newer answer"."""
    if item.type == "percent":
        return {f"count_{c}": str(value[c]) if isinstance(value, dict) and c in value else ""
                for c in item.count_ids}
    if value is None:
        return {"value": ""}
    return {"value": _field_text(item, value)}


def _field_text(item: Item, value) -> str:
    """A stored answer as its form field holds it: exact (a save sends it back unchanged), a survey
    index with the reader's decimal separator."""
    if value is None:
        return ""
    if item.type != "index_0_4":
        return str(value)
    try:
        text = format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)
    return text.replace(".", ",") if locale() == "id" else text


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
            raise FieldError(gettext("Catatan revisi wajib diisi."), "comment")
        store.request_revision(assessment, current_user, item_code, comment)
    except (FieldError, TextTooLong) as err:
        why = too_long(err) if isinstance(err, TextTooLong) else "; ".join(err.problems)
        message = gettext("Permintaan revisi %(code)s tidak dicatat: %(why)s", code=item_code, why=why)
        if wants_json():
            return jsonify({"ok": False, "item": item_code, "error": message, "message": message,
                            "field": "comment"}), 422
        draft = {"item": item_code, "layer": "revision", "error": message, "note": comment}
        return _area_page(assessment, criteria, roles, item_area(criteria, item_code), draft, 422)
    if wants_json():
        return jsonify({"ok": True, "item": item_code,
                        "message": gettext("Permintaan revisi %(code)s dicatat.", code=item_code)})
    return _back(assessment, criteria, item_code, "revision")


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
                            missing=report.unanswered, sptjm=request.form.get("sptjm") == "1",
                            reason=reason, sptjm_number=request.form.get("sptjm_number", ""),
                            sptjm_place=request.form.get("sptjm_place", ""))
        message = gettext("Status penilaian: %(status)s.",
                          status=gettext(AssessmentStatus.label_of(assessment.status)))
        if action == "accept":
            generate_finals(assessment, current_user)
            message += " " + gettext("Dosir final dibuat dari data yang diterima.")
        flash(message, "success")
    except workflow.WorkflowError as err:
        message = translate_error(err)
        if isinstance(err, workflow.LetterError):  # each message at its field, what was typed kept
            draft = {"action": action, "error": gettext("SPTJM belum dapat ditandatangani."),
                     "fields": {f: render(m, p, gettext) for f, (m, p) in err.fields.items()},
                     "sptjm_number": request.form.get("sptjm_number", ""),
                     "sptjm_place": request.form.get("sptjm_place", ""),
                     "sptjm": request.form.get("sptjm") == "1"}
            return _overview_page(assessment, criteria, roles, draft, 422)
        flash(message, "error")
        if action in ("submit", "resubmit") and err.params.get("items"):  # which: listed with links
            draft = {"action": action, "error": message,
                     "items": _item_links(criteria, assessment, err.params["items"]),
                     "sptjm_number": request.form.get("sptjm_number", ""),
                     "sptjm_place": request.form.get("sptjm_place", "")}
            return _overview_page(assessment, criteria, roles, draft, 422)
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
    """Every event of the assessment, 100 a page (newest first), optionally of one item: actions by
    their labels, values as people read them, times in the unit's zone."""
    assessment, criteria, roles = _load(assessment_id)
    item = request.args.get("item") or None
    events = page_of(audit.events_for(assessment=assessment, item_code=item), per_page=AUDIT_PER_PAGE)
    lines = audit.describe_all(events.rows, criteria, locale())
    shown = criteria.items_by_code.get(item) if item else None
    return render_template("assessments/audit.html", a=assessment, events=events, lines=lines, item=item,
                           item_text=shown.text if shown else "", criteria=criteria)


# --- review marks: carried-over answers, answers changed since TPI's review, the accept step ---


def _item_links(criteria: Criteria, assessment, codes) -> list[dict]:
    """Items as links to their place on their area page, in the LKE's order."""
    wanted = set(codes)
    return [{"code": item.code, "text": item.text,
             "url": url_for("assessments.area", assessment_id=assessment.id,
                            code=item_area(criteria, item.code)) + f"#item-{item.code}"}
            for item in criteria.items if item.code in wanted]


def _shown(item: Item, answer) -> str:
    """An answer in the differences table as people read it (zi.report_format), a dash when empty."""
    return answer_text(item, answer.value if answer is not None else None, locale())


def _difference_rows(criteria: Criteria, assessment, reports) -> list[dict]:
    layers = reports.layers
    rows = []
    for link in _item_links(criteria, assessment, reports.differences):
        item = criteria.items_by_code[link["code"]]
        rows.append({**link, "unit": _shown(item, layers["unit"].get(item.code)),
                     "tpi": _shown(item, layers["tpi"].get(item.code)),
                     "unit_score": reports.unit.items[item.code].score,
                     "tpi_score": reports.tpi.items[item.code].score if reports.tpi else None})
    return rows


def _carried_by_area(criteria: Criteria, assessment, marks: dict, roles: set[str]) -> list[dict]:
    """Per area, the unit answers still carried over from an earlier year (for the unit's side:
    everyone but TPI), and whether this person may confirm them all."""
    if roles <= {"tpi"}:
        return []
    by_area: dict[str, list[str]] = {}
    year = None
    for code, found in marks.items():
        for mark in found:
            if mark == store.CARRIED:
                by_area.setdefault(item_area(criteria, code), []).append(code)
                year = mark.year if year is None else min(year, mark.year)
    return [{"code": code, "name": name, "year": year,
             "items": _item_links(criteria, assessment, by_area[code]),
             "can": any(_may_save(assessment, criteria, c, "unit") for c in by_area[code])}
            for code, name in area_groups(criteria) if code in by_area]


def _revisions_once(assessment) -> dict:
    """The open revision requests, read once per request and only where editing rights depend on
    them (in revision; whatever the page read already is not at hand in a macro)."""
    if assessment.status != "revision":
        return {}
    return per_request("open_revisions", assessment.id, lambda: workflow.open_revisions(assessment))


def _may_save(assessment, criteria: Criteria, item_code: str, layer: str) -> bool:
    return g.access.can("answer.save", assessment, criteria=criteria, item_code=item_code, layer=layer,
                        revisions=_revisions_once(assessment))


@bp.app_template_global("review_marks")
def review_marks(assessment, item: Item, marks) -> list[dict]:
    """What the area page shows for an item's marks (templates/assessments/_item_marks.html), for
    this reader: "carried over" to the unit's side, "changed since your review" to TPI (and both
    to admins and reviewers, who only read); each with its confirm form where the reader may use it."""
    if not marks:
        return []
    roles = g.access.roles(assessment.unit)
    criteria = current_app.extensions["zi_criteria"][assessment.period.criteria_id]
    shown = []
    for mark in sorted(marks):
        if mark == store.CARRIED and not roles <= {"tpi"}:
            confirm = _may_save(assessment, criteria, item.code, "unit")
            shown.append({
                "name": "carried",
                "label": gettext("dari %(year)s, perlu dikonfirmasi", year=mark.year),
                "hint": gettext("Jawaban ini disalin dari penilaian %(year)s. Konfirmasi bila masih "
                                "benar, atau ubah jawabannya.", year=mark.year),
                "action": url_for("assessments.confirm_carried", assessment_id=assessment.id,
                                  item_code=item.code) if confirm else None,
                "button": gettext("Konfirmasi"), "fields": {}})
        elif mark == store.CHANGED and roles & {"tpi", "admin", "reviewer"}:
            confirm = _may_save(assessment, criteria, item.code, "tpi")
            shown.append({
                "name": "changed",
                "label": gettext("berubah sejak reviu Anda") if "tpi" in roles
                else gettext("berubah sejak reviu TPI"),
                "hint": gettext("Unit mengubah jawabannya setelah TPI menjawab butir ini. Periksa, lalu "
                                "konfirmasi jawaban TPI atau perbarui."),
                "action": url_for("assessments.confirm_review", assessment_id=assessment.id,
                                  item_code=item.code) if confirm else None,
                "button": gettext("Konfirmasi jawaban TPI"),
                "fields": {"unit_version": mark.unit_version}})
    return shown


def _item_of(criteria: Criteria, item_code: str) -> Item:
    item = criteria.items_by_code.get(item_code)
    if item is None:
        abort(404)
    return item


def _to_item(assessment, criteria: Criteria, item_code: str):
    return redirect(url_for("assessments.area", assessment_id=assessment.id,
                            code=item_area(criteria, item_code)) + f"#item-{item_code}")


@bp.route("/<int:assessment_id>/items/<item_code>/confirm", methods=["POST"])
@login_required
def confirm_carried(assessment_id: int, item_code: str):
    """Keep an answer carried over from last year as it is."""
    assessment, criteria, roles = _load(assessment_id)
    _item_of(criteria, item_code)
    g.access.ensure("answer.save", assessment, criteria=criteria, item_code=item_code, layer="unit")
    if store.confirm_carried(assessment, current_user, [item_code]):
        flash(gettext("Jawaban %(code)s dikonfirmasi.", code=item_code), "success")
    else:
        flash(gettext("Jawaban %(code)s tidak perlu dikonfirmasi (sudah dikonfirmasi atau diubah).",
                      code=item_code), "error")
    return _to_item(assessment, criteria, item_code)


@bp.route("/<int:assessment_id>/area/<code>/confirm", methods=["POST"])
@login_required
def confirm_area(assessment_id: int, code: str):
    """Keep every carried-over answer of an area that this person may change."""
    assessment, criteria, roles = _load(assessment_id)
    if code not in dict(area_groups(criteria)):
        abort(404)
    codes = [item.code for item, where in criteria.walk_items() if item_area(criteria, item.code) == code]
    mine = [c for c in codes if _may_save(assessment, criteria, c, "unit")]
    if not mine:
        g.access.ensure("answer.save", assessment, criteria=criteria, item_code=codes[0], layer="unit")
    confirmed = store.confirm_carried(assessment, current_user, mine)
    if confirmed:
        flash(gettext("%(n)s jawaban dari tahun lalu dikonfirmasi.", n=len(confirmed)), "success")
    else:
        flash(gettext("Tidak ada jawaban yang perlu dikonfirmasi di area ini."), "error")
    return redirect(url_for("assessments.area", assessment_id=assessment.id, code=code))


@bp.route("/<int:assessment_id>/items/<item_code>/tpi-confirm", methods=["POST"])
@login_required
def confirm_review(assessment_id: int, item_code: str):
    """TPI keeps its answer after looking at the unit's changed one."""
    assessment, criteria, roles = _load(assessment_id)
    _item_of(criteria, item_code)
    g.access.ensure("answer.save", assessment, criteria=criteria, item_code=item_code, layer="tpi")
    try:
        store.confirm_review(assessment, current_user, item_code, form_id("unit_version"))
        flash(gettext("Jawaban TPI %(code)s dikonfirmasi terhadap jawaban unit terbaru.", code=item_code),
              "success")
    except store.ReviewError as err:
        flash(translate_error(err), "error")
    return _to_item(assessment, criteria, item_code)


@bp.route("/<int:assessment_id>/items/<item_code>/revision/withdraw", methods=["POST"])
@login_required
def withdraw_revision(assessment_id: int, item_code: str):
    """TPI takes back a revision request."""
    assessment, criteria, roles = _load(assessment_id)
    _item_of(criteria, item_code)
    g.access.ensure("item.flag", assessment)
    try:
        store.withdraw_revision(assessment, current_user, item_code)
        flash(gettext("Permintaan revisi %(code)s ditarik.", code=item_code), "success")
    except store.ReviewError as err:
        flash(translate_error(err), "error")
    if request.form.get("back") == "overview":
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    return _to_item(assessment, criteria, item_code)


@bp.route("/<int:assessment_id>/accept")
@login_required
def accept_confirm(assessment_id: int):
    """The step before "Terima penilaian (final)": what is still open, and what blocks it."""
    assessment, criteria, roles = _load(assessment_id)
    g.access.ensure("assessment.accept", assessment)
    reports = store.reports(criteria, assessment)
    linked = evidence_service.linked_documents(assessment)
    awaiting = {code: sum(1 for d in docs if d.status == "awaiting") for code, docs in linked.items()}
    evidence_page = url_for("evidence.overview", assessment_id=assessment.id)
    awaiting_links = [{**link, "n": awaiting[link["code"]], "url": f"{evidence_page}#ev-{link['code']}"}
                      for link in _item_links(criteria, assessment, [c for c, n in awaiting.items() if n])]
    revisions = workflow.open_revisions(assessment)
    changed = store.marked(assessment, store.CHANGED)
    missing = reports.tpi.unanswered if reports.tpi else [item.code for item in criteria.items]
    return render_template(
        "assessments/accept.html", a=assessment, criteria=criteria,
        awaiting=awaiting_links, changed=_item_links(criteria, assessment, changed),
        revisions=[{**link, "comment": revisions[link["code"]].comment}
                   for link in _item_links(criteria, assessment, revisions)],
        missing=_item_links(criteria, assessment, missing),
        label=workflow.TRANSITIONS["accept"].label)

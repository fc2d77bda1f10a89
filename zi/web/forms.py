"""The forms of the admin and evidence pages (WTForms): every POST is parsed by one, as healthchecks does.

A form turns what was typed into typed values (ids, dates, cleaned texts within their limits) or field
errors in Indonesian (lazy gettext, so the reader's language is chosen when shown). The domain (zi.admin,
zi.evidence.service) still decides what is allowed; a form only refuses what cannot be parsed.

The admin page answers a POST with a redirect (the flashed message says what happened). On refusal the typed
values and the field errors go along in the session (`keep`) and the next admin page shows them at their
fields (`restored`); passwords are never kept.
"""

from __future__ import annotations

from datetime import datetime

from flask import session
from wtforms import BooleanField, DateField, Field, Form, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from .. import admin as ops
from ..text import N_, NOTE_MAX_CHARS, SHORT_MAX_CHARS, TextTooLong, bounded
from .i18n import gettext, lazy, translate_error
from .inputs import parse_id, too_long

# A refused value shown again is cut to KEPT_CHARS, all of them to KEPT_BUDGET: the session cookie stays
# under the 4 KB browsers accept.
KEPT_CHARS, KEPT_BUDGET = SHORT_MAX_CHARS, 1_200
DRAFT_KEY = "admin_draft"


# --- fields and validators ----------------------------------------------------------------------------------

class IdField(Field):
    """A row id: None when blank, 0 (which no row has, so the lookup answers 404) unless a whole number
    from 1 to inputs.MAX_ID."""

    def process_formdata(self, valuelist):
        self.data = parse_id(valuelist[0] if valuelist else "")

    def _value(self) -> str:
        return str(self.data) if self.data else ""


class ValuesField(Field):
    """Every value of a repeated name (checkboxes, several items), in order."""

    def process_formdata(self, valuelist):
        self.data = [value for value in valuelist if isinstance(value, str)]

    def process_data(self, value):
        self.data = list(value or [])


class WholeField(IntegerField):
    """An integer whose parse error is in the reader's language (WTForms has no Indonesian catalogue)."""

    def __init__(self, *args, parse_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parse_message = parse_message or lazy("Isian harus berupa bilangan bulat.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.parse_message) from None


class DayField(DateField):
    """A date typed as YYYY-MM-DD (what `<input type="date">` sends)."""

    def __init__(self, *args, parse_message=None, **kwargs):
        super().__init__(*args, format="%Y-%m-%d", **kwargs)
        self.parse_message = parse_message or lazy("Tanggal tidak sah (TTTT-BB-HH).")

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(self.parse_message) from None


class AdminText:
    """A typed text cleaned and within `limit`; over it, the admin's own refusal (zi.admin.typed)."""

    def __init__(self, label: str, limit: int = SHORT_MAX_CHARS):
        self.label, self.limit = label, limit

    def __call__(self, form, field):
        try:
            field.data = ops.typed(field.data or "", self.label, self.limit)
        except ops.AdminError as err:
            raise ValidationError(translate_error(err)) from None


class EvidenceText:
    """A typed text of an evidence form within `limit`: "Judul: teks terlalu panjang (…)"."""

    def __init__(self, label: str, limit: int = NOTE_MAX_CHARS):
        self.label, self.limit = label, limit

    def __call__(self, form, field):
        try:
            field.data = bounded(field.data or "", self.limit)
        except TextTooLong as err:
            raise ValidationError(f"{gettext(self.label)}: {too_long(err)}") from None


def first_error(form: Form) -> str | None:
    """The first field error in the order of the form's fields (the one a flash message names)."""
    for field in form:
        if field.errors:
            return str(field.errors[0])
    return None


# --- admin -------------------------------------------------------------------------------------------------

class UnitForm(Form):
    name = StringField(validators=[AdminText(N_("Nama unit")),
                                   InputRequired(message=lazy("Nama unit wajib diisi."))])
    region = StringField(validators=[AdminText(N_("Wilayah"))])
    parent_id = IdField()


class UserForm(Form):
    name = StringField(validators=[AdminText(N_("Nama"))])
    email = StringField(validators=[AdminText(N_("Email"))])
    password = StringField()  # its rules are the password module's (zi.admin.create_user)
    role = StringField(validators=[Optional()])
    unit_id = IdField()
    areas = ValuesField()

    SECRET = ("password",)


class RoleForm(Form):
    email = StringField(validators=[AdminText(N_("Email"))])
    role = StringField()
    unit_id = IdField()
    areas = ValuesField()


class PeriodForm(Form):
    year = WholeField(validators=[InputRequired(message=lazy("Tahun wajib diisi.")),
                                  NumberRange(1900, 9999, message=lazy("Tahun harus antara 1900 dan 9999."))],
                      parse_message=lazy("Tahun harus berupa bilangan bulat."))
    criteria_id = StringField()
    opens_on = DayField(validators=[InputRequired(message=lazy("Tanggal buka wajib diisi."))])
    closes_on = DayField(validators=[InputRequired(message=lazy("Tanggal tutup wajib diisi."))])
    copy_previous = BooleanField(false_values=("", "0", "false", "off"))

    def __init__(self, *args, criteria_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria_ids = tuple(criteria_ids)

    def validate_criteria_id(self, field):
        if field.data not in self.criteria_ids:
            raise ValidationError(lazy("Versi kriteria tidak dikenal."))


class PrerequisiteForm(Form):
    key = StringField()
    unit_id = IdField()
    met = StringField()  # "yes", "no" or anything else: not known
    note = StringField(validators=[AdminText(N_("Catatan"), NOTE_MAX_CHARS)])

    @property
    def met_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.met.data or "")


ADMIN_FORMS = {"unit": UnitForm, "user": UserForm, "role": RoleForm, "period": PeriodForm,
               "prerequisite": PrerequisiteForm}


def keep(name: str, form: Form, message: str | None = None) -> None:
    """Keep what was typed into a refused admin form, and its field errors, for the next admin page.
    A domain refusal (message) without a field error is shown above the form."""
    values, budget = {}, KEPT_BUDGET
    for field in form:
        if field.name in getattr(form, "SECRET", ()):
            continue
        kept = []
        for value in field.raw_data or []:
            value = str(value)[:min(KEPT_CHARS, budget)]
            if not value:
                break
            kept.append(value)
            budget -= len(value)
        values[field.name] = kept
    errors = {field.name: [str(e)[:KEPT_CHARS] for e in field.errors][:2] for field in form if field.errors}
    session[DRAFT_KEY] = {"form": name, "values": values, "errors": errors, "message": (message or "")[:300]}


def restored(criteria_ids) -> dict[str, Form]:
    """Each admin form, blank, or as it was refused on the previous POST (once)."""
    draft = session.pop(DRAFT_KEY, None) or {}
    forms = {}
    for name, cls in ADMIN_FORMS.items():
        extra = {"criteria_ids": criteria_ids} if cls is PeriodForm else {}
        if draft.get("form") == name:
            form = cls(DraftValues(draft.get("values") or {}), **extra)
            for field_name, errors in (draft.get("errors") or {}).items():
                if field_name in form:
                    form[field_name].errors = list(errors)
            form.refusal = draft.get("message", "")
        else:
            form = cls(**extra)
            form.refusal = ""
        forms[name] = form
    return forms


class DraftValues(dict):
    """The kept values in the shape WTForms reads form data in (getlist)."""

    def getlist(self, key):
        return list(self.get(key, []))

    def __contains__(self, key):
        return dict.__contains__(self, key) and bool(dict.get(self, key))


# --- evidence ----------------------------------------------------------------------------------------------

URL_MAX_CHARS = 2_000


class UploadForm(Form):
    """What an upload says about its document; the order of the fields is the order of the checks."""

    title = StringField(validators=[EvidenceText(N_("Judul"), SHORT_MAX_CHARS)])
    document_date = DayField(validators=[Optional()], parse_message=lazy("Tanggal dokumen tidak sah."))
    description = StringField(validators=[EvidenceText(N_("Uraian"))])
    items = ValuesField()
    document_id = IdField()  # a new version of this document


class LinkUrlForm(Form):
    url = StringField(validators=[EvidenceText(N_("Tautan"), URL_MAX_CHARS)])
    title = StringField(validators=[EvidenceText(N_("Judul"), SHORT_MAX_CHARS)])
    document_date = DayField(validators=[Optional()], parse_message=lazy("Tanggal dokumen tidak sah."))
    description = StringField(validators=[EvidenceText(N_("Uraian"))])
    items = ValuesField()


class LinkExistingForm(Form):
    item = StringField()
    document_id = IdField()


class ReviewForm(Form):
    status = StringField()
    comment = StringField(validators=[EvidenceText(N_("Catatan"))])

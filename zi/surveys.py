"""Survey records: how a survey index of Hasil was measured (IPAK, IPKP: the criteria's index_0_4
items). The index itself is an answer (0–4, zi.scoring); beside it the unit records how many people
answered (at least 30, as TPN's own survey requires), over which period and who ran the survey
(the unit itself, an independent party, BPS...). One record per assessment and item; every change
is in the audit log (`survey`). Who may change it is the answer's rule (access `answer.save` on the
unit layer of the item)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from peewee import IntegrityError

from . import audit
from .criteria import Criteria
from .db import locked
from .messages import DomainError
from .models import Assessment, SurveyRecord, now
from .text import N_, SHORT_MAX_CHARS, clean

MIN_RESPONDENTS = 30
THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")
MAX_RESPONDENTS = 10_000_000  # far beyond any unit's service users; keeps the column an integer


class SurveyError(DomainError):
    """A refused survey record; `field` names the form field the message belongs to."""

    def __init__(self, message_id: str, /, field: str, **params):
        super().__init__(message_id, **params)
        self.field = field


@dataclass(frozen=True)
class Typed:
    """The survey record as typed (texts), before it is checked."""

    respondents: str = ""
    period_start: str = ""
    period_end: str = ""
    surveyor: str = ""

    @property
    def empty(self) -> bool:
        return not any(clean(v) for v in (self.respondents, self.period_start, self.period_end,
                                          self.surveyor))


def survey_items(criteria: Criteria) -> list:
    """The items that carry a survey record: the survey indices."""
    return [item for item in criteria.items if item.type == "index_0_4"]


def is_survey_item(criteria: Criteria, item_code: str) -> bool:
    item = criteria.items_by_code.get(item_code)
    return item is not None and item.type == "index_0_4"


def records(assessment: Assessment) -> dict[str, SurveyRecord]:
    """Every survey record of an assessment in one query: item code → record."""
    return {r.item_code: r for r in SurveyRecord.select().where(SurveyRecord.assessment == assessment)}


def _date(text: str, field: str) -> date:
    text = clean(text)
    if not text:
        raise SurveyError(N_("Isi tanggal awal dan akhir periode survei."), field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SurveyError(N_("Tanggal tidak dikenali: tulis sebagai TTTT-BB-HH, misalnya 2026-07-01."),
                          field=field) from None


def check(typed: Typed) -> dict:
    """The record's values, checked; a SurveyError at the first field that is wrong."""
    raw = clean(typed.respondents).replace(" ", "")
    if THOUSANDS.fullmatch(raw):  # 1.250 as Indonesians write it
        raw = raw.replace(".", "")
    if not raw:
        raise SurveyError(N_("Isi jumlah responden (minimal %(n)s responden)."), field="respondents",
                          n=MIN_RESPONDENTS)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise SurveyError(N_("Jumlah responden harus bilangan bulat."), field="respondents")
    respondents = int(raw)
    if respondents < MIN_RESPONDENTS:
        raise SurveyError(N_("Survei harus minimal %(n)s responden (tercatat %(typed)s)."),
                          field="respondents", n=MIN_RESPONDENTS, typed=respondents)
    if respondents > MAX_RESPONDENTS:
        raise SurveyError(N_("Jumlah responden tidak masuk akal."), field="respondents")
    start = _date(typed.period_start, "period_start")
    end = _date(typed.period_end, "period_end")
    if start > end:
        raise SurveyError(N_("Tanggal akhir periode survei tidak boleh sebelum tanggal awalnya."),
                          field="period_end")
    surveyor = clean(typed.surveyor)
    if not surveyor:
        raise SurveyError(N_("Isi pelaksana survei (unit sendiri, pihak independen, BPS, ...)."),
                          field="surveyor")
    if len(surveyor) > SHORT_MAX_CHARS:
        raise SurveyError(N_("Pelaksana survei paling banyak %(n)s karakter."), field="surveyor",
                          n=SHORT_MAX_CHARS)
    return {"respondents": respondents, "period_start": start, "period_end": end, "surveyor": surveyor}


def _stored(record: SurveyRecord | None) -> dict | None:
    if record is None:
        return None
    return {"respondents": record.respondents, "period_start": record.period_start.isoformat(),
            "period_end": record.period_end.isoformat(), "surveyor": record.surveyor}


def save(criteria: Criteria, assessment: Assessment, user, item_code: str,
         typed: Typed) -> SurveyRecord | None:
    """Store (or, all fields empty, remove) the survey record of a survey item, with its audit row.
    Returns the record (None when removed). The caller has checked that the person may edit the
    item's unit answer. Two saves at the same moment never fail: the record and its audit row are
    one transaction, and a save that finds the record created (or removed) meanwhile by the other
    one saves again over it."""
    if not is_survey_item(criteria, item_code):
        raise SurveyError(N_("Butir %(code)s bukan butir survei."), field="respondents", code=item_code)
    values = None if typed.empty else check(typed)
    for _ in range(ATTEMPTS):
        try:
            return _save(assessment, user, item_code, values)
        except (IntegrityError, _Changed):
            continue
    raise SurveyError(N_("Catatan survei ini sedang diubah orang lain; coba simpan lagi."),
                      field="respondents")


ATTEMPTS = 3


class _Changed(Exception):
    """The record read was removed before it could be updated (its transaction is rolled back)."""


def _save(assessment: Assessment, user, item_code: str, values: dict | None) -> SurveyRecord | None:
    with SurveyRecord._meta.database.atomic():
        current = locked(SurveyRecord.select().where(
            (SurveyRecord.assessment == assessment) & (SurveyRecord.item_code == item_code))).first()
        old = _stored(current)
        if values is None:
            if current is None:
                return None
            SurveyRecord.delete().where(SurveyRecord.id == current.id).execute()
            record = None
        elif current is None:
            record = SurveyRecord.create(assessment=assessment, item_code=item_code, updated_by=user,
                                         updated_at=now(), **values)
        else:
            for key, value in values.items():
                setattr(current, key, value)
            if _stored(current) == old:
                return current
            current.updated_by, current.updated_at = user, now()
            if not SurveyRecord.update(**values, updated_by=user, updated_at=current.updated_at).where(
                    SurveyRecord.id == current.id).execute():
                raise _Changed
            record = current
        audit.record("survey", user, assessment=assessment, item_code=item_code, old=old,
                     new=_stored(record))
    return record

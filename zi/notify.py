"""Notifications: hand-offs of the workflow and period deadlines reach the people concerned, in an
in-app list and by mail (no Flask here; the job worker sends too).

Rows are written where the event happens, in its transaction (`handoff`, `evidence_reviewed`,
`send_reminders`); mail goes out afterwards through an outbox (`send_pending`): each pending row is
claimed with a conditional UPDATE (its `mail_due_at` moved ahead as a lease), so two workers never
send one mail twice, and a failed mail stays pending and is tried again later with a growing pause.
A reminder's row is unique per (kind, assessment, person, key): a second worker's insert is ignored.
Texts are Indonesian message ids, rendered in the reader's language (pages) or ZI_LOCALE's (mail).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from . import formatting, mail
from .messages import render
from .models import Assessment, EvidenceReview, Notification, Period, RoleAssignment, Unit, User, now
from .states import AssessmentStatus, MailStatus, NotificationKind, Role
from .text import N_

log = logging.getLogger(__name__)

K = NotificationKind
# workflow action -> what the people concerned are told (start_review tells nobody)
HANDOFFS = {
    "submit": K.SUBMITTED,
    "resubmit": K.RESUBMITTED,
    "request_revision": K.REVISION_REQUESTED,
    "accept": K.ACCEPTED,
    "reopen": K.REOPENED,
}
TO_TPI = {K.SUBMITTED, K.RESUBMITTED, K.REOPENED}
TO_TEAM = {K.REVISION_REQUESTED, K.EVIDENCE_REVISION, K.ACCEPTED, K.REOPENED}

TITLES = {
    K.SUBMITTED: N_("%(actor)s mengajukan penilaian %(unit)s %(year)s ke TPI."),
    K.RESUBMITTED: N_("%(actor)s mengajukan ulang penilaian %(unit)s %(year)s ke TPI."),
    K.REVISION_REQUESTED: N_("TPI meminta revisi %(count)s butir penilaian %(unit)s %(year)s."),
    K.EVIDENCE_REVISION: N_("TPI meminta revisi data dukung \"%(document)s\" untuk butir %(item)s "
                            "(%(unit)s %(year)s)."),
    K.ACCEPTED: N_("TPI menerima penilaian %(unit)s %(year)s (final)."),
    K.REOPENED: N_("%(actor)s membuka kembali penilaian %(unit)s %(year)s yang sudah diterima."),
    K.DEADLINE: N_("Periode %(year)s %(unit)s ditutup %(date)s: tinggal %(days)s hari."),
}
DEADLINE_TODAY = N_("Periode %(year)s %(unit)s ditutup hari ini (%(date)s).")
DEADLINE_TPI = N_("Reviu TPI atas %(unit)s %(year)s: periode ditutup %(date)s, tinggal %(days)s hari.")
DETAILS = {
    "items": N_("Butir: %(items)s"),
    "comment": N_("Catatan TPI: %(comment)s"),
    "reason": N_("Alasan: %(reason)s"),
}
SUBJECT = N_("[zi] %(kind)s: %(unit)s %(year)s")
GREETING = N_("Yth. %(name)s,")
OPEN_LINK = N_("Buka di zi: %(url)s")
FOOTER = N_("Surel ini dikirim otomatis oleh zi. Atur surel notifikasi Anda: %(url)s")

SETTINGS_PATH = "/notifications/"
MAX_ATTEMPTS = 12  # about two days of retries (5 min doubling to 6 h) before a mail counts as failed
LEASE = timedelta(minutes=10)  # a claimed mail whose worker died is due again after this
BATCH = 200  # mails per outbox run; the next run takes the rest
PARAM_CHARS = 500  # a comment or reason kept for the list and the mail


# --- who is concerned -------------------------------------------------------------------------------


def item_area(item_code: str) -> str | None:
    """The area of a pengungkit item from its code (P-MP-i-a → MP); None for hasil items."""
    parts = item_code.split("-")
    return parts[1] if len(parts) >= 3 and parts[0] in ("P", "R") else None


def _team(unit_id: int, item_codes: Iterable[str] | None = None) -> list[User]:
    """The unit's head and members; with item codes, members only when an item is in their areas
    (a member without areas answers every area)."""
    areas = None if item_codes is None else {item_area(c) for c in item_codes}
    people: dict[int, User] = {}
    query = (RoleAssignment.select(RoleAssignment, User).join(User)
             .where((RoleAssignment.unit == unit_id) & RoleAssignment.role.in_([Role.HEAD, Role.MEMBER])
                    & User.active))
    for row in query:
        if row.role == Role.HEAD or areas is None or not row.area_codes or row.area_codes & areas:
            people[row.user_id] = row.user
    return list(people.values())


def _tpi(unit: Unit) -> list[User]:
    """The unit's TPI evaluators (assigned to it or instansi-wide), never its own team."""
    team = RoleAssignment.select(RoleAssignment.user).where(
        (RoleAssignment.unit == unit.id) & RoleAssignment.role.in_([Role.HEAD, Role.MEMBER]))
    query = (User.select().join(RoleAssignment).where(
        (RoleAssignment.role == Role.TPI) & User.active & User.id.not_in(team)
        & ((RoleAssignment.unit == unit.id)
           | (RoleAssignment.unit.is_null() & (RoleAssignment.instansi == unit.instansi_id))))
        .distinct())
    return list(query)


def recipients(assessment: Assessment, kind: str, item_codes: Iterable[str] | None = None) -> list[User]:
    people: dict[int, User] = {}
    if kind in TO_TPI:
        people.update((u.id, u) for u in _tpi(assessment.unit))
    if kind in TO_TEAM:
        people.update((u.id, u) for u in _team(assessment.unit_id, item_codes))
    return list(people.values())


# --- writing notifications ----------------------------------------------------------------------------

_written = threading.local()


def take_written() -> bool:
    """Whether this thread wrote notifications since it last asked (the web layer then queues the
    outbox at once instead of waiting for the periodic run)."""
    written = getattr(_written, "value", False)
    _written.value = False
    return written


def _base_params(assessment: Assessment, actor=None) -> dict:
    return {"unit": assessment.unit.name, "year": assessment.period.year,
            "actor": actor.name if actor is not None else ""}


def _write(assessment: Assessment, kind: str, key: str, params: dict, people: Iterable[User],
           actor=None) -> int:
    """One row per person (not the actor); rows already there (same key) are left alone. Returns
    how many rows were new."""
    rows = [{"user": person.id, "assessment": assessment.id, "kind": str(kind), "key": key,
             "params": params, "created_at": now()}
            for person in people if actor is None or person.id != actor.id]
    if not rows:
        return 0
    written = Notification.insert_many(rows).on_conflict_ignore().as_rowcount().execute()
    _written.value = True
    return written


def handoff(assessment: Assessment, action: str, actor, *, reason: str = "") -> int:
    """Tell the people concerned that `action` (a workflow transition) happened; returns how many
    rows were written. Called inside the transition's transaction."""
    kind = HANDOFFS.get(action)
    if kind is None:
        return 0
    params = _base_params(assessment, actor)
    items = None
    if kind == K.REVISION_REQUESTED:
        from .workflow import open_revisions

        items = sorted(open_revisions(assessment))
        params.update(count=len(items), items=", ".join(items[:20]) + (" …" if len(items) > 20 else ""))
    if kind == K.REOPENED and reason:
        params["reason"] = reason[:PARAM_CHARS]
    key = f"{action}:{now().isoformat()}"
    return _write(assessment, kind, key, params, recipients(assessment, kind, items), actor)


def evidence_reviewed(verdict: EvidenceReview, actor) -> int:
    """TPI asked for a revision of a document: the unit's head and the members of the item's area."""
    if verdict.status != "revision":
        return 0
    link = verdict.link
    assessment = link.assessment
    params = _base_params(assessment, actor)
    params.update(item=link.item_code, document=link.document.title[:PARAM_CHARS],
                  comment=verdict.comment[:PARAM_CHARS])
    people = recipients(assessment, K.EVIDENCE_REVISION, [link.item_code])
    return _write(assessment, K.EVIDENCE_REVISION, f"review:{verdict.id}", params, people, actor)


# --- deadlines ----------------------------------------------------------------------------------------


def reminder_days(settings) -> tuple[int, ...]:
    """ZI_REMINDER_DAYS ("14,3"): how many days before a period closes reminders go out; entries
    that are not whole numbers from 0 to 366 are ignored."""
    raw = str(settings.get("REMINDER_DAYS", "14,3") or "")
    days = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if part.isascii() and part.isdigit() and int(part) <= 366:
            days.add(int(part))
    return tuple(sorted(days))


UNIT_WORKING = (AssessmentStatus.DRAFT, AssessmentStatus.REVISION)
TPI_WORKING = (AssessmentStatus.SUBMITTED, AssessmentStatus.RESUBMITTED, AssessmentStatus.IN_REVIEW)


def due_reminders(today: date, days: tuple[int, ...]):
    """(assessment, threshold) of each open assessment whose period closes within a reminder's reach:
    the smallest threshold not below the days left, so a worker that was down catches up once."""
    if not days:
        return []
    query = (Assessment.select(Assessment, Period, Unit).join(Period).switch(Assessment).join(Unit)
             .where((Period.closes_on >= today) & (Period.closes_on <= today + timedelta(days=max(days)))
                    & Assessment.status.in_([*UNIT_WORKING, *TPI_WORKING]))
             .order_by(Assessment.id))
    found = []
    for assessment in query:
        left = (assessment.period.closes_on - today).days
        found.append((assessment, min(d for d in days if d >= left)))
    return found


def send_reminders(today: date, settings) -> int:
    """Write the reminders due today (once each, whoever runs this and how often), then send the
    pending mail. Returns how many reminder rows were new."""
    from .db import database

    written = 0
    for assessment, threshold in due_reminders(today, reminder_days(settings)):
        closes = assessment.period.closes_on
        tpi = assessment.status in TPI_WORKING
        people = _tpi(assessment.unit) if tpi else _team(assessment.unit_id)
        params = {"unit": assessment.unit.name, "year": assessment.period.year, "actor": "",
                  "date": closes.isoformat(), "days": (closes - today).days, "for": "tpi" if tpi else "unit"}
        key = f"{closes.isoformat()}:{threshold}"
        with database.atomic():
            written += _write(assessment, K.DEADLINE, key, params, people)
    send_pending(settings)
    return written


@dataclass(frozen=True)
class Deadline:
    assessment_id: int
    unit: str
    year: int
    closes_on: date
    days_left: int  # negative: overdue
    status: str

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def deadlines(assessments, today: date, limit: int = 8) -> tuple[list[Deadline], int]:
    """The closing dates of the open assessments among `assessments` (a query of the ones a person
    sees, joined with Unit), nearest first: up to `limit` of them and how many there are."""
    query = (assessments.select(Assessment.id, Assessment.status, Unit.name, Period.year, Period.closes_on)
             .switch(Assessment).join(Period)
             .where(Assessment.status != AssessmentStatus.ACCEPTED)
             .order_by(Period.closes_on, Unit.name, Assessment.id))
    total = query.count()
    rows = [Deadline(a.id, a.unit.name, a.period.year, a.period.closes_on,
                     (a.period.closes_on - today).days, a.status) for a in query.limit(limit)]
    return rows, total


# --- reading --------------------------------------------------------------------------------------------


def for_user(user):
    """A person's notifications, newest first (a query; the page takes a page of it)."""
    return (Notification.select(Notification).where(Notification.user == user)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def unread_count(user) -> int:
    return Notification.select().where((Notification.user == user) & Notification.read_at.is_null()).count()


def mark_read(notification: Notification) -> None:
    Notification.update(read_at=now()).where(
        (Notification.id == notification.id) & Notification.read_at.is_null()).execute()


def mark_all_read(user) -> int:
    return Notification.update(read_at=now()).where(
        (Notification.user == user) & Notification.read_at.is_null()).execute()


def set_email(user, wanted: bool) -> None:
    User.update(email_notifications=wanted).where(User.id == user.id).execute()
    user.email_notifications = wanted


def path(notification: Notification) -> str:
    """Where the notification leads, within zi."""
    if notification.assessment_id is None:
        return SETTINGS_PATH
    if notification.kind == K.EVIDENCE_REVISION:
        return f"/assessments/{notification.assessment_id}/evidence"
    return f"/assessments/{notification.assessment_id}"


def _values(params: dict, format_date: Callable[[date], str] = formatting.date) -> dict:
    values = {k: v for k, v in params.items() if isinstance(v, str | int)}
    if "date" in values:
        with contextlib.suppress(ValueError):  # not a date: shown as stored
            values["date"] = format_date(date.fromisoformat(str(values["date"])))
    return values


def title(notification: Notification, gettext: Callable[[str], str],
          format_date: Callable[[date], str] = formatting.date) -> str:
    """The notification's sentence in the language of `gettext` (dates by `format_date`)."""
    params = notification.params or {}
    message = TITLES.get(notification.kind, "%(unit)s")
    if notification.kind == K.DEADLINE:
        if params.get("days") == 0:
            message = DEADLINE_TODAY
        elif params.get("for") == "tpi":
            message = DEADLINE_TPI
    values = {"unit": "", "year": "", "actor": "", "count": "", "item": "", "document": "", "date": "",
              "days": "", **_values(params, format_date)}
    return render(message, values, gettext)


def details(notification: Notification, gettext: Callable[[str], str]) -> list[str]:
    params = _values(notification.params or {})
    return [render(message, {name: params[name]}, gettext)
            for name, message in DETAILS.items() if params.get(name)]


# --- mail: the outbox -------------------------------------------------------------------------------------


@cache
def _translations(locale: str):
    from babel.support import NullTranslations, Translations

    from .catalogs import DIRECTORY

    if locale == "id":  # the message ids are Indonesian
        return NullTranslations()
    return Translations.load(str(DIRECTORY), [locale], domain="messages")


def mail_text(notification: Notification, settings) -> tuple[str, str]:
    """Subject and body of a notification's mail, in ZI_LOCALE's language, with a link to zi."""
    locale = str(settings.get("BABEL_DEFAULT_LOCALE") or "id")
    gettext = _translations(locale).gettext
    base = str(settings.get("BASE_URL") or "").rstrip("/")
    params = notification.params or {}
    subject = render(SUBJECT, {"kind": gettext(NotificationKind.label_of(notification.kind)),
                               "unit": params.get("unit", ""), "year": params.get("year", "")}, gettext)
    lines = [render(GREETING, {"name": notification.user.name}, gettext), "",
             title(notification, gettext, lambda d: formatting.date(d, locale)),
             *details(notification, gettext), "",
             render(OPEN_LINK, {"url": base + path(notification)}, gettext), "", "-- ",
             render(FOOTER, {"url": base + SETTINGS_PATH}, gettext)]
    return subject, "\n".join(lines) + "\n"


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(5 * 2 ** max(0, attempts - 1), 360))


def _due(at: datetime):
    return (Notification.mail_status == MailStatus.PENDING) & (
        Notification.mail_due_at.is_null() | (Notification.mail_due_at <= at))


def send_pending(settings, at: datetime | None = None) -> dict[str, int]:
    """Send the mail of the pending notifications that are due; returns counts by outcome. A mail
    failure never undoes a notification: it is recorded on the row and tried again later."""
    at = at or now()
    outcome = {"sent": 0, "off": 0, "unconfigured": 0, "failed": 0, "retry": 0}
    candidates = list(Notification.select(Notification.id).where(_due(at))
                      .order_by(Notification.id).limit(BATCH).tuples())
    for (notification_id,) in candidates:
        claimed = Notification.update(mail_due_at=at + LEASE,
                                      mail_attempts=Notification.mail_attempts + 1).where(
            (Notification.id == notification_id) & _due(at)).execute()
        if not claimed:  # another worker has it
            continue
        notification = Notification.select(Notification, User).join(User).where(
            Notification.id == notification_id).get()
        person = notification.user
        try:
            status, error = _deliver(notification, person, settings)
        except Exception as err:  # one bad mail must not stop the others; tried again, then given up
            log.exception("notification %s: mail could not be made", notification_id)
            status, error = "retry", f"{type(err).__name__}: {err}"
        attempts = notification.mail_attempts
        changes = {"mail_error": error[:PARAM_CHARS]}
        if status in ("off", "unconfigured"):  # nothing was attempted
            changes["mail_attempts"] = attempts - 1
        if status == "retry" and attempts >= MAX_ATTEMPTS:
            status = "failed"
        if status == "retry":
            changes["mail_due_at"] = at + _backoff(attempts)
        else:
            changes["mail_status"] = MailStatus(status)
            changes["mailed_at"] = now() if status == "sent" else None
        Notification.update(**changes).where(Notification.id == notification_id).execute()
        outcome[status] += 1
    return outcome


def _deliver(notification: Notification, person: User, settings) -> tuple[str, str]:
    if not person.email_notifications or not person.active:
        return "off", ""
    if not mail.configured(settings):
        return "unconfigured", ""
    subject, body = mail_text(notification, settings)
    try:
        mail.send(settings, person.email, subject, body)
    except mail.MailError as err:
        log.warning("notification %s: mail to %s failed (attempt %s): %s", notification.id, person.email,
                    notification.mail_attempts, err)
        return "retry", str(err)
    return "sent", ""

"""zi.notify without the web: who is told about each hand-off, deadline reminders written once however
many workers run them, and the mail outbox against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
import threading
from datetime import date, timedelta

import pytest

from tests.conftest import SPTJM_LETTER as LETTER
from zi import notify, workflow
from zi.db import database
from zi.demo import PROCUREMENT, SECOND_UNIT
from zi.evidence import service
from zi.models import Assessment, EvidenceLink, Notification, Period, RevisionRequest, Unit, User, now
from zi.states import MailStatus


def person(email: str) -> User:
    return User.get(User.email == email)


def assessment_of(unit_name: str, status: str | None = None) -> Assessment:
    found = Assessment.select().join(Unit).where(Unit.name == unit_name).get()
    if status:
        Assessment.update(status=status).where(Assessment.id == found.id).execute()
    return Assessment.get_by_id(found.id)


def told(kind: str | None = None) -> dict[str, list[str]]:
    """email -> kinds of the notifications each person has."""
    query = Notification.select(Notification, User).join(User).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    found: dict[str, list[str]] = {}
    for n in query:
        found.setdefault(n.user.email, []).append(n.kind)
    return found


def smtp_settings(smtp_server, **more) -> dict:
    host, port, _ = smtp_server
    return {"SMTP_HOST": host, "SMTP_PORT": port, "SMTP_TIMEOUT": 5, "MAIL_FROM": "zi@contoh.go.id",
            "BASE_URL": "http://zi.contoh.go.id", "BABEL_DEFAULT_LOCALE": "id", "REMINDER_DAYS": "14,3",
            **more}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- who is told -----------------------------------------------------------------------------------


def test_a_submission_tells_the_units_tpi_and_nobody_else(db):
    own = assessment_of(PROCUREMENT)
    head = person("pimpinan@contoh.go.id")
    workflow.transition(own, "submit", head, {"head"}, sptjm=True, **LETTER)
    assert told() == {"tpi@contoh.go.id": ["submitted"]}
    [n] = Notification.select()
    assert n.assessment_id == own.id and n.read_at is None and n.mail_status == MailStatus.PENDING
    assert n.params["actor"] == head.name and n.params["unit"] == PROCUREMENT
    assert notify.title(n, lambda s: s) == (
        f"Kepala Bagian Pengadaan mengajukan penilaian {PROCUREMENT} 2026 ke TPI.")
    assert notify.path(n) == f"/assessments/{own.id}"


def test_start_review_tells_nobody_and_accepting_tells_the_unit_team(db):
    own = assessment_of(PROCUREMENT, "submitted")
    tpi = person("tpi@contoh.go.id")
    workflow.transition(own, "start_review", tpi, {"tpi"})
    assert told() == {}
    workflow.transition(own, "accept", tpi, {"tpi"})
    assert told() == {"pimpinan@contoh.go.id": ["accepted"], "anggota@contoh.go.id": ["accepted"]}


def test_a_revision_request_reaches_members_only_for_their_areas(db):
    """anggota is pokja for MP and PT: a flag on an SDM item concerns the head alone."""
    own = assessment_of(PROCUREMENT, "in_review")
    tpi = person("tpi@contoh.go.id")
    RevisionRequest.create(assessment=own, item_code="P-SDM-i-a", comment="Lengkapi")
    workflow.transition(own, "request_revision", tpi, {"tpi"})
    assert told() == {"pimpinan@contoh.go.id": ["revision_requested"]}
    [n] = Notification.select()
    assert n.params["count"] == 1 and n.params["items"] == "P-SDM-i-a"
    assert "Butir: P-SDM-i-a" in notify.details(n, lambda s: s)

    Notification.delete().execute()
    Assessment.update(status="in_review").where(Assessment.id == own.id).execute()
    RevisionRequest.create(assessment=own, item_code="R-MP-i-a", comment="Hitung ulang")
    workflow.transition(Assessment.get_by_id(own.id), "request_revision", tpi, {"tpi"})
    assert told() == {"pimpinan@contoh.go.id": ["revision_requested"],
                      "anggota@contoh.go.id": ["revision_requested"]}


def test_reopening_tells_the_team_and_tpi_with_the_reason(db):
    own = assessment_of(PROCUREMENT, "accepted")
    admin = person("admin@contoh.go.id")
    workflow.transition(own, "reopen", admin, {"admin"}, reason="Salah hitung IPAK")
    assert set(told("reopened")) == {"pimpinan@contoh.go.id", "anggota@contoh.go.id", "tpi@contoh.go.id"}
    n = Notification.select().first()
    assert "Alasan: Salah hitung IPAK" in notify.details(n, lambda s: s)


def test_an_evidence_revision_tells_the_head_and_the_members_of_the_items_area(db, criteria):
    own = assessment_of(PROCUREMENT, "in_review")
    head, tpi = person("pimpinan@contoh.go.id"), person("tpi@contoh.go.id")
    sdm = service.add_link(own, head, "https://contoh.go.id/sop", "SOP Kepegawaian", criteria=criteria,
                           item_codes=["P-SDM-i-a"])
    mp = service.add_link(own, head, "https://contoh.go.id/sk", "SK Tim", criteria=criteria,
                          item_codes=["P-MP-i-a"])
    service.review(EvidenceLink.get(EvidenceLink.document == sdm), tpi, "accepted")
    assert told() == {}  # an accepted document tells nobody
    service.review(EvidenceLink.get(EvidenceLink.document == sdm), tpi, "revision", "Tanda tangan kurang")
    assert told() == {"pimpinan@contoh.go.id": ["evidence_revision"]}
    service.review(EvidenceLink.get(EvidenceLink.document == mp), tpi, "revision", "Tanggal salah")
    assert told() == {"pimpinan@contoh.go.id": ["evidence_revision", "evidence_revision"],
                      "anggota@contoh.go.id": ["evidence_revision"]}
    n = Notification.select().order_by(Notification.id.desc()).first()
    assert notify.path(n) == f"/assessments/{own.id}/evidence"
    assert n.params["document"] == "SK Tim" and "Catatan TPI: Tanggal salah" in notify.details(n, lambda s: s)


def test_the_actor_and_inactive_people_are_not_told(db):
    own = assessment_of(PROCUREMENT, "in_review")
    tpi = person("tpi@contoh.go.id")
    User.update(active=False).where(User.email == "anggota@contoh.go.id").execute()
    workflow.transition(own, "accept", tpi, {"tpi"})
    assert told() == {"pimpinan@contoh.go.id": ["accepted"]}


# --- deadline reminders ------------------------------------------------------------------------------


def closing(days_from_today: int, today: date = date(2026, 12, 1)) -> Period:
    period = Period.select().first()
    period.closes_on = today + timedelta(days=days_from_today)
    period.save()
    return period


@pytest.mark.parametrize(("raw", "days"), [("14,3", (3, 14)), (" 7 ; 1,x,-2, 999", (1, 7)), ("", ()),
                                           ("0", (0,))])
def test_reminder_days_come_from_the_setting(raw, days):
    assert notify.reminder_days({"REMINDER_DAYS": raw}) == days


def test_reminders_are_written_once_per_threshold_and_a_late_worker_catches_up(db):
    """Days (14, 3): 20 days before nothing; 10 days before (the worker missed day 14) the 14-day
    reminder; again the same day or the next, nothing new; 3 days before the 3-day one."""
    today = date(2026, 12, 1)
    closing(20, today)
    settings = {"REMINDER_DAYS": "14,3"}
    assert notify.send_reminders(today, settings) == 0
    closing(10, today)
    # draft units: both units' teams (the second unit has no head or member in the demo)
    assert notify.send_reminders(today, settings) == 2
    assert told("deadline") == {"pimpinan@contoh.go.id": ["deadline"], "anggota@contoh.go.id": ["deadline"]}
    assert notify.send_reminders(today, settings) == 0
    assert notify.send_reminders(today + timedelta(days=1), settings) == 0
    assert notify.send_reminders(today + timedelta(days=7), settings) == 2
    head = person("pimpinan@contoh.go.id")
    keys = sorted(n.key for n in Notification.select().where(Notification.user == head))
    assert keys == ["2026-12-11:14", "2026-12-11:3"]
    n = Notification.select().order_by(Notification.id.desc()).first()
    assert n.params["days"] == 3
    assert notify.title(n, lambda s: s, str) == (
        f"Periode 2026 {PROCUREMENT} ditutup 2026-12-11: tinggal 3 hari.")


def test_reminders_go_to_tpi_while_the_assessment_is_with_tpi_and_to_nobody_once_accepted(db):
    today = date(2026, 12, 1)
    closing(3, today)
    Assessment.update(status="submitted").where(Assessment.id == assessment_of(PROCUREMENT).id).execute()
    Assessment.update(status="accepted").where(Assessment.id == assessment_of(SECOND_UNIT).id).execute()
    notify.send_reminders(today, {"REMINDER_DAYS": "3"})
    assert told("deadline") == {"tpi@contoh.go.id": ["deadline"]}
    n = Notification.get()
    assert n.params["for"] == "tpi" and notify.title(n, lambda s: s).startswith("Reviu TPI atas")


def _as_two_workers(task) -> list:
    """Run `task()` in two threads at once, each on its own database connection."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            with database.connection_context():
                barrier.wait(timeout=10)
                results.append(task())
        except Exception as err:  # reported below: a thread's failure must fail the test
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_two_workers_sending_reminders_at_once_send_each_one_once(db, smtp_server):
    _, _, mailbox = smtp_server
    today = date.today()
    closing(3, today)
    settings = smtp_settings(smtp_server)
    database.close()  # the workers use their own connections
    written = _as_two_workers(lambda: notify.send_reminders(today, settings))
    database.connect(reuse_if_open=True)
    assert sum(written) == 2
    assert Notification.select().count() == 2
    assert len(mailbox.to("pimpinan@contoh.go.id")) == 1
    assert len(mailbox.to("anggota@contoh.go.id")) == 1
    assert len(mailbox.messages) == 2
    assert all(n.mail_status == MailStatus.SENT and n.mail_attempts == 1 for n in Notification.select())
    # a third run, later, sends nothing again
    notify.send_reminders(today, settings)
    assert len(mailbox.messages) == 2


def test_two_workers_flushing_the_outbox_at_once_send_each_mail_once(db, smtp_server):
    _, _, mailbox = smtp_server
    own = assessment_of(PROCUREMENT, "in_review")
    workflow.transition(own, "accept", person("tpi@contoh.go.id"), {"tpi"})
    notify.handoff(own, "accept", person("tpi@contoh.go.id"))  # a second hand-off: 4 mails in all
    settings = smtp_settings(smtp_server)
    database.close()
    outcomes = _as_two_workers(lambda: notify.send_pending(settings))
    database.connect(reuse_if_open=True)
    assert sum(o["sent"] for o in outcomes) == 4
    assert len(mailbox.messages) == 4
    assert len(mailbox.to("pimpinan@contoh.go.id")) == 2


# --- the outbox -------------------------------------------------------------------------------------


def test_mail_is_indonesian_with_a_link_and_the_settings_page(db, smtp_server):
    _, _, mailbox = smtp_server
    own = assessment_of(PROCUREMENT)
    workflow.transition(own, "submit", person("pimpinan@contoh.go.id"), {"head"}, sptjm=True, **LETTER)
    assert notify.send_pending(smtp_settings(smtp_server))["sent"] == 1
    [message] = mailbox.to("tpi@contoh.go.id")
    assert message["Subject"] == f"[zi] Diajukan ke TPI: {PROCUREMENT} 2026"
    body = mailbox.body(message)
    assert body.startswith("Yth. Evaluator TPI,")
    assert f"Buka di zi: http://zi.contoh.go.id/assessments/{own.id}" in body
    assert "http://zi.contoh.go.id/notifications/" in body
    n = Notification.get()
    assert n.mail_status == MailStatus.SENT and n.mailed_at is not None and n.read_at is None


def test_mail_follows_zi_locale(db, smtp_server):
    _, _, mailbox = smtp_server
    own = assessment_of(PROCUREMENT)
    workflow.transition(own, "submit", person("pimpinan@contoh.go.id"), {"head"}, sptjm=True, **LETTER)
    notify.send_pending(smtp_settings(smtp_server, BABEL_DEFAULT_LOCALE="en"))
    [message] = mailbox.to("tpi@contoh.go.id")
    assert message["Subject"] == f"[zi] Submitted to TPI: {PROCUREMENT} 2026"
    expected = f"Kepala Bagian Pengadaan submitted the {PROCUREMENT} 2026 assessment to TPI."
    assert expected in mailbox.body(message)


def test_email_turned_off_keeps_the_notification_and_sends_nothing(db, smtp_server):
    _, _, mailbox = smtp_server
    notify.set_email(person("tpi@contoh.go.id"), False)
    workflow.transition(assessment_of(PROCUREMENT), "submit", person("pimpinan@contoh.go.id"), {"head"},
                        sptjm=True, **LETTER)
    assert notify.send_pending(smtp_settings(smtp_server))["off"] == 1
    assert mailbox.messages == []
    n = Notification.get()
    assert n.mail_status == MailStatus.OFF and n.read_at is None
    assert notify.unread_count(person("tpi@contoh.go.id")) == 1


def test_without_an_smtp_host_nothing_is_retried(db):
    workflow.transition(assessment_of(PROCUREMENT), "submit", person("pimpinan@contoh.go.id"), {"head"},
                        sptjm=True, **LETTER)
    assert notify.send_pending({"SMTP_HOST": ""})["unconfigured"] == 1
    assert Notification.get().mail_status == MailStatus.UNCONFIGURED
    assert notify.send_pending({"SMTP_HOST": ""}) == dict.fromkeys(("sent", "off", "unconfigured", "failed",
                                                                  "retry"), 0)


def test_smtp_down_keeps_the_mail_pending_and_a_later_run_sends_it(db, smtp_server):
    _, _, mailbox = smtp_server
    workflow.transition(assessment_of(PROCUREMENT), "submit", person("pimpinan@contoh.go.id"), {"head"},
                        sptjm=True, **LETTER)
    down = smtp_settings(smtp_server, SMTP_PORT=closed_port(), SMTP_TIMEOUT=2)
    assert notify.send_pending(down)["retry"] == 1
    n = Notification.get()
    assert n.mail_status == MailStatus.PENDING and n.mail_attempts == 1 and n.mail_error
    assert n.mail_due_at > now()
    # not due yet: the next run leaves it alone, even with the server back
    assert notify.send_pending(smtp_settings(smtp_server))["sent"] == 0
    assert mailbox.messages == []
    later = now() + timedelta(minutes=6)
    assert notify.send_pending(smtp_settings(smtp_server), at=later)["sent"] == 1
    assert len(mailbox.to("tpi@contoh.go.id")) == 1
    n = Notification.get()
    assert n.mail_status == MailStatus.SENT and n.mail_attempts == 2


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(db):
    workflow.transition(assessment_of(PROCUREMENT), "submit", person("pimpinan@contoh.go.id"), {"head"},
                        sptjm=True, **LETTER)
    Notification.update(mail_attempts=notify.MAX_ATTEMPTS - 1).execute()
    down = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": closed_port(), "SMTP_TIMEOUT": 2}
    assert notify.send_pending(down)["failed"] == 1
    n = Notification.get()
    assert n.mail_status == MailStatus.FAILED and n.mail_error and n.read_at is None


def test_deadlines_list_open_assessments_nearest_first_with_overdue_ones(db):
    today = date(2026, 12, 1)
    closing(-2, today)
    Assessment.update(status="accepted").where(Assessment.id == assessment_of(SECOND_UNIT).id).execute()
    tpi_sees = Assessment.select(Assessment, Unit).join(Unit)
    rows, total = notify.deadlines(tpi_sees, today)
    assert total == 1
    [row] = rows
    assert (row.unit, row.year, row.days_left, row.overdue) == (PROCUREMENT, 2026, -2, True)


def test_a_mail_that_cannot_be_made_does_not_stop_the_others(db, smtp_server):
    """A broken address (a header with a line break) fails that mail alone, recorded for a retry."""
    _, _, mailbox = smtp_server
    own = assessment_of(PROCUREMENT, "in_review")
    head = person("pimpinan@contoh.go.id")
    User.update(email="pimpinan@contoh.go.id\nBcc: x@y.z").where(User.id == head.id).execute()
    workflow.transition(own, "accept", person("tpi@contoh.go.id"), {"tpi"})
    outcome = notify.send_pending(smtp_settings(smtp_server))
    assert (outcome["sent"], outcome["retry"]) == (1, 1)
    assert [m["To"] for m in mailbox.messages] == ["anggota@contoh.go.id"]
    broken = Notification.get(Notification.mail_status == MailStatus.PENDING)
    assert broken.mail_attempts == 1 and "ValueError" in broken.mail_error

"""Notifications in the browser's requests: a hand-off reaches the in-app list and the mailbox (a real
SMTP server), the header counts what is unread, people mark their own notifications read and nobody
else's, e-mail can be turned off, a mail server that is down fails nothing, and the dashboard shows
the period's deadlines."""

from __future__ import annotations

import re
import socket
from datetime import date, timedelta

from tests.conftest import SPTJM_LETTER, best_answer
from zi import notify, workflow
from zi.demo import PROCUREMENT
from zi.models import Answer, Assessment, Notification, Period, Unit, User, now
from zi.states import MailStatus


def procurement() -> Assessment:
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def complete(criteria, assessment: Assessment) -> None:
    """Every item answered in the unit layer, so the head may submit."""
    Answer.delete().where((Answer.assessment == assessment) & (Answer.layer == "unit")).execute()
    Answer.insert_many([{"assessment": assessment, "layer": "unit", "item_code": item.code,
                         "value": best_answer(item)} for item in criteria.items]).execute()


def submit(client, login, criteria) -> Assessment:
    own = procurement()
    complete(criteria, own)
    login("pimpinan@contoh.go.id")
    response = client.post(f"/assessments/{own.id}/action/submit", data={"sptjm": "1", **SPTJM_LETTER})
    assert response.status_code == 302
    assert Assessment.get_by_id(own.id).status == "submitted"
    return own


def unread_badge(html: str) -> str | None:
    """The unread count shown in the header's Notifikasi link."""
    found = re.search(r'href="/notifications/"[^>]*>Notifikasi <span class="badge bad"[^>]*>(\d+)', html)
    return found.group(1) if found else None


def person(email: str) -> User:
    return User.get(User.email == email)


def test_a_submission_reaches_the_tpi_in_app_and_by_mail(client, login, db, criteria, mail_app):
    own = submit(client, login, criteria)
    [message] = mail_app.to("tpi@contoh.go.id")
    assert mail_app.to("pimpinan@contoh.go.id") == []  # the head did it: not told
    assert PROCUREMENT in message["Subject"]
    assert f"http://zi.contoh.go.id/assessments/{own.id}" in mail_app.body(message)
    assert Notification.get().mail_status == MailStatus.SENT

    login("tpi@contoh.go.id")
    dashboard = client.get("/").get_data(as_text=True)
    assert unread_badge(dashboard) == "1"
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"Kepala Bagian Pengadaan mengajukan penilaian {PROCUREMENT} 2026 ke TPI." in page
    assert "1 belum dibaca" in page


def test_opening_a_notification_marks_it_read_and_leads_to_its_assessment(client, login, db, criteria,
                                                                        mail_app):
    own = submit(client, login, criteria)
    n = Notification.get()
    login("tpi@contoh.go.id")
    response = client.post(f"/notifications/{n.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/assessments/{own.id}")
    assert Notification.get_by_id(n.id).read_at is not None
    assert unread_badge(client.get("/").get_data(as_text=True)) is None


def test_unread_counts_mark_one_and_mark_all(client, login, db):
    tpi = person("tpi@contoh.go.id")
    own = procurement()
    for action in ("submit", "resubmit", "submit"):
        notify.handoff(own, action, person("pimpinan@contoh.go.id"))
    assert notify.unread_count(tpi) == 3
    login("tpi@contoh.go.id")
    assert unread_badge(client.get("/").get_data(as_text=True)) == "3"
    first = Notification.select().order_by(Notification.id).first()
    response = client.post(f"/notifications/{first.id}/read")
    assert response.status_code == 302
    assert "ditandai sudah dibaca" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert notify.unread_count(tpi) == 2
    assert unread_badge(client.get("/notifications/").get_data(as_text=True)) == "2"
    response = client.post("/notifications/read-all")
    assert response.status_code == 302
    assert "2 notifikasi ditandai sudah dibaca." in client.get("/notifications/").get_data(as_text=True)
    assert notify.unread_count(tpi) == 0
    assert Notification.select().where(Notification.read_at.is_null()).count() == 0


def test_the_list_comes_in_pages(client, login, db):
    own = procurement()
    head = person("pimpinan@contoh.go.id")
    for _ in range(30):
        notify.handoff(own, "submit", head)
    login("tpi@contoh.go.id")
    first = client.get("/notifications/").get_data(as_text=True)
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert first.count('class="unread"') == 25 and second.count('class="unread"') == 5
    assert "1–25 dari 30" in first and "26–30 dari 30" in second


def test_nobody_sees_or_marks_another_persons_notification(client, login, db):
    notify.handoff(procurement(), "submit", person("pimpinan@contoh.go.id"))
    n = Notification.get()
    assert n.user.email == "tpi@contoh.go.id"
    login("anggota@contoh.go.id")
    assert client.post(f"/notifications/{n.id}/read").status_code == 404
    assert client.post(f"/notifications/{n.id}/read", data={"open": "1"}).status_code == 404
    client.post("/notifications/read-all")
    assert Notification.get_by_id(n.id).read_at is None
    page = client.get("/notifications/").get_data(as_text=True)
    assert "mengajukan penilaian" not in page and "Belum ada notifikasi" in page


def test_email_turned_off_keeps_the_in_app_notification(client, login, db, criteria, mail_app):
    login("tpi@contoh.go.id")
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'name="email" value="1" checked' in page
    response = client.post("/notifications/settings", data={})
    assert response.status_code == 302
    assert person("tpi@contoh.go.id").email_notifications is False
    assert 'name="email" value="1">' in client.get("/notifications/").get_data(as_text=True)

    submit(client, login, criteria)
    assert mail_app.messages == []
    n = Notification.get()
    assert n.mail_status == MailStatus.OFF
    assert notify.unread_count(person("tpi@contoh.go.id")) == 1

    login("tpi@contoh.go.id")
    client.post("/notifications/settings", data={"email": "1"})
    assert person("tpi@contoh.go.id").email_notifications is True


def test_smtp_down_fails_no_hand_off_and_the_mail_goes_out_later(client, login, db, criteria, app,
                                                               smtp_server):
    host, port, mailbox = smtp_server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    app.config.update(SMTP_HOST=host, SMTP_PORT=closed, SMTP_TIMEOUT=2, BASE_URL="http://zi.contoh.go.id")
    own = submit(client, login, criteria)
    page = client.get(f"/assessments/{own.id}").get_data(as_text=True)
    assert 'class="flash success"' in page
    n = Notification.get()
    assert n.mail_status == MailStatus.PENDING and n.mail_attempts == 1 and n.mail_error
    login("tpi@contoh.go.id")
    assert unread_badge(client.get("/").get_data(as_text=True)) == "1"

    app.config.update(SMTP_PORT=port)
    from zi import jobs

    notify.send_pending(jobs.mail_settings(app.config), at=now() + timedelta(minutes=6))
    assert len(mailbox.to("tpi@contoh.go.id")) == 1
    assert Notification.get().mail_status == MailStatus.SENT


def test_an_evidence_revision_request_reaches_the_unit(client, login, db, criteria, mail_app):
    from zi.evidence import service
    from zi.models import EvidenceLink

    own = procurement()
    doc = service.add_link(own, person("pimpinan@contoh.go.id"), "https://contoh.go.id/sk", "SK Tim",
                           criteria=criteria, item_codes=["P-MP-i-a"])
    link = EvidenceLink.get(EvidenceLink.document == doc)
    Assessment.update(status="in_review").where(Assessment.id == own.id).execute()
    login("tpi@contoh.go.id")
    response = client.post(f"/assessments/{own.id}/evidence/links/{link.id}/review",
                           data={"status": "revision", "comment": "Tanda tangan belum ada"})
    assert response.status_code in (200, 302)
    assert {m["To"] for m in mail_app.messages} == {"pimpinan@contoh.go.id", "anggota@contoh.go.id"}
    assert "Tanda tangan belum ada" in mail_app.body(mail_app.to("anggota@contoh.go.id")[0])


def test_the_dashboard_shows_the_deadlines_of_the_persons_units(client, login, db):
    period = Period.get()
    period.closes_on = date.today() + timedelta(days=3)
    period.save()
    login("anggota@contoh.go.id")
    html = client.get("/").get_data(as_text=True)
    block = html.split('class="card deadlines"', 1)[1].split("</table>", 1)[0]
    assert "Tenggat" in html and PROCUREMENT in block
    assert "Dinas Penanaman Modal" not in block  # not the member's unit
    assert "3 hari lagi" in block and "lewat" not in block

    period.closes_on = date.today() - timedelta(days=5)
    period.save()
    html = client.get("/").get_data(as_text=True)
    block = html.split('class="card deadlines"', 1)[1].split("</table>", 1)[0]
    assert 'class="lewat"' in block and "lewat 5 hari" in block


def test_accepted_assessments_leave_the_deadlines(client, login, db):
    Assessment.update(status="accepted").execute()
    login("admin@contoh.go.id")
    assert 'class="card deadlines"' not in client.get("/").get_data(as_text=True)


def test_a_workflow_hand_off_written_outside_a_request_is_sent_by_the_periodic_job(db, smtp_server):
    """The outbox does not depend on the web: rows written elsewhere go out on the next run."""
    _, _, mailbox = smtp_server
    host, port, _ = smtp_server
    own = procurement()
    Assessment.update(status="in_review").where(Assessment.id == own.id).execute()
    workflow.transition(Assessment.get_by_id(own.id), "accept", person("tpi@contoh.go.id"), {"tpi"})
    notify.send_pending({"SMTP_HOST": host, "SMTP_PORT": port, "BASE_URL": "http://x"})
    assert {m["To"] for m in mailbox.messages} == {"pimpinan@contoh.go.id", "anggota@contoh.go.id"}


def test_the_list_and_the_deadlines_read_in_english(client, login, db):
    period = Period.get()
    period.closes_on = date.today() + timedelta(days=3)
    period.save()
    notify.handoff(procurement(), "submit", person("pimpinan@contoh.go.id"))
    login("tpi@contoh.go.id")
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"Kepala Bagian Pengadaan submitted the {PROCUREMENT} 2026 assessment to TPI." in page
    assert "1 unread" in page and "Mark all as read" in page and "Notification e-mail" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Deadlines" in dashboard and "3 day(s) left" in dashboard

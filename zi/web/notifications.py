"""Each person's notifications: the list (newest first, in pages), marking read, the e-mail choice;
the unread count in the header and the deadlines block of the dashboard; and queueing the mail of
notifications a request wrote (zi.notify's outbox; the periodic job sends whatever this misses)."""

from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import BooleanField, Form

from .. import notify
from ..states import NotificationKind
from .i18n import gettext
from .inputs import page_of

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
log = logging.getLogger(__name__)
PER_PAGE = 25


class MarkForm(Form):
    open = BooleanField()  # also go to what the notification is about


class SettingsForm(Form):
    email = BooleanField()


@bp.route("/")
@login_required
def index():
    g.access.ensure("notifications.view")
    page = page_of(notify.for_user(current_user), per_page=PER_PAGE)
    from . import filters

    rows = [{"n": n, "title": notify.title(n, gettext, filters.date), "details": notify.details(n, gettext),
             "path": notify.path(n)} for n in page.rows]
    return render_template("notifications/index.html", page=page, rows=rows,
                           unread=notify.unread_count(current_user))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    found = g.access.notification(notification_id)  # another person's: 404
    g.access.ensure("notification.mark", found)
    notify.mark_read(found)
    flash(gettext("Notifikasi ditandai sudah dibaca."), "success")
    if MarkForm(request.form).open.data:
        return redirect(notify.path(found))
    return redirect(url_for("notifications.index", page=request.args.get("page") or None))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    g.access.ensure("notifications.view")
    count = notify.mark_all_read(current_user)
    flash(gettext("%(n)s notifikasi ditandai sudah dibaca.", n=count), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["POST"])
@login_required
def settings():
    g.access.ensure("notifications.view")
    wanted = bool(SettingsForm(request.form).email.data)
    notify.set_email(current_user, wanted)
    flash(gettext("Notifikasi surel diaktifkan.") if wanted
          else gettext("Notifikasi surel dimatikan; notifikasi tetap tampil di zi."), "success")
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def _helpers():
    return {"unread_notifications": _unread, "zi_deadlines": _deadlines}


def _unread() -> int:
    """The header's count: one COUNT query, only for a signed-in person."""
    if not current_user.is_authenticated:
        return 0
    if "zi_unread" not in g:
        g.zi_unread = notify.unread_count(current_user)
    return g.zi_unread


def _deadlines():
    """The dashboard's "Tenggat" block: the closing dates of the person's open assessments."""
    if not current_user.is_authenticated or g.get("access") is None:
        return [], 0
    return notify.deadlines(g.access.assessments(), date.today())


@bp.before_app_request
def _fresh():
    notify.take_written()  # what another request of this thread wrote is not this one's


@bp.after_app_request
def _queue_mail(response):
    """A request that wrote notifications queues their mail; a failure to queue is only logged
    (the periodic job sends it), never the request's failure."""
    if notify.take_written():
        from .. import jobs

        try:
            jobs.send_mail(jobs.mail_settings(current_app.config))
        except Exception:
            log.exception("queueing notification mail failed; the periodic job will send it")
    return response


@bp.app_template_filter("notification_kind")
def _kind_label(kind: str) -> str:
    return gettext(NotificationKind.label_of(kind))

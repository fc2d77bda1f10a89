"""Jinja filters: numbers and dates (zi.formatting, shared with the dossiers) and the labels of
stored states (zi.states), translated."""

from __future__ import annotations

from .. import formatting
from ..states import AssessmentStatus, DossierVariant, EvidenceStatus, JobStatus, Role
from .i18n import gettext

# Kept for older callers: the labels live in zi.states, the formatting in zi.formatting.
ROLE_LABELS = Role.labels()
number = formatting.number


def register(app) -> None:
    env = app.jinja_env
    env.filters["num"] = formatting.number
    env.filters["pct"] = formatting.percent
    env.filters["dt"] = formatting.datetime
    env.filters["date"] = formatting.date
    env.filters["status"] = lambda s: gettext(AssessmentStatus.label_of(s))
    env.filters["role"] = lambda r: gettext(Role.label_of(r))
    env.filters["evidence_status"] = lambda s: gettext(EvidenceStatus.label_of(s))
    env.filters["job_status"] = lambda s: gettext(JobStatus.label_of(s))
    env.filters["variant"] = lambda v: gettext(DossierVariant.label_of(v))

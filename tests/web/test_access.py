"""Who may see and do what, route by route and role by role.

The matrix below is the specification: one row per request, one column per kind of
person. Each cell says what the app must answer:

    OK      200
    LOGIN   302 to /login (anonymous)
    NF      404: the person may not even know the assessment / instansi / unit exists
    FB      403: the person sees it but may not do this
    DONE    302 with a success flash, and the database changed
    REF     302 back to the overview with an error flash (workflow actions), nothing changed

For every POST that is not DONE the whole database (audit log included) must be unchanged.

A second instansi ("Pemerintah Kota Lain") with its own unit, admin and assessment is built
in each test so that URLs and forms can carry another unit's and another instansi's ids.
"""

from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import urlsplit

import pytest

import zi.admin as ops
from tests.conftest import SPTJM_LETTER, best_answer
from tests.evidence.helpers import pdf
from zi.demo import DEMO_PASSWORD, INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.evidence import service, store_from_config
from zi.models import (
    ALL_MODELS,
    Answer,
    Assessment,
    Dossier,
    DossierJob,
    EvidenceLink,
    Instansi,
    Notification,
    RevisionRequest,
    RoleAssignment,
    Unit,
    User,
)
from zi.passwords import hash_password
from zi.web.auth import begin_session

OTHER_INSTANSI = "Pemerintah Kota Lain"
OTHER_UNIT = "Inspektorat Kota Lain"

# --- the world ----------------------------------------------------------------------------

_HASH: dict[str, str] = {}


def _cached_hash(password: str) -> str:
    """Argon2 is deliberately slow; hash the one test password once per run."""
    if password not in _HASH:
        _HASH[password] = hash_password(password)
    return _HASH[password]


@pytest.fixture
def world(app, db, monkeypatch, criteria):
    """Demo data plus a second instansi, a person without any role, and the ids URLs need."""
    with monkeypatch.context() as m:
        m.setattr(ops, "hash_password", _cached_hash)
        other = ops.get_or_create_instansi(OTHER_INSTANSI)
        other_unit = ops.create_unit(other, OTHER_UNIT)
        other_admin = ops.create_user("admin@lain.go.id", "Admin Kota Lain", DEMO_PASSWORD, instansi=other)
        ops.assign_role(other_admin, "admin", other)
        period = ops.create_period(other, 2026, "lke-2021", date(2026, 1, 1), date(2026, 12, 31))
        other_assessment = ops.ensure_assessment(other_unit, period)
        ops.create_user("tanpa-peran@contoh.go.id", "Tanpa Peran", DEMO_PASSWORD)

    demo = Instansi.get(Instansi.name == INSTANSI)
    own_unit = Unit.get((Unit.instansi == demo) & (Unit.name == PROCUREMENT))
    second_unit = Unit.get((Unit.instansi == demo) & (Unit.name == SECOND_UNIT))
    member = User.get(User.email == "anggota@contoh.go.id")
    # one unread notification each (mark-all-read changes something for everyone); tpi's is marked in a row
    notes = {role: Notification.create(user=User.get(User.email == email), kind="submitted", key="world").id
             for role, email in EMAILS.items() if email}
    assessments = {
        "own": Assessment.get(Assessment.unit == own_unit),
        "second": Assessment.get(Assessment.unit == second_unit),
        "other": other_assessment,
    }
    return {
        "criteria": criteria,
        "assessments": assessments,
        "ids": {
            "own": assessments["own"].id,
            "second": assessments["second"].id,
            "other": other_assessment.id,
            "demo_instansi": demo.id,
            "other_instansi": other.id,
            "own_unit": own_unit.id,
            "other_unit": other_unit.id,
            "member_role": RoleAssignment.get(RoleAssignment.user == member).id,
            "member_user": member.id, "other_admin_user": User.get(User.email == "admin@lain.go.id").id,
            "notification_tpi": notes["tpi"],
            "tpi_user": User.get(User.email == "tpi@contoh.go.id").id,
        },
        "app": app,
    }


EVIDENCE_IDS = re.compile(r"\{(doc|rev|sha|link|job|dossier)_")


def with_evidence(world: dict, *texts: str) -> None:
    """Store the documents and dossiers only for the rows whose URL or form names one (uploads cost)."""
    if "doc_own" not in world["ids"] and any(EVIDENCE_IDS.search(t) for t in texts):
        world["ids"].update(_evidence_and_dossiers(world["app"], world["criteria"], world["assessments"]))


def _evidence_and_dossiers(app, criteria, assessments: dict) -> dict:
    """Documents (an MP item and an SDM item of the own unit, one of the second unit, one of the other
    instansi; a trashed one here and there), and a finished dossier job and a final dossier per
    assessment, all with real stored bytes: the ids the evidence and dossier rows need."""
    store = store_from_config(app.config)
    admin = User.get(User.email == "admin@contoh.go.id")
    ids = {}
    for key, target, code, trashed in (("own", "own", "P-MP-i-b", False), ("sdm", "own", "P-SDM-i-a", False),
                                       ("second", "second", "P-MP-i-b", False),
                                       ("other", "other", "P-MP-i-b", False),
                                       ("trashed_own", "own", "P-MP-i-a", True),
                                       ("trashed_other", "other", "P-MP-i-a", True)):
        assessment = assessments[target]
        revision = service.upload(store, assessment, admin, io.BytesIO(pdf(f"bukti {key}")), f"{key}.pdf",
                                  criteria=criteria, max_bytes=1024 * 1024, title=f"Bukti {key}",
                                  item_codes=[code])
        if trashed:
            service.trash(revision.document, admin)
        ids[f"doc_{key}"] = revision.document_id
        ids[f"rev_{key}"] = revision.id
        ids[f"sha_{key}"] = revision.file.sha256
        ids[f"link_{key}"] = EvidenceLink.get(EvidenceLink.document == revision.document_id).id
        if key in assessments:
            file = revision.file
            ids[f"job_{key}"] = DossierJob.create(assessment=assessment, variant="internal", status="done",
                                                  progress=100, sha256=file.sha256, size=file.size).id
            ids[f"dossier_{key}"] = Dossier.create(assessment=assessment, variant="internal",
                                                   sha256=file.sha256, size=file.size).id
    return ids


EMAILS = {
    "anonymous": None,
    "admin": "admin@contoh.go.id",
    "head": "pimpinan@contoh.go.id",
    "member": "anggota@contoh.go.id",
    "tpi": "tpi@contoh.go.id",
    "reviewer": "reviewer@contoh.go.id",
    "norole": "tanpa-peran@contoh.go.id",
    "other_admin": "admin@lain.go.id",
}
ROLES = tuple(EMAILS)


def fill(criteria, assessment: Assessment, layer: str) -> None:
    """Give every item its best answer in one layer (a complete layer)."""
    with Answer._meta.database.atomic():
        for item in criteria.items:
            Answer.insert(assessment=assessment, layer=layer, item_code=item.code, value=best_answer(item),
                          note="", version=1).on_conflict(
                conflict_target=[Answer.assessment, Answer.layer, Answer.item_code],
                update={Answer.value: best_answer(item), Answer.version: Answer.version + 1},
            ).execute()


def put(world: dict, target: str, state: str) -> None:
    """Bring an assessment into the state a row needs, bypassing the workflow."""
    assessment, criteria = world["assessments"][target], world["criteria"]
    status = {"draft": "draft", "complete": "draft", "submitted": "submitted", "in_review": "in_review",
              "flagged": "in_review", "tpi_complete": "in_review", "accepted": "accepted",
              "revision": "revision"}[state]
    if state == "complete":
        fill(criteria, assessment, "unit")
    if state == "tpi_complete":
        fill(criteria, assessment, "tpi")
    if state == "flagged":
        RevisionRequest.create(assessment=assessment, item_code="P-MP-i-b", comment="Lengkapi data dukung")
    Assessment.update(status=status).where(Assessment.id == assessment.id).execute()


def snapshot() -> dict:
    """Every row of every table, to prove a refused request changed nothing."""
    return {m.__name__: list(m.select().order_by(m.id).dicts()) for m in ALL_MODELS}


# --- the matrix ---------------------------------------------------------------------------

OK, LOGIN, NF, FB, DONE, REF = "200", "login", "404", "403", "done", "refused"
BAD = "400"  # a visible assessment, a form the route does not accept
ERR = "error"  # 302 to a page of the assessment with an error flash, nothing changed
FILE = "<a PDF>"  # an uploaded file in the form

SAVE_B = {"layer": "unit", "value": "B", "version": "auto"}
SAVE_TPI = {"layer": "tpi", "value": "B", "version": "auto"}
SAVE_SDM = {"layer": "unit", "value": "Tidak", "version": "auto"}
SPTJM = {"sptjm": "1", **SPTJM_LETTER}
SURVEY = {"respondents": "120", "period_start": "2026-07-01", "period_end": "2026-09-30", "surveyor": "BPS"}
NEW_USER = {"email": "baru@contoh.go.id", "name": "Orang Baru", "password": "kata-sandi-baru",
            "role": "member", "areas": "MP"}
NEW_ROLE = {"email": "tanpa-peran@contoh.go.id", "role": "member"}
NEW_PERIOD = {"year": "2027", "criteria_id": "lke-2021", "opens_on": "2027-01-01", "closes_on": "2027-12-31"}
A = "/assessments/{%s}"
LINK_URL = {"url": "https://contoh.go.id/sk-tim", "title": "SK Tim", "items": "P-MP-i-b"}
VERDICT = {"status": "accepted", "comment": ""}
# who sees an assessment of the own unit, the instansi's second unit, another instansi's unit:
#   admin, head, member, tpi, reviewer, no role, other instansi's admin
SEES = {"own": (OK, OK, OK, OK, OK, NF, NF), "second": (OK, NF, NF, OK, OK, NF, NF),
        "other": (NF, NF, NF, NF, NF, NF, OK)}

# (label, method, path, form data, assessment to prepare, the state it is put in first,
#   anonymous, admin, head, member, tpi, reviewer, no role, other instansi's admin)
MATRIX = [
    ("dashboard", "GET", "/", None, None, None,
     LOGIN, OK, OK, OK, OK, OK, OK, OK),
    # reading an assessment: own unit, the instansi's second unit, another instansi's unit
    ("overview own", "GET", A % "own", None, None, None,
     LOGIN, OK, OK, OK, OK, OK, NF, NF),
    ("overview second", "GET", A % "second", None, None, None,
     LOGIN, OK, NF, NF, OK, OK, NF, NF),
    ("overview other", "GET", A % "other", None, None, None,
     LOGIN, NF, NF, NF, NF, NF, NF, OK),
    ("area own", "GET", A % "own" + "/area/MP", None, None, None,
     LOGIN, OK, OK, OK, OK, OK, NF, NF),
    ("area second", "GET", A % "second" + "/area/MP", None, None, None,
     LOGIN, OK, NF, NF, OK, OK, NF, NF),
    ("area other", "GET", A % "other" + "/area/MP", None, None, None,
     LOGIN, NF, NF, NF, NF, NF, NF, OK),
    ("area unknown code", "GET", A % "own" + "/area/XX", None, None, None,
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("audit own", "GET", A % "own" + "/audit", None, None, None,
     LOGIN, OK, OK, OK, OK, OK, NF, NF),
    ("audit second", "GET", A % "second" + "/audit", None, None, None,
     LOGIN, OK, NF, NF, OK, OK, NF, NF),
    ("audit other", "GET", A % "other" + "/audit", None, None, None,
     LOGIN, NF, NF, NF, NF, NF, NF, OK),
    # saving an answer
    ("save own MP draft", "POST", A % "own" + "/items/P-MP-i-b", SAVE_B, "own", "draft",
     LOGIN, FB, DONE, DONE, FB, FB, NF, NF),
    ("save own SDM draft", "POST", A % "own" + "/items/P-SDM-i-a", SAVE_SDM, "own", "draft",
     LOGIN, FB, DONE, FB, FB, FB, NF, NF),
    ("save own unit layer in review", "POST", A % "own" + "/items/P-MP-i-b", SAVE_B, "own", "in_review",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("save own tpi layer in review", "POST", A % "own" + "/items/P-MP-i-b", SAVE_TPI, "own", "in_review",
     LOGIN, FB, FB, FB, DONE, FB, NF, NF),
    ("save own tpi layer draft", "POST", A % "own" + "/items/P-MP-i-b", SAVE_TPI, "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("save own unknown item", "POST", A % "own" + "/items/P-XX-i-a", SAVE_B, "own", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("save second draft", "POST", A % "second" + "/items/P-MP-i-b", SAVE_B, "second", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("save other draft", "POST", A % "other" + "/items/P-MP-i-b", SAVE_B, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # TPI flags an item for revision
    ("flag own in review", "POST", A % "own" + "/items/P-MP-i-b/revision", {"comment": "Kurang"},
     "own", "in_review",
     LOGIN, FB, FB, FB, DONE, FB, NF, NF),
    ("flag own draft", "POST", A % "own" + "/items/P-MP-i-b/revision", {"comment": "Kurang"},
     "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("flag second in review", "POST", A % "second" + "/items/P-MP-i-b/revision", {"comment": "Kurang"},
     "second", "in_review",
     LOGIN, FB, NF, NF, DONE, FB, NF, NF),
    ("flag other in review", "POST", A % "other" + "/items/P-MP-i-b/revision", {"comment": "Kurang"},
     "other", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # workflow actions: refused ones redirect with an error flash
    ("submit own", "POST", A % "own" + "/action/submit", SPTJM, "own", "complete",
     LOGIN, REF, DONE, REF, REF, REF, NF, NF),
    ("submit second", "POST", A % "second" + "/action/submit", SPTJM, "second", "complete",
     LOGIN, REF, NF, NF, REF, REF, NF, NF),
    ("submit other", "POST", A % "other" + "/action/submit", SPTJM, "other", "complete",
     LOGIN, NF, NF, NF, NF, NF, NF, REF),
    ("start_review own", "POST", A % "own" + "/action/start_review", None, "own", "submitted",
     LOGIN, REF, REF, REF, DONE, REF, NF, NF),
    ("request_revision own", "POST", A % "own" + "/action/request_revision", None, "own", "flagged",
     LOGIN, REF, REF, REF, DONE, REF, NF, NF),
    ("accept own", "POST", A % "own" + "/action/accept", None, "own", "tpi_complete",
     LOGIN, REF, REF, REF, DONE, REF, NF, NF),
    ("reopen own", "POST", A % "own" + "/action/reopen", {"reason": "Salah hitung"}, "own", "accepted",
     LOGIN, DONE, REF, REF, REF, REF, NF, NF),
    ("reopen other", "POST", A % "other" + "/action/reopen", {"reason": "Salah hitung"}, "other", "accepted",
     LOGIN, NF, NF, NF, NF, NF, NF, DONE),
    ("unknown action own", "POST", A % "own" + "/action/delete", None, "own", "draft",
     LOGIN, REF, REF, REF, REF, REF, NF, NF),
    # the SPTJM letter alone (only once signed: the states here are put without signing, so 404), and
    # the survey record beside a survey index (the unit answer's rule; a non-survey item is 404)
    ("sptjm letter own unsigned", "GET", A % "own" + "/sptjm.pdf", None, "own", "submitted",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("sptjm letter other", "GET", A % "other" + "/sptjm.pdf", None, "other", "submitted",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("survey own draft", "POST", A % "own" + "/surveys/H-I-a", SURVEY, "own", "draft",
     LOGIN, FB, DONE, FB, FB, FB, NF, NF),
    ("survey own in review", "POST", A % "own" + "/surveys/H-I-a", SURVEY, "own", "in_review",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("survey own not a survey item", "POST", A % "own" + "/surveys/P-MP-i-a", SURVEY, "own", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("survey second draft", "POST", A % "second" + "/surveys/H-I-a", SURVEY, "second", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("survey other draft", "POST", A % "other" + "/surveys/H-I-a", SURVEY, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # TPI's recommendation per area (while reviewing; never the unit's people; Hasil has none)
    ("recommendation own in review", "POST", A % "own" + "/area/MP/recommendation",
     {"recommendation": "Perkuat"}, "own", "in_review",
     LOGIN, FB, FB, FB, DONE, FB, NF, NF),
    ("recommendation own draft", "POST", A % "own" + "/area/MP/recommendation",
     {"recommendation": "Perkuat"}, "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("recommendation own hasil", "POST", A % "own" + "/area/hasil/recommendation",
     {"recommendation": "Perkuat"}, "own", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("recommendation second in review", "POST", A % "second" + "/area/MP/recommendation",
     {"recommendation": "Perkuat"}, "second", "in_review",
     LOGIN, FB, NF, NF, DONE, FB, NF, NF),
    ("recommendation other in review", "POST", A % "other" + "/area/MP/recommendation",
     {"recommendation": "Perkuat"}, "other", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # TPI copies the unit layer into its own
    ("copy-unit own in review", "POST", A % "own" + "/copy-unit", None, "own", "in_review",
     LOGIN, FB, FB, FB, DONE, FB, NF, NF),
    ("copy-unit own draft", "POST", A % "own" + "/copy-unit", None, "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("copy-unit second in review", "POST", A % "second" + "/copy-unit", None, "second", "in_review",
     LOGIN, FB, NF, NF, DONE, FB, NF, NF),
    ("copy-unit other in review", "POST", A % "other" + "/copy-unit", None, "other", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # review marks: confirm a carried-over answer (nothing carried in the demo: an error at the item),
    # one area's at once, TPI's answer after a unit change, withdraw a revision request, the accept step
    ("confirm carried own MP draft", "POST", A % "own" + "/items/P-MP-i-b/confirm", None, "own", "draft",
     LOGIN, FB, ERR, ERR, FB, FB, NF, NF),
    ("confirm carried own SDM draft", "POST", A % "own" + "/items/P-SDM-i-a/confirm", None, "own", "draft",
     LOGIN, FB, ERR, FB, FB, FB, NF, NF),
    ("confirm carried own in review", "POST", A % "own" + "/items/P-MP-i-b/confirm", None, "own", "in_review",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("confirm carried own unknown item", "POST", A % "own" + "/items/P-XX-i-a/confirm", None, "own", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("confirm carried second draft", "POST", A % "second" + "/items/P-MP-i-b/confirm", None,
     "second", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("confirm carried other draft", "POST", A % "other" + "/items/P-MP-i-b/confirm", None, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("confirm area own MP draft", "POST", A % "own" + "/area/MP/confirm", None, "own", "draft",
     LOGIN, FB, ERR, ERR, FB, FB, NF, NF),
    ("confirm area own SDM draft", "POST", A % "own" + "/area/SDM/confirm", None, "own", "draft",
     LOGIN, FB, ERR, FB, FB, FB, NF, NF),
    ("confirm area own unknown", "POST", A % "own" + "/area/XX/confirm", None, "own", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("confirm area other draft", "POST", A % "other" + "/area/MP/confirm", None, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("tpi-confirm own in review", "POST", A % "own" + "/items/P-MP-i-b/tpi-confirm", None, "own", "in_review",
     LOGIN, FB, FB, FB, ERR, FB, NF, NF),
    ("tpi-confirm own draft", "POST", A % "own" + "/items/P-MP-i-b/tpi-confirm", None, "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("tpi-confirm second in review", "POST", A % "second" + "/items/P-MP-i-b/tpi-confirm", None,
     "second", "in_review",
     LOGIN, FB, NF, NF, ERR, FB, NF, NF),
    ("tpi-confirm other in review", "POST", A % "other" + "/items/P-MP-i-b/tpi-confirm", None,
     "other", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("withdraw flag own", "POST", A % "own" + "/items/P-MP-i-b/revision/withdraw", None, "own", "flagged",
     LOGIN, FB, FB, FB, DONE, FB, NF, NF),
    ("withdraw flag own, none open", "POST", A % "own" + "/items/P-MP-i-b/revision/withdraw", None,
     "own", "in_review",
     LOGIN, FB, FB, FB, ERR, FB, NF, NF),
    ("withdraw flag own draft", "POST", A % "own" + "/items/P-MP-i-b/revision/withdraw", None, "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("withdraw flag other", "POST", A % "other" + "/items/P-MP-i-b/revision/withdraw", None,
     "other", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("accept step own in review", "GET", A % "own" + "/accept", None, "own", "in_review",
     LOGIN, FB, FB, FB, OK, FB, NF, NF),
    ("accept step own draft", "GET", A % "own" + "/accept", None, "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("accept step second in review", "GET", A % "second" + "/accept", None, "second", "in_review",
     LOGIN, FB, NF, NF, OK, FB, NF, NF),
    ("accept step other in review", "GET", A % "other" + "/accept", None, "other", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # admin pages
    ("admin index", "GET", "/admin/", None, None, None,
     LOGIN, OK, FB, FB, FB, FB, FB, OK),
    ("admin index demo instansi", "GET", "/admin/?instansi={demo_instansi}", None, None, None,
     LOGIN, OK, FB, FB, FB, FB, FB, NF),
    ("admin index other instansi", "GET", "/admin/?instansi={other_instansi}", None, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, OK),
    ("units demo", "POST", "/admin/units", {"name": "Unit Baru", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("units other (form)", "POST", "/admin/units", {"name": "Unit Baru", "instansi": "{other_instansi}"},
     None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, DONE),
    ("units other (query)", "POST", "/admin/units?instansi={other_instansi}", {"name": "Unit Baru"},
     None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, DONE),
    ("units foreign parent", "POST", "/admin/units",
     {"name": "Unit Baru", "parent_id": "{other_unit}", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, NF),
    ("users demo", "POST", "/admin/users",
     {**NEW_USER, "unit_id": "{own_unit}", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("users demo, foreign unit", "POST", "/admin/users",
     {**NEW_USER, "unit_id": "{other_unit}", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, NF),
    ("users other, foreign unit", "POST", "/admin/users",
     {**NEW_USER, "unit_id": "{own_unit}", "instansi": "{other_instansi}"}, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, NF),
    ("roles demo", "POST", "/admin/roles",
     {**NEW_ROLE, "unit_id": "{own_unit}", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("roles demo, foreign unit", "POST", "/admin/roles",
     {**NEW_ROLE, "unit_id": "{other_unit}", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, NF),
    ("roles other, foreign unit", "POST", "/admin/roles",
     {**NEW_ROLE, "unit_id": "{own_unit}", "instansi": "{other_instansi}"}, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, NF),
    ("remove demo member role", "POST", "/admin/roles/{member_role}/delete", None, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("periods demo", "POST", "/admin/periods", {**NEW_PERIOD, "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("periods other", "POST", "/admin/periods", {**NEW_PERIOD, "instansi": "{other_instansi}"}, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, DONE),
    ("prerequisite demo unit", "POST", "/admin/prerequisites",
     {"key": "core_service", "met": "yes", "unit_id": "{own_unit}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("prerequisite other instansi", "POST", "/admin/prerequisites",
     {"key": "wtp", "met": "no", "instansi": "{other_instansi}"}, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, DONE),
    ("prerequisite demo instansi", "POST", "/admin/prerequisites",
     {"key": "wtp", "met": "no", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    # one person's roles and password link (admin), one's own password (everyone signed in)
    ("person demo member", "GET", "/admin/people/{member_user}", None, None, None,
     LOGIN, OK, FB, FB, FB, FB, FB, NF),
    ("person other admin", "GET", "/admin/people/{other_admin_user}", None, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, OK),
    ("save person demo member", "POST", "/admin/people/{member_user}",
     {"role": "{own_unit}:member", "area": "{own_unit}:MP", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("reset link demo member", "POST", "/admin/people/{member_user}/reset", {"instansi": "{demo_instansi}"},
     None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("account page", "GET", "/account", None, None, None,
     LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("own password", "POST", "/account",
     {"current": DEMO_PASSWORD, "new": "sandi-baru-yang-panjang", "confirm": "sandi-baru-yang-panjang"},
     None, None,
     LOGIN, DONE, DONE, DONE, DONE, DONE, DONE, DONE),
    # NIP and position for the letters one signs: one's own (everyone), a person's (their admin)
    ("own nip", "POST", "/account/signatory", {"nip": "19800101 200501 1 009", "position": "Analis"},
     None, None,
     LOGIN, DONE, DONE, DONE, DONE, DONE, DONE, DONE),
    ("nip demo member", "POST", "/admin/people/{member_user}/signatory",
     {"nip": "19800101 200501 1 009", "position": "Analis", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    # the Ketua TPI, who signs the TPI endorsement: the instansi's admin chooses among its TPI evaluators
    ("tpi chair demo", "POST", "/admin/tpi-chair", {"chair_id": "{tpi_user}", "instansi": "{demo_instansi}"},
     None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("timezone demo instansi", "POST", "/admin/timezone",
     {"timezone": "Asia/Makassar", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("timezone demo unit", "POST", "/admin/timezone",
     {"timezone": "Asia/Jayapura", "unit_id": "{own_unit}", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, DONE, FB, FB, FB, FB, FB, NF),
    ("timezone foreign unit", "POST", "/admin/timezone",
     {"timezone": "Asia/Jayapura", "unit_id": "{other_unit}", "instansi": "{demo_instansi}"}, None, None,
     LOGIN, NF, FB, FB, FB, FB, FB, NF),
    # evidence pages, documents and downloads: whoever sees the unit
    *[(f"{what} {where}", "GET", path.replace("KEY", where), None, None, None, LOGIN, *SEES[where])
      for where in ("own", "second", "other")
      for what, path in (("evidence page", A % "KEY" + "/evidence"),
                         ("document", "/evidence/documents/{doc_KEY}"),
                         ("download", "/evidence/revisions/{rev_KEY}/file"),
                         ("download by hash", "/evidence/sha256/{sha_KEY}"),
                         ("dossiers", A % "KEY" + "/dossiers"),
                         ("dossier job", "/dossiers/jobs/{job_KEY}"),
                         ("dossier job status", "/dossiers/jobs/{job_KEY}.json"),
                         ("dossier job file", "/dossiers/jobs/{job_KEY}/file"),
                         ("final dossier", "/dossiers/{dossier_KEY}/file"))],
    # the LKE workbook and the blank one: whoever sees the unit
    *[(f"{what} {where}", "GET", path.replace("KEY", where), None, None, None, LOGIN, *SEES[where])
      for where in ("own", "second", "other")
      for what, path in (("lke workbook", A % "KEY" + "/lke.xlsx?layer=final"),
                         ("lke blank", A % "KEY" + "/lke-kosong.xlsx"))],
    # importing a filled LKE workbook: whoever may save answers of a layer now (zi/web/workbook_import.py)
    ("lke import own draft", "GET", A % "own" + "/lke-import", None, "own", "draft",
     LOGIN, FB, OK, OK, FB, FB, NF, NF),
    ("lke import own in review", "GET", A % "own" + "/lke-import", None, "own", "in_review",
     LOGIN, FB, FB, FB, OK, FB, NF, NF),
    ("lke import own accepted", "GET", A % "own" + "/lke-import", None, "own", "accepted",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("lke import second", "GET", A % "second" + "/lke-import", None, "second", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("lke import other", "GET", A % "other" + "/lke-import", None, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("lke upload own without a file", "POST", A % "own" + "/lke-import", {}, "own", "draft",
     LOGIN, FB, BAD, BAD, FB, FB, NF, NF),
    ("lke upload other", "POST", A % "other" + "/lke-import", {}, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("lke import confirm own unknown token", "POST", A % "own" + "/lke-import/confirm", {"token": "x" * 43},
     "own", "draft",
     LOGIN, FB, ERR, ERR, FB, FB, NF, NF),
    ("lke import confirm other", "POST", A % "other" + "/lke-import/confirm", {"token": "x" * 43},
     "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("document trashed own", "GET", "/evidence/documents/{doc_trashed_own}", None, None, None,
     LOGIN, OK, OK, OK, OK, OK, NF, NF),
    # adding evidence: the unit team while it may change its answers, a pokja member in their areas
    ("upload own MP draft", "POST", A % "own" + "/evidence/upload", {"file": FILE, "items": "P-MP-i-b"},
     "own", "draft",
     LOGIN, FB, DONE, DONE, FB, FB, NF, NF),
    ("upload own SDM draft", "POST", A % "own" + "/evidence/upload", {"file": FILE, "items": "P-SDM-i-a"},
     "own", "draft",
     LOGIN, FB, DONE, FB, FB, FB, NF, NF),
    ("upload own Hasil draft", "POST", A % "own" + "/evidence/upload", {"file": FILE, "items": "H-I-a"},
     "own", "draft",
     LOGIN, FB, DONE, FB, FB, FB, NF, NF),
    ("upload own MP revision", "POST", A % "own" + "/evidence/upload", {"file": FILE, "items": "P-MP-i-b"},
     "own", "revision",
     LOGIN, FB, DONE, DONE, FB, FB, NF, NF),
    ("upload own MP submitted", "POST", A % "own" + "/evidence/upload", {"file": FILE, "items": "P-MP-i-b"},
     "own", "submitted",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("upload own MP accepted", "POST", A % "own" + "/evidence/upload", {"file": FILE, "items": "P-MP-i-b"},
     "own", "accepted",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("upload second draft", "POST", A % "second" + "/evidence/upload", {"file": FILE, "items": "P-MP-i-b"},
     "second", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("upload other draft", "POST", A % "other" + "/evidence/upload", {"file": FILE, "items": "P-MP-i-b"},
     "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("new version of own SDM document", "POST", A % "own" + "/evidence/upload",
     {"file": FILE, "document_id": "{doc_sdm}"}, "own", "draft",
     LOGIN, FB, DONE, FB, FB, FB, NF, NF),
    ("new version of second's document via own", "POST", A % "own" + "/evidence/upload",
     {"file": FILE, "document_id": "{doc_second}"}, "own", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("new version of other instansi's document via own", "POST", A % "own" + "/evidence/upload",
     {"file": FILE, "document_id": "{doc_other}"}, "own", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("new version of trashed own document", "POST", A % "own" + "/evidence/upload",
     {"file": FILE, "document_id": "{doc_trashed_own}"}, "own", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("link-url own MP draft", "POST", A % "own" + "/evidence/link-url", LINK_URL, "own", "draft",
     LOGIN, FB, DONE, DONE, FB, FB, NF, NF),
    ("link-url own MP in review", "POST", A % "own" + "/evidence/link-url", LINK_URL, "own", "in_review",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("link-url second draft", "POST", A % "second" + "/evidence/link-url", LINK_URL, "second", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("link-url other draft", "POST", A % "other" + "/evidence/link-url", LINK_URL, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("link own document MP draft", "POST", A % "own" + "/evidence/link",
     {"item": "P-MP-i-a", "document_id": "{doc_own}"}, "own", "draft",
     LOGIN, FB, DONE, DONE, FB, FB, NF, NF),
    ("link own document SDM draft", "POST", A % "own" + "/evidence/link",
     {"item": "P-SDM-i-b", "document_id": "{doc_own}"}, "own", "draft",
     LOGIN, FB, DONE, FB, FB, FB, NF, NF),
    ("link second's document into own", "POST", A % "own" + "/evidence/link",
     {"item": "P-MP-i-a", "document_id": "{doc_second}"}, "own", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("link other instansi's document into own", "POST", A % "own" + "/evidence/link",
     {"item": "P-MP-i-a", "document_id": "{doc_other}"}, "own", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("link unknown item", "POST", A % "own" + "/evidence/link",
     {"item": "P-XX-i-a", "document_id": "{doc_own}"}, "own", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("link other draft", "POST", A % "other" + "/evidence/link",
     {"item": "P-MP-i-a", "document_id": "{doc_other}"}, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("unlink own MP draft", "POST", A % "own" + "/evidence/links/{link_own}/unlink", None, "own", "draft",
     LOGIN, FB, DONE, DONE, FB, FB, NF, NF),
    ("unlink own SDM draft", "POST", A % "own" + "/evidence/links/{link_sdm}/unlink", None, "own", "draft",
     LOGIN, FB, DONE, FB, FB, FB, NF, NF),
    ("unlink own MP submitted", "POST", A % "own" + "/evidence/links/{link_own}/unlink", None,
     "own", "submitted",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("unlink second's link via own", "POST", A % "own" + "/evidence/links/{link_second}/unlink", None,
     "own", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("unlink second draft", "POST", A % "second" + "/evidence/links/{link_second}/unlink", None,
     "second", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("unlink other draft", "POST", A % "other" + "/evidence/links/{link_other}/unlink", None,
     "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # TPI's verdict on a document
    ("review own in review", "POST", A % "own" + "/evidence/links/{link_own}/review", VERDICT,
     "own", "in_review",
     LOGIN, FB, FB, FB, DONE, FB, NF, NF),
    ("review own draft", "POST", A % "own" + "/evidence/links/{link_own}/review", VERDICT, "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("review second's link via own", "POST", A % "own" + "/evidence/links/{link_second}/review", VERDICT,
     "own", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, NF),
    ("review second in review", "POST", A % "second" + "/evidence/links/{link_second}/review", VERDICT,
     "second", "in_review",
     LOGIN, FB, NF, NF, DONE, FB, NF, NF),
    ("review other in review", "POST", A % "other" + "/evidence/links/{link_other}/review", VERDICT,
     "other", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # TPI accepting a selection at once (a link of another assessment is refused by name, nothing changed)
    ("accept selected own in review", "POST", A % "own" + "/evidence/accept-selected", {"link": "{link_own}"},
     "own", "in_review",
     LOGIN, FB, FB, FB, DONE, FB, NF, NF),
    ("accept selected own draft", "POST", A % "own" + "/evidence/accept-selected", {"link": "{link_own}"},
     "own", "draft",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("accept selected second's link via own", "POST", A % "own" + "/evidence/accept-selected",
     {"link": "{link_second}"}, "own", "in_review",
     LOGIN, FB, FB, FB, ERR, FB, NF, NF),
    ("accept selected second in review", "POST", A % "second" + "/evidence/accept-selected",
     {"link": "{link_second}"}, "second", "in_review",
     LOGIN, FB, NF, NF, DONE, FB, NF, NF),
    ("accept selected other in review", "POST", A % "other" + "/evidence/accept-selected",
     {"link": "{link_other}"}, "other", "in_review",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # trash (head or admin) and restore (admin)
    ("trash own", "POST", "/evidence/documents/{doc_own}/trash", None, None, None,
     LOGIN, DONE, DONE, FB, FB, FB, NF, NF),
    ("trash second", "POST", "/evidence/documents/{doc_second}/trash", None, None, None,
     LOGIN, DONE, NF, NF, FB, FB, NF, NF),
    ("trash other", "POST", "/evidence/documents/{doc_other}/trash", None, None, None,
     LOGIN, NF, NF, NF, NF, NF, NF, DONE),
    ("restore own", "POST", "/evidence/documents/{doc_trashed_own}/restore", None, None, None,
     LOGIN, DONE, FB, FB, FB, FB, NF, NF),
    ("restore other", "POST", "/evidence/documents/{doc_trashed_other}/restore", None, None, None,
     LOGIN, NF, NF, NF, NF, NF, NF, DONE),
    # ZIP import: the page, an empty upload (asks for a file), a confirm without a preview
    ("import own draft", "GET", A % "own" + "/evidence/import", None, "own", "draft",
     LOGIN, FB, OK, OK, FB, FB, NF, NF),
    ("import own submitted", "GET", A % "own" + "/evidence/import", None, "own", "submitted",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("import second draft", "GET", A % "second" + "/evidence/import", None, "second", "draft",
     LOGIN, FB, NF, NF, FB, FB, NF, NF),
    ("import other draft", "GET", A % "other" + "/evidence/import", None, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    ("import own draft, no file", "POST", A % "own" + "/evidence/import", {}, "own", "draft",
     LOGIN, FB, OK, OK, FB, FB, NF, NF),
    ("import confirm own draft", "POST", A % "own" + "/evidence/import/confirm", None, "own", "draft",
     LOGIN, FB, ERR, ERR, FB, FB, NF, NF),
    ("import confirm own submitted", "POST", A % "own" + "/evidence/import/confirm", None,
     "own", "submitted",
     LOGIN, FB, FB, FB, FB, FB, NF, NF),
    ("import confirm other draft", "POST", A % "other" + "/evidence/import/confirm", None, "other", "draft",
     LOGIN, NF, NF, NF, NF, NF, NF, FB),
    # asking for a dossier (an unknown variant: nothing is rendered, the answer shows who got that far)
    # notifications: everyone their own, nobody another's (404)
    ("notifications", "GET", "/notifications/", None, None, None,
     LOGIN, OK, OK, OK, OK, OK, OK, OK),
    ("notification mark read (tpi's)", "POST", "/notifications/{notification_tpi}/read", None, None, None,
     LOGIN, NF, NF, NF, DONE, NF, NF, NF),
    ("notifications mark all read", "POST", "/notifications/read-all", None, None, None,
     LOGIN, DONE, DONE, DONE, DONE, DONE, DONE, DONE),
    ("notification e-mail off", "POST", "/notifications/settings", {}, None, None,
     LOGIN, DONE, DONE, DONE, DONE, DONE, DONE, DONE),
    *[(f"dossier request {where}", "POST", A % where + "/dossiers", {"variant": "tidak-ada", "bundle": ""},
       None, None, LOGIN, *[BAD if cell == OK else cell for cell in SEES[where]])
      for where in ("own", "second", "other")],
]

# Cells where the app is known to be wrong: {(label, role): reason}; they run as strict xfail.
# (Empty since c663df9: POST /admin/users used to create the user before refusing a foreign unit_id.)
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _cases():
    for label, method, path, data, target, state, *cells in MATRIX:
        assert len(cells) == len(ROLES), label
        for role, expected in zip(ROLES, cells, strict=True):
            marks = []
            if (label, role) in KNOWN_BUGS:
                marks.append(pytest.mark.xfail(reason=KNOWN_BUGS[(label, role)], strict=True))
            if path.endswith("/action/accept") and expected == DONE:
                marks.append(pytest.mark.slow)  # accepting renders both final dossiers (WeasyPrint)
            yield pytest.param(method, path, data, target, state, role, expected, marks=marks,
                               id=f"{label}-{role}")


def sign_in(client, email: str) -> None:
    """Log in as Flask-Login does (session `_user_id`), without paying Argon2 for 450 cases;
    the `login` fixture (the real form) is used by the other tests."""
    user = User.get(User.email == email)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        begin_session(session, user)


def _fill_in(text: str, ids: dict) -> str:
    return text.format(**ids)


def _version(assessment_id: int, path: str, layer: str) -> str:
    code = path.rsplit("/", 1)[-1]
    answer = Answer.get_or_none((Answer.assessment == assessment_id) & (Answer.layer == layer)
                                & (Answer.item_code == code))
    return str(answer.version if answer else 0)


def _flashes(client, response) -> str:
    """The flash messages shown on the page a redirect leads to; an item's save or revision flag is
    told at the item instead (a "saved" state), counted as a success."""
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    told = re.findall(r'<div class="flash (\w+)"', page) + re.findall(r'class="save-state (saved)"', page)
    return " ".join("success" if kind == "saved" else kind for kind in told)


@pytest.mark.parametrize("method,path,data,target,state,role,expected", list(_cases()))
def test_access_matrix(world, client, method, path, data, target, state, role, expected):
    """One cell of the matrix: the answer matches and refusals leave the database as it was."""
    with_evidence(world, path, *(data or {}).values())
    ids = world["ids"]
    if target:
        put(world, target, state)
    if EMAILS[role]:
        sign_in(client, EMAILS[role])
    url = _fill_in(path, ids)
    form = None
    if data is not None:
        form = {k: _fill_in(v, ids) for k, v in data.items()}
        if form.get("file") == FILE:
            form["file"] = (io.BytesIO(pdf(f"baru {role}")), "baru.pdf")
        if form.get("version") == "auto":
            form["version"] = _version(ids[target], urlsplit(url).path, form["layer"])
    before = snapshot()

    response = client.get(url) if method == "GET" else client.post(url, data=form or {})

    if expected == LOGIN:
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"
    elif expected in (OK, NF, FB, BAD):
        assert response.status_code == int(expected), response.get_data(as_text=True)[-500:]
    elif expected == DONE:
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path != "/login"
        assert _flashes(client, response) == "success"
        assert snapshot() != before
    elif expected == REF:
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == f"/assessments/{ids[target]}"
        assert _flashes(client, response) == "error"
    elif expected == ERR:
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path.startswith(f"/assessments/{ids[target]}/")
        assert _flashes(client, response) == "error"
    else:  # pragma: no cover - a typo in the matrix
        raise AssertionError(expected)
    if method == "POST" and expected != DONE:
        assert snapshot() == before, "a refused request changed the database"


# Routes the matrix leaves to other tests: signing in and out, the language switch, static files.
NOT_IN_MATRIX = {("auth.login", "GET"), ("auth.login", "POST"), ("auth.logout", "POST"),
                 ("auth.language", "POST"), ("static", "GET"),
                 # open to anyone, by token (tests/web/test_passwords_mail.py)
                 ("auth.forgot", "GET"), ("auth.forgot", "POST"),
                 ("auth.reset", "GET"), ("auth.reset", "POST")}


def test_matrix_covers_every_role_and_route(world, app):
    """Every route of the app and each of its methods has a row (a new route without one fails here),
    and every row reaches the route it names."""
    assert all(len(row) == 6 + len(ROLES) for row in MATRIX)
    urls = app.url_map.bind("localhost")
    with_evidence(world, "{doc_")
    covered = set()
    for _label, method, path, *_ in MATRIX:
        endpoint, _args = urls.match(urlsplit(_fill_in(path, world["ids"])).path, method)
        covered.add((endpoint, method))
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - NOT_IN_MATRIX - covered == set()
    assert covered <= routes


# --- what each person's dashboard lists ---------------------------------------------------

DASHBOARD = [
    # role, units listed, units not listed
    ("admin", {PROCUREMENT, SECOND_UNIT}, {OTHER_UNIT}),
    ("head", {PROCUREMENT}, {SECOND_UNIT, OTHER_UNIT}),
    ("member", {PROCUREMENT}, {SECOND_UNIT, OTHER_UNIT}),
    ("tpi", {PROCUREMENT, SECOND_UNIT}, {OTHER_UNIT}),
    ("reviewer", {PROCUREMENT, SECOND_UNIT}, {OTHER_UNIT}),
    ("norole", set(), {PROCUREMENT, SECOND_UNIT, OTHER_UNIT}),
    ("other_admin", {OTHER_UNIT}, {PROCUREMENT, SECOND_UNIT}),
]


@pytest.mark.parametrize("role,shown,hidden", DASHBOARD, ids=[r[0] for r in DASHBOARD])
def test_dashboard_lists_only_visible_units(world, client, login, role, shown, hidden):
    """The dashboard is a list too: it must not leak another unit's or instansi's name."""
    login(EMAILS[role])
    page = client.get("/").get_data(as_text=True)
    for name in shown:
        assert name in page, name
    for name in hidden:
        assert name not in page, name


# --- the two rules the brief singles out --------------------------------------------------

def _answer(assessment, code, layer="unit"):
    return Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == layer)
                              & (Answer.item_code == code))


def test_member_saves_only_in_their_areas(world, client, login):
    """anggota is pokja for MP and PT: P-SDM-i-a (and a Hasil item) are refused, P-MP-i-b is saved."""
    own = world["assessments"]["own"]
    login("anggota@contoh.go.id")
    sdm = _answer(own, "P-SDM-i-a")
    r = client.post(f"/assessments/{own.id}/items/P-SDM-i-a",
                    data={"layer": "unit", "value": "Tidak", "version": str(sdm.version)})
    assert r.status_code == 403
    assert _answer(own, "P-SDM-i-a").value == sdm.value == "Ya"
    assert _answer(own, "P-SDM-i-a").version == sdm.version

    r = client.post(f"/assessments/{own.id}/items/H-I-a",
                    data={"layer": "unit", "value": "3", "version": "0"})
    assert r.status_code == 403
    assert _answer(own, "H-I-a") is None

    mp = _answer(own, "P-MP-i-b")
    r = client.post(f"/assessments/{own.id}/items/P-MP-i-b",
                    data={"layer": "unit", "value": "C", "version": str(mp.version)})
    assert r.status_code == 302
    saved = _answer(own, "P-MP-i-b")
    assert (saved.value, saved.version) == ("C", mp.version + 1)
    assert saved.updated_by.email == "anggota@contoh.go.id"


@pytest.mark.parametrize("state", ["draft", "in_review", "flagged", "accepted"])
@pytest.mark.parametrize("layer", ["unit", "tpi"])
def test_reviewer_reads_but_never_saves(world, client, login, state, layer):
    """The instansi-wide reviewer sees every unit's pages but has no say in any layer, in any status."""
    own = world["assessments"]["own"]
    put(world, "own", state)
    login("reviewer@contoh.go.id")
    assert client.get(f"/assessments/{own.id}/area/MP").status_code == 200
    before = snapshot()
    current = _answer(own, "P-MP-i-b", layer)
    r = client.post(f"/assessments/{own.id}/items/P-MP-i-b",
                    data={"layer": layer, "value": "C", "version": str(current.version if current else 0)})
    assert r.status_code == 403
    assert snapshot() == before


def test_refused_pages_do_not_leak_names(world, client, login):
    """A 404 for another instansi's assessment must not show the unit's name."""
    login("pimpinan@contoh.go.id")
    r = client.get(f"/assessments/{world['ids']['other']}")
    assert r.status_code == 404
    assert OTHER_UNIT not in r.get_data(as_text=True)


def test_roles_do_not_leak_between_units(world, client):
    """Roles belong to one unit: a person who is head of another instansi's unit and reviewer here
    sees this instansi's assessment but must not act as its head."""
    other = Instansi.get(Instansi.name == OTHER_INSTANSI)
    demo = Instansi.get(Instansi.name == INSTANSI)
    both = ops.create_user("ganda@lain.go.id", "Peran Ganda", DEMO_PASSWORD)
    ops.assign_role(both, "head", other, Unit.get(Unit.name == OTHER_UNIT))
    ops.assign_role(both, "reviewer", demo)
    own, theirs = world["assessments"]["own"], world["assessments"]["other"]
    put(world, "own", "complete")
    sign_in(client, "ganda@lain.go.id")
    before = snapshot()

    assert client.get(f"/assessments/{own.id}").status_code == 200
    version = _answer(own, "P-MP-i-b").version
    r = client.post(f"/assessments/{own.id}/items/P-MP-i-b",
                    data={"layer": "unit", "value": "C", "version": version})
    assert r.status_code == 403
    r = client.post(f"/assessments/{own.id}/action/submit", data=SPTJM)
    assert _flashes(client, r) == "error"
    assert snapshot() == before

    r = client.post(f"/assessments/{theirs.id}/items/P-MP-i-b",
                    data={"layer": "unit", "value": "C", "version": 0})
    assert r.status_code == 302
    assert _answer(theirs, "P-MP-i-b").value == "C"


# --- forms appear only where the person may use them (the `can` flags) ---------------------

def _section(page: str, code: str) -> str:
    found = re.search(rf'<section class="item" id="ev-{re.escape(code)}">(.*?)</section>', page, re.S)
    assert found, code
    return found.group(1)


def test_evidence_page_offers_upload_only_on_items_the_person_may_change(world, client):
    """The bug of issue 10: a pokja member saw upload forms on other areas' items, and everyone on the
    unit's team saw them in statuses where nothing can be added."""
    with_evidence(world, "{doc_")
    own = world["ids"]["own"]
    sign_in(client, EMAILS["member"])
    page = client.get(f"/assessments/{own}/evidence?area=all&status=all").get_data(as_text=True)
    mp, sdm, hasil = _section(page, "P-MP-i-b"), _section(page, "P-SDM-i-a"), _section(page, "H-I-a")
    assert "data-upload=" in mp and "/unlink" in mp and "/evidence/link-url" in mp
    assert "data-upload=" not in sdm and "/unlink" not in sdm and "/evidence/link-url" not in sdm
    assert "data-upload=" not in hasil
    assert "/evidence/import" in page and '/review"' not in page

    sign_in(client, EMAILS["head"])
    page = client.get(f"/assessments/{own}/evidence?area=all&status=all").get_data(as_text=True)
    assert "data-upload=" in _section(page, "P-SDM-i-a") and "data-upload=" in _section(page, "H-I-a")

    put(world, "own", "in_review")
    for role in ("head", "member", "admin", "reviewer"):
        sign_in(client, EMAILS[role])
        page = client.get(f"/assessments/{own}/evidence?area=all&status=all").get_data(as_text=True)
        assert "data-upload=" not in page and "/unlink" not in page and "/evidence/import" not in page, role
        assert '/review"' not in page, role
    sign_in(client, EMAILS["tpi"])
    page = client.get(f"/assessments/{own}/evidence?area=all&status=all").get_data(as_text=True)
    assert '/review"' in _section(page, "P-MP-i-b") and "data-upload=" not in page


def test_document_page_offers_a_new_version_and_the_trash_only_to_those_allowed(world, client):
    with_evidence(world, "{doc_")
    ids = world["ids"]
    new_version = "Unggah revisi"
    sign_in(client, EMAILS["member"])
    mine = client.get(f"/evidence/documents/{ids['doc_own']}").get_data(as_text=True)
    assert new_version in mine and f"/assessments/{ids['own']}/evidence/upload" in mine
    assert new_version not in client.get(f"/evidence/documents/{ids['doc_sdm']}").get_data(as_text=True)
    assert "/trash" not in mine
    sign_in(client, EMAILS["head"])
    page = client.get(f"/evidence/documents/{ids['doc_sdm']}").get_data(as_text=True)
    assert new_version in page and "/trash" in page
    assert "/trash" not in client.get(f"/evidence/documents/{ids['doc_trashed_own']}").get_data(as_text=True)
    put(world, "own", "submitted")
    page = client.get(f"/evidence/documents/{ids['doc_sdm']}").get_data(as_text=True)
    assert new_version not in page and "/trash" in page
    for role in ("tpi", "reviewer"):
        sign_in(client, EMAILS[role])
        page = client.get(f"/evidence/documents/{ids['doc_own']}").get_data(as_text=True)
        assert new_version not in page and "/trash" not in page, role


@pytest.mark.parametrize("role,state,flag", [
    ("tpi", "in_review", True), ("tpi", "draft", False), ("head", "in_review", False),
    ("admin", "in_review", False), ("reviewer", "in_review", False),
])
def test_tpi_forms_follow_the_rules(world, client, role, state, flag):
    """The revision flag on the area page and the copy button on the overview: TPI while reviewing."""
    own = world["ids"]["own"]
    put(world, "own", state)
    sign_in(client, EMAILS[role])
    area = client.get(f"/assessments/{own}/area/MP").get_data(as_text=True)
    overview = client.get(f"/assessments/{own}").get_data(as_text=True)
    assert ("/items/P-MP-i-b/revision" in area) is flag
    assert (f"/assessments/{own}/copy-unit" in overview) is flag

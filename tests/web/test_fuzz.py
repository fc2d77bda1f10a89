"""Whatever a person types or a URL carries, the answer is a page or a refusal with a message:
never a 500, never a hang.

Routes come from `app.url_map`, so a new route is fuzzed without touching this file: its path
parameters get absurd ids and strings, its query hostile values, and a POST route hostile values
in each field `_routes` lists for it (a route missing there gets every field name the templates
use), a megabyte, and a body of the wrong type.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from flask import got_request_exception

from tests.conftest import SPTJM_LETTER
from zi import admin
from zi.config import TEMPLATES_DIR
from zi.evidence import service
from zi.models import (
    Answer,
    Assessment,
    EvidenceDocument,
    EvidenceLink,
    Period,
    RoleAssignment,
    Unit,
    User,
)

SLOW = 2.0  # seconds: no request may take longer
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# One field at a time takes each of these; the others keep a value that passes.
# 30,000 characters that do not compress: echoed in a message, they would overflow the cookie.
LONG = "".join(chr(0x4E00 + (i * 7919) % 20_000) for i in range(30_000))
HOSTILE = [
    str(2**70), "9999999999999999999999", "-1", "1e999", "1e-999999999", "NaN", "-inf",
    "\u0661\u0662",  # Arabic-Indic digits: str.isdigit() says yes
    "a\x00b\x01\x1b[31m\x7f",  # PostgreSQL refuses NUL in text
    "\ufeff\u202e<script>alert(1)</script> %s %(x)s {0}",
    LONG,  # over every length limit, under the form size limit
    "",
    ["1", "2"],  # the field twice
    None,  # the field missing
]
# Where every request costs an Argon2 hash, all fields take each of a few values at once.
HASHING = {"auth.login", "admin.create_user"}
HOSTILE_FEW = [str(2**70), "a\x00b\x01", LONG, "", ["1", "2"], None]
ABSURD_IDS = [2**70, 2**63, 2**31, 0]
ABSURD_STRINGS = ["x" * 5000, "%00", "..%2F..%2Fetc", "%FF%FE", "P-MP-i-a%00"]
QUERY = ["sort", "item", "inline", "instansi", "next", "lang", "page", "layer"]
ONE_MB = "y" * 1_000_000

# Endpoints that answer a POST without a flash message (a redirect to where things continue).
NO_FLASH = {"auth.language", "auth.login", "dossiers.request_render"}


@pytest.fixture
def world(app, db, criteria):
    """The demo with one assessment in review at TPI, a document and a link in each, and an
    assignment that may be removed."""
    procurement = Assessment.select().join(Unit).where(Unit.name.contains("Pengadaan")).get()
    second = Assessment.select().join(Unit).where(~Unit.name.contains("Pengadaan")).get()
    Assessment.update(status="in_review").where(Assessment.id == second.id).execute()
    head = User.get(User.email == "pimpinan@contoh.go.id")
    tpi = User.get(User.email == "tpi@contoh.go.id")
    doc = service.add_link(procurement, head, "https://contoh.go.id/sk", "SK", criteria=criteria,
                           item_codes=["P-MP-i-a"])
    link = EvidenceLink.get(EvidenceLink.document == doc)
    second_doc = service.add_link(second, tpi, "https://contoh.go.id/sop", "SOP", criteria=criteria,
                                  item_codes=["P-MP-i-a"])
    second_link = EvidenceLink.get(EvidenceLink.document == second_doc)
    reviewer = User.get(User.email == "reviewer@contoh.go.id")
    spare = RoleAssignment.create(user=reviewer, role="reviewer", instansi=procurement.unit.instansi_id,
                                  unit=procurement.unit_id)  # one role is held once (m0013)
    elsewhere = admin.create_unit(admin.get_or_create_instansi("Kota Lain"), "Unit Lain")
    foreign_doc = EvidenceDocument.create(unit=elsewhere, title="Rahasia", url="https://lain.go.id")
    # ids of what the fuzzing person may not touch: another instansi's unit and document, the other
    # unit's link and assessment
    foreign = [str(elsewhere.id), str(foreign_doc.id), str(second_link.id), str(second.id)]
    return {"procurement": procurement, "second": second, "doc": doc, "link": link,
            "second_link": second_link, "spare": spare, "foreign": foreign, "foreign_doc": foreign_doc}


def _template_fields() -> set[str]:
    names = set()
    for path in TEMPLATES_DIR.rglob("*.html"):
        names.update(re.findall(r'name="([a-z_]+)"', path.read_text(encoding="utf-8")))
    return names - {"csrf_token"}


def _routes(app, w):
    """endpoint: (role, path values, baseline form) per POST route, deep enough that the fuzzed
    field is read: the right role, a status where the action is allowed."""
    a, second = w["procurement"].id, w["second"].id
    period_year = (Period.select().order_by(Period.year.desc()).get().year) + 1
    unit_id = w["procurement"].unit_id
    return {
        "auth.login": ("", {}, {"email": "admin@contoh.go.id", "password": "salah-salah-salah"}),
        "auth.logout": (None, {}, {}),
        "auth.language": (None, {"code": "en"}, {}),
        "assessments.save": ("pimpinan", {"assessment_id": a, "item_code": "P-MP-i-b"},
                             {"layer": "unit", "value": "A", "note": "catatan", "version": "0"}),
        "assessments.save#percent": ("pimpinan", {"assessment_id": a, "item_code": "R-MP-i-a"},
                                     {"layer": "unit", "count_agents": "5", "count_changes": "5",
                                      "note": "", "version": "0"}),
        "assessments.save#index": ("tpi", {"assessment_id": second, "item_code": "H-I-a"},
                                   {"layer": "tpi", "value": "3,5", "note": "", "version": "0"}),
        "assessments.revision": ("tpi", {"assessment_id": second, "item_code": "P-MP-i-b"},
                                 {"comment": "Lengkapi SK"}),
        "assessments.act": ("pimpinan", {"assessment_id": a, "action": "submit"},
                            {"sptjm": "1", "reason": "alasan", **SPTJM_LETTER}),
        "surveys.save": ("pimpinan", {"assessment_id": a, "item_code": "H-I-a"},
                         {"respondents": "120", "period_start": "2026-07-01", "period_end": "2026-09-30",
                          "surveyor": "BPS"}),
        "assessments.copy_unit": ("tpi", {"assessment_id": second}, {}),
        "assessments.confirm_carried": ("pimpinan", {"assessment_id": a, "item_code": "P-MP-i-b"}, {}),
        "assessments.confirm_area": ("pimpinan", {"assessment_id": a, "code": "MP"}, {}),
        "assessments.confirm_review": ("tpi", {"assessment_id": second, "item_code": "P-MP-i-b"},
                                       {"unit_version": "1"}),
        "assessments.withdraw_revision": ("tpi", {"assessment_id": second, "item_code": "P-MP-i-b"},
                                          {"back": "overview"}),
        "admin.create_unit": ("admin", {}, {"name": "Unit Baru", "region": "Kota", "parent_id": str(unit_id),
                                            "instansi": ""}),
        "admin.create_user": ("admin", {}, {"email": "baru@contoh.go.id", "name": "Baru",
                                            "password": "kata-sandi-panjang", "role": "member",
                                            "unit_id": str(unit_id), "areas": "MP"}),
        "admin.assign_role": ("admin", {}, {"email": "reviewer@contoh.go.id", "role": "reviewer",
                                            "unit_id": "", "areas": ""}),
        "admin.remove_role": ("admin", {"assignment_id": w["spare"].id}, {}),
        "admin.create_period": ("admin", {}, {"year": str(period_year), "criteria_id": "lke-2021",
                                              "opens_on": "2027-01-01", "closes_on": "2027-12-31",
                                              "copy_previous": "0"}),
        "admin.set_prerequisite": ("admin", {}, {"key": "wtp", "met": "yes", "note": "catatan",
                                                 "unit_id": ""}),
        "admin.set_tpi_chair": ("admin", {},
                                {"chair_id": str(User.get(User.email == "tpi@contoh.go.id").id)}),
        "evidence.upload": ("pimpinan", {"assessment_id": a},
                            {"title": "SK", "description": "uraian", "document_date": "2026-01-02",
                             "items": "P-MP-i-a", "document_id": ""}),
        "evidence.link_url": ("pimpinan", {"assessment_id": a},
                              {"url": "https://contoh.go.id/x", "title": "Tautan", "description": "uraian",
                               "document_date": "2026-01-02", "items": "P-MP-i-a"}),
        "evidence.link_existing": ("pimpinan", {"assessment_id": a},
                                   {"item": "P-MP-i-b", "document_id": str(w["doc"].id)}),
        "evidence.unlink": ("pimpinan", {"assessment_id": a, "link_id": w["link"].id}, {}),
        "evidence.review": ("tpi", {"assessment_id": second, "link_id": w["second_link"].id},
                            {"status": "revision", "comment": "perbaiki"}),
        "evidence.accept_selected": ("tpi", {"assessment_id": second}, {"link": str(w["second_link"].id),
                                                                        "view_area": "MP",
                                                                        "view_status": "awaiting",
                                                                        "back": "evidence"}),
        "evidence.trash": ("pimpinan", {"document_id": w["doc"].id}, {}),
        "evidence.restore": ("admin", {"document_id": w["doc"].id}, {}),
        "evidence.import_zip": ("pimpinan", {"assessment_id": a}, {}),
        "evidence.import_confirm": ("pimpinan", {"assessment_id": a}, {}),
        # a valid variant would render a PDF for every request; membership is all that is checked
        "dossiers.request_render": ("tpi", {"assessment_id": second}, {"variant": "tidak-ada", "bundle": ""}),
    }


class Fuzzer:
    def __init__(self, app, client, login):
        self.app, self.client, self.login = app, client, login
        self.role = None
        self.count = 0
        self.failures: list[str] = []
        self.errors: list[str] = []
        app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 here, as in production
        got_request_exception.connect(self._crashed, app, weak=False)

    def _crashed(self, sender, exception, **extra):
        self.errors.append(f"{type(exception).__name__}: {str(exception)[:200]}")

    def expect(self, ok: bool, message: str) -> None:
        """Collect every failure, so one run shows all of them."""
        if not ok:
            self.failures.append(message)

    def as_(self, role):
        if role != self.role:
            if role is None or role == "":
                self.client.post("/logout")
            else:
                self.login(f"{role}@contoh.go.id")
            self.role = role

    def send(self, method, url, what, **kwargs):
        with self.client.session_transaction() as session:
            session.pop("_flashes", None)
        start = time.perf_counter()
        response = self.client.open(url, method=method, **kwargs)
        took = time.perf_counter() - start
        self.count += 1
        self.expect(response.status_code < 500,
                    f"{what}: {response.status_code} {self.errors[-1] if self.errors else ''}")
        self.expect(took < SLOW, f"{what}: {took:.2f} s")
        cookies = response.headers.getlist("Set-Cookie")
        self.expect(all(len(c) < 4093 for c in cookies), f"{what}: a cookie browsers refuse")
        return response

    def check_message(self, response, endpoint, what):
        """A refusal says why: a 4xx carries text, a redirect a flash message."""
        status = response.status_code
        if 400 <= status < 500:
            body = response.get_data(as_text=True)
            if response.is_json:
                self.expect(bool(response.get_json().get("message")), f"{what}: JSON without a message")
            else:
                main = body.split("<main", 1)[-1].split("</main>", 1)[0]
                at_field = re.search(r'role="alert" data-error="\w+">\S', main)  # an answer form's field
                self.expect('class="flash error' in main or 'class="card empty"' in main or bool(at_field),
                            f"{what}: {status} without a message")
        elif status in (302, 303) and endpoint.split("#")[0] not in NO_FLASH:
            at_item = "saved=" in response.headers.get("Location", "")  # told at the item it saved
            with self.client.session_transaction() as session:
                self.expect(at_item or bool(session.get("_flashes")), f"{what}: redirected without a message")


def _url(app, endpoint, values, query=None):
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint.split("#")[0], **values, **(query or {}))


def _form(baseline, files):
    data = {k: v for k, v in baseline.items() if v is not None}
    for name, (content, filename) in files.items():
        data[name] = (io.BytesIO(content), filename)
    return data


def _files(endpoint):
    if endpoint == "evidence.upload":
        return {"file": (PDF, "sk.pdf")}
    if endpoint == "evidence.import_zip":
        return {"archive": (b"not a zip", "arsip.zip")}
    return {}


def test_every_post_field_refuses_hostile_values_without_a_500(app, client, login, world):
    fuzzer = Fuzzer(app, client, login)
    routes = _routes(app, world)
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    generic = _template_fields()
    for endpoint in sorted(post_endpoints | set(routes)):
        role, path, baseline = routes.get(endpoint, ("admin", {}, dict.fromkeys(generic, "1")))
        if endpoint not in routes:  # a new route: ids from the world where its rule wants them
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            path = {arg: world["procurement"].id for arg in rule.arguments}
        url = _url(app, endpoint, path)
        files = _files(endpoint.split("#")[0])
        fuzzer.as_(role)
        hashing = endpoint in HASHING
        for field in ["*"] if hashing else list(baseline) or ["_"]:
            for value in HOSTILE_FEW if hashing else HOSTILE + world["foreign"]:
                form = dict(baseline)
                for name in baseline if field == "*" else [field]:
                    form[name] = value
                what = f"{role or 'anonymous'} POST {url} {field}={str(value)[:40]!r}"
                response = fuzzer.send("POST", url, what, data=_form(form, files))
                fuzzer.check_message(response, endpoint, what)
                if endpoint == "auth.logout" or (endpoint == "auth.login" and response.status_code == 302):
                    fuzzer.role = "?"
                    fuzzer.as_(role)
        # a megabyte in one field: refused as too large, with a message
        form = dict(baseline, **{(list(baseline) or ["_"])[0]: ONE_MB})
        response = fuzzer.send("POST", url, f"{endpoint} 1 MB", data=_form(form, files))
        fuzzer.check_message(response, endpoint, f"{endpoint} 1 MB")
        # the wrong type of body: JSON, plain text, a file where text is expected
        for kind, body in (("JSON", {"json": {k: [1, {"a": None}] for k in baseline}}),
                           ("text", {"data": b"\x00\xff" * 100, "content_type": "text/plain"}),
                           ("files", {"data": {k: (io.BytesIO(b"x"), "x.txt") for k in baseline}})):
            response = fuzzer.send("POST", url, f"{endpoint} {kind}", **body)
            fuzzer.check_message(response, endpoint, f"{endpoint} {kind}")
            if endpoint == "auth.logout":
                fuzzer.role = "?"
                fuzzer.as_(role)
    assert not fuzzer.failures, "\n".join(fuzzer.failures)
    assert fuzzer.count > 500
    assert not EvidenceLink.select().where(EvidenceLink.document == world["foreign_doc"]).exists()
    assert EvidenceDocument.get_by_id(world["foreign_doc"].id).deleted_at is None


ROLES = ["admin", "pimpinan", "anggota", "tpi", "reviewer"]


def test_every_post_route_as_every_role(app, client, login, world):
    """Each other demo role sends each POST route an absurd number and over-long text in every field
    at once: refused with a message or done, never a 500."""
    fuzzer = Fuzzer(app, client, login)
    routes = _routes(app, world)
    for role in ROLES:
        for endpoint, (own, path, baseline) in sorted(routes.items()):
            if endpoint in ("auth.logout", "auth.login") or role == own:
                continue  # the route's own role is fuzzed field by field above
            fuzzer.as_(role)
            url = _url(app, endpoint, path)
            for value in (str(2**70), LONG):
                form = dict.fromkeys(baseline, value)
                what = f"{role} POST {url} all={value[:20]!r}"
                response = fuzzer.send("POST", url, what, data=_form(form, _files(endpoint.split("#")[0])))
                fuzzer.check_message(response, endpoint, what)
        assert client.get("/").status_code == 200  # still signed in as `role` throughout
    assert not fuzzer.failures, "\n".join(fuzzer.failures)
    assert fuzzer.count > 150


def test_invalid_utf8_and_nul_in_a_form_are_not_a_500(client, login, world):
    """Bytes that are not UTF-8 (overlong, surrogates) and NUL, urlencoded and multipart: stored
    without the NUL, on SQLite as on PostgreSQL."""
    login("pimpinan@contoh.go.id")
    a = world["procurement"].id

    def saved_note():
        return Answer.get((Answer.assessment == a) & (Answer.item_code == "P-MP-i-b")
                          & (Answer.layer == "unit"))

    body = (f"layer=unit&version={saved_note().version}&value=A&note=%FF%FE%ED%A0%80%C0%AF%00end"
            .encode())
    response = client.post(f"/assessments/{a}/items/P-MP-i-b", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert "\x00" not in saved_note().note and saved_note().note.endswith("end")

    boundary = "zi-boundary"
    parts = [("layer", b"unit"), ("version", str(saved_note().version).encode()), ("value", b"B"),
             ("note", b"multi\xff\xfe\xed\xa0\x80\x00part")]
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                    + value + b"\r\n" for name, value in parts) + f"--{boundary}--\r\n".encode()
    response = client.post(f"/assessments/{a}/items/P-MP-i-b", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    note = saved_note().note
    assert note.startswith("multi") and note.endswith("part") and "\x00" not in note


def test_paths_and_queries_of_every_route_are_bounded(app, client, login, world):
    """Every rule of the url_map with absurd ids (404), hostile strings and hostile queries."""
    fuzzer = Fuzzer(app, client, login)
    fuzzer.as_("admin")
    ids = {"assessment_id": world["procurement"].id, "link_id": world["link"].id,
           "document_id": world["doc"].id, "assignment_id": world["spare"].id}
    strings = {"code": "MP", "item_code": "P-MP-i-a", "action": "submit", "sha256": "0" * 64,
               "filename": "app.js"}
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods & {"GET", "POST"})
        method = "GET" if "GET" in methods else "POST"
        int_args = [a for a, c in rule._converters.items() if type(c).__name__ == "IdConverter"]
        assert set(int_args) == {a for a in rule.arguments if a.endswith("_id")}, rule.rule
        base = {a: ids.get(a, 1) if a in int_args else strings.get(a, "x") for a in rule.arguments}
        for arg in rule.arguments:
            bad = ABSURD_IDS if arg in int_args else ABSURD_STRINGS
            for value in bad:
                url = rule.rule
                for name, v in {**base, arg: value}.items():
                    url = re.sub(rf"<[^>]*:?{name}>", str(v), url)
                response = fuzzer.send(method, url, f"{method} {url[:120]}")
                if arg in int_args:
                    fuzzer.expect(response.status_code in (404, 405), f"{url}: {response.status_code}")
        if method == "GET":
            url = _url(app, rule.endpoint, base)
            for value in [v for v in HOSTILE if isinstance(v, str) and v is not LONG] + ["q" * 3000]:
                query = {name: value for name in QUERY}
                fuzzer.send("GET", url, f"GET {url} ?{str(value)[:30]!r}", query_string=query)
    assert not fuzzer.failures, "\n".join(fuzzer.failures)
    assert fuzzer.count > 150


def test_absurd_ids_in_forms_are_refused(client, login, world):
    """Form ids too large for the database are a refusal (404/4xx or a message), not an overflow."""
    login("admin@contoh.go.id")
    for value in (str(2**63), str(2**70), "99999999999"):
        assert client.get(f"/admin/?instansi={value}").status_code in (200, 404)
        response = client.post("/admin/units", data={"name": "U", "parent_id": value})
        assert response.status_code in (302, 404)
    login("pimpinan@contoh.go.id")
    a = world["procurement"].id
    for value in (str(2**63), str(2**70)):
        response = client.post(f"/assessments/{a}/evidence/link",
                               data={"item": "P-MP-i-b", "document_id": value})
        assert response.status_code == 404
        response = client.post(f"/assessments/{a}/items/P-MP-i-b",
                               data={"layer": "unit", "value": "A", "version": value})
        assert response.status_code < 500


def test_period_year_and_dates_out_of_range_are_refused_with_a_message(client, login, db):
    login("admin@contoh.go.id")
    before = Period.select().count()
    for year, opens in ((str(2**70), "2027-01-01"), ("-1", "2027-01-01"), ("99999", "2027-01-01"),
                        ("2027", "99999-01-01"), ("2027", "2027-02-30"), ("2027", "\x002027-01-01x")):
        response = client.post("/admin/periods", data={"year": year, "criteria_id": "lke-2021",
                                                       "opens_on": opens, "closes_on": "2027-12-31"})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Tahun dan tanggal periode wajib diisi dengan benar." in page
    assert Period.select().count() == before

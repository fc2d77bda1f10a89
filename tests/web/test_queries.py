"""The dashboard and the area pages run a fixed number of SQL queries, however many units,
assessments and answers there are (no N+1): counted from peewee's DEBUG log of each query."""

from __future__ import annotations

import pytest

from tests.conftest import best_answer, worst_answer
from tests.web.support import count_queries
from zi import admin, demo
from zi.models import Answer, Assessment, Instansi, Period, RevisionRequest, Unit, User

EXTRA_UNITS = 10
ANSWERS_PER_UNIT = 60

# (who logs in, page; {a} is the procurement unit's assessment id)
PAGES = [
    ("admin", "/"),
    ("tpi", "/"),
    ("reviewer", "/"),
    ("admin", "/assessments/{a}/area/MP"),
    ("anggota", "/assessments/{a}/area/MP"),
    ("tpi", "/assessments/{a}/area/MP"),
    ("pimpinan", "/assessments/{a}/area/PW"),  # empty in the demo, full after growing
    ("tpi", "/assessments/{a}/evidence?area=MP&status=all"),  # the evidence page, filtered
]


def procurement() -> Assessment:
    return Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get()


def grow(criteria) -> None:
    """10 more units, each with an assessment and 60 unit answers (every other one also a TPI
    layer and open revision requests), the tpi evaluator on all of them; and every remaining
    item of the procurement unit answered."""
    instansi = Instansi.get(Instansi.name == demo.INSTANSI)
    period = Period.get(Period.instansi == instansi)
    tpi = User.get(User.email == "tpi@contoh.go.id")
    items = criteria.items[:ANSWERS_PER_UNIT]
    for n in range(1, EXTRA_UNITS + 1):
        unit = admin.create_unit(instansi, f"Unit Tambahan {n:02d}", region=f"Wilayah {n}")
        admin.assign_role(tpi, "tpi", instansi, unit)
        assessment = admin.ensure_assessment(unit, period)
        rows = [{"assessment": assessment, "layer": "unit", "item_code": i.code,
                 "value": best_answer(i) if n % 3 else worst_answer(i), "note": f"catatan {i.code}",
                 "updated_by": tpi} for i in items]
        if n % 2 == 0:
            rows += [{**row, "layer": "tpi", "note": ""} for row in rows]
            assessment.status = "in_review"
            assessment.save()
            RevisionRequest.insert_many([
                {"assessment": assessment, "item_code": i.code, "comment": "mohon dilengkapi",
                 "created_by": tpi} for i in items[:5]
            ]).execute()
        Answer.insert_many(rows).execute()
    mine = procurement()
    answered = {a.item_code for a in Answer.select().where((Answer.assessment == mine)
                                                           & (Answer.layer == "unit"))}
    Answer.insert_many([
        {"assessment": mine, "layer": "unit", "item_code": i.code, "value": best_answer(i)}
        for i in criteria.items if i.code not in answered
    ]).execute()


def measure(client, login, who: str, url: str):
    login(f"{who}@contoh.go.id")
    assert client.get(url).status_code == 200  # warm up (template compilation, translations)
    with count_queries() as log:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    return log, response.get_data(as_text=True)


def describe(log, before=None) -> str:
    """The queries of `log` that repeat, and (given the log before growing) those that are new."""
    lines = [f"{log.count} queries" + (f" after growing, {before.count} before." if before else ".")]
    lines += [f"  repeated {n}x: {sql}" for sql, n in sorted(log.repeated().items(), key=lambda kv: -kv[1])]
    if before is not None:
        new = list(log.statements)
        for sql in before.statements:
            if sql in new:
                new.remove(sql)
        lines += [f"  new: {sql}" for sql in new]
    return "\n".join(lines)


@pytest.mark.parametrize(("who", "page"), PAGES, ids=[f"{w}:{p}" for w, p in PAGES])
def test_query_count_does_not_grow_with_units_or_items(client, login, db, criteria, who, page):
    url = page.format(a=procurement().id)
    before, _ = measure(client, login, who, url)
    assert before.count >= 3, before.statements  # user, role assignments, assessments: counting works
    assert not before.repeated(), describe(before)

    with db.atomic():
        grow(criteria)
    assert Unit.select().count() == 2 + EXTRA_UNITS
    assert Answer.select().where(Answer.layer == "tpi").count() == ANSWERS_PER_UNIT * (EXTRA_UNITS // 2)

    after, html = measure(client, login, who, url)
    # The grown data is really on the page, so the same count means the same queries for more rows.
    if page == "/":
        assert "Unit Tambahan 10" in html and "Unit Tambahan 01" in html
        assert html.count('class="card"') >= 2 + EXTRA_UNITS
    elif "/evidence" in page:
        assert 'id="ev-P-MP-i-a"' in html and 'id="ev-P-SDM-i-a"' not in html
    else:
        code = page.rsplit("/", 1)[1]
        total = sum(1 for _, where in criteria.walk_items() if where.area == code)
        assert f'id="tab-progress-{code}">{total}/{total}</span>' in html
    assert after.count == before.count, describe(after, before)
    assert not after.repeated(), describe(after, before)

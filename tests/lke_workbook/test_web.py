"""The LKE workbook downloads on the assessment page."""

import io

import openpyxl

from zi.demo import PROCUREMENT
from zi.lke_workbook import layout as L
from zi.models import Answer, Assessment, Unit


def _procurement():
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).order_by(Assessment.id.desc()).get()


def test_overview_links_and_downloads_the_workbook(login, db):
    client = login("anggota@contoh.go.id")
    a = _procurement()
    page = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert f"/assessments/{a.id}/lke.xlsx?layer=final" in page
    assert f"/assessments/{a.id}/lke-kosong.xlsx" in page
    noted = (Answer.select()
             .where((Answer.assessment == a) & (Answer.layer == "unit") & (Answer.note != "")).first())
    response = client.get(f"/assessments/{a.id}/lke.xlsx?layer=unit")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.data))[L.SHEET]
    cells = [ws[f"{L.CATATAN}{r}"].value for r in range(L.FIRST_ROW, ws.max_row + 1)]
    assert noted is not None and noted.note in cells
    assert ws[f"{L.NILAI}{ws.max_row}"].value.startswith("=SUM(")


def test_blank_and_bad_layer(login, db):
    client = login("tpi@contoh.go.id")
    a = _procurement()
    blank = client.get(f"/assessments/{a.id}/lke-kosong.xlsx")
    assert blank.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(blank.data))[L.SHEET]
    assert not [ws[f"{L.CATATAN}{r}"].value for r in range(L.FIRST_ROW, ws.max_row + 1)
                if ws[f"{L.CATATAN}{r}"].value]
    assert client.get(f"/assessments/{a.id}/lke.xlsx?layer=tpn").status_code == 400


def test_the_tpi_layer_is_not_downloadable_where_the_pages_hide_it(client, login, db):
    """In a draft the unit does not see TPI's layer on the pages; the workbook must not show it either."""
    from zi.models import Assessment

    a = Assessment.select().first()
    assert a.status == "draft"
    login("anggota@contoh.go.id")
    assert client.get(f"/assessments/{a.id}/lke.xlsx?layer=tpi").status_code == 403
    assert client.get(f"/assessments/{a.id}/lke.xlsx?layer=unit").status_code == 200
    login("tpi@contoh.go.id")
    assert client.get(f"/assessments/{a.id}/lke.xlsx?layer=tpi").status_code == 200

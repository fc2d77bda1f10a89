"""One translation layer: Indonesian by default, English on request."""

from zi.models import Assessment


def test_indonesian_by_default_and_english_on_request(client, login, db):
    login("anggota@contoh.go.id")
    assessment = Assessment.select().first()
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Dasbor" in page and "Draf" in page and "Log audit" in page
    client.post("/lang/en")
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Dashboard" in page and "Draft" in page and "Dasbor" not in page
    client.post("/lang/xx")  # unknown languages are ignored
    assert "Dashboard" in client.get("/").get_data(as_text=True)

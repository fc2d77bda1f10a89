from zi.models import Assessment, Unit


def test_pages_render_for_every_demo_role(client, login, db):
    a = Assessment.select().join(Unit).where(Unit.name == "Bagian Pengadaan Barang dan Jasa").get()
    for email in ("admin", "pimpinan", "anggota", "tpi", "reviewer"):
        login(f"{email}@contoh.go.id")
        for url in ("/", f"/assessments/{a.id}", f"/assessments/{a.id}/area/MP",
                    f"/assessments/{a.id}/area/H", f"/assessments/{a.id}/audit"):
            r = client.get(url)
            assert r.status_code == 200, (email, url, r.get_data(as_text=True)[-2000:])
    login("admin@contoh.go.id")
    assert client.get("/admin/").status_code == 200


def test_evidence_pages_render(client, login, db):
    a = Assessment.select().join(Unit).where(Unit.name == "Bagian Pengadaan Barang dan Jasa").get()
    for email in ("admin", "pimpinan", "anggota", "tpi", "reviewer"):
        login(f"{email}@contoh.go.id")
        r = client.get(f"/assessments/{a.id}/evidence")
        assert r.status_code == 200, (email, r.get_data(as_text=True)[-2000:])

"""The area page shows the official letter, the sub-part headings and which explanations are zi's."""

import re

from zi.models import Assessment


def test_area_page_shows_letters_headings_and_zis_own_explanations(client, login):
    a = Assessment.select().first()
    login("anggota@contoh.go.id")
    pp = client.get(f"/assessments/{a.id}/area/PP").get_data(as_text=True)
    letters = re.findall(
        r'id="code-(P-PP-v-[abc])">P-PP-v-[abc]</span><span class="letter[^"]*"[^>]*>(\w)\.', pp)
    assert letters == [("P-PP-v-a", "a"), ("P-PP-v-b", "c"), ("P-PP-v-c", "b")]
    pw = client.get(f"/assessments/{a.id}/area/PW").get_data(as_text=True)
    headings = re.findall(r'<h4 class="part-heading">([^<]+)</h4>', pw)
    assert headings == ["Penyampaian Laporan Harta Kekayaan Pejabat Negara (LHKPN)",
                        "Penyampaian Laporan Harta Kekayaan Aparatur Sipil Negara (LHKASN)"]
    assert pw.index(headings[1]) < pw.index('id="item-R-PW-iii-b"')
    mp = client.get(f"/assessments/{a.id}/area/MP").get_data(as_text=True)
    assert mp.count("(penjelasan zi)") == 3  # the Tidak of P-MP-i-a, P-MP-ii-a and P-MP-iv-a
    tidak = re.search(
        r"Tidak, jika kondisi pada jawaban Ya belum terpenuhi\.\s*<span[^>]*>\(penjelasan zi\)", mp)
    assert tidak is not None

"""The unit's SPTJM (Surat Pernyataan Tanggung Jawab Mutlak): the letter the unit head signs when
submitting (and resubmitting) the self-assessment to TPI.

The letter's wording is kept here, in one place; the dossiers (templates/dossier/_sptjm.html) and the
letter downloaded alone print it. PermenPAN-RB 90/2021 and 5/2024 require an SPTJM but give no form
for the unit's one (the instansi head's SPTJM goes with the proposal); the wording below is zi's,
following the usual form of such a statement (who signs, what they answer for, the consequence).
The letter is always in Indonesian, whatever the reader's language.

The letter's number and place are typed on the submit form and stored on the assessment
(`sptjm_number`, `sptjm_place`), its date is the moment of submission (`sptjm_at`, shown in the
unit's zone); name, NIP and position are the signing head's as they were when signing
(`sptjm_name`, `sptjm_nip`, `sptjm_position`, m0014): editing the profile later changes no signed
letter. Letters signed before m0014 have no such copy and print the head's current profile
(`sptjm_by`). The values as signed are also in the audit row `sptjm`.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import formatting
from .models import Assessment

TITLE = "SURAT PERNYATAAN TANGGUNG JAWAB MUTLAK"
OPENING = "Yang bertanda tangan di bawah ini:"
# The statement, paragraph by paragraph; %(unit)s, %(year)s and %(instansi)s are filled in.
STATEMENT = (
    "dengan ini menyatakan bertanggung jawab mutlak atas kebenaran seluruh jawaban, catatan dan data "
    "dukung penilaian mandiri pembangunan Zona Integritas menuju Wilayah Bebas dari Korupsi (WBK) / "
    "Wilayah Birokrasi Bersih dan Melayani (WBBM) pada %(unit)s, %(instansi)s, tahun %(year)s, yang "
    "disusun menggunakan Lembar Kerja Evaluasi sebagaimana dimaksud dalam Peraturan Menteri "
    "Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor 90 Tahun 2021 tentang Pembangunan dan "
    "Evaluasi Zona Integritas Menuju Wilayah Bebas dari Korupsi dan Wilayah Birokrasi Bersih dan "
    "Melayani di Instansi Pemerintah.",
    "Apabila di kemudian hari ditemukan bahwa jawaban dan/atau data dukung tersebut tidak benar, saya "
    "bersedia bertanggung jawab dan menerima sanksi sesuai dengan ketentuan peraturan "
    "perundang-undangan.",
    "Demikian surat pernyataan ini dibuat dengan sebenar-benarnya untuk dipergunakan sebagaimana "
    "mestinya.",
)


def spaced_nip(nip: str | None) -> str:
    """An 18-digit NIP written as on letters: birth date, appointment month, sex, number
    (`19800101 200501 1 001`); anything else as stored."""
    digits = (nip or "").replace(" ", "")
    if len(digits) == 18 and digits.isdigit():
        return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"
    return nip or ""


@dataclass(frozen=True)
class Letter:
    """Everything the letter prints, as text (empty where nothing is recorded yet)."""

    signed: bool
    unit: str
    instansi: str
    year: int
    number: str
    place: str
    date: str
    name: str
    nip: str
    position: str
    statement: tuple[str, ...]
    title: str = TITLE
    opening: str = OPENING


def letter(assessment: Assessment, locale: str = "id") -> Letter:
    """The SPTJM letter of an assessment as it stands (signed once the head has submitted)."""
    unit = assessment.unit
    if assessment.sptjm_name is not None:  # the copy taken at signing
        name, nip, position = assessment.sptjm_name, assessment.sptjm_nip, assessment.sptjm_position
    elif assessment.sptjm_by_id:  # signed before m0014: the head's profile as it is now
        head = assessment.sptjm_by
        name, nip, position = head.name, head.nip, head.position
    else:
        name = nip = position = None
    params = {"unit": unit.name, "instansi": unit.instansi.name, "year": assessment.period.year}
    when = ""
    if assessment.sptjm_at is not None:
        when = formatting.date(formatting.local(assessment.sptjm_at, formatting.zone_of(assessment)).date(),
                               locale)
    return Letter(
        signed=assessment.sptjm_at is not None, unit=unit.name, instansi=unit.instansi.name,
        year=assessment.period.year, number=assessment.sptjm_number or "", place=assessment.sptjm_place or "",
        date=when, name=name or "", nip=spaced_nip(nip), position=position or "",
        statement=tuple(paragraph % params for paragraph in STATEMENT))

"""Bringing a filled LKE workbook into an assessment: a preview item by item, then one transaction.

The reading (zi.lke_workbook.reading.WorkbookReading) holds one layer's answers, notes and data dukung
lines of a file, and every place it departs from the instrument. `preview` shows, per item of the
criteria, what the assessment holds now and what the workbook says, the departures with their rows
and the scores before and after; `apply` writes the changes through the answers' one save path
(zi.answers.save_answer: versions, audit rows, carried-over marks cleared on change), turns the
data dukung URLs into link evidence (an identical link of the unit is reused, never duplicated) and
records one `lke:import` audit event naming the file, the layer and the counts.

Who may import is the one access decision (zi.access: `answer.save` per item, `evidence.add` for the
links): an accepted assessment, a layer the person may not edit in the current status, or a workbook
of another criteria version is refused with a message. Items the person may not change (a pokja
member's other areas, items not flagged during a revision) are shown and left as they are.

Plain Python: no Flask, no click.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from . import answers as store
from . import audit, formatting, scoring, text, workflow
from .access import Access
from .criteria import Criteria
from .lke_workbook.reader import LAYERS as READ_LAYERS
from .lke_workbook.reading import Departure, EvidenceLine, WorkbookReading
from .messages import DomainError, Label
from .models import Answer, Assessment, EvidenceDocument, EvidenceLink
from .report_format import answer_text
from .states import AssessmentStatus, Layer
from .text import N_

IMPORT_ACTION = "lke:import"
LAYERS = READ_LAYERS  # the layers a workbook imports into: zi.lke_workbook.reader.LAYERS
TITLE_CHARS = 200  # a link document's title taken from its data dukung line
DOCUMENT_PAGE = re.compile(r"/evidence/documents/(\d{1,18})/?$")


class ImportRefused(DomainError):
    """The import cannot be carried out at all; nothing was written."""


@dataclass(frozen=True)
class ItemRow:
    """One item of the criteria as the preview shows it."""

    code: str
    letter: str                  # the official letter (6.v reads a, c, b)
    text: str
    row: int | None              # its row in the sheet (None: no row matched)
    current: object              # the stored value of the layer (None: unanswered)
    workbook: object             # the value the import would store
    current_text: str            # both for people (report_format.answer_text)
    workbook_text: str
    current_note: str
    workbook_note: str           # the note the import would store
    urls: tuple[str, ...]        # data dukung URLs that would become link evidence of the item
    in_workbook: bool            # the workbook gives an answer or a note for the item
    allowed: bool                # the person may change this item in this layer now
    problem: str = ""            # a message id: why the workbook's answer or note is not taken
    problem_params: dict = field(default_factory=dict)
    version: int = 0             # the stored answer's version when previewed (0: unanswered)

    @property
    def value_changes(self) -> bool:
        return self.allowed and self.workbook != self.current

    @property
    def note_changes(self) -> bool:
        return self.allowed and self.workbook_note != self.current_note

    @property
    def changes(self) -> bool:
        return self.value_changes or self.note_changes

    @property
    def skipped(self) -> bool:
        """The workbook would change it, but the person may not."""
        return not self.allowed and (self.workbook != self.current or self.workbook_note != self.current_note
                                     or bool(self.urls))


@dataclass(frozen=True)
class ImportPreview:
    assessment: Assessment
    layer: str
    criteria_id: str
    rows: list[ItemRow]
    departures: list[Departure]
    before: scoring.ScoreReport
    after: scoring.ScoreReport

    @property
    def changed(self) -> list[ItemRow]:
        return [r for r in self.rows if r.changes]

    @property
    def skipped(self) -> list[ItemRow]:
        return [r for r in self.rows if r.skipped]

    @property
    def links(self) -> int:
        return sum(len(r.urls) for r in self.rows if r.allowed)

    @property
    def versions(self) -> dict[str, int]:
        """{item code: version} of the layer's answers as previewed; `apply` refuses if any item it
        would change has another version by then (someone saved between preview and confirm)."""
        return {r.code: r.version for r in self.rows}

    @property
    def counts(self) -> dict[str, int]:
        return {"items": len(self.changed), "answers": sum(r.value_changes for r in self.rows),
                "notes": sum(r.note_changes for r in self.rows), "links": self.links,
                "skipped": len(self.skipped), "departures": len(self.departures)}

    def to_json(self) -> dict:
        """The preview as data (for `zi lke import --json`); departures in Indonesian."""
        r = scoring.rounded
        return {
            "assessment": self.assessment.id,
            "layer": self.layer,
            "criteria": self.criteria_id,
            "counts": self.counts,
            "score": {"before": r(self.before.total), "after": r(self.after.total),
                      "predicate_before": self.before.predicate, "predicate_after": self.after.predicate},
            "departures": [{"kind": d.kind.value, "row": d.row, "code": d.code, "message": d.text(),
                            "blocking": d.kind.blocking} for d in self.departures],
            "items": [{"code": row.code, "letter": row.letter, "row": row.row,
                       "current": row.current, "workbook": row.workbook,
                       "current_text": row.current_text, "workbook_text": row.workbook_text,
                       "current_note": row.current_note, "workbook_note": row.workbook_note,
                       "urls": list(row.urls), "changes": row.changes, "allowed": row.allowed,
                       "problem": _render(row.problem, row.problem_params) if row.problem else ""}
                      for row in self.rows],
        }


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    answers: int      # answers whose value changed
    notes: int        # answers whose note changed
    links: int        # link evidence attached to items (new documents or reused identical ones)
    skipped: int      # items the workbook would change but the person may not
    event_id: int | None = None


def _render(message_id: str, params: dict) -> str:
    from .messages import render

    return render(message_id, params, lambda t: t)


# --- who may import --------------------------------------------------------------------------------

def _may_answer(access: Access | None, assessment: Assessment, criteria: Criteria, item_code: str,
                layer: str, revisions: dict | None) -> bool:
    """Whether this item of the layer may change now: the person's right (`answer.save`), or for
    the command line (no person's access) the workflow's rule for the layer's own role: the unit
    layer in a draft (flagged items in a revision), TPI's layer while TPI reviews."""
    if access is not None:
        return access.can("answer.save", assessment, criteria=criteria, item_code=item_code, layer=layer,
                          revisions=revisions)
    roles = {"head"} if layer == "unit" else {"tpi"}
    return workflow.can_edit(assessment, roles, layer, item_code, None, None, revisions)


def _may_add_evidence(access: Access | None, assessment: Assessment, criteria: Criteria, item_code: str,
                      layer: str) -> bool:
    """Data dukung belongs to the unit: links come with the unit layer only, for those who may add
    evidence to the item (the command line: while the unit may change its answers)."""
    if layer != "unit":
        return False
    if access is not None:
        return access.can("evidence.add", assessment, criteria=criteria, item_codes=[item_code])
    return assessment.status in ("draft", "revision")


def _revisions(assessment: Assessment) -> dict:
    return workflow.open_revisions(assessment) if assessment.status == AssessmentStatus.REVISION else {}


def may_import(assessment: Assessment, criteria: Criteria, layer: str, access: Access | None,
               revisions: dict | None = None) -> bool:
    """Whether the person (`access`; None: the command line, the workflow's rules for the layer)
    may import into the layer now: never into an accepted assessment, else when some item of the
    layer may change (`answer.save`)."""
    if layer not in LAYERS or assessment.status == AssessmentStatus.ACCEPTED:
        return False
    revisions = _revisions(assessment) if revisions is None else revisions
    return any(_may_answer(access, assessment, criteria, item.code, layer, revisions)
               for item in criteria.items)


def importable_layers(assessment: Assessment, criteria: Criteria, access: Access | None,
                      revisions: dict | None = None) -> list[str]:
    """The layers the person may import into now (none: no import at all)."""
    revisions = _revisions(assessment) if revisions is None else revisions
    return [layer for layer in LAYERS if may_import(assessment, criteria, layer, access, revisions)]


def _check(assessment: Assessment, criteria: Criteria, reading: WorkbookReading, access: Access | None,
           revisions: dict | None = None):
    """Refusals that stop the whole import (ImportRefused), or None."""
    if reading.layer not in LAYERS:
        raise ImportRefused(N_("Lapisan jawaban tidak dikenal: %(layer)s."), layer=str(reading.layer))
    expected = assessment.period.criteria_id
    if reading.criteria_id != expected:
        raise ImportRefused(
            N_("Berkas ini memakai kriteria %(found)s, sedangkan periode %(year)s memakai kriteria "
               "%(expected)s. Gunakan LKE versi %(expected)s."),
            found=reading.criteria_id, year=assessment.period.year, expected=expected)
    if criteria.id != expected:
        raise ImportRefused(N_("Kriteria %(found)s bukan kriteria periode ini (%(expected)s)."),
                            found=criteria.id, expected=expected)
    if assessment.status == AssessmentStatus.ACCEPTED:
        raise ImportRefused(N_("Penilaian ini sudah diterima TPI dan terkunci; impor LKE tidak dapat "
                               "dilakukan."))
    if not may_import(assessment, criteria, reading.layer, access, revisions):
        raise ImportRefused(
            N_("Anda tidak dapat mengubah jawaban %(layer)s pada status %(status)s; impor tidak dapat "
               "dilakukan."),
            layer=Label(Layer.label_of(reading.layer)),
            status=Label(AssessmentStatus.label_of(assessment.status)))


# --- the preview -----------------------------------------------------------------------------------

def preview(assessment: Assessment, criteria: Criteria, reading: WorkbookReading, user=None, *,
            locale: str = formatting.DEFAULT_LOCALE, access: Access | None = None) -> ImportPreview:
    """What importing `reading` into the assessment would change, item by item (criteria order).
    With `user` (or `access`) the person's rights decide which items may change; without (the
    command line, run by the operator) the workflow's rules for the layer do. A refusal of the
    whole import raises ImportRefused."""
    if access is None and user is not None:
        access = Access(user)
    layer = reading.layer
    revisions = _revisions(assessment)
    _check(assessment, criteria, reading, access, revisions)
    stored = store.layer_answers(assessment, layer)
    rows = []
    for item in criteria.items:
        answer = stored.get(item.code)
        current = answer.value if answer is not None else None
        current_note = answer.note if answer is not None else ""
        new, note, problem, params = current, current_note, "", {}
        if item.code in reading.answers:
            try:
                new = scoring.canonical(item, reading.answers[item.code])
            except scoring.AnswerError as err:
                problem = N_("Jawaban di berkas tidak dipakai: %(why)s")
                params = {"why": "; ".join(err.problems)}
        if item.code in reading.notes:
            try:
                note = text.bounded(reading.notes[item.code])
            except text.TextTooLong as err:
                problem = N_("Catatan di berkas terlalu panjang (%(length)s karakter, batas %(limit)s); "
                             "catatan lama dipertahankan.")
                params = {"length": err.length, "limit": err.limit}
        allowed = _may_answer(access, assessment, criteria, item.code, layer, revisions)
        urls = tuple(_new_urls(assessment, item.code, reading.evidence.get(item.code, []))) \
            if _may_add_evidence(access, assessment, criteria, item.code, layer) else ()
        rows.append(ItemRow(
            code=item.code, letter=_letter(item), text=item.text, row=reading.rows.get(item.code),
            current=current, workbook=new,
            current_text=answer_text(item, current, locale), workbook_text=answer_text(item, new, locale),
            current_note=current_note, workbook_note=note, urls=urls,
            in_workbook=item.code in reading.answers or item.code in reading.notes,
            allowed=allowed, problem=problem, problem_params=params,
            version=answer.version if answer is not None else 0))
    departures = sorted(reading.departures, key=lambda d: (d.row is None, d.row or 0))
    before = _score(criteria, assessment, {r.code: r.current for r in rows})
    after = _score(criteria, assessment, {r.code: r.workbook if r.allowed else r.current for r in rows})
    return ImportPreview(assessment, layer, criteria.id, rows, departures, before, after)


def _letter(item) -> str:
    return getattr(item, "letter", "") or item.code.rsplit("-", 1)[-1]


def _score(criteria: Criteria, assessment: Assessment, values: dict) -> scoring.ScoreReport:
    scored: dict[str, Fraction] = {}
    for code, value in values.items():
        if value is None:
            continue
        try:
            scored[code] = scoring.item_value(criteria.items_by_code[code], value)
        except scoring.AnswerError:
            continue
    return scoring.score_values(criteria, scored, assessment.prior_predicate)


def _new_urls(assessment: Assessment, item_code: str, lines: list[EvidenceLine]) -> list[str]:
    """The valid URLs of an item's data dukung lines not yet linked to the item (as a link
    document with that URL, or as the unit's own document page)."""
    from .evidence.service import EvidenceError, valid_url

    found = []
    for line in lines:
        if not line.url:
            continue
        try:
            url = valid_url(line.url)
        except EvidenceError:
            continue
        if url in found or _linked(assessment, item_code, url):
            continue
        found.append(url)
    return found


def _linked(assessment: Assessment, item_code: str, url: str) -> bool:
    own = _own_document(assessment, url)
    condition = (EvidenceDocument.id == own.id) if own is not None else (EvidenceDocument.url == url)
    return (EvidenceLink.select().join(EvidenceDocument)
            .where((EvidenceLink.assessment == assessment) & (EvidenceLink.item_code == item_code)
                   & EvidenceDocument.deleted_at.is_null() & condition).exists())


def _own_document(assessment: Assessment, url: str) -> EvidenceDocument | None:
    """A URL of a document page (`…/evidence/documents/<id>`, as zi's export writes them) naming a
    live document of the assessment's own unit: that document, else None."""
    match = DOCUMENT_PAGE.search(url.split("?", 1)[0].split("#", 1)[0])
    if match is None:
        return None
    return EvidenceDocument.get_or_none((EvidenceDocument.id == int(match.group(1)))
                                        & (EvidenceDocument.unit == assessment.unit_id)
                                        & EvidenceDocument.deleted_at.is_null())


def _title(lines: list[EvidenceLine], url: str) -> str:
    """A link document's title: its line without the URL and the separator before it."""
    for line in lines:
        if line.url and line.url.strip() == url:
            title = line.text.replace(line.url, " ")
            title = " ".join(title.split()).strip(" —–-:|·")
            return title[:TITLE_CHARS] or url[:TITLE_CHARS]
    return url[:TITLE_CHARS]


# --- applying --------------------------------------------------------------------------------------

STALE_SHOWN = 10  # item codes named in the refusal; more are counted


def _refuse_stale(result: ImportPreview, versions: dict[str, int]) -> None:
    """ImportRefused when an item the import would change was saved after the preview."""
    stale = [row.code for row in result.rows if row.changes and row.version != versions.get(row.code, 0)]
    if not stale:
        return
    codes = ", ".join(stale[:STALE_SHOWN])
    if len(stale) > STALE_SHOWN:
        raise ImportRefused(N_("%(count)s butir diubah setelah pratinjau (antara lain %(codes)s); tidak ada "
                               "yang disimpan. Unggah berkas LKE lagi untuk melihat pratinjau terbaru."),
                            count=len(stale), codes=codes)
    raise ImportRefused(N_("Butir %(codes)s diubah setelah pratinjau; tidak ada yang disimpan. Unggah "
                           "berkas LKE lagi untuk melihat pratinjau terbaru."), codes=codes)


def apply(assessment: Assessment, criteria: Criteria, reading: WorkbookReading, user, source_name: str,
          *, access: Access | None = None, operator: bool = False,
          versions: dict[str, int] | None = None) -> ImportResult:
    """Import the reading into its layer in ONE transaction: the changed answers and notes through
    zi.answers.save_answer, the data dukung URLs as link evidence, one `lke:import` audit event.
    ImportRefused (nothing written) when the import is not allowed or someone saved meanwhile.
    The person's rights decide (`access`, else Access(user)); `operator=True` is the command line,
    where the workflow's rules for the layer decide and `user` is who the audit log names.
    `versions` are the answers' versions the person previewed (ImportPreview.versions): an item
    the import would change that has been saved since is refused, naming the items, so nobody's
    edit between preview and confirm is overwritten unseen."""
    from .evidence.service import add_link, link

    access = None if operator else (access or Access(user))
    db = Answer._meta.database
    with db.atomic():
        result = preview(assessment, criteria, reading, access=access)
        layer = result.layer
        stored = store.layer_answers(assessment, layer)
        if versions is not None:
            _refuse_stale(result, versions)
        answers = notes = links = 0
        for row in result.rows:
            if row.changes:
                current = stored.get(row.code)
                try:
                    store.save_answer(criteria, assessment, user, layer, row.code, row.workbook,
                                      row.workbook_note, current.version if current is not None else 0)
                except store.StaleEdit:
                    raise ImportRefused(N_("Butir %(code)s diubah orang lain selama impor; tidak ada "
                                           "yang disimpan. Coba impor lagi."), code=row.code) from None
                answers += row.value_changes
                notes += row.note_changes
            if row.allowed and row.urls:
                lines = reading.evidence.get(row.code, [])
                for url in row.urls:
                    own = _own_document(assessment, url)
                    existing = own or (EvidenceDocument.select()
                                       .where((EvidenceDocument.unit == assessment.unit_id)
                                              & (EvidenceDocument.url == url)
                                              & EvidenceDocument.deleted_at.is_null())
                                       .order_by(EvidenceDocument.id).first())
                    if existing is not None:
                        link(existing, assessment, row.code, user)
                    else:
                        add_link(assessment, user, url, _title(lines, url), criteria=criteria,
                                 item_codes=[row.code])
                    links += 1
        counts = {**result.counts, "answers": answers, "notes": notes, "links": links}
        event = audit.record(IMPORT_ACTION, user, assessment=assessment, new={
            "file": source_name, "layer": layer, "criteria": result.criteria_id, **counts})
    return ImportResult(result, answers=answers, notes=notes, links=links,
                        skipped=len(result.skipped), event_id=event.id)


# --- uploads waiting for their confirmation -----------------------------------------------------------

STAGE_FOLDER = "lke-import"  # under the instance folder
STAGE_SECONDS = 3600         # a preview not confirmed within this time expires


def sweep_staging(folder: Path, max_age: float = STAGE_SECONDS, *, now: float | None = None) -> int:
    """Delete the staged uploads (and their records) older than `max_age` seconds: previews nobody
    confirmed. Run on every upload and by the hourly job (zi.jobs), so they never pile up. Returns
    how many files were deleted."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    stale = (time.time() if now is None else now) - max_age
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < stale:
                path.unlink(missing_ok=True)
                removed += 1
        except OSError:  # removed meanwhile by another worker
            continue
    return removed

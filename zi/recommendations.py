"""TPI's recommendations per change area of an assessment: what the unit should improve, written by
the unit's TPI (never by the unit's own people) and shown to the unit read-only and in the TPI
endorsement of the KemenPAN-RB dossier. Markdown, rendered safely like every note (zi.text)."""

from __future__ import annotations

from peewee import IntegrityError

from . import audit
from .db import locked
from .messages import DomainError
from .models import AreaRecommendation, Assessment, now
from .text import N_, NOTE_MAX_CHARS, bounded


class RecommendationError(DomainError):
    pass


def recommendations_of(assessment: Assessment) -> dict[str, AreaRecommendation]:
    """{area code: recommendation} of the assessment, in one query."""
    query = AreaRecommendation.select().where(AreaRecommendation.assessment == assessment)
    return {r.area_code: r for r in query}


ATTEMPTS = 3


class _Changed(Exception):
    """The row read was removed before it could be updated (its transaction is rolled back)."""


def is_area(criteria, area_code: str) -> bool:
    """Whether a recommendation may be written for this page code: a change area of the criteria
    (never Hasil, nor an unknown code). The one check, for the route (404) and for saving."""
    return area_code in {a.code for a in criteria.areas}


def save_recommendation(assessment: Assessment, criteria, area_code: str, text: str | None,
                        author) -> AreaRecommendation | None:
    """Store TPI's recommendation for one area (empty text removes it); the row and its audit entry
    (old and new text) in one transaction. Two saves at the same moment never fail: the second to
    create the row (the unique index) saves again over the first. Who may is the access table's
    `recommendation.edit`, decided by the caller."""
    if not is_area(criteria, area_code):
        raise RecommendationError(N_("Area tidak dikenal: %(code)s"), code=area_code[:20])
    cleaned = bounded(text, NOTE_MAX_CHARS)  # TextTooLong beyond the limit
    for _ in range(ATTEMPTS):
        try:
            return _save(assessment, area_code, cleaned, author)
        except (IntegrityError, _Changed):  # created or removed by someone else since it was read
            continue
    raise RecommendationError(N_("Rekomendasi area ini sedang diubah orang lain; coba simpan lagi."))


def _save(assessment: Assessment, area_code: str, cleaned: str, author) -> AreaRecommendation | None:
    with AreaRecommendation._meta.database.atomic():
        current = locked(AreaRecommendation.select().where(
            (AreaRecommendation.assessment == assessment)
            & (AreaRecommendation.area_code == area_code))).first()
        old = current.text if current is not None else ""
        if old == cleaned:
            return current
        if not cleaned:
            AreaRecommendation.delete().where(AreaRecommendation.id == current.id).execute()
            current = None
        elif current is None:
            current = AreaRecommendation.create(assessment=assessment, area_code=area_code, text=cleaned,
                                                author=author, updated_at=now())
        else:
            changed = {"text": cleaned, "author": author, "updated_at": now()}
            if not AreaRecommendation.update(**changed).where(AreaRecommendation.id == current.id).execute():
                raise _Changed
            current.text, current.author, current.updated_at = cleaned, author, changed["updated_at"]
        audit.record("recommendation", author, assessment=assessment,
                     old={"areas": area_code, "note": old} if old else None,
                     new={"areas": area_code, "note": cleaned} if cleaned else None)
    return current

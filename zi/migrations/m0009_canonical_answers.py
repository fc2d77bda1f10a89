"""Stored answers in their one canonical form (`a` → `A`, `ya` → `Ya`, survey index "3,72" →
3.72, counts 5.0 → 5), so the unit's and TPI's layers compare equal.

Each answer is read with the item types of the criteria its period names (from the criteria
folder). A value that cannot be read (criteria missing, item gone, invalid) is left as it is.
Only the representation changes, not the answer: versions stay and no audit event is written.
"""

import json
from pathlib import Path


def _criteria_by_id() -> dict:
    """Every criteria file that loads; one broken file does not stop the others."""
    from ..config import Config
    from ..criteria import CriteriaError, load_file

    found = {}
    for path in sorted(Path(Config.CRITERIA_DIR).glob("*.y*ml")):
        try:
            criteria = load_file(path)
        except (CriteriaError, OSError):
            continue
        found.setdefault(criteria.id, criteria)
    return found


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)  # as zi.models.JSONField


def up(db):
    from ..scoring import AnswerError, canonical

    rows = db.execute_sql(
        'SELECT a.id, a.item_code, a.value, p.criteria_id FROM "answer" a '
        'JOIN "assessment" s ON s.id = a.assessment_id JOIN "period" p ON p.id = s.period_id '
        "WHERE a.value IS NOT NULL ORDER BY a.id").fetchall()
    if not rows:
        return
    criteria = _criteria_by_id()
    changes = []
    for answer_id, item_code, text, criteria_id in rows:
        item = criteria[criteria_id].items_by_code.get(item_code) if criteria_id in criteria else None
        if item is None:
            continue
        try:
            value = json.loads(text)
            new = canonical(item, value)
        except (AnswerError, ValueError):
            continue
        if _dumps(new) != text:
            changes.append((_dumps(new), answer_id))
    marker = db.param
    for params in changes:
        db.execute_sql(f'UPDATE "answer" SET value = {marker} WHERE id = {marker}', params)

"""One row per role: a person holds a role in an instansi or a unit at most once.

Duplicate rows (the same person, role, instansi and unit) are merged into the oldest one, with the
pokja areas the rows meant together (their union; no areas, i.e. every area, if any row had none),
then a unique index keeps it so. The unit is empty for instansi-wide roles, and NULLs never clash
in a unique index, so the index is on COALESCE(unit_id, 0) (ids start at 1), on SQLite and
PostgreSQL alike.
"""


def _merged(area_lists) -> str:
    codes: list[str] = []
    for areas in area_lists:
        found = [a for a in (areas or "").split(",") if a]
        if not found:
            return ""
        codes += [a for a in found if a not in codes]
    return ",".join(codes)


def up(db):
    rows = db.execute_sql('SELECT id, user_id, role, instansi_id, unit_id, areas FROM "role_assignment" '
                          "ORDER BY id").fetchall()
    groups: dict[tuple, list] = {}
    for row_id, user_id, role, instansi_id, unit_id, areas in rows:
        groups.setdefault((user_id, role, instansi_id, unit_id), []).append((row_id, areas))
    marker = db.param
    for (_, role, _, _), found in groups.items():
        if len(found) < 2:
            continue
        keep = found[0][0]
        areas = _merged(a for _, a in found) if role == "member" else ""
        db.execute_sql(f'UPDATE "role_assignment" SET areas = {marker} WHERE id = {marker}', (areas, keep))
        for row_id, _ in found[1:]:
            db.execute_sql(f'DELETE FROM "role_assignment" WHERE id = {marker}', (row_id,))
    db.execute_sql('CREATE UNIQUE INDEX "role_assignment_one_per_person" ON "role_assignment" '
                   "(user_id, role, instansi_id, COALESCE(unit_id, 0))")

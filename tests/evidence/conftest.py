"""The demo world as the evidence service sees it: a store, the two demo assessments, the people."""

from __future__ import annotations

import pytest

from zi.demo import INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.evidence import LocalStore
from zi.models import Assessment, Instansi, Unit, User


@pytest.fixture
def store(app) -> LocalStore:
    return LocalStore(app.config["EVIDENCE_DIR"])


@pytest.fixture
def world(db, criteria):
    instansi = Instansi.get(Instansi.name == INSTANSI)
    own = Unit.get((Unit.instansi == instansi) & (Unit.name == PROCUREMENT))
    second = Unit.get((Unit.instansi == instansi) & (Unit.name == SECOND_UNIT))
    users = {
        role: User.get(User.email == f"{role}@contoh.go.id")
        for role in ("admin", "pimpinan", "anggota", "tpi", "reviewer")
    }
    return {
        "criteria": criteria,
        "instansi": instansi,
        "own": Assessment.get(Assessment.unit == own),
        "second": Assessment.get(Assessment.unit == second),
        **users,
    }

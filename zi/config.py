"""Every setting of zi, read from environment variables with safe defaults."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


class Config:
    CRITERIA_DIR = _env("ZI_CRITERIA_DIR", str(PROJECT_DIR / "criteria"))

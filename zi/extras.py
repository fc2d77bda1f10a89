"""Optional packages a setting needs: S3 storage (boto3), Redis jobs (redis), PostgreSQL (psycopg2).

They are extras (`pip install 'zi[s3]'`…); a setting that needs a missing one stops zi at once with what to
install, instead of an ImportError traceback at the first upload, job or query."""

from __future__ import annotations

import importlib
import sys

EXTRAS = {"boto3": "s3", "redis": "redis", "psycopg2": "postgres"}


class MissingExtra(SystemExit):
    """Stops zi with exit status 2 (a setting refused); the message is written to stderr when raised."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def require(module: str, setting: str) -> None:
    """Import `module` or stop: `setting` names what asked for it (e.g. "ZI_S3_BUCKET")."""
    try:
        importlib.import_module(module)
    except ImportError:
        extra = EXTRAS[module]
        message = (f"{setting} needs the Python package {module}, which is not installed: "
                   f"pip install 'zi[{extra}]'")
        print(f"zi: {message}", file=sys.stderr)
        raise MissingExtra(message) from None

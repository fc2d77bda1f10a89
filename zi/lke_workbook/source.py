"""The workbook of one assessment layer from what the app stores, taken duck-typed (answers with
`.value` and `.note`, linked documents with `.document`) so this package stays free of the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from openpyxl import Workbook

from ..criteria.model import Criteria
from .writer import write_workbook

DOCUMENT_PATH = "/evidence/documents/{id}"


def evidence_line(document, base_url: str) -> str:
    """A data dukung line: its title and a link (an external link as given, a file to its page)."""
    url = document.url or base_url.rstrip("/") + DOCUMENT_PATH.format(id=document.id)
    return f"{document.title} — {url}"


def assessment_workbook(criteria: Criteria, answers: Mapping[str, object],
                        linked: Mapping[str, Sequence[object]], base_url: str,
                        title: str = "") -> Workbook:
    return write_workbook(
        criteria,
        {code: a.value for code, a in answers.items() if a.value is not None},
        notes={code: a.note for code, a in answers.items() if a.note},
        evidence={code: [evidence_line(d.document, base_url) for d in docs]
                  for code, docs in linked.items()},
        title=title,
    )

"""The workbook of one assessment layer from what the app stores, taken duck-typed (answers with
`.value` and `.note`, linked documents with `.document`) so this package stays free of the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from openpyxl import Workbook

from ..criteria.model import Criteria
from .writer import LayerData, write_tpi_workbook, write_workbook

DOCUMENT_PATH = "/evidence/documents/{id}"


def evidence_line(document, base_url: str) -> str:
    """A data dukung line: its title and a link (an external link as given, a file to its page)."""
    url = document.url or base_url.rstrip("/") + DOCUMENT_PATH.format(id=document.id)
    return f"{document.title} — {url}"


def layer_data(answers: Mapping[str, object], linked: Mapping[str, Sequence[object]] | None = None,
               base_url: str = "") -> LayerData:
    """One layer's stored answers (and, for the unit's layer, its data dukung) as the writer takes them."""
    return LayerData(
        {code: a.value for code, a in answers.items() if a.value is not None},
        {code: a.note for code, a in answers.items() if a.note},
        {code: [evidence_line(d.document, base_url) for d in docs] for code, docs in (linked or {}).items()},
    )


def assessment_workbook(criteria: Criteria, answers: Mapping[str, object],
                        linked: Mapping[str, Sequence[object]], base_url: str,
                        title: str = "") -> Workbook:
    """The official unit-layer layout with one layer's answers (unit, TPI or final)."""
    data = layer_data(answers, linked, base_url)
    return write_workbook(criteria, data.answers, notes=data.notes, evidence=data.evidence, title=title)


def assessment_tpi_workbook(criteria: Criteria, layers: Mapping[str, Mapping[str, object]],
                            linked: Mapping[str, Sequence[object]], base_url: str,
                            title: str = "") -> Workbook:
    """The TPI variant: `layers["unit"]` with the data dukung, `layers["tpi"]` beside it."""
    return write_tpi_workbook(criteria, layer_data(layers["unit"], linked, base_url),
                              layer_data(layers["tpi"]), title)

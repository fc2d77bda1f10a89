"""The unit's SPTJM letter alone (templates/dossier/sptjm_letter.html, the same partial the dossiers
print), as HTML and as a one-page PDF through the dossier renderer."""

from __future__ import annotations

from types import SimpleNamespace

from markupsafe import Markup

from ..formatting import zone_of
from ..models import Assessment
from ..sptjm import letter
from . import render


def letter_html(assessment: Assessment, locale: str = "id") -> str:
    template = render._env.get_template("dossier/sptjm_letter.html")
    token = render._rendering.set(SimpleNamespace(locale=locale, zone=zone_of(assessment)))
    try:
        return template.render(a=assessment, sptjm=letter(assessment, locale), Markup=Markup)
    finally:
        render._rendering.reset(token)


def letter_pdf(assessment: Assessment, locale: str = "id") -> bytes:
    return render.html_to_pdf(letter_html(assessment, locale))

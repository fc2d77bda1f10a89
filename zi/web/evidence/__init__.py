"""Evidence pages: upload (drag and drop, per-file progress), links, revisions, TPI review,
ZIP import, downloads through an authorised route only. One blueprint, one module per part."""

from flask import Blueprint

bp = Blueprint("evidence", __name__)

from . import files, intake, pages, review, zip_import  # noqa: E402,F401  (their routes join bp)

"""Recalculating a workbook with LibreOffice headless and reading zi's figures back from it."""

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl

from zi.lke_workbook import layout as L


def recalculate(path: Path, out_dir: Path) -> Path:
    """LibreOffice computes every formula of a file without cached values on load; converting to
    xlsx writes the results. A profile per call lets parallel test workers run soffice at once."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (libreoffice-calc-nogui) is required: scripts/setup.sh --test"
    profile = out_dir / f"lo-profile-{os.getpid()}"
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
         "--outdir", str(out_dir), str(path)],
        check=True, capture_output=True, timeout=120,
    )
    result = out_dir / path.name
    assert result.exists()
    return result


def figures(path: Path) -> dict:
    """Nilai of each area (Pemenuhan + Reform rows), of each component and the total, as the
    recalculated workbook shows them."""
    ws = openpyxl.load_workbook(path, data_only=True)[L.SHEET]
    areas: dict[int, float] = {}
    closing: dict[str, float] = {}
    for row in range(L.FIRST_ROW, ws.max_row + 1):
        area = ws[f"{L.AREA}{row}"].value
        text = ws[f"{L.TEXT}{row}"].value
        nilai = ws[f"{L.NILAI}{row}"].value
        if area and str(area).rstrip(".").isdigit() and ws[f"{L.BOBOT}{row}"].value is not None \
                and ws[f"{L.PILIHAN}{row}"].value is None:
            assert isinstance(nilai, int | float), (row, nilai)
            number = int(str(area).rstrip("."))
            areas[number] = areas.get(number, 0.0) + nilai
        if text and str(text).startswith(("TOTAL ", L.NILAI_EVALUASI)):
            closing[text] = nilai
    return {"areas": areas, "closing": closing}

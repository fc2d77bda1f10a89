"""Screenshots of the main pages in headless Chromium, for looking at what zi shows.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:5000 OUTDIR
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for who, pages in (("anggota", ["/", "/assessments/1/area/MP"]),
                           ("admin", ["/", "/admin/"]), ("tpi", ["/assessments/1"])):
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.goto(base + "/login")
            page.fill("input[name=email]", f"{who}@contoh.go.id")
            page.fill("input[name=password]", "zona-integritas")
            page.click("main button[type=submit]")
            for path in pages:
                page.goto(base + path)
                name = f"{who}{path.replace('/', '_') or '_'}.png"
                page.screenshot(path=str(out / name), full_page="area" not in path)
                print(out / name)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))

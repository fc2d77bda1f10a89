"""Screenshots of the main pages in headless Chromium, on a desktop (1366 px) and a phone (390 px)
screen, for looking at what zi shows.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:5000 OUTDIR [--lang en]

Signs in as the demo people (password zona-integritas); files are named <who>_<page>_<width>.png.
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = (1366, 390)
# who, [(name, path, full page?)]: an area page is tens of thousands of pixels long, so its first screens only
PAGES = [
    ("anggota", [("dashboard", "/", True), ("area", "/assessments/1/area/MP", False),
                 ("evidence", "/assessments/1/evidence", False)]),
    ("tpi", [("assessment", "/assessments/1", True), ("evidence", "/assessments/1/evidence", False)]),
    ("admin", [("dashboard", "/", True), ("admin", "/admin/", True)]),
]


def main(base: str, out: Path, lang: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for who, pages in PAGES:
            context = browser.new_context(base_url=base, viewport={"width": WIDTHS[0], "height": 1000})
            page = context.new_page()
            page.goto("/login")
            page.fill("input[name=email]", f"{who}@contoh.go.id")
            page.fill("input[name=password]", "zona-integritas")
            page.click("main button[type=submit]")
            page.wait_for_url(base + "/")
            if lang != "id":
                page.click(f"header form[action$='/lang/{lang}'] button")
                page.wait_for_load_state()
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 1000 if width > 500 else 844})
                for name, path, full in pages:
                    page.goto(path)
                    target = out / f"{who}_{name}_{width}{'' if lang == 'id' else '_' + lang}.png"
                    page.screenshot(path=str(target), full_page=full)
                    print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("out", type=Path)
    parser.add_argument("--lang", default="id", choices=["id", "en"])
    args = parser.parse_args()
    main(args.base, args.out, args.lang)

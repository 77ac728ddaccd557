"""Log in as a user and take screenshots of pages, to look at what was built.

Usage: python tools/screenshot.py BASE_URL USERNAME PASSWORD OUTDIR PATH [PATH ...]
       (a PATH of "login" shots the login page before logging in)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    base, username, password, outdir, *paths = sys.argv[1:]
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        page.goto(f"{base}/login/")
        if "login" in paths:
            page.screenshot(path=str(out / "login.png"), full_page=True)
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for path in paths:
            if path == "login":
                continue
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            name = path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()

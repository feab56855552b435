"""Playwright (Python) driving Debian's Chromium at /usr/bin/chromium: no browser download."""

from __future__ import annotations

import contextlib
import os
import shutil

CHROMIUM = os.environ.get("SHANZHI_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextlib.contextmanager
def launch():
    import pytest
    from playwright.sync_api import sync_playwright

    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            raise RuntimeError(f"Chromium not found at {CHROMIUM}: `make test` installs it (make browser-deps).")
        pytest.skip(f"Chromium not found at {CHROMIUM}; run `make browser-deps`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login(page, live_server_url: str, username: str, password: str = "shanzhi-demo") -> None:
    page.goto(f"{live_server_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/home/")

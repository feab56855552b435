"""Shared fixtures: demo-like organisation, one user per role in and out of scope, a logged-in
client per role, and a live server + Chromium page for browser tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("SHANZHI_SHARED", Path(__file__).resolve().parent.parent / "shared"))

# Playwright's sync API runs an event loop; Django must allow sync DB access in live tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    try:
        from django.conf import settings
    except ImportError:  # pure-library tests run without Django
        return
    if settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE"):
        # Fast hashing: tests create many users; production keeps Django's default hashers.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_process_memos():
    """Per-process memos (tokens, permissions, routing lookups, calendar overrides) outlive a test's
    rolled-back rows, and ids are reused: every test starts and ends with them empty."""
    try:
        from shanzhi.accounts.authentication import clear_token_memo
        from shanzhi.accounts.backends import clear_permission_memo
        from shanzhi.cases.router import clear_caches
        from shanzhi.core import workdays
    except ImportError:  # pure-library tests run without Django
        yield
        return

    def clear():
        clear_token_memo()
        clear_permission_memo()
        clear_caches()
        workdays.forget_local_memo()

    clear()
    yield
    clear()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}); corpus tests skipped")
    return SHARED


@pytest.fixture
def org(db):
    """Two communities with two grids each, three departments, and users of every role:
    `org.users[role]` in scope (community A, grid A1, department 'urban'), and
    `org.others[role]` for community B / grid B1 / department 'health'."""
    from shanzhi.testing.factories import build_org

    return build_org()


@pytest.fixture
def client_for(client, org):
    """client_for("community") → a Django test client logged in as that role's in-scope user."""
    from django.test import Client

    def make(role: str, other: bool = False) -> Client:
        user = (org.others if other else org.users)[role]
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def api_for(org):
    from rest_framework.test import APIClient

    def make(role: str, other: bool = False) -> APIClient:
        user = (org.others if other else org.users)[role]
        c = APIClient()
        c.force_authenticate(user)
        return c

    return make


@pytest.fixture(scope="session")
def browser():
    from shanzhi.testing.browser import launch

    with launch() as b:
        yield b


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    p = context.new_page()
    p.set_default_timeout(15_000)
    yield p
    context.close()

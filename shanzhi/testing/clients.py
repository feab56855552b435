"""Test clients that read the site as a given user in a given language."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient


def page_client(user, language: str) -> Client:
    """A page client logged in as `user` (None: anonymous), reading in `language`."""
    c = Client()
    if user is not None:
        c.force_login(user)
    c.cookies["django_language"] = language  # the site ignores Accept-Language unless told to
    return c


def api_client(user, language: str) -> APIClient:
    """An API client authenticated as `user`, answered in `language`."""
    c = APIClient()
    c.force_authenticate(user)
    c.cookies["django_language"] = language
    return c


def read_page(user, language: str, url: str) -> str:
    """The page at `url` as `user` reads it in `language` (it must answer 200)."""
    r = page_client(user, language).get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.content.decode()

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


def token_client(user) -> APIClient:
    """An API client that sends `user`'s API token, as an integration does (the real
    authentication, not `force_authenticate`)."""
    from rest_framework.authtoken.models import Token

    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return c


def read_page(user, language: str, url: str) -> str:
    """The page at `url` as `user` reads it in `language` (it must answer 200)."""
    r = page_client(user, language).get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.content.decode()

"""Keeps the current request reachable from services for the audit log's IP address."""

from __future__ import annotations

import contextvars

_current_request: contextvars.ContextVar = contextvars.ContextVar("shanzhi_request", default=None)


def current_request():
    return _current_request.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


class DefaultLanguageMiddleware:
    """Simplified Chinese unless the user chose otherwise (language cookie or ?language=).

    Runs before LocaleMiddleware and hides the browser's Accept-Language header, so that a
    street office's shared PC with an English browser still shows Chinese; the language switch
    in the header (a cookie) always wins. SHANZHI_HONOUR_BROWSER_LANGUAGE=true restores
    Django's usual negotiation."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.enabled = not getattr(settings, "HONOUR_BROWSER_LANGUAGE", False)

    def __call__(self, request):
        if self.enabled:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

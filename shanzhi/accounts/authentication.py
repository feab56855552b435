"""API authentication: DRF tokens, with the token's user remembered per process for a few seconds.

Every API request authenticates; reading the token with its user, department and community is
one query whose compilation alone costs about as much as a small write. Each process therefore
keeps what it read for `TOKEN_SECONDS`: a token, user, department or community saved or deleted
in this process clears the memo at once; other processes see the change (a token revoked, a
user deactivated or moved to another unit) within `TOKEN_SECONDS`, the same window as the
permission memo (`backends.CachedPermissionBackend`). Each request gets its own copy of the user.
"""

from __future__ import annotations

import copy
import threading
import time

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

TOKEN_SECONDS = 5.0
MAX_ENTRIES = 10_000
_memo: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()


def clear_token_memo(*_args, **_kwargs) -> None:
    with _lock:
        _memo.clear()


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, loading the user's department and community with the token
    in one query (services label timeline entries with them), remembered per process."""

    def authenticate_credentials(self, key):
        if "\x00" in key:  # no token has one, and PostgreSQL refuses it in a query (a 500)
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = time.monotonic()
        hit = _memo.get(key)
        if hit is not None and now - hit[0] < TOKEN_SECONDS:
            token = hit[1]
        else:
            model = self.get_model()
            try:
                token = model.objects.select_related("user", "user__department", "user__community").get(key=key)
            except model.DoesNotExist:
                raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
            with _lock:
                if len(_memo) >= MAX_ENTRIES:
                    _memo.clear()
                _memo[key] = (now, token)
        user = copy.copy(token.user)  # per-request attributes (permission and scope caches) stay per request
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (user, token)


def connect_invalidation() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save
    from rest_framework.authtoken.models import Token

    from shanzhi.orgs.models import Community, Department

    for model in (get_user_model(), Token, Department, Community):
        post_save.connect(clear_token_memo, sender=model, dispatch_uid=f"token-memo-save-{model.__name__}")
        post_delete.connect(clear_token_memo, sender=model, dispatch_uid=f"token-memo-del-{model.__name__}")

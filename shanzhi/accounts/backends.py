"""Authentication backend: Django's model permissions, remembered per process for a few seconds.

Every API request and page checks model permissions; Django reads them with two queries per
request (the user's own and their groups'). Roles change rarely, so each process keeps a user's
permission set for `PERMISSION_SECONDS`. A change made in this process (a user, group or
permission saved; a group or permission added or removed) clears the memo at once; other
processes see it within `PERMISSION_SECONDS`. Scope (which rows) is not cached here: it comes
from the user row read on every request.
"""

from __future__ import annotations

import threading
import time

from django.contrib.auth.backends import ModelBackend

PERMISSION_SECONDS = 5.0
_memo: dict[tuple, tuple[float, set[str]]] = {}
_lock = threading.Lock()


def clear_permission_memo(*_args, **_kwargs) -> None:
    with _lock:
        _memo.clear()


class CachedPermissionBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        attr = f"_{from_name}_perm_cache"
        if hasattr(user_obj, attr):
            return getattr(user_obj, attr)
        key = (user_obj.pk, from_name, user_obj.is_superuser)
        now = time.monotonic()
        hit = _memo.get(key)
        if hit is not None and now - hit[0] < PERMISSION_SECONDS:
            perms = hit[1]
            setattr(user_obj, attr, perms)
            return perms
        perms = super()._get_permissions(user_obj, obj, from_name)
        with _lock:
            _memo[key] = (now, perms)
        return perms


def connect_invalidation() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    User = get_user_model()
    for model in (User, Group, Permission):
        post_save.connect(clear_permission_memo, sender=model, dispatch_uid=f"perm-memo-save-{model.__name__}")
        post_delete.connect(clear_permission_memo, sender=model, dispatch_uid=f"perm-memo-del-{model.__name__}")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(clear_permission_memo, sender=through, dispatch_uid=f"perm-memo-m2m-{through.__name__}")

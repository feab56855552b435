"""Masking of personal data (phone and ID numbers) for viewers without the permission."""

from __future__ import annotations

PERMISSION = "accounts.view_personal_data"


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; keep the first 3 and last 4 digits, star the middle."""
    if not value:
        return ""
    s = str(value)
    if len(s) <= 7:
        return s[:1] + "*" * (len(s) - 2) + s[-1:] if len(s) > 2 else "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def mask_id_number(value: str | None) -> str:
    """110101********1234 for a resident ID: first 6, last 4."""
    if not value:
        return ""
    s = str(value)
    if len(s) <= 10:
        return s[:2] + "*" * max(len(s) - 4, 0) + s[-2:]
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_name(value: str | None) -> str:
    """张*明 / 张* : keep the family name."""
    if not value:
        return ""
    s = str(value)
    if len(s) == 1:
        return s
    if len(s) == 2:
        return s[0] + "*"
    return s[0] + "*" * (len(s) - 2) + s[-1]


def can_see_personal_data(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PERMISSION))

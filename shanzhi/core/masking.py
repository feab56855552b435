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


PHONE_KEY_MIN = 7


def phone_key(value: str | None) -> str:
    """A phone number as its digits, to find the same caller however the number was typed
    (`138 0013 8000`, `+86-138-0013-8000`, `0086 13800138000` → `13800138000`; a landline keeps
    its area code: `0760-8888 1234` → `076088881234`). Empty for fewer than `PHONE_KEY_MIN`
    digits: no caller's number (a local number has 7 or 8), nothing to match on."""
    if not value:
        return ""
    digits = value if value.isascii() and value.isdigit() else "".join(ch for ch in str(value) if "0" <= ch <= "9")
    # China's country code: a domestic number never starts with 86 at 11 digits or more (a
    # mobile starts with 1, a number with its area code with 0).
    international = (
        digits[4:] if digits.startswith("0086") else digits[2:] if digits[:2] == "86" and len(digits) >= 11 else None
    )
    if international is not None:
        mobile = len(international) == 11 and international.startswith("1")
        digits = international if mobile or international.startswith("0") else "0" + international
    return digits[:20] if len(digits) >= PHONE_KEY_MIN else ""


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

"""Whole numbers from query strings, forms and API bodies.

`str.isdigit()` also accepts "²" and "٣", which `int()` refuses (a 500), and a 30-digit number
passes it but overflows a database integer or a date. These accept ASCII digits within bounds
and answer None for anything else, so a page can fall back to its default and an API can
answer 400.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

INT_MAX = 2**31 - 1
YEAR_MIN, YEAR_MAX = 1900, 9998
# The longest search (the API's `?search=`, a list page's `?q=`): SQLite refuses a LIKE pattern
# over 50,000 bytes (a 500), and nobody searches for a paragraph.
SEARCH_MAX = 200


def int_param(raw, *, lo: int = 0, hi: int = INT_MAX) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip()
        if not (text.isascii() and text.isdigit()):
            return None
        value = int(text)
    return value if lo <= value <= hi else None


def year_param(raw) -> int | None:
    return int_param(raw, lo=YEAR_MIN, hi=YEAR_MAX)


def expected_version(raw) -> int | None:
    """The record version a client read (optimistic locking). Absent: None (no check). Anything
    but a whole number is refused: skipping the check silently would let a stale write through."""
    if raw is None or raw == "":
        return None
    value = int_param(raw, lo=1)
    if value is None:
        raise ValidationError({"version": _("The version must be a whole number (the one you read).")})
    return value

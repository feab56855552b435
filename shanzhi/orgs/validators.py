"""Validators for organisation data: the unified social credit code (统一社会信用代码)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V); the last is a check.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters (got %(n)d)."), params={"n": len(code)})
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        raise ValidationError(
            _("Character %(c)s is not allowed in a unified social credit code."), params={"c": bad[0]}
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong (expected %(e)s)."),
            params={"e": expected},
        )


def validate_phone(value: str) -> None:
    digits = (value or "").replace("-", "").replace(" ", "")
    if digits and (not digits.isdigit() or not 7 <= len(digits) <= 13):
        raise ValidationError(_("Enter a valid phone number (7–13 digits)."))


def validate_geojson_polygon(value) -> None:
    from shanzhi.orgs.geo import GeometryError, parse_polygon

    if value in (None, "", {}):
        return
    try:
        parse_polygon(value)
    except GeometryError as exc:
        raise ValidationError(_("Invalid boundary: %(reason)s"), params={"reason": str(exc)}) from exc

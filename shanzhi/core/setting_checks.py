"""The checks every app's settings share (`core.SiteSetting`; each app registers its own
validator with `registry.add_settings`): a key no app reads, a number in a range, a code prefix.
Each raises ValidationError with a message that says what is allowed."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024


def is_number(value: Any) -> bool:
    """A JSON number (not true/false, which Python counts as 0 and 1), finite."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_whole(value: Any) -> bool:
    """A number without a fraction: the readers pass it to int(), which would cut 2.5 to 2."""
    return is_number(value) and float(value).is_integer()


def unknown(key: str, known: Iterable[str]) -> ValidationError:
    return ValidationError(
        _("Unknown setting %(k)s: the settings are %(keys)s.") % {"k": key, "keys": ", ".join(sorted(known))}
    )


def check_range(value: Any, low: float, high: float | None, message: Any, *, whole: bool = True) -> None:
    """`value` a (whole, by default) number from `low` to `high` (None: no upper bound)."""
    if not (is_whole(value) if whole else is_number(value)) or value < low or (high is not None and value > high):
        raise ValidationError(str(message))


CODE_PREFIX_MAX = 8  # codes are prefix + yymmdd + random characters, in columns of 20 or more


def check_code_prefix(value: Any, example: str) -> None:
    """The letters a public code starts with: 1 to CODE_PREFIX_MAX letters or digits."""
    if not isinstance(value, str) or not re.fullmatch(rf"[A-Za-z0-9]{{1,{CODE_PREFIX_MAX}}}", value):
        raise ValidationError(
            _('1 to %(n)d letters or digits, such as "%(d)s": every code starts with them.')
            % {"n": CODE_PREFIX_MAX, "d": example}
        )

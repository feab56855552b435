"""Errors that services raise; views and the API turn them into 4xx answers."""

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401 (re-exported)
from django.utils.translation import gettext as _


class ConflictError(Exception):
    """Somebody else changed the record first (stale version, concurrent transition)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ImportRowError(ValidationError):
    """An import was refused: nothing was written. Carries the bad row number, the column as the
    file names it (its header), and the reason; the message is in the active language."""

    def __init__(self, row: int, message: str, column: str | None = None):
        self.row = row
        self.column = column
        self.reason = message
        if column:
            text = _("row %(row)s, column %(column)s: %(reason)s") % {"row": row, "column": column, "reason": message}
        else:
            text = _("row %(row)s: %(reason)s") % {"row": row, "reason": message}
        super().__init__(text)

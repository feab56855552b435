"""Errors that services raise; views and the API turn them into 4xx answers."""

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401 (re-exported)


class ConflictError(Exception):
    """Somebody else changed the record first (stale version, concurrent transition)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ImportRowError(ValidationError):
    """An import was refused: nothing was written. Carries the bad row number and reason."""

    def __init__(self, row: int, message: str, column: str | None = None):
        self.row = row
        self.column = column
        self.reason = message
        where = f"row {row}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")

"""Filters for the logging configuration (settings.LOGGING)."""

from __future__ import annotations

import logging


class ForbiddenWithoutTraceback(logging.Filter):
    """A 403 is the access rules at work, not a fault: Django logs each one with the
    traceback of the PermissionDenied, which buried real errors in the log. Keep the line
    (who was refused what is worth a warning), drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True

"""The log shows a refused request in one line; real errors keep their traceback."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_a_403_is_one_line_without_a_traceback(client_for, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        r = client_for("community").get("/cases/import/")
    assert r.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING and "/cases/import/" in record.getMessage()
    assert record.exc_info is None and not caplog.text.count("Traceback")


def test_other_errors_keep_their_traceback():
    """The filter only touches 403s (a 500's traceback is what the log is for)."""
    from shanzhi.core.log_filters import ForbiddenWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        info = sys.exc_info()
    for status, kept in ((500, True), (403, False)):
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), info)
        record.status_code = status
        assert ForbiddenWithoutTraceback().filter(record)
        assert (record.exc_info is not None) is kept


def test_django_lines_are_written_once():
    """Django's own console handler (shown under DEBUG) came on top of ours: each line twice."""
    django = logging.getLogger("django")
    consoles = [h for h in django.handlers if type(h) is logging.StreamHandler]  # pytest adds subclasses
    assert not django.propagate and len(consoles) == 1 and consoles[0] in logging.getLogger().handlers

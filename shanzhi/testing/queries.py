"""What a test can ask of the statements a request sent."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


@contextmanager
def queries_with_nul():
    """The statements sent with a NUL in a parameter (PostgreSQL refuses each: a 500), so that a
    test on SQLite fails as PostgreSQL would."""
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        rows = params if many else [params]
        if any(isinstance(v, str) and "\x00" in v for row in rows for v in (row or ())):
            seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen

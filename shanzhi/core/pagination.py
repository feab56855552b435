"""The API's pages (REST_FRAMEWORK's DEFAULT_PAGINATION_CLASS: a module of its own, as DRF reads
the setting while its views are being imported)."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """DRF's limit/offset pages with a ceiling: a `?limit=` past the database's integers made
    PostgreSQL refuse the query (a 500), and a whole table in one answer ties up a worker."""

    max_limit = 1000

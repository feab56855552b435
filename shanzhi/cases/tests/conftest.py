import pytest

from shanzhi.cases import router


@pytest.fixture(autouse=True)
def _fresh_router_caches():
    """Each test starts with empty in-process lookup caches (ids are reused across tests)."""
    router.clear_caches()
    yield
    router.clear_caches()

import pytest

from shanzhi.open311.tests import factories as f


@pytest.fixture
def english(settings):
    """Assertions read the English messages; the API follows Accept-Language / LANGUAGE_CODE."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def setup(org):
    """The demo organisation, its Open311 services and an API key."""
    return {"org": org, "cats": f.make_services(org), "key": f.make_key()}

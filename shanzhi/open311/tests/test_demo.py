"""The demo's Open311 requests lie where their addresses say."""

import pytest

from shanzhi.cases import router
from shanzhi.open311.demo import DEMO_REQUESTS
from shanzhi.orgs import demo as orgs_demo
from shanzhi.orgs.models import Community

pytestmark = pytest.mark.django_db


def test_a_request_that_names_a_community_lies_in_it():
    """「西苑小区东门」 was placed in a grid of 隆昌, so the demo routed it to the wrong community."""
    orgs_demo.load()
    names = list(Community.objects.values_list("name", flat=True))
    checked = 0
    for _code, _text, lat, lon, address, _nature, _media in DEMO_REQUESTS:
        named = [n for n in names if n in address]
        grid = router.locate(lon, lat)
        assert grid is not None, address
        if named:
            assert grid.community.name == named[0], (address, grid.name)
            checked += 1
    assert checked >= 1

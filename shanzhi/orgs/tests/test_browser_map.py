"""In Chromium: log in, open the grid map, see the polygons drawn, click a grid."""

import pytest

from shanzhi.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_map_draws_grids_and_shows_a_clicked_grid(page, live_server, org):
    from shanzhi.accounts.models import User

    u = User.objects.get(username="t-community")
    u.set_password("shanzhi-demo")
    u.save()
    login(page, live_server.url, "t-community")
    page.goto(f"{live_server.url}/orgs/map/")
    page.wait_for_selector("#grid-map[data-loaded='4']")
    canvas = page.locator("#grid-map canvas").first
    assert canvas.is_visible()
    # The canvas is not blank: the polygons were painted.
    painted = page.evaluate(
        """() => { const c = document.querySelector('#grid-map canvas');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   const seen = new Set(); for (let i = 0; i < d.length; i += 4 * 97) { seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]); }
                   return seen.size; }"""
    )
    assert painted > 3
    # Click the centre of grid A1 through ECharts' own coordinate conversion.
    point = page.evaluate("() => window.shanzhiMapChart.convertToPixel({geoIndex: 0}, [113.355, 22.515])")
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    info = page.locator("[data-testid=grid-info-fields]")
    info.wait_for()
    text = page.locator("#grid-info-body").inner_text()
    assert "甲1网格" in text and "甲社区" in text and "400" in text
    page.screenshot(path="/tmp/orgs-map.png", full_page=True)

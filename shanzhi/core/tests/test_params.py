"""Numbers from requests: ASCII digits within bounds, else the page's default or a 400 — never
a 500 ("²".isdigit() is True but int("²") raises; year 0 or 99999 has no date)."""

import pytest

from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.core.params import expected_version, int_param, year_param

pytestmark = pytest.mark.django_db

BAD_YEARS = ["0", "99999", "²", "٣", "１", "1736488349853171968", "-1", "2025.0"]


def test_int_param_takes_ascii_digits_within_bounds_only():
    assert int_param("42") == 42 and int_param(" 7 ") == 7 and int_param(3) == 3
    for raw in ("", None, "²", "٣", "4e2", "-1", "1.0", True, str(2**31)):
        assert int_param(raw) is None, raw
    assert year_param("2025") == 2025 and year_param("1899") is None and year_param("9999") is None


def test_a_version_that_is_no_whole_number_is_refused_not_skipped():
    from django.core.exceptions import ValidationError

    assert expected_version(None) is None and expected_version("") is None and expected_version("3") == 3
    for raw in ("abc", "-5", "1.0", "²", "0"):
        with pytest.raises(ValidationError):
            expected_version(raw)


@pytest.mark.parametrize("year", BAD_YEARS)
def test_the_rates_api_answers_a_bad_year_with_400(api_for, org, year):
    r = api_for("leader").get("/api/cases/rates/", {"year": year})
    assert r.status_code == 400 and "year" in r.json(), r.content


@pytest.mark.parametrize("year", BAD_YEARS)
def test_pages_ignore_a_bad_year(client_for, org, year):
    make_case(org)
    c = client_for("leader")
    for url in ("/cases/rates/", "/projects/board/", "/projects/livelihood/", "/projects/public/proposals/"):
        r = c.get(url, {"year": year, "by": "month"})
        assert r.status_code in (200, 302), (url, r.status_code)


def test_the_api_refuses_an_update_with_a_malformed_version(api_for, org):
    cats = make_categories(org)
    cat = cats["garbage"]
    for version in ("abc", "-5", "1.0"):
        r = api_for("admin").patch(
            f"/api/cases/categories/{cat.pk}/", {"name": "改名", "version": version}, format="json"
        )
        assert r.status_code == 400 and "version" in r.json(), r.content
    cat.refresh_from_db()
    assert cat.name != "改名"

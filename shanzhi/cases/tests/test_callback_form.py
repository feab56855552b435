"""The call-back form chooses nothing beforehand: a hurried "record" counted as resolved and
satisfied (the first options were preselected), which inflates the three rates. An invalid
call-back (wrong number, refused) can be recorded from the page: not counted in the rates."""

import pytest
from django.test import Client

from shanzhi.cases.models import CallBack, Case
from shanzhi.cases.tests.factories import make_case, make_categories

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified(org):
    make_categories(org)
    return make_case(org, status="verified")


def _form(page: str) -> str:
    start = page.index('data-action="callback"')
    return page[start : page.index("</form>", start)]


def _client(org) -> Client:
    c = Client()
    c.force_login(org.users["community"])
    c.cookies["django_language"] = "zh-hans"
    return c


def _post(c, case, **fields):
    return c.post(
        f"/cases/{case.pk}/act/",
        {"action": "callback", "version": case.version, "contacted": "1", **fields},
        follow=True,
    )


def test_the_form_chooses_nothing_and_a_call_back_without_answers_is_refused(org, verified):
    c = _client(org)
    form = _form(c.get(f"/cases/{verified.pk}/").content.decode())
    assert " selected" not in form
    for name in ("resolved", "satisfaction"):  # the first option of each is the empty one
        select = form[form.index(f'name="{name}"') :]
        assert select[select.index("<option") :].startswith('<option value="">')
    r = _post(c, verified, resolved="", satisfaction="")  # submitted as the page shows it
    assert "请记录诉求人的满意度" in r.content.decode()
    assert not CallBack.objects.filter(case=verified).exists()
    verified.refresh_from_db()
    assert verified.status == "verified" and not verified.callback_valid


def test_an_invalid_call_back_is_recorded_and_not_counted(org, verified):
    r = _post(_client(org), verified, resolved="1", satisfaction="satisfied", is_valid="0")
    assert r.status_code == 200
    cb = CallBack.objects.get(case=verified)
    case = Case.objects.get(pk=verified.pk)
    assert cb.is_valid is False and case.status == "called_back" and case.callback_valid is False


def test_a_valid_call_back_from_the_page(org, verified):
    _post(_client(org), verified, resolved="0", satisfaction="unsatisfied")
    case = Case.objects.get(pk=verified.pk)
    assert (case.callback_valid, case.callback_resolved, case.callback_satisfaction) == (True, False, "unsatisfied")

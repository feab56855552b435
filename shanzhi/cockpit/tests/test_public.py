"""The public portal, with the full demo data: every public page shows no phone number and no
reporter or proposer name, and the portal links to submit, track, wish wall, plan, 民生实事 and
proposals."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def personal_values() -> set[str]:
    from shanzhi.accounts.models import User
    from shanzhi.cases.models import Case
    from shanzhi.fieldwork.models import Wish
    from shanzhi.projects.models import Proposal

    values = set()
    values |= set(Case.objects.values_list("reporter_name", flat=True))
    values |= set(Case.objects.values_list("reporter_phone", flat=True))
    values |= set(Wish.objects.values_list("beneficiary_phone", flat=True))
    for model, fields in ((Wish, ("beneficiary_name",)), (Proposal, ("proposer_name", "proposer_phone"))):
        names = {f.name for f in model._meta.fields}
        for field in fields:
            if field in names:
                values |= set(model.objects.values_list(field, flat=True))
    values |= set(User.objects.exclude(phone="").values_list("phone", flat=True))
    return {v for v in values if v and len(v) >= 2}


def test_public_pages_show_no_personal_data(demo):
    c = Client()
    portal = c.get("/")
    assert portal.status_code == 200
    html = portal.content.decode()
    for name in (
        "cases:public_submit",
        "cases:public_track",
        "fieldwork:wish_wall",
        "plans:public_plan_list",
        "projects:public_livelihood",
        "projects:public_proposals",
    ):
        assert reverse(name) in html, name
    pages = {"/": html}
    for name in (
        "fieldwork:wish_wall",
        "plans:public_plan_list",
        "projects:public_livelihood",
        "projects:public_proposals",
    ):
        r = c.get(reverse(name))
        assert r.status_code == 200, name
        pages[name] = r.content.decode()
    secrets = personal_values()
    assert secrets, "the demo should contain personal data to look for"
    for page, text in pages.items():
        assert not PHONE.search(text), (page, PHONE.search(text).group())
        leaked = [v for v in secrets if v in text]
        assert not leaked, (page, leaked[:5])
    # The portal shows the demo's public content, not empty boxes.
    assert 'data-testid="portal-wishes"' in html and "No wishes at the moment" not in html

    # The track form goes to the cases app's public page of the case.
    from shanzhi.cases.models import Case

    code = Case.objects.values_list("code", flat=True).first()
    assert '<form method="get" action="/cases/track/"' in html  # asks as a link would
    r = c.get(reverse("cases:public_track"), {"code": code})
    assert r.status_code == 302 and r["Location"] == reverse("cases:public_case", args=[code])


def test_demo_loader_is_idempotent_and_fills_the_cockpit(demo):
    from shanzhi.cockpit.models import CaseStat, Report

    before = (CaseStat.objects.count(), Report.objects.count(), sum(CaseStat.objects.values_list("total", flat=True)))
    call_command("load_demo", stdout=io.StringIO())
    after = (CaseStat.objects.count(), Report.objects.count(), sum(CaseStat.objects.values_list("total", flat=True)))
    assert before == after and before[0] > 0 and before[1] == 1

"""A caller's earlier cases, found by their phone number however it was typed: on the hotline
form as the number is typed, and on a case's page. Scoped, staff only, audited; the number is
matched whole, never in part."""

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from shanzhi.cases import selectors, services
from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.core.masking import phone_key
from shanzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

NUMBER = "13800138000"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("13800138000", NUMBER),
        ("138 0013 8000", NUMBER),
        ("138-0013-8000", NUMBER),
        ("+86 138 0013 8000", NUMBER),
        ("0086 13800138000", NUMBER),
        ("8613800138000", NUMBER),
        ("0760-8888 1234", "076088881234"),
        ("+86 760 8888 1234", "076088881234"),  # international form of a landline: its 0 back
        ("86123456", "86123456"),  # a local 8-digit number that happens to start with 86
        ("8812345", "8812345"),  # a local 7-digit number
        ("12345", ""),  # too short to be anyone's number (a service number)
        ("", ""),
        (None, ""),
    ],
)
def test_phone_key(typed, key):
    assert phone_key(typed) == key


def test_every_intake_path_derives_the_key(org):
    cats = make_categories(org)
    staff = make_case(org, reporter_phone="138 0013 8000")
    api = APIClient()
    api.force_authenticate(org.users["community"])
    body = {"description": "路灯不亮", "category": cats["garbage"].code, "longitude": 113.355, "latitude": 22.515}
    r = api.post("/api/cases/submissions/", {**body, "reporter_phone": "+86 138-0013-8000"}, format="json")
    assert r.status_code == 202, r.content
    assert services.cases_file_submissions() == 1
    queued = Case.objects.get(code=r.json()["code"])
    services.cases_import(
        rows=[{"description": "导入的诉求", "category": "urban-garbage", "reporter_phone": "0086 13800138000"}],
        actor=org.users["admin"],
    )
    imported = Case.objects.get(description="导入的诉求")
    assert [c.reporter_phone_key for c in (staff, queued, imported)] == [NUMBER] * 3
    # what was typed is kept as typed
    assert (staff.reporter_phone, imported.reporter_phone) == ("138 0013 8000", "0086 13800138000")
    # a corrected number moves the case to its caller
    services.case_update_details(case=staff, actor=org.users["admin"], reporter_phone="139 0000 0000")
    staff.refresh_from_db()
    assert staff.reporter_phone_key == "13900000000"


def test_the_migration_fills_existing_cases(org):
    make_categories(org)
    a = make_case(org, reporter_phone="+86 138 0013 8000")
    b = make_case(org)
    Case.all_objects.update(reporter_phone_key="")  # as before the column existed
    module = __import__("shanzhi.cases.migrations.0011_reporter_phone_key", fromlist=["fill_phone_key"])
    module.fill_phone_key(django_apps, None)
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.reporter_phone_key, b.reporter_phone_key) == (NUMBER, "")


@pytest.fixture
def calls(org):
    """The same caller three times in community A (one typed differently), once in community B;
    another caller in A."""
    make_categories(org)
    return {
        "a1": make_case(org, reporter_phone=NUMBER, title="第一次来电"),
        "a2": make_case(org, reporter_phone="138-0013-8000", title="第二次来电"),
        "a3": make_case(org, reporter_phone="+8613800138000", title="第三次来电", grid_key="A2"),
        "b": make_case(org, reporter_phone=NUMBER, title="B 社区的来电", grid_key="B1", department_key="health"),
        "other": make_case(org, reporter_phone="13900000000", title="别人的来电"),
    }


def test_history_is_the_callers_cases_in_the_viewers_scope(org, calls):
    community, admin = org.users["community"], org.users["admin"]
    mine = selectors.caller_history(community, phone="138 0013 8000")
    assert mine.count == 3 and {c.pk for c in mine.cases} == {calls[k].pk for k in ("a1", "a2", "a3")}
    assert [c.received_at for c in mine.cases] == sorted((c.received_at for c in mine.cases), reverse=True)
    assert selectors.caller_history(admin, phone=NUMBER).count == 4
    # a case's own history leaves the case out
    of_case = selectors.caller_history(admin, case=calls["a1"])
    assert of_case.count == 3 and calls["a1"].pk not in {c.pk for c in of_case.cases}
    # a part of a number finds nothing; the count goes past the shown cases
    assert selectors.caller_history(admin, phone="13800138").count == 0
    few = selectors.caller_history(admin, phone=NUMBER, limit=2)
    assert (few.count, len(few.cases)) == (4, 2)


def test_the_fragment_as_the_hotline_form_asks_for_it(org, calls, client_for):
    c = client_for("community")
    r = c.get("/cases/caller-history/", {"reporter_phone": "138 0013 8000"})
    assert r.status_code == 200
    html = r.content.decode()
    for k in ("a1", "a2", "a3"):
        assert calls[k].code in html
    assert calls["b"].code not in html and calls["other"].code not in html
    assert 'data-testid="caller-history-count">3<' in html
    # nothing typed yet, or too short: nothing shown; an unknown number: said so
    assert c.get("/cases/caller-history/").content.decode().strip() == ""
    assert c.get("/cases/caller-history/", {"reporter_phone": "138"}).content.decode().strip() == ""
    r = c.get("/cases/caller-history/", {"reporter_phone": "13700000000"})
    assert 'data-testid="caller-history"' in r.content.decode() and "caller-history-count" not in r.content.decode()


@pytest.mark.parametrize("role", ["admin", "leader", "dept", "community", "grid", "resident"])
@pytest.mark.parametrize("other", [False, True], ids=["in", "out"])
def test_who_may_look(org, calls, client_for, role, other):
    """Staff only (a resident sees only their own cases); a case's history is the case's: out of
    scope, 404. Its number never goes to the browser (a viewer without the personal-data
    permission sees the phone masked on the page)."""
    c = client_for(role, other)
    typed = c.get("/cases/caller-history/", {"reporter_phone": NUMBER})
    of_case = c.get(f"/cases/{calls['a1'].pk}/caller-history/")
    if role == "resident":
        assert (typed.status_code, of_case.status_code) == (403, 403)
        return
    assert typed.status_code == 200
    sees_a1 = Case.objects.restrict(org.users[role] if not other else org.others[role]).filter(pk=calls["a1"].pk)
    assert of_case.status_code == (200 if sees_a1.exists() else 404)
    if of_case.status_code == 200:
        assert NUMBER not in of_case.content.decode() and calls["a2"].code in of_case.content.decode()


def test_a_look_that_finds_cases_is_audited_under_the_masked_number(org, calls, client_for):
    c = client_for("community")
    before = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_PERSONAL).count()
    c.get("/cases/caller-history/", {"reporter_phone": "13700000000"})  # finds nothing: no record
    c.get("/cases/caller-history/", {"reporter_phone": "138 0013 8000"})
    c.get(f"/cases/{calls['a1'].pk}/caller-history/")
    rows = list(AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_PERSONAL).order_by("id")[before:])
    assert len(rows) == 2
    assert all(r.actor == org.users["community"] and NUMBER not in r.note and "138****8000" in r.note for r in rows)
    assert rows[0].note.endswith(": 3") and rows[1].object_id == str(calls["a1"].pk)


def test_the_pages_ask_for_it(org, calls, client_for):
    form = client_for("community").get("/cases/new/").content.decode()
    assert 'hx-get="/cases/caller-history/"' in form and 'id="caller-history"' in form
    page = client_for("community").get(f"/cases/{calls['a1'].pk}/").content.decode()
    assert f'hx-get="/cases/{calls["a1"].pk}/caller-history/"' in page
    no_phone = make_case(org)
    assert "caller-history" not in client_for("community").get(f"/cases/{no_phone.pk}/").content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_the_number_shows_the_callers_cases(org, calls, page, live_server):
    from shanzhi.testing.browser import login

    login(page, live_server.url, org.users["community"].username, "pw-Shanzhi-1")
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_reporter_phone", "138 0013 8000")
    card = page.locator("[data-testid=caller-history]")
    card.wait_for()
    assert card.locator("[data-testid=caller-history-count]").inner_text() == "3"
    assert calls["a3"].code in card.inner_text() and calls["b"].code not in card.inner_text()
    page.goto(f"{live_server.url}/cases/{calls['a1'].pk}/")
    page.locator("[data-testid=caller-history]").wait_for()
    assert calls["a2"].code in page.locator("[data-testid=caller-history]").inner_text()


def test_the_case_list_finds_a_caller_by_their_number(org, calls, client_for):
    c = client_for("community")
    before = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_PERSONAL).count()
    html = c.get("/cases/", {"q": "+86 138-0013-8000"}).content.decode()
    assert all(calls[k].code in html for k in ("a1", "a2", "a3"))
    assert calls["b"].code not in html and calls["other"].code not in html
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_PERSONAL).order_by("id")[before:]
    assert [r.note for r in rows] == ["case search by phone 138****8000"]
    # a part of the number is no phone search; words still search the texts
    html = c.get("/cases/", {"q": "0013 8000"}).content.decode()
    assert calls["a1"].code not in html
    assert calls["a1"].code in c.get("/cases/", {"q": "第一次来电"}).content.decode()

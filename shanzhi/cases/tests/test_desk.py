"""派单台: the dispatch desk's queue of cases waiting for a person, its filters, export, home
panel, who may open it, and a dispatcher's round trip in Chromium."""

from __future__ import annotations

import datetime
import html
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from shanzhi.accounts.models import Role
from shanzhi.cases import conf, services
from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.testing.factories import make_user

pytestmark = pytest.mark.django_db
PW = "pw-Shanzhi-1"
DESK_URL = "/cases/desk/"


@pytest.fixture
def desk_user(org):
    return make_user("t-desk", Role.DEPT, department=org.departments["dispatch"])


@pytest.fixture
def desk_client(desk_user):
    from django.test import Client

    c = Client()
    c.force_login(desk_user)
    return c


def _ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


@pytest.fixture
def cases(org):
    """Cases at the desk and elsewhere, received at known times (hours ago)."""
    cats = make_categories(org)
    c = {}
    # The router leaves these at the desk: no category, no model to classify the text.
    c["new"] = make_case(org, department_key=None, received_at=_ago(5), description="楼道里的灯坏了好几天")
    c["outside"] = make_case(
        org,
        grid_key=None,
        department_key=None,
        received_at=_ago(30),
        description="河边步道有一处塌陷",
        longitude=113.2,
        latitude=22.4,
    )
    c["other_community"] = make_case(
        org, grid_key="B1", department_key=None, received_at=_ago(2), description="乙社区市场门口占道经营"
    )
    c["hotline"] = services.case_create(
        actor=org.users["admin"],
        source=Case.Source.HOTLINE,
        kind=Case.Kind.HOTLINE,
        description="来电反映噪音扰民，晚上施工",
        category=cats["other"],
        grid=org.grids["A2"],
        received_at=_ago(10),
    )
    # A department sends one back (退回): it is the desk's again.
    c["returned"] = make_case(org, received_at=_ago(50), description="垃圾桶满了没有人收")
    services.case_transition(case=c["returned"], action="return", actor=org.users["dept"], note="不属于我队职责")
    # Dispatched at once by the router's confident decision: not waiting.
    c["dispatched"] = make_case(org, received_at=_ago(80), description="小区门口垃圾堆积")
    # Received but with another department (auto-dispatch off): not the desk's.
    conf.setting_set(key="cases.auto_dispatch", value=False, actor=org.users["admin"])
    c["with_health"] = make_case(org, department_key="health", received_at=_ago(90), description="诊所排队太久")
    conf.setting_set(key="cases.auto_dispatch", value=True, actor=org.users["admin"])
    for case in c.values():
        case.refresh_from_db()
    return c


def _codes(response) -> list[str]:
    return [item["case"].code for item in response.context["items"]]


def test_fixture_states(org, cases):
    """The rows are what the tests below assume (the router and the workflow put them there)."""
    desk = org.departments["dispatch"]
    assert (cases["new"].status, cases["new"].department) == ("received", desk)
    assert (cases["outside"].status, cases["outside"].grid) == ("received", None)
    assert cases["other_community"].community == org.communities["B"]
    assert (cases["hotline"].status, cases["hotline"].department) == ("received", desk)
    assert (cases["returned"].status, cases["returned"].department) == ("returned", desk)
    assert cases["dispatched"].status == "dispatched"
    assert (cases["with_health"].status, cases["with_health"].department) == ("received", org.departments["health"])


def test_queue_shows_exactly_the_waiting_desk_cases_oldest_first(desk_client, cases):
    r = desk_client.get(DESK_URL)
    assert r.status_code == 200
    # received 50, 30, 10, 5, 2 hours ago; not the dispatched one, not the health department's
    assert _codes(r) == [cases[k].code for k in ("returned", "outside", "hotline", "new", "other_community")]
    html = r.content.decode()
    assert cases["dispatched"].code not in html and cases["with_health"].code not in html
    assert f'href="/cases/{cases["new"].pk}/"' in html
    assert r.context["paginator"].count == 5


def test_accepted_case_stays_in_the_queue_until_dispatched(org, desk_user, desk_client, cases):
    case = services.case_transition(case=cases["new"], action="accept", actor=desk_user)
    assert case.status == "accepted"
    assert case.code in _codes(desk_client.get(DESK_URL))
    services.case_transition(case=case, action="dispatch", actor=desk_user, department=org.departments["urban"])
    assert case.code not in _codes(desk_client.get(DESK_URL))


def test_a_waiting_case_without_any_department_is_in_the_queue(org, desk_client, cases):
    # Before the street has set a desk up, the router leaves new cases with no department.
    Case.objects.filter(pk=cases["new"].pk).update(department=None)
    assert cases["new"].code in _codes(desk_client.get(DESK_URL))


def test_a_case_the_worker_has_yet_to_route_is_not_in_the_queue(org, settings, desk_client, cases):
    settings.CASES_ROUTE_IN_WORKER = True
    case = make_case(org, department_key=None, description="井盖松动，车辆经过响声很大")
    assert (case.status, case.routed_by) == ("received", Case.RoutedBy.PENDING)
    assert case.code not in _codes(desk_client.get(DESK_URL))
    assert services.cases_route_pending() == 1  # what the task worker runs
    case.refresh_from_db()
    # No category and no model: the worker leaves it at the desk, and now a person must decide.
    assert (case.status, case.routed_by) == ("received", Case.RoutedBy.DISPATCH)
    assert case.code in _codes(desk_client.get(DESK_URL))


def test_a_case_the_worker_is_late_with_is_in_the_queue(org, settings, desk_client, cases):
    settings.CASES_ROUTE_IN_WORKER = True
    case = make_case(org, department_key=None, description="井盖松动，车辆经过响声很大")
    Case.objects.filter(pk=case.pk).update(
        received_at=timezone.now() - services.ROUTING_OVERDUE - datetime.timedelta(seconds=5)
    )
    assert case.code in _codes(desk_client.get(DESK_URL))  # the worker is down or behind: a person decides


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("source=hotline", ["hotline"]),
        ("outside_grids=true", ["outside"]),
        ("outside_grids=false", ["returned", "hotline", "new", "other_community"]),
        ("status=returned", ["returned"]),
        ("q=塌陷", ["outside"]),
    ],
)
def test_filters(desk_client, cases, query, expected):
    assert _codes(desk_client.get(f"{DESK_URL}?{query}")) == [cases[k].code for k in expected]


def _row(page: str, code: str) -> str:
    start = page.index(f'data-testid="desk-case-link">{code}<')
    return page[start : page.index("</tr>", start)]


def test_a_case_without_a_map_point_is_not_called_outside_every_grid(org, desk_client, cases):
    """An address-only case was badged and filtered as "outside every grid"; it has no point to
    be outside of."""
    no_point = make_case(org, grid_key=None, department_key=None, address="西苑路口", description="路口红绿灯坏了")
    page = desk_client.get(DESK_URL).content.decode()
    assert 'data-testid="desk-no-point"' in _row(page, no_point.code)
    assert 'data-testid="desk-outside"' not in _row(page, no_point.code)
    assert 'data-testid="desk-outside"' in _row(page, cases["outside"].code)
    assert no_point.code not in _codes(desk_client.get(f"{DESK_URL}?outside_grids=true"))
    assert no_point.code in _codes(desk_client.get(f"{DESK_URL}?outside_grids=false"))


@pytest.mark.parametrize("url", [DESK_URL, "/cases/"])
def test_category_choices_come_as_a_tree(org, desk_client, cases, url):
    """The desk's category filter listed top-level categories and sub-categories mixed; each
    top-level one now comes first, followed by its own."""
    import re

    from shanzhi.cases.models import Category

    safety = Category.objects.create(code="safety", name="安全生产")  # its code sorts after its own
    Category.objects.create(code="fire-hazard", name="消防隐患", parent=safety)
    Category.objects.create(code="a-gas", name="燃气安全", parent=safety)
    page = desk_client.get(url).content.decode()
    select = re.search(r'<select name="category"[^>]*>(.*?)</select>', page, re.S).group(1)
    labels = [html.unescape(x) for x in re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)]
    assert len(labels) > 4
    tops = [x for x in labels if " / " not in x]
    assert len(tops) > 1
    current = None
    for label in labels:
        if " / " not in label:
            current = label
        else:
            assert label.split(" / ")[0] == current, labels  # under its own top-level one


def test_filter_by_community_and_category(org, desk_client, cases):
    b = org.communities["B"].pk
    assert _codes(desk_client.get(f"{DESK_URL}?community={b}")) == [cases["other_community"].code]
    other = cases["hotline"].category
    assert _codes(desk_client.get(f"{DESK_URL}?category={other.pk}")) == [cases["hotline"].code]
    # The top-level category matches its sub-categories.
    assert _codes(desk_client.get(f"{DESK_URL}?category={other.parent_id}")) == [cases["hotline"].code]
    # Searching by tracking code.
    assert _codes(desk_client.get(f"{DESK_URL}?q={cases['new'].code}")) == [cases["new"].code]


def test_export_is_an_xlsx_with_the_rows(desk_client, cases):
    r = desk_client.get(f"{DESK_URL}?export=xlsx&outside_grids=false")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [cases[k].code for k in ("returned", "hotline", "new", "other_community")]
    waiting = rows[0].index(next(h for h in rows[0] if h and ("等待" in h or "waiting" in h)))
    assert 49 <= rows[1][waiting] <= 51  # the returned case was received 50 hours ago


ROLE_MATRIX = [
    # (role, other, expected status)
    ("admin", False, 200),
    ("leader", False, 200),
    ("dept", False, 403),
    ("dept", True, 403),
    ("community", False, 403),
    ("community", True, 403),
    ("grid", False, 403),
    ("resident", False, 403),
]


@pytest.mark.parametrize(("role", "other", "status"), ROLE_MATRIX)
def test_role_matrix(client_for, cases, role, other, status):
    c = client_for(role, other)
    assert c.get(DESK_URL).status_code == status
    assert c.get(f"{DESK_URL}?export=xlsx").status_code == status
    if status == 200:
        assert len(c.get(DESK_URL).context["items"]) == 5  # leaders and admin see the whole queue


def test_desk_user_may_open_it_and_anonymous_goes_to_log_in(client, desk_client, cases):
    assert desk_client.get(DESK_URL).status_code == 200
    r = client.get(DESK_URL)
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


def test_home_panel_and_case_list_link_for_desk_staff_only(desk_client, client_for, cases):
    home = desk_client.get("/home/").content.decode()
    assert f'href="{DESK_URL}">5<' in home.replace("\n", "")  # the count, linking to the queue
    assert f'href="{DESK_URL}?status=returned">1<' in home.replace("\n", "")
    assert 'data-testid="desk-link"' in desk_client.get("/cases/").content.decode()
    for role in ("dept", "community", "grid"):
        c = client_for(role)
        assert DESK_URL not in c.get("/home/").content.decode()
        assert 'data-testid="desk-link"' not in c.get("/cases/").content.decode()
    assert f'href="{DESK_URL}">5<' in client_for("leader").get("/home/").content.decode().replace("\n", "")


def test_quick_dispatch_goes_back_to_the_queue(org, desk_client, cases):
    case = cases["new"]
    r = desk_client.post(
        f"/cases/{case.pk}/act/",
        {
            "action": "dispatch",
            "version": case.version,
            "department": org.departments["urban"].pk,
            "next": f"{DESK_URL}?outside_grids=false",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"{DESK_URL}?outside_grids=false"
    case.refresh_from_db()
    assert (case.status, case.department) == ("dispatched", org.departments["urban"])
    back = desk_client.get(r["Location"])
    assert case.code not in _codes(back)
    assert case.code in back.content.decode()  # the message names the case that left the list
    assert case.events.filter(action="dispatch").count() == 1


def test_quick_action_does_not_redirect_off_site(org, desk_client, cases):
    case = cases["outside"]
    r = desk_client.post(
        f"/cases/{case.pk}/act/",
        {
            "action": "dispatch",
            "version": case.version,
            "department": org.departments["urban"].pk,
            "next": "https://evil.example/",
        },
    )
    assert r.status_code == 302 and r["Location"] == case.get_absolute_url()


def test_desk_user_has_the_dispatcher_actions(org, desk_user, cases):
    """What the demo-desk login relies on: every case in view, and the desk's capabilities."""
    assert Case.objects.restrict(desk_user).count() == Case.objects.count()
    actions = set(services.available_actions(desk_user, cases["new"]))
    assert {"accept", "dispatch", "cancel", "merge"} <= actions
    assert {"dispatch", "reassign", "cancel", "merge"} <= set(services.available_actions(desk_user, cases["returned"]))
    # Re-routing a case a department already holds.
    assert "reassign" in services.available_actions(desk_user, cases["dispatched"])


@pytest.mark.django_db
def test_demo_loader_creates_the_desk_login_idempotently():
    from shanzhi.accounts.models import User
    from shanzhi.core.scoping import scope_for
    from shanzhi.orgs import demo

    demo.load()
    demo.load()
    users = User.objects.filter(username="demo-desk")
    assert users.count() == 1
    user = users.get()
    assert user.role == Role.DEPT and user.department.kind == "dispatch" and user.check_password("shanzhi-demo")
    assert scope_for(user).dispatch_desk
    assert user.has_perm("cases.change_case")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dispatcher_dispatches_from_the_queue(org, page, live_server):
    from shanzhi.testing.browser import login

    make_user("t-desk", Role.DEPT, department=org.departments["dispatch"])
    make_categories(org)
    old = make_case(org, department_key=None, received_at=_ago(26), description="路灯不亮，晚上出行不便")
    other = make_case(org, grid_key=None, department_key=None, received_at=_ago(3), description="桥下有人倾倒建筑垃圾")
    assert old.status == other.status == "received"

    url = live_server.url
    login(page, url, "t-desk", PW)
    page.goto(f"{url}{DESK_URL}")
    rows = page.locator("[data-testid=desk-table] tbody tr[data-code]")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-code") == old.code  # oldest first
    page.screenshot(path="/tmp/cases-desk.png", full_page=True)

    row = page.locator(f"tr[data-code='{old.code}']")
    row.locator("select[name=department]").select_option(str(org.departments["urban"].pk))
    row.locator("[data-testid=desk-dispatch]").click()
    page.wait_for_url(f"**{DESK_URL}")
    page.wait_for_selector(f"tr[data-code='{other.code}']")
    assert page.locator(f"tr[data-code='{old.code}']").count() == 0
    assert page.inner_text("[data-testid=desk-count]").strip() == "1"
    old.refresh_from_db()
    assert (old.status, old.department) == ("dispatched", org.departments["urban"])
    page.screenshot(path="/tmp/cases-desk-after.png", full_page=True)


def test_the_menu_shows_the_desk_to_its_staff_and_leaders_only(org, desk_client, client_for):
    url = reverse("cases:desk")
    assert f'href="{url}"' in desk_client.get("/home/").content.decode()
    assert f'href="{url}"' in client_for("leader").get("/home/").content.decode()
    for role in ("dept", "community", "grid"):  # other departments' staff included
        assert f'href="{url}"' not in client_for(role).get("/home/").content.decode(), role


def test_a_returned_case_shows_why_and_is_not_sent_straight_back(org, desk_client, cases):
    """The quick-dispatch list pre-selected the category's department even when that very
    department had just returned the case, and the row did not say why it came back."""
    returned = cases["returned"]
    Case.objects.filter(pk=returned.pk).update(category=make_categories_garbage(org))
    r = desk_client.get("/cases/desk/")
    item = next(i for i in r.context["items"] if i["case"].pk == returned.pk)
    assert item["suggested_department_id"] is None  # urban returned it; garbage's default is urban
    page = r.content.decode()
    assert "不属于我队职责" in page and 'data-testid="desk-return-reason"' in page
    other = next(i for i in r.context["items"] if i["case"].pk == cases["hotline"].pk)
    assert other.get("returned") is None


def make_categories_garbage(org):
    from shanzhi.cases.models import Category

    return Category.objects.get(code="urban-garbage")

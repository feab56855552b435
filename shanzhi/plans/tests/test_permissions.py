"""Permission matrix: each role, in scope and out of scope, on every plans page and endpoint."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanzhi.plans import services
from shanzhi.plans.models import Indicator, PlanDraft, ProgressReport, SupervisionNotice
from shanzhi.plans.tests.factories import make_draft, make_plan, task_of

pytestmark = pytest.mark.django_db
ROLES = ["admin", "leader", "dept", "community", "grid", "resident"]
STAFF = {"admin", "leader", "dept", "community", "grid"}


@pytest.fixture
def world(org):
    plan = make_plan(org)
    urban = task_of(plan, org.departments["urban"])
    files = [SimpleUploadedFile(name, body) for name, body in (("纪要.pdf", b"%PDF-1.4 x"), ("进度.txt", b"ok"))]
    report = services.report_submit(
        node=urban, actor=org.users["dept"], period=datetime.date(2024, 2, 1), text="x", percent=5, files=files
    )
    notice = services.notice_issue(node=urban, actor=org.users["leader"], content="请报告进度")
    draft = make_draft(org.users["leader"])
    services.plan_publish(plan=plan, actor=org.users["admin"], published=True)
    return {
        "plan": plan,
        "task": urban,
        "report": report,
        "notice": notice,
        "draft": draft,
        "indicator": Indicator.objects.filter(plan=plan).first(),
        "unit": org.departments["urban"],
    }


def page_cases(w):
    view_all = {r: 200 for r in STAFF} | {"resident": 403}
    return [
        (reverse("plans:plan_list"), view_all, view_all),
        (reverse("plans:plan_detail", args=[w["plan"].pk]), view_all, view_all),
        (reverse("plans:node_list"), view_all, view_all),
        (reverse("plans:node_detail", args=[w["task"].pk]), view_all, view_all),
        (
            reverse("plans:plannode_edit", args=[w["task"].pk]),
            {"admin": 200, "leader": 200, "dept": 403, "community": 403, "grid": 403, "resident": 403},
            None,
        ),
        (
            reverse("plans:report_list"),
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
            None,
        ),
        (
            reverse("plans:progressreport_detail", args=[w["report"].pk]),
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
        ),
        # A report's files, as its page (they were linked under /media, for anyone to fetch).
        (
            reverse("plans:report_file", args=[w["report"].pk]),
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
        ),
        (
            reverse("plans:report_attachment", args=[w["report"].attachments.get().pk]),
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
        ),
        (
            reverse("plans:notice_list"),
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
            None,
        ),
        (
            reverse("plans:notice_detail", args=[w["notice"].pk]),
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
            {"admin": 200, "leader": 200, "dept": 404, "community": 403, "grid": 403, "resident": 403},
        ),
        (reverse("plans:indicator_list"), view_all, view_all),
        (reverse("plans:indicator_detail", args=[w["indicator"].pk]), view_all, view_all),
        (
            reverse("plans:actual_list"),
            {"admin": 200, "leader": 200, "dept": 200, "community": 200, "grid": 403, "resident": 403},
            None,
        ),
        (
            reverse("plans:actual_import"),
            {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
            None,
        ),
        (reverse("plans:unit_detail", args=[w["unit"].pk]), view_all, view_all),
        (reverse("plans:scorecard"), view_all, None),
        (reverse("plans:rules"), view_all, None),
        (
            reverse("plans:draft_list"),
            {"admin": 200, "leader": 200, "dept": 403, "community": 403, "grid": 403, "resident": 403},
            None,
        ),
        (
            reverse("plans:draft_detail", args=[w["draft"].pk]),
            {"admin": 200, "leader": 200, "dept": 403, "community": 403, "grid": 403, "resident": 403},
            None,
        ),
    ]


def test_page_matrix(world, client_for):
    failures = []
    for url, inside, outside in page_cases(world):
        for role in ROLES:
            for other, expected in ((False, inside), (True, outside)):
                if expected is None:
                    continue
                code = client_for(role, other=other).get(url).status_code
                if code != expected[role]:
                    failures.append(f"{role}{' (other)' if other else ''} {url}: {code} != {expected[role]}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_except_public_pages(world, client):
    for url, _i, _o in page_cases(world):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login/" in resp["Location"], url
    assert client.get(reverse("plans:public_plan_list")).status_code == 200
    resp = client.get(reverse("plans:public_plan", args=[world["plan"].pk]))
    assert resp.status_code == 200
    # No personal data on the public page: the leader's and the reporting staff's names are absent.
    assert "t-leader" not in resp.content.decode() and "t-dept" not in resp.content.decode()


def test_unpublished_plan_is_not_public(world, client, org):
    services.plan_publish(plan=world["plan"], actor=org.users["admin"], published=False)
    assert client.get(reverse("plans:public_plan", args=[world["plan"].pk])).status_code == 404


def test_post_actions_matrix(world, client_for, org):
    task, notice = world["task"], world["notice"]
    # Reply: only the unit addressed (dept in scope); out of scope is a 404.
    assert (
        client_for("dept", other=True).post(reverse("plans:notice_reply", args=[notice.pk]), {"reply": "x"}).status_code
        == 404
    )
    assert (
        client_for("community").post(reverse("plans:notice_reply", args=[notice.pk]), {"reply": "x"}).status_code == 403
    )
    assert (
        client_for("dept").post(reverse("plans:notice_reply", args=[notice.pk]), {"reply": "已落实"}).status_code == 302
    )
    notice.refresh_from_db()
    assert notice.state == SupervisionNotice.State.REPLIED
    # Issue a notice: leaders only.
    assert client_for("dept").post(reverse("plans:notice_create", args=[task.pk]), {"content": "x"}).status_code == 403
    assert (
        client_for("leader").post(reverse("plans:notice_create", args=[task.pk]), {"content": "再督办"}).status_code
        == 302
    )
    # Reports: the other department may not report on urban's task (refused, nothing saved).
    before = ProgressReport.objects.count()
    resp = client_for("dept", other=True).post(
        reverse("plans:report_create", args=[task.pk]), {"period": "2024-03", "percent": "10", "text": "x"}
    )
    assert resp.status_code == 302 and ProgressReport.objects.count() == before
    resp = client_for("dept").post(
        reverse("plans:report_create", args=[task.pk]), {"period": "2024-03", "percent": "10", "text": "三月进展"}
    )
    assert ProgressReport.objects.count() == before + 1
    # Publishing and closing: leaders only.
    assert (
        client_for("dept").post(reverse("plans:plan_publish", args=[world["plan"].pk]), {"published": "0"}).status_code
        == 403
    )
    assert client_for("community").post(reverse("plans:node_close", args=[task.pk])).status_code == 403
    # Draft edits: owner or leaders; department staff have no permission.
    url = reverse("plans:draft_node_edit", args=[world["draft"].pk, 3])
    assert client_for("dept").post(url, {"op": "rename", "title": "x"}).status_code == 403
    assert client_for("admin").post(url, {"op": "rename", "title": "新名称"}).status_code == 302
    assert "新名称" in str(PlanDraft.objects.get(pk=world["draft"].pk).tree)


API = "/api/plans/"


def test_api_matrix(world, api_for, org):
    failures = []
    reads = {
        "plans/": {r: 200 for r in STAFF} | {"resident": 403},
        "tasks/": {r: 200 for r in STAFF} | {"resident": 403},
        "reports/": {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
        "notices/": {"admin": 200, "leader": 200, "dept": 200, "community": 403, "grid": 403, "resident": 403},
        "indicators/": {r: 200 for r in STAFF} | {"resident": 403},
        "indicators/summary/": {r: 200 for r in STAFF} | {"resident": 403},
        f"notices/{world['notice'].pk}/": {
            "admin": 200,
            "leader": 200,
            "dept": 200,
            "community": 403,
            "grid": 403,
            "resident": 403,
        },
    }
    for path, expected in reads.items():
        for role in ROLES:
            code = api_for(role).get(API + path).status_code
            if code != expected[role]:
                failures.append(f"{role} GET {path}: {code} != {expected[role]}")
    assert api_for("dept", other=True).get(f"{API}notices/{world['notice'].pk}/").status_code == 404
    assert api_for("dept", other=True).get(f"{API}notices/").json()["count"] == 0
    assert not failures, "\n".join(failures)


def test_api_writes(world, api_for, org):
    task = world["task"]
    r = api_for("dept").post(
        API + "reports/", {"node": task.pk, "period": "2024-04-01", "percent": "30", "text": "四月"}
    )
    assert r.status_code == 201, r.content
    r = api_for("dept").post(
        API + "reports/", {"node": task.pk, "period": "2024-04-01", "percent": "35", "text": "dup"}
    )
    assert r.status_code == 400 and "2024-04" in str(r.json())
    r = api_for("dept").post(API + "reports/", {"node": task.pk, "period": "2024-05-01", "percent": "130", "text": "x"})
    assert r.status_code == 400
    r = api_for("dept", other=True).post(
        API + "reports/", {"node": task.pk, "period": "2024-05-01", "percent": "30", "text": "x"}
    )
    assert r.status_code == 400
    assert api_for("dept").patch(f"{API}tasks/{task.pk}/", {"weight": "2"}, format="json").status_code == 403
    r = api_for("leader").patch(f"{API}tasks/{task.pk}/", {"weight": "2", "deadline": "2024-11-30"}, format="json")
    assert r.status_code == 200 and r.json()["deadline"] == "2024-11-30"
    r = api_for("leader").post(API + "notices/", {"node": task.pk, "content": "请加快"})
    assert r.status_code == 201 and r.json()["code"].startswith("DB-")
    code = r.json()["id"]
    assert api_for("dept", other=True).post(f"{API}notices/{code}/reply/", {"reply": "x"}).status_code == 404
    assert api_for("dept").post(f"{API}notices/{code}/reply/", {"reply": "已加快"}).status_code == 200
    ind = world["indicator"]
    r = api_for("leader").post(API + "actuals/", {"indicator": ind.pk, "year": 2024, "month": 1, "value": "12.5"})
    assert r.status_code == 201
    assert (
        api_for("grid")
        .post(API + "actuals/", {"indicator": ind.pk, "year": 2024, "month": 2, "value": "1"})
        .status_code
        == 403
    )
    assert api_for("resident").post(f"{API}plans/{world['plan'].pk}/publish/", {"published": False}).status_code == 403


def test_report_files_are_served_by_the_application_not_from_media(world, client_for):
    """The task page linked a report's files by their /media address, which the web server
    serves to anyone (and the names were the uploaded ones: guessable)."""
    page = client_for("dept").get(reverse("plans:node_detail", args=[world["task"].pk])).content.decode()
    report = world["report"]
    assert reverse("plans:report_file", args=[report.pk]) in page
    assert reverse("plans:report_attachment", args=[report.attachments.get().pk]) in page
    assert "/media/" not in page
    r = client_for("dept").get(reverse("plans:report_file", args=[report.pk]))
    assert b"".join(r.streaming_content) == b"%PDF-1.4 x" and "attachment" in r["Content-Disposition"]


def test_report_file_links_show_only_to_those_who_may_open_them(world, client_for):
    url = reverse("plans:report_file", args=[world["report"].pk])
    task = reverse("plans:node_detail", args=[world["task"].pk])
    assert url in client_for("leader").get(task).content.decode()
    assert url not in client_for("community").get(task).content.decode()  # it would answer 403


def test_the_api_gives_a_reports_file_through_its_own_download(world, api_for):
    """The report's `attachment` was its /media address (no longer served): it is now the
    report's download, which answers the caller as the report does."""
    report = world["report"]
    body = api_for("dept").get(f"{API}reports/{report.pk}/").json()
    assert body["attachment"].endswith(f"{API}reports/{report.pk}/download/") and "/media/" not in body["attachment"]
    r = api_for("dept").get(f"{API}reports/{report.pk}/download/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 x"
    assert api_for("community").get(f"{API}reports/{report.pk}/download/").status_code == 403
    assert api_for("resident").get(f"{API}reports/{report.pk}/download/").status_code == 403

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shanzhi.projects.models import Blocker, Project, ProjectMonth, Proposal, ProposalVote
from shanzhi.projects.tests.factories import make_project, make_proposal

pytestmark = pytest.mark.django_db


def _project_post(org, **over):
    data = {
        "code": "NEW-1",
        "name": "新项目",
        "kind": "industrial",
        "year": "2023",
        "department": org.departments["urban"].pk,
        "community": org.communities["A"].pk,
        "total_investment": "5000",
    }
    data.update(over)
    return data


@pytest.mark.parametrize("bad", ["-1", "abc"])
def test_project_form_refuses_bad_investment(org, client_for, bad):
    resp = client_for("dept").post(reverse("projects:project_add"), _project_post(org, total_investment=bad))
    assert resp.status_code == 200 and resp.context["form"].errors["total_investment"]
    assert not Project.objects.filter(code="NEW-1").exists()


def test_dept_creates_a_project_in_its_scope_only(org, client_for):
    c = client_for("dept")
    resp = c.post(
        reverse("projects:project_add"), _project_post(org, department=org.departments["health"].pk, community="")
    )
    assert resp.status_code == 200 and not Project.objects.exists()
    resp = c.post(reverse("projects:project_add"), _project_post(org))
    project = Project.objects.get(code="NEW-1")
    assert resp.status_code == 302 and project.stage == "planning" and project.stage_changes.count() == 1


def test_stage_skip_through_the_page_is_refused(org, client_for):
    p = make_project(org)
    c = client_for("dept")
    resp = c.post(reverse("projects:project_move", args=[p.pk]), {"to_stage": "started", "on": "2023-03-01"})
    assert resp.status_code == 200 and resp.context["form"].errors
    resp = c.post(
        reverse("projects:project_move", args=[p.pk]), {"to_stage": "reserve", "on": "2023-03-01", "next": "board"}
    )
    assert resp.status_code == 302 and resp["Location"] == reverse("projects:board")
    p.refresh_from_db()
    assert p.stage == "reserve"


def test_progress_form_shows_the_service_error(org, client_for):
    p = make_project(org)
    resp = client_for("dept").post(
        reverse("projects:project_progress", args=[p.pk]), {"month": "2023-04", "completed_investment": "-20"}
    )
    assert resp.status_code == 200 and resp.context["form"].errors["completed_investment"]
    assert not ProjectMonth.objects.exists()


def test_import_page_reports_the_bad_row(org, client_for):
    p = make_project(org)
    wb = Workbook()
    wb.active.append(["项目编号", "月份", "完成投资（万元）"])
    wb.active.append([p.code, "2023-01", "10"])
    wb.active.append([p.code, "2023-02", "十万"])
    buf = io.BytesIO()
    wb.save(buf)
    resp = client_for("dept").post(
        reverse("projects:progress_import"), {"file": SimpleUploadedFile("p.xlsx", buf.getvalue())}
    )
    assert resp.status_code == 200
    assert "3" in " ".join(resp.context["form"].errors["file"])
    assert not ProjectMonth.objects.exists()


def test_list_exports_to_excel_with_filters(org, client_for):
    make_project(org, name="甲项目")
    make_project(org, name="乙项目", kind=Project.Kind.ROAD)
    resp = client_for("leader").get(reverse("projects:project_list") + "?kind=road&export=xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    names = [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert names == ["乙项目"]


def test_blocker_page_raises_a_case(org, client_for):
    p = make_project(org)
    resp = client_for("dept").post(
        reverse("projects:blocker_add", args=[p.pk]),
        {"kind": "approval", "description": "规划许可未批", "department": org.departments["health"].pk},
    )
    assert resp.status_code == 302
    b = Blocker.objects.get()
    assert b.case is not None and b.case.kind == "coordination"
    detail = client_for("dept").get(reverse("projects:project_detail", args=[p.pk]))
    assert b.case.code in detail.content.decode()


def test_public_vote_sets_a_cookie_and_counts_once(org):
    p = make_proposal(org)
    c = Client()
    url = reverse("projects:public_proposal_vote", args=[p.pk])
    r1 = c.post(url)
    assert r1.status_code == 302 and "sz_voter" in r1.cookies
    c.post(url)
    p.refresh_from_db()
    assert p.votes == 1 and ProposalVote.objects.count() == 1
    Client().post(url)  # another browser, same address: counted (within the per-IP limit)
    p.refresh_from_db()
    assert p.votes == 2


def test_public_proposal_page_hides_personal_data(org):
    make_proposal(org, title="加装电梯", proposer_name="张三丰", proposer_phone="13912345678")
    resp = Client().get(reverse("projects:public_proposals") + "?year=2024")
    body = resp.content.decode()
    assert "加装电梯" in body and "张三丰" not in body and "13912345678" not in body


def test_public_submission_and_honeypot(db):
    c = Client()
    data = {"title": "增设长者饭堂", "description": "方便老人", "category": "special_groups"}
    assert c.post(reverse("projects:public_proposals"), {**data, "website": "http://spam"}).status_code == 302
    assert not Proposal.objects.exists()
    assert c.post(reverse("projects:public_proposals"), data).status_code == 302
    assert Proposal.objects.get().status == "submitted"


def test_public_livelihood_shows_only_published(org):
    make_project(org, name="公开的民生实事", kind=Project.Kind.LIVELIHOOD, is_public=True)
    make_project(org, name="内部民生项目", kind=Project.Kind.LIVELIHOOD, is_public=False)
    body = Client().get(reverse("projects:public_livelihood") + "?year=2023").content.decode()
    assert "公开的民生实事" in body and "内部民生项目" not in body

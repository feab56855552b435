"""Permission matrix: every role, in scope (org.users) and out of scope (org.others), on each
list, detail and action page and API endpoint of the projects app."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shanzhi.cases.tests.factories import png_bytes
from shanzhi.core.services import record_create
from shanzhi.projects.models import IndustryChain, Project, ProjectPhoto
from shanzhi.projects.tests.factories import make_lead, make_parcel, make_project, make_proposal

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "dept", "community", "grid", "resident"]


@pytest.fixture
def rows(org):
    admin = org.users["admin"]
    project = make_project(org, kind=Project.Kind.RENEWAL)  # urban / community A
    return {
        "project": project,
        "lead": make_lead(org),  # urban
        "parcel": make_parcel(project, actor=admin),
        "proposal": make_proposal(org),  # community A, urban
        "chain": record_create(IndustryChain, actor=admin, name="新能源", department=org.departments["urban"]),
        "photo": record_create(
            ProjectPhoto,
            actor=admin,
            project=project,
            image=SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png"),
            caption="现场",
        ),
    }


# (url name, row key or None, {role: code or (in scope, out of scope)})
PAGES = [
    ("projects:project_list", None, {"resident": 403}),
    ("projects:board", None, {"resident": 403}),
    ("projects:livelihood", None, {"resident": 403}),
    ("projects:renewal", None, {"resident": 403}),
    (
        "projects:project_detail",
        "project",
        {"dept": (200, 404), "community": (200, 404), "grid": (200, 404), "resident": 403},
    ),
    # Its photos, as the project (they were linked under /media, for anyone to fetch).
    (
        "projects:photo",
        "photo",
        {"dept": (200, 404), "community": (200, 404), "grid": (200, 404), "resident": 403},
    ),
    (
        "projects:project_edit",
        "project",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    (
        "projects:project_move",
        "project",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    (
        "projects:project_progress",
        "project",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    (
        "projects:project_plan",
        "project",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    (
        "projects:blocker_add",
        "project",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    (
        "projects:project_delete",
        "project",
        {"leader": 403, "dept": 403, "community": 403, "grid": 403, "resident": 403},
    ),
    ("projects:project_add", None, {"leader": 403, "community": 403, "grid": 403, "resident": 403}),
    ("projects:progress_import", None, {"leader": 403, "community": 403, "grid": 403, "resident": 403}),
    ("projects:blocker_list", None, {"grid": 403, "resident": 403}),
    ("projects:lead_list", None, {"community": 403, "grid": 403, "resident": 403}),
    ("projects:lead_detail", "lead", {"dept": (200, 404), "community": 403, "grid": 403, "resident": 403}),
    ("projects:lead_move", "lead", {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403}),
    ("projects:lead_log", "lead", {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403}),
    ("projects:chain_map", None, {"grid": 403, "resident": 403}),
    (
        "projects:industrychain_edit",
        "chain",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    ("projects:parcel_list", None, {"grid": 403, "resident": 403}),
    ("projects:parcel_detail", "parcel", {"dept": (200, 404), "community": (200, 404), "grid": 403, "resident": 403}),
    (
        "projects:parcel_move",
        "parcel",
        {"leader": 403, "dept": (200, 404), "community": (200, 404), "grid": 403, "resident": 403},
    ),
    ("projects:proposal_list", None, {"resident": 403}),
    (
        "projects:proposal_detail",
        "proposal",
        {"dept": (200, 404), "community": (200, 404), "grid": (200, 404), "resident": 403},
    ),
    (
        "projects:proposal_answer",
        "proposal",
        {"leader": 403, "dept": (200, 404), "community": (200, 404), "grid": 403, "resident": 403},
    ),
    (
        "projects:proposal_project",
        "proposal",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
]


def _expected(spec: dict, role: str, other: bool) -> int:
    code = spec.get(role, 200)
    if isinstance(code, tuple):
        return code[1] if other else code[0]
    return code


@pytest.mark.parametrize("case", PAGES, ids=[p[0] for p in PAGES])
def test_page_matrix(org, rows, client_for, case):
    name, key, spec = case
    url = reverse(name, args=[rows[key].pk]) if key else reverse(name)
    failures = []
    for role in ROLES:
        for other in (False, True):
            code = client_for(role, other=other).get(url).status_code
            if code != _expected(spec, role, other):
                failures.append(f"{role}{' (other)' if other else ''}: {code} != {_expected(spec, role, other)}")
    anon = Client().get(url)
    assert anon.status_code == 302 and "/login/" in anon["Location"]
    assert not failures, failures


@pytest.mark.parametrize("name", ["projects:public_livelihood", "projects:public_proposals"])
def test_public_pages_open_to_anyone(db, name):
    assert Client().get(reverse(name)).status_code == 200


API = [
    ("get", "project-list", None, {"resident": 403}),
    (
        "get",
        "project-detail",
        "project",
        {"dept": (200, 404), "community": (200, 404), "grid": (200, 404), "resident": 403},
    ),
    ("get", "lead-list", None, {"community": 403, "grid": 403, "resident": 403}),
    ("get", "lead-detail", "lead", {"dept": (200, 404), "community": 403, "grid": 403, "resident": 403}),
    ("get", "parcel-detail", "parcel", {"dept": (200, 404), "community": (200, 404), "grid": 403, "resident": 403}),
    (
        "get",
        "proposal-detail",
        "proposal",
        {"dept": (200, 404), "community": (200, 404), "grid": (200, 404), "resident": 403},
    ),
    ("get", "industrychain-list", None, {"grid": 403, "resident": 403}),
    (
        "post",
        "project-move",
        "project",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    (
        "post",
        "project-progress",
        "project",
        {"leader": 403, "dept": (200, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    (
        "post",
        "lead-log",
        "lead",
        {"admin": 201, "leader": 403, "dept": (201, 404), "community": 403, "grid": 403, "resident": 403},
    ),
    (
        "post",
        "parcel-move",
        "parcel",
        {"leader": 403, "dept": (200, 404), "community": (200, 404), "grid": 403, "resident": 403},
    ),
    (
        "post",
        "proposal-answer",
        "proposal",
        {"leader": 403, "dept": (200, 404), "community": (200, 404), "grid": 403, "resident": 403},
    ),
]
API_BODIES = {
    "project-move": {"to_stage": "reserve"},
    "project-progress": {"month": "2023-03", "completed_investment": "10"},
    "lead-log": {"kind": "call", "summary": "电话沟通"},
    "parcel-move": {"to_stage": "signing"},
    "proposal-answer": {"status": "answered", "answer": "已收到"},
}


@pytest.mark.parametrize("case", API, ids=[a[1] for a in API])
def test_api_matrix(org, rows, api_for, case):
    method, name, key, spec = case
    failures = []
    # Out-of-scope callers first: a refused call must leave the row as it was for the next caller.
    for other in (True, False):
        for role in ROLES:
            obj = rows[key] if key else None
            if obj is not None:
                obj.refresh_from_db()
            url = reverse(f"projects-{name}", args=[obj.pk] if obj else [])
            if method == "get":
                resp = api_for(role, other=other).get(url)
            else:
                body = dict(API_BODIES[name])
                resp = api_for(role, other=other).post(url, body, format="json")
                if resp.status_code in (200, 201):
                    _undo(name, obj)
            expected = _expected(spec, role, other)
            if resp.status_code != expected:
                failures.append(
                    f"{role}{' (other)' if other else ''}: {resp.status_code} != {expected} {resp.content[:120]}"
                )
    assert not failures, failures


def _undo(name, obj):
    """Put the row back so the next role can try the same move."""
    if name in ("project-move", "parcel-move"):
        type(obj).all_objects.filter(pk=obj.pk).update(stage=_initial_stage(name))
    if name == "proposal-answer":
        type(obj).all_objects.filter(pk=obj.pk).update(status="submitted")


def _initial_stage(name):
    return {"project-move": "planning", "parcel-move": "survey"}[name]


def test_anonymous_api_refused(db):
    from rest_framework.test import APIClient

    assert APIClient().get(reverse("projects-project-list")).status_code in (401, 403)


def test_the_project_page_shows_its_photos_through_the_application(org, rows, client_for):
    page = client_for("dept").get(reverse("projects:project_detail", args=[rows["project"].pk])).content.decode()
    assert f'src="{reverse("projects:photo", args=[rows["photo"].pk])}"' in page
    assert "/media/" not in page

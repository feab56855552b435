"""What one API intake costs and how its writes hang together: token authentication in one
query, permissions from the memo, no lookup before the INSERT, the notice in the case's own
transaction, serializer fields built once per class."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shanzhi.accounts.authentication import clear_token_memo
from shanzhi.cases import services
from shanzhi.cases.api.serializers import CaseSerializer
from shanzhi.cases.models import Case
from shanzhi.cases.tests.factories import make_categories
from shanzhi.notifications.models import Notification

pytestmark = pytest.mark.django_db

BODY = {"description": "小区门口垃圾没人清理", "category": "urban-garbage", "longitude": 113.355, "latitude": 22.515}


def _token_client(user) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return c


def test_token_intake_reads_nothing_it_does_not_need(org):
    make_categories(org)
    c = _token_client(org.users["community"])
    assert c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="warm").status_code == 201
    clear_token_memo()  # read the token as a process that has not seen it yet
    with CaptureQueriesContext(connection) as ctx:
        r = c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert r.status_code == 201 and r.json()["status"] == "dispatched"
    sql = [q["sql"] for q in ctx.captured_queries]
    reads = [s for s in sql if s.startswith("SELECT")]
    joined = "\n".join(sql)
    # The token, its user and the user's department and community: one query.
    assert sum('FROM "authtoken_token"' in s for s in reads) == 1, joined
    assert not any('FROM "orgs_community"' in s or 'FROM "orgs_department"' in s for s in reads), joined
    # Permissions come from the per-process memo; the idempotency key from the unique index.
    assert not any('"auth_permission"' in s for s in reads), joined
    assert not any('FROM "cases_case"' in s for s in reads), joined
    # The department's staff (recipients of the dispatch notice) are remembered too.
    assert not any('FROM "accounts_user"' in s and 'FROM "authtoken_token"' not in s for s in reads), joined
    assert len(reads) == 1, joined
    assert sum(s.startswith('INSERT INTO "notifications_notification"') for s in sql) == 1, joined


def test_token_is_remembered_and_forgotten_when_revoked_or_deactivated(org):
    make_categories(org)
    user = org.users["community"]
    c = _token_client(user)
    assert c.get("/api/cases/cases/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert c.get("/api/cases/cases/").status_code == 200
    assert not any('"authtoken_token"' in q["sql"] for q in ctx.captured_queries)
    # Each request has its own user object: what one request caches on it stays there.
    r1, r2 = c.get("/api/cases/cases/"), c.get("/api/cases/cases/")
    assert r1.wsgi_request.user == r2.wsgi_request.user and r1.wsgi_request.user is not r2.wsgi_request.user
    user.is_active = False
    user.save()  # in this process: forgotten at once
    assert c.get("/api/cases/cases/").status_code in (401, 403)
    user.is_active = True
    user.save()
    assert c.get("/api/cases/cases/").status_code == 200
    Token.objects.filter(user=user).delete()
    assert c.get("/api/cases/cases/").status_code in (401, 403)


def test_retry_with_a_used_key_answers_200_with_the_first_case(org):
    make_categories(org)
    c = _token_client(org.users["community"])
    first = c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
    again = c.post(
        "/api/cases/cases/", {**BODY, "description": "另一段文字"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["description"] == BODY["description"]
    assert Case.all_objects.count() == 1
    # The refused INSERT left nothing behind: one notice, one creation audit.
    assert Notification.objects.filter(topic=f"case:{first.json()['id']}").count() == 1


def test_new_department_staff_are_told_at_once(org):
    from shanzhi.accounts.models import User

    make_categories(org)
    c = _token_client(org.users["community"])
    c.post("/api/cases/cases/", BODY, format="json")  # the department's staff are now remembered
    newcomer = User.objects.create_user("t-dept-new", password="pw-Shanzhi-1", role="dept",
                                        department=org.departments["urban"])  # fmt: skip
    r = c.post("/api/cases/cases/", BODY, format="json")
    assert newcomer.notifications.filter(topic=f"case:{r.json()['id']}").exists()


def test_dispatch_notice_commits_and_rolls_back_with_the_case(org):
    make_categories(org)
    with pytest.raises(RuntimeError), transaction.atomic():
        case = services.case_create(
            actor=org.users["community"], source=Case.Source.API, description=BODY["description"],
            category=None, longitude=113.355, latitude=22.515, department=org.departments["urban"],
            grid=org.grids["A1"],
        )  # fmt: skip
        assert case.status == Case.Status.DISPATCHED
        # Written in the same transaction, not after the commit.
        assert Notification.objects.filter(topic=f"case:{case.pk}", recipient=org.users["dept"]).exists()
        raise RuntimeError("roll back")
    assert not Case.all_objects.exists()
    assert not Notification.objects.exists()


def test_serializer_fields_are_built_once_and_bound_per_instance(org):
    from rest_framework import serializers

    class Reference(serializers.ModelSerializer):  # DRF's own field building, every time
        category_code = serializers.CharField(source="category.code", read_only=True, default=None)
        public_status = serializers.CharField(read_only=True)

        class Meta:
            model = Case
            fields = CaseSerializer.Meta.fields

    cats = make_categories(org)
    one = services.case_create(actor=org.users["admin"], source="staff", description="甲", category=cats["garbage"])
    two = services.case_create(actor=org.users["admin"], source="staff", description="乙", category=None)
    a, b = CaseSerializer(one), CaseSerializer(two)
    assert a.fields["code"] is not b.fields["code"]
    assert a.fields["code"].parent is a and b.fields["code"].parent is b
    assert a.data == Reference(one).data and b.data == Reference(two).data
    assert a.data["category_code"] == "urban-garbage" and b.data["category_code"] is None

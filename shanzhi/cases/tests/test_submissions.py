"""The queued intake (docs/adr/0004): POST /api/cases/submissions/ accepts with one INSERT and
answers 202 with the tracking code; the task worker files the submissions as cases in batches,
each as POST /api/cases/cases/ would have filed it; nothing accepted is lost."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from shanzhi.cases import services, tasks
from shanzhi.cases.models import Case, Submission
from shanzhi.cases.tests.factories import make_categories
from shanzhi.core import db
from shanzhi.core.models import AuditEvent
from shanzhi.notifications.models import Notification
from shanzhi.testing.clients import token_client

pytestmark = pytest.mark.django_db

BODY = {"description": "小区门口垃圾没人清理", "category": "urban-garbage", "longitude": 113.355, "latitude": 22.515}
URL = "/api/cases/submissions/"


@pytest.fixture(autouse=True)
def _fresh_wake():
    services._last_file_wake[0] = float("-inf")


def _ready_file_tasks() -> int:
    return DBTaskResult.objects.ready().filter(task_path=tasks.file_submissions.module_path).count()


FIELDS = [
    "status",
    "department_id",
    "grid_id",
    "community_id",
    "category_id",
    "priority",
    "routed_by",
    "deadline",
    "source",
    "kind",
    "nature",
    "reporter_name",
    "reporter_phone",
    "created_by_id",
    "reporter_id",
]


@pytest.mark.django_db(transaction=True)  # the worker closes the connection between tasks
def test_accepted_with_one_insert_then_filed_by_the_worker(org, django_capture_on_commit_callbacks):
    make_categories(org)
    c = token_client(org.users["community"])
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as ctx:
        r = c.post(URL, {**BODY, "reporter_phone": "13800138000"}, format="json")
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["status"] == "queued" and body["case"] is None and body["case_code"] is None
    assert r["Location"] == body["url"] and body["url"].endswith(f"{URL}{body['code']}/")
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert len([w for w in writes if "cases_submission" in w]) == 1
    assert not any("cases_case" in w or "notifications_notification" in w for w in writes)
    assert _ready_file_tasks() == 1  # the worker was woken

    call_command("db_worker", queue_name="*", batch=True, no_startup_delay=True, verbosity=0)

    sub = Submission.objects.get(code=body["code"])
    assert sub.status == Submission.Status.FILED and sub.filed_at is not None and sub.error == ""
    case = sub.case
    assert case.code == body["code"]  # the code the caller was given
    assert case.received_at == sub.received_at  # deadlines run from acceptance, not filing
    assert case.status == "dispatched" and case.department == org.departments["urban"]
    assert case.grid == org.grids["A1"] and case.reporter_phone == "13800138000"
    assert case.idempotency_key is None and case.source == "api"
    events = list(case.events.values_list("action", "from_status", "to_status"))
    assert events == [("create", "", "received"), ("dispatch", "received", "dispatched")]
    assert AuditEvent.objects.filter(object_id=str(case.pk)).count() == 2
    assert Notification.objects.filter(topic=f"case:{case.pk}", recipient=org.users["dept"]).count() == 1
    done = c.get(body["url"]).json()
    assert (done["status"], done["case"], done["case_code"]) == ("filed", case.pk, case.code)


def test_filed_as_the_synchronous_intake_would_file_it(org):
    """The same inputs through POST /api/cases/cases/ and through the queue end the same way."""
    cats = make_categories(org)
    inputs = [
        BODY,
        {"description": "社区诊所排队太久", "category": cats["clinic"].code, "longitude": 113.375, "latitude": 22.515},
        {"description": "不知道归谁管", "longitude": 113.355, "latitude": 22.515, "nature": "complaint"},
        {"description": "地点在街道外面", "category": "urban-garbage", "longitude": 113.0, "latitude": 22.0},
        {"description": "没有地点的垃圾问题", "category": "urban-garbage", "reporter_name": "张先生"},
        {"description": "企业用电问题", "kind": "enterprise", "enterprise": org.enterprises["A"].pk},
    ]
    staff = org.users["community"]
    c = token_client(staff)
    direct = [c.post("/api/cases/cases/", body, format="json") for body in inputs]
    queued = [c.post(URL, body, format="json") for body in inputs]
    assert [r.status_code for r in direct] == [201] * len(inputs), [r.content for r in direct]
    assert [r.status_code for r in queued] == [202] * len(inputs), [r.content for r in queued]
    assert services.cases_file_submissions() == len(inputs)
    for d, q in zip(direct, queued, strict=True):
        a = Case.objects.get(pk=d.json()["id"])
        b = Case.objects.get(code=q.json()["code"])
        same = [getattr(a, f) for f in FIELDS if f != "deadline"]
        assert same == [getattr(b, f) for f in FIELDS if f != "deadline"], a.description
        assert a.routing_reason == b.routing_reason
        # Deadlines on the same working-day rule from each one's reception.
        assert (
            b.deadline
            == services.compute_deadline(start=b.received_at, nature=b.nature, kind=b.kind, category=b.category)
            or b.kind == "enterprise"
        )
        assert list(a.events.values_list("action", flat=True)) == list(b.events.values_list("action", flat=True))
    assert not Submission.objects.filter(status="queued").exists()


def test_a_retry_with_the_same_key_is_one_submission_and_one_case(org):
    make_categories(org)
    c = token_client(org.users["community"])
    first = c.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = c.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["code"] == again.json()["code"]
    services.cases_file_submissions()
    after = c.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert after.status_code == 200 and after.json()["status"] == "filed"
    assert Submission.objects.count() == 1 and Case.objects.count() == 1
    # Another caller's key of the same text is theirs.
    other = token_client(org.users["grid"]).post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 202


def test_a_key_used_by_the_synchronous_intake_links_to_that_case(org):
    make_categories(org)
    c = token_client(org.users["community"])
    queued = c.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="both")
    direct = c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="both")
    assert (queued.status_code, direct.status_code) == (202, 201)
    assert services.cases_file_submissions() == 1
    assert Case.objects.count() == 1  # not a second case
    sub = Submission.objects.get()
    assert sub.status == "filed" and sub.case_id == direct.json()["id"]
    assert c.get(queued.json()["url"]).json()["case_code"] == direct.json()["code"]


def test_the_same_key_from_the_batch_and_a_racing_intake_links_instead_of_failing(org):
    """A case with the key appears between the worker's read and its write: the batch's INSERT
    fails on the unique index; the worker then files each submission on its own."""
    make_categories(org)
    c = token_client(org.users["community"])
    codes = [
        c.post(URL, {**BODY, "description": f"垃圾{i}"}, format="json", HTTP_IDEMPOTENCY_KEY=f"r{i}").json()["code"]
        for i in range(3)
    ]
    subs = list(Submission.objects.filter(status="queued").order_by("id"))
    filings = services._file_plans(subs)  # read before the racing intake
    c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert services._file_write(filings) == 3
    statuses = dict(Submission.objects.values_list("code", "status"))
    assert [statuses[code] for code in codes] == ["filed"] * 3
    assert Case.objects.count() == 3  # two filed, one linked to the racing case
    assert Case.objects.filter(code__in=codes).count() == 2


def test_bad_input_is_refused_before_anything_is_stored(org):
    make_categories(org)
    c = token_client(org.users["community"])
    cases = [
        ({"description": ""}, "description"),
        ({**BODY, "category": "nope"}, "category"),
        ({**BODY, "longitude": 200}, "longitude"),
        ({**BODY, "latitude": None}, "longitude"),
        ({**BODY, "grid": org.grids["B1"].pk}, "grid"),  # not their part of the street
    ]
    for body, field in cases:
        r = c.post(URL, body, format="json")
        assert r.status_code == 400 and field in r.json(), (body, r.content)
    r = token_client(org.users["resident"]).post(
        URL, {**BODY, "department": org.departments["health"].pk}, format="json"
    )
    assert r.status_code == 400 and "department" in r.json()  # only the desk chooses
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post(URL, {**BODY, "photos": SimpleUploadedFile("a.png", b"x", "image/png")}, format="multipart")
    assert r.status_code == 400 and "photos" in r.json()
    assert c.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="x" * 201).status_code == 400
    assert not Submission.objects.exists()


def test_a_category_switched_off_before_filing_leaves_the_case_at_the_desk(org, caplog):
    cats = make_categories(org)
    r = token_client(org.users["community"]).post(URL, BODY, format="json")
    cats["garbage"].is_active = False
    cats["garbage"].save()
    from shanzhi.cases import router

    router.clear_caches()
    assert services.cases_file_submissions() == 1
    case = Case.objects.get(code=r.json()["code"])
    assert case.category is None or case.category.is_active
    assert Submission.objects.get().status == "filed"
    assert "filed without category" in caplog.text


def test_a_submission_that_cannot_be_filed_is_kept_with_the_reason(org, monkeypatch):
    make_categories(org)
    r = token_client(org.users["community"]).post(URL, BODY, format="json")
    real = services._case_prepare

    def broken(**kw):
        from django.core.exceptions import ValidationError

        raise ValidationError({"description": "kaputt"})

    monkeypatch.setattr(services, "_case_prepare", broken)
    assert services.cases_file_submissions() == 1  # left the queue
    monkeypatch.setattr(services, "_case_prepare", real)
    sub = Submission.objects.get(code=r.json()["code"])
    assert sub.status == "refused" and "kaputt" in sub.error and sub.case is None
    assert sub.data["description"] == BODY["description"]  # what was accepted is still here
    assert not Case.objects.exists()


def test_the_submission_body_is_what_the_declared_fields_give(org, monkeypatch):
    """`SubmissionSerializer.to_representation` builds the body directly; DRF's walk over the
    declared fields must give the same, key for key and in order, for every status."""
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from shanzhi.cases.api.serializers import SubmissionSerializer

    make_categories(org)
    c = token_client(org.users["community"])
    codes = [c.post(URL, {**BODY, "description": f"垃圾{i}"}, format="json").json()["code"] for i in range(3)]
    real = services._case_prepare

    def refuse_one(**kw):
        if kw["description"] == "垃圾1":
            from django.core.exceptions import ValidationError

            raise ValidationError({"description": "kaputt"})
        return real(**kw)

    monkeypatch.setattr(services, "_case_prepare", refuse_one)
    services.cases_file_submissions(limit=2)  # filed, refused; the third still queued
    subs = Submission.objects.select_related("case").order_by("id")
    assert [s.status for s in subs] == ["filed", "refused", "queued"] and [s.code for s in subs] == codes
    request = APIRequestFactory().get("/", secure=True)
    for sub in subs:
        ser = SubmissionSerializer(sub, context={"request": request})
        generic = serializers.ModelSerializer.to_representation(ser, sub)
        assert list(ser.data.items()) == list(generic.items())
    assert ser.data["url"].startswith("https://testserver/api/cases/submissions/")


def test_an_error_filing_one_submission_does_not_stop_the_queue(org, monkeypatch, caplog):
    """A bug that one input trips (not a validation error) keeps that submission as refused,
    logged with its trace; the rest of the batch is filed and the queue moves on."""
    make_categories(org)
    c = token_client(org.users["community"])
    codes = [c.post(URL, {**BODY, "description": f"垃圾{i}"}, format="json").json()["code"] for i in range(3)]
    real = services._case_prepare

    def flaky(**kw):
        if kw["description"] == "垃圾1":
            raise ZeroDivisionError("division by zero")
        return real(**kw)

    monkeypatch.setattr(services, "_case_prepare", flaky)
    assert services.cases_file_submissions() == 3
    subs = {s.code: s for s in Submission.objects.all()}
    assert [subs[code].status for code in codes] == ["filed", "refused", "filed"]
    assert "ZeroDivisionError" in subs[codes[1]].error
    assert subs[codes[1]].data["description"] == "垃圾1"  # what was accepted is still here
    assert Case.objects.count() == 2
    assert "could not be prepared" in caplog.text


def test_two_workers_file_each_submission_once(org):
    make_categories(org)
    c = token_client(org.users["community"])
    for i in range(5):
        c.post(URL, {**BODY, "description": f"垃圾{i}"}, format="json")
    slow = services._file_plans(list(Submission.objects.filter(status="queued")))  # read, then slower
    assert services.cases_file_submissions() == 5
    assert services._file_write(slow) == 0
    assert Case.objects.count() == 5
    for case in Case.objects.all():
        assert list(case.events.values_list("action", flat=True)) == ["create", "dispatch"]


def test_the_audit_of_a_filed_case_names_the_code_it_was_filed_under(org):
    """The creation's audit row (its snapshot and the object's name) carries the tracking code
    the submission was given, the case's code."""
    from django.contrib.contenttypes.models import ContentType

    make_categories(org)
    code = token_client(org.users["community"]).post(URL, BODY, format="json").json()["code"]
    services.cases_file_submissions()
    case = Case.objects.get(code=code)
    audit = AuditEvent.objects.get(
        content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk), action="create"
    )
    assert audit.changes["code"] == code
    assert audit.object_repr.startswith(code)
    notices = Notification.objects.filter(topic=f"case:{case.pk}")
    assert notices and {n.title.params["c"] for n in notices} == {code}  # the department's inbox


@pytest.mark.parametrize("races", [1, 2])
def test_keys_taken_before_the_batch_writes_are_reserved_again(org, monkeypatch, races):
    """The worker reserves its cases' keys and builds every row before the write transaction.
    On SQLite another writer may take those keys meanwhile (here the synchronous intake, once
    or twice): the batch then reserves again (at the third try, inside the transaction), and
    each filed case's timeline, audit, notice and submission point at it, not at the other."""
    from django.contrib.contenttypes.models import ContentType

    make_categories(org)
    c = token_client(org.users["community"])
    codes = [c.post(URL, {**BODY, "description": f"垃圾{i}"}, format="json").json()["code"] for i in range(3)]
    real, prepares, racing = services._file_prepare, [], []

    def prepare_then_race(filings):
        rows = real(filings)
        prepares.append(1)
        if len(racing) < races:
            r = c.post("/api/cases/cases/", {**BODY, "description": f"插队{len(racing)}"}, format="json")
            racing.append(r.json()["id"])
        return rows

    monkeypatch.setattr(services, "_file_prepare", prepare_then_race)
    assert services.cases_file_submissions() == 3
    # (PostgreSQL draws the keys from the sequence: the racing case takes another.)
    if connection.vendor == "sqlite":
        assert (len(prepares), len(racing)) == (races + 1, races)
    else:
        assert (len(prepares), len(racing)) == (1, 1)
    others = {pk: Case.objects.get(pk=pk) for pk in racing}
    assert [o.description for o in others.values()] == [f"插队{i}" for i in range(len(racing))]
    case_type = ContentType.objects.get_for_model(Case)
    for code in codes:
        case = Case.objects.get(code=code)
        assert case.pk not in others
        assert list(case.events.values_list("action", flat=True)) == ["create", "dispatch"]
        audits = AuditEvent.objects.filter(content_type=case_type, object_id=str(case.pk))
        assert [a.changes["code"] for a in audits if a.action == "create"] == [code]
        assert audits.get(action="create").changes["id"] == case.pk
        notices = Notification.objects.filter(topic=f"case:{case.pk}")
        assert notices.exists() and all(n.url == case.get_absolute_url() for n in notices)
        assert Submission.objects.get(code=code).case_id == case.pk
    for other in others.values():  # untouched by the batch
        assert list(other.events.values_list("action", flat=True)) == ["create", "dispatch"]


def test_batches_write_a_fixed_number_of_statements(org):
    """Filing a batch costs statements per batch, not per case: its inbox notices too."""
    make_categories(org)
    c = token_client(org.users["community"])

    def statements(n: int) -> int:
        for i in range(n):
            c.post(URL, {**BODY, "description": f"垃圾{i}"}, format="json")
        with CaptureQueriesContext(connection) as ctx:
            assert services.cases_file_submissions() == n
        notices = [
            q for q in ctx.captured_queries if q["sql"].startswith(("INSERT", "COPY")) and "notification" in q["sql"]
        ]
        assert len(notices) == 1, "the batch's dispatched cases tell their departments"
        return len(ctx.captured_queries)

    statements(1)  # the router's caches
    # (Both from COPY_MIN rows: PostgreSQL writes a smaller batch by INSERT, a larger by COPY.)
    assert statements(db.COPY_MIN) == statements(services.FILE_BATCH - 1)


def test_each_caller_sees_their_own_submissions(org):
    make_categories(org)
    mine = token_client(org.users["community"]).post(URL, BODY, format="json").json()
    theirs = token_client(org.users["grid"]).post(URL, BODY, format="json").json()
    grid = token_client(org.users["grid"])
    assert grid.get(mine["url"]).status_code == 404
    assert [s["code"] for s in grid.get(URL).json()["results"]] == [theirs["code"]]
    from shanzhi.accounts.models import Role
    from shanzhi.testing.factories import make_user

    desk = make_user("t-desk", Role.DEPT, department=org.departments["dispatch"])
    for user in (org.users["admin"], org.users["leader"], desk):
        listed = {s["code"] for s in token_client(user).get(URL).json()["results"]}
        assert {mine["code"], theirs["code"]} <= listed, user
    assert APIClient().post(URL, BODY, format="json").status_code == 401


def test_queued_code_on_the_public_tracking_page(org, client):
    make_categories(org)
    code = token_client(org.users["community"]).post(URL, BODY, format="json").json()["code"]
    r = client.get(f"/cases/track/?code={code}")
    assert r.status_code == 302
    page = client.get(r["Location"])
    assert page.status_code == 200 and code in page.content.decode()
    assert 'data-testid="public-queued"' in page.content.decode()  # "being registered", not an empty timeline
    api = client.get(f"/api/cases/public/{code}/")
    assert api.status_code == 200 and api.json()["status"] == "received"
    services.cases_file_submissions()
    assert client.get(f"/api/cases/public/{code}/").json()["status"] == "dispatched"


def test_the_desk_sees_submissions_the_worker_has_not_filed(org, client):
    import datetime

    from django.utils import timezone

    make_categories(org)
    api = token_client(org.users["community"])
    late = api.post(URL, {**BODY, "description": "工作进程停了"}, format="json").json()["code"]
    fresh = api.post(URL, {**BODY, "description": "刚刚提交"}, format="json").json()["code"]
    Submission.objects.filter(code=late).update(
        received_at=timezone.now() - services.ROUTING_OVERDUE - datetime.timedelta(seconds=5)
    )
    client.force_login(org.users["admin"])
    page = client.get("/cases/desk/").content.decode()
    assert 'data-testid="desk-stuck-submissions"' in page
    assert late in page and "工作进程停了" in page and fresh not in page
    services.cases_file_submissions()
    assert 'data-testid="desk-stuck-submissions"' not in client.get("/cases/desk/").content.decode()
    Submission.objects.filter(code=fresh).update(status="refused", error="无法登记的原因")
    page = client.get("/cases/desk/").content.decode()
    assert fresh in page and "无法登记的原因" in page and late not in page


def test_a_code_drawn_twice_is_drawn_again(org, monkeypatch):
    codes = iter(["SZ261126AAAAAAAA", "SZ261126AAAAAAAA", "SZ261126BBBBBBBB"])
    monkeypatch.setattr(services, "new_code", lambda at=None: next(codes))
    first, _ = services.case_submit(actor=org.users["community"], source="api", data={"description": "一"})
    second, created = services.case_submit(actor=org.users["community"], source="api", data={"description": "二"})
    assert (first.code, second.code, created) == ("SZ261126AAAAAAAA", "SZ261126BBBBBBBB", True)


def test_submission_queries_use_an_index(org):
    """The queue, the desk's stuck ones, a caller's own list, the code and the key: none reads
    the whole table (it keeps every submission ever accepted)."""
    import datetime

    from django.utils import timezone

    overdue = timezone.now() - datetime.timedelta(minutes=2)
    queries = {
        "queue": Submission.objects.filter(status="queued").order_by("id")[:50],
        "desk, waiting": Submission.objects.filter(status="queued", received_at__lt=overdue).order_by("id")[:20],
        "desk, refused": Submission.objects.filter(status="refused").order_by("id")[:20],
        "own": Submission.objects.filter(submitted_by_id=1).order_by("-id")[:50],
        "code": Submission.objects.filter(code="SZ261126AAAAAAAA"),
        "key": Submission.objects.filter(idempotency_key="api:1:k"),
    }
    for name, qs in queries.items():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL enable_seqscan = off")
            plan = qs.explain()
            assert "Seq Scan on cases_submission" not in plan, (name, plan)
        else:
            plan = qs.explain()
            lines = [ln for ln in plan.splitlines() if "cases_submission" in ln]
            assert lines and all("INDEX" in ln for ln in lines), (name, plan)


def test_a_code_already_taken_by_a_case_is_filed_under_a_new_one(org):
    """The batch's INSERT fails on the case table's unique code; the worker files that one alone
    under a new code, the rest of the batch as given, and the caller can see which."""
    from shanzhi.cases.tests.factories import make_case

    make_categories(org)
    c = token_client(org.users["community"])
    codes = [c.post(URL, {**BODY, "description": f"垃圾{i}"}, format="json").json()["code"] for i in range(3)]
    taken = make_case(org)
    Case.all_objects.filter(pk=taken.pk).update(code=codes[1])
    assert services.cases_file_submissions() == 3
    subs = {s.code: s for s in Submission.objects.select_related("case")}
    assert {s.status for s in subs.values()} == {"filed"}
    assert subs[codes[0]].case.code == codes[0] and subs[codes[2]].case.code == codes[2]
    moved = subs[codes[1]].case
    assert moved.pk != taken.pk and moved.code != codes[1] and moved.description == "垃圾1"
    assert c.get(f"{URL}{codes[1]}/").json()["case_code"] == moved.code
    assert Case.objects.count() == 4
    # Its audit and its department's notice name it by its new code.
    audit = AuditEvent.objects.get(object_id=str(moved.pk), object_repr__startswith=moved.code, action="create")
    assert audit.changes["code"] == moved.code
    (notice,) = {n.title.params["c"] for n in Notification.objects.filter(topic=f"case:{moved.pk}")}
    assert notice == moved.code


@pytest.mark.django_db(transaction=True)
def test_a_retry_outside_any_transaction_is_answered_too(org):
    """In autocommit the INSERT is its own transaction (no savepoint): its refusal by the key's
    unique index must still leave the connection usable for reading the first submission."""
    make_categories(org)
    assert not connection.in_atomic_block
    data = {"description": "楼道灯坏了"}
    first, created = services.case_submit(actor=org.users["community"], source="api", data=data, idempotency_key="a:1")
    again, created_again = services.case_submit(
        actor=org.users["community"], source="api", data=data, idempotency_key="a:1"
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Submission.objects.count() == 1


def test_every_field_the_queued_intake_takes_is_kept_for_filing():
    """A field added to the intake serializer but not to what `case_submit` stores would be
    accepted and then dropped without a word."""
    from shanzhi.cases.api.serializers import SubmissionCreateSerializer

    taken = set(SubmissionCreateSerializer().fields) - {"idempotency_key"}
    assert taken == set(services.SUBMISSION_FIELDS) | set(services.SUBMISSION_RELATED)

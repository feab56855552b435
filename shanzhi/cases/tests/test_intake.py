"""Intake from the public form and the API: photos, idempotency, bad input, tracking, rating."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import pgettext
from PIL import Image

from shanzhi.cases import conf, services
from shanzhi.cases.models import Case, CaseAttachment
from shanzhi.cases.tests.factories import drive_to, make_case, make_categories, png_bytes, submit_case
from shanzhi.core.models import AuditEvent
from shanzhi.core.services import _jsonable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_public_form_submit_strips_photo_metadata(org, client, settings):
    cats = make_categories(org)
    jpeg = png_bytes(with_exif_gps=True)
    assert Image.open(io.BytesIO(jpeg)).getexif().get(0x8825) is not None  # the test photo has GPS
    r = client.post(
        "/cases/submit/",
        {
            "description": "小区门口垃圾没人清理",
            "category": cats["garbage"].pk,
            "longitude": "113.355",
            "latitude": "22.515",
            "reporter_name": "王先生",
            "reporter_phone": "13900001234",
            "idempotency_key": "abc",
            "photos": [SimpleUploadedFile("a.jpg", jpeg, content_type="image/jpeg")],
        },
    )
    assert r.status_code == 302, r.content[:2000]
    case = Case.objects.get()
    assert r["Location"].startswith(f"/cases/track/{case.code}/")
    att = CaseAttachment.objects.get(case=case)
    stored = Image.open(att.file.path)
    assert stored.getexif().get(0x8825) is None and stored.getexif().get(0x010F) is None
    # The public page shows status and timeline, never the name or phone.
    page = client.get(f"/cases/track/{case.code}/").content.decode()
    assert case.code in page and "王先生" not in page and "13900001234" not in page
    # A double submit (same form key) creates one case.
    client.post(
        "/cases/submit/",
        {"description": "小区门口垃圾没人清理", "longitude": "113.355", "latitude": "22.515", "idempotency_key": "abc"},
    )
    assert Case.objects.count() == 1


def test_a_point_outside_the_area_is_accepted_and_the_resident_is_told(org, client):
    """A tap on the map outside every grid was accepted with the usual thanks only: the resident
    never learnt the point lay outside the area served. The case is still accepted (the desk
    places it); the confirmation now says so. A point inside gets no such note."""
    for lon, outside in (("113.30676", True), ("113.355", False)):
        r = client.post("/cases/submit/", {"description": f"路面塌陷{lon}", "longitude": lon, "latitude": "22.515"})
        assert r.status_code == 302
        page = client.get(r["Location"]).content.decode()
        assert 'data-testid="submitted"' in page
        assert ('data-testid="outside-area"' in page) is outside
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg"), "image"),
        (SimpleUploadedFile("x.pdf", b"%PDF-1.4 hello", content_type="application/pdf"), "image"),
    ],
)
def test_public_form_refuses_non_images(org, client, upload, message):
    r = client.post("/cases/submit/", {"description": "路灯坏了", "address": "康景路", "photos": [upload]})
    assert r.status_code == 200
    assert Case.objects.count() == 0 and CaseAttachment.objects.count() == 0


def test_oversized_photo_refused(org, client):
    from shanzhi.core.models import SiteSetting

    SiteSetting.objects.create(key="cases.max_photo_bytes", value=100)
    conf.clear_cache()
    r = client.post(
        "/cases/submit/",
        {
            "description": "路灯坏了",
            "address": "康景路",
            "photos": [SimpleUploadedFile("a.png", png_bytes((64, 64)), "image/png")],
        },
    )
    assert r.status_code == 200 and Case.objects.count() == 0
    conf.clear_cache()


def test_too_many_photos(org, client):
    files = [SimpleUploadedFile(f"{i}.png", png_bytes(), "image/png") for i in range(4)]
    r = client.post("/cases/submit/", {"description": "路灯坏了", "address": "康景路", "photos": files})
    assert r.status_code == 200 and Case.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"description": ""},
        {"description": "x", "longitude": 500, "latitude": 22},
        {"description": "x", "category": "nope"},
        {"description": "x", "longitude": 113.3},
        {"description": "x", "kind": "alien"},
    ],
)
def test_api_bad_input_is_400_and_nothing_stored(api_for, org, data):
    r = api_for("community").post("/api/cases/cases/", data, format="json")
    assert r.status_code == 400, r.content
    assert Case.all_objects.count() == 0


def test_api_create_with_idempotency_header(api_for, org):
    cats = make_categories(org)
    c = api_for("community")
    body = {"description": "楼下垃圾堆积", "category": "urban-garbage", "longitude": 113.355, "latitude": 22.515}
    r1 = c.post("/api/cases/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    r2 = c.post("/api/cases/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert r1.status_code == 201 and r2.status_code == 200
    assert r1.json()["id"] == r2.json()["id"] and Case.objects.count() == 1
    assert r1.json()["category"] == cats["garbage"].pk and r1.json()["status"] == "dispatched"


@pytest.mark.parametrize("dispatched", [True, False])
def test_creation_audit_row_shows_the_case_as_stored(org, dispatched):
    # The rows are built before the INSERT; what the INSERT itself sets (id, timestamps, the
    # derived month) must still be in the creation's audit snapshot, as the database has it.
    make_categories(org)
    kw = {"grid": org.grids["A1"], "department": org.departments["urban"]} if dispatched else {"auto_route": False}
    case = services.case_create(actor=org.users["admin"], description="路灯不亮", source="staff", **kw)
    case.refresh_from_db()
    row = AuditEvent.objects.get(action="create", content_type__model="case", object_id=str(case.pk))
    for name in ("id", "received_month", "code"):
        assert row.changes[name] == _jsonable(getattr(case, name)), name
    for name in ("created_at", "updated_at", "received_at", "deadline"):  # the same instant
        assert datetime.datetime.fromisoformat(row.changes[name]) == getattr(case, name), name
    assert row.changes["status"] == "received"


def test_api_stale_version_is_409(api_for, org):
    case = make_case(org)
    c = api_for("dept")
    assert (
        c.post(
            f"/api/cases/cases/{case.pk}/transition/", {"action": "sign", "version": case.version}, format="json"
        ).status_code
        == 200
    )
    r = c.post(
        f"/api/cases/cases/{case.pk}/transition/",
        {"action": "return", "note": "x", "version": case.version},
        format="json",
    )
    assert r.status_code == 409 and r.json()["detail"]
    r = c.post(f"/api/cases/cases/{case.pk}/transition/", {"action": "archive"}, format="json")
    assert r.status_code == 400


def test_public_rating_once_after_handling(org, client):
    case = make_case(org)
    r = client.post(f"/cases/track/{case.code}/rate/", {"rating": 5})
    case.refresh_from_db()
    assert case.public_rating is None  # not handled yet
    drive_to(case, "replied", org)
    r = client.post(f"/cases/track/{case.code}/rate/", {"rating": 4, "comment": "处理及时"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.public_rating == 4
    client.post(f"/cases/track/{case.code}/rate/", {"rating": 1})
    case.refresh_from_db()
    assert case.public_rating == 4
    assert client.get("/cases/track/NOPE123/").status_code == 404
    # A reload of the rating's address (after a refused rating shown there) is the case's page.
    r = client.get(f"/cases/track/{case.code}/rate/")
    assert r.status_code == 302 and r["Location"] == f"/cases/track/{case.code}/"
    api = client.get(f"/api/cases/public/{case.code}/").json()
    assert api["public_rating"] == 4 and "reporter_phone" not in api
    # The rating's step names the one who rated: the reporter, not "the system".
    rated = case.events.get(action="rate")
    with translation.override("zh-hans"):
        assert rated.actor_display == "诉求人"
    with translation.override("en"):
        assert rated.actor_display == "reporter"
    page = client.get(f"/cases/track/{case.code}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "· 诉求人" in page and "· reporter" not in page


def test_public_tracking_shows_the_channel(org, client):
    case = services.case_create(
        actor=None, source="open311", description="路灯不亮", longitude=113.355, latitude=22.515
    )
    page = client.get(f"/cases/track/{case.code}/")
    assert page.status_code == 200
    assert b'data-testid="public-source"' in page.content
    with translation.override("zh-hans"):  # the page's default language
        label = str(Case.Source.OPEN311.label)
    assert f'data-testid="public-source">{label}<'.encode() in page.content
    api = client.get(f"/api/cases/public/{case.code}/").json()
    assert api["source"] == "open311" and api["source_label"]


def test_the_track_form_asks_by_get_so_a_link_with_the_code_works(org, client):
    """The form posted, and `/cases/track/?code=…` (a link in a text message, a bookmark, the
    form's own address after a reload) showed the empty form instead of the case."""
    case = services.case_create(actor=None, source="web", description="路灯不亮", longitude=113.355, latitude=22.515)
    page = client.get("/cases/track/").content.decode()
    form = re.search(r'<form method="(\w+)"[^>]*data-testid="track-form">(.*?)</form>', page, re.S)
    assert form.group(1) == "get" and "csrfmiddlewaretoken" not in form.group(2)
    r = client.get("/cases/track/", {"code": f" {case.code.lower()} "})
    assert r.status_code == 302 and r["Location"] == f"/cases/track/{case.code}/"
    unknown = client.get("/cases/track/", {"code": "SZ000000NOPE0000"})
    assert unknown.status_code == 200 and 'class="invalid-feedback' in unknown.content.decode()
    assert "没有此查询码对应的案件。" in unknown.content.decode()  # the page's default language
    empty = client.get("/cases/track/", {"code": ""})
    assert empty.status_code == 200 and 'class="invalid-feedback' in empty.content.decode()
    assert client.post("/cases/track/", {"code": case.code}).status_code == 302  # old bookmarks of the form


def test_merge_duplicates(org):
    cats = make_categories(org)
    a = services.case_create(
        actor=None, source="web", description="垃圾堆积", category=cats["garbage"], longitude=113.355, latitude=22.515
    )
    b = services.case_create(
        actor=None,
        source="web",
        description="这里垃圾很多",
        category=cats["garbage"],
        longitude=113.3551,
        latitude=22.5151,
    )
    far = services.case_create(
        actor=None, source="web", description="垃圾", category=cats["garbage"], longitude=113.359, latitude=22.519
    )
    dups = services.likely_duplicates(b)
    assert a in dups and far not in dups
    services.case_merge(case=b, into=a, actor=org.users["community"])
    b.refresh_from_db()
    assert b.status == "cancelled" and b.merged_into == a
    assert a.events.filter(action="merged_in").exists()


def test_origin_hook_called_after_commit(org, django_capture_on_commit_callbacks):
    from shanzhi.cases import hooks

    calls = []
    hooks.register_origin_handler("orgs.enterprise", lambda case, action: calls.append((case.pk, action)))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = make_case(org, origin=org.enterprises["A"])
        assert case.origin == org.enterprises["A"]
        with django_capture_on_commit_callbacks(execute=True):
            services.case_transition(case=case, action="cancel", actor=org.users["admin"], note="无效")
        assert (case.pk, "cancel") in calls
    finally:
        hooks.ORIGIN_HANDLERS.pop("orgs.enterprise", None)


def test_whistle_flow(org):
    case = make_case(org)
    d = org.departments
    case = services.case_whistle(case=case, actor=org.users["community"], lead=d["urban"], departments=[d["health"]])
    assert case.is_whistle and case.summons.count() == 2
    health = org.others["dept"]
    services.case_transition(case=case, action="arrive", actor=health)
    services.case_transition(case=case, action="report_part", actor=health, note="已上门检查")
    case = services.case_transition(case=case, action="sign", actor=org.users["dept"])
    case = services.case_transition(case=case, action="reply", actor=org.users["dept"], note="联合处置完毕")
    case = services.case_transition(
        case=case, action="rate_department", actor=org.users["community"], department=d["health"], score=5
    )
    s = case.summons.get(department=d["health"])
    assert s.status == "reported" and s.rating == 5 and s.arrived_at


def test_bulk_import_all_or_nothing(org, client_for):
    from shanzhi.core.errors import ImportRowError

    make_categories(org)
    good = [
        {"description": "路灯不亮", "category": "urban-garbage", "longitude": "113.355", "latitude": "22.515"},
        {"诉求内容": "医生态度差", "分类编码": "health-clinic", "性质": "投诉", "受理时间": "2025-09-30 10:00"},
        {"description": "在区外", "longitude": "100", "latitude": "30"},
    ]
    bad = [*good, {"description": "x", "category": "no-such"}]
    with pytest.raises(ImportRowError) as exc:
        services.cases_import(rows=bad, actor=org.users["admin"])
    assert exc.value.row == 5 and Case.all_objects.count() == 0
    assert services.cases_import(rows=good, actor=org.users["admin"]) == 3
    a, b, c = (Case.objects.get(description=d) for d in ("路灯不亮", "医生态度差", "在区外"))
    assert a.grid == org.grids["A1"] and a.department == org.departments["urban"] and a.status == "dispatched"
    assert b.nature == "complaint" and b.grid is None and b.department == org.departments["dispatch"]
    assert timezone_date(b.deadline) == "2025-10-11"  # 3 working days after 30 Sep: 9, 10, 11 (make-up Sat) Oct
    assert c.department == org.departments["dispatch"] and c.status == "received"
    assert all(x.events.filter(action="create").exists() for x in (a, b, c))
    # the page: CSV upload, bad row named
    csv = "description,category\n路灯坏了,nope\n".encode()
    r = client_for("leader").post("/cases/import/", {"file": SimpleUploadedFile("x.csv", csv, "text/csv")})
    assert r.status_code == 200 and "第 2 行" in r.content.decode()
    assert client_for("dept").get("/cases/import/").status_code == 403


def timezone_date(dt):
    from django.utils import timezone

    return timezone.localtime(dt).date().isoformat()


def test_case_page_timeline_names_states_in_the_readers_language(org, client_for):
    case = make_case(org)  # received → dispatched
    page = client_for("dept").get(f"/cases/{case.pk}/")
    with translation.override("zh-hans"):
        label = str(Case.Status.DISPATCHED.label)
    assert f'data-testid="event-to">→ {label}<'.encode() in page.content
    assert b'data-testid="event-to">\xe2\x86\x92 dispatched<' not in page.content


def test_case_page_timeline_does_not_repeat_a_label_as_its_state(org, client_for):
    case = make_case(org)  # "已登记" (created) → "已登记" (received) read twice on the first step
    page = client_for("dept").get(f"/cases/{case.pk}/").content.decode()
    with translation.override("zh-hans"):
        received, dispatched = str(Case.Status.RECEIVED.label), str(Case.Status.DISPATCHED.label)
    assert f"<strong>{received}</strong>" in page
    assert f'data-testid="event-to">→ {received}<' not in page
    assert f'data-testid="event-to">→ {dispatched}<' in page  # a step that changes the state keeps its arrow


def test_case_page_timeline_names_the_system_and_data_keys_in_the_readers_language(org, client_for):
    cats = make_categories(org)
    case = submit_case(org, category=cats["garbage"])
    assert case.status == "dispatched" and case.routed_by == "category"  # dispatched by the system
    html = client_for("dept").get(f"/cases/{case.pk}/").content.decode()
    with translation.override("zh-hans"):
        system = str(pgettext("case event", "system"))
        routing = str(pgettext("case event data", "routing"))
        department = str(pgettext("case event data", "department"))
    assert system != "system" and routing != "routing"
    assert f">{system}" in html and f"{routing}: " in html and f"{department}: " in html
    assert ">system" not in html and "routing: " not in html and "department: " not in html


def test_case_words_are_not_overridden_by_another_apps_catalogue(org, client):
    """The words "Replied", "reply", "deadline", "Progress" mean other things in plans (反馈,
    完成时限, 进度): the cases pages carry a context, so their own translations show."""
    case = make_case(org)
    drive_to(case, "replied", org)
    page = client.get(f"/cases/track/{case.code}/").content.decode()
    assert 'data-testid="public-status">已答复<' in page
    for word in ("答复", "办理时限", "办理进度"):
        assert f">{word}<" in page, word
    assert ">反馈<" not in page and ">完成时限<" not in page


# ----------------------------------------------------------------- found by walking the forms


def _field_errors(page: str, field: str) -> list[str]:
    """The messages shown under one field of the public forms."""
    block = re.search(rf'for="id_{field}".*?(?=<label|</form>)', page, re.S)
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', block.group(0)) if block else []


def test_a_refused_photo_is_named_on_the_photos_field(org, client):
    """The photo's error was a message at the top of the form, not on the field."""
    good = SimpleUploadedFile("good.png", png_bytes(), "image/png")
    bad = SimpleUploadedFile("notes.jpg", b"not an image", "image/jpeg")
    client.cookies["django_language"] = "en"
    r = client.post("/cases/submit/", {"description": "路灯坏了", "address": "康景路", "photos": [good, bad]})
    page = r.content.decode()
    errors = _field_errors(page, "photos")
    assert r.status_code == 200 and len(errors) == 1, errors
    assert errors[0].startswith("notes.jpg: ") and "image" in errors[0]
    assert 'data-testid="form-errors"' not in page
    assert Case.objects.count() == 0 and CaseAttachment.objects.count() == 0


def test_the_rating_comment_keeps_its_text_and_shows_its_error(org, client):
    """A comment over 500 characters came back as an empty box with no message (HTTP 400)."""
    case = make_case(org)
    drive_to(case, "replied", org)
    comment = "很" * 501
    r = client.post(f"/cases/track/{case.code}/rate/", {"rating": 2, "comment": comment})
    page = r.content.decode()
    assert r.status_code == 400
    assert comment in page and 'maxlength="500"' in page
    assert len(_field_errors(page, "comment")) == 1
    case.refresh_from_db()
    assert case.public_rating is None


def test_a_long_name_on_the_public_form_is_explained(org, client):
    r = client.post("/cases/submit/", {"description": "路灯坏了", "address": "康景路", "reporter_name": "王" * 51})
    assert r.status_code == 200 and Case.objects.count() == 0
    assert len(_field_errors(r.content.decode(), "reporter_name")) == 1


@pytest.mark.parametrize("longitude", ["abc", "nan"])
def test_a_point_that_is_not_a_number_says_so(org, client, longitude):
    """Both coordinates were given, but the form said 'Give both longitude and latitude'."""
    client.cookies["django_language"] = "en"
    r = client.post("/cases/submit/", {"description": "路灯坏了", "longitude": longitude, "latitude": "22.515"})
    page = r.content.decode()
    assert r.status_code == 200 and Case.objects.count() == 0
    assert "Coordinates must be numbers." in page and "Give both" not in page


def test_long_api_idempotency_keys_stay_distinct(api_for, org):
    """Keys were cut to 100 characters after the user prefix, so two keys sharing their first
    ~90 characters returned the first case."""
    c = api_for("community")
    body = {"description": "楼下垃圾堆积", "longitude": 113.355, "latitude": 22.515}
    ids = set()
    for key in ("A" * 95 + "1", "A" * 95 + "2", "B" * 199 + "1", "B" * 199 + "2"):
        r = c.post("/api/cases/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert r.status_code == 201, r.content
        ids.add(r.json()["id"])
        again = c.post("/api/cases/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    for key in ("C" * 99 + "1", "C" * 99 + "2"):  # in the body as well
        r = c.post("/api/cases/cases/", {**body, "idempotency_key": key}, format="json")
        assert r.status_code == 201, r.content
        ids.add(r.json()["id"])
    assert len(ids) == 6 == Case.objects.count()
    r = c.post("/api/cases/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="D" * 201)
    assert r.status_code == 400 and "idempotency_key" in r.json()


def test_a_top_level_category_is_refused_on_every_channel(api_for, org):
    """The API (and the import) filed cases under a top-level category, which has no department
    or deadline of its own."""
    make_categories(org)
    r = api_for("community").post(
        "/api/cases/cases/", {"description": "路灯坏了", "category": "urban", "address": "康景路"}, format="json"
    )
    assert r.status_code == 400 and "category" in r.json(), r.content
    from shanzhi.core.errors import ImportRowError

    with pytest.raises(ImportRowError) as exc:
        services.cases_import(rows=[{"description": "路灯坏了", "category": "urban"}], actor=org.users["admin"])
    assert exc.value.row == 2 and "urban" in str(exc.value)
    assert Case.all_objects.count() == 0


def test_public_api_speaks_the_readers_language_and_one_time_zone(org, client):
    case = services.case_create(actor=None, source="web", description="路灯不亮", longitude=113.355, latitude=22.515)
    client.cookies["django_language"] = "zh-hans"
    r = client.get("/api/cases/public/NOPE123/")
    assert r.status_code == 404
    with translation.override("zh-hans"):
        assert (
            r.json()["detail"]
            == translation.gettext("No case with this tracking code.")
            != ("No case with this tracking code.")
        )
    data = client.get(f"/api/cases/public/{case.code}/").json()
    offset = data["received_at"][-6:]
    assert offset == "+08:00" and data["timeline"] and all(ev["at"].endswith(offset) for ev in data["timeline"])


def test_timeline_data_reads_as_words_in_the_readers_language(org):
    """A call-back step showed "contacted: True · satisfaction: basic", a whistle step the
    departments as a Python list, on the Chinese page as on the English one."""
    from shanzhi.cases.models import CaseEvent

    case = make_case(org)
    ev = CaseEvent(
        case=case,
        action="callback",
        data={
            "contacted": True,
            "resolved": None,
            "satisfaction": "basic",
            "departments": ["甲办", "乙办"],
            "score": 5,
        },
    )
    with translation.override("zh-hans"):
        assert ev.data_items == [
            ("联系上", "是"),
            ("已解决", "—"),
            ("满意度", "基本满意"),
            ("召集部门", "甲办、乙办"),
            ("评分", 5),
        ]
    with translation.override("en"):
        assert dict(ev.data_items) == {
            "contacted": "yes",
            "resolved": "—",
            "satisfaction": "Basically satisfied",
            "summoned departments": "甲办, 乙办",
            "score": 5,
        }


def test_hotline_entry_names_the_leader_of_an_enterprise_request(org, client_for):
    """企业家直通车: the form had no leader field, so no enterprise case ever had one."""
    make_categories(org)
    c = client_for("admin")
    form = {
        "kind": "enterprise",
        "nature": "help",
        "description": "企业用电增容审批慢",
        "enterprise": org.enterprises["A"].pk,
        "idempotency_key": "ent-1",
    }
    r = c.post("/cases/new/", form)
    assert r.status_code == 200 and "leader" in r.context["form"].errors
    assert Case.objects.count() == 0
    leader = org.users["leader"]
    r = c.post("/cases/new/", {**form, "leader": leader.pk})
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    case = Case.objects.get()
    assert case.leader == leader and case.kind == "enterprise" and case.enterprise == org.enterprises["A"]


def test_the_api_names_the_leader_of_an_enterprise_request(api_for, org):
    leader = org.users["leader"]
    body = {"description": "企业用电增容审批慢", "kind": "enterprise", "enterprise": org.enterprises["A"].pk}
    r = api_for("community").post("/api/cases/cases/", {**body, "leader": leader.pk}, format="json")
    assert r.status_code == 201, r.content
    assert Case.objects.get(pk=r.json()["id"]).leader == leader
    r = api_for("community").post("/api/cases/cases/", {**body, "leader": org.users["dept"].pk}, format="json")
    assert r.status_code == 400 and "leader" in r.json()  # only a street leader


def test_api_intake_takes_photos_and_serves_them_in_scope(org, api_for, client_for):
    """The REST API silently dropped uploaded photos (its serializer had no such field), so a
    client's photos were lost; and a token client had no way to read a case's attachments."""
    cats = make_categories(org)
    jpeg = png_bytes(with_exif_gps=True)
    body = {
        "description": "小区门口垃圾没人清理",
        "category": cats["garbage"].code,
        "longitude": 113.355,
        "latitude": 22.515,
    }
    api = api_for("community")
    r = api.post(
        "/api/cases/cases/",
        {**body, "photos": [SimpleUploadedFile("a.jpg", jpeg, content_type="image/jpeg")]},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["id"])
    att = CaseAttachment.objects.get(case=case)
    assert Image.open(att.file.path).getexif().get(0x8825) is None  # GPS stripped, as on the form
    listed = api.get(f"/api/cases/attachments/?case={case.pk}").json()["results"]
    assert [a["id"] for a in listed] == [att.pk] and listed[0]["content_type"] == "image/jpeg"
    got = api.get(listed[0]["download"])
    assert got.status_code == 200 and b"".join(got.streaming_content) == att.file.open("rb").read()
    # Filters that are not ids: a 400 with the field, not a 500.
    for bad in ("case=abc", "event=x", "case=99999999999999999999"):
        r = api.get(f"/api/cases/attachments/?{bad}")
        assert r.status_code == 400 and bad.split("=")[0] in r.json(), (bad, r.status_code)
    # Out of scope: neither listed nor served.
    other = api_for("community", other=True)
    assert other.get(f"/api/cases/attachments/?case={case.pk}").json()["results"] == []
    assert other.get(f"/api/cases/attachments/{att.pk}/download/").status_code == 404
    assert api_for("resident").get(f"/api/cases/attachments/{att.pk}/download/").status_code == 403
    # A row whose file is gone (media not restored with the database) is a 404, not a 500.
    import os

    os.remove(att.file.path)
    assert api.get(f"/api/cases/attachments/{att.pk}/download/").status_code == 404
    assert client_for("community").get(f"/cases/attachments/{att.pk}/").status_code == 404
    # Bad photos: a clear 400 on the field, and no case.
    n = Case.objects.count()
    r = api.post(
        "/api/cases/cases/",
        {**body, "photos": [SimpleUploadedFile("a.txt", b"not an image", content_type="image/jpeg")]},
        format="multipart",
    )
    assert r.status_code == 400 and "photos" in r.json() and "a.txt" in str(r.json()["photos"]), r.content
    r = api.post(
        "/api/cases/cases/",
        {**body, "photos": [SimpleUploadedFile(f"{i}.jpg", jpeg, content_type="image/jpeg") for i in range(4)]},
        format="multipart",
    )
    assert r.status_code == 400 and "photos" in r.json(), r.content
    assert Case.objects.count() == n


def test_api_photo_limit_follows_the_setting(org, api_for):
    """The API capped photos at 3 in its serializer whatever cases.max_photos said."""
    cats = make_categories(org)
    conf.setting_set(key="cases.max_photos", value=4, actor=org.users["admin"])
    jpeg = png_bytes(with_exif_gps=True)
    r = api_for("community").post(
        "/api/cases/cases/",
        {
            "description": "井盖缺失",
            "category": cats["garbage"].code,
            "photos": [SimpleUploadedFile(f"{i}.jpg", jpeg, content_type="image/jpeg") for i in range(4)],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert CaseAttachment.objects.filter(case_id=r.json()["id"]).count() == 4


def test_the_hotline_form_speaks_to_staff_not_to_the_resident(org, client_for):
    """Staff recording a call saw the public form's words: 您要反映什么问题？ 您的姓名（选填）."""
    page = client_for("admin").get("/cases/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "您要反映什么问题" not in page and "您的姓名" not in page
    assert "反映的问题" in page and "来电人/反映人姓名" in page
    public = client_for("admin").get("/cases/submit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "您要反映什么问题" in public  # the resident's form keeps them

"""The GeoReport v2 endpoints through Django's test client: formats, mapping, errors,
idempotency, filters, and that no personal data ever leaves through them."""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shanzhi.cases.models import Case, CaseAttachment
from shanzhi.core.models import AuditEvent, SiteSetting
from shanzhi.open311 import conf
from shanzhi.open311.models import ServiceRequest
from shanzhi.open311.tests import factories as f
from shanzhi.open311.tests.conformance import validate, xml_to_data

V2 = "/open311/v2"
FORM = "application/x-www-form-urlencoded"

PERSONAL = {
    "first_name": "小明",
    "last_name": "欧阳",
    "phone": "13912345678",
    "email": "ouyang.xm@example.cn",
    "device_id": "device-7f3a9c",
    "account_id": "acct-991122",
}


pytestmark = pytest.mark.usefixtures("english")  # (conftest: `english`, `setup`)


def post(client, fmt="json", headers=None, multipart=False, **data):
    payload = {"api_key": f.KEY, "service_code": "garbage", **f.IN_A1, "description": "垃圾桶满溢", **data}
    payload = {k: v for k, v in payload.items() if v is not None}
    if multipart:
        return client.post(f"{V2}/requests.{fmt}", payload, headers=headers or {})
    return client.post(f"{V2}/requests.{fmt}", urlencode(payload), content_type=FORM, headers=headers or {})


def body(response, root):
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    return xml_to_data(response.content, root)


# ----------------------------------------------------------------------------- reads


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_list_the_active_sub_categories(client, setup, fmt):
    r = client.get(f"{V2}/services.{fmt}")
    assert r.status_code == 200
    data = body(r, "services")
    validate("services", data)
    by_code = {s["service_code"]: s for s in data}
    assert set(by_code) == {"garbage", "street-light"}  # not the top category, not the inactive one
    g = by_code["garbage"]
    assert g["service_name"] == "垃圾清运"
    assert g["group"] == "城市管理"
    assert g["keywords"] == "垃圾,清运,垃圾桶"
    assert g["metadata"] is True and g["type"] == "realtime"
    assert g["description"] == "垃圾桶满溢、清运不及时"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_has_the_nature_attribute(client, setup, fmt):
    r = client.get(f"{V2}/services/garbage.{fmt}")
    assert r.status_code == 200
    data = body(r, "service_definition")
    validate("service-definition", data)
    assert data["service_code"] == "garbage"
    (attr,) = data["attributes"]
    assert attr["code"] == "nature" and attr["datatype"] == "singlevaluelist" and attr["required"] is False
    assert [v["key"] for v in attr["values"]] == ["consultation", "help", "complaint", "report", "suggestion", "praise"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, setup, fmt):
    r = client.get(f"{V2}/discovery.{fmt}")
    assert r.status_code == 200
    data = body(r, "discovery")
    validate("discovery", data)
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2"


# ----------------------------------------------------------------------------- POST


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_a_case_through_the_intake(client, setup, fmt):
    r = post(client, fmt, description="西苑小区东门垃圾桶满溢", **{"attribute[nature]": "complaint"}, **PERSONAL)
    assert r.status_code == 200, r.content
    data = body(r, "service_requests")
    validate("post", data)
    code = data[0]["service_request_id"]
    assert data[0]["account_id"] == "acct-991122"
    case = Case.objects.get(code=code)
    assert case.source == Case.Source.OPEN311
    assert case.category == setup["cats"]["garbage"]
    assert case.nature == "complaint"
    assert case.grid == setup["org"].grids["A1"]
    assert case.reporter_name == "欧阳小明" and case.reporter_phone == "13912345678"
    assert case.events.filter(action="create").exists()
    record = case.open311_request
    assert record.api_key == setup["key"] and record.email == "ouyang.xm@example.cn"
    assert record.attributes == {"nature": "complaint"}
    assert record.created_by == setup["key"].service_account
    assert AuditEvent.objects.filter(object_id=str(record.pk), content_type__app_label="open311").exists()


def test_multipart_post_with_a_photo_and_a_media_url(client, setup):
    photo = SimpleUploadedFile("p.png", f.png_bytes(), content_type="image/png")
    r = post(
        client,
        multipart=True,
        media=photo,
        media_url="https://example.org/p/1.jpg",
        lat=None,
        long=None,
        address_string="康景路12号",
    )
    assert r.status_code == 200, r.content
    case = Case.objects.get(code=json.loads(r.content)[0]["service_request_id"])
    assert case.address == "康景路12号" and case.latitude is None
    assert CaseAttachment.objects.filter(case=case).count() == 1
    assert case.open311_request.media_url == "https://example.org/p/1.jpg"


def test_idempotency_key_gives_one_case(client, setup):
    first = post(client, headers={"Idempotency-Key": "retry-42"})
    second = post(client, headers={"Idempotency-Key": "retry-42"}, description="changed on retry")
    assert first.status_code == second.status_code == 200
    assert json.loads(first.content) == json.loads(second.content)
    assert Case.objects.filter(source="open311").count() == 1
    third = post(client, headers={"Idempotency-Key": "retry-43"})
    assert json.loads(third.content)[0]["service_request_id"] != json.loads(first.content)[0]["service_request_id"]
    without = [post(client), post(client)]
    assert Case.objects.filter(source="open311").count() == 4, [w.content for w in without]


def test_same_idempotency_key_from_two_clients_makes_two_cases(client, setup):
    f.make_key("second-client", "second-open311-key-abcdef")
    a = post(client, headers={"Idempotency-Key": "k1"})
    b = post(client, headers={"Idempotency-Key": "k1"}, api_key="second-open311-key-abcdef")
    assert json.loads(a.content)[0]["service_request_id"] != json.loads(b.content)[0]["service_request_id"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "data, status, fragment",
    [
        ({"service_code": None}, 400, "service_code is required"),
        ({"service_code": "no-such-service"}, 404, "Unknown service_code"),
        ({"service_code": "retired"}, 404, "Unknown service_code"),
        ({"service_code": "city"}, 404, "Unknown service_code"),  # a top category is no service
        ({"lat": "91", "long": "113.3"}, 400, "lat must be between"),
        ({"lat": "22.5", "long": "-181"}, 400, "long must be between"),
        ({"lat": "abc", "long": "113.3"}, 400, "lat must be a number"),
        ({"lat": "nan", "long": "113.3"}, 400, "lat must be between"),
        ({"lat": "22.5", "long": None}, 400, "both lat and long"),
        ({"lat": None, "long": None}, 400, "location is required"),
        ({"attribute[nature]": "rant"}, 400, "attribute[nature] must be one of"),
        ({"email": "not-an-email"}, 400, "email is not a valid"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url must be"),
        ({"description": "x" * 4001}, 400, "description is longer"),
        ({"api_key": "wrong-key"}, 403, "api_key"),
        ({"api_key": None}, 403, "api_key"),
        ({"jurisdiction_id": "elsewhere.example"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_posts_answer_in_the_spec_error_format(client, setup, fmt, data, status, fragment):
    r = post(client, fmt, **data)
    assert r.status_code == status, r.content
    errors = body(r, "errors")
    validate("errors", errors)
    assert all(e["code"] == status for e in errors)
    assert any(fragment in e["description"] for e in errors), errors
    assert not Case.objects.filter(source="open311").exists()
    assert not ServiceRequest.all_objects.exists()


def test_a_broken_multipart_body_is_a_spec_400(client, setup):
    r = client.generic("POST", f"{V2}/requests.xml", b"--xx\r\nbroken", content_type="multipart/form-data")
    assert r.status_code == 400, r.content
    validate("errors", xml_to_data(r.content, "errors"))


def test_revoked_key_is_refused(client, setup):
    from shanzhi.open311.services import apikey_set_active

    apikey_set_active(actor=setup["org"].users["admin"], key=setup["key"], active=False)
    assert post(client).status_code == 403


def test_a_bad_photo_writes_nothing(client, setup):
    bad = SimpleUploadedFile("p.png", b"not an image", content_type="image/png")
    r = post(client, multipart=True, media=bad)
    assert r.status_code == 400
    assert "image" in json.loads(r.content)[0]["description"]
    assert not Case.objects.filter(source="open311").exists() and not ServiceRequest.all_objects.exists()


def test_a_valid_jurisdiction_is_accepted(client, setup):
    r = post(client, jurisdiction_id=conf.get("open311.jurisdiction_id"))
    assert r.status_code == 200
    assert client.get(f"{V2}/services.json?jurisdiction_id=shanzhi.local").status_code == 200
    assert client.get(f"{V2}/services.json?jurisdiction_id=other").status_code == 404


def test_the_jurisdiction_is_a_setting(client, setup):
    SiteSetting.objects.create(key="open311.jurisdiction_id", value="xiqu.zs.gd.cn")
    conf.clear_cache()
    try:
        assert client.get(f"{V2}/services.json?jurisdiction_id=xiqu.zs.gd.cn").status_code == 200
        assert client.get(f"{V2}/services.json?jurisdiction_id=shanzhi.local").status_code == 404
    finally:
        conf.clear_cache()


# ----------------------------------------------------------------------------- GET requests


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_request_maps_the_public_fields(client, setup, fmt):
    record = f.make_request(
        setup["key"], setup["cats"]["garbage"], media_url="https://example.org/m.jpg", nature="complaint"
    )
    case = record.case
    r = client.get(f"{V2}/requests/{case.code}.{fmt}")
    assert r.status_code == 200
    data = body(r, "service_requests")
    validate("requests", data)
    (req,) = data
    validate("request", req)
    assert req["service_request_id"] == case.code
    assert req["status"] == "open"
    assert req["service_code"] == "garbage" and req["service_name"] == "垃圾清运"
    assert req["agency_responsible"] == "城管执法队"
    assert req["lat"] == 22.515 and req["long"] == 113.355
    assert req["address"] == "西苑小区东门"
    assert req["media_url"] == "https://example.org/m.jpg"
    assert req["requested_datetime"] == timezone.localtime(case.received_at).replace(microsecond=0).isoformat()
    assert req["requested_datetime"].endswith("+08:00")
    assert req["expected_datetime"] == timezone.localtime(case.deadline).replace(microsecond=0).isoformat()
    assert req["description"] == "西苑小区东门垃圾桶满溢两天未清运"
    assert req["status_notes"]


def test_a_replied_case_is_closed_with_the_reply_as_notes(client, setup):
    record = f.make_request(setup["key"], setup["cats"]["garbage"])
    case = f.reply_to(record.case, setup["org"].users["admin"])
    (req,) = json.loads(client.get(f"{V2}/requests/{case.code}.json").content)
    validate("request", req)
    assert req["status"] == "closed"
    assert req["status_notes"] == "已清运完毕，联系电话139****1111"  # the reply, phone masked
    open_ids = [r["service_request_id"] for r in json.loads(client.get(f"{V2}/requests.json?status=open").content)]
    closed_ids = [r["service_request_id"] for r in json.loads(client.get(f"{V2}/requests.json?status=closed").content)]
    assert case.code in closed_ids and case.code not in open_ids


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_personal_data_in_get_responses(client, setup, fmt):
    r = post(client, fmt, description="路灯不亮，请联系我13912345678，身份证440101199001011234", **PERSONAL)
    assert r.status_code == 200
    code = body(r, "service_requests")[0]["service_request_id"]
    for url in (
        f"{V2}/requests/{code}.{fmt}",
        f"{V2}/requests.{fmt}",
        f"{V2}/requests.{fmt}?service_request_id={code}",
    ):
        resp = client.get(url)
        text = resp.content.decode()
        assert code in text
        for field, value in PERSONAL.items():
            assert value not in text, f"{field} leaked through {url}"
        assert "13912345678" not in text and "440101199001011234" not in text
        assert "139****5678" in text  # the description stays, masked


def test_descriptions_of_other_channels_are_not_published(client, setup):
    from shanzhi.cases import services as case_services

    case = case_services.case_create(
        actor=setup["org"].users["admin"],
        source=Case.Source.HOTLINE,
        kind=Case.Kind.HOTLINE,
        description="王先生来电：家门口垃圾没人收",
        category=setup["cats"]["garbage"],
    )
    (req,) = json.loads(client.get(f"{V2}/requests/{case.code}.json").content)
    validate("request", req)
    assert req["description"] is None
    assert "王先生" not in json.dumps(req, ensure_ascii=False)


def test_internal_kinds_are_not_public(client, setup):
    from shanzhi.cases import services as case_services

    case = case_services.case_create(
        actor=setup["org"].users["admin"],
        source=Case.Source.PATROL,
        kind=Case.Kind.FINDING,
        description="巡查发现",
        category=setup["cats"]["garbage"],
    )
    r = client.get(f"{V2}/requests/{case.code}.xml")
    assert r.status_code == 404
    validate("errors", xml_to_data(r.content, "errors"))
    assert case.code not in client.get(f"{V2}/requests.json").content.decode()


def test_get_unknown_request_is_404(client, setup):
    for fmt in ("json", "xml"):
        r = client.get(f"{V2}/requests/SZ000000XXXXXXXX.{fmt}")
        assert r.status_code == 404
        validate("errors", body(r, "errors"))


def test_list_filters_and_window(client, setup):
    g = f.make_request(setup["key"], setup["cats"]["garbage"]).case
    light = f.make_request(setup["key"], setup["cats"]["light"], description="路灯不亮").case
    old = f.make_request(setup["key"], setup["cats"]["garbage"], description="很久以前").case
    Case.objects.filter(pk=old.pk).update(received_at=timezone.now() - datetime.timedelta(days=120))

    def ids(query=""):
        r = client.get(f"{V2}/requests.json{query}")
        assert r.status_code == 200, r.content
        data = json.loads(r.content)
        validate("requests", data)
        return [x["service_request_id"] for x in data]

    assert set(ids()) == {g.code, light.code}  # default window: the last 90 days
    assert ids("?service_code=street-light") == [light.code]
    assert set(ids("?service_code=street-light,garbage")) == {g.code, light.code}
    since = (timezone.now() - datetime.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert old.code in ids(f"?start_date={since}")
    until = (timezone.now() - datetime.timedelta(days=100)).isoformat()
    assert ids("?" + urlencode({"end_date": until})) == [old.code]  # the 90 days up to it
    start = (timezone.now() - datetime.timedelta(days=150)).isoformat()
    assert ids("?" + urlencode({"end_date": until, "start_date": start})) == [old.code]
    # The spec: the two "may not span more than 90 days".
    for fmt in ("json", "xml"):
        r = client.get(f"{V2}/requests.{fmt}?" + urlencode({"end_date": until, "start_date": since}))
        assert r.status_code == 400 and b"90" in r.content
        validate("errors", body(r, "errors"))
    # an unescaped "+08:00" arrives as " 08:00" and is still understood
    local = timezone.localtime(timezone.now() - datetime.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert old.code in ids(f"?start_date={local}")
    # ids override every other parameter
    assert set(ids(f"?service_request_id={old.code},{light.code}&service_code=garbage")) == {old.code, light.code}
    assert ids("?status=closed") == []


def test_list_is_capped(client, setup):
    SiteSetting.objects.create(key="open311.max_requests", value=2)
    conf.clear_cache()
    try:
        for _ in range(3):
            f.make_request(setup["key"], setup["cats"]["garbage"])
        assert len(json.loads(client.get(f"{V2}/requests.json").content)) == 2
    finally:
        conf.clear_cache()


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("start_date=yesterday", "start_date must be a W3C"),
        ("end_date=2023-13-45T00:00:00Z", "end_date must be a W3C"),
        ("start_date=2024-02-01T00:00:00Z&end_date=2024-01-01T00:00:00Z", "start_date is after end_date"),
        ("status=pending", "status must be open or closed"),
        ("jurisdiction_id=nowhere", "jurisdiction_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_list_parameters(client, setup, fmt, query, fragment):
    r = client.get(f"{V2}/requests.{fmt}?{query}")
    assert r.status_code in (400, 404)
    errors = body(r, "errors")
    validate("errors", errors)
    assert any(fragment in e["description"] for e in errors)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_token_lookup(client, setup, fmt):
    record = f.make_request(setup["key"], setup["cats"]["garbage"])
    r = client.get(f"{V2}/tokens/{record.token}.{fmt}")
    assert r.status_code == 200
    data = body(r, "service_requests")
    validate("token", data)
    assert data == [{"service_request_id": record.case.code, "token": record.token}]
    assert client.get(f"{V2}/tokens/nope.{fmt}").status_code == 404


def test_unknown_paths_and_methods_answer_in_spec_format(client, setup):
    r = client.get(f"{V2}/nothing-here.json")
    assert r.status_code == 404
    validate("errors", json.loads(r.content))
    r = client.get(f"{V2}/services.csv")
    assert r.status_code == 404
    validate("errors", xml_to_data(r.content, "errors"))
    r = client.post(f"{V2}/services.json", {})
    assert r.status_code == 405
    validate("errors", json.loads(r.content))
    r = client.delete(f"{V2}/requests.xml")
    assert r.status_code == 405
    validate("errors", xml_to_data(r.content, "errors"))


# ----------------------------------------------------------------------------- the platform side


def test_staff_see_the_case_came_from_open311(client_for, setup):
    r = post(client_for("leader"))
    case = Case.objects.get(code=json.loads(r.content)[0]["service_request_id"])
    page = client_for("community").get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert str(Case.Source.OPEN311.label) in page.content.decode()
    assert case.get_source_display() == "Open311"
    listing = client_for("community").get("/open311/requests/")
    assert case.code in listing.content.decode()


def test_the_public_tracking_page_shows_the_open311_case(client, setup):
    r = post(client)
    code = json.loads(r.content)[0]["service_request_id"]
    page = client.get(f"/cases/track/{code}/")
    assert page.status_code == 200
    assert code in page.content.decode()
    assert "13912345678" not in page.content.decode()


# ------------------------------------------------------------- found by an outside client


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_control_characters_never_reach_the_xml(client, setup, fmt):
    """One POST with a control character made every XML list that included it unreadable."""
    r = post(client, fmt, description="垃圾\x01桶\x0b满溢", address_string="东门\x02")
    assert r.status_code == 200, r.content
    (created,) = body(r, "service_requests")
    case = Case.objects.get(code=created["service_request_id"])
    assert case.description == "垃圾桶满溢" and case.address == "东门"
    # A row stored before: the output leaves them out.
    Case.objects.filter(pk=case.pk).update(description="旧\x01数据")
    for url in (f"{V2}/requests.xml", f"{V2}/requests/{case.code}.xml"):
        data = xml_to_data(client.get(url).content, "service_requests")  # parses: well-formed
        validate("requests", data)
        assert data[0]["description"] == "旧数据"
    # Errors that echo what was sent.
    for url in (f"{V2}/services/a%01b.xml", f"{V2}/requests/A%0BB.xml", f"{V2}/services.xml?jurisdiction_id=a%01b"):
        r = client.get(url)
        assert r.status_code == 404
        validate("errors", xml_to_data(r.content, "errors"))


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "query", ["start_date=0001-01-01T00:00:00%2B08:00", "end_date=0001-01-01", "end_date=9999-12-31T23:59:59-12:00"]
)
def test_dates_out_of_range_are_a_spec_400(client, setup, fmt, query):
    r = client.get(f"{V2}/requests.{fmt}?{query}")
    assert r.status_code == 400, r.content
    validate("errors", body(r, "errors"))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bodies_django_refuses_are_spec_400s(client, setup, settings, fmt):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    many = "&".join(f"a{i}=1" for i in range(60))
    cases = [
        client.get(f"{V2}/requests.{fmt}?{many}"),
        client.post(f"{V2}/requests.{fmt}", f"api_key={f.KEY}&{many}", content_type=FORM),
        client.generic("POST", f"{V2}/requests.{fmt}", b"api_key=x", content_type=f"{FORM}; charset=iso-8859-1"),
    ]
    for r in cases:
        assert r.status_code == 400, r.content
        validate("errors", body(r, "errors"))
    assert not ServiceRequest.all_objects.exists()


def test_a_json_body_is_told_to_use_a_form(client, setup):
    r = client.post(
        f"{V2}/requests.json", {"api_key": f.KEY, "service_code": "garbage"}, content_type="application/json"
    )
    assert r.status_code == 400
    (error,) = body(r, "errors")
    assert "form-encoded" in error["description"]


def test_media_urls_are_published_as_uris(client, setup):
    """An IRI (or a URL with characters RFC 3986 forbids) was published as sent and failed the
    schema's "uri" format."""
    sent = {
        "http://例子.中国/图片.jpg": "http://xn--fsqu00a.xn--fiqs8s/%E5%9B%BE%E7%89%87.jpg",
        "https://example.org/a|b{c}^d": "https://example.org/a%7Cb%7Bc%7D%5Ed",
        "https://example.org/%zz": "https://example.org/%25zz",
        "https://example.org/ok.jpg?x=1": "https://example.org/ok.jpg?x=1",
    }
    for url, expected in sent.items():
        r = post(client, media_url=url)
        assert r.status_code == 200, r.content
        (created,) = json.loads(r.content)
        (one,) = json.loads(client.get(f"{V2}/requests/{created['service_request_id']}.json").content)
        validate("request", one)
        assert one["media_url"] == expected


@pytest.mark.parametrize(
    "text, hidden",
    [
        ("电话+8613812345678", "12345678"),
        ("电话 8613812345678", "12345678"),
        ("电话0086 138 1234 5678", "1234 5678"),
        ("电话138 1234 5678", "1234 5678"),
        ("电话138-1234-5678", "1234-5678"),
        ("邮箱 zhangsan@example.com", "zhangsan"),
    ],
)
def test_published_descriptions_mask_numbers_in_any_spelling_and_emails(client, setup, text, hidden):
    r = post(client, description=text)
    (created,) = json.loads(r.content)
    (one,) = json.loads(client.get(f"{V2}/requests/{created['service_request_id']}.json").content)
    published = one["description"]
    assert hidden not in published and ("****" in published or "***@" in published), published


def test_an_address_id_alone_is_a_location(client, setup):
    r = post(client, lat=None, long=None, address_id="4401-0093")
    assert r.status_code == 200, r.content
    (created,) = json.loads(r.content)
    case = Case.objects.get(code=created["service_request_id"])
    assert "4401-0093" in case.address and case.grid is None


def test_an_address_too_long_is_one_error(client, setup):
    r = post(client, lat=None, long=None, address_string="路" * 301)
    errors = json.loads(r.content)
    assert r.status_code == 400 and len(errors) == 1 and "address_string is longer" in errors[0]["description"]


def test_a_stored_media_url_that_cannot_be_parsed_is_still_published():
    """Stored values pass through `wire.uri` on every GET: a bad port or an over-long host
    label must not raise there (a 500 for the whole list)."""
    from shanzhi.open311.wire import uri

    for value in ("http://例子.中国:abc/x", "http://" + "长" * 70 + ".cn/x"):
        assert uri(value).isascii()

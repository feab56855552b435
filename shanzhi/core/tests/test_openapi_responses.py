"""Real API answers, success and error alike, validated against the OpenAPI schema the site
publishes at /api/schema/ — a client generated from the schema must be able to read them.

Before: the schema listed no 4xx answer at all, the timeline was described as a paginated
envelope with list filters (it answers a plain array), and read-only choices such as
`routed_by` were enums without the "" they hold until the step that fills them.
"""

from __future__ import annotations

import re

import jsonschema
import pytest

from shanzhi.cases.tests.factories import make_case, make_categories


def _json_schema(node):
    """OpenAPI 3.0 → JSON Schema: `nullable` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out and not any(k in out for k in ("oneOf", "anyOf", "allOf", "$ref")):
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture
def openapi(client, db):
    resp = client.get("/api/schema/?format=json", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200, resp.content[:200]
    return _json_schema(resp.json())


def _operation(openapi, method, path):
    for template, item in openapi["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path.split("?")[0]):
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the schema")


def check(openapi, method, path, resp):
    """The answer's status is documented for the operation, and its body fits the schema."""
    responses = _operation(openapi, method, path)["responses"]
    code = str(resp.status_code)
    assert code in responses, f"{method} {path} answered {code}; the schema documents {sorted(responses)}"
    schema = responses[code]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**schema, "components": openapi["components"]})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(resp.json())]
    assert not errors, f"{method} {path} → {code}:\n" + "\n".join(errors[:10])


def test_answers_match_the_published_schema(openapi, api_for, org):
    make_categories(org)
    case = make_case(org)
    staff = api_for("admin")
    answers = [
        ("GET", f"/api/cases/cases/{case.pk}/", staff.get(f"/api/cases/cases/{case.pk}/")),
        ("GET", f"/api/cases/cases/{case.pk}/timeline/", staff.get(f"/api/cases/cases/{case.pk}/timeline/")),
        ("GET", "/api/cases/cases/", staff.get("/api/cases/cases/")),
        ("POST", "/api/cases/cases/", staff.post("/api/cases/cases/", {"description": ""}, format="json")),
        ("GET", "/api/cases/rates/?year=0", staff.get("/api/cases/rates/?year=0")),
        (
            "POST",
            f"/api/cases/cases/{case.pk}/transition/",
            staff.post(f"/api/cases/cases/{case.pk}/transition/", {"action": "reopen"}, format="json"),
        ),
        ("GET", "/api/cases/cases/999999/", staff.get("/api/cases/cases/999999/")),
        ("GET", f"/api/cases/cases/{case.pk}/", api_for("dept", other=True).get(f"/api/cases/cases/{case.pk}/")),
        (
            "DELETE",
            f"/api/orgs/grids/{org.grids['A1'].pk}/",
            api_for("resident").delete(f"/api/orgs/grids/{org.grids['A1'].pk}/"),
        ),
        (
            "DELETE",
            f"/api/orgs/departments/{org.departments['urban'].pk}/",
            staff.delete(f"/api/orgs/departments/{org.departments['urban'].pk}/"),
        ),
    ]
    queued = staff.post(
        "/api/cases/submissions/", {"description": "路灯不亮", "category": "urban-garbage"}, format="json"
    )
    code = queued.json()["code"]
    answers += [
        ("POST", "/api/cases/submissions/", queued),
        ("POST", "/api/cases/submissions/", staff.post("/api/cases/submissions/", {"latitude": 1}, format="json")),
        ("GET", f"/api/cases/submissions/{code}/", staff.get(f"/api/cases/submissions/{code}/")),
        ("GET", "/api/cases/submissions/", staff.get("/api/cases/submissions/")),
        ("GET", f"/api/cases/public/{code}/", staff.get(f"/api/cases/public/{code}/")),  # still queued
    ]
    from rest_framework.test import APIClient

    answers.append(("GET", "/api/cases/cases/", APIClient().get("/api/cases/cases/")))
    codes = {resp.status_code for *_, resp in answers}
    assert {200, 202, 400, 401, 403, 404, 409} <= codes, codes  # every kind of answer is exercised
    for method, path, resp in answers:
        check(openapi, method, path, resp)
    # A case that was routed by nobody yet reads "" — the enum admits it.
    assert staff.get(f"/api/cases/cases/{case.pk}/").json()["callback_satisfaction"] == ""


def test_api_date_times_stay_in_the_range_the_zone_can_write(api_for, org):
    """`POST /api/projects/leads/{id}/log/ {"at": "1800-01-01T00:00"}` was stored and answered
    "1800-01-01T00:00:00+08:05:43": Asia/Shanghai kept local mean time until 1901, an offset
    RFC 3339 (and the schema's date-time) does not allow."""
    from shanzhi.projects.models import LeadActivity
    from shanzhi.projects.tests.factories import make_lead

    lead = make_lead(org)
    c = api_for("admin")
    for at in ("1800-01-01T00:00", "1900-12-31T23:00", "9999-12-31T00:00"):
        r = c.post(f"/api/projects/leads/{lead.pk}/log/", {"summary": "电话联系", "at": at}, format="json")
        assert r.status_code == 400 and "at" in r.json(), (at, r.content)
    assert not LeadActivity.objects.filter(lead=lead, summary="电话联系").exists()
    r = c.post(f"/api/projects/leads/{lead.pk}/log/", {"summary": "电话联系", "at": "1901-01-01T00:00"}, format="json")
    assert r.status_code in (200, 201), r.content
    assert LeadActivity.objects.filter(lead=lead, summary="电话联系").count() == 1
    # Every date-time of the API's model serializers takes the same field.
    from rest_framework import serializers

    from shanzhi.core.api import BaseModelSerializer, DateTimeField

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    checked = 0
    for cls in subclasses(BaseModelSerializer):
        if getattr(cls, "Meta", None) is None:
            continue
        for name, f in cls().fields.items():
            if isinstance(f, serializers.DateTimeField) and not f.read_only:
                assert isinstance(f, DateTimeField), f"{cls.__name__}.{name}"
                checked += 1
    assert checked >= 3, checked

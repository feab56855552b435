"""The admin's Settings page (core.SiteSetting): every key the apps read is listed with its
default and meaning, offered and prefilled when adding; a value is checked by the app owning
the key, with a message saying what is allowed; a key no app reads is refused. And the
third-party apps in the admin's sidebar are named in Chinese on Chinese pages."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from shanzhi.cases import conf
from shanzhi.core import workdays
from shanzhi.core.models import SiteSetting
from shanzhi.core.registry import registry

pytestmark = pytest.mark.django_db
ADD = "/admin/core/sitesetting/add/"
LIST = "/admin/core/sitesetting/"


@pytest.fixture(autouse=True)
def fresh_caches():
    conf.clear_cache()
    workdays.clear_cache()
    yield
    conf.clear_cache()
    workdays.clear_cache()


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def post(client, key, value):
    return client.post(ADD, {"key": key, "value": value, "description": ""})


def form_errors(response, field="value") -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.context["adminform"].form.errors.get(field, []))


# ---------------------------------------------------------------------- ranges of cases.*

# key -> (refused values, a part of the message saying what is allowed)
BAD = {
    # No prediction reaches 1.5: every case went to the dispatch desk.
    "cases.routing_min_confidence": ([1.5, -0.1, "0.5", True], "from 0 to 1"),
    "cases.warn_workhours": ([-5, 2.5, "8"], "0 or more"),
    "cases.sign_workhours": ([0, -1, 1.5], "1 or more"),
    "cases.enterprise_deadline_workdays": ([0, 2.5, 251], "from 1 to 250"),
    "cases.escalate_every_workdays": ([0, -2], "1 or more"),
    "cases.max_escalation_level": ([3, -1, 1.5], "0, 1 or 2"),
    "cases.duplicate_radius_m": ([-1, "150"], "0 or more"),
    "cases.duplicate_days": ([-1, 1.5], "0 or more"),
    "cases.max_photos": ([11, -1, 2.5], "from 0 to 10"),
    "cases.max_photo_bytes": ([0, -1, 51 * 1024 * 1024, 1000], "50 MB"),
    "cases.deadline_workdays_by_nature": (
        [{"help": 0}, {"help": 2.5}, {"help": "10"}, {"gossip": 3}, [2, 10], {"help": -1}, {"help": 251}],
        "from 1 to 250",
    ),
    "cases.code_prefix": (["", "S-Z", "深圳", "ABCDEFGHI", 12], "letters or digits"),
    "cases.auto_dispatch": ([1, "yes", None], "true or false"),
}
GOOD = {
    "cases.routing_min_confidence": [0, 0.3, 1],
    "cases.warn_workhours": [0, 16, 8.0],
    "cases.sign_workhours": [1, 4],
    "cases.enterprise_deadline_workdays": [1, 3],
    "cases.escalate_every_workdays": [1, 2],
    "cases.max_escalation_level": [0, 1, 2],
    "cases.duplicate_radius_m": [0, 75.5, 300],
    "cases.duplicate_days": [0, 14],
    "cases.max_photos": [0, 10],
    "cases.max_photo_bytes": [1024 * 1024, 50 * 1024 * 1024],
    "cases.deadline_workdays_by_nature": [{"help": 1}, {"complaint": 20, "praise": 1}, {}],
    "cases.code_prefix": ["SZ", "Z9", "ABCDEFGH"],
    "cases.auto_dispatch": [True, False],
    "cases.rates": [{"basic_satisfied_weight": 1}],
}


@pytest.mark.parametrize("key", sorted(BAD))
def test_every_cases_key_refuses_a_value_out_of_range_saying_what_is_allowed(key):
    values, message = BAD[key]
    for value in values:
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            conf.validate(key, value)
        assert message in " ".join(exc.value.messages), (value, exc.value.messages)
        # A value like the default is no explanation (it said "A value like 8 is expected").
        assert "A value like" not in " ".join(exc.value.messages)


def test_every_cases_key_has_a_check_its_default_passes_and_the_usual_values_too():
    assert set(BAD) | {"cases.rates"} == set(conf.DEFAULTS)  # a new key gets its own check here
    for key, default in conf.DEFAULTS.items():
        conf.validate(key, default)
        for value in GOOD.get(key, []):
            conf.validate(key, value)
        with pytest.raises(ValidationError):
            conf.validate(key, None)


def test_the_rates_checks_are_kept():
    for bad in ({"weight_response": "abc"}, {"weight_response": 0.5}, {"basic_satisfied_weight": 1.2}, {"x": 1}):
        with pytest.raises(ValidationError):
            conf.validate("cases.rates", bad)


def test_the_admin_refuses_a_threshold_no_prediction_reaches(admin_client):
    r = post(english(admin_client), "cases.routing_min_confidence", "1.5")
    assert "from 0 to 1" in form_errors(r)
    r = post(admin_client, "cases.warn_workhours", "-5")
    assert "0 or more" in form_errors(r)
    assert not SiteSetting.objects.filter(key__startswith="cases.").exists()
    r = post(admin_client, "cases.routing_min_confidence", "0.7")
    assert r.status_code == 302
    assert conf.get("cases.routing_min_confidence") == 0.7


def test_the_range_messages_are_translated():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        conf.validate("cases.routing_min_confidence", 1.5)
    assert "dispatch desk" not in exc.value.messages[0] and "0" in exc.value.messages[0]


# ---------------------------------------------------------------------- the Settings admin


def test_the_add_page_lists_every_known_key_with_its_default_and_meaning(admin_client):
    page = english(admin_client).get(ADD).content.decode()
    for key in [*conf.DEFAULTS, workdays.OFFICE_HOURS_KEY]:
        assert f"<code>{key}</code>" in page, key
    assert "Below this classifier confidence" in page
    assert "<code>0.55</code>" in page
    assert json.dumps(workdays.DEFAULT_OFFICE_HOURS) in page
    # In Chinese, the meanings are Chinese.
    page = chinese(admin_client).get(ADD).content.decode()
    assert "<code>cases.routing_min_confidence</code>" in page
    assert "Below this classifier confidence" not in page


def test_the_list_shows_the_known_keys_even_when_none_is_set(admin_client):
    SiteSetting.objects.create(key="cases.max_photos", value=5)
    page = english(admin_client).get(LIST).content.decode()
    assert "<code>cases.warn_workhours</code>" in page and "Warn the handler" in page
    row = SiteSetting.objects.get(key="cases.max_photos")
    assert f"/admin/core/sitesetting/{row.pk}/change/" in page  # a key set links to its row
    assert f"{ADD}?key=cases.warn_workhours" in page  # a key not set links to the add page


def test_the_add_form_offers_the_keys_not_yet_set_and_prefills_the_default(admin_client):
    SiteSetting.objects.create(key="cases.max_photos", value=5)
    r = english(admin_client).get(ADD)
    form = r.context["adminform"].form
    page = r.content.decode()
    assert 'list="sitesetting-keys"' in page
    assert '<option value="cases.warn_workhours">' in page
    assert '<option value="cases.max_photos">' not in page  # already set
    assert form["value"].value() in (None, "")
    assert "null</textarea>" not in page
    r = admin_client.get(ADD, {"key": "cases.deadline_workdays_by_nature"})
    value = r.context["adminform"].form["value"].value()
    assert json.loads(value) == conf.DEFAULTS["cases.deadline_workdays_by_nature"]
    assert "&quot;complaint&quot;: 15" in r.content.decode()


def test_an_empty_value_reaches_the_keys_own_check(admin_client):
    english(admin_client)
    assert "at least one period" in form_errors(post(admin_client, workdays.OFFICE_HOURS_KEY, "[]"))
    assert "list of periods" in form_errors(post(admin_client, workdays.OFFICE_HOURS_KEY, ""))
    assert "from 1 to 250" in form_errors(post(admin_client, "cases.deadline_workdays_by_nature", "[]"))
    assert "letters or digits" in form_errors(post(admin_client, "cases.code_prefix", '""'))
    assert not SiteSetting.objects.exists()


def test_a_key_no_app_reads_is_refused(admin_client):
    r = post(english(admin_client), "foo.bar", "1")
    assert "Unknown setting" in form_errors(r, "key")
    r = post(admin_client, "cases.no_such_key", "1")
    assert "Unknown setting" in form_errors(r)
    assert not SiteSetting.objects.exists()


def test_existing_rows_stay_editable(admin_client):
    row = SiteSetting.objects.create(key="cases.warn_workhours", value=8)
    url = f"/admin/core/sitesetting/{row.pk}/change/"
    page = english(admin_client).get(url).content.decode()
    assert ">\n8</textarea>" in page
    r = admin_client.post(url, {"key": "foo.bar", "value": "-5", "description": ""})
    assert "0 or more" in form_errors(r)
    r = admin_client.post(url, {"key": "foo.bar", "value": "4", "description": "a shorter warning"})
    assert r.status_code == 302
    row.refresh_from_db()
    assert (row.key, row.value) == ("cases.warn_workhours", 4)  # the key is not renamed
    assert conf.get("cases.warn_workhours") == 4
    # A row stored before keys were checked is still editable, never emptied.
    old = SiteSetting.objects.create(key="legacy.thing", value=1)
    url = f"/admin/core/sitesetting/{old.pk}/change/"
    assert form_errors(admin_client.post(url, {"value": "", "description": ""}))
    assert admin_client.post(url, {"value": "2", "description": ""}).status_code == 302


def test_every_known_key_has_a_translated_description():
    known = registry.known_settings()
    assert {k.key for k in known} >= {*conf.DEFAULTS, workdays.OFFICE_HOURS_KEY}
    for k in known:
        with translation.override("en"):
            english_text = str(k.description)
        with translation.override("zh-hans"):
            assert english_text and str(k.description) != english_text, k.key


# ---------------------------------------------------------------------- the admin's sidebar

THIRD_PARTY = [
    ">Axes<",
    "Access attempts",
    "Access failures",
    "Access logs",
    "Tasks Database Backend",
    "Task Results",
]


def test_the_third_party_apps_are_named_in_chinese_on_chinese_pages(admin_client):
    page = chinese(admin_client).get("/admin/").content.decode()
    assert "/admin/axes/accessattempt/" in page and "/admin/django_tasks_database/dbtaskresult/" in page
    for text in THIRD_PARTY:
        assert text not in page, text
    assert "访问尝试" in page and "任务结果" in page
    page = english(admin_client).get("/admin/").content.decode()
    for text in ["Access attempts", "Access failures", "Access logs", "Task Results", "Login lockouts"]:
        assert text in page, text

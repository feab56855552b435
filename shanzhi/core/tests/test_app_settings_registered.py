"""Every app that reads `core.SiteSetting` keys registers them: the admin's Settings page lists
each key with its default, checks a value with the owning app's rules (saying what is allowed),
refuses a key no app reads, and applies a change at once. Open311, field work, projects and
plans read keys that the strict admin refused to add, because they had not registered them."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from shanzhi.core.models import SiteSetting
from shanzhi.core.registry import registry
from shanzhi.fieldwork import conf as fieldwork_conf
from shanzhi.open311 import conf as open311_conf
from shanzhi.plans import rules as plan_rules
from shanzhi.projects import conf as projects_conf

pytestmark = pytest.mark.django_db  # the cache is the database
ADD = "/admin/core/sitesetting/add/"
ROOT = Path(__file__).resolve().parents[2]

# Every key each app reads, with its default (field work names its rows "fieldwork.<name>").
READ_KEYS = {
    "open311": dict(open311_conf.DEFAULTS),
    "fieldwork": {f"fieldwork.{name}": value for name, value in fieldwork_conf.DEFAULTS.items()},
    "projects": dict(projects_conf.DEFAULTS),
    "plans": {plan_rules.SETTING_KEY: plan_rules.DEFAULT_RULES},
}

# app -> (key, a good value, a bad value, part of the message saying what is allowed)
CHECKS = {
    "open311": [
        ("open311.publish_descriptions", "all", "some", '"open311", "all", "none"'),
        ("open311.public_kinds", ["request"], ["request", "gossip"], "kinds of case"),
        ("open311.public_kinds", ["request", "finding"], ["request", "enterprise"], "stay internal"),
        ("open311.default_days", 30, 0, "from 1 to 3650"),
        ("open311.jurisdiction_id", "xiqu.zs.gd.cn", "xi qu", "without spaces"),
    ],
    "fieldwork": [
        ("fieldwork.wish_prefix", "WY", "W-X", "letters or digits"),
        ("fieldwork.ack_minutes", 10, 0, "from 1 to 1440"),
        ("fieldwork.photo_max_bytes", 2 * 1024 * 1024, 100, "1048576 (1 MB)"),
        ("fieldwork.finding_workdays", 7, 61, "from 1 to 60"),
    ],
    "projects": [
        ("projects.stage_skip_allowed", [["planning", "started"]], [["planning", "nowhere"]], "[from, to] pairs"),
        ("projects.votes_per_ip_per_day", 3, 0, "1 or more"),
        ("projects.lead_stale_days", 60, 2.5, "from 1 to 3650"),
    ],
    "plans": [
        ("plans.rules", {"report_day": 20}, {"report_day": 31}, "between 1 and 28"),
        ("plans.rules", {"score_base": 90}, {"score_base": "90"}, "must be a whole number"),
        ("plans.rules", {"behind_red_points": 30}, {"no_such_rule": 1}, "Unknown rule"),
    ],
}
ALL_CHECKS = [(app, *check) for app, checks in CHECKS.items() for check in checks]


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post(client, key, value):
    return client.post(ADD, {"key": key, "value": json.dumps(value), "description": ""})


def form_errors(response, field="value") -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.context["adminform"].form.errors.get(field, []))


def read(key, like):
    """What the owning app's readers now see (of the rules, those in `like`)."""
    if key.startswith("open311."):
        return open311_conf.get(key)
    if key.startswith("fieldwork."):
        return fieldwork_conf.get(key.removeprefix("fieldwork."))
    if key.startswith("projects."):
        return projects_conf.get_setting(key)
    current = plan_rules.current_rules()
    return {k: current[k] for k in like}


@pytest.fixture(autouse=True)
def fresh_caches():
    open311_conf.clear_cache()
    yield
    open311_conf.clear_cache()


@pytest.mark.parametrize("app", sorted(READ_KEYS))
def test_every_key_an_app_reads_is_known_with_its_default(app):
    known = {k.key: k.default for k in registry.known_settings()}
    for key, default in READ_KEYS[app].items():
        assert key in known, key
        assert known[key] == default, key
        registry.settings_for(key)[0](key, default)  # the default passes the app's own check


def test_the_add_page_lists_the_keys_of_every_app(admin_client):
    page = english(admin_client).get(ADD).content.decode()
    for keys in READ_KEYS.values():
        for key in keys:
            assert f"<code>{key}</code>" in page, key
    assert "Kinds of case Open311 shows." in page


@pytest.mark.parametrize(("app", "key", "good", "bad", "message"), ALL_CHECKS, ids=[c[1] for c in ALL_CHECKS])
def test_the_admin_refuses_a_bad_value_saying_what_is_allowed_and_saves_a_good_one(
    admin_client, app, key, good, bad, message
):
    r = post(english(admin_client), key, bad)
    assert message in form_errors(r)
    assert not SiteSetting.objects.filter(key=key).exists()
    r = post(admin_client, key, good)
    assert r.status_code == 302, form_errors(r)
    assert SiteSetting.objects.get(key=key).value == good
    assert read(key, good) == good


@pytest.mark.parametrize(("app", "key", "good", "bad", "message"), ALL_CHECKS, ids=[c[1] for c in ALL_CHECKS])
def test_the_messages_are_translated(app, key, good, bad, message):
    hooks = registry.settings_for(key)
    assert hooks is not None, key
    said = {}
    for language in ("en", "zh-hans"):
        with translation.override(language), pytest.raises(ValidationError) as exc:
            hooks[0](key, bad)
        said[language] = " ".join(exc.value.messages)
    assert message in said["en"] and said["zh-hans"] != said["en"]


@pytest.mark.parametrize("key", ["open311.no_such_key", "fieldwork.no_such_key", "projects.no_such_key", "plans.other"])
def test_an_unknown_key_under_each_prefix_is_refused(admin_client, key):
    r = post(english(admin_client), key, 1)
    assert "Unknown setting" in form_errors(r) + form_errors(r, "key")
    # The app's own check says which keys there are (not only the admin's list of prefixes).
    assert "the settings are" in form_errors(r)
    assert not SiteSetting.objects.filter(key=key).exists()


def test_saving_an_open311_value_clears_its_cache(admin_client):
    assert open311_conf.get("open311.max_requests") == 1000  # cached now
    r = post(admin_client, "open311.max_requests", 5)
    assert r.status_code == 302, form_errors(r)
    assert open311_conf.get("open311.max_requests") == 5
    # And when a row is changed (an existing row was editable before, but its change waited
    # for the cache to expire).
    row = SiteSetting.objects.get(key="open311.max_requests")
    r = admin_client.post(f"/admin/core/sitesetting/{row.pk}/change/", {"value": "7", "description": ""})
    assert r.status_code == 302, form_errors(r)
    assert open311_conf.get("open311.max_requests") == 7


def test_every_registered_key_has_a_registered_prefix():
    """A key listed without its prefix's check would be refused when an administrator adds it."""
    assert sorted(registry.setting_keys) == [k.key for k in registry.known_settings()]


READS = re.compile(r"SiteSetting\.objects\.\w+\(")


def test_every_app_that_reads_site_settings_registers_a_check():
    """An app whose code queries SiteSetting owns a registered prefix (its validator lives in
    the app), so that an administrator can add the keys it reads."""
    owners = {validate.__module__.split(".")[1] for validate, _changed in registry.settings.values()}
    readers = set()
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(rel.parts):
            continue
        if READS.search(path.read_text(encoding="utf-8")):
            readers.add(rel.parts[0])
    assert readers >= {"open311", "fieldwork", "projects", "plans"}
    assert readers <= owners, readers - owners


def test_the_kinds_open311_may_publish_are_kinds_of_case():
    from shanzhi.cases.models import Case

    assert set(open311_conf.PUBLISHABLE_KINDS) <= set(Case.Kind.values)
    assert set(open311_conf.DEFAULTS["open311.public_kinds"]) <= set(open311_conf.PUBLISHABLE_KINDS)

"""The category taxonomy and the keyword rules refuse what leaves them inconsistent: a top-level
category deleted from under its sub-categories, a rule without a keyword or pointing at a
top-level or switched-off category, a deadline in both days and hours (or of 0)."""

import pytest
from django.core.exceptions import ValidationError

from shanzhi.cases.forms import CategoryForm, KeywordRuleForm
from shanzhi.cases.models import Category, KeywordRule
from shanzhi.cases.tests.factories import make_case, make_categories
from shanzhi.core import services as core_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def cats(org):
    return make_categories(org)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ----------------------------------------------------------------------------- deletion


def test_a_top_level_category_with_sub_categories_is_not_deleted(api_for, client_for, org, cats):
    """Deleting 城乡建设 left its three sub-categories active, orphaned, and still offered at
    intake."""
    top = cats["top"]
    c = client_for("admin")
    c.cookies["django_language"] = "en"
    r = c.post(f"/cases/categories/{top.pk}/delete/", {"reason": "merged"}, follow=True)
    assert any("3 sub-categories are still in use under it" in m for m in _messages(r)), _messages(r)
    assert Category.objects.filter(pk=top.pk).exists()

    r = api_for("admin").delete(f"/api/cases/categories/{top.pk}/?reason=merged")
    assert r.status_code == 409, r.content
    assert "其下还有 3 个二级分类在用" in r.json()["detail"], r.json()

    # A switched-off sub-category still holds it: it would be left under a deleted parent.
    Category.objects.filter(pk__in=[cats["garbage"].pk, cats["clinic"].pk]).update(is_active=False)
    assert api_for("admin").delete(f"/api/cases/categories/{top.pk}/?reason=merged").status_code == 409

    for key in ("garbage", "clinic", "other"):
        core_services.soft_delete(cats[key], actor=org.users["admin"], reason="merged")
    assert api_for("admin").delete(f"/api/cases/categories/{top.pk}/?reason=merged").status_code == 204
    assert not Category.objects.filter(pk=top.pk).exists()


def test_a_sub_category_can_still_be_deleted(api_for, org, cats):
    make_case(org, category=cats["garbage"])  # open: it keeps its category
    assert api_for("admin").delete(f"/api/cases/categories/{cats['garbage'].pk}/?reason=x").status_code == 204


def test_the_delete_page_tells_how_many_open_cases_use_the_category(client_for, org, cats):
    make_case(org, category=cats["garbage"])
    make_case(org, category=cats["garbage"])
    make_case(org, category=cats["garbage"], status="closed")
    c = client_for("admin")
    zh = c.get(f"/cases/categories/{cats['garbage'].pk}/delete/")
    assert "有 2 件未办结案件使用此分类" in zh.content.decode()
    c.cookies["django_language"] = "en"
    page = c.get(f"/cases/categories/{cats['garbage'].pk}/delete/")
    quiet = c.get(f"/cases/categories/{cats['other'].pk}/delete/")
    assert page.status_code == 200
    assert page.context["consequences"] == [
        "2 open cases use this category: they keep it, but new cases can no longer choose it."
    ]
    assert b'data-testid="delete-consequences"' in page.content
    assert quiet.context["consequences"] == []
    assert b'data-testid="delete-consequences"' not in quiet.content


# ----------------------------------------------------------------------------- keyword rules


def _rule_data(org, **kw) -> dict:
    data = {"name": "燃气", "keywords": "燃气泄漏", "department": org.departments["health"].pk, "priority": 10}
    data.update(kw)
    return data


@pytest.mark.parametrize("keywords", [",,，", " , ，, "])
def test_a_keyword_rule_needs_a_real_keyword(api_for, org, cats, keywords):
    r = api_for("admin").post("/api/cases/keyword-rules/", _rule_data(org, keywords=keywords), format="json")
    assert r.status_code == 400 and "keywords" in r.json(), r.content
    form = KeywordRuleForm(data=_rule_data(org, keywords=keywords))
    assert not form.is_valid() and "keywords" in form.errors
    assert not KeywordRule.objects.exists()
    r = api_for("admin").post("/api/cases/keyword-rules/", _rule_data(org, keywords="，燃气泄漏,,"), format="json")
    assert r.status_code == 201, r.content


def test_a_keyword_rule_points_at_a_sub_category_only(api_for, org, cats):
    top = cats["top"]
    r = api_for("admin").post("/api/cases/keyword-rules/", _rule_data(org, category=top.pk), format="json")
    assert r.status_code == 400 and "category" in r.json(), r.content
    rule = KeywordRule(name="x", keywords="燃气", department=org.departments["health"], category=top)
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert "category" in exc.value.message_dict
    r = api_for("admin").post("/api/cases/keyword-rules/", _rule_data(org, category=cats["clinic"].pk), format="json")
    assert r.status_code == 201, r.content


def test_the_rule_form_offers_only_active_sub_categories(api_for, org, cats):
    off = Category.objects.create(code="urban-off", name="停用", parent=cats["top"], is_active=False)
    gone = Category.objects.create(code="urban-gone", name="已删", parent=cats["top"])
    core_services.soft_delete(gone, actor=org.users["admin"], reason="x")
    offered = set(KeywordRuleForm().fields["category"].queryset)
    assert offered == {cats["garbage"], cats["clinic"], cats["other"]}

    r = api_for("admin").post("/api/cases/keyword-rules/", _rule_data(org, category=off.pk), format="json")
    assert r.status_code == 400 and "category" in r.json(), r.content

    # A rule whose category was switched off since: editing it shows and keeps that category.
    rule = KeywordRule.objects.create(
        name="旧规则", keywords="停用", department=org.departments["health"], category=off
    )
    form = KeywordRuleForm(instance=rule)
    assert off in form.fields["category"].queryset and cats["top"] not in form.fields["category"].queryset
    form = KeywordRuleForm(data=_rule_data(org, name="改名", category=off.pk), instance=rule)
    assert form.is_valid(), form.errors
    r = api_for("admin").patch(f"/api/cases/keyword-rules/{rule.pk}/", {"name": "改名"}, format="json")
    assert r.status_code == 200, r.content
    r = api_for("admin").put(f"/api/cases/keyword-rules/{rule.pk}/", _rule_data(org, category=off.pk), format="json")
    assert r.status_code == 200, r.content
    rule.refresh_from_db()
    assert rule.category_id == off.pk


# ----------------------------------------------------------------------------- deadlines


def _category_data(cats, **kw) -> dict:
    data = {"code": "urban-new", "name": "新", "parent": cats["top"].pk, "priority": 2, "sort_order": 100}
    data.update(kw)
    return data


@pytest.mark.parametrize(
    ("days", "hours", "field"),
    [(3, 24, "deadline_workhours"), (None, 0, "deadline_workhours"), (0, None, "deadline_workdays")],
    ids=["both", "zero-hours", "zero-days"],
)
def test_a_category_deadline_is_in_days_or_in_hours(api_for, cats, days, hours, field):
    data = _category_data(cats, deadline_workdays=days, deadline_workhours=hours)
    r = api_for("admin").post("/api/cases/categories/", data, format="json")
    assert r.status_code == 400 and field in r.json(), r.content
    form = CategoryForm(data={k: v for k, v in data.items() if v is not None})
    assert not form.is_valid() and field in form.errors
    assert not Category.objects.filter(code="urban-new").exists()


@pytest.mark.parametrize(("days", "hours"), [(3, None), (None, 24), (None, None)])
def test_one_deadline_or_none_is_fine(api_for, cats, days, hours):
    data = _category_data(cats, deadline_workdays=days, deadline_workhours=hours)
    r = api_for("admin").post("/api/cases/categories/", data, format="json")
    assert r.status_code == 201, r.content


def test_the_factories_categories_pass_the_checks(cats):
    for category in cats.values():
        category.full_clean()


# ----------------------------------------------------------------------------- category list


def test_the_category_list_filters_active_and_switched_off(client_for, cats):
    Category.objects.filter(pk=cats["other"].pk).update(is_active=False)
    c = client_for("admin")
    off = c.get("/cases/categories/?is_active=false")
    on = c.get("/cases/categories/?is_active=true")
    every = c.get("/cases/categories/")
    assert [row[0] for row in off.context["rows"]] == [cats["other"]]
    assert cats["other"] not in [row[0] for row in on.context["rows"]]
    assert len(on.context["rows"]) == 3
    assert len(every.context["rows"]) == 4
    assert "is_active" in every.context["filterset"].form.fields


# ----------------------------------------------------------------------------- intake


@pytest.mark.parametrize("closed", ["switched_off", "deleted"])
def test_sub_categories_under_a_closed_top_category_are_out_of_intake(api_for, client_for, org, cats, closed):
    """A top category switched off, or deleted before the deletion blocker existed (its
    sub-categories orphaned), took its sub-categories out of nothing: the forms, the
    suggestions, the API and the import still offered and accepted them."""
    from shanzhi.cases import router, services
    from shanzhi.core.errors import ImportRowError

    top, garbage = cats["top"], cats["garbage"]
    change = {"is_active": False} if closed == "switched_off" else {"is_deleted": True}
    Category.all_objects.filter(pk=top.pk).update(**change)
    router.clear_caches()  # (an update() sends no signal)
    for url in ("/cases/submit/", "/cases/new/"):
        form = client_for("community").get(url).context["form"]
        assert garbage not in form.fields["category"].queryset, url
    r = api_for("community").post(
        "/api/cases/cases/", {"description": "垃圾没人清", "category": garbage.code}, format="json"
    )
    assert r.status_code == 400 and "已停用或已删除" in str(r.json()["category"]), r.content
    with pytest.raises(ImportRowError) as exc:
        services.cases_import(rows=[{"description": "垃圾没人清", "category": garbage.code}], actor=org.users["admin"])
    assert exc.value.row == 2
    rule_choices = KeywordRule.category_choices()
    assert garbage not in rule_choices
    # a rule that already points there keeps its category when edited
    assert garbage in KeywordRule.category_choices(current_id=garbage.pk)

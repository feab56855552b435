"""Routing of a case: location → grid → community (point in polygon), text → department
(keyword rules first, then the category's default department, then the text classifier
trained from assigned cases). Anything uncertain goes to the dispatch desk with the reason —
never a silent wrong assignment.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_noop

from shanzhi.cases import conf
from shanzhi.cases.models import Case, Category, KeywordRule, RoutingModel
from shanzhi.cases.routing.classifier import Prediction, TextClassifier
from shanzhi.core.texts import Text
from shanzhi.orgs.models import Department, Grid

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_models: dict[str, tuple[int | None, TextClassifier | None]] = {}
_checked: dict[str, float] = {}
_rules: dict[str, tuple[float, list[tuple[list[str], int, int | None, str]]]] = {}
CACHE_SECONDS = 30


@dataclass
class Decision:
    grid: Grid | None = None
    community_id: int | None = None
    department: Department | None = None
    category: Category | None = None
    suggested_category: Category | None = None
    routed_by: str = ""
    confidence: float | None = None
    reasons: list[Text] = field(default_factory=list)
    confident: bool = True  # False: left at the dispatch desk for a person to decide

    @property
    def reason(self) -> Text:
        """The reasons as one text, shown in the reader's language."""
        return Text.join(self.reasons)


# In-process reference data for intake (categories, departments, grids, the grid locator,
# working-day deadlines): read per case, changed rarely. Each entry lives LOOKUP_SECONDS at
# most (other processes' edits), and a save or delete in this process clears it at once.
LOOKUP_SECONDS = 5
_lookups: dict[str, tuple[float, Any]] = {}


def clear_caches(*_args, **_kwargs) -> None:
    with _lock:
        _models.clear()
        _checked.clear()
        _rules.clear()
        _lookups.clear()


def _cached(key: str, build: Callable[[], Any]) -> Any:
    now = time.monotonic()
    hit = _lookups.get(key)
    if hit is not None and now - hit[0] < LOOKUP_SECONDS:
        return hit[1]
    value = build()
    _lookups[key] = (now, value)
    return value


def categories_by_code() -> dict[str, Category]:
    """Active, live categories by code (with parent and default department loaded)."""
    return _cached(
        "categories",
        lambda: {
            c.code: c for c in Category.objects.filter(is_active=True).select_related("parent", "default_department")
        },
    )


def category_by_pk(pk: int | None) -> Category | None:
    if pk is None:
        return None
    by_pk = _cached("categories_pk", lambda: {c.pk: c for c in categories_by_code().values()})
    return by_pk.get(pk) or Category.objects.filter(pk=pk).select_related("parent", "default_department").first()


def _departments() -> dict[str, dict]:
    def build():
        rows = list(Department.objects.all())
        return {"pk": {d.pk: d for d in rows}, "code": {d.code: d for d in rows}}

    return _cached("departments", build)


def department_by_pk(pk: int | None) -> Department | None:
    return _departments()["pk"].get(pk) if pk is not None else None


def department_by_code(code: str) -> Department | None:
    return _departments()["code"].get(code)


def grid_by_pk(pk: int | None) -> Grid | None:
    if pk is None:
        return None
    grids = _cached("grids", lambda: {g.pk: g for g in Grid.objects.select_related("community")})
    return grids.get(pk) or Grid.objects.filter(pk=pk).select_related("community").first()


def workday_deadline(start, days: int):
    """`workdays.deadline_after(start, workdays=days)`, memoised by local date (the result is
    the end of a working day, so only the date matters), on a calendar snapshot kept for the
    lookup period like the rest (a calendar override clears it at once)."""
    from django.utils import timezone

    from shanzhi.core import workdays

    memo = _cached("deadlines", dict)
    local = timezone.localtime(start)
    key = (local.date(), days)
    deadline = memo.get(key)
    if deadline is None:
        calendar = _cached("calendar", workdays.Calendar)
        deadline = memo[key] = calendar.day_deadline(local.date(), days, local.tzinfo)
    return deadline


def classifier(target: str) -> TextClassifier | None:
    """The active trained model for `target`, loaded once and reloaded when a newer one is stored."""
    now = time.monotonic()
    cached = _models.get(target)
    if cached and now - _checked.get(target, 0) < CACHE_SECONDS:
        return cached[1]
    latest = RoutingModel.objects.filter(target=target, is_active=True).values_list("pk", flat=True).first()
    with _lock:
        _checked[target] = now
        if latest is None:
            _models[target] = (None, None)  # remembered too: no query per case until a model exists
            return None
        if cached and cached[0] == latest:
            return cached[1]
        row = RoutingModel.objects.get(pk=latest)
        try:
            model = TextClassifier.from_bytes(bytes(row.data))
        except ValueError:  # a format this version cannot read: route without it (dispatch desk)
            logger.exception("Routing model %s cannot be loaded; retrain it (manage.py train_routing)", latest)
            model = None
        _models[target] = (latest, model)
        return model


def keyword_rules() -> list[tuple[list[str], int, int | None, str]]:
    now = time.monotonic()
    cached = _rules.get("rules")
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    rules = [
        (r.keyword_list(), r.department_id, r.category_id, r.name)
        for r in KeywordRule.objects.filter(is_active=True).order_by("priority", "id")
    ]
    _rules["rules"] = (now, rules)
    return rules


def dispatch_desk() -> Department | None:
    return _cached(
        "desk", lambda: Department.objects.filter(kind=Department.Kind.DISPATCH).order_by("sort_order", "pk").first()
    )


def department_staff_ids(department_id: int) -> tuple[int, ...]:
    """Active staff of a department (who is told of a new case), remembered like the rest."""
    from shanzhi.accounts.models import User

    return _cached(
        f"staff:{department_id}",
        lambda: tuple(
            User.objects.filter(role="dept", department_id=department_id, is_active=True).values_list("pk", flat=True)
        ),
    )


def _fmt_terms(pred: Prediction) -> str:
    return "、".join(t for t, _c in pred.reason_terms[:4])


def grid_locator():
    """The orgs grid locator, re-checked for grid changes at most every LOOKUP_SECONDS."""
    from shanzhi.orgs.selectors import grid_locator as build

    return _cached("locator", build)


def locate(lon: float | None, lat: float | None) -> Grid | None:
    if lon is None or lat is None:
        return None
    return grid_by_pk(grid_locator().locate(lon, lat))


def route(
    *,
    text: str,
    category: Category | None = None,
    longitude: float | None = None,
    latitude: float | None = None,
    grid: Grid | None = None,
    department: Department | None = None,
) -> Decision:
    d = Decision(category=category)
    min_conf = float(conf.get("cases.routing_min_confidence"))

    # Where: the grid, then its community.
    if grid is not None:
        d.grid = grid
        d.reasons.append(Text(gettext_noop("grid given: %(g)s"), g=grid.name))
    elif longitude is not None and latitude is not None:
        d.grid = locate(longitude, latitude)
        if d.grid is None:
            d.confident = False
            d.reasons.append(Text(gettext_noop("the location is outside every grid")))
        else:
            d.reasons.append(Text(gettext_noop("location in grid %(g)s"), g=d.grid.name))
    else:
        d.confident = False
        d.reasons.append(Text(gettext_noop("no map location: the dispatch desk places it")))
    if d.grid is not None:
        d.community_id = d.grid.community_id

    # Category suggestion when none was chosen.
    if category is None and text:
        model = classifier(RoutingModel.Target.CATEGORY)
        if model is not None:
            pred = model.predict(text)
            cat = categories_by_code().get(pred.label)
            if cat is not None:
                d.suggested_category = cat
                if pred.confidence >= min_conf:
                    d.category = cat
                    d.reasons.append(
                        Text(
                            gettext_noop("category %(c)s suggested (%(p).0f%%)"),
                            c=str(cat),
                            p=round(pred.confidence * 100, 1),
                        )
                    )

    # Who: a person's choice, keyword rules, the category's department, the classifier.
    if department is not None:
        d.department, d.routed_by = department, Case.RoutedBy.MANUAL
        d.reasons.append(Text(gettext_noop("department chosen by staff")))
        return d
    for keywords, dept_id, cat_id, name in keyword_rules():
        hit = next((k for k in keywords if k and k in text), None)
        if hit:
            d.department = department_by_pk(dept_id)
            d.routed_by = Case.RoutedBy.RULE
            d.confidence = 1.0
            if cat_id and d.category is None:
                d.category = category_by_pk(cat_id)
            d.reasons.append(Text(gettext_noop("keyword rule “%(r)s”: “%(k)s”"), r=name, k=hit))
            break
    if d.department is None and d.category is not None and d.category.default_department_id:
        d.department = department_by_pk(d.category.default_department_id) or d.category.default_department
        d.routed_by = Case.RoutedBy.CATEGORY
        d.reasons.append(Text(gettext_noop("default department of category %(c)s"), c=str(d.category)))
    if d.department is None:
        model = classifier(RoutingModel.Target.DEPARTMENT)
        pred = model.predict(text) if model is not None and text else None
        dept = department_by_code(pred.label) if pred else None
        if pred is None:
            d.confident = False
            d.reasons.append(Text(gettext_noop("no trained routing model yet")))
        elif dept is None:
            d.confident = False
            d.reasons.append(Text(gettext_noop("the model suggests an unknown department %(d)s"), d=pred.label))
        else:
            d.confidence = pred.confidence
            terms = _fmt_terms(pred)
            if pred.confidence >= min_conf:
                d.department, d.routed_by = dept, Case.RoutedBy.CLASSIFIER
                d.reasons.append(
                    Text(
                        gettext_noop("text classifier: %(d)s (%(p).0f%%; words: %(t)s)"),
                        d=dept.name,
                        p=round(pred.confidence * 100, 1),
                        t=terms,
                    )
                )
            else:
                d.confident = False
                d.reasons.append(
                    Text(
                        gettext_noop("low confidence: %(d)s only %(p).0f%% (words: %(t)s)"),
                        d=dept.name,
                        p=round(pred.confidence * 100, 1),
                        t=terms,
                    )
                )
    if not d.confident or d.department is None:
        suggestion = d.department
        d.department = dispatch_desk()
        d.routed_by = Case.RoutedBy.DISPATCH
        d.confident = False
        if suggestion is not None and suggestion != d.department:
            d.reasons.append(Text(gettext_noop("suggested department: %(d)s"), d=suggestion.name))
        d.reasons.append(Text(gettext_noop("sent to the dispatch desk")))
    return d


def _connect_invalidation() -> None:
    from shanzhi.accounts.models import User
    from shanzhi.core.models import CalendarOverride, SiteSetting

    for model in (Category, Department, Grid, KeywordRule, RoutingModel, CalendarOverride, User):
        post_save.connect(clear_caches, sender=model, dispatch_uid=f"cases-router-{model.__name__}")
        post_delete.connect(clear_caches, sender=model, dispatch_uid=f"cases-router-del-{model.__name__}")
    # A setting (the office hours, which the cached calendar holds) clears the lookups only: the
    # classifiers stay loaded.
    post_save.connect(_clear_lookups, sender=SiteSetting, dispatch_uid="cases-router-SiteSetting")
    post_delete.connect(_clear_lookups, sender=SiteSetting, dispatch_uid="cases-router-del-SiteSetting")


def _clear_lookups(*_args, **_kwargs) -> None:
    with _lock:
        _lookups.clear()


_connect_invalidation()

"""Cases for the cockpit's tests, written straight into the case table (the rollup reads the
table; the case workflow itself is the cases app's to test)."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from shanzhi.cases.models import Case, Category

_seq = itertools.count(1)


def category(code: str, name: str, parent: Category | None = None) -> Category:
    return Category.objects.create(code=code, name=name, parent=parent)


def case(
    *,
    received_at: datetime.datetime,
    community=None,
    grid=None,
    department=None,
    category=None,
    status: str = Case.Status.IN_PROGRESS,
    deadline: datetime.datetime | None = None,
    callback: str | None = None,
    nature: str = Case.Nature.HELP,
    **extra,
) -> Case:
    """callback: None (no valid call-back) or "satisfied" / "basic" / "unsatisfied", optionally with
    "-unresolved" (e.g. "basic-unresolved")."""
    fields = dict(
        code=f"TC{next(_seq):08d}",
        description="测试诉求",
        received_at=received_at,
        community=community,
        grid=grid,
        department=department,
        category=category,
        status=status,
        deadline=deadline,
        nature=nature,
        reporter_name="张三丰",
        reporter_phone="13987654321",
    )
    if callback:
        satisfaction, _, unresolved = callback.partition("-")
        fields.update(
            callback_valid=True,
            callback_contacted=True,
            callback_resolved=not unresolved,
            callback_satisfaction=satisfaction,
            callback_at=timezone.now(),
        )
    fields.update(extra)
    return Case.objects.create(**fields)


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), timezone.get_current_timezone())

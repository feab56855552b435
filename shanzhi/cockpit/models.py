"""The cockpit's pre-computed aggregates and the report archive.

`CaseStat` is the case rollup: one row per month × community × grid × handling department,
with the counts every cockpit widget and the bulletin need; `CaseCategoryStat` the same by
month × community × department × top-level category (no grid: the product of grids and
categories would be nearly as many rows as cases). Both are rebuilt month by month
(`cockpit.rollup`), never edited by hand, and carry the organisational keys of the case so
that `restrict()` scopes them like the case table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.core.models import BaseModel
from shanzhi.core.scoping import ScopedQuerySet, ScopeRule

# The counters of a CaseStat row, in the order of cases.selectors.AGGREGATES plus the
# cockpit's own (open, closed, overdue, supervised).
COUNTERS = (
    "total",
    "open",
    "closed",
    "overdue",
    "supervised",
    "valid",
    "contacted",
    "resolved",
    "satisfied",
    "basic",
    "signed",
    "signed_on_time",
    "dispatched",
    "returned",
    "replied",
    "reworked",
    "completed_counted",
    "completed_on_time",
)


def _fk(model: str, label: str) -> models.ForeignKey:
    # No database constraint: the rollup is derived data, rebuilt from the case table; a
    # constraint would only slow the bulk rebuild down.
    return models.ForeignKey(
        model,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )


class CaseStat(models.Model):
    """Monthly case counts by organisational unit, category and nature (derived, rebuildable)."""

    month = models.DateField(_("month"), help_text=_("The first day of the month the cases were received in."))
    community = _fk("orgs.Community", _("community"))
    grid = _fk("orgs.Grid", _("grid"))
    department = _fk("orgs.Department", _("handling department"))

    total = models.PositiveIntegerField(_("received"), default=0)
    open = models.PositiveIntegerField(_("open"), default=0)
    closed = models.PositiveIntegerField(_("closed"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    supervised = models.PositiveIntegerField(_("under supervision"), default=0)
    valid = models.PositiveIntegerField(_("valid call-backs"), default=0)
    contacted = models.PositiveIntegerField(_("contacted"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basic = models.PositiveIntegerField(_("basically satisfied"), default=0)
    signed = models.PositiveIntegerField(_("signed for"), default=0)
    signed_on_time = models.PositiveIntegerField(_("signed for on time"), default=0)
    dispatched = models.PositiveIntegerField(_("dispatched"), default=0)
    returned = models.PositiveIntegerField(_("returned"), default=0)
    replied = models.PositiveIntegerField(_("replied"), default=0)
    reworked = models.PositiveIntegerField(_("reworked"), default=0)
    completed_counted = models.PositiveIntegerField(_("completions counted"), default=0)
    completed_on_time = models.PositiveIntegerField(_("completed on time"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_rule = ScopeRule(community="community_id", grid="grid_id", department="department_id")

    class Meta:
        verbose_name = _("case statistics (monthly)")
        verbose_name_plural = _("case statistics (monthly)")
        indexes = [
            models.Index(fields=["month"]),
            models.Index(fields=["community", "month"]),
            models.Index(fields=["department", "month"]),
            models.Index(fields=["grid", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.community_id}/{self.grid_id}/{self.department_id}: {self.total}"


class CaseCategoryStat(models.Model):
    """Monthly case counts by community, department and top-level category (derived)."""

    month = models.DateField(_("month"))
    community = _fk("orgs.Community", _("community"))
    department = _fk("orgs.Department", _("handling department"))
    category = _fk("cases.Category", _("category"))
    total = models.PositiveIntegerField(_("received"), default=0)
    open = models.PositiveIntegerField(_("open"), default=0)
    closed = models.PositiveIntegerField(_("closed"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)

    objects = ScopedQuerySet.as_manager()
    # No grid path: grid workers' figures by category are counted live from their grids' cases.
    scope_rule = ScopeRule(community="community_id", department="department_id")

    class Meta:
        verbose_name = _("case statistics by category (monthly)")
        verbose_name_plural = _("case statistics by category (monthly)")
        indexes = [models.Index(fields=["month", "community"]), models.Index(fields=["department", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category_id}: {self.total}"


CATEGORY_COUNTERS = ("total", "open", "closed", "overdue")


class RollupState(models.Model):
    """When a rollup was last refreshed, and the case change time it is complete up to."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    watermark = models.DateTimeField(_("complete up to"), null=True, blank=True)
    months_refreshed = models.PositiveIntegerField(_("months refreshed last time"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_rule = ScopeRule(staff_reference=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return f"{self.name} {self.refreshed_at}"


def report_upload_to(instance: Report, filename: str) -> str:
    return f"reports/{instance.period:%Y}/{filename}"


class Report(BaseModel):
    """A generated report kept in the archive (the monthly 督查通报 as a Word file)."""

    class Kind(models.TextChoices):
        BULLETIN = "bulletin", _("Monthly supervision bulletin")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BULLETIN)
    period = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    title = models.CharField(_("title"), max_length=200)
    # The scope the report was generated for: empty for the whole street.
    community = models.ForeignKey(
        "orgs.Community",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=report_upload_to, max_length=300)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    is_automatic = models.BooleanField(_("generated by the monthly job"), default=False)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", department="department_id", owner="created_by_id")

    class Meta:
        ordering = ["-period", "-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("report archive")

    def __str__(self) -> str:
        return self.title

"""Work plans from the document, supervision (督查督办) and indicators (经济指标监测).

A `PlanDraft` keeps the uploaded text and the recognised tree (editable JSON) until a user
confirms it; only then is a `Plan` with its `PlanNode` tree and `Indicator` rows created.
Units responsible for tasks are `orgs.Department` rows (see docs/plans.md for why communities
are not lead units).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shanzhi.core import texts
from shanzhi.core.models import BaseModel
from shanzhi.core.scoping import ScopedQuerySet, ScopeRule
from shanzhi.core.texts import SystemTextField

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Status(models.TextChoices):
    """Supervision status of a task (by the rules in plans.rules)."""

    GREEN = "green", _("On track")
    YELLOW = "yellow", _("Behind")
    RED = "red", _("Seriously behind")
    DONE = "done", _("Completed")
    NONE = "none", _("Not assessed")


class WarningLevel(models.TextChoices):
    NONE = "", _("No warning")
    BLUE = "blue", _("Blue warning (reminder)")
    YELLOW = "yellow", _("Yellow warning")
    RED = "red", _("Red warning")


class PlanDraft(BaseModel):
    """An uploaded plan under review: the text exactly as received and the editable tree."""

    class State(models.TextChoices):
        OPEN = "open", _("Under review")
        CONFIRMED = "confirmed", _("Confirmed")
        DISCARDED = "discarded", _("Discarded")

    title = models.CharField(_("title"), max_length=300, blank=True)
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    # The file's name, or a Text ("pasted text") shown in the reader's language.
    source_name = SystemTextField(_("source file"), blank=True)
    source_text = models.TextField(_("source text"))
    # ParsedPlan.to_dict() as recognised, kept for reference; `tree` and `indicators` are edited.
    parsed = models.JSONField(_("recognised structure"), default=dict)
    tree = models.JSONField(_("tree"), default=list)
    indicators = models.JSONField(_("indicators"), default=list)
    warnings = models.JSONField(_("parser warnings"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    plan = models.OneToOneField(
        "Plan", verbose_name=_("plan"), null=True, blank=True, on_delete=models.PROTECT, related_name="draft"
    )

    scope_rule = ScopeRule(owner="created_by_id")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("plan draft")
        verbose_name_plural = _("plan drafts")

    def __str__(self) -> str:
        return str(self.title or self.source_name or f"#{self.pk}")


class Plan(BaseModel):
    class Rollup(models.TextChoices):
        WEIGHTED = "weighted", _("Weighted by task weight")
        AVERAGE = "average", _("Plain average of children")

    title = models.CharField(_("title"), max_length=300)
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    rollup = models.CharField(_("progress roll-up"), max_length=10, choices=Rollup.choices, default=Rollup.WEIGHTED)
    source_name = SystemTextField(_("source file"), blank=True)  # as the draft's
    source_text = models.TextField(_("source text"), blank=True)
    progress = models.DecimalField(_("progress %"), max_digits=5, decimal_places=1, default=0)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    assessed_on = models.DateField(
        _("assessment date"),
        null=True,
        blank=True,
        help_text=_(
            "Statuses and the scorecard are computed as of this date (a plan under review after its "
            "year); empty: today."
        ),
    )
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    # The plan belongs to the whole street: every staff member reads it; writes need the role.
    scope_rule = ScopeRule(staff_reference=True)

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.title

    def assessment_day(self, today: datetime.date | None = None) -> datetime.date:
        from django.utils import timezone

        today = today or timezone.localdate()
        return min(today, self.assessed_on) if self.assessed_on else today


class PlanNode(BaseModel):
    """A program, task or measure of a plan. Supervision happens on any node with a lead unit."""

    class Kind(models.TextChoices):
        PROGRAM = "program", _("Program")
        TASK = "task", _("Task")
        MEASURE = "measure", _("Measure")
        TOPIC = "topic", _("Topic paragraph")
        PARAGRAPH = "paragraph", _("Paragraph")
        PREAMBLE = "preamble", _("Preamble")
        APPENDIX = "appendix", _("Appendix")
        ITEM = "item", _("Item")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="nodes")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TASK)
    level = models.PositiveSmallIntegerField(pgettext_lazy("plan node", "level"), default=1)
    position = models.PositiveIntegerField(_("position"), default=0)
    label = models.CharField(_("number"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=500)
    text = models.TextField(_("text"), blank=True)
    lead_unit = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_plan_nodes",
    )
    co_units = models.ManyToManyField(
        "orgs.Department", verbose_name=_("co-responsible units"), blank=True, related_name="co_plan_nodes"
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_plan_nodes",
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    progress = models.DecimalField(
        _("progress %"), max_digits=5, decimal_places=1, default=0, validators=PERCENT_VALIDATORS
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NONE, db_index=True)
    # [{"level", "code", "text"}]; "text" a Text's JSON, shown in the reader's language (`reasons`).
    status_reasons = models.JSONField(_("status reasons"), default=list, blank=True)
    warning = models.CharField(_("warning"), max_length=10, choices=WarningLevel.choices, default="", blank=True)
    status_at = models.DateTimeField(_("status assessed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    scope_rule = ScopeRule(department=("lead_unit_id", "co_units__id"), staff_reference=True)

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        indexes = [models.Index(fields=["plan", "parent", "position"])]

    def __str__(self) -> str:
        return f"{self.label}{self.title}" if self.label and not self.title.startswith(self.label) else self.title

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_supervised(self) -> bool:
        return self.lead_unit_id is not None

    @property
    def reasons(self) -> list[dict]:
        """The status reasons with their texts in the reader's language."""
        return texts.render(self.status_reasons or [])


class PlanEvent(models.Model):
    """The append-only timeline of a plan and its tasks (reports, 督办, status changes, edits)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="events")
    node = models.ForeignKey(
        PlanNode, verbose_name=_("task"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30)
    text = SystemTextField(_("text"), blank=True)  # a Text: shown in the reader's language
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope_rule = ScopeRule(department=("node__lead_unit_id", "node__co_units__id"), staff_reference=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("plan event")
        verbose_name_plural = _("plan timeline")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Plan events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Plan events are append-only.")


class Milestone(BaseModel):
    node = models.ForeignKey(PlanNode, verbose_name=_("task"), on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    scope_rule = ScopeRule(department="node__lead_unit_id", staff_reference=True)

    class Meta:
        ordering = ["node", "due_date"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: datetime.date) -> bool:
        return self.done_on is None and self.due_date < today


def _report_upload_to(instance, filename: str) -> str:
    return f"plans/reports/{datetime.date.today():%Y/%m}/{filename}"


class ProgressReport(BaseModel):
    """A unit's monthly progress report on a task. One live report per task and month."""

    node = models.ForeignKey(PlanNode, verbose_name=_("task"), on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(
        "orgs.Department", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="plan_reports"
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    text = models.TextField(_("progress"))
    percent = models.DecimalField(_("percent done"), max_digits=5, decimal_places=1, validators=PERCENT_VALIDATORS)
    submitted_at = models.DateTimeField(_("submitted at"))
    is_late = models.BooleanField(_("late"), default=False)
    attachment = models.FileField(_("attachment"), upload_to=_report_upload_to, blank=True, max_length=300)

    scope_rule = ScopeRule(department=("unit_id", "node__lead_unit_id"), staff_reference=True)
    # An empty FileField cannot be serialised by core.services._jsonable (it asks for .url).
    audit_exclude = ("updated_at", "version", "attachment")

    class Meta:
        ordering = ["-period", "node"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(
                fields=["node", "period"], condition=Q(is_deleted=False), name="plans_report_one_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node} · {self.period:%Y-%m}"


class ReportAttachment(BaseModel):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=_report_upload_to, max_length=300)

    scope_rule = ScopeRule(department=("report__unit_id", "report__node__lead_unit_id"), staff_reference=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class SupervisionNotice(BaseModel):
    """A 督办单: a leader's supervision notice on a task, answered by the unit by a deadline."""

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting reply")
        REPLIED = "replied", _("Replied")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("number"), max_length=30, unique=True)
    node = models.ForeignKey(PlanNode, verbose_name=_("task"), on_delete=models.PROTECT, related_name="notices")
    unit = models.ForeignKey(
        "orgs.Department", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="plan_notices"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(_("issued on"))
    content = models.TextField(_("requirements"))
    reply_due = models.DateField(_("reply due"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    scope_rule = ScopeRule(department="unit_id")

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")

    def __str__(self) -> str:
        return self.code

    @property
    def replied_late(self) -> bool:
        return self.replied_at is not None and self.replied_at.date() > self.reply_due

    def is_overdue(self, today: datetime.date) -> bool:
        return self.state == self.State.OPEN and self.reply_due < today


class Indicator(BaseModel):
    """A quantitative target of a plan (地区生产总值同比增长6%以上) and how it is measured."""

    class Comparator(models.TextChoices):
        GE = ">=", "≥"
        LE = "<=", "≤"
        APPROX = "~", "≈"
        EQ = "=", "="
        RANGE = "range", _("range")

    class Kind(models.TextChoices):
        GROWTH = "growth_rate", _("Growth rate")
        DECLINE = "decline_rate", _("Decline rate")
        RATE = "rate", _("Rate")
        AMOUNT = "amount", _("Absolute amount")
        COUNT = "count", _("Count")
        AREA = "area", _("Area")
        LENGTH = "length", _("Length")
        RANK = "rank", _("Rank")
        OTHER = "other", _("Other")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="indicators")
    node = models.ForeignKey(
        PlanNode, verbose_name=_("task"), null=True, blank=True, on_delete=models.PROTECT, related_name="indicators"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    comparator = models.CharField(_("comparator"), max_length=6, choices=Comparator.choices, default=Comparator.GE)
    target_value = models.DecimalField(_("target"), max_digits=20, decimal_places=4)
    target_value_max = models.DecimalField(
        _("target (upper bound)"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(_("unit of the target"), max_length=20, blank=True)
    measure_unit = models.CharField(
        _("unit of the monthly actuals"),
        max_length=20,
        blank=True,
        help_text=_("For a growth target: the unit of the amount that grows (e.g. 亿元)."),
    )
    sentence = models.TextField(_("source sentence"), blank=True)
    responsible_unit = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_indicators",
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    scope_rule = ScopeRule(department="responsible_unit_id", staff_reference=True)

    class Meta:
        ordering = ["plan", "position", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    @property
    def is_growth(self) -> bool:
        return self.kind in (self.Kind.GROWTH, self.Kind.DECLINE)

    def target_display(self) -> str:
        value = _trim(self.target_value)
        if self.comparator == self.Comparator.RANGE and self.target_value_max is not None:
            return f"{value}–{_trim(self.target_value_max)}{self.unit}"
        return f"{self.get_comparator_display()} {value}{self.unit}"


def _trim(value) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


class IndicatorActual(BaseModel):
    """The value of an indicator's measure in one month (not cumulative)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="actuals"
    )
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    value = models.DecimalField(_("value of the month"), max_digits=20, decimal_places=4)
    reported_yoy = models.DecimalField(
        _("reported cumulative year-on-year growth %"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("As published by the statistics office; computed from last year's months when empty."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_rule = ScopeRule(department="indicator__responsible_unit_id", staff_reference=True)

    class Meta:
        ordering = ["indicator", "year", "month"]
        verbose_name = _("indicator actual")
        verbose_name_plural = _("indicator actuals")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "month"], condition=Q(is_deleted=False), name="plans_actual_one_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}-{self.month:02d}"

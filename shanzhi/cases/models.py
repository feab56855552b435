"""Cases (群众诉求 / 12345 / 企业诉求 / 协调事项 / 巡查发现 / 吹哨): the record, its append-only
timeline, attachments, call-backs, 吹哨报到 summons, the category taxonomy, keyword routing rules
and stored routing models.

State changes go through `shanzhi.cases.services.case_transition` only (table in
`shanzhi.cases.workflow`); nothing here has business rules in `save()`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext, pgettext, pgettext_lazy

from shanzhi.cases import workflow
from shanzhi.core import texts
from shanzhi.core.masking import phone_key
from shanzhi.core.models import BaseModel
from shanzhi.core.scoping import ScopedQuerySet, ScopeRule
from shanzhi.core.texts import SystemTextField

LON_VALIDATORS = [MinValueValidator(-180), MaxValueValidator(180)]
LAT_VALIDATORS = [MinValueValidator(-90), MaxValueValidator(90)]


def month_of(at):
    from django.utils import timezone

    return timezone.localtime(at).date().replace(day=1)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


# A case belongs to a sub-category: that is what carries its department, deadline and priority.
# The categories a new case may take: a switched-on sub-category under a switched-on, live top
# category (switching a top category off or deleting it takes its sub-categories out of intake).
OFFERED_CATEGORIES = models.Q(is_active=True, is_deleted=False, parent__is_active=True, parent__is_deleted=False)
UNDER_CLOSED_CATEGORY = gettext_noop(
    "The category “%(code)s” is under a top category that is switched off or deleted: give a category in use."
)
TOP_LEVEL_CATEGORY = gettext_noop("“%(code)s” is a top-level category: give one of its sub-categories.")


# The longest deadlines a category (or a setting) may give: about a year of working days. A
# million days took a second for each case of the category; a few million overflowed the
# calendar, and every intake of that category was a 500.
DEADLINE_WORKDAYS_MAX = 250
DEADLINE_WORKHOURS_MAX = 2000  # 250 days of 8 hours


class Category(BaseModel):
    """A two-level taxonomy: top-level categories (城乡建设 …) and their sub-categories. The
    sub-category code is also the Open311 service code."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    default_department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("default department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline_workdays = models.PositiveIntegerField(
        _("deadline (working days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(DEADLINE_WORKDAYS_MAX)],
        help_text=_("Empty: the deadline of the request's nature applies."),
    )
    deadline_workhours = models.PositiveIntegerField(
        _("deadline (working hours)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(DEADLINE_WORKHOURS_MAX)],
        help_text=_("Leave the working days empty for a deadline in hours."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Separated by commas; used to suggest this category.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(department="default_department_id", staff_reference=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @classmethod
    def offered(cls):
        """The categories a new case may take (`OFFERED_CATEGORIES`), each top category's in turn:
        the intake forms' choices and the Open311 services."""
        return (
            cls.objects.filter(OFFERED_CATEGORIES)
            .select_related("parent")
            .order_by("parent__sort_order", "parent__code", "sort_order", "code")
        )

    @property
    def is_offered(self) -> bool:
        """Whether a new case may take it (`OFFERED_CATEGORIES`, for one loaded row)."""
        parent = self.parent if self.parent_id else None
        return (
            self.is_active and not self.is_deleted and parent is not None and parent.is_active and not parent.is_deleted
        )

    def clean(self):
        """Two levels: a sub-category's parent is a top-level category, never itself. A deadline
        is in working days or in working hours, never both (hours would silently win), never 0."""
        super().clean()
        errors = {}
        if self.deadline_workdays is not None and self.deadline_workhours is not None:
            errors["deadline_workhours"] = _("Give the deadline in working days or in working hours, not both.")
        elif self.deadline_workhours == 0:
            errors["deadline_workhours"] = _("A deadline in working hours is at least 1 hour.")
        if self.deadline_workdays == 0:
            errors["deadline_workdays"] = _("A deadline in working days is at least 1 day.")
        if errors:
            raise ValidationError(errors)
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A category cannot be its own parent.")})
        if self.parent.parent_id is not None:
            raise ValidationError({"parent": _("The parent must be a top-level category (two levels).")})
        if self.pk is not None and Category.objects.filter(parent_id=self.pk).exists():
            raise ValidationError({"parent": _("A category with sub-categories stays at the top level.")})

    @property
    def top(self) -> Category:
        return self.parent if self.parent_id else self

    def deletion_consequences(self) -> list[str]:
        """What deleting it does, for the confirmation page (`ObjectDeleteView`): open cases
        keep their category, but intake no longer offers it."""
        n = Case.objects.open().filter(category=self).count()
        if not n:
            return []
        return [
            ngettext(
                "%(n)d open case uses this category: it keeps it, but new cases can no longer choose it.",
                "%(n)d open cases use this category: they keep it, but new cases can no longer choose it.",
                n,
            )
            % {"n": n}
        ]


class KeywordRule(BaseModel):
    """A routing rule that overrides the text classifier: when the text contains any keyword,
    the case goes to this department (and category, if set)."""

    name = models.CharField(_("name"), max_length=100)
    keywords = models.CharField(_("keywords"), max_length=500, help_text=_("Separated by commas."))
    department = models.ForeignKey(
        "orgs.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priority = models.PositiveIntegerField(_("rule priority"), default=100, help_text=_("Lower runs first."))
    is_active = models.BooleanField(_("active"), default=True)

    scope_rule = ScopeRule(department="department_id", staff_reference=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("keyword rule")
        verbose_name_plural = _("keyword rules")

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("，", ",").split(",") if k.strip()]

    def clean(self):
        """At least one keyword (",,，" matches nothing), and a sub-category: a case belongs to
        one (`TOP_LEVEL_CATEGORY`; the import refuses a top-level category too)."""
        super().clean()
        errors = {}
        if self.keywords and not self.keyword_list():
            errors["keywords"] = _("Give at least one keyword: the commas only separate them.")
        if self.category_id is not None:
            category = Category.all_objects.filter(pk=self.category_id).first()
            if category is not None and category.parent_id is None:
                errors["category"] = _(TOP_LEVEL_CATEGORY) % {"code": category.code}
        if errors:
            raise ValidationError(errors)

    @classmethod
    def category_choices(cls, current_id: int | None = None):
        """The categories a rule may point at: active sub-categories, plus the one the rule
        already has (switched off or deleted since), so that editing the rule neither hides
        nor silently drops it."""
        offered = OFFERED_CATEGORIES
        if current_id is not None:
            offered |= models.Q(pk=current_id)
        return (
            Category.all_objects.filter(offered)
            .select_related("parent")
            .order_by("parent__sort_order", "parent__code", "sort_order", "code")
        )


def _unindexed(name: str) -> models.Field:
    """BaseModel's field `name` as it is (copied the way Django inherits it), without its index."""
    import copy

    field = copy.deepcopy(BaseModel._meta.get_field(name))
    field.db_index = False
    return field


class CaseQuerySet(ScopedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # bulk_create skips save(), which keeps the derived month in step: the demo's cases had
        # none, so the rates by month put almost every case under "—".
        objs = list(objs)
        for obj in objs:
            obj.derive_columns()
        return super().bulk_create(objs, *args, **kwargs)

    def open(self):
        return self.exclude(status__in=CLOSED_STATES)

    def running(self):
        """Cases whose deadline runs: not yet answered, not suspended (`DEADLINE_STATES`)."""
        return self.filter(status__in=DEADLINE_STATES)

    def overdue(self, now):
        # A replied case waiting for its check or call-back is not overdue: its answer is in.
        return self.running().filter(deadline__lt=now)

    def in_grid(self, grid):
        return self.filter(grid=grid)


class CaseManager(models.Manager.from_queryset(CaseQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class Case(BaseModel):
    """One request, complaint, report, enterprise request, coordination item or finding."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Public request")
        HOTLINE = "hotline", _("Hotline call")
        ENTERPRISE = "enterprise", _("Enterprise request")
        COORDINATION = "coordination", _("Coordination item")
        FINDING = "finding", _("Patrol finding")
        WHISTLE = "whistle", _("Whistle-blowing")

    class Nature(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        HELP = "help", _("Request for help")
        COMPLAINT = "complaint", _("Complaint")
        REPORT = "report", _("Report of wrongdoing")
        SUGGESTION = "suggestion", _("Suggestion")
        PRAISE = "praise", _("Praise")

    class Source(models.TextChoices):
        WEB = "web", _("Public web form")
        HOTLINE = "hotline", _("Hotline")
        STAFF = "staff", _("Staff entry")
        API = "api", _("REST API")
        OPEN311 = "open311", _("Open311")
        PATROL = "patrol", _("Patrol")
        PROJECT = "project", _("Project")
        IMPORT = "import", _("Import")
        DEMO = "demo", _("Demo data")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        DISPATCHED = "dispatched", _("Dispatched")
        SIGNED = "signed", _("Signed for")
        IN_PROGRESS = "in_progress", _("In progress")
        REPLIED = "replied", pgettext_lazy("case status", "Replied")
        VERIFIED = "verified", _("Verified")
        CALLED_BACK = "called_back", _("Called back")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")
        RETURNED = "returned", _("Returned")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASIC = "basic", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")

    class RoutedBy(models.TextChoices):
        MANUAL = "manual", _("Staff")
        RULE = "rule", _("Keyword rule")
        CATEGORY = "category", _("Category default")
        CLASSIFIER = "classifier", _("Text classifier")
        DISPATCH = "dispatch", _("Dispatch desk")
        # Accepted with routing left to the task worker (settings.CASES_ROUTE_IN_WORKER).
        PENDING = "pending", _("Routing in the background")

    # Indexes of the case table are chosen, not accumulated: every one costs each insert (bulk
    # import, intake). Single-column indexes covered by a composite's leading column, PostgreSQL's
    # `_like` twins (unique CharFields are Meta constraints instead) and low-selectivity columns
    # (kind, booleans, audit references) have none. See Meta.indexes for what queries use.
    code = models.CharField(_("tracking code"), max_length=32, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REQUEST)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.WEB)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(pgettext_lazy("case", "description"))
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # (category, received_at)
    )
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices, default=Nature.HELP)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )  # (status, deadline)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)

    grid = models.ForeignKey(
        "orgs.Grid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # (grid, received_at)
    )
    community = models.ForeignKey(
        "orgs.Community",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # (community, received_at)
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("handling department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # (department, received_at)
    )
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    address = models.CharField(_("address"), max_length=300, blank=True)

    received_at = models.DateTimeField(_("received at"), db_index=True)
    # First day of the local month of received_at: monthly statistics group on a plain column
    # (TruncMonth with time zones is a per-row function on SQLite).
    received_month = models.DateField(_("month received"), null=True, blank=True, editable=False)
    deadline = models.DateTimeField(pgettext_lazy("case", "deadline"), null=True, blank=True, db_index=True)
    sign_deadline = models.DateTimeField(_("sign-for deadline"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    replied_at = models.DateTimeField(pgettext_lazy("case", "replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("case", "closed at"), null=True, blank=True)
    signed_on_time = models.BooleanField(_("signed for on time"), null=True, blank=True)
    completed_on_time = models.BooleanField(_("completed on time"), null=True, blank=True)
    warned_at = models.DateTimeField(_("deadline warning sent at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    supervised = models.BooleanField(_("under supervision (督办)"), default=False)
    was_suspended = models.BooleanField(_("suspended at some time (excluded from on-time counts)"), default=False)
    suspended_from = models.CharField(_("suspended from status"), max_length=20, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    extension_days_requested = models.PositiveSmallIntegerField(
        _("extension requested (working days)"), null=True, blank=True
    )
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("rework"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("repeat calls (催办)"), default=0)
    reply = models.TextField(_("reply to the reporter"), blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
        db_index=False,  # partial: Meta
    )
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=30, blank=True)
    # The phone's digits (`core.masking.phone_key`), derived: finds a caller's earlier cases.
    reporter_phone_key = models.CharField(_("reporter phone (digits)"), max_length=20, blank=True, editable=False)
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # partial: Meta
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("case", "responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
        db_index=False,  # partial: Meta
        help_text=_("企业家直通车: the leader who answers for an enterprise request."),
    )

    origin_type = models.ForeignKey(
        ContentType,
        verbose_name=_("origin type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (origin_type, origin_id)
    )
    origin_id = models.CharField(_("origin id"), max_length=64, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")

    routed_by = models.CharField(_("routed by"), max_length=20, choices=RoutedBy.choices, blank=True)
    routing_reason = SystemTextField(_("routing reason"), blank=True)  # a Text: shown in the reader's language
    routing_confidence = models.FloatField(_("routing confidence"), null=True, blank=True)
    suggested_category = models.ForeignKey(
        Category,
        verbose_name=_("suggested category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # nothing looks cases up by their suggestion
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        db_index=False,  # partial: Meta
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, null=True, blank=True)  # unique: Meta
    is_whistle = models.BooleanField(_("whistle blown (吹哨)"), default=False)

    # The latest valid call-back (有效回访), kept on the case so that the three rates are one
    # aggregate over one table.
    callback_valid = models.BooleanField(_("valid call-back"), default=False)
    callback_contacted = models.BooleanField(_("contacted"), null=True, blank=True)
    callback_resolved = models.BooleanField(_("resolved"), null=True, blank=True)
    callback_satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True)
    callback_at = models.DateTimeField(_("called back at"), null=True, blank=True)

    public_rating = models.PositiveSmallIntegerField(
        _("public rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    public_rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    # BaseModel's columns without its indexes: every live query has is_deleted = false (no
    # selectivity), and cases are looked up by reception, not by creation or by who wrote them.
    created_at = _unindexed("created_at")
    is_deleted = _unindexed("is_deleted")
    created_by = _unindexed("created_by")
    updated_by = _unindexed("updated_by")
    deleted_by = _unindexed("deleted_by")

    objects = CaseManager()

    scope_rule = ScopeRule(
        community="community_id",
        grid="grid_id",
        department=("department_id", "summons__department_id"),
        owner="reporter_id",
        dispatch_desk_all=True,  # the desk dispatches, re-routes and checks every case
    )
    personal_fields = ("reporter_name", "reporter_phone")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # The three rates are the staff's assessment: a resident, who may view their own cases,
        # does not see them.
        permissions = [("view_rates", _("Can view the three rates and rankings"))]
        constraints = [
            # Constraints rather than unique=True: PostgreSQL then makes no `_like` twin index.
            models.UniqueConstraint(fields=["code"], name="cases_case_code_uniq"),
            # Partial (as the indexes below on columns that most cases leave empty): a row without
            # the value costs the index nothing.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="cases_case_idempotency_key_uniq",
            ),
        ]
        # Kept single-column: received_at (default order, date ranges, today's count), deadline
        # (overdue ranges). Columns that most cases leave empty (a resident's account, an
        # enterprise, a leader, a merge, an origin) have partial indexes `WHERE … IS NOT NULL`:
        # their pages and PROTECT checks look up `col = x` (which implies NOT NULL, so both
        # databases use them), and intake or import of a case without them writes no entry.
        indexes = [
            # Deadline job and status filters; status alone is its leading column.
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["category", "received_at"]),
            models.Index(fields=["department", "received_at"]),
            models.Index(fields=["community", "received_at"]),
            models.Index(fields=["grid", "received_at"]),
            *[
                models.Index(fields=fields, condition=models.Q(**{f"{fields[0]}__isnull": False}), name=name)
                for fields, name in [
                    (["origin_type", "origin_id"], "cases_case_origin_set"),
                    (["reporter"], "cases_case_reporter_set"),
                    (["enterprise"], "cases_case_enterprise_set"),
                    (["leader"], "cases_case_leader_set"),
                    (["merged_into"], "cases_case_merged_into_set"),
                ]
            ],
            models.Index(fields=["received_month"]),
            # A caller's history (most cases have no phone: partial).
            models.Index(
                fields=["reporter_phone_key", "received_at"],
                condition=~models.Q(reporter_phone_key=""),
                name="cases_case_phone_key_set",
            ),
            # The cockpit rollup finds the months touched since its watermark.
            models.Index(fields=["updated_at", "received_at"]),
            # The routing worker's queue: partial, so it holds only the few cases waiting.
            models.Index(fields=["id"], condition=models.Q(routed_by="pending"), name="cases_case_routing_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title or self.description[:30]}"

    def save(self, *args, **kwargs):
        self.derive_columns()
        super().save(*args, **kwargs)

    def derive_columns(self) -> None:
        """Derived columns, not business rules: keep the month in step with received_at and the
        phone's digits with the phone (also called by `core.db.insert`)."""
        if self.received_at is not None:
            self.received_month = month_of(self.received_at)
        self.reporter_phone_key = phone_key(self.reporter_phone)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATES

    @property
    def public_status(self) -> str:
        """Open311-style public status: open / closed."""
        return "closed" if self.status in CLOSED_STATES or self.status in HANDLED_STATES else "open"

    def is_overdue(self, now) -> bool:
        """As `CaseQuerySet.overdue`, for one case."""
        return self.status in DEADLINE_STATES and self.deadline is not None and self.deadline < now

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:case_detail", args=[self.pk])


CLOSED_STATES = frozenset({Case.Status.CLOSED, Case.Status.ARCHIVED, Case.Status.CANCELLED})
DEADLINE_STATES = frozenset(workflow.DEADLINE_STATES)
# Handled (a reply exists): the public may rate from here on.
HANDLED_STATES = frozenset(
    {Case.Status.REPLIED, Case.Status.VERIFIED, Case.Status.CALLED_BACK, Case.Status.CLOSED, Case.Status.ARCHIVED}
)


class CaseEvent(models.Model):
    """The append-only timeline of a case: who, when, what, why, with attachments."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    # Timelines are read by case (case_id index) only: no index on at / action / actor.
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(_("acting unit"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(pgettext_lazy("case event", "to"), max_length=20, blank=True)
    note = SystemTextField(pgettext_lazy("case", "note"), blank=True)  # a person's words, or a Text
    data = models.JSONField(_("data"), default=dict, blank=True)
    is_public = models.BooleanField(_("shown to the public"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_rule = ScopeRule(
        community="case__community_id",
        grid="case__grid_id",
        department=("case__department_id", "case__summons__department_id"),
        owner="case__reporter_id",
        dispatch_desk_all=True,
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case timeline")

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    SYSTEM_LABEL = "system"  # the actor_label of steps the system took (shown in the reader's language)
    REPORTER_LABEL = "reporter"  # … and of the reporter's own steps (the rating by tracking code)

    # Names of the keys services put in `data`, for the timeline (stored as codes).
    DATA_LABELS = {
        "routing": pgettext_lazy("case event data", "routing"),
        "department": pgettext_lazy("case event data", "department"),
        "from": pgettext_lazy("case event data", "merged from"),
        "into": pgettext_lazy("case event data", "merged into"),
        "rating": pgettext_lazy("case event data", "rating"),
        "reason": pgettext_lazy("case event data", "reason"),
        "returned_by": pgettext_lazy("case event data", "returned by"),
        "deadline_extended_workdays": pgettext_lazy("case event data", "deadline extended (working days)"),
        "days": pgettext_lazy("case event data", "working days"),
        "level": pgettext_lazy("case event data", "escalation level"),
        "lead": pgettext_lazy("case event data", "lead department"),
        "departments": pgettext_lazy("case event data", "summoned departments"),
        "handled_before": pgettext_lazy("case event data", "handled before by"),
        "score": pgettext_lazy("case event data", "score"),
        "contacted": pgettext_lazy("case event data", "contacted"),
        "resolved": pgettext_lazy("case event data", "resolved"),
        "satisfaction": pgettext_lazy("case event data", "satisfaction"),
        "valid": pgettext_lazy("case event data", "valid call-back"),
    }
    # Keys whose stored code is a choice: shown by its label.
    DATA_CHOICES = {"satisfaction": "Satisfaction"}

    @property
    def actor_display(self) -> str:
        """The acting unit as the reader should see it (the system's steps in their language)."""
        if self.actor_label == self.SYSTEM_LABEL:
            return str(pgettext_lazy("case event", "system"))
        if self.actor_label == self.REPORTER_LABEL:
            return str(pgettext_lazy("case event", "reporter"))
        return self.actor_label

    @property
    def data_items(self) -> list[tuple[str, Any]]:
        """The step's data as (label, value) in the reader's language: yes/no, names joined as
        the language joins them, a choice by its label."""
        return [(str(self.DATA_LABELS.get(k, k)), self._data_value(k, v)) for k, v in (self.data or {}).items()]

    def _data_value(self, key: str, value: Any) -> Any:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return pgettext("yes or no", "yes") if value else pgettext("yes or no", "no")
        if isinstance(value, list):
            return pgettext("names separator", ", ").join(str(texts.render(v)) for v in value)
        if key == "reason" and value in workflow.CANCEL_REASONS:  # a cancel's reason, by its label
            return str(workflow.CANCEL_REASONS[value])
        choices = getattr(Case, self.DATA_CHOICES.get(key, ""), None)
        if choices is not None and value in choices.values:
            return choices(value).label
        return texts.render(value)

    @property
    def to_status_label(self) -> str:
        """The state the step led to, in the reader's language (stored as a code)."""
        return Case.Status(self.to_status).label if self.to_status in Case.Status.values else self.to_status

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Case events are append-only.")


def attachment_path(instance: CaseAttachment, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CaseAttachment(BaseModel):
    """A photo or document attached to a case (at intake or to a timeline event). Images are
    re-encoded on upload so that EXIF metadata (GPS, device) is not stored."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("timeline event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    is_public = models.BooleanField(_("shown to the public"), default=True)

    scope_rule = ScopeRule(
        community="case__community_id",
        grid="case__grid_id",
        department=("case__department_id", "case__summons__department_id"),
        owner="case__reporter_id",
        dispatch_desk_all=True,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name


class CallBack(BaseModel):
    """A call-back (回访) to the reporter: contacted? resolved? satisfied?"""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="callbacks")
    contacted = models.BooleanField(_("contacted"))
    resolved = models.BooleanField(_("resolved"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Case.Satisfaction.choices, blank=True)
    is_valid = models.BooleanField(_("valid call-back"), default=True)
    note = models.TextField(pgettext_lazy("case", "note"), blank=True)
    at = models.DateTimeField(_("at"))

    scope_rule = ScopeRule(
        community="case__community_id",
        grid="case__grid_id",
        department=("case__department_id", "case__summons__department_id"),
        dispatch_desk_all=True,
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_satisfaction_display()}"


class CaseSummons(BaseModel):
    """吹哨报到: one department summoned to a case; the lead department closes it."""

    class Status(models.TextChoices):
        SUMMONED = "summoned", _("Summoned")
        ARRIVED = "arrived", _("Arrived")
        REPORTED = "reported", _("Reported")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="summons")
    department = models.ForeignKey(
        "orgs.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="case_summons"
    )
    is_lead = models.BooleanField(_("lead department"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUMMONED)
    summoned_at = models.DateTimeField(_("summoned at"))
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    report = models.TextField(_("report of its part"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating by the summoner"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    scope_rule = ScopeRule(
        community="case__community_id", grid="case__grid_id", department="department_id", dispatch_desk_all=True
    )

    class Meta:
        ordering = ["-is_lead", "id"]
        verbose_name = _("summons")
        verbose_name_plural = _("summonses (吹哨报到)")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "department"], condition=models.Q(is_deleted=False), name="cases_summons_unique_live"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.department}"


class RoutingModel(models.Model):
    """A trained text classifier (pickled by the platform itself; never uploaded)."""

    class Target(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        CATEGORY = "category", _("Category")

    target = models.CharField(_("predicts"), max_length=20, choices=Target.choices)
    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    samples = models.PositiveIntegerField(_("training cases"))
    labels = models.JSONField(_("labels"), default=list)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    data = models.BinaryField(_("model"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")

    def __str__(self) -> str:
        return f"{self.target} {self.created_at:%Y-%m-%d %H:%M} ({self.samples})"


class Submission(models.Model):
    """A case accepted by the queued intake (`POST /api/cases/submissions/`) and filed as a case by
    the task worker in batches (`services.cases_file_submissions`, docs/adr/0004).

    Accepting writes this one row: the caller's validated input, the tracking code the case will
    carry, the idempotency key. The row is kept after filing (its case, or why it could not be
    filed): nothing accepted disappears, and the caller can always ask what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be filed")
        FILED = "filed", _("Filed as a case")
        REFUSED = "refused", _("Could not be filed")

    code = models.CharField(_("tracking code"), max_length=32, editable=False)  # unique: Meta
    received_at = models.DateTimeField(_("received at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial: Meta (a caller's own submissions)
    )
    source = models.CharField(_("source"), max_length=20, choices=Case.Source.choices, default=Case.Source.API)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, null=True, blank=True)  # unique: Meta
    data = models.JSONField(_("submitted data"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never looked up from the case (cases are not deleted)
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    error = models.TextField(_("why it could not be filed"), blank=True)

    objects = ScopedQuerySet.as_manager()
    # The caller's own; the dispatch desk, leaders and admins see every one.
    scope_rule = ScopeRule(owner="submitted_by_id", dispatch_desk_all=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("queued submission")
        verbose_name_plural = _("queued submissions")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="cases_submission_code_uniq"),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="cases_submission_idempotency_key_uniq",
            ),
        ]
        indexes = [
            # The worker's queue and the desk's "could not be filed": partial, so they hold only
            # the few rows waiting or refused.
            models.Index(fields=["id"], condition=models.Q(status="queued"), name="cases_submission_queued"),
            models.Index(fields=["id"], condition=models.Q(status="refused"), name="cases_submission_refused"),
            models.Index(fields=["submitted_by", "id"], name="cases_submission_by"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_status_display()})"

    def as_case(self) -> Case:
        """What its tracking code shows until the worker files it: an unsaved case, received,
        with no steps yet."""
        d = self.data
        return Case(
            code=self.code,
            kind=d.get("kind", Case.Kind.REQUEST),
            source=self.source,
            title=(d.get("title") or d.get("description", "")[:40]).strip(),
            description=d.get("description", ""),
            category_id=d.get("category"),
            status=Case.Status.RECEIVED,
            received_at=self.received_at,
        )

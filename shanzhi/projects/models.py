"""Projects: the project library and 四个一批, investment attraction (招商), urban renewal
(工改旧改), 民生实事 and 问需于民.

Money is in 万元 (ten thousand yuan), land in 亩. Workflows (project stages, lead stages,
parcel stages) are transition tables in `shanzhi.projects.workflows`; every change goes through
`shanzhi.projects.services`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shanzhi.core.models import BaseModel
from shanzhi.core.scoping import ScopedQuerySet, ScopeRule
from shanzhi.core.texts import SystemTextField
from shanzhi.orgs.models import LAT_VALIDATORS, LON_VALIDATORS
from shanzhi.orgs.validators import validate_geojson_polygon, validate_phone

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, validators=NON_NEGATIVE, **kwargs)


def month_start(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


# ----------------------------------------------------------------------------- project library


def current_year() -> int:
    return timezone.localdate().year


class ProjectQuerySet(ScopedQuerySet):
    def livelihood(self):
        return self.filter(kind=Project.Kind.LIVELIHOOD)

    def of_year(self, year: int):
        return self.filter(year=year)

    def public(self):
        return self.filter(is_public=True, is_deleted=False)


class ProjectManager(models.Manager.from_queryset(ProjectQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class Project(BaseModel):
    """One project of any kind, from 谋划 to 投产 / 竣工."""

    class Kind(models.TextChoices):
        INDUSTRIAL = "industrial", _("Industrial")
        INVESTMENT = "investment", _("Investment attraction")
        TECH_RENOVATION = "tech_renovation", _("Technical renovation")
        ROAD = "road", _("Road and transport")
        RENEWAL = "renewal", _("Urban renewal")
        CULTURE = "culture", _("Culture and tourism")
        ENVIRONMENT = "environment", _("Ecology and water")
        LIVELIHOOD = "livelihood", _("Livelihood")
        REFORM = "reform", _("Reform")

    class Stage(models.TextChoices):
        PLANNING = "planning", _("Planning")
        RESERVE = "reserve", _("Reserve")
        STARTED = "started", _("Under construction")
        PRODUCTION = "production", _("In production")
        COMPLETED = "completed", pgettext_lazy("project stage", "Completed")

    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.INDUSTRIAL, db_index=True)
    year = models.PositiveIntegerField(_("year"), default=current_year, db_index=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PLANNING, db_index=True)
    stage_changed_on = models.DateField(_("stage changed on"), null=True, blank=True)
    owner_unit = models.CharField(_("owner enterprise or unit"), max_length=200, blank=True)
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    community = models.ForeignKey(
        "orgs.Community",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    address = models.CharField(_("location"), max_length=300, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True, validators=[validate_geojson_polygon])
    total_investment = money_field(_("total investment (10k yuan)"))
    land_area_mu = models.DecimalField(
        _("land area (mu)"), max_digits=10, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned completion"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    production_on = models.DateField(_("in production on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(
        _("published"), default=False, help_text=_("Shown on the public 民生实事 page (livelihood projects).")
    )
    # Urban renewal (工改旧改) figures that are not per parcel.
    requires_enforcement = models.BooleanField(_("enforcement planned"), default=False)
    plan_task = models.ForeignKey(
        "plans.PlanNode",
        verbose_name=_("plan task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        limit_choices_to={"kind": "task"},
        help_text=_("The task of the work plan this project serves."),
    )
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    objects = ProjectManager()
    all_objects = models.Manager.from_queryset(ProjectQuerySet)()
    scope_rule = ScopeRule(department="department_id", community="community_id")

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [models.Index(fields=["kind", "stage"])]
        base_manager_name = "all_objects"
        default_manager_name = "objects"

    def __str__(self) -> str:
        return self.name

    # Reads used by pages and the API ---------------------------------------------------------

    def month_rows(self) -> list[dict]:
        """Planned and completed investment by month with running totals."""
        rows = []
        cum_plan = cum_done = Decimal("0")
        for m in self.months.filter(is_deleted=False).order_by("month"):
            cum_plan += m.planned_investment
            cum_done += m.completed_investment or Decimal("0")
            rows.append(
                {
                    "month": m.month,
                    "planned": m.planned_investment,
                    "completed": m.completed_investment,
                    "progress": m.physical_progress,
                    "note": m.note,
                    "cum_planned": cum_plan,
                    "cum_completed": cum_done,
                    "obj": m,
                }
            )
        return rows

    def investment_totals(self, today: datetime.date | None = None) -> dict:
        today = today or timezone.localdate()
        agg = self.months.filter(is_deleted=False).aggregate(
            planned=Sum("planned_investment"),
            planned_to_date=Sum("planned_investment", filter=Q(month__lte=month_start(today))),
            completed=Sum("completed_investment"),
        )
        return {k: v or Decimal("0") for k, v in agg.items()}

    def is_behind_plan(self, today: datetime.date | None = None) -> bool:
        """Completed investment below the plan up to the last month with a report (or this month)."""
        t = self.investment_totals(today)
        return t["planned_to_date"] > 0 and t["completed"] < t["planned_to_date"]

    @property
    def latest_progress(self) -> Decimal | None:
        m = self.months.filter(is_deleted=False, physical_progress__isnull=False).order_by("-month").first()
        return m.physical_progress if m else None


class ProjectStageChange(BaseModel):
    """The timeline of a project's stage moves (what changed when)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="stage_changes"
    )
    from_stage = models.CharField(
        pgettext_lazy("stage change", "from"), max_length=20, choices=Project.Stage.choices, blank=True
    )
    to_stage = models.CharField(pgettext_lazy("stage change", "to"), max_length=20, choices=Project.Stage.choices)
    on = models.DateField(_("date"))
    note = SystemTextField(_("note"), blank=True)  # a person's words, or a Text shown in the reader's language

    scope_rule = ScopeRule(department="project__department_id", community="project__community_id")

    class Meta:
        ordering = ["project", "on", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.project} {self.from_stage}→{self.to_stage} {self.on}"


class ProjectMonth(BaseModel):
    """One month of a project: planned investment, and once reported, the completed investment,
    physical progress and notes."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="months")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    planned_investment = money_field(_("planned investment (10k yuan)"))
    completed_investment = models.DecimalField(
        _("completed investment (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    physical_progress = models.DecimalField(
        _("physical progress (%)"), max_digits=5, decimal_places=1, null=True, blank=True, validators=PERCENT
    )
    note = models.TextField(_("note"), blank=True)
    reported_at = models.DateTimeField(pgettext_lazy("project month", "reported at"), null=True, blank=True)

    scope_rule = ScopeRule(department="project__department_id", community="project__community_id")

    class Meta:
        ordering = ["project", "month"]
        verbose_name = _("monthly progress")
        verbose_name_plural = _("monthly progress")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"], condition=Q(is_deleted=False), name="projects_month_unique_live"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m}"


class ProjectPhoto(BaseModel):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="photos")
    month = models.DateField(_("month"), null=True, blank=True)
    image = models.ImageField(_("photo"), upload_to="projects/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    scope_rule = ScopeRule(department="project__department_id", community="project__community_id")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project photo")
        verbose_name_plural = _("project photos")

    def __str__(self) -> str:
        return self.caption or self.image.name


class Milestone(BaseModel):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="milestones")
    name = models.CharField(_("name"), max_length=200)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    scope_rule = ScopeRule(department="project__department_id", community="project__community_id")

    class Meta:
        ordering = ["project", "sort_order", "due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.name

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


class Blocker(BaseModel):
    """A factor blocking a project (要素障碍), raised to the responsible department as a
    coordination case."""

    class Kind(models.TextChoices):
        LAND = "land", pgettext_lazy("blocker", "Land")
        APPROVAL = "approval", _("Approvals")
        FINANCING = "financing", _("Financing")
        POWER = "power", _("Power and utilities")
        DEMOLITION = "demolition", _("Demolition and relocation")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("blocker", "Open")
        RAISED = "raised", _("Raised as a case")
        RESOLVED = "resolved", _("Resolved")
        CANCELLED = "cancelled", pgettext_lazy("blocker", "Cancelled")

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="blockers")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"))
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        related_name="project_blockers",
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("coordination case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project_blockers",
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    scope_rule = ScopeRule(department=("project__department_id", "department_id"), community="project__community_id")

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("blocker")
        verbose_name_plural = _("blockers")

    def __str__(self) -> str:
        return f"{self.project} · {self.get_kind_display()}"


# ----------------------------------------------------------------------------- investment attraction


class IndustryChain(BaseModel):
    """An industry chain of the street (产业链), e.g. new energy."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="industry_chains",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(department="department_id", staff_reference=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("industry chain")
        verbose_name_plural = _("industry chains")

    def __str__(self) -> str:
        return self.name


class ChainLink(BaseModel):
    """A link of a chain (upstream materials, midstream parts, downstream products…), with the
    local enterprises on it; a link without any is a gap for attraction."""

    class Position(models.TextChoices):
        UPSTREAM = "upstream", _("Upstream")
        MIDSTREAM = "midstream", _("Midstream")
        DOWNSTREAM = "downstream", _("Downstream")

    chain = models.ForeignKey(
        IndustryChain, verbose_name=_("industry chain"), on_delete=models.PROTECT, related_name="links"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(
        pgettext_lazy("industry chain", "position"), max_length=20, choices=Position.choices, default=Position.MIDSTREAM
    )
    enterprises = models.ManyToManyField(
        "orgs.Enterprise", verbose_name=_("local enterprises"), blank=True, related_name="chain_links"
    )
    is_key_gap = models.BooleanField(_("key gap to fill"), default=False)
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    scope_rule = ScopeRule(department="chain__department_id", staff_reference=True)

    class Meta:
        ordering = ["chain", "position", "sort_order", "name"]
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")

    def __str__(self) -> str:
        return f"{self.chain} · {self.name}"


class LeadQuerySet(ScopedQuerySet):
    def active(self):
        return self.exclude(stage__in=[Lead.Stage.PRODUCTION, Lead.Stage.DROPPED])

    def stale(self, days: int, now: datetime.datetime | None = None):
        now = now or timezone.now()
        return self.active().filter(last_activity_at__lt=now - datetime.timedelta(days=days))


class LeadManager(models.Manager.from_queryset(LeadQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class Lead(BaseModel):
    """An investment lead (招商线索), followed over its whole life (全生命周期)."""

    class Kind(models.TextChoices):
        NEW = "new", _("New investment (招商引资)")
        EXPANSION = "expansion", _("Expansion of a local enterprise (增资扩产)")

    class Source(models.TextChoices):
        BUSINESS_REFERRAL = "business_referral", _("Referral by a business (以商招商)")
        CHAIN_LEADER = "chain_leader", _("Chain leader (链主招商)")
        EXHIBITION = "exhibition", _("Exhibition or fair")
        AGENCY = "agency", _("Agency or association")
        PUBLIC_ENTERPRISE = "public_enterprise", _("Public enterprise")
        VISIT = "visit", _("Own visit")
        OTHER = "other", _("Other")

    class Stage(models.TextChoices):
        LEAD = "lead", _("Lead")
        CONTACTED = "contacted", pgettext_lazy("investment lead", "Contacted")
        VISITED = "visited", _("Visited")
        NEGOTIATING = "negotiating", _("Negotiating")
        SIGNED = "signed", _("Signed")
        REGISTERED = "registered", pgettext_lazy("investment lead", "Registered")
        LAND_SECURED = "land_secured", _("Land or space secured")
        STARTED = "started", _("Construction started")
        PRODUCTION = "production", _("In production")
        DROPPED = "dropped", _("Dropped")

    company = models.CharField(_("company"), max_length=200)
    kind = models.CharField(_("list"), max_length=20, choices=Kind.choices, default=Kind.NEW, db_index=True)
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        verbose_name=_("local enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expansion_leads",
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    chain_link = models.ForeignKey(
        ChainLink, verbose_name=_("chain link"), null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    source = models.CharField(_("source"), max_length=30, choices=Source.choices, default=Source.OTHER)
    investment = money_field(_("planned investment (10k yuan)"))
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True, validators=[validate_phone])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="investment_leads",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="investment_leads",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.LEAD, db_index=True)
    stage_changed_on = models.DateField(_("stage changed on"), null=True, blank=True)
    drop_reason = models.TextField(_("reason for dropping"), blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now, db_index=True)
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    notes = models.TextField(_("notes"), blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    objects = LeadManager()
    all_objects = models.Manager.from_queryset(LeadQuerySet)()
    scope_rule = ScopeRule(department="department_id", owner="owner_id")
    personal_fields = ("contact_phone",)

    class Meta:
        ordering = ["-last_activity_at"]
        verbose_name = _("investment lead")
        verbose_name_plural = _("investment leads")
        base_manager_name = "all_objects"
        default_manager_name = "objects"

    def __str__(self) -> str:
        return self.company


class LeadActivity(BaseModel):
    """A logged contact with a lead (call, visit, meeting…)."""

    class Kind(models.TextChoices):
        CALL = "call", _("Phone call")
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        MESSAGE = "message", _("Message or email")
        EVENT = "event", _("Event")
        STAGE = "stage", _("Stage change")

    lead = models.ForeignKey(
        Lead, verbose_name=pgettext_lazy("investment", "lead"), on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CALL)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # A person's words, or a Text (a stage move) shown in the reader's language.
    summary = SystemTextField(pgettext_lazy("investment lead", "summary"))

    scope_rule = ScopeRule(department="lead__department_id", owner="lead__owner_id")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("lead activity")
        verbose_name_plural = _("lead activities")

    def __str__(self) -> str:
        return f"{self.lead} · {self.get_kind_display()} {self.at:%Y-%m-%d}"


# ----------------------------------------------------------------------------- urban renewal


class Parcel(BaseModel):
    """A parcel of an urban-renewal project (工改旧改), moved survey → … → transfer."""

    class Stage(models.TextChoices):
        SURVEY = "survey", _("Survey")
        SIGNING = "signing", _("Signed")
        RELOCATION = "relocation", _("Relocated")
        DEMOLITION = "demolition", _("Demolished")
        PREPARATION = "preparation", _("Land prepared")
        TRANSFER = "transfer", _("Transferred")

    class Enforcement(models.TextChoices):
        NONE = "none", _("Not needed")
        PLANNED = "planned", _("Planned")
        APPLIED = "applied", _("Applied to the court")
        RULED = "ruled", _("Ruled")
        EXECUTED = "executed", _("Executed")

    project = models.ForeignKey(
        Project, verbose_name=_("renewal project"), on_delete=models.PROTECT, related_name="parcels"
    )
    code = models.CharField(_("parcel code"), max_length=40)
    area_mu = models.DecimalField(_("area (mu)"), max_digits=10, decimal_places=2, validators=NON_NEGATIVE)
    owners = models.CharField(_("owners"), max_length=300, blank=True)
    households = models.PositiveIntegerField(_("households or owners"), default=1)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SURVEY, db_index=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    relocated_on = models.DateField(_("relocated on"), null=True, blank=True)
    demolished_on = models.DateField(_("demolished on"), null=True, blank=True)
    prepared_on = models.DateField(_("prepared on"), null=True, blank=True)
    transferred_on = models.DateField(_("transferred on"), null=True, blank=True)
    transfer_price = models.DecimalField(
        _("transfer price (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    enforcement = models.CharField(
        _("enforcement"), max_length=20, choices=Enforcement.choices, default=Enforcement.NONE
    )
    note = models.TextField(_("note"), blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(department="project__department_id", community="project__community_id")

    class Meta:
        ordering = ["project", "code"]
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"], condition=Q(is_deleted=False), name="projects_parcel_unique_live"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.code}"


# ----------------------------------------------------------------------------- 问需于民


class Proposal(BaseModel):
    """A public proposal for next year's 民生实事 (问需于民 / 问计于民)."""

    class Category(models.TextChoices):
        SPECIAL_GROUPS = "special_groups", _("Special groups")
        INFRASTRUCTURE = "infrastructure", _("Infrastructure repair and maintenance")
        SAFETY = "safety", _("Safety hazards")
        ENVIRONMENT = "environment", _("Living environment")
        FOOD_SAFETY = "food_safety", _("Food and hygiene safety")
        CULTURE_SPORTS = "culture_sports", _("Culture and sports")
        HEALTH_JOBS = "health_jobs", _("Medical care and jobs")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ANSWERED = "answered", _("Answered")
        ACCEPTED = "accepted", _("Accepted as a project")
        DECLINED = "declined", _("Not adopted")
        HIDDEN = "hidden", _("Hidden by moderation")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=30, choices=Category.choices, default=Category.OTHER)
    community = models.ForeignKey(
        "orgs.Community",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("answering department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    for_year = models.PositiveIntegerField(_("for year"), db_index=True)
    proposer_name = models.CharField(_("proposer"), max_length=50, blank=True)
    proposer_phone = models.CharField(_("proposer phone"), max_length=30, blank=True, validators=[validate_phone])
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    answer = SystemTextField(_("answer"), blank=True)  # staff's words, or a Text shown in the reader's language
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    votes = models.PositiveIntegerField(_("votes"), default=0)
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", department="department_id")
    personal_fields = ("proposer_phone",)

    class Meta:
        ordering = ["-votes", "-created_at"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return self.title


class ProposalVote(BaseModel):
    """One public vote. Only salted hashes of the browser token and of the IP address are kept."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="vote_rows"
    )
    voter_hash = models.CharField(_("voter"), max_length=64)
    ip_hash = models.CharField(_("IP address (hashed)"), max_length=64, db_index=True)
    day = models.DateField(_("day"), db_index=True)

    # Nobody but leaders and administrators reads single votes.
    scope_rule = ScopeRule()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["proposal", "voter_hash"], name="projects_vote_one_per_browser")]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.day}"

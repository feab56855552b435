"""Field work: micro-wishes (微心愿), dispute mediation (1+3+N), patrols and inspections,
emergencies (突发事件联动).

Every workflow has a transition table in `workflows.py`; every write goes through
`services.py`; every step is kept in the append-only `FieldEvent` timeline.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shanzhi.core.models import BaseModel
from shanzhi.core.scoping import ScopeRule
from shanzhi.core.texts import SystemTextField
from shanzhi.orgs.validators import validate_phone

LON = [MinValueValidator(-180), MaxValueValidator(180)]
LAT = [MinValueValidator(-90), MaxValueValidator(90)]
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_code(prefix: str) -> str:
    """A short unguessable reference: prefix + date + 6 random characters."""
    return f"{prefix}{timezone.localdate():%y%m%d}" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


# ============================================================================ timeline and photos


class FieldEvent(models.Model):
    """Append-only timeline of any field-work record (wish, dispute, patrol, incident…)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(db_index=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=30, blank=True)
    to_status = models.CharField(pgettext_lazy("status change", "to"), max_length=30, blank=True)
    note = SystemTextField(_("note"), blank=True)  # a person's words, or a Text shown in the reader's language
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Timeline events are append-only.")


class FieldPhoto(BaseModel):
    """A photo attached to a field-work record: re-encoded without metadata before storage."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(db_index=True)
    image = models.ImageField(_("photo"), upload_to="fieldwork/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=30, blank=True)

    # Photos are shown through the (scoped) page of the record they belong to.
    scope_rule = ScopeRule(owner="created_by_id")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.caption or self.image.name


# ============================================================================ micro-wishes


class Wish(BaseModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting review")
        PUBLISHED = "published", pgettext_lazy("wish", "Published")
        CLAIMED = "claimed", _("Claimed")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", pgettext_lazy("fieldwork status", "Cancelled")

    class Beneficiary(models.TextChoices):
        ELDERLY = "elderly", _("Elderly person")
        DISABLED = "disabled", _("Person with a disability")
        CHILD = "child", _("Child")
        LOW_INCOME = "low_income", _("Low-income family")
        OTHER = "other", _("Other person in need")

    class ClaimerKind(models.TextChoices):
        PARTY_MEMBER = "party_member", _("Party member")
        VOLUNTEER = "volunteer", _("Volunteer")
        UNIT = "unit", _("Unit")

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("wish"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    beneficiary_kind = models.CharField(_("for whom"), max_length=20, choices=Beneficiary.choices)
    beneficiary_name = models.CharField(
        _("beneficiary (private)"),
        max_length=50,
        blank=True,
        help_text=_("Kept for staff only, never shown on the public wall."),
    )
    beneficiary_phone = models.CharField(_("beneficiary phone"), max_length=30, blank=True, validators=[validate_phone])
    consent = models.BooleanField(_("beneficiary consents"), default=False)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])
    deadline = models.DateField(_("wanted by"))
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    published_at = models.DateTimeField(pgettext_lazy("wish", "published at"), null=True, blank=True)
    claimer_kind = models.CharField(_("claimed by (kind)"), max_length=20, choices=ClaimerKind.choices, blank=True)
    claimer_name = models.CharField(_("claimed by"), max_length=100, blank=True)
    claimer_phone = models.CharField(_("claimer phone"), max_length=30, blank=True, validators=[validate_phone])
    claimer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimer account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    proof_note = models.TextField(_("delivery note"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    thanks = models.TextField(_("thanks"), blank=True)
    flagged_at = models.DateTimeField(_("flagged near deadline at"), null=True, blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", owner=("submitted_by_id", "claimer_user_id"))
    personal_fields = ("beneficiary_phone", "claimer_phone")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        permissions = [("claim_wish", _("Can claim a published micro-wish"))]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open_for_claim(self) -> bool:
        return self.status == self.Status.PUBLISHED


# ============================================================================ disputes (1+3+N)


class Dispute(BaseModel):
    class Type(models.TextChoices):
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
        FAMILY = "family", _("Family")
        LABOUR = "labour", _("Labour and wages")
        PROPERTY = "property", _("Property management")
        LAND = "land", _("Land")
        HISTORICAL = "historical", _("Historical legacy")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        CASE = "case", _("From a case")
        WALK_IN = "walk_in", _("Walk-in")
        GRID_WORKER = "grid_worker", _("Grid worker")
        POLICE = "police", _("Police referral")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", pgettext_lazy("risk", "Medium")
        HIGH = "high", _("High")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        MEDIATING = "mediating", _("Mediating")
        AGREED = "agreed", _("Agreement reached")
        REFERRED = "referred", _("Referred")
        FOLLOW_UP = "follow_up", _("Following up")
        CLOSED = "closed", _("Closed")

    class ReferTo(models.TextChoices):
        ARBITRATION = "arbitration", _("Labour arbitration")
        COURT = "court", _("Court")
        OTHER = "other", _("Other body")

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    dispute_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    description = models.TextField(_("description"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    case_code = models.CharField(_("case code"), max_length=40, blank=True)
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_level = models.CharField(_("risk level"), max_length=10, choices=Risk.choices, default=Risk.LOW, db_index=True)
    risk_reason = models.TextField(_("reason for the risk level"), blank=True)
    people_involved = models.PositiveIntegerField(_("people involved"), default=2)
    is_group = models.BooleanField(_("group dispute"), default=False, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED, db_index=True
    )
    agreement = models.TextField(_("agreement"), blank=True)
    agreement_file = models.FileField(_("agreement document"), upload_to="fieldwork/agreements/%Y/", blank=True)
    referred_to = models.CharField(_("referred to"), max_length=20, choices=ReferTo.choices, blank=True)
    referral_body = models.CharField(_("receiving body"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closure_note = models.TextField(_("closure note"), blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", owner="created_by_id")
    # core.services._jsonable fails on an empty FileField (hasattr(url) raises ValueError):
    # the document is audited by name in the transition instead.
    audit_exclude = ("updated_at", "version", "agreement_file")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class DisputeParty(BaseModel):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", pgettext_lazy("party", "Organisation")

    class Side(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        OTHER = "other", _("Other party")

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="parties")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    side = models.CharField(_("side"), max_length=20, choices=Side.choices, default=Side.APPLICANT)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])

    scope_rule = ScopeRule(community="dispute__community_id", grid="dispute__grid_id")
    personal_fields = ("phone",)

    class Meta:
        ordering = ["id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name


class MediationSession(BaseModel):
    class Kind(models.TextChoices):
        SESSION = "session", _("Mediation session")
        FOLLOW_UP = "follow_up", _("Follow-up visit")

    class Outcome(models.TextChoices):
        CONTINUE = "continue", _("To be continued")
        AGREED = "agreed", _("Agreement reached")
        FAILED = "failed", _("No agreement")
        STABLE = "stable", _("Stable")
        UNSTABLE = "unstable", _("Not stable")

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SESSION)
    held_at = models.DateTimeField(_("held at"))
    mediators = models.CharField(_("mediators"), max_length=300)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)

    scope_rule = ScopeRule(community="dispute__community_id", grid="dispute__grid_id")

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_at:%Y-%m-%d}"


# ============================================================================ patrols


class Checklist(BaseModel):
    class Kind(models.TextChoices):
        GRID = "grid", _("Grid patrol (five elements)")
        ENTERPRISE = "enterprise", _("Enterprise safety")
        RIVER = "river", _("River section")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    items = models.JSONField(_("items"), default=list, help_text=_("One check per line."))
    is_active = models.BooleanField(_("active"), default=True)

    scope_rule = ScopeRule(staff_reference=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return self.name


class RiverSection(BaseModel):
    """A river section under a river chief (河长制)."""

    name = models.CharField(_("name"), max_length=100)
    river = models.CharField(_("river"), max_length=100)
    length_km = models.DecimalField(_("length (km)"), max_digits=6, decimal_places=2, null=True, blank=True)
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chief = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("river chief"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", owner="chief_id", departments_view_all=True)

    class Meta:
        ordering = ["river", "name"]
        verbose_name = _("river section")
        verbose_name_plural = _("river sections")

    def __str__(self) -> str:
        return f"{self.river}·{self.name}"


class PatrolPlan(BaseModel):
    class PatrollerRole(models.TextChoices):
        GRID_WORKER = "grid_worker", _("Grid worker")
        RIVER_CHIEF = "river_chief", _("River chief")
        SAFETY_INSPECTOR = "safety_inspector", _("Safety inspector")

    class Target(models.TextChoices):
        GRID = "grid", _("Grid")
        RIVER = "river", _("River section")
        ENTERPRISE = "enterprise", _("Enterprise")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    name = models.CharField(_("name"), max_length=100)
    patroller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("patroller"), on_delete=models.PROTECT, related_name="+"
    )
    patroller_role = models.CharField(_("patroller role"), max_length=20, choices=PatrollerRole.choices)
    target = models.CharField(_("where"), max_length=20, choices=Target.choices)
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    river_section = models.ForeignKey(
        RiverSection,
        verbose_name=_("river section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="plans"
    )
    frequency = models.CharField(_("how often"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    times_per_period = models.PositiveSmallIntegerField(
        _("patrols per period"), default=1, validators=[MinValueValidator(1)]
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    is_active = models.BooleanField(_("active"), default=True)
    flagged_period = models.CharField(_("last period flagged overdue"), max_length=20, blank=True, editable=False)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", owner="patroller_id")

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("patrol plan")
        verbose_name_plural = _("patrol plans")

    def __str__(self) -> str:
        return self.name

    @property
    def place(self):
        return self.grid or self.river_section or self.enterprise


class Patrol(BaseModel):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", pgettext_lazy("fieldwork status", "In progress")
        ENDED = "ended", _("Ended")

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    plan = models.ForeignKey(
        PatrolPlan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.PROTECT, related_name="patrols"
    )
    patroller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("patroller"), on_delete=models.PROTECT, related_name="+"
    )
    checklist = models.ForeignKey(Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    river_section = models.ForeignKey(
        RiverSection, verbose_name=_("river section"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS, db_index=True
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    results = models.JSONField(_("check results"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=LON)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=LAT)
    is_reinspection = models.BooleanField(_("re-inspection"), default=False)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", owner="patroller_id")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")

    def __str__(self) -> str:
        return f"{self.code} {self.place or ''}".strip()

    @property
    def place(self):
        return self.enterprise or self.river_section or self.grid or self.community


class Finding(BaseModel):
    """A problem found on a patrol; it becomes a case with a rectification deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting rectification")
        RECTIFIED = "rectified", _("Rectified")
        SENT_BACK = "sent_back", _("Sent back")
        CANCELLED = "cancelled", pgettext_lazy("fieldwork status", "Cancelled")

    patrol = models.ForeignKey(Patrol, verbose_name=_("patrol"), on_delete=models.PROTECT, related_name="findings")
    item = models.CharField(_("check item"), max_length=200, blank=True)
    description = models.TextField(_("problem"))
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "orgs.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectify_workdays = models.PositiveSmallIntegerField(
        _("rectification time (working days)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    deadline = models.DateTimeField(_("rectification deadline"), null=True, blank=True)
    case_id_ref = models.PositiveBigIntegerField(_("case id"), null=True, blank=True, editable=False)
    case_code = models.CharField(_("case"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    reinspected_at = models.DateTimeField(_("re-inspected at"), null=True, blank=True)
    reinspection_note = models.TextField(_("re-inspection note"), blank=True)
    times_sent_back = models.PositiveSmallIntegerField(_("times sent back"), default=0)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", owner="patrol__patroller_id")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("patrol finding")
        verbose_name_plural = _("patrol findings")

    def __str__(self) -> str:
        return self.description[:40]


class SafetyRecord(BaseModel):
    """An enterprise's work-safety responsibility record (安全生产责任)."""

    enterprise = models.OneToOneField(
        "orgs.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="safety_record"
    )
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.CharField(_("person responsible"), max_length=50)
    responsible_phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    safety_officer = models.CharField(_("safety officer"), max_length=50, blank=True)
    risk_category = models.CharField(_("risk category"), max_length=100, blank=True)
    last_inspection_at = models.DateTimeField(_("last inspection"), null=True, blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", departments_view_all=True)
    personal_fields = ("responsible_phone",)

    class Meta:
        ordering = ["enterprise__name"]
        verbose_name = _("safety responsibility record")
        verbose_name_plural = _("safety responsibility records")

    def __str__(self) -> str:
        return str(self.enterprise)


class Hazard(BaseModel):
    class Level(models.TextChoices):
        GENERAL = "general", _("General hazard")
        MAJOR = "major", _("Major hazard")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("fieldwork status", "Open")
        RECTIFIED = "rectified", _("Rectified")

    enterprise = models.ForeignKey(
        "orgs.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.OneToOneField(
        Finding,
        verbose_name=_("patrol finding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazard",
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.GENERAL)
    description = models.TextField(_("hazard"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    deadline = models.DateTimeField(_("rectification deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", departments_view_all=True)

    class Meta:
        ordering = ["status", "deadline"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    def __str__(self) -> str:
        return self.description[:40]


# ============================================================================ emergencies


class IncidentType(models.TextChoices):
    FIRE = "fire", _("Fire")
    FLOOD = "flood", _("Flood or typhoon")
    GAS = "gas", _("Gas leak")
    BUILDING = "building", _("Building or structure")
    TRAFFIC = "traffic", _("Traffic accident")
    HEALTH = "health", _("Public health")
    GATHERING = "gathering", _("Mass gathering")
    OTHER = "other", _("Other")


class Severity(models.IntegerChoices):
    # The national four-level scale: I is the most serious.
    I = 1, _("Level I (especially serious)")  # noqa: E741
    II = 2, _("Level II (serious)")
    III = 3, _("Level III (larger)")
    IV = 4, _("Level IV (general)")


class AlertChain(BaseModel):
    """Who is alerted for an incident type at or above a severity, level by level."""

    name = models.CharField(_("name"), max_length=100)
    incident_type = models.CharField(
        _("incident type"), max_length=20, choices=IncidentType.choices, blank=True, help_text=_("Empty: every type.")
    )
    max_severity = models.PositiveSmallIntegerField(
        _("applies from severity"),
        choices=Severity.choices,
        default=Severity.IV,
        help_text=_("The chain applies to incidents of this level or more serious."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    scope_rule = ScopeRule(staff_reference=True)

    class Meta:
        ordering = ["incident_type", "max_severity"]
        verbose_name = _("alert chain")
        verbose_name_plural = _("alert chains")

    def __str__(self) -> str:
        return self.name


class AlertChainStep(BaseModel):
    chain = models.ForeignKey(AlertChain, verbose_name=_("alert chain"), on_delete=models.PROTECT, related_name="steps")
    level = models.PositiveSmallIntegerField(_("level"), default=1, validators=[MinValueValidator(1)])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    ack_minutes = models.PositiveSmallIntegerField(
        _("acknowledge within (minutes)"), default=5, validators=[MinValueValidator(1)]
    )

    scope_rule = ScopeRule(staff_reference=True)

    class Meta:
        ordering = ["chain", "level", "id"]
        verbose_name = _("alert chain step")
        verbose_name_plural = _("alert chain steps")

    def __str__(self) -> str:
        return f"{self.chain} L{self.level} {self.user}"


class Incident(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("fieldwork status", "Open")
        RESPONDING = "responding", _("Responding")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    incident_type = models.CharField(_("type"), max_length=20, choices=IncidentType.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("place"), max_length=300)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=LON)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=LAT)
    community = models.ForeignKey(
        "orgs.Community", verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "orgs.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chain = models.ForeignKey(
        AlertChain, verbose_name=_("alert chain"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_drill = models.BooleanField(_("drill"), default=False, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    # The alerted people see the incident whatever their scope.
    scope_rule = ScopeRule(community=("community_id",), grid="grid_id", owner=("reported_by_id", "alerts__user_id"))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        prefix = "[演练] " if self.is_drill else ""
        return f"{prefix}{self.code} {self.title}"


class IncidentAlert(models.Model):
    """One person alerted for an incident, and when they acknowledged."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="alerts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    sent_at = models.DateTimeField(_("alerted at"), default=timezone.now)
    due_at = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        ordering = ["level", "sent_at", "id"]
        verbose_name = _("incident alert")
        verbose_name_plural = _("incident alerts")
        constraints = [models.UniqueConstraint(fields=["incident", "user"], name="fieldwork_alert_once_per_person")]

    def __str__(self) -> str:
        return f"{self.incident.code} → {self.user}"

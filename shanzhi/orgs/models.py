"""Organisations and grids: departments, communities, grids, grid workers, enterprises,
party organisations and members (党建+网格化), volunteers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.core.models import BaseModel
from shanzhi.core.scoping import ScopeRule
from shanzhi.orgs.validators import validate_geojson_polygon, validate_phone, validate_uscc

LON_VALIDATORS = [MinValueValidator(-180), MaxValueValidator(180)]
LAT_VALIDATORS = [MinValueValidator(-90), MaxValueValidator(90)]


class Department(BaseModel):
    """A functional department or office (职能部门 / 科室) of the street, or an outside body."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("Street office")
        CENTRE = "centre", _("Service centre")
        EXTERNAL = "external", _("Stationed or external body")
        DISPATCH = "dispatch", _("Dispatch desk")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OFFICE)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    duties = models.TextField(_("duties"), blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_departments",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    scope_rule = ScopeRule(department="pk", staff_reference=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Community(BaseModel):
    """A community (社区) with its statistical division code and boundary."""

    code = models.CharField(_("statistical code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True, validators=[validate_geojson_polygon])
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    address = models.CharField(_("office address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="pk", staff_reference=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class Grid(BaseModel):
    """A grid (网格): 300–500 households with its workers and boundary."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="grids"
    )
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True, validators=[validate_geojson_polygon])
    households = models.PositiveIntegerField(_("households"), default=0)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="GridAssignment",
        through_fields=("grid", "user"),
        related_name="grids",
        verbose_name=_("grid workers"),
        blank=True,
    )
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", grid="pk", staff_reference=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        indexes = [models.Index(fields=["community", "code"])]

    def __str__(self) -> str:
        return self.name


class GridAssignment(BaseModel):
    """A grid worker (网格员) or grid leader (网格长) assigned to a grid."""

    class Role(models.TextChoices):
        WORKER = "worker", _("Grid worker")
        LEADER = "leader", _("Grid leader")
        FULL_TIME = "full_time", _("Full-time grid worker")

    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="grid_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.WORKER)

    scope_rule = ScopeRule(community="grid__community_id", grid="grid_id", owner="user_id")

    class Meta:
        ordering = ["grid__code", "role"]
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "user"], condition=models.Q(is_deleted=False), name="orgs_gridassignment_unique_live"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grid} · {self.user} ({self.get_role_display()})"


class Enterprise(BaseModel):
    class Size(models.TextChoices):
        LARGE = "large", _("Large")
        MEDIUM = "medium", _("Medium")
        SMALL = "small", _("Small")
        MICRO = "micro", _("Micro")

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        help_text=_("18 characters; the last one is a check character."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="enterprises"
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True, validators=[validate_phone])
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, default=Size.SMALL)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    is_above_scale = models.BooleanField(_("above designated size (规上)"), default=False)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", grid="grid_id", departments_view_all=True)
    personal_fields = ("contact_phone",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name


class PartyOrganization(BaseModel):
    """A party organisation tied to a community or a grid (党建+网格化)."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General branch")
        BRANCH = "branch", _("Branch")
        GROUP = "group", _("Party group")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BRANCH)
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_organizations",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_organizations",
    )
    secretary = models.CharField(_("secretary"), max_length=50, blank=True)

    scope_rule = ScopeRule(community="community_id", grid="grid_id")

    class Meta:
        ordering = ["name"]
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")

    def __str__(self) -> str:
        return self.name


class Person(BaseModel):
    """Common fields of people kept in the registers (party members, volunteers)."""

    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_phone])
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    community = models.ForeignKey(
        Community, verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(community="community_id", grid="grid_id")
    personal_fields = ("phone", "id_number")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class PartyMember(Person):
    """A party member, assigned to a grid (党员融网)."""

    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("party organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_member",
    )
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")


class Volunteer(Person):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    service_hours = models.DecimalField(_("service hours"), max_digits=8, decimal_places=1, default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

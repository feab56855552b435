"""Open311 GeoReport v2 adapter: the API keys of third-party clients and, for each request a
client posted, the Open311-only fields that the case itself does not hold (email, device,
account, media URL, attributes, the client's idempotency key, the request token).

The case is created by `shanzhi.cases.services.case_create(source="open311")`; this app never
writes to the cases tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.core.models import BaseModel
from shanzhi.core.scoping import ScopeRule


class ApiKey(BaseModel):
    """A client's key. Only its SHA-256 is stored; the key itself is shown once, at creation.
    The client's requests are attributed to its service account (a user that cannot sign in)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("key prefix"), max_length=12, help_text=_("The first characters, to recognise a key."))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    service_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="open311_keys",
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    # Keys are the administrators' business: no role scope reaches them (leaders read all).
    scope_rule = ScopeRule()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ServiceRequest(BaseModel):
    """One request received through Open311: the case it became and what only Open311 carries."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="open311_request"
    )
    api_key = models.ForeignKey(ApiKey, verbose_name=_("API key"), on_delete=models.PROTECT, related_name="requests")
    service_code = models.CharField(_("service code"), max_length=60)
    token = models.CharField(_("token"), max_length=40, unique=True, editable=False)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    first_name = models.CharField(_("first name"), max_length=50, blank=True)
    last_name = models.CharField(_("last name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    media_url = models.URLField(
        _("media URL"), max_length=2000, blank=True, help_text=_("Stored as a reference; never fetched.")
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, blank=True)
    is_generated = models.BooleanField(_("generated demo data"), default=False)

    scope_rule = ScopeRule(
        community="case__community_id",
        grid="case__grid_id",
        department=("case__department_id", "case__summons__department_id"),
    )
    personal_fields = ("email", "first_name", "last_name", "phone")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="open311_request_idempotency_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.code} ({self.api_key.name})"

    @property
    def reporter_name(self) -> str:
        return f"{self.last_name}{self.first_name}".strip()

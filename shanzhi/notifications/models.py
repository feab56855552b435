from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.core.scoping import ScopedQuerySet, ScopeRule
from shanzhi.core.texts import SystemTextField


class Notification(models.Model):
    """One message in a user's in-app inbox (and, by channel, sent through a gateway)."""

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        URGENT = "urgent", _("Urgent")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="notifications"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    title = SystemTextField(_("title"))  # a Text is shown in the reader's language
    body = SystemTextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=50, blank=True, db_index=True)
    # What the message is about, for de-duplication of reminders ("case:12:overdue").
    topic = models.CharField(_("topic"), max_length=120, blank=True, db_index=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope_rule = ScopeRule(owner="recipient_id")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return str(self.title)  # a Text, in the reader's language


class OutboundMessage(models.Model):
    """What was handed to an SMS / WeChat gateway, and what it answered (the outbox log)."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.PROTECT, related_name="outbound"
    )
    gateway = models.CharField(_("gateway"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20)
    to = models.CharField(_("to"), max_length=100)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    response = models.TextField(_("gateway response"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}"

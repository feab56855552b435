"""The base model, the audit log and the holiday calendar overrides."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanzhi.core.scoping import ScopedQuerySet, ScopeRule
from shanzhi.core.texts import SystemTextField


class LiveManager(models.Manager.from_queryset(ScopedQuerySet)):
    """Default manager: rows that were not soft-deleted."""

    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class AllRowsManager(models.Manager.from_queryset(ScopedQuerySet)):
    """Every row, the soft-deleted ones included (audit, restore)."""


class BaseModel(models.Model):
    """Every business record: timestamps, who made and changed it, soft deletion, a version.

    Business records are never hard-deleted: `core.services.soft_delete` marks them and writes
    an audit row. `version` is bumped by every service write so that a stale edit is refused.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_deleted = models.BooleanField(_("deleted"), default=False, db_index=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = LiveManager()
    all_objects = AllRowsManager()

    scope_rule: ScopeRule = ScopeRule()
    # Fields copied into audit rows (others are summarised as "changed").
    audit_exclude: tuple[str, ...] = ("updated_at", "version")

    class Meta:
        abstract = True
        base_manager_name = "all_objects"
        default_manager_name = "objects"

    def delete(self, *args, **kwargs):
        raise RuntimeError(
            f"{type(self).__name__} is a business record: use core.services.soft_delete(), "
            "which keeps the row and writes the audit log."
        )


class AuditEvent(models.Model):
    """Append-only: who did what to which record, when, with the changed fields."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        RESTORE = "restore", _("Restored")
        TRANSITION = "transition", _("State change")
        VIEW_PERSONAL = "view_personal", _("Viewed personal data")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        LOGIN = "login", _("Logged in")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = SystemTextField(_("note"), blank=True)  # a person's words, or a Text shown in the reader's language
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")


class CalendarOverride(models.Model):
    """A day whose working status differs from the calendar package (local adjustments, or
    years the package does not cover yet)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"


class SiteSetting(models.Model):
    """Runtime-configurable constants (three-rate weights, deadlines, report day…), by key."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    value = models.JSONField(_("value"))
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("setting")
        verbose_name_plural = _("settings")

    def __str__(self) -> str:
        return self.key


class PeriodicJob(models.Model):
    """When each periodic job was last put on the task queue, and how its last run ended: the
    schedule survives a restart (the nightly jobs no longer ran at every start), and several
    schedulers enqueue a job once (each claims it with one conditional UPDATE)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    result = models.CharField(_("last result"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name

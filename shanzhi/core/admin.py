import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanzhi.core.models import AuditEvent, CalendarOverride, PeriodicJob, SiteSetting
from shanzhi.core.registry import registry


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor", "action", "content_type", "object_repr", "ip_address"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "note", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]

    def save_model(self, request, obj, form, change):
        from shanzhi.core.workdays import clear_cache

        super().save_model(request, obj, form, change)
        clear_cache()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


class KeyInput(forms.TextInput):
    """A text box offering the known keys not yet set (a datalist): any key can still be
    typed, and one no app reads is refused by the form."""

    def __init__(self, keys: list[tuple[str, str]], attrs=None):
        super().__init__({"list": "sitesetting-keys", "autocomplete": "off", "size": 40, **(attrs or {})})
        self.keys = keys

    def render(self, name, value, attrs=None, renderer=None):
        options = format_html_join("", '<option value="{}">{}</option>', self.keys)
        return super().render(name, value, attrs, renderer) + format_html(
            '<datalist id="sitesetting-keys">{}</datalist>', options
        )


class ValueField(forms.JSONField):
    """An empty box, not `null`, when there is no value yet; and an empty box, `[]` or `{}` go
    on to the key's own check (which says what is expected) instead of "This field is
    required"."""

    def __init__(self, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class SiteSettingForm(forms.ModelForm):
    class Meta:
        model = SiteSetting
        fields = ["key", "value", "description"]
        field_classes = {"value": ValueField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "key" in self.fields:
            taken = set(SiteSetting.objects.values_list("key", flat=True))
            self.fields["key"].widget = KeyInput(
                [(k.key, str(k.description)) for k in registry.known_settings() if k.key not in taken]
            )

    def clean(self):
        data = super().clean()
        key = data.get("key") if "key" in self.fields else self.instance.key
        if not key or "value" not in data:
            return data
        value = data["value"]
        hooks = registry.settings_for(key)
        if hooks is None:
            if "key" in self.fields:  # a new row: no app reads the key
                prefixes = ", ".join(sorted(registry.settings))
                self.add_error(
                    "key", _("Unknown setting %(k)s: a key starts with one of %(p)s.") % {"k": key, "p": prefixes}
                )
                return data
            # A row stored before keys were checked: still editable, but never without a value.
            if value is None:
                self.add_error("value", forms.Field.default_error_messages["required"])
            return data
        try:
            hooks[0](key, value)
        except ValidationError as exc:
            self.add_error("value", exc)
        else:
            if value is None:  # the column holds no NULL; a validator should have said so
                self.add_error("value", forms.Field.default_error_messages["required"])
        return data


@admin.register(SiteSetting)
class SiteSettingAdmin(admin.ModelAdmin):
    """Settings are checked by the app that owns their key (a weight "abc" made every rates
    page a 500) and take effect at once (the apps' caches kept the old value for a minute).
    The list and the add page show every key the apps read, with its default and meaning."""

    form = SiteSettingForm
    list_display = ["key", "value", "meaning", "description"]
    change_list_template = "admin/core/sitesetting/change_list.html"
    change_form_template = "admin/core/sitesetting/change_form.html"

    @admin.display(description=gettext_lazy("What it sets"))
    def meaning(self, obj):
        known = registry.setting_keys.get(obj.key)
        return known.description if known else ""

    def get_readonly_fields(self, request, obj=None):
        # A key is renamed by adding the new one and deleting the old.
        return ["key"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        known = registry.setting_keys.get(initial.get("key") or "")
        if known is not None and "value" not in initial:
            initial["value"] = known.default
        return initial

    def _known_keys(self) -> list[dict]:
        rows = dict(SiteSetting.objects.values_list("key", "pk"))
        return [
            {
                "key": k.key,
                "default": _json(k.default),
                "description": k.description,
                "pk": rows.get(k.key),
            }
            for k in registry.known_settings()
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"known_settings": self._known_keys(), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            "known_settings": self._known_keys(),
            "setting_defaults": {k.key: k.default for k in registry.known_settings()},
            **(extra_context or {}),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        hooks = registry.settings_for(obj.key)
        if hooks is not None:
            hooks[1]()

    def delete_model(self, request, obj):
        self.delete_queryset(request, SiteSetting.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        keys = list(queryset.values_list("key", flat=True))
        super().delete_queryset(request, queryset)
        for hooks in {registry.settings_for(k) for k in keys} - {None}:
            hooks[1]()


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    """Read-only: when each periodic job last ran (the scheduler writes these rows)."""

    list_display = ["name", "enqueued_at", "finished_at", "result"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


def name_api_enums() -> None:
    """Give every choice set of our models one stable OpenAPI enum name, <Model><Class>Enum.

    Fields called "status", "kind" or "source" exist in many apps with different choices;
    without explicit names drf-spectacular invents hashed ones (Status8c3Enum) and warns.
    Identical choice sets share the first name found, so no set has two names.
    """
    from django.conf import settings
    from django.db import models

    overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
    seen_values = {_key_of(path) for path in overrides.values() if isinstance(path, str)}
    for config in apps.get_app_configs():
        if not config.name.startswith("shanzhi."):
            continue
        module = __import__(f"{config.name}.models", fromlist=["*"]) if config.models_module else None
        candidates = []
        for model in config.get_models():
            for attr, value in vars(model).items():
                if (
                    isinstance(value, type)
                    and issubclass(value, models.Choices)
                    and value.__module__ == model.__module__
                ):
                    candidates.append(
                        (f"{model.__name__}{attr}Enum", f"{model.__module__}.{model.__name__}.{attr}", value)
                    )
        for attr, value in vars(module or object).items():
            if (
                isinstance(value, type)
                and issubclass(value, models.Choices)
                and value.__module__ == getattr(module, "__name__", "")
            ):
                candidates.append((f"{config.label.capitalize()}{attr}Enum", f"{value.__module__}.{attr}", value))
        for name, path, choices in candidates:
            key = _key(choices)
            if name in overrides or key in seen_values:
                continue
            overrides[name] = path
            seen_values.add(key)


def _key(choices) -> tuple:
    # drf-spectacular identifies a choice set by its (value, label) pairs.
    return tuple(sorted((str(v), str(label)) for v, label in choices.choices))


def _key_of(path: str) -> tuple:
    from django.utils.module_loading import import_string

    try:
        return _key(import_string(path))
    except (ImportError, AttributeError):
        return ()


class CoreConfig(AppConfig):
    default = True  # this module holds other apps' configs too (below)
    name = "shanzhi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        name_api_enums()
        from django.db.models.signals import post_delete, post_save

        from shanzhi.core import workdays
        from shanzhi.core.models import CalendarOverride, SiteSetting
        from shanzhi.core.registry import registry

        # Any save of an override (admin, shell, import) clears the cached calendar at once.
        post_save.connect(workdays.clear_cache, sender=CalendarOverride, dispatch_uid="core-calendar-save")
        post_delete.connect(workdays.clear_cache, sender=CalendarOverride, dispatch_uid="core-calendar-delete")
        # The office hours ("calendar.office_hours"): checked before the admin saves them; any
        # save of the row clears the cached calendar likewise.
        registry.add_settings("calendar.", workdays.validate_setting, workdays.clear_cache)
        registry.add_setting_keys(
            {workdays.OFFICE_HOURS_KEY: workdays.DEFAULT_OFFICE_HOURS},
            {workdays.OFFICE_HOURS_KEY: _("Office hours of a working day: periods of [start, end], in order.")},
        )
        post_save.connect(workdays.clear_on_setting_change, sender=SiteSetting, dispatch_uid="core-office-hours-save")
        post_delete.connect(workdays.clear_on_setting_change, sender=SiteSetting, dispatch_uid="core-office-hours-del")


# The third-party apps' own configs name them in English only ("Axes", "Tasks Database
# Backend"), which showed untranslated in the Chinese admin; their models' names are
# translated in this app's catalogue (the packages mark them for translation but ship no
# Chinese).
class AxesConfig(AxesAppConfig):
    default = False
    verbose_name = _("Login lockouts")


class TasksDatabaseConfig(TasksAppConfig):
    default = False
    verbose_name = _("Background tasks")

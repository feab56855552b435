from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "shanzhi.open311"
    label = "open311"
    verbose_name = _("Open311")

    def ready(self):
        from shanzhi.core.registry import MenuItem, registry
        from shanzhi.open311 import conf, demo

        registry.add_menu(
            MenuItem(
                section=_("Cases"),
                label=_("Open311 requests"),
                url_name="open311:servicerequest_list",
                permission="open311.view_servicerequest",
                order=290,
                icon="api",
            )
        )
        registry.add_demo_loader(55, "open311", demo.load)
        # Checked before the admin saves a value; a save clears the cache, so it applies at once.
        registry.add_settings("open311.", conf.validate, conf.clear_cache)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "shanzhi.cockpit"
    label = "cockpit"
    verbose_name = _("Cockpit and reports")

    def ready(self):
        from shanzhi.cockpit import demo, panels, services
        from shanzhi.core.registry import MenuItem, registry

        section = _("Cockpit")
        registry.add_menu(
            MenuItem(
                section=section,
                label=_("Cockpit"),
                url_name="cockpit:cockpit",
                permission="cockpit.view_casestat",
                order=1,
                icon="gauge",
            )
        )
        registry.add_menu(
            MenuItem(
                section=section,
                label=_("Big screen"),
                url_name="cockpit:bigscreen",
                permission="cockpit.view_casestat",
                order=2,
                icon="device-desktop",
            )
        )
        registry.add_menu(
            MenuItem(
                section=section,
                label=_("Report archive"),
                url_name="cockpit:report_list",
                permission="cockpit.view_report",
                order=3,
                icon="file-text",
            )
        )
        registry.add_home_panel(["admin", "leader", "community", "dept", "grid"], panels.cockpit_panel, order=1)
        registry.add_demo_loader(90, "cockpit rollups and bulletin", demo.load)
        registry.add_periodic("cockpit.rollup_refresh", 300, services.rollup_refresh_job)
        registry.add_periodic("cockpit.rollup_rebuild", 24 * 3600, services.rollup_rebuild_job)
        registry.add_periodic("cockpit.monthly_bulletin", 6 * 3600, services.monthly_bulletin_job)

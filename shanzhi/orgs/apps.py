from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "shanzhi.orgs"
    label = "orgs"
    verbose_name = _("Organisations and grids")

    def ready(self):
        from shanzhi.core.registry import MenuItem, registry
        from shanzhi.orgs import demo, panels

        section = _("Organisation")
        for order, (label, url, icon) in enumerate(
            [
                (_("Grid map"), "orgs:map", "map"),
                (_("Communities"), "orgs:community_list", "building-community"),
                (_("Grids"), "orgs:grid_list", "grid-dots"),
                (_("Grid workers"), "orgs:gridassignment_list", "user-pin"),
                (_("Departments"), "orgs:department_list", "building"),
                (_("Enterprises"), "orgs:enterprise_list", "building-factory"),
                (_("Party organisations"), "orgs:partyorganization_list", "flag"),
                (_("Party members"), "orgs:partymember_list", "star"),
                (_("Volunteers"), "orgs:volunteer_list", "heart-handshake"),
                (_("Import"), "orgs:import_geojson", "upload"),
            ]
        ):
            perm = "orgs.add_grid" if url == "orgs:import_geojson" else f"orgs.view_{url.split(':')[1].split('_')[0]}"
            if url == "orgs:map":
                perm = "orgs.view_grid"
            registry.add_menu(
                MenuItem(section=section, label=label, url_name=url, permission=perm, order=500 + order, icon=icon)
            )
        registry.add_demo_loader(10, "organisations and grids", demo.load)
        registry.add_home_panel(["admin", "leader", "dept", "community", "grid"], panels.organisation_panel, order=900)

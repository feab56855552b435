from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "shanzhi.plans"
    label = "plans"
    verbose_name = _("Plans and indicators")

    def ready(self):
        from shanzhi.core.registry import MenuItem, registry
        from shanzhi.plans import panels, rules, services

        section = _("Work plan")
        items = [
            (_("Plan tree"), "plans:plan_list", "plans.view_plan", "list-tree"),
            (_("Tasks"), "plans:node_list", "plans.view_plannode", "checklist"),
            (_("Progress reports"), "plans:report_list", "plans.view_progressreport", "report"),
            (_("Supervision notices"), "plans:notice_list", "plans.view_supervisionnotice", "alarm"),
            (_("Indicators"), "plans:indicator_list", "plans.view_indicator", "chart-line"),
            (_("Unit scorecard"), "plans:scorecard", "plans.view_plannode", "trophy"),
            (_("Supervision rules"), "plans:rules", "plans.view_plannode", "scale"),
            (_("Import a plan"), "plans:draft_list", "plans.add_plandraft", "file-import"),
        ]
        for order, (label, url, perm, icon) in enumerate(items):
            registry.add_menu(
                MenuItem(section=section, label=label, url_name=url, permission=perm, order=200 + order, icon=icon)
            )
        registry.add_home_panel(["admin", "leader", "dept", "community", "grid"], panels.plan_panel, order=200)
        registry.add_periodic("plans.supervision_sweep", 6 * 3600, services.supervision_sweep)
        # `plans.rules`: the admin checks it as the Supervision rules page does.
        registry.add_settings("plans.", rules.validate_setting)

        from shanzhi.plans import demo_data

        registry.add_demo_loader(30, "work plan, supervision and indicators", demo_data.load)

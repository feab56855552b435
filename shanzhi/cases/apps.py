from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "shanzhi.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from shanzhi.cases import conf, demo, panels, services, training, views
        from shanzhi.core.registry import MenuItem, registry

        section = _("Cases")
        items = [
            (_("Cases"), "cases:case_list", "cases.view_case", "list-check"),
            (_("Hotline entry"), "cases:case_add", "cases.add_case", "phone-call"),
            (_("Three rates"), "cases:rates", "cases.view_rates", "chart-bar"),
            (_("Categories"), "cases:category_list", "cases.view_category", "category"),
            (_("Keyword rules"), "cases:keywordrule_list", "cases.view_keywordrule", "filter"),
            (_("Routing models"), "cases:routing_models", "cases.change_keywordrule", "brain"),
            (_("Submit a request (public)"), "cases:public_submit", None, "send"),
        ]
        for order, (label, url, perm, icon) in enumerate(items):
            registry.add_menu(
                MenuItem(section=section, label=label, url_name=url, permission=perm, order=200 + order, icon=icon)
            )
        # The dispatch desk's queue: leaders, administrators and the desk's own staff.
        registry.add_menu(
            MenuItem(
                section=section,
                label=_("Dispatch desk"),
                url_name="cases:desk",
                roles=frozenset({"admin", "leader", "dept"}),
                permission="cases.view_case",
                order=200,
                icon="inbox",
                visible=views.can_use_desk,
            )
        )
        registry.add_demo_loader(30, "cases", demo.load)
        registry.add_home_panel(["admin", "leader", "dept"], panels.desk_panel, order=190)
        registry.add_home_panel(["admin", "leader", "dept", "community", "grid"], panels.cases_panel, order=200)
        registry.add_home_panel(["resident"], panels.resident_panel, order=200)
        # Every 10 minutes: warn before deadlines, escalate overdue cases (run_scheduler enqueues it).
        registry.add_periodic("cases.check_deadlines", 600, services.cases_check_deadlines)
        registry.add_settings("cases.", conf.validate, conf.clear_cache)
        registry.add_deletion_blocker("orgs.Department", services.open_cases_of_department)
        registry.add_deletion_blocker("orgs.Community", services.open_cases_in_place)
        registry.add_deletion_blocker("orgs.Grid", services.open_cases_in_place)
        registry.add_deletion_blocker("cases.Category", services.subcategories_under)
        # Routing left to the worker (SHANZHI_CASES_ROUTE_IN_WORKER): intake wakes the worker;
        # this sweep catches any case whose wake-up was lost.
        registry.add_periodic("cases.route_pending", 60, services.cases_route_pending)
        # The queued intake (POST /api/cases/submissions/): the same safety net for its filing.
        registry.add_periodic("cases.file_submissions", 60, services.cases_file_submissions)
        # Nightly: retrain routing from the cases assigned (and re-routed) since.
        registry.add_periodic(training.TRAIN_JOB, 86400, training.routing_train_all)

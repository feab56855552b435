from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "shanzhi.fieldwork"
    label = "fieldwork"
    verbose_name = _("Field work")

    def ready(self):
        from shanzhi.core.registry import MenuItem, registry
        from shanzhi.fieldwork import conf, demo, panels, services

        section = _("Field work")
        for order, (label, url, perm, icon) in enumerate(
            [
                (_("Micro-wishes"), "fieldwork:wish_list", "fieldwork.view_wish", "heart"),
                (_("Wish wall"), "fieldwork:wish_wall", None, "heart-handshake"),
                (_("Disputes"), "fieldwork:dispute_list", "fieldwork.view_dispute", "scale"),
                (_("Patrols"), "fieldwork:patrol_list", "fieldwork.view_patrol", "walk"),
                (_("Patrol findings"), "fieldwork:finding_list", "fieldwork.view_finding", "alert-circle"),
                (_("Patrol plans"), "fieldwork:patrolplan_list", "fieldwork.view_patrolplan", "calendar-repeat"),
                (_("Patrol compliance"), "fieldwork:compliance", "fieldwork.view_patrolplan", "chart-bar"),
                (_("Checklists"), "fieldwork:checklist_list", "fieldwork.view_checklist", "list-check"),
                (_("River sections"), "fieldwork:riversection_list", "fieldwork.view_riversection", "ripple"),
                (_("Enterprise safety"), "fieldwork:safetyrecord_list", "fieldwork.view_safetyrecord", "shield-check"),
                (_("Hazards"), "fieldwork:hazard_list", "fieldwork.view_hazard", "alert-triangle"),
                (_("Incidents"), "fieldwork:incident_list", "fieldwork.view_incident", "urgent"),
                (_("Alert chains"), "fieldwork:alertchain_list", "fieldwork.view_alertchain", "bell-ringing"),
            ]
        ):
            registry.add_menu(
                MenuItem(section=section, label=label, url_name=url, permission=perm, order=300 + order, icon=icon)
            )
        registry.add_demo_loader(40, "field work", demo.load)
        registry.add_home_panel(["admin", "leader", "community", "grid", "dept"], panels.fieldwork_panel, order=300)
        registry.add_home_panel(["resident"], panels.resident_panel, order=300)
        registry.add_periodic("fieldwork.incidents_escalate", 60, services.incidents_escalate)
        registry.add_periodic("fieldwork.wishes_flag_near_deadline", 3600, services.wishes_flag_near_deadline)
        registry.add_periodic("fieldwork.patrols_flag_overdue", 3600, services.patrols_flag_overdue)
        registry.add_settings(conf.PREFIX, conf.validate)
        try:
            from shanzhi.cases.hooks import register_origin_handler
        except ImportError:  # pragma: no cover - the cases engine is part of the project
            return
        register_origin_handler("fieldwork.finding", services.finding_on_case_event)

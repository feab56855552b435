from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "shanzhi.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self):
        from shanzhi.core.registry import MenuItem, registry
        from shanzhi.projects import conf, demo, panels, services

        section = _("Projects")
        for order, (label, url, icon, perm) in enumerate(
            [
                (_("Project library"), "projects:project_list", "briefcase", "projects.view_project"),
                (_("Four-batches board"), "projects:board", "layout-kanban", "projects.view_project"),
                (_("Blockers"), "projects:blocker_list", "barrier-block", "projects.view_blocker"),
                (_("Investment leads"), "projects:lead_list", "target-arrow", "projects.view_lead"),
                (_("Industry-chain map"), "projects:chain_map", "hierarchy-3", "projects.view_industrychain"),
                (_("Urban renewal"), "projects:renewal", "building-skyscraper", "projects.view_parcel"),
                (_("Renewal parcels"), "projects:parcel_list", "map-2", "projects.view_parcel"),
                (_("Livelihood projects"), "projects:livelihood", "heart-handshake", "projects.view_project"),
                (_("Public proposals"), "projects:proposal_list", "bulb", "projects.view_proposal"),
            ]
        ):
            registry.add_menu(
                MenuItem(section=section, label=label, url_name=url, permission=perm, order=300 + order, icon=icon)
            )
        _name_api_enums()
        registry.add_demo_loader(40, "projects", demo.load)
        registry.add_home_panel(["admin", "leader", "dept"], panels.projects_panel, order=300)
        registry.add_periodic("projects.stale_leads", 24 * 3600, services.stale_leads_notify)
        registry.add_settings("projects.", conf.validate)
        try:
            from shanzhi.cases.hooks import register_origin_handler
        except ImportError:  # the cases engine is optional for this app
            return
        register_origin_handler("projects.blocker", services.blocker_case_changed)


def _name_api_enums() -> None:
    """Stable OpenAPI enum names for this app's choice sets (fields such as "stage" or "kind" exist
    in several apps, and drf-spectacular otherwise invents hashed names and warns)."""
    from django.conf import settings

    prefix = "shanzhi.projects.models."
    names = {
        "ProjectKindEnum": "Project.Kind",
        "ProjectStageEnum": "Project.Stage",
        "BlockerKindEnum": "Blocker.Kind",
        "BlockerStatusEnum": "Blocker.Status",
        "LeadKindEnum": "Lead.Kind",
        "LeadSourceEnum": "Lead.Source",
        "LeadStageEnum": "Lead.Stage",
        "LeadActivityKindEnum": "LeadActivity.Kind",
        "ParcelStageEnum": "Parcel.Stage",
        "ParcelEnforcementEnum": "Parcel.Enforcement",
        "ProposalStatusEnum": "Proposal.Status",
        "ProposalCategoryEnum": "Proposal.Category",
        "ChainLinkPositionEnum": "ChainLink.Position",
    }
    overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
    for name, path in names.items():
        overrides.setdefault(name, prefix + path)

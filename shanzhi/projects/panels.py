from django.urls import reverse
from django.utils.translation import gettext as _

from shanzhi.projects.conf import get_setting
from shanzhi.projects.models import Blocker, Lead, Project


def projects_panel(request):
    user = request.user
    if not user.has_perm("projects.view_project"):
        return None
    projects = Project.objects.restrict(user)
    stats = [
        (_("Projects"), projects.count(), reverse("projects:project_list")),
        (
            _("Under construction"),
            projects.filter(stage=Project.Stage.STARTED).count(),
            reverse("projects:project_list") + "?stage=started",
        ),
        (
            _("Behind plan"),
            projects.filter(pk__in=_behind_ids(projects)).count(),
            reverse("projects:project_list") + "?behind=true",
        ),
    ]
    if user.has_perm("projects.view_blocker"):
        stats.append(
            (
                _("Open blockers"),
                Blocker.objects.restrict(user).filter(status__in=[Blocker.Status.OPEN, Blocker.Status.RAISED]).count(),
                reverse("projects:blocker_list"),
            )
        )
    if user.has_perm("projects.view_lead"):
        days = int(get_setting("projects.lead_stale_days", 30))
        stats.append(
            (
                _("Idle leads"),
                Lead.objects.restrict(user).stale(days).count(),
                reverse("projects:lead_list") + "?stale=true",
            )
        )
    return {
        "title": _("Projects"),
        "template": "includes/panel_links.html",
        "stats": stats,
        "links": [
            (_("Four-batches board"), reverse("projects:board")),
            (_("Livelihood projects"), reverse("projects:livelihood")),
        ],
    }


def _behind_ids(projects):
    from shanzhi.projects.filtersets import ProjectFilterSet

    return ProjectFilterSet().filter_behind(projects, "behind", True).values("pk")

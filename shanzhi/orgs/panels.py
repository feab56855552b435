from django.urls import reverse
from django.utils.translation import gettext as _

from shanzhi.core.scoping import CHANGE, scope_for
from shanzhi.orgs.models import Community, Enterprise, Grid


def organisation_panel(request):
    """The communities, grids and enterprises the user answers for (not the reference data
    every staff member may read)."""
    user = request.user
    scope = scope_for(user)
    if scope.level == "department":
        return None
    action = "view" if scope.is_all else CHANGE
    communities = Community.objects.restrict(user, action)
    grids = Grid.objects.restrict(user, action)
    if scope.level == "grid":
        communities = Community.objects.filter(pk__in=scope.community_ids)
    return {
        "title": _("My area"),
        "template": "includes/panel_links.html",
        "stats": [
            (_("Communities"), communities.count(), reverse("orgs:community_list")),
            (_("Grids"), grids.count(), reverse("orgs:grid_list")),
            (_("Enterprises"), Enterprise.objects.restrict(user).count(), reverse("orgs:enterprise_list")),
        ],
        "links": [(_("Grid map"), reverse("orgs:map"))],
    }

from django.urls import reverse
from django.utils.translation import gettext as _

from shanzhi.orgs.models import Community, Enterprise, Grid


def organisation_panel(request):
    user = request.user
    return {
        "title": _("My area"),
        "template": "includes/panel_links.html",
        "stats": [
            (_("Communities"), Community.objects.restrict(user).count(), reverse("orgs:community_list")),
            (_("Grids"), Grid.objects.restrict(user).count(), reverse("orgs:grid_list")),
            (_("Enterprises"), Enterprise.objects.restrict(user).count(), reverse("orgs:enterprise_list")),
        ],
        "links": [(_("Grid map"), reverse("orgs:map"))],
    }

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.cockpit import selectors


def cockpit_panel(request):
    user = request.user
    if not user.has_perm("cockpit.view_casestat") or not user.has_perm("cases.view_case"):
        return None
    data = selectors.cases_widget(user, timezone.localdate())
    return {
        "title": _("Cockpit") + " · " + selectors.scope_label(user),
        "template": "includes/panel_links.html",
        "stats": [
            (_("Cases today"), data["today"], data["today_url"]),
            (_("This month"), data["month_total"], data["month_total_url"]),
            (_("Overdue"), data["overdue"], data["overdue_url"]),
        ],
        "links": [(_("Open the cockpit"), reverse("cockpit:cockpit")), (_("Big screen"), reverse("cockpit:bigscreen"))],
    }

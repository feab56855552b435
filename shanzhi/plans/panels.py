from django.urls import reverse
from django.utils.translation import gettext as _

from shanzhi.plans.models import PlanNode, Status, SupervisionNotice


def plan_panel(request):
    user = request.user
    if not user.has_perm("plans.view_plannode"):
        return None
    tasks = PlanNode.objects.restrict(user).filter(lead_unit__isnull=False, closed_at__isnull=True)
    if user.role == "dept" and user.department_id:
        tasks = tasks.filter(lead_unit_id=user.department_id)
    stats = [
        (_("Supervised tasks"), tasks.count(), reverse("plans:node_list") + "?supervised=1"),
        (_("Yellow"), tasks.filter(status=Status.YELLOW).count(), reverse("plans:node_list") + "?status=yellow"),
        (_("Red"), tasks.filter(status=Status.RED).count(), reverse("plans:node_list") + "?status=red"),
    ]
    if user.has_perm("plans.view_supervisionnotice"):
        open_notices = SupervisionNotice.objects.restrict(user).filter(state=SupervisionNotice.State.OPEN).count()
        stats.append((_("Open supervision notices"), open_notices, reverse("plans:notice_list") + "?state=open"))
    return {
        "title": _("Work plan supervision"),
        "template": "includes/panel_links.html",
        "stats": stats,
        "links": [(_("Plan tree"), reverse("plans:plan_list")), (_("Indicators"), reverse("plans:indicator_list"))],
    }

from django.urls import reverse
from django.utils.translation import gettext as _

from shanzhi.fieldwork import selectors
from shanzhi.fieldwork.models import Finding, IncidentAlert, Patrol, Wish


def fieldwork_panel(request):
    user = request.user
    stats, links = [], []
    my_alerts = (
        IncidentAlert.objects.filter(user=user, acknowledged_at__isnull=True).exclude(incident__status="closed").count()
    )
    if user.has_perm("fieldwork.view_incident"):
        stats.append(
            (
                _("Open incidents"),
                selectors.open_incidents(user).count(),
                reverse("fieldwork:incident_list") + "?status=open",
            )
        )
        links.append((_("Report an incident"), reverse("fieldwork:incident_add")))
    if my_alerts:
        stats.append((_("Alerts to acknowledge"), my_alerts, reverse("fieldwork:incident_list")))
    if user.has_perm("fieldwork.view_patrol"):
        stats.append(
            (
                _("Open findings"),
                Finding.objects.restrict(user).filter(status__in=["open", "sent_back"]).count(),
                reverse("fieldwork:finding_list"),
            )
        )
        current = Patrol.objects.filter(patroller=user, status=Patrol.Status.IN_PROGRESS).first()
        if current:
            links.insert(
                0,
                (
                    _("Continue my patrol %(code)s") % {"code": current.code},
                    reverse("fieldwork:patrol_detail", args=[current.pk]),
                ),
            )
        elif user.has_perm("fieldwork.add_patrol"):
            links.insert(0, (_("Start a patrol"), reverse("fieldwork:patrol_start")))
    if user.has_perm("fieldwork.view_dispute"):
        stats.append(
            (
                _("High-risk disputes"),
                selectors.high_risk_disputes(user).count(),
                reverse("fieldwork:dispute_list") + "?risk_level=high",
            )
        )
    if user.has_perm("fieldwork.view_wish"):
        stats.append(
            (
                _("Wishes to review"),
                Wish.objects.restrict(user).filter(status="submitted").count(),
                reverse("fieldwork:wish_list") + "?status=submitted",
            )
        )
    if not stats:
        return None
    return {"title": _("Field work"), "template": "includes/panel_links.html", "stats": stats, "links": links}


def resident_panel(request):
    user = request.user
    return {
        "title": _("Micro-wishes"),
        "template": "includes/panel_links.html",
        "stats": [
            (_("My wishes"), Wish.objects.filter(submitted_by=user).count(), reverse("fieldwork:wish_list")),
            (_("Wishes I claimed"), Wish.objects.filter(claimer_user=user).count(), reverse("fieldwork:wish_list")),
        ],
        "links": [
            (_("Post a micro-wish"), reverse("fieldwork:wish_add")),
            (_("Wish wall"), reverse("fieldwork:wish_wall")),
        ],
    }

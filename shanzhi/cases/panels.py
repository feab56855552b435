from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from shanzhi.cases.models import Case


def cases_panel(request):
    user = request.user
    qs = Case.objects.restrict(user)
    now = timezone.now()
    return {
        "title": _("Cases"),
        "template": "includes/panel_links.html",
        "stats": [
            (_("Open"), qs.open().count(), reverse("cases:case_list") + "?open=1"),
            (_("Overdue"), qs.overdue(now).count(), reverse("cases:case_list") + "?overdue=1"),
            (
                _("To sign for"),
                qs.filter(status=Case.Status.DISPATCHED).count(),
                reverse("cases:case_list") + "?status=dispatched",
            ),
        ],
        "links": [
            (label, reverse(url))
            for label, url, perm in (
                (_("Three rates"), "cases:rates", "cases.view_rates"),
                (_("Hotline entry"), "cases:case_add", "cases.add_case"),
            )
            if user.has_perm(perm)
        ],
    }


def desk_panel(request):
    """派单台: how many cases wait for a person (desk staff, leaders, administrators)."""
    from shanzhi.cases.views import can_use_desk, waiting_at_desk

    user = request.user
    if not can_use_desk(user):
        return None
    waiting = waiting_at_desk(Case.objects.restrict(user))
    counts = waiting.aggregate(
        total=Count("pk"),
        returned=Count("pk", filter=Q(status=Case.Status.RETURNED)),
        outside=Count("pk", filter=Q(grid__isnull=True)),
        oldest=Min("received_at"),
    )
    url = reverse("cases:desk")
    oldest = counts["oldest"]
    return {
        "title": _("Dispatch desk"),
        "template": "includes/panel_links.html",
        "stats": [
            (_("Waiting for dispatch"), counts["total"], url),
            (_("Returned"), counts["returned"], url + "?status=returned"),
            (_("Outside every grid"), counts["outside"], url + "?outside_grids=true"),
        ],
        "links": [
            (
                _("Open the queue (oldest waiting %(t)s)") % {"t": timesince(oldest)}
                if oldest
                else _("Open the queue"),
                url,
            )
        ],
    }


def resident_panel(request):
    qs = Case.objects.restrict(request.user)
    return {
        "title": _("My requests"),
        "template": "includes/panel_links.html",
        "stats": [(_("Submitted"), qs.count(), reverse("cases:case_list"))],
        "links": [
            (_("Submit a request"), reverse("cases:public_submit")),
            (_("Track by code"), reverse("cases:public_track")),
        ],
    }

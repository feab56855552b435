from django.urls import reverse
from django.utils import timezone
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
        "links": [(_("Three rates"), reverse("cases:rates")), (_("Hotline entry"), reverse("cases:case_add"))],
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

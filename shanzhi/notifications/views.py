from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import generic

from shanzhi.core.scoping import VIEW
from shanzhi.core.views import ScopedMixin
from shanzhi.notifications.models import Notification
from shanzhi.notifications.services import notification_mark_read


class InboxMixin(ScopedMixin):
    """The inbox is restricted to the recipient through the same scoped queryset."""

    model = Notification
    scope_action = VIEW
    require_model_permission = False


class InboxView(InboxMixin, generic.ListView):
    template_name = "notifications/inbox.html"
    paginate_by = 30

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.GET.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        return qs


class OpenView(InboxMixin, generic.View):
    def get(self, request, pk):
        n = get_object_or_404(self.get_queryset(), pk=pk)
        notification_mark_read(actor=request.user, notification_ids=[n.pk])
        return HttpResponseRedirect(n.url or "/notifications/")


class MarkAllReadView(InboxMixin, generic.View):
    def post(self, request):
        notification_mark_read(actor=request.user)
        return HttpResponseRedirect("/notifications/")


class UnreadCountView(InboxMixin, generic.View):
    def get(self, request):
        return HttpResponse(str(self.get_queryset().filter(read_at__isnull=True).count()))

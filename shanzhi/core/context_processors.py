from django.conf import settings
from django.urls import NoReverseMatch, reverse

from shanzhi.core.registry import registry


def _menu_for(user):
    if not user.is_authenticated:
        return []
    sections: dict[str, list] = {}
    for item in sorted(registry.menu, key=lambda i: i.order):
        if item.roles is not None and user.role not in item.roles and not user.is_superuser:
            continue
        if item.permission and not user.has_perm(item.permission):
            continue
        if item.visible is not None and not item.visible(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(str(item.section), []).append({"label": item.label, "url": url, "icon": item.icon})
    return list(sections.items())


def shanzhi(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from shanzhi.notifications.models import Notification

        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {
        "SITE_NAME": settings.SITE_NAME,
        "menu_sections": _menu_for(user) if user is not None else [],
        "unread_notifications": unread,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
    }

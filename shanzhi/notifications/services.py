"""Sending notifications: the in-app inbox always, and the gateways after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation

from shanzhi.core import db
from shanzhi.core.texts import Text
from shanzhi.notifications.gateways import GatewayError, gateway_for
from shanzhi.notifications.models import Notification, OutboundMessage


def notification_send(*, channels: Iterable[str] = (), **message) -> list[Notification]:
    """Put a message (`notification_rows`' arguments) in each recipient's inbox; deliver it
    through the gateways of `channels` in the background once the surrounding transaction
    commits. A `Text` title is shown in each reader's language."""
    created = notification_rows(**message)
    db.insert(created)
    channels = list(channels)
    for n in created if channels else ():
        for channel in channels:
            ids = (n.pk, channel)
            transaction.on_commit(lambda ids=ids: deliver_notification.enqueue(*ids))
    return created


def notification_rows(
    *,
    recipients: Iterable,
    title: str | Text,
    body: str | Text = "",
    url: str = "",
    level: str = Notification.Level.INFO,
    kind: str = "",
    topic: str = "",
) -> list[Notification]:
    """The inbox rows of one message, not yet saved, one per recipient (`notification_send`
    saves them; a writer of many messages passes them to `core.db.insert` together)."""
    if not isinstance(title, Text):
        title = title[:200]
    return [
        Notification(recipient=user, title=title, body=body, url=url, level=level, kind=kind, topic=topic)
        for user in {u.pk: u for u in recipients if u is not None}.values()
    ]


@task()
def deliver_notification(notification_id: int, channel: str) -> str:
    n = Notification.objects.select_related("recipient").get(pk=notification_id)
    return deliver_now(n, channel)


def deliver_now(n: Notification, channel: str) -> str:
    """Send one message now, in the platform's language (a text message has one reader we do
    not know the language of)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _deliver(n, channel)


def _deliver(n: Notification, channel: str) -> str:
    gw = gateway_for(channel)
    to = n.recipient.phone or n.recipient.username
    if gw is None:
        OutboundMessage.objects.create(
            notification=n,
            gateway="-",
            channel=channel,
            to=to,
            text=str(n.title),
            status=OutboundMessage.Status.FAILED,
            response="no gateway for this channel",
        )
        return "no gateway"
    text = f"{n.title} {n.body}".strip()[:500]
    try:
        answer = gw.send(to, text)
        status = OutboundMessage.Status.SENT
    except GatewayError as exc:
        answer, status = str(exc), OutboundMessage.Status.FAILED
    OutboundMessage.objects.create(
        notification=n, gateway=gw.name, channel=channel, to=to, text=text, status=status, response=answer
    )
    return status


def notification_mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())

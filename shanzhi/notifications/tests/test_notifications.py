"""Inbox, unread counts, and delivery through a gateway by the real database-backed worker."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from shanzhi.notifications.gateways import BaseGateway, GatewayError
from shanzhi.notifications.models import Notification, OutboundMessage
from shanzhi.notifications.services import deliver_now, notification_mark_read, notification_send

pytestmark = pytest.mark.django_db(transaction=True)


def test_inbox_lists_only_own_messages_with_unread_badge(client_for, org):
    notification_send(recipients=[org.users["grid"]], title="网格巡查提醒", url="/home/")
    notification_send(recipients=[org.others["grid"]], title="别人的消息")
    c = client_for("grid")
    resp = c.get(reverse("notifications:inbox"))
    text = resp.content.decode()
    assert "网格巡查提醒" in text and "别人的消息" not in text
    assert 'id="unread-count">1<' in text
    assert c.get(reverse("notifications:unread_count")).content == b"1"
    other = Notification.objects.get(title="别人的消息")
    assert c.get(reverse("notifications:open", args=[other.pk])).status_code == 404
    mine = Notification.objects.get(title="网格巡查提醒")
    resp = c.get(reverse("notifications:open", args=[mine.pk]))
    assert resp.status_code == 302 and resp["Location"] == "/home/"
    assert c.get(reverse("notifications:unread_count")).content == b"0"


def test_mark_all_read_touches_only_own(org):
    notification_send(recipients=[org.users["grid"], org.users["community"]], title="通知")
    assert notification_mark_read(actor=org.users["grid"]) == 1
    assert Notification.objects.filter(recipient=org.users["community"], read_at__isnull=True).count() == 1


def test_gateway_delivery_runs_in_the_background_worker(org):
    notification_send(recipients=[org.users["leader"]], title="突发事件", body="请立即确认", channels=("sms", "wechat"))
    assert OutboundMessage.objects.count() == 0  # queued, not sent inline
    call_command("db_worker", queue_name="*", batch=True, no_startup_delay=True, verbosity=0)
    sent = OutboundMessage.objects.order_by("channel")
    assert [(m.channel, m.status, m.gateway) for m in sent] == [("sms", "sent", "log"), ("wechat", "sent", "log")]
    assert sent[0].to == "13812345678" and "突发事件" in sent[0].text


class FailingGateway(BaseGateway):
    name = "failing"
    channels = ("sms",)

    def send(self, to, text):
        raise GatewayError("provider refused: quota exceeded")


def test_gateway_failure_is_recorded_not_lost(org, settings):
    from shanzhi.notifications import gateways

    settings.NOTIFICATION_GATEWAYS = ["shanzhi.notifications.tests.test_notifications.FailingGateway"]
    gateways.configured_gateways.cache_clear()
    try:
        n = Notification.objects.create(recipient=org.users["leader"], title="测试")
        assert deliver_now(n, "sms") == "failed"
        assert deliver_now(n, "fax") == "no gateway"
        rows = list(OutboundMessage.objects.values_list("channel", "status", "response"))
        assert ("sms", "failed", "provider refused: quota exceeded") in rows
        assert ("fax", "failed", "no gateway for this channel") in rows
        assert Notification.objects.filter(pk=n.pk).exists()
    finally:
        gateways.configured_gateways.cache_clear()

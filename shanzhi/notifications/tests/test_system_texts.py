"""A notice the system writes reads in its reader's language: title and body."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from shanzhi.core.texts import Text
from shanzhi.notifications.models import Notification
from shanzhi.notifications.services import deliver_now, notification_send

pytestmark = pytest.mark.django_db


def test_title_and_body_follow_the_reader_and_the_notice_has_a_name(org):
    user = org.users["dept"]
    with translation.override("en"):
        (n,) = notification_send(
            recipients=[user],
            title=Text(gettext_noop("Deadline near: %(c)s"), c="SZ1"),
            body=Text(gettext_noop("The deadline is near.")),
        )
    n = Notification.objects.get(pk=n.pk)
    with translation.override("zh-hans"):
        assert (str(n), str(n.body)) == ("临期预警：SZ1", "办理时限临近。")  # str() raised TypeError
    with translation.override("en"):
        assert (str(n), str(n.body)) == ("Deadline near: SZ1", "The deadline is near.")


def test_a_text_message_goes_out_in_the_platforms_language(org, settings):
    user = org.users["dept"]
    with translation.override("en"):
        (n,) = notification_send(recipients=[user], title=Text(gettext_noop("Deadline near: %(c)s"), c="SZ1"))
        deliver_now(Notification.objects.get(pk=n.pk), "sms")
    assert n.outbound.get().text.startswith("临期预警：SZ1")

import shanzhi.core.texts
from django.db import migrations

from shanzhi.core.migration_ops import to_system_text


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        to_system_text(
            "notification",
            "title",
            shanzhi.core.texts.SystemTextField(verbose_name="title"),
            table="notifications_notification",
            column="title",
            length=200,
        ),
    ]

import shanzhi.core.texts
from django.db import migrations

from shanzhi.core.migration_ops import to_system_text


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_system_texts"),
    ]

    operations = [
        to_system_text("notification", "body", shanzhi.core.texts.SystemTextField(blank=True, verbose_name="body")),
    ]

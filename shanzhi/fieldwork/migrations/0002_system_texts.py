import shanzhi.core.texts
from django.db import migrations

from shanzhi.core.migration_ops import to_system_text


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0001_initial"),
    ]

    operations = [
        to_system_text("fieldevent", "note", shanzhi.core.texts.SystemTextField(blank=True, verbose_name="note")),
    ]

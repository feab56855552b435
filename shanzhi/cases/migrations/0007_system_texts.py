import shanzhi.core.texts
from django.db import migrations

from shanzhi.core.migration_ops import to_system_text


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_partial_indexes"),
    ]

    operations = [
        to_system_text(
            "case",
            "routing_reason",
            shanzhi.core.texts.SystemTextField(blank=True, verbose_name="routing reason"),
            table="cases_case",
            column="routing_reason",
            length=500,
        ),
        to_system_text("caseevent", "note", shanzhi.core.texts.SystemTextField(blank=True, verbose_name="note")),
    ]
